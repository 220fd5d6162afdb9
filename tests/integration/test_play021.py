# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021 Node Out of Sync on a real local network running the e2e app (it makes state-sync snapshots).

The full node is stopped while the chain goes on (>= 150 blocks), then started behind a loopback partition so that
it stays behind until the remedy runs: the test lifts the partition once the playbook has taken the node down,
as the network team would, and each remedy has to bring the node back by itself (restart, state sync, snapshot).
"""

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
import requests

from conftest import REPO, Localnet, run_playbook, spare_ip, wait_until

PLAYBOOK = REPO / "playbooks" / "play021_node_out_of_sync.yml"
LAGGING = "fullnode1"
OTHERS = "validator1,validator2,validator3,validator4"
FAST = {"play021_sample_window": 2, "play021_poll": 2, "play021_verify_timeout": 300}


@pytest.fixture(scope="module")
def e2e_net(tmp_path_factory):
    """A second network (e2e app, snapshots every 100 heights) beside the default one; deleted afterwards."""
    if os.geteuid() != 0:
        pytest.fail("PLAY-021's tests need root (loopback partitions, supervisord): run them through scripts/run-tests as root")
    directory = tmp_path_factory.mktemp("e2e-net")
    net = Localnet(directory)
    net.run("up", "--app", "e2e", "--base-ip", spare_ip(60))
    net.inventory = directory / "hosts.yml"
    try:
        wait_until("height 110 (a first snapshot at 100)", lambda: (net.height("validator1") or 0) >= 110, 300, interval=2)
        yield net
    finally:
        net.run("reset", check=False)


def _status(net, node):
    try:
        return requests.get(net.url(node) + "/status", timeout=2).json()["result"]
    except (requests.RequestException, ValueError, KeyError):
        return None


def _fall_behind(net, blocks, while_stopped=None):
    """Stop the full node while the chain makes ``blocks`` blocks, then start it cut off from every peer."""
    net.run("stop", LAGGING)
    start = net.height("validator1")
    wait_until("%d blocks without %s" % (blocks, LAGGING), lambda: (net.height("validator1") or 0) >= start + blocks,
               blocks * 3, interval=1)
    if while_stopped:
        while_stopped()
    net.run("partition", LAGGING, OTHERS)
    net.run("start", LAGGING)
    return net.height(LAGGING)


def _report(report_dir):
    files = sorted(report_dir.glob("*-play021.json"))
    assert files, "no PLAY-021 report in %s" % report_dir
    return json.loads(files[-1].read_text())


def _remedy_with_network_back(net, extra_vars, report_dir, network_back_when=None):
    """Run PLAY-021; lift the partition (the network is back) once the remedy took the node down, or once
    ``network_back_when()`` holds."""
    network_back_when = network_back_when or (lambda: _status(net, LAGGING) is None)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run=run_playbook(
        PLAYBOOK, inventory=net.inventory, extra_vars=dict(FAST, **extra_vars), env={"IR_REPORT_DIR": str(report_dir)})))
    runner.start()
    try:
        wait_until("the remedy to reach %s" % LAGGING, lambda: network_back_when() or not runner.is_alive(), 300, interval=0.2)
    finally:
        net.run("heal")
        runner.join(900)
    assert "run" in outcome, "the playbook did not finish"
    return outcome["run"]


def _back_in_sync(net):
    """Leave the network as the next test needs it: the lagging node in sync again after a heal.

    A partition longer than CometBFT's first reconnection phase (20 tries about 5 s apart) puts both sides' dialers
    into exponential back-off (3^n s), so a healed node may wait minutes for its next dial; restarting it dials its
    persistent peers at once. This is the test's clean-up, not PLAY-021's behaviour (asserted before it).
    """
    def in_sync():
        return abs((net.height(LAGGING) or 0) - (net.height("validator1") or 0)) <= 2

    try:
        wait_until("%s to catch up after the heal" % LAGGING, in_sync, 60)
    except pytest.fail.Exception:
        net.run("stop", LAGGING)
        net.run("start", LAGGING)
        wait_until("%s to catch up after the heal and a restart" % LAGGING, in_sync, 240)


def _signing_state(net):
    return (Path(net.status()["dir"]) / LAGGING / "data" / "priv_validator_state.json").read_bytes()


def test_a_small_lag_is_watched_and_nothing_changes(e2e_net, report_dir):
    state_before = _signing_state(e2e_net)
    e2e_net.run("partition", LAGGING, OTHERS)
    try:
        start = e2e_net.height(LAGGING)
        wait_until("30 blocks of lag", lambda: (e2e_net.height("validator1") or 0) >= start + 30, 90, interval=1)
        run = run_playbook(PLAYBOOK, inventory=e2e_net.inventory,
                           extra_vars=dict(FAST, play021_watch_timeout=8, ir_confirm="node_restart"),
                           env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc != 0, "still behind after the watch: not in sync"
        report = _report(report_dir)
        row = [r for r in report["data"]["lag"]["rows"] if r["host"] == LAGGING][0]
        assert row["state"] == "behind" and 30 <= row["behind"] < 100
        watch = report["data"]["catch_up"]
        assert watch["samples"] >= 3 and watch["done"] is False
        assert watch["rows"][0]["rate"] is not None and watch["rows"][0]["rate"] <= 0, "cut off, it cannot close the gap"
        assert report["data"]["confirmations"] == [], "a small lag offers no remedy, even with ir_confirm"
        assert set(stats["changed"] for stats in run.stats.values()) == {0}
        assert run.raw.count("[catch up") == watch["samples"], "one progress line per sample"
        assert _status(e2e_net, LAGGING) is not None and _signing_state(e2e_net) == state_before
    finally:
        e2e_net.run("heal")
    _back_in_sync(e2e_net)


def test_far_behind_refused_without_confirmation(e2e_net, report_dir):
    behind_at = _fall_behind(e2e_net, 150)
    try:
        run = run_playbook(PLAYBOOK, inventory=e2e_net.inventory, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc != 0
        report = _report(report_dir)
        assert report["data"]["lag"]["far_behind"] == [LAGGING]
        assert [(c["action"], c["decision"]) for c in report["data"]["confirmations"]] == [("node_restart", "refused")]
        assert "-e ir_confirm=node_restart" in run.raw
        assert e2e_net.height(LAGGING) == behind_at and set(s["changed"] for s in run.stats.values()) == {0}
    finally:
        e2e_net.run("heal")
    _back_in_sync(e2e_net)


def _starts(net):
    """How many times the node process started (its log says so each time; a restart can be too quick to see)."""
    return (Path(net.status()["dir"]) / "logs" / ("%s.log" % LAGGING)).read_text().count("Starting Node service")


def test_restart_brings_it_back(e2e_net, report_dir):
    _fall_behind(e2e_net, 150)
    state_before = _signing_state(e2e_net)
    starts = _starts(e2e_net)
    run = _remedy_with_network_back(e2e_net, {"ir_confirm": "node_restart"}, report_dir,
                                    network_back_when=lambda: _starts(e2e_net) > starts)
    assert run.rc == 0, run.raw[-3000:]
    report = _report(report_dir)
    assert report["data"]["remedies"][0]["method"] == "restart"
    assert report["data"]["catch_up"]["done"] is True
    assert _signing_state(e2e_net) == state_before
    assert (_status(e2e_net, LAGGING) or {}).get("sync_info", {}).get("earliest_block_height") == "1", "a restart keeps the data"


def test_state_sync_brings_it_back_keeping_the_signing_state(e2e_net, report_dir):
    _fall_behind(e2e_net, 150)
    state_before = _signing_state(e2e_net)
    run = _remedy_with_network_back(e2e_net, {"ir_confirm": "state_sync"}, report_dir)
    assert run.rc == 0, run.raw[-3000:]
    report = _report(report_dir)
    remedy = report["data"]["remedies"][0]
    assert remedy["method"] == "statesync" and "statesync.enable" in remedy["config_changed"]
    trust = report["data"]["trust"]
    commit = requests.get("%s/commit?height=%d" % (e2e_net.url("validator1"), int(trust["height"])), timeout=5).json()["result"]
    assert trust["hash"] == commit["signed_header"]["commit"]["block_id"]["hash"], "the trust hash is the block hash at the trust height"
    assert len(report["data"]["trust"]["rpc_servers"]) == 2
    assert _signing_state(e2e_net) == state_before
    earliest = int(_status(e2e_net, LAGGING)["sync_info"]["earliest_block_height"])
    assert earliest > 100, "state sync restores from a snapshot: no blocks below it (earliest %d)" % earliest


def test_snapshot_restore_checks_the_checksum_then_brings_it_back(e2e_net, report_dir, tmp_path):
    archive = tmp_path / "validator2.tar.lz4"
    snapshot_at = {}

    def take_snapshot():
        snapshot_at["height"] = e2e_net.height("validator2")  # the archive holds at least this height
        e2e_net.run("snapshot", "validator2", str(archive))

    behind_at = _fall_behind(e2e_net, 150, while_stopped=take_snapshot)
    digest = Path(str(archive) + ".sha256").read_text().split()[0]
    assert digest == hashlib.sha256(archive.read_bytes()).hexdigest()
    state_before = _signing_state(e2e_net)
    snapshot_vars = {"ir_confirm": "snapshot_restore", "play021_snapshot_url": str(archive),
                     "play021_snapshot_download_dir": str(tmp_path / "download")}
    try:
        wrong = run_playbook(PLAYBOOK, inventory=e2e_net.inventory, extra_vars=dict(FAST, play021_snapshot_sha256="0" * 64, **snapshot_vars),
                             env={"IR_REPORT_DIR": str(report_dir)})
        assert wrong.rc != 0 and "checksum" in wrong.raw.lower()
        assert e2e_net.height(LAGGING) == behind_at, "a bad checksum must stop everything before the node is touched"
    except BaseException:
        e2e_net.run("heal")
        raise
    # Still cut off when it starts again, the node can only stand at the archive's height: the restore did that.
    restored = {}

    def started_from_the_archive():
        height = (e2e_net.height(LAGGING) or 0) if _status(e2e_net, LAGGING) else 0
        if height > behind_at:
            restored["height"] = height
        return bool(restored)

    run = _remedy_with_network_back(e2e_net, dict(snapshot_vars, play021_snapshot_sha256=digest), report_dir,
                                    network_back_when=started_from_the_archive)
    assert run.rc == 0, run.raw[-3000:]
    assert restored["height"] >= snapshot_at["height"]
    remedy = _report(report_dir)["data"]["remedies"][0]
    assert remedy["method"] == "snapshot" and remedy["snapshot"]["sha256"] == digest
    assert remedy["signing_state_after"] == remedy["signing_state_before"]
    assert _signing_state(e2e_net) == state_before
    assert archive.exists(), "the archive is kept"


def test_a_misspelt_confirmation_stops_the_run_before_anything_is_read(report_dir):
    # The gate's begin checks ir_confirm first: before, PLAY-021 read every node's data directory and heights, and
    # only then found that state_snyc approved nothing.
    run = run_playbook(PLAYBOOK, extra_vars={"ir_confirm": "state_snyc"}, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc != 0, run.raw[-3000:]
    assert "ir_confirm names state_snyc, which no gate of this collection asks for" in run.raw and "state_sync" in run.raw
    assert run.results("Measure this node's data directory") == [] and run.results("Read heights") == []
    assert list(report_dir.iterdir()) == [], "no incident record and no report"


def test_an_approved_snapshot_binds_its_checksum_and_another_one_is_refused_naming_it(e2e_net, report_dir, tmp_path):
    """Issue 24: snapshot_restore@<fingerprint> approves the archive and its SHA-256; a run given another checksum is
    refused by the gate, saying what changed, before anything is downloaded or stopped."""
    approved_sha, other_sha = "ab" * 32, "cd" * 32
    archive = tmp_path / "latest.tar.lz4"
    archive.write_bytes(b"never read: the gate refuses first")
    base = dict(FAST, play021_threshold=10, play021_method="snapshot_restore", play021_snapshot_url=str(archive),
                play021_snapshot_download_dir=str(tmp_path / "download"))
    behind_at = _fall_behind(e2e_net, 20)
    try:
        shown = run_playbook(PLAYBOOK, inventory=e2e_net.inventory, extra_vars=dict(base, play021_snapshot_sha256=approved_sha),
                             env={"IR_REPORT_DIR": str(report_dir)})
        assert shown.rc != 0, "not confirmed: shown only"
        verdict = shown.result("Fingerprint the plan")
        assert verdict["plan"]["hosts"] == [LAGGING]
        assert verdict["plan"]["parameters"] == {"method": "snapshot", "snapshot_url": str(archive), "snapshot_sha256": approved_sha}
        approved = {"snapshot_restore": {"hosts": verdict["plan"]["hosts"], "parameters": verdict["plan"]["parameters"],
                                         "fingerprint": verdict["fingerprint"]}}
        changed = run_playbook(PLAYBOOK, inventory=e2e_net.inventory, env={"IR_REPORT_DIR": str(report_dir)},
                               extra_vars=dict(base, play021_snapshot_sha256=other_sha, ir_plans=approved,
                                               ir_confirm="snapshot_restore@" + verdict["fingerprint"]))
        assert changed.rc != 0
        decided = changed.result("Decide, and write the decision")["entry"]
        assert decided["decision"] == "refused"
        assert decided["changes"] == ['parameter snapshot_sha256: "%s" -> "%s"' % (approved_sha, other_sha)]
        assert not changed.results("Download the snapshot") and not (tmp_path / "download").exists()
        assert e2e_net.height(LAGGING) == behind_at and _status(e2e_net, LAGGING) is not None, "nothing was stopped"
    finally:
        e2e_net.run("heal")
    _back_in_sync(e2e_net)
