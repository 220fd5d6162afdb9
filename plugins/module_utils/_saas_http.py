# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the communication modules (Slack, PagerDuty, Statuspage).

JSON in, JSON out, a configurable base URL (so tests point it at local doubles), HTTP 429 honoured
with ``Retry-After`` (bounded), network errors retried, and every failure turned into one readable
``SaasError`` whose text never contains the credential. In dry-run mode (no credential, or check mode) nothing is
sent: the request is appended to the outbox file instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import append_outbox, redact


class SaasError(Exception):
    """``kind`` is one of auth, rate_limited, network, http, api; ``status`` the HTTP status if any."""

    def __init__(self, kind, message, status=None):
        super(SaasError, self).__init__(message)
        self.kind = kind
        self.status = status


def saas_argument_spec(default_url, **extra):
    """Options every communication module has (documented by the C(saas) doc fragment)."""
    spec = dict(
        api_url=dict(type="str", default=default_url),
        timeout=dict(type="float", default=10.0),
        retries=dict(type="int", default=3),
        max_retry_wait=dict(type="float", default=30.0),
        outbox=dict(type="path"),
    )
    spec.update(extra)
    return spec


def _retry_after(headers, default):
    try:
        return max(0.0, float(headers.get("Retry-After")))
    except (TypeError, ValueError):
        return default


class SaasClient(object):
    """One service: ``call(method, path, body)`` -> parsed JSON; ``dry_run`` in check mode or when ``credential`` is empty.

    The credential is removed from every record, error and outbox line, in a dry run too (nothing is sent with it
    then, but it may have been pasted into a message).
    """

    def __init__(self, service, params, credential, auth_header=None, sleep=time.sleep, check_mode=False):
        self.service = service
        self.base = params["api_url"].rstrip("/")
        self.timeout = params["timeout"]
        self.retries = params["retries"]
        self.max_retry_wait = params["max_retry_wait"]
        self.outbox = params.get("outbox")
        self.credential = credential or ""
        self.auth_header = auth_header
        self.dry_run = check_mode or not self.credential
        self.sleep = sleep
        self.attempts = 0
        self.rate_limited = 0
        self.sent = []

    def _headers(self):
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.auth_header:
            headers["Authorization"] = self.auth_header
        return headers

    def _fail(self, kind, message, status=None):
        raise SaasError(kind, "%s: %s" % (self.service, redact(message, [self.credential])), status)

    def call(self, method, path, body):
        url = self.base + path
        record = {"service": self.service, "method": method, "url": url, "body": redact(body, [self.credential])}
        self.sent.append(record)
        if self.dry_run:
            append_outbox(self.outbox, dict(record, dry_run=True))
            return None
        data = json.dumps(body).encode("utf-8")
        for attempt in range(self.retries + 1):
            self.attempts += 1
            last = attempt == self.retries
            try:
                response = open_url(url, data=data, method=method, headers=self._headers(), timeout=self.timeout,
                                    follow_redirects="none", use_proxy=False)
                text = response.read()
            except HTTPError as exc:
                text = exc.read() if hasattr(exc, "read") else b""
                if exc.code == 429:
                    self.rate_limited += 1
                    wait = _retry_after(exc.headers, 1.0)
                    if last or wait > self.max_retry_wait:
                        self._fail("rate_limited", "rate limited (HTTP 429, Retry-After %.0f s) after %d attempt(s); "
                                   "the message was not delivered, send it again later" % (wait, attempt + 1), 429)
                    self.sleep(wait)
                    continue
                if exc.code in (401, 403):
                    self._fail("auth", "%s %s was refused (HTTP %d): the credential is invalid or lacks permission; "
                               "check the token variable" % (method, url, exc.code), exc.code)
                if exc.code >= 500 and not last:
                    self.sleep(min(2 ** attempt, self.max_retry_wait))
                    continue
                self._fail("http", "%s %s answered HTTP %d: %s" % (method, url, exc.code, text[:300].decode("utf-8", "replace")), exc.code)
            except (URLError, socket.timeout, socket.error, ValueError) as exc:
                if last:
                    self._fail("network", "%s %s failed after %d attempt(s): %s (check api_url and the network)"
                               % (method, url, attempt + 1, getattr(exc, "reason", exc)))
                self.sleep(min(2 ** attempt, self.max_retry_wait))
                continue
            try:
                return json.loads(text.decode("utf-8")) if text.strip() else {}
            except ValueError:
                self._fail("http", "%s %s answered something that is not JSON: %r" % (method, url, text[:200]))
        self._fail("network", "%s %s: no answer" % (method, url))  # unreachable: every path above returns or raises


def outcome(client, operation, error=None, **details):
    """One communication record for the incident state and reports (never the credential)."""
    record = {"service": client.service, "operation": operation, "ok": error is None, "dry_run": client.dry_run,
              "error": str(error) if error else None, "error_kind": getattr(error, "kind", None) if error else None,
              "attempts": client.attempts, "rate_limited": client.rate_limited}
    record.update(details)
    return redact(record, [client.credential])
