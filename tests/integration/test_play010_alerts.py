# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VEIDScoringDown live: the real blackbox exporter probes the sidecar stand-in's grpc.health.v1 for Prometheus
(scripts/test-services, test copy of rules/veid-alerts.yml with for: 3s), and the alert fires when the sidecar stops.

The sidecar stand-in (tests/doubles/inference_sidecar.py) listens on PLAY010_ALERT_SIDECAR_ADDRESS (default
127.0.0.1 and a free port); its targets go into the file_sd files of the blackbox_grpc and blackbox_grpc_inference
jobs and are removed afterwards.
"""

import json
import os
import socket
import subprocess
import sys

import pytest
import requests

from conftest import REPO, wait_until

SIDECAR = REPO / "tests" / "doubles" / "inference_sidecar.py"
LABELS = {"service": "veid-inference-sidecar", "validator": "validator-alert"}


def free_address():
    host = os.environ.get("TEST_SERVICES_HOST", "127.0.0.1")
    with socket.socket() as probe:
        probe.bind((host, 0))
        return "%s:%d" % (host, probe.getsockname()[1])


@pytest.fixture
def sidecar(tmp_path):
    address = os.environ.get("PLAY010_ALERT_SIDECAR_ADDRESS") or free_address()
    model = tmp_path / "trust_score"
    model.mkdir()
    (model / "saved_model.pb").write_bytes(b"graph")
    log = (tmp_path / "sidecar.log").open("w")
    process = subprocess.Popen([sys.executable, str(SIDECAR), "--grpc-addr", address, "--metrics-addr", free_address(),
                                "--model-path", str(model)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until("the sidecar stand-in to listen", lambda: "gRPC server listening" in (tmp_path / "sidecar.log").read_text()
                   or process.poll() is not None, 60)
        assert process.poll() is None, (tmp_path / "sidecar.log").read_text()
        yield address, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)
        log.close()


def query(url, promql):
    return requests.get(url + "/api/v1/query", params={"query": promql}, timeout=5).json()["data"]["result"]


def alert_states(url):
    listed = requests.get(url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return set((a["labels"]["alertname"], a["labels"].get("validator"), a["state"]) for a in listed)


def test_veid_scoring_down_fires_when_the_probed_sidecar_stops(test_services, sidecar):
    address, process = sidecar
    services = test_services("blackbox", "prometheus")
    url, targets = services["prometheus"], services["blackbox_targets"]
    files = [targets / "blackbox_grpc.json", targets / "blackbox_grpc_inference.json"]
    try:
        for path in files:
            path.write_text(json.dumps([{"targets": [address], "labels": LABELS}]))
        wait_until("both health services probed as up", lambda: sorted(
            (s["metric"]["job"], s["value"][1]) for s in query(url, 'probe_success{service="veid-inference-sidecar"}'))
            == [("blackbox_grpc", "1"), ("blackbox_grpc_inference", "1")], 90)
        assert not [a for a in alert_states(url) if a[0] == "VEIDScoringDown" and a[1] == "validator-alert"]

        process.terminate()
        process.wait(timeout=20)
        wait_until("VEIDScoringDown firing for the stopped sidecar",
                   lambda: ("VEIDScoringDown", "validator-alert", "firing") in alert_states(url), 120)
        firing = [a for a in requests.get(url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
                  if a["labels"]["alertname"] == "VEIDScoringDown" and a["state"] == "firing"]
        assert firing[0]["labels"]["instance"] == address and firing[0]["labels"]["severity"] == "SEV-2"
        assert firing[0]["annotations"]["playbook"] == "playbooks/play010_identity_scoring.yml"
    finally:
        for path in files:
            path.write_text("[]\n")
