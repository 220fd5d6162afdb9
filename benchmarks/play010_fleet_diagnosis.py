#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-010 fleet diagnosis benchmark: sidecar health + model hashes of 100 validators, against the runbook's loop.

100 simulated validators on BENCH_BASE_IP.1-100 (default 127.0.66.x), served by a separate process, every answer
after 50 ms: the standard grpc.health.v1 service on :50051 (real grpcio server), the sidecar's HTTP /health and
/metrics on :9091, and an HTTP /model-hash standing for what one host's model hash costs the controller to collect
(one remote command; the hashing itself runs on every host at once).

- collection: the sidecar_health module's probe (gRPC health for "" and inference.v1.InferenceService, HTTP /health,
  /metrics) over the 100 endpoints on its thread pool, plus the 100 model-hash answers collected 20 at a time
  (ansible.cfg forks = 20; the model_hash module runs on each validator);
- runbook: its sequential loop, run by bash: per host `curl -s http://$v:9091/health` then the remote hash (curl of
  /model-hash standing for `ssh $v sha256sum ...`; a real ssh adds its connection set-up on top).

Also measured: hashing one 64 MiB SavedModel-like directory by the three recipes on this machine (what each host
spends, in parallel).

Usage: python3 benchmarks/play010_fleet_diagnosis.py [--repeat 5]  -> benchmarks/results/play010_fleet_diagnosis.{json,md}
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fleet_probe import _collection_on_path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FLEET_SIZE = 100
DELAY_S = 0.050
BASE_IP = os.environ.get("BENCH_BASE_IP", "127.0.66")
GRPC_PORT, HTTP_PORT = 50051, 9091
FORKS = 20


def addresses():
    return ["%s.%d" % (BASE_IP, i + 1) for i in range(FLEET_SIZE)]


