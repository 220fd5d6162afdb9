#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet probe benchmark: chain_status + peer_count against the runbook's sequential curl loop.

(a) the real local network (scripts/localnet up first);
(b) 100 endpoints on 127.0.5.1-100:26657 served by a separate process that
    answers /status and /net_info with responses captured from the real
    network, each after 50 ms.

Each module call runs the module's own code (main() with its arguments, in
this process); the loop is the runbook's `for v in ...; do curl -s ... | jq ...; done`
run by bash. Targets (issue 2): one module call over 100 endpoints under
1.5 s wall, and at least 20x faster than the loop.

Usage: python3 benchmarks/fleet_probe.py [--repeat 5]   -> benchmarks/results/fleet_probe.{json,md}
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FIXTURES = REPO / "tests" / "unit" / "fixtures" / "healthy"
FLEET_SIZE = 100
DELAY_S = 0.050


def _collection_on_path():
    tree = Path(tempfile.mkdtemp(prefix="ve-ir-bench-"))
    link = tree / "ansible_collections" / "virtengine" / "incident_response"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO)
    sys.path.insert(0, str(tree))


def serve_fleet(ready):
    """Child process: 100 slow CometBFT look-alikes answering with captured responses."""
    answers = {"/status": (FIXTURES / "validator1_status.json").read_bytes(), "/net_info": (FIXTURES / "validator1_net_info.json").read_bytes()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            time.sleep(DELAY_S)
            body = answers.get(self.path.split("?")[0], b'{"jsonrpc":"2.0","id":-1,"error":{"code":-32601,"message":"Method not found"}}')
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    servers = []
    for i in range(1, FLEET_SIZE + 1):
        server = ThreadingHTTPServer(("127.0.5.%d" % i, 26657), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    ready.set()
    threading.Event().wait()


def time_module(module, args, repeat):
    """Wall seconds of main() per call (median and all), and the last result."""
    from ansible.module_utils.testing import patch_module_args
    import contextlib
    import io

    walls, result = [], None
    for _call in range(repeat):
        out = io.StringIO()
        with patch_module_args(args), contextlib.redirect_stdout(out):
            start = time.perf_counter()
            try:
                module.main()
            except SystemExit:
                pass
            walls.append(time.perf_counter() - start)
        result = json.loads(out.getvalue())
    return {"median_s": round(statistics.median(walls), 4), "runs_s": [round(w, 4) for w in walls]}, result


def time_loop(urls, methods, repeat):
    """The runbook's sequential loop, one curl (piped to jq when installed) per endpoint and method."""
    jq = "| jq -r '.result | keys | length'" if shutil.which("jq") else "> /dev/null"
    script = "for v in %s; do for m in %s; do curl -s --max-time 5 \"$v/$m\" %s >/dev/null; done; done" % (
        " ".join(urls), " ".join(methods), jq)
    walls = []
    for _call in range(repeat):
        start = time.perf_counter()
        subprocess.run(["bash", "-c", script], check=True)
        walls.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(walls), 4), "runs_s": [round(w, 4) for w in walls], "uses_jq": bool(shutil.which("jq"))}


def scenario(name, urls, repeat, workers):
    from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, peer_count

    rows = []
    for module, methods, extra in ((chain_status, ["status"], {"halt_window": 0}), (peer_count, ["status", "net_info"], {})):
        loop = time_loop(urls, methods, max(1, repeat // 2))
        for max_workers in workers:
            timing, result = time_module(module, dict({"endpoints": urls, "max_workers": max_workers, "retries": 0}, **extra), repeat)
            reachable = sum(1 for n in result["nodes"] if n["reachable"])
            rows.append({
                "scenario": name, "module": module.__name__.rsplit(".", 1)[-1], "endpoints": len(urls), "max_workers": max_workers,
                "module_median_s": timing["median_s"], "module_runs_s": timing["runs_s"], "reachable": reachable,
                "loop_median_s": loop["median_s"], "loop_uses_jq": loop["uses_jq"],
                "speedup": round(loop["median_s"] / timing["median_s"], 1),
            })
            print("%-10s %-12s %3d endpoints  workers=%-3d module %.3fs  loop %.3fs  x%.1f  (%d reachable)" % (
                name, rows[-1]["module"], len(urls), max_workers, timing["median_s"], loop["median_s"], rows[-1]["speedup"], reachable), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _collection_on_path()

    rows = []
    inventory = REPO / "inventories" / "localnet" / "hosts.yml"
    if inventory.exists():
        hosts = json.loads(inventory.read_text().split("\n", 1)[1])["all"]["children"]["chain_nodes"]["children"]
        urls = [h["node_rpc_url"] for group in hosts.values() for h in group["hosts"].values()]
        rows += scenario("localnet", urls, args.repeat, [64])
    else:
        print("no local network inventory: skipping scenario (a); run scripts/localnet up", flush=True)

    ready = multiprocessing.Event()
    fleet = multiprocessing.Process(target=serve_fleet, args=(ready,), daemon=True)
    fleet.start()
    try:
        if not ready.wait(30):
            raise SystemExit("the 100-endpoint server did not start")
        urls = ["http://127.0.5.%d:26657" % i for i in range(1, FLEET_SIZE + 1)]
        rows += scenario("fleet100", urls, args.repeat, [64, 100])
    finally:
        fleet.terminate()
        fleet.join(10)

    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "server_delay_s": DELAY_S, "repeat": args.repeat}
    (RESULTS / "fleet_probe.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = ["# Fleet probe benchmark", "",
             "Measured %(date)s on %(cpus)s CPUs, Python %(python)s; simulated endpoints answer after %(server_delay_s)ss; "
             "module times are the median of %(repeat)s calls." % meta, "",
             "| scenario | module | endpoints | max_workers | module (s) | sequential curl loop (s) | speed-up |", "|---|---|---|---|---|---|---|"]
    row_format = "| %(scenario)s | %(module)s | %(endpoints)d | %(max_workers)d | %(module_median_s).3f | %(loop_median_s).3f | %(speedup).1fx |"
    lines += [row_format % r for r in rows]
    (RESULTS / "fleet_probe.md").write_text("\n".join(lines) + "\n")
    print("results: %s" % (RESULTS / "fleet_probe.md").relative_to(REPO))


if __name__ == "__main__":
    main()
