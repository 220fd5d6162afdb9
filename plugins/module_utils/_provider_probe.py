# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probing VirtEngine provider daemons: HTTP health, the chain as the daemon dials it, its config and binary.

No Ansible import, so the module and the benchmark share it. Facts from virtengine/virtengine (read, see
docs/play012_provider_daemon_failure.md): the daemon serves plain HTTP ``GET /health`` and ``/api/v1/health`` on
``listen`` (default ``:8080``) answering ``200 ok``; it reads a viper YAML config with FLAT keys (``node``,
``waldur-chain-grpc``, ``bid-rate-limit-minute`` ...; only ``hpc_provider``/``hpc`` are read as nested blocks); it
dials ``node`` (CometBFT RPC, ``tcp://`` read as ``http://``) and ``waldur-chain-grpc`` with TLS, always.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import ssl
import time

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import CometRPC, RPCError, as_int
from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file

try:
    import requests
except ImportError:  # pragma: no cover - the module reports missing requests through _module's check
    requests = None

# The flat keys cmd/provider-daemon/main.go binds, with their defaults (what the daemon uses when a key is absent).
DAEMON_DEFAULTS = {
    "chain-id": "virtengine-1",
    "node": "tcp://localhost:26657",
    "provider-key": "provider",
    "listen": ":8080",
    "metrics": ":9090",
    "bid-rate-limit-minute": 10,
    "bid-rate-limit-hour": 100,
    "waldur-chain-grpc": "localhost:9090",
    "comet-ws": "/websocket",
}
# The only nested blocks the daemon reads (viper UnmarshalKey).
NESTED_READ = ("hpc_provider", "hpc")


def config_findings(document):
    """A parsed ``provider-daemon.yaml`` -> ``{"effective", "ignored", "findings"}``.

    ``effective`` holds the bid/chain keys the daemon acts on (file value or its default); ``ignored`` the nested
    blocks it never reads (the repository's docs show ``bidding:``, ``chain:``, ``metrics:``, ``logging:``). Pure.
    """
    if document is None:
        document = {}
    if not isinstance(document, dict):
        return {"effective": dict(DAEMON_DEFAULTS), "ignored": [], "findings": ["the config is not a YAML mapping of flat keys"]}
    # Only the keys above are reported: the file also holds tokens (vault-*, waldur-*) that must never be shown.
    effective = dict((key, document.get(key, default)) for key, default in DAEMON_DEFAULTS.items())
    ignored = sorted(key for key, value in document.items() if isinstance(value, dict) and key not in NESTED_READ)
    findings = ["nested block %r is ignored: the daemon reads flat keys only (e.g. bid-rate-limit-minute, waldur-chain-grpc)" % key
                for key in ignored]
    if "waldur-chain-grpc" not in document:
        findings.append("waldur-chain-grpc is not set: the daemon dials the default localhost:9090 with TLS")
    return {"effective": effective, "ignored": ignored, "findings": findings}


def split_host_port(target, default_port):
    """``host:port``, ``scheme://host:port/...`` or ``:port`` -> ``(host, port)``; ``ValueError`` naming the bad value."""
    text = str(target).strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0]
    host, _sep, port = text.rpartition(":")
    if not _sep:
        host, port = text, str(default_port)
    try:
        port = int(port)
    except ValueError:
        raise ValueError("%r is not HOST:PORT" % (target,))
    return (host.strip("[]") or "127.0.0.1"), port


def health(url, timeout, expect_body="ok"):
    """``GET url`` -> ``{"url", "status", "body", "latency_ms", "healthy", "error"}``; never raises."""
    result = {"url": url, "status": None, "body": None, "latency_ms": None, "healthy": False, "error": None}
    started = time.monotonic()
    try:
        response = requests.get(url, timeout=timeout)
    except requests.exceptions.Timeout:
        result["error"] = "no answer within %gs" % timeout
        return result
    except requests.exceptions.RequestException as exc:
        result["error"] = "cannot connect: %s" % str(exc).splitlines()[0][:200]
        return result
    result["latency_ms"] = round((time.monotonic() - started) * 1000.0, 1)
    result["status"] = response.status_code
    result["body"] = response.text.strip()[:100]
    result["healthy"] = response.status_code == 200 and (not expect_body or result["body"] == expect_body)
    if not result["healthy"]:
        result["error"] = "HTTP %d, body %r (expected 200 %r)" % (response.status_code, result["body"], expect_body)
    return result


def tls_handshake(target, timeout, server_name=None):
    """A TLS handshake with ``host:port`` as the daemon does it -> ``{"target", "tcp", "tls", "version", "error"}``.

    ``tcp`` true and ``tls`` false means the port answers but does not speak TLS (the stock Cosmos SDK gRPC server is
    plaintext), so the daemon's TLS dial fails. The certificate is not verified here: this checks the protocol.
    """
    result = {"target": target, "tcp": False, "tls": False, "version": None, "error": None}
    try:
        host, port = split_host_port(target, 9090)
    except ValueError as exc:
        result["error"] = str(exc)
        return result
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except (OSError, socket.timeout) as exc:
        result["error"] = "cannot connect to %s:%d: %s" % (host, port, exc)
        return result
    result["tcp"] = True
    try:
        with context.wrap_socket(raw, server_hostname=server_name or host) as wrapped:
            result["tls"] = True
            result["version"] = wrapped.version()
    except (ssl.SSLError, OSError, socket.timeout) as exc:
        result["error"] = "TCP connects but the TLS handshake fails (%s): the endpoint speaks plaintext or another protocol" % (
            str(exc)[:160] or type(exc).__name__)
    finally:
        raw.close()
    return result


def chain_rpc_status(node, timeout):
    """CometBFT ``/status`` of the daemon's ``node`` (``tcp://`` read as ``http://``, as the daemon does) ->
    ``{"url", "height", "catching_up", "network", "error"}``."""
    url = str(node).replace("tcp://", "http://", 1)
    result = {"url": url, "height": None, "catching_up": None, "network": None, "error": None}
    try:
        client = CometRPC(url, timeout=timeout, retries=0)
    except RPCError as exc:
        result["error"] = str(exc)
        return result
    try:
        status = client.status()
        result["height"] = as_int(status["sync_info"]["latest_block_height"], "latest_block_height")
        result["catching_up"] = bool(status["sync_info"].get("catching_up"))
        result["network"] = status.get("node_info", {}).get("network")
    except RPCError as exc:
        result["error"] = str(exc)
    except (KeyError, TypeError, ValueError) as exc:
        result["error"] = "%s/status: unexpected answer (%s): is this a CometBFT RPC port?" % (url, exc)
    finally:
        client.close()
    return result


def file_facts(path):
    """``{"path", "exists", "sha256", "mtime", "size"}`` of a file (binary, kept previous binary, config)."""
    result = {"path": path, "exists": False, "sha256": None, "mtime": None, "size": None, "error": None}
    if not path:
        return result
    try:
        stat = os.stat(path)
        result.update(exists=True, mtime=stat.st_mtime, size=stat.st_size, sha256=sha256_file(path))
    except OSError as exc:
        if os.path.exists(path):
            result["error"] = "cannot read %s: %s" % (path, exc.strerror)
    return result
