# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for the VirtEngine provider daemon (``provider-daemon start --config FILE``), for PLAY-011/PLAY-012 tests.

It is a double, not the daemon (which needs Kubernetes, Waldur and a VirtEngine chain). What it copies from
virtengine/virtengine ``cmd/provider-daemon`` and ``pkg/provider_daemon`` (docs/play012_provider_daemon_failure.md):

- plain HTTP ``GET /health`` and ``GET /api/v1/health`` -> ``200 ok`` on the config's flat key ``listen``
  (default ``:8080``); no ``/metrics``; every other path 404;
- the config is viper YAML with flat keys (``chain-id``, ``node``, ``listen``, ``waldur-chain-grpc`` ...); nested
  blocks are ignored;
- plain-text logs: the ``fmt.Println`` start-up block and ``[BID]``/``Warning:`` lines on stdout, stdlib ``log``
  lines (``YYYY/MM/DD HH:MM:SS msg``) on stderr.

Modes (``--mode``, baked into the wrapper script that plays the daemon's binary, so a different build has a
different SHA-256):

- ``healthy``: serves health, logs ``[BID] Submitted bid for order ID: BID`` for each order in ``--orders-file``;
- ``failing_bids``: serves health, logs ``[BID] Failed to bid on order ID: rpc error: code = Unimplemented ...`` (the
  daemon sends MsgCreateBid over gRPC, which a Cosmos node does not serve) and the event-subscriber warning;
- ``tls_mismatch``: serves health and logs nothing after start-up: the real bid engine swallows its chain errors
  (``pollOrders``), so only a TLS probe of ``waldur-chain-grpc`` shows the problem;
- ``down``: the portal cannot listen (``[PORTAL] API server stopped: ...``) and the process exits 1;
- ``broken``: a "new binary" that fails at start-up with a stdlib ``log`` error and exits 1.
"""

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

HEALTH_PATHS = ("/health", "/api/v1/health")


def stdlib_log(message):
    sys.stderr.write("%s %s\n" % (time.strftime("%Y/%m/%d %H:%M:%S"), message))
    sys.stderr.flush()


def say(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


class Health(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        body, status = (b"ok", 200) if self.path in HEALTH_PATHS else (b"404 page not found\n", 404)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def orders(path):
    try:
        with open(path) as handle:
            return [line.strip() for line in handle if line.strip()]
    except (OSError, TypeError):
        return []


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("healthy", "failing_bids", "tls_mismatch", "down", "broken"), required=True)
    parser.add_argument("--orders-file", default=None, help="order ids (owner/dseq/gseq/oseq), one a line, to log bids for")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("command", choices=("start", "version"))
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    if args.command == "version":
        say("VirtEngine Provider Daemon\n  Version: 0.1.0\n  Features: VE-400, VE-401, VE-402, VE-403, VE-404")
        return 0
    with open(args.config) as handle:
        config = yaml.safe_load(handle) or {}
    stderr_note = "Using config file: %s" % args.config
    sys.stderr.write(stderr_note + "\n")
    say("Starting VirtEngine Provider Daemon...")
    say("  Chain ID: %s" % config.get("chain-id", "virtengine-1"))
    say("  Node: %s" % config.get("node", "tcp://localhost:26657"))
    if args.mode == "broken":
        stdlib_log("Error: failed to start bid engine: provider config: unexpected nil pricing table")
        return 1
    host, _sep, port = str(config.get("listen", ":8080")).rpartition(":")
    if args.mode == "down":
        say("[PORTAL] API server stopped: listen tcp %s:%s: bind: address already in use" % (host, port))
        return 1
    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say("  Bid Engine: started")
    say("  Portal API: %s" % config.get("listen", ":8080"))
    if args.mode == "failing_bids":
        say("Warning: Failed to create event subscriber: dial tcp: websocket: bad handshake (falling back to polling)")
    say("Provider daemon is running. Press Ctrl+C to stop.")
    sequence = 0
    while True:
        for order in orders(args.orders_file):
            sequence += 1
            if args.mode == "healthy":
                say("[BID] Submitted bid for order %s: %s/%d" % (order, config.get("provider-key", "provider"), sequence))
            elif args.mode == "failing_bids":
                say("[BID] Failed to bid on order %s: rpc error: code = Unimplemented desc = unknown service virtengine.market.v1beta5.Msg" % order)
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