def serve_fleet(ready):
    """Child process: 100 slow sidecars (gRPC health + HTTP) and model-hash answers."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    class SlowHealth(health_pb2_grpc.HealthServicer):
        def Check(self, request, context):  # noqa: N802 (the gRPC method's name)
            time.sleep(DELAY_S)
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=128))
    health_pb2_grpc.add_HealthServicer_to_server(SlowHealth(), server)
    for address in addresses():
        server.add_insecure_port("%s:%d" % (address, GRPC_PORT))
    server.start()
    bodies = {"/health": b"OK", "/metrics": b"veid_inference_sidecar_healthy 0\nveid_inference_feature_dimension 768\n",
              "/model-hash": b"0fabf45c1f1109055aa1d98f5f57c98be5a8e6355320fdfb14a57dd158df7a7a  trust_score\n"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            time.sleep(DELAY_S)
            body = bodies.get(self.path, b"not found")
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    for address in addresses():
        http = ThreadingHTTPServer((address, HTTP_PORT), Handler)
        threading.Thread(target=http.serve_forever, daemon=True).start()
    ready.set()
    threading.Event().wait()


def collection_run():
    from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import fan_out, requests
    from ansible_collections.virtengine.incident_response.plugins.modules.sidecar_health import probe

    params = {"services": ["", "inference.v1.InferenceService"], "timeout": 5.0, "grpc_tls": False, "metrics": True}
    endpoints = [{"name": a, "grpc_address": "%s:%d" % (a, GRPC_PORT), "http_url": "http://%s:%d" % (a, HTTP_PORT)} for a in addresses()]
    started = time.monotonic()
    probed = fan_out(lambda e: probe(e, params), endpoints, 64)
    sidecars_s = time.monotonic() - started

    def model_hash(address):
        with requests.Session() as session:
            return session.get("http://%s:%d/model-hash" % (address, HTTP_PORT), timeout=5).text

    with futures.ThreadPoolExecutor(max_workers=FORKS) as pool:
        hashes = list(pool.map(model_hash, addresses()))
    total_s = time.monotonic() - started
    serving = sum(1 for _e, result, _err in probed if result and result["state"] == "serving")
    errors = [result["error"] or (result["http"] or {}).get("error") for _e, result, _err in probed if result and result["state"] != "serving"]
    assert len(hashes) == FLEET_SIZE
    return total_s, sidecars_s, serving, errors[:3]


def runbook_loop():
    script = 'for v in %s; do echo "$v: $(curl -s http://$v:%d/health) $(curl -s http://$v:%d/model-hash)"; done' % (
        " ".join(addresses()), HTTP_PORT, HTTP_PORT)
    started = time.monotonic()
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    elapsed = time.monotonic() - started
    assert out.count(": OK ") == FLEET_SIZE, out[:500]
    return elapsed


def hash_cost(tmp):
    from ansible_collections.virtengine.incident_response.plugins.module_utils._model_hash import RECIPES, hash_directory

    model = Path(tmp) / "trust_score"
    (model / "variables").mkdir(parents=True)
    (model / "saved_model.pb").write_bytes(os.urandom(4 << 20))
    (model / "fingerprint.pb").write_bytes(os.urandom(64))
    (model / "variables" / "variables.index").write_bytes(os.urandom(4096))
    (model / "variables" / "variables.data-00000-of-00001").write_bytes(os.urandom(60 << 20))
    costs = {}
    for recipe in RECIPES:
        started = time.monotonic()
        hash_directory(str(model), recipe)
        costs[recipe] = round(time.monotonic() - started, 3)
    return costs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _collection_on_path()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve_fleet, args=(ready,), daemon=True)
    server.start()
    try:
        if not ready.wait(120):
            raise SystemExit("the simulated fleet did not start")
        collection_run()  # warm-up: channels, imports
        runs = [collection_run() for _run in range(args.repeat)]
        loops = [runbook_loop() for _loop in range(max(1, args.repeat // 2))]
        with tempfile.TemporaryDirectory() as tmp:
            costs = hash_cost(tmp)
    finally:
        server.terminate()
        server.join(10)
    collection = statistics.median(r[0] for r in runs)
    sidecars = statistics.median(r[1] for r in runs)
    loop = statistics.median(loops)
    result = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(),
              "python": sys.version.split()[0], "load_average_1m": round(os.getloadavg()[0], 1), "hosts": FLEET_SIZE,
              "answer_delay_s": DELAY_S, "collection_s": round(collection, 3), "collection_sidecars_s": round(sidecars, 3),
              "collection_runs_s": [round(r[0], 3) for r in runs], "serving_per_run": [r[2] for r in runs],
              "errors_sample": [e for r in runs for e in r[3]][:3], "runbook_loop_s": round(loop, 3),
              "runbook_loop_runs_s": [round(v, 3) for v in loops], "speed_up": round(loop / collection, 1),
              "hash_64mib_model_s": costs}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "play010_fleet_diagnosis.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "play010_fleet_diagnosis.md").write_text(
        "# PLAY-010 fleet diagnosis benchmark\n\n"
        "Measured %(measured_at)s on %(cpus)s CPUs (1-minute load average %(load_average_1m)s), Python %(python)s; %(hosts)s simulated "
        "validators answer every request after %(answer_delay_s)ss (benchmarks/play010_fleet_diagnosis.py).\n\n"
        "| approach | what | time (s) |\n|---|---|---|\n"
        "| collection | sidecar_health probe (gRPC health x2, /health, /metrics) over 100 endpoints, 64 threads | %(collection_sidecars_s)s |\n"
        "| collection | + 100 model-hash answers collected 20 at a time (Ansible forks) | %(collection_s)s |\n"
        "| runbook | sequential `curl /health` + remote hash per host (bash loop) | %(runbook_loop_s)s |\n\n"
        "Sidecars found serving per run: %(serving_per_run)s of %(hosts)s (a probe slower than its 5 s timeout under load counts as down).\n\n"
        "Speed-up: %(speed_up)sx. A real `ssh` per host adds its connection set-up to the runbook's loop.\n\n"
        "Hashing one 64 MiB model directory on this machine (each validator does this for itself, at the same time): "
        "%(hash_64mib_model_s)s.\n" % result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
