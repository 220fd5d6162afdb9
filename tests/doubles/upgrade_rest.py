# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of the Cosmos SDK REST gateway's x/upgrade queries (a VirtEngine API server cannot run here).

It serves exactly the two routes the ``upgrade_plan`` module reads, in the shapes of the Cosmos SDK v0.50-v0.53
``cosmos.upgrade.v1beta1`` gRPC-gateway (JSON names of QueryCurrentPlanResponse / QueryAppliedPlanResponse; int64 as
strings, as grpc-gateway's protojson writes them):

- ``GET /cosmos/upgrade/v1beta1/current_plan`` -> ``{"plan": null}`` or
  ``{"plan": {"name", "time" ("0001-01-01T00:00:00Z" for height plans), "height" (string), "info", "upgraded_client_state": null}}``
- ``GET /cosmos/upgrade/v1beta1/applied_plan/<name>`` -> ``{"height": "<h>"}``, ``"0"`` when never applied.

Any other path answers 501 ``{"code": 12, "message": "Not Implemented", "details": []}`` as the gateway does for an
unknown route. The state is a dict ``{"plan": {...} or None, "applied": {name: height}}``, read from ``--state FILE``
on every request (tests change it without restarting), or given to ``UpgradeRest(state)`` in-process.

    python3 tests/doubles/upgrade_rest.py --listen 127.0.0.1:1317 --state upgrade.json
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

CURRENT = "/cosmos/upgrade/v1beta1/current_plan"
APPLIED = "/cosmos/upgrade/v1beta1/applied_plan/"


def plan_json(name, height, info=""):
    """A height-based plan as the gateway prints it."""
    return {"name": name, "time": "0001-01-01T00:00:00Z", "height": str(height), "info": info, "upgraded_client_state": None}


def answer(state, path):
    """(status, body) for one GET."""
    if path == CURRENT:
        return 200, {"plan": state.get("plan")}
    if path.startswith(APPLIED) and len(path) > len(APPLIED):
        return 200, {"height": str(int((state.get("applied") or {}).get(unquote(path[len(APPLIED):]), 0)))}
    return 501, {"code": 12, "message": "Not Implemented", "details": []}


def handler_for(read_state):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, body = answer(read_state(), self.path.split("?")[0])
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):
            pass

    return Handler


class UpgradeRest:
    """In-process double: ``with UpgradeRest({"plan": plan_json("v2", 100)}) as rest: rest.url``."""

    def __init__(self, state, host="127.0.0.1"):
        self.state = state
        self.server = ThreadingHTTPServer((host, 0), handler_for(lambda: self.state))
        self.url = "http://%s:%d" % (host, self.server.server_address[1])

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--listen", required=True, help="address:port")
    parser.add_argument("--state", required=True, help="JSON file {plan, applied}, re-read on every request")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)

    def read_state():
        with open(args.state) as handle:
            return json.load(handle)

    ThreadingHTTPServer((host, int(port)), handler_for(read_state)).serve_forever()


if __name__ == "__main__":
    main()
