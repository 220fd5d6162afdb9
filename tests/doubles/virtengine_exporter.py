# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of a VirtEngine daemon's /metrics (documented in docs/play020_elevated_error_rates.md).

VirtEngine's errors package registers ``virtengine_errors_total{module, code, category, severity}``
(a counter, pkg/errors metrics); its API documents ``virtengine_api_requests_total{status}``. This
double publishes exactly those names and label sets in the Prometheus text format, so a real
Prometheus scrapes it like the daemon. Each series grows at the rate the spec file gives, and the
spec is re-read on every scrape, so a test changes error rates without restarting anything:

    {"errors": [{"module": "market", "code": "1101", "category": "validation", "severity": "low", "per_second": 4}],
     "requests_per_second": 20}

    virtengine_exporter.py --listen 127.0.0.1:19101 --spec spec.json
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERROR_LABELS = ("module", "code", "category", "severity")


class Counters:
    """Counters that integrate the spec's rates over time (a rate change never lowers a counter)."""

    def __init__(self, spec_path):
        self.spec_path = spec_path
        self.values = {}
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def read_spec(self):
        try:
            with open(self.spec_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {"errors": [], "requests_per_second": 0}

    def render(self):
        spec = self.read_spec()
        with self.lock:
            now = time.monotonic()
            elapsed, self.last = now - self.last, now
            for entry in spec.get("errors", []):
                key = ("virtengine_errors_total", tuple((label, str(entry[label])) for label in ERROR_LABELS))
                self.values[key] = self.values.get(key, 0.0) + float(entry["per_second"]) * elapsed
            if "requests_per_second" in spec:
                key = ("virtengine_api_requests_total", (("status", "200"),))
                self.values[key] = self.values.get(key, 0.0) + float(spec["requests_per_second"]) * elapsed
            lines = [
                "# HELP virtengine_errors_total Total number of errors by module, code, and category",
                "# TYPE virtengine_errors_total counter",
            ]
            lines += [self._line(k, v) for k, v in sorted(self.values.items()) if k[0] == "virtengine_errors_total"]
            lines += ["# HELP virtengine_api_requests_total Total API requests", "# TYPE virtengine_api_requests_total counter"]
            lines += [self._line(k, v) for k, v in sorted(self.values.items()) if k[0] == "virtengine_api_requests_total"]
            return "\n".join(lines) + "\n"

    @staticmethod
    def _line(key, value):
        name, labels = key
        return "%s{%s} %.3f" % (name, ",".join('%s="%s"' % pair for pair in labels), value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:19101")
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    counters = Counters(args.spec)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = counters.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer((host, int(port)), Handler).serve_forever()


if __name__ == "__main__":
    main()
