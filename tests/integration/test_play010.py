# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-010 Identity Scoring on the real local network with an inference-sidecar stand-in beside each validator.

One lab per module: the sidecar stand-ins (tests/doubles/inference_sidecar.py, real grpc.health.v1) run under their own
supervisord on each validator's address, each with its own model directory; the chain CLI stand-in
(virtengine_standin.py) answers ``query veid``; a plain HTTP server stands in for the node's REST API
(``/cosmos/upgrade/v1beta1/current_plan``). The backlog estimate reads the real CometBFT nodes' ``tx_search``.
Every test leaves the lab as it found it (all sidecars serving the good model).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import REPO, run_playbook, wait_until
from virtengine_standin import ml_model_info, write_veid_state

PLAYBOOK = REPO / "playbooks" / "play010_identity_scoring.yml"
SIDECAR = REPO / "tests" / "doubles" / "inference_sidecar.py"
STANDIN = REPO / "tests" / "integration" / "virtengine_standin.py"
GRPC_PORT = int(os.environ.get("PLAY010_TEST_SIDECAR_GRPC_PORT", "50051"))
HTTP_PORT = int(os.environ.get("PLAY010_TEST_SIDECAR_HTTP_PORT", "9091"))
API_PORT = int(os.environ.get("PLAY010_TEST_API_PORT", "1317"))
FAST = {"play010_timeout": 2, "play010_restart_timeout": 60, "play010_poll": 1, "play010_backlog_blocks": 50}
MODEL_FILES = {"saved_model.pb": b"\x08\x01saved-model-graph", "fingerprint.pb": b"\x10\x02fingerprint",
               "keras_metadata.pb": b"keras", "variables/variables.index": b"index-bytes",
               "variables/variables.data-00000-of-00001": b"\x00\x01weights" * 64}


def content_hash(directory):
    """The sidecar's recipe, written here from its description (virtengine-wave2.md A4), not from the collection."""
    paths = sorted(str(p) for p in Path(directory).rglob("*") if p.is_file() and p.name != "export_metadata.json")
    return hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()


def make_model(directory, files=None):
    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    for name, data in (files or MODEL_FILES).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
    (directory / "export_metadata.json").write_text(json.dumps({"model_hash": content_hash(directory), "version": "v1.0.0"}))
    return content_hash(directory)


def health(address):
    """The sidecar's gRPC health for "" as the test sees it: a ServingStatus name, or None when it does not answer."""
    with grpc.insecure_channel(address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        except grpc.RpcError:
            return None
    return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)


