# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of VirtEngine's ``inference-sidecar`` (cmd/inference-sidecar; documented in docs/play010_identity_scoring.md).

The real sidecar is a Go proxy in front of TensorFlow Serving that cannot be built here (virtengine-wave2.md D). This
double keeps what the runbook automation observes (virtengine-wave2.md A1, A5):

- the same flags: ``--grpc-addr`` (default :50051), ``--metrics-addr`` (default :9090), ``--model-path``,
  ``--model-version``, ``--expected-hash``;
- the start-up checks, each fatal (exit 1): the model directory exists; its content hash (every file's bytes in sorted
  full-path order, ``export_metadata.json`` skipped; recomputed here independently of the collection's code) equals
  ``--expected-hash`` when given, and ``export_metadata.json``'s ``model_hash`` and ``version`` when present (the parent
  directory's file first);
- the real ``grpc.health.v1.Health`` service (grpcio-health-checking) with ``""`` and ``inference.v1.InferenceService``
  SERVING after start-up. SIGUSR1 sets both NOT_SERVING, SIGUSR2 back to SERVING (``supervisorctl signal USR1 NAME``),
  for the "NOT_SERVING" mode; "stopped" is the supervisor program stopped;
- HTTP on ``--metrics-addr``: ``/health`` answers ``200`` ``OK`` and checks nothing; ``/metrics`` the sidecar-side
  ``veid_inference_*`` metrics as promauto leaves them (``sidecar_healthy`` a constant 0, ``feature_dimension`` 768,
  nothing for the never-updated vectors). A bind failure of the HTTP port is only logged, as in main.go;
- plain-text logs ``2026-01-02T15:04:05Z [info] msg k=v``.

The InferenceService RPCs themselves (ComputeScore, ...) are not served: nothing in the runbook calls them, and the
reference doubts that the real ones can marshal.
"""

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICES = ("", "inference.v1.InferenceService")
METRICS = """# HELP veid_inference_sidecar_healthy Whether the inference sidecar is healthy (1) or not (0)
# TYPE veid_inference_sidecar_healthy gauge
veid_inference_sidecar_healthy 0
# HELP veid_inference_feature_dimension Dimension of the feature vector used for inference
# TYPE veid_inference_feature_dimension gauge
veid_inference_feature_dimension 768
"""


def log(level, message, **fields):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print("%s [%s] %s%s" % (stamp, level, message, "".join(" %s=%s" % item for item in fields.items())), flush=True)


def content_hash(directory):
    """pkg/inference/model_loader.go: sorted full paths, every file's bytes except export_metadata.json."""
    paths = sorted(os.path.join(root, name) for root, _dirs, files in os.walk(directory) for name in files)
    digest = hashlib.sha256()
    for path in paths:
        if os.path.basename(path) != "export_metadata.json":
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


def metadata(directory):
    for candidate in (os.path.join(os.path.dirname(os.path.abspath(directory)), "export_metadata.json"),
                      os.path.join(directory, "export_metadata.json")):
        if os.path.isfile(candidate):
            with open(candidate) as handle:
                return json.load(handle)
    return None


def host_port(address):
    host, _sep, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)


def serve_http(address):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/health":
                body, kind = b"OK", "text/plain; charset=utf-8"
            elif self.path == "/metrics":
                body, kind = METRICS.encode(), "text/plain; version=0.0.4; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    try:
        server = ThreadingHTTPServer(host_port(address), Handler)
    except OSError as error:
        log("error", "Metrics server error", error=error)
        return None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--grpc-addr", default=":50051")
    parser.add_argument("--metrics-addr", default=":9090")
    parser.add_argument("--model-path", default="models/trust_score")
    parser.add_argument("--model-version", default="v1.0.0")
    parser.add_argument("--expected-hash", default="")
    args = parser.parse_args(argv)
    log("info", "Starting inference sidecar", version="dev", git_commit="unknown", build_time="unknown")
    if not os.path.isdir(args.model_path):
        log("error", "Failed to load model", error="model directory not found: %s" % args.model_path)
        return 1
    computed = content_hash(args.model_path)
    if args.expected_hash and args.expected_hash != computed:
        log("error", "Failed to load model", error="model hash mismatch: expected %s, got %s" % (args.expected_hash, computed))
        return 1
    meta = metadata(args.model_path)
    if meta is not None:
        if meta.get("model_hash") and meta["model_hash"] != computed:
            log("error", "Failed to load model", error="model metadata hash mismatch: metadata %s, computed %s" % (meta["model_hash"], computed))
            return 1
        if meta.get("version") and meta["version"] != args.model_version:
            log("error", "Failed to load model", error="model version mismatch: metadata %s, flag %s" % (meta["version"], args.model_version))
            return 1
    log("info", "Model loaded", path=args.model_path, version=args.model_version, hash=computed)
    http_server = serve_http(args.metrics_addr)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)

    def set_all(status):
        for service in SERVICES:
            servicer.set(service, status)

    set_all(health_pb2.HealthCheckResponse.SERVING)
    host, port = host_port(args.grpc_addr)
    if server.add_insecure_port("%s:%d" % (host, port)) == 0:
        log("error", "Failed to listen", addr=args.grpc_addr)
        return 1
    server.start()
    log("info", "gRPC server listening", addr=args.grpc_addr)
    stopping = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: (set_all(health_pb2.HealthCheckResponse.NOT_SERVING), log("warn", "health set NOT_SERVING")))
    signal.signal(signal.SIGUSR2, lambda *_: (set_all(health_pb2.HealthCheckResponse.SERVING), log("info", "health set SERVING")))
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    log("info", "Shutting down")
    server.stop(2).wait()
    if http_server:
        http_server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
