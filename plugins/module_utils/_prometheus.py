# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one Prometheus HTTP API client (instant and range queries).

Plain Python on top of ``requests`` (no import from ansible itself). Every failure is a
``PrometheusError`` whose ``kind`` says what went wrong (``unreachable``, ``auth``,
``promql``, ``answer``) and whose text an operator can act on. An empty result is
not a failure: the caller sees an empty list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from urllib.parse import urlsplit

# One optional-import of requests for the collection: the RPC client's.
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import HAS_REQUESTS, requests

DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


class PrometheusError(Exception):
    """A failed Prometheus call; ``kind`` is unreachable, auth, promql or answer."""

    def __init__(self, kind, message):
        super(PrometheusError, self).__init__(message)
        self.kind = kind


def parse_duration(text):
    """Seconds in a Prometheus duration such as ``90s``, ``5m`` or ``1h30m``; raises ValueError."""
    value = str(text).strip()
    if not value or _DURATION.sub("", value):
        raise ValueError("%r is not a duration (expected e.g. 30s, 5m, 1h30m)" % (text,))
    return sum(float(number) * DURATION_UNITS[unit] for number, unit in _DURATION.findall(value))


def resolve_time(value, now):
    """A query time: None, epoch seconds, ``now``, ``now-15m``/``-15m`` (relative) or an RFC3339 string (as given)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text == "now":
        return float(now)
    relative = text[3:] if text.startswith("now") else text
    if relative.startswith("-"):
        return float(now) - parse_duration(relative[1:])
    try:
        return float(text)
    except ValueError:
        return text


def _number(text):
    """A sample value; NaN and infinities (which JSON cannot carry) become None."""
    value = float(text)
    return value if math.isfinite(value) else None


def simplify(result_type, result):
    """The API's result -> a list of ``{metric, value, timestamp}`` (vector, scalar) or ``{metric, values}`` (matrix)."""
    if result_type == "matrix":
        return [{"metric": series.get("metric", {}), "values": [[float(t), _number(v)] for t, v in series.get("values", [])]} for series in result]
    if result_type == "vector":
        return [{"metric": sample.get("metric", {}), "timestamp": float(sample["value"][0]), "value": _number(sample["value"][1])} for sample in result]
    if result_type == "scalar":
        return [{"metric": {}, "timestamp": float(result[0]), "value": _number(result[1])}]
    return [{"metric": {}, "timestamp": float(result[0]), "value": result[1]}]


def check_url(url):
    """Return ``url`` without a trailing slash, or raise PrometheusError naming the bad value."""
    text = "" if url is None else str(url).strip()
    try:
        parts = urlsplit(text)
        parts.port  # pylint: disable=pointless-statement  # read only so that a malformed port raises
    except ValueError as exc:
        raise PrometheusError("answer", "url=%r is not a valid URL (%s); expected e.g. http://127.0.0.1:9090" % (text, exc))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PrometheusError("answer", "url=%r is not a valid Prometheus URL; expected http://HOST:PORT or https://HOST:PORT, "
                                        "e.g. http://127.0.0.1:9090" % text)
    return text.rstrip("/")


class PrometheusClient:
    """Client for one Prometheus server's HTTP API."""

    def __init__(self, url, timeout=10.0, bearer_token=None, username=None, password=None, validate_certs=True, ca_path=None,
                 client_cert=None, client_key=None):
        if not HAS_REQUESTS:
            raise PrometheusError("answer", "the Python library 'requests' is not installed on this host")
        self.url = check_url(url)
        self.timeout = float(timeout)
        self._session = requests.Session()
        if bearer_token:
            self._session.headers["Authorization"] = "Bearer %s" % bearer_token
        elif username:
            self._session.auth = (username, password or "")
        self._session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        if client_cert:
            self._session.cert = (client_cert, client_key) if client_key else client_cert

    def close(self):
        self._session.close()

    def query(self, promql, at=None):
        """Instant query; returns ``(result_type, simplified result, warnings)``."""
        params = {"query": promql}
        if at is not None:
            params["time"] = at
        return self._api("query", params, promql)

    def query_range(self, promql, start, end, step):
        params = {"query": promql, "start": start, "end": end, "step": step}
        return self._api("query_range", params, promql)

    def alerts(self):
        """Active alerts (pending and firing) as the API lists them."""
        return self._get("alerts", {}, None)["alerts"]

    def _api(self, endpoint, params, promql):
        data = self._get(endpoint, params, promql)
        return data["resultType"], simplify(data["resultType"], data["result"]), data.get("warnings", [])

    def _get(self, endpoint, params, promql):
        target = "%s/api/v1/%s" % (self.url, endpoint)
        try:
            # POST form: long PromQL does not fit in a URL, and Prometheus accepts both.
            response = self._session.post(target, data=params, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise PrometheusError("unreachable", "%s: TLS failed (%s); check ca_path, client_cert or validate_certs" % (target, str(exc)[:200]))
        except requests.exceptions.Timeout:
            raise PrometheusError("unreachable", "%s: no answer within %gs (is Prometheus overloaded?)" % (target, self.timeout))
        except requests.exceptions.ConnectionError as exc:
            raise PrometheusError("unreachable", "%s: cannot connect (%s); is Prometheus running at this address?"
                                  % (target, str(exc).splitlines()[0][:160]))
        except requests.exceptions.RequestException as exc:
            raise PrometheusError("unreachable", "%s: request failed: %s" % (target, exc))
        if response.status_code in (401, 403):
            raise PrometheusError("auth", "%s: HTTP %d, access denied: check bearer_token or username/password" % (target, response.status_code))
        try:
            document = response.json()
        except ValueError:
            raise PrometheusError("answer", "%s: HTTP %d and the answer is not JSON (body starts with %r): is this the Prometheus URL?"
                                  % (target, response.status_code, response.text.strip()[:80]))
        if not isinstance(document, dict) or "status" not in document:
            raise PrometheusError("answer", "%s: the answer is JSON but not a Prometheus API answer" % target)
        if document["status"] != "success":
            kind = "promql" if document.get("errorType") in ("bad_data", "execution", "timeout", "canceled") else "answer"
            raise PrometheusError(kind, "PromQL %s error in %r: %s" % (document.get("errorType", "unknown"), promql, document.get("error", "")))
        return document["data"]