class Lab:
    """Sidecars under their own supervisord, the CLI stand-in's home and the REST stand-in."""

    def __init__(self, root, nodes):
        self.root = root
        self.validators = [n for n in nodes if n["role"] == "validator"]
        self.conf = root / "supervisord.conf"
        self.processes = []

    def model_dir(self, name):
        return self.root / "models" / name / "trust_score"

    def address(self, name):
        return "%s:%d" % (next(n["address"] for n in self.validators if n["node"] == name), GRPC_PORT)

    def supervisorctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", str(self.conf)] + list(args), capture_output=True, text=True, timeout=60, check=False)

    def state(self, name):
        fields = self.supervisorctl("status", "sidecar-" + name).stdout.split()
        return fields[1] if len(fields) > 1 else None

    def start(self):
        lines = ["[unix_http_server]", "file=%s/supervisor.sock" % self.root, "chmod=0700",
                 "[supervisord]", "logfile=%s/supervisord.log" % self.root, "pidfile=%s/supervisord.pid" % self.root,
                 "childlogdir=%s" % self.root,
                 "[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
                 "[supervisorctl]", "serverurl=unix://%s/supervisor.sock" % self.root]
        self.good_hash = None
        for node in self.validators:
            self.good_hash = make_model(self.model_dir(node["node"]))
            lines += ["[program:sidecar-%s]" % node["node"],
                      "command=%s %s --grpc-addr %s:%d --metrics-addr %s:%d --model-path %s --model-version v1.0.0" % (
                          sys.executable, SIDECAR, node["address"], GRPC_PORT, node["address"], HTTP_PORT, self.model_dir(node["node"])),
                      "autostart=true", "autorestart=false", "startsecs=1", "stopwaitsecs=10", "redirect_stderr=true",
                      "stdout_logfile=%s/sidecar-%s.log" % (self.root, node["node"])]
        self.conf.write_text("\n".join(lines) + "\n")
        subprocess.run(["supervisord", "-c", str(self.conf)], check=True, timeout=60)
        self.wait_serving()
        # The chain CLI stand-in: an active trust_score model with the good hash; validator1 reported in sync.
        self.cli_home = self.root / "cli-home"
        self.binary = self.root / "virtengine"
        self.binary.write_text('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, STANDIN))
        self.binary.chmod(0o700)
        self.accounts = dict((n["node"], "virtengine1%s" % hashlib.sha256(n["node"].encode()).hexdigest()[:38]) for n in self.validators)
        write_veid_state(self.cli_home, models={"trust_score": ml_model_info("trust_score", self.good_hash)},
                         reports={self.accounts["validator1"]: {
                             "validator_address": self.accounts["validator1"], "model_versions": {"trust_score": self.good_hash},
                             "reported_at": "12", "last_verified": "12", "is_synced": True, "mismatched_models": []}})
        # The node's REST API stand-in: no upgrade planned ({"plan": null}, as the Cosmos SDK answers).
        plan = self.root / "rest" / "cosmos" / "upgrade" / "v1beta1" / "current_plan"
        plan.parent.mkdir(parents=True)
        plan.write_text(json.dumps({"plan": None}))
        self.api_url = "http://%s:%d" % (self.validators[0]["address"], API_PORT)
        self.processes.append(subprocess.Popen([sys.executable, "-m", "http.server", "--bind", self.validators[0]["address"], str(API_PORT),
                                                "--directory", str(self.root / "rest")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until("the REST stand-in", lambda: subprocess.run(["curl", "-sf", self.api_url + "/cosmos/upgrade/v1beta1/current_plan"],
                                                               capture_output=True, check=False).returncode == 0, 30)

    def wait_serving(self):
        for node in self.validators:
            wait_until("sidecar of %s to serve" % node["node"], lambda node=node: health(self.address(node["node"])) == "SERVING", 60)

    def stop(self):
        for process in self.processes:
            process.terminate()
            process.wait(timeout=10)
        pidfile = self.root / "supervisord.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text())
            self.supervisorctl("shutdown")
            wait_until("the sidecars' supervisord to exit", lambda: not Path("/proc/%d" % pid).exists(), 60)

    def inventory(self):
        path = self.root / "play010.yml"
        hosts = {}
        for node in self.validators:
            name = node["node"]
            hosts[name] = {"sidecar_grpc_address": self.address(name), "sidecar_http_url": "http://%s:%d" % (node["address"], HTTP_PORT),
                           "sidecar_service_name": "sidecar-" + name, "sidecar_service_manager": "supervisor",
                           "sidecar_supervisor_config": str(self.conf), "sidecar_model_dir": str(self.model_dir(name)),
                           "node_account": self.accounts[name], "node_api_url": self.api_url}
        path.write_text(json.dumps({"chain_nodes": {"children": {"validators": {"hosts": hosts}}}}))
        return path

    def restore(self):
        """Every sidecar running on the good model."""
        for node in self.validators:
            if content_hash(self.model_dir(node["node"])) != self.good_hash:
                make_model(self.model_dir(node["node"]))
                self.supervisorctl("restart", "sidecar-" + node["node"])
            elif self.state(node["node"]) != "RUNNING":
                self.supervisorctl("start", "sidecar-" + node["node"])
        self.wait_serving()


@pytest.fixture(scope="module")
def lab(localnet, tmp_path_factory):
    built = Lab(tmp_path_factory.mktemp("play010"), localnet.status()["nodes"])
    try:
        built.start()
        built.extra_inventory = built.inventory()
        yield built
    finally:
        built.stop()


@pytest.fixture
def scoring(lab):
    try:
        yield lab
    finally:
        lab.restore()


def play010(lab, report_dir, *args, **extra):
    variables = dict(FAST, play010_chain_binary=str(lab.binary), play010_chain_home=str(lab.cli_home), ir_report_dir=str(report_dir))
    variables.update(extra)
    return run_playbook(PLAYBOOK, "-i", str(lab.extra_inventory), *args, extra_vars=variables)


def report(report_dir):
    files = sorted(report_dir.glob("*-play010.json"))
    assert files, "no PLAY-010 report in %s" % report_dir
    return json.loads(files[-1].read_text())


def test_healthy_fleet_is_healthy_with_every_recipe_and_the_chain_view(scoring, report_dir):
    run = play010(scoring, report_dir)
    assert run.rc == 0, run.raw[-4000:]
    doc = report(report_dir)
    decision = doc["data"]["decision"]
    assert decision["verdict"] == "healthy" and doc["data"]["after"]["verdict"] == "healthy"
    assert decision["reference_source"] == "on-chain sha256_hash" and decision["reference_hash"] == scoring.good_hash
    assert all(row["matches"] == ["content"] and not row["problems"] for row in decision["rows"])
    models = dict((row["host"], row) for row in doc["data"]["models"])
    assert set(models) == {"validator1", "validator2", "validator3", "validator4"}
    assert all(row["content"] == scoring.good_hash and row["metadata_hash"] == scoring.good_hash for row in models.values())
    assert len(set(row["path_content"] for row in models.values())) == 1 and models["validator1"]["path_content"] != scoring.good_hash
    sidecars = doc["data"]["sidecars"]
    assert all(s["state"] == "serving" and s["grpc"] == {"": "SERVING", "inference.v1.InferenceService": "SERVING"} for s in sidecars)
    assert all(s["http"]["is_sidecar"] and s["http"]["metrics"]["sidecar_healthy"] == 0 for s in sidecars)
    chain = doc["data"]["chain"]
    assert chain["models"]["trust_score"]["sha256_hash"] == scoring.good_hash and chain["models"]["ocr"] is None
    assert "no active ocr model on chain" in chain["findings"]
    assert "%s never reported its model versions on chain" % scoring.accounts["validator2"] in chain["findings"]
    assert chain["upgrade_plan"] is None and chain["errors"] == {}
    assert chain["backlog"]["estimate"] is True and chain["backlog"]["pending_estimate"] == 0 and "ESTIMATE" in chain["backlog"]["label"]
    hosts = dict((row["host"], row) for row in doc["data"]["hosts"])
    assert hosts["validator1"]["gpu"]["mode"] in ("cpu", "gpu")
    assert hosts["validator1"]["service"]["sidecar"] > 0 and hosts["validator1"]["service"]["node"] > 0 and not hosts["validator1"]["service"]["errors"]
    assert hosts["validator1"]["node_model_info"] == "absent (no TF scorer built on the node)"
    assert doc["data"]["confirmations"] == [] and doc["data"]["incident"] == {}


def test_one_sidecar_down_is_a_single_validator_fault_restarted_only_when_confirmed(scoring, report_dir):
    scoring.supervisorctl("stop", "sidecar-validator2")
    wait_until("validator2's sidecar to stop", lambda: health(scoring.address("validator2")) is None, 30)

    refused = play010(scoring, report_dir)
    assert refused.rc != 0
    doc = report(report_dir)
    assert doc["data"]["decision"]["verdict"] == "sidecar_fault" and doc["data"]["decision"]["restart_hosts"] == ["validator2"]
    assert any("sidecar not serving on validator2 (down" in reason for reason in doc["data"]["decision"]["why"])
    assert [(e["action"], e["decision"]) for e in doc["data"]["confirmations"]] == [("sidecar_restart", "refused")]
    assert doc["data"]["incident"]["severity"] == "SEV-2"
    assert "-e ir_confirm=sidecar_restart" in refused.raw
    assert scoring.state("validator2") == "STOPPED"

    confirmed = play010(scoring, report_dir, ir_confirm="sidecar_restart")
    assert confirmed.rc == 0, confirmed.raw[-4000:]
    doc = report(report_dir)
    assert doc["data"]["after"]["verdict"] == "healthy"
    assert doc["data"]["remediation"] == [{"host": "validator2", "action": "sidecar_restart", "service": "sidecar-validator2",
                                           "state": "RUNNING", "serving": True}]
    assert health(scoring.address("validator2")) == "SERVING"
    # Only validator2 was restarted: the others kept their process.
    assert [h for h, r in confirmed.results("Restart the sidecar service") if not r.get("skipped")] == ["validator2"]


def test_not_serving_sidecar_is_reported_as_such(scoring, module_run):
    scoring.supervisorctl("signal", "USR1", "sidecar-validator4")
    wait_until("validator4's sidecar NOT_SERVING", lambda: health(scoring.address("validator4")) == "NOT_SERVING", 30)
    result = module_run("sidecar_health", {"endpoints": [{"name": "validator4", "grpc_address": scoring.address("validator4")},
                                                         {"name": "rpc-port", "grpc_address": scoring.address("validator1"),
                                                          "http_url": "http://%s" % scoring.address("validator1")}]})
    states = dict((e["name"], e) for e in result["endpoints"])
    assert states["validator4"]["state"] == "not_serving"
    assert states["validator4"]["grpc"] == {"": "NOT_SERVING", "inference.v1.InferenceService": "NOT_SERVING"}
    # An HTTP check aimed at a gRPC port (as the sidecar's default :9090 on a validator is the node's gRPC) says so.
    assert "not as HTTP/1.1" in states["rpc-port"]["http"]["note"] and states["rpc-port"]["http"]["is_sidecar"] is False
    scoring.supervisorctl("signal", "USR2", "sidecar-validator4")
    wait_until("validator4's sidecar SERVING again", lambda: health(scoring.address("validator4")) == "SERVING", 30)


def _archive(path, files):
    source = path.parent / (path.name + ".src")
    make_model(source, files)
    with tarfile.open(path, "w:gz") as bundle:
        for item in sorted(source.rglob("*")):
            bundle.add(item, arcname=str(item.relative_to(source)), recursive=False)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(directory):
    return sorted((str(p.relative_to(directory)), p.read_bytes()) for p in Path(directory).rglob("*") if p.is_file())


def test_model_mismatch_names_the_validator_and_replacement_verifies_before_touching_anything(scoring, report_dir, tmp_path):
    wrong = dict(MODEL_FILES, **{"variables/variables.data-00000-of-00001": b"other weights"})
    wrong_hash = make_model(scoring.model_dir("validator3"), wrong)
    before = _snapshot(scoring.model_dir("validator3"))
    good_archive = tmp_path / "trust_score-v1.0.0.tar.gz"
    good_sha = _archive(good_archive, MODEL_FILES)

    # --check with the confirmation: the mismatch is named, the plan runs in check mode, nothing changes.
    checked = play010(scoring, report_dir, "--check", ir_confirm="model_replace", play010_model_url=str(good_archive),
                      play010_model_sha256=good_sha, play010_download_dir=str(tmp_path / "dl0"))
    assert checked.rc == 0, checked.raw[-4000:]
    decision = checked.result("Decide between systemic")["ansible_facts"]["play010"]
    assert decision["verdict"] == "model_mismatch" and decision["replace_hosts"] == ["validator3"]
    row = next(r for r in decision["rows"] if r["host"] == "validator3")
    assert row["hash"] == wrong_hash and row["matches"] == []
    assert any(p.startswith("content hash %s differs from the on-chain sha256_hash %s" % (wrong_hash[:12], scoring.good_hash[:12]))
               for p in row["problems"])
    assert _snapshot(scoring.model_dir("validator3")) == before and not (tmp_path / "dl0").exists()
    assert [p.name for p in scoring.model_dir("validator3").parent.iterdir()] == ["trust_score"]

    # Wrong checksum: the archive is refused at download, nothing else happens.
    bad_sum = play010(scoring, report_dir, ir_confirm="model_replace", play010_model_url=str(good_archive),
                      play010_model_sha256="0" * 64, play010_download_dir=str(tmp_path / "dl1"))
    assert bad_sum.rc != 0
    assert "did not match" in bad_sum.raw or "checksum" in bad_sum.raw.lower()
    assert _snapshot(scoring.model_dir("validator3")) == before and list((tmp_path / "dl1").glob("*")) == []

    # Right checksum, wrong model inside: refused after unpacking, before the swap.
    wrong_archive = tmp_path / "wrong.tar.gz"
    wrong_sha = _archive(wrong_archive, wrong)
    bad_model = play010(scoring, report_dir, ir_confirm="model_replace", play010_model_url=str(wrong_archive),
                        play010_model_sha256=wrong_sha, play010_download_dir=str(tmp_path / "dl2"))
    assert bad_model.rc != 0
    assert "hashes to %s by the content recipe, not the expected %s: refusing it. Nothing was changed." % (wrong_hash, scoring.good_hash) in bad_model.raw
    assert _snapshot(scoring.model_dir("validator3")) == before
    assert [p.name for p in scoring.model_dir("validator3").parent.iterdir()] == ["trust_score"]
    assert scoring.state("validator3") == "RUNNING"

    # The published model: verified, swapped in with the old one kept, sidecar restarted and serving.
    replaced = play010(scoring, report_dir, ir_confirm="model_replace", play010_model_url=str(good_archive), play010_model_sha256=good_sha,
                       play010_download_dir=str(tmp_path / "dl4"))
    assert replaced.rc == 0, replaced.raw[-4000:]
    doc = report(report_dir)
    assert doc["data"]["after"]["verdict"] == "healthy"
    remediation = doc["data"]["remediation"]
    assert [(r["host"], r["old_hash"], r["new_hash"], r["serving"]) for r in remediation] == [("validator3", wrong_hash, scoring.good_hash, True)]
    assert content_hash(scoring.model_dir("validator3")) == scoring.good_hash
    assert _snapshot(remediation[0]["backup_path"]) == before
    shutil.rmtree(remediation[0]["backup_path"])
