# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one CometBFT RPC client.

Plain Python on top of ``requests`` with no Ansible import, so that modules,
``scripts/localnet``, the fixture capture script and the benchmarks share it.
Every call has a timeout and bounded retries (never after a timeout: see
``CometRPC.call``); every failure becomes an
``RPCError`` whose text names the endpoint and what to check. ``Answer`` reads
an answer by path and turns a missing or mistyped field into a ``ShapeError``
(the per-endpoint readers built on it are in ``_rpc_shape.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import time
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import urlencode, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity's import test
    from urllib import urlencode  # type: ignore
    from urlparse import urlsplit  # type: ignore

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only where requests is missing
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 1
DEFAULT_BACKOFF = 0.25
VALIDATORS_PER_PAGE = 100  # the server's maximum
# A gateway in front of a node answers these while the node restarts: worth one more try.
RETRYABLE_HTTP_STATUS = (502, 503, 504)


class ShapeError(ValueError):
    """An RPC answer without a field the collection needs, or with a field of another type."""


def as_int(value, field="value"):
    """Decode a CometBFT integer: int64/uint64 arrive as strings, int32 as numbers."""
    if isinstance(value, bool):
        raise ValueError("%s is a boolean, expected an integer" % field)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError("%s=%r is not an integer" % (field, value))


def _version_hint(endpoint, container):
    """Which version's answer this looks like, from the keys of the object that lacked a field."""
    keys = set(container) if isinstance(container, dict) else set()
    if endpoint == "/net_info" and {"node_id", "url"} <= keys:
        return "Tendermint v0.35 shape?"
    if endpoint == "/status" and "NodeInfo" in keys:
        return "Tendermint before v0.34 (capitalised keys)?"
    if "jsonrpc" in keys:
        return "the whole JSON-RPC envelope was passed instead of its result?"
    return "another CometBFT/Tendermint version, or not a CometBFT node?"


class Answer(object):
    """One endpoint's answer, or a part of it, read by path; every failure is a ShapeError naming the path."""

    def __init__(self, endpoint, value, where="result"):
        self.endpoint, self.value, self.where = endpoint, value, where

    def fail(self, what, container=None):
        """Raise the ShapeError; the version hint is read from ``container`` (default: this part of the answer)."""
        container = self.value if container is None else container
        raise ShapeError("unsupported %s answer: %s; %s" % (self.endpoint, what, _version_hint(self.endpoint, container)))

    def child(self, key, where=None):
        where = where or "%s.%s" % (self.where, key)
        if not isinstance(self.value, dict):
            self.fail("%s is %s, not an object" % (self.where, type(self.value).__name__), self.value)
        if key not in self.value:
            have = ", ".join(sorted(self.value)[:8]) or "nothing"
            self.fail("no %s (it has %s)" % (where, have), self.value)
        return Answer(self.endpoint, self.value[key], where)

    def get(self, path, kind=None, default=KeyError):
        """The value at dotted ``path``; ``default`` when a part is missing (a ShapeError if none is given)."""
        node = self
        for key in path.split("."):
            if default is not KeyError and not (isinstance(node.value, dict) and key in node.value):
                if node.value is not None and not isinstance(node.value, dict):
                    node.fail("%s is %s, not an object" % (node.where, type(node.value).__name__))
                return default
            node = node.child(key)
        if kind is not None and not isinstance(node.value, kind) and not (default is not KeyError and node.value is None):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            node.fail("%s is %r, not %s" % (node.where, node.value, names))
        return default if node.value is None and default is not KeyError else node.value

    def integer(self, path, default=KeyError):
        value = self.get(path, default=default)
        if value is default and default is not KeyError:
            return default
        try:
            return as_int(value, path)
        except ValueError:
            self.fail("%s.%s is %r, not an integer" % (self.where, path, value))

    def text(self, path, default=KeyError):
        return self.get(path, str, default)

    def items(self, path, optional=False):
        """The list at ``path`` as Answers (``peers[0]``, ...); a missing or null list is empty when ``optional``."""
        value = self.get(path, default=None) if optional else self.get(path)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            self.fail("%s.%s is %s, not a list" % (self.where, path, type(value).__name__))
        return [Answer(self.endpoint, item, "%s.%s[%d]" % (self.where, path, index)) for index, item in enumerate(value)]


class RPCError(Exception):
    """A failed RPC call; ``str()`` is a message an operator can act on."""

    def __init__(self, url, message):
        super(RPCError, self).__init__("%s: %s" % (url, message))
        self.url = url
        self.reason = message


def normalize_url(url):
    """Return ``url`` without a trailing slash, or raise RPCError naming the bad value."""
    text = "" if url is None else str(url).strip()
    hint = "expected http://HOST:PORT or https://HOST:PORT, e.g. http://127.0.0.1:26657"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise RPCError(text or repr(url), "invalid RPC URL (%s); %s" % (exc, hint))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RPCError(text or repr(url), "invalid RPC URL; %s" % hint)
    del port  # read only so that a malformed port (":99999", ":abc") raises above
    return text.rstrip("/")


def parse_time(text):
    """Seconds since the epoch of an RFC3339Nano UTC time (``2026-11-27T00:06:24.128707604Z``)."""
    if not isinstance(text, str) or not text:
        raise ValueError("time %r is not an RFC3339 string" % (text,))
    base, _sep, rest = text.rstrip("Z").partition(".")
    fraction = rest.split("+")[0] if rest else "0"
    seconds = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return seconds + float("0." + (fraction or "0"))


def _describe_connection_error(exc):
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused (is the node running and is its rpc.laddr listening on this address and port?)"
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "failed to resolve" in lowered:
        return "host name does not resolve (check the inventory's node_rpc_url)"
    if "no route to host" in lowered or "network is unreachable" in lowered:
        return "host unreachable (network or firewall problem)"
    if "reset by peer" in lowered or "remotedisconnected" in lowered or "connection aborted" in lowered:
        return "connection closed by the server before it answered"
    return "cannot connect (%s)" % text.splitlines()[0][:200]


class CometRPC:
    """Client for one node's RPC endpoint."""

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF):
        if not HAS_REQUESTS:
            raise RPCError(str(url), "the Python library 'requests' is not installed on this host")
        self.url = normalize_url(url)
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        # One session per endpoint: keeps the TCP connection for polling, and
        # sessions are not shared between the fan-out threads.
        self._session = requests.Session()

    def close(self):
        self._session.close()

    def call(self, method, **params):
        """GET ``/<method>?params`` and return the JSON-RPC ``result`` object.

        Refused connections and 502/503/504 are retried (cheap, and a restarting node answers the next try); a
        timeout is not: an endpoint that accepted the connection and stayed silent for ``timeout`` seconds rarely
        answers the next try, and retrying it doubled the cost of every call to a hung node.
        """
        query = dict((k, v) for k, v in params.items() if v is not None)
        target = "%s/%s" % (self.url, method)
        if query:
            target = "%s?%s" % (target, urlencode(query))
        attempt = 0
        while True:
            try:
                return self._call_once(target)
            except _Retryable as exc:
                if attempt >= self.retries:
                    raise RPCError(target, exc.message)
                attempt += 1
                time.sleep(self.backoff * attempt)

    def _call_once(self, target):
        try:
            response = self._session.get(target, timeout=self.timeout, headers={"Accept": "application/json"})
        except requests.exceptions.Timeout:
            raise RPCError(target, "no answer within %gs (node overloaded or hung, or the port is firewalled?)" % self.timeout)
        except requests.exceptions.ConnectionError as exc:
            raise _Retryable(_describe_connection_error(exc))
        except requests.exceptions.RequestException as exc:
            raise RPCError(target, "request failed: %s" % exc)
        try:
            document = response.json()
        except ValueError:
            if response.status_code in RETRYABLE_HTTP_STATUS:
                raise _Retryable("HTTP %d from a proxy or a node that is starting" % response.status_code)
            body = response.text.strip().replace("\n", " ")[:80]
            raise RPCError(
                target,
                "the answer is not JSON (HTTP %d, body starts with %r): is this a CometBFT RPC port?" % (response.status_code, body),
            )
        if not isinstance(document, dict):
            raise RPCError(target, "the answer is JSON but not a JSON-RPC object: is this a CometBFT RPC port?")
        error = document.get("error")
        if error:
            raise RPCError(target, _describe_rpc_error(error))
        if "result" not in document:
            raise RPCError(target, "the answer has no 'result' (HTTP %d): is this a CometBFT RPC port?" % response.status_code)
        return document["result"]

    def status(self):
        return self.call("status")

    def net_info(self):
        return self.call("net_info")

    def consensus_state(self):
        return self.call("consensus_state")

    def dump_consensus_state(self):
        return self.call("dump_consensus_state")

    def commit(self, height=None):
        return self.call("commit", height=height)

    def block_hash(self, height):
        """The hash of the block at ``height``, as this node committed it (what nodes at different heights can compare)."""
        return Answer("/commit", self.commit(height)).text("signed_header.commit.block_id.hash")

    def block(self, height=None):
        return self.call("block", height=height)

    def validators(self, height=None, per_page=VALIDATORS_PER_PAGE):
        """Every validator at ``height`` (all pages), in validator-index order: ``[{address, voting_power}]``.

        ShapeError when the pages do not add up: a page that repeats an earlier one (a proxy ignoring ``page``), or
        fewer validators than ``total`` once the pages run out.
        """
        collected, seen = [], set()
        page = 1
        while True:
            batch, total = _validators_page(self.call("validators", height=height, page=page, per_page=per_page))
            if any(v["address"] in seen for v in batch):
                raise ShapeError("unsupported /validators answer: page %d repeats validators of an earlier page "
                                 "(is a proxy dropping the page parameter?)" % page)
            seen.update(v["address"] for v in batch)
            collected.extend(batch)
            if len(collected) >= total:
                return collected
            if not batch:
                raise ShapeError("unsupported /validators answer: page %d is empty after %d of %d validators" % (page, len(collected), total))
            page += 1


