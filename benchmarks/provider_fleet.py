#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider-fleet health benchmark: provider_health (checks: health) against the runbook's sequential curl loop.

100 provider daemons simulated by one local HTTP server (a separate process) answering ``GET /health`` with ``ok``
after 50 ms, each provider its own URL. The module runs its own code (main() in this process); the loop is PLAY-011/
PLAY-012's ``for p in ...; do echo "$p: $(curl -s URL || echo DOWN)"; done`` run by bash.

Usage: python3 benchmarks/provider_fleet.py [--repeat 5] [--providers 100]   -> benchmarks/results/provider_fleet.{json,md}
Environment: BENCH_HOST (default 127.0.0.1) is the address the simulated fleet listens on (a free port).
"""

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fleet_probe import RESULTS, _collection_on_path, time_module

DELAY_S = 0.050
HOST = os.environ.get("BENCH_HOST", "127.0.0.1")


def serve(port, ready):
    """Child process: every path answers like the daemon's /health, after DELAY_S."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the http.server API
            time.sleep(DELAY_S)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    threading.Event().wait()


def time_loop(urls, repeat):
    script = 'for p in %s; do echo "$p: $(curl -s --max-time 5 "$p" || echo DOWN)"; done' % " ".join(urls)
    walls = []
    for _call in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - start)
    assert out.count(": ok") == len(urls), "the loop did not see every provider answer ok"
    return {"median_s": round(statistics.median(walls), 4), "runs_s": [round(w, 4) for w in walls]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--providers", type=int, default=100)
    args = parser.parse_args()
    _collection_on_path()
    from ansible_collections.virtengine.incident_response.plugins.modules import provider_health

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    ready = multiprocessing.Event()
    fleet = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    fleet.start()
    rows = []
    try:
        if not ready.wait(30):
            raise SystemExit("the simulated fleet did not start")
        urls = ["http://%s:%d/health?provider=%d" % (HOST, port, i) for i in range(1, args.providers + 1)]
        providers = [{"name": "provider%d" % i, "health_url": url} for i, url in enumerate(urls, 1)]
        loop = time_loop(urls, max(1, args.repeat // 2))
        for workers in (16, 64, 100):
            timing, result = time_module(provider_health, {"providers": providers, "checks": ["health"], "max_workers": workers}, args.repeat)
            healthy = len(result["summary"]["healthy"])
            rows.append({"providers": len(urls), "max_workers": workers, "module_median_s": timing["median_s"], "module_runs_s": timing["runs_s"],
                         "healthy": healthy, "loop_median_s": loop["median_s"], "loop_runs_s": loop["runs_s"],
                         "speedup": round(loop["median_s"] / timing["median_s"], 1)})
            print("%d providers  workers=%-3d module %.3fs  loop %.3fs  x%.1f  (%d healthy)" % (
                len(urls), workers, timing["median_s"], loop["median_s"], rows[-1]["speedup"], healthy), flush=True)
    finally:
        fleet.terminate()
        fleet.join(10)

    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "server_delay_s": DELAY_S, "repeat": args.repeat, "load_average": os.getloadavg()[0]}
    (RESULTS / "provider_fleet.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = ["# Provider-fleet health benchmark", "",
             "Measured %(date)s on %(cpus)s CPUs (load average %(load_average).1f), Python %(python)s; each simulated provider "
             "answers /health after %(server_delay_s)ss; module times are the median of %(repeat)s calls." % meta, "",
             "| providers | max_workers | provider_health (s) | sequential curl loop (s) | speed-up |", "|---|---|---|---|---|"]
    lines += ["| %(providers)d | %(max_workers)d | %(module_median_s).3f | %(loop_median_s).3f | %(speedup).1fx |" % r for r in rows]
    (RESULTS / "provider_fleet.md").write_text("\n".join(lines) + "\n")
    print("results: %s" % (RESULTS / "provider_fleet.md"))


if __name__ == "__main__":
    main()
