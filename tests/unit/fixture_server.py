# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serve captured RPC answers over real HTTP, one port per captured node.

The files under fixtures/ were captured from the real local network by
scripts/capture-fixtures; this server only maps a request to the file that
answers it, so the client and modules run their real HTTP code paths.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(state, name):
    return json.loads((FIXTURES / state / ("%s.json" % name)).read_text())


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        server = self.server
        parts = urlsplit(self.path)
        method = parts.path.strip("/")
        query = dict((k, v[0]) for k, v in parse_qs(parts.query).items())
        server.requests.append((method, query))
        status, body, content_type = server.answer(method, query)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FixtureNode(ThreadingHTTPServer):
    """One captured node: ``/status``, ``/net_info``, ``/consensus_state``, ``/validators``, ``/commit``, ``/block``."""

    daemon_threads = True

    def __init__(self, state, node, overrides=None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state, self.node = state, node
        self.overrides = overrides or {}  # method -> callable(query) -> (status, body, content type)
        self.requests = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def answer(self, method, query):
        if method in self.overrides:
            return self.overrides[method](query)
        if method == "validators":
            name = "%s_validators_%s" % (self.node, query["height"])
        elif method in ("commit", "block"):
            name = "%s_%s_%s" % (self.node, method, query["height"])
        else:
            name = "%s_%s" % (self.node, method)
        path = FIXTURES / self.state / ("%s.json" % name)
        if not path.exists() and method == "block":
            return captured_error("block_future_height")  # what a node answers for a height it has not committed
        if not path.exists():
            return 599, "no fixture %s" % path.name, "text/plain"
        return 200, path.read_text(), "application/json"


def captured_error(name):
    """A real error answer from scripts/capture-fixtures, as (status, body, content type)."""
    captured = load("errors", name)
    return captured["http_status"], captured["body"], captured["content_type"] or "text/plain"