def _validators_page(result):
    """One ``/validators`` page -> ``(validators [{address, voting_power}], total)`` in validator-index order."""
    answer = Answer("/validators", result)
    validators = [{"address": v.text("address").upper(), "voting_power": v.integer("voting_power")}
                  for v in answer.items("validators", optional=True)]
    return validators, answer.integer("total", default=len(validators))


class _Retryable(Exception):
    def __init__(self, message):
        super(_Retryable, self).__init__(message)
        self.message = message


def _describe_rpc_error(error):
    if isinstance(error, dict):
        code = error.get("code")
        text = error.get("message") or "error"
        data = error.get("data")
        message = "RPC error %s (%s)" % (code, text) if code is not None else "RPC error (%s)" % text
        return "%s: %s" % (message, data) if data else message
    return "RPC error: %s" % json.dumps(error)[:200]


def fan_out(function, items, max_workers=32):
    """Run ``function(item)`` for every item on a thread pool, in input order.

    Returns a list of ``(item, result, error)``; one item's failure is that
    item's ``error`` (a one-line message), never an exception for all.
    """
    items = list(items)

    def guarded(item):
        try:
            return item, function(item), None
        except (RPCError, ShapeError) as exc:
            return item, None, str(exc)
        except ValueError as exc:  # the pure readers' own checks (vote strings, bit arrays): their message says it
            return item, None, "unusable answer: %s" % exc
        except Exception as exc:  # a bug or an unexpected answer shape must not sink the others
            return item, None, "unexpected %s: %s" % (type(exc).__name__, exc)

    if not items:
        return []
    workers = max(1, min(int(max_workers), len(items)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(guarded, items))
