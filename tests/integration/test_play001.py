# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001 Chain Halted end to end on the real local network: detection, the gate, scenarios A, B and C."""

import json
import os
import re
import stat
import subprocess
from pathlib import Path

from conftest import REPO, assert_refused_before_anything_ran, run_playbook

PLAYBOOK = REPO / "playbooks" / "play001_chain_halted.yml"
VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]
FAST = {"play001_halt_window": 6, "play001_verify_timeout": 120}


def _report(report_dir):
    files = sorted(report_dir.glob("*-play001.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


def _processes(localnet):
    return dict((n["node"], n["process"]) for n in localnet.status()["nodes"])


def _changed(run):
    return dict((host, stats["changed"]) for host, stats in run.stats.items())


def _signing_states(localnet):
    homes = dict((n["node"], Path(localnet.status()["dir"]) / n["node"]) for n in localnet.status()["nodes"] if n["node"] in VALIDATORS)
    states = {}
    for name, home in homes.items():
        document = json.loads((home / "data" / "priv_validator_state.json").read_text())
        states[name] = (int(document["height"]), int(document["round"]), int(document["step"]))
    return homes, states


def test_bad_input_fails_before_anything_is_probed_or_declared(report_dir):
    # The role's argument spec runs first: a typo must not probe for the halt window, declare a SEV-1 and page anyone.
    assert_refused_before_anything_ran(PLAYBOOK, dict(FAST, play001_scenario="Z"), report_dir,
                                       ["play001_scenario must be one of", "got: Z"], ["Read heights", "Declare:"])


def test_healthy_chain_changes_nothing(localnet, report_dir):
    run = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    assert set(_changed(run).values()) == {0}
    report = _report(report_dir)
    assert report["verdict"] == "healthy" and report["summary"]["scenario"] == "none"
    assert report["data"]["confirmations"] == []
    decision = report["data"]["decision"]
    assert decision["verdict"] == "healthy" and decision["plans"] == [] and decision["vetoed"] == [] and decision["outside_set"] == []
    # Each validator's host was read (free disk under node_home), and nothing in the logs or readings is a cause.
    assert all(row["disk_free"] for row in decision["validators"]) and decision["causes"] == []


def test_two_stopped_refused_without_confirmation_then_restarted_with_it(localnet, report_dir, tmp_path):
    localnet.run("stop", "validator3", "validator4")
    try:
        refused = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
        assert refused.rc != 0
        assert "-e ir_confirm=coordinated_restart" in refused.raw
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
        report = _report(report_dir)
        assert report["summary"]["scenario"] == "B" and report["verdict"] == "not recovered"
        assert sorted(report["data"]["decision"]["absent"]) == ["validator3", "validator4"]
        # The gate was shown the plan the decision returned, with nothing vetoed (stopped nodes, disks with room).
        planned = report["data"]["decision"]["planned"]["coordinated_restart"]
        assert planned["hosts"] == ["validator3", "validator4"] and report["data"]["decision"]["vetoed"] == []
        assert report["data"]["confirmations"][0]["plan"] == planned["lines"]
        assert [(c["action"], c["decision"]) for c in report["data"]["confirmations"]] == [("coordinated_restart", "refused")]

        confirmed_dir = tmp_path / "confirmed"
        start_height = localnet.height("validator1")
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="coordinated_restart"), env={"IR_REPORT_DIR": str(confirmed_dir)})
        assert run.rc == 0, run.raw[-3000:]
        assert _processes(localnet)["validator3"] == "RUNNING" and _processes(localnet)["validator4"] == "RUNNING"
        assert localnet.height("validator1") >= start_height + 3
        report = _report(confirmed_dir)
        assert report["verdict"] == "recovered"
        confirmation = report["data"]["confirmations"][0]
        assert confirmation["decision"] == "confirmed" and confirmation["via"] == "ir_confirm"
        assert confirmation["hosts"] == ["validator3", "validator4"] and confirmation["by"] and confirmation["at"].endswith("Z")
        assert sorted(report["data"]["restart_started_at"]) == ["validator3", "validator4"]
        assert isinstance(report["summary"]["restart_spread_seconds"], float)
        # Only the affected validators were touched.
        assert _changed(run)["validator1"] == 0 and _changed(run)["validator3"] >= 1
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_one_stopped_is_scenario_a_and_nothing_changes(localnet, report_dir):
    localnet.run("stop", "validator4")
    try:
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="coordinated_restart,state_rollback"), env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc == 0, run.raw[-3000:]
        report = _report(report_dir)
        assert report["summary"]["scenario"] == "A"
        assert report["data"]["decision"]["contact"] == ["validator4"]
        assert report["data"]["confirmations"] == []
        assert set(_changed(run).values()) == {0}
        assert _processes(localnet)["validator4"] == "STOPPED"
    finally:
        localnet.run("start", "validator4")
        localnet.wait_blocks("validator1", 2)


def test_scenario_c_rolls_every_validator_back_to_one_height_and_never_lowers_signing_state(localnet, report_dir):
    # A halted chain (half the power stopped), as in a real scenario C: the height the plan shows and the approval binds
    # stays the last good height until the rollback, which reads it again.
    localnet.run("stop", "validator3", "validator4")
    try:
        homes, before = _signing_states(localnet)
        keys_before = dict((n, (h / "config" / "priv_validator_key.json").read_bytes()) for n, h in homes.items())
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, play001_scenario="C", ir_confirm="state_rollback"), env={"IR_REPORT_DIR": str(report_dir)})
    finally:
        localnet.run("start", "validator3", "validator4", check=False)
    assert run.rc == 0, run.raw[-4000:]
    shown = re.search(r"roll back to height (\d+): one below the lowest height", run.raw)
    assert shown, "the gate's plan shows the rollback height before the confirmation"
    report = _report(report_dir)
    assert report["data"]["confirmations"][0]["parameters"] == {"height": int(shown.group(1))}
    rollbacks = report["data"]["rollbacks"]
    assert sorted(r["host"] for r in rollbacks) == VALIDATORS
    assert {r["new_height"] for r in rollbacks} == {int(shown.group(1))}, "every validator at the approved height"
    assert all(r["rollbacks"] >= 1 and r["new_height"] < r["old_height"] for r in rollbacks)
    assert report["verdict"] == "recovered"
    _homes, after = _signing_states(localnet)
    for name in VALIDATORS:
        assert after[name] >= before[name], "signing state of %s went down: %s -> %s" % (name, before[name], after[name])
    for rollback in rollbacks:
        backup = Path(rollback["backup_path"])
        assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(backup / "priv_validator_key.json").st_mode) == 0o600
        assert (backup / "priv_validator_key.json").read_bytes() == keys_before[rollback["host"]]
        saved = json.loads((backup / "priv_validator_state.json").read_text())
        assert (int(saved["height"]), saved["round"], saved["step"]) <= after[rollback["host"]]
        assert rollback["signing_state_after"] == rollback["signing_state_before"]
    assert "priv_key" not in run.raw, "key material never appears in the output"
    localnet.wait_blocks("validator1", 2)


def test_scenario_c_without_confirmation_stops_nothing_and_rolls_nothing_back(localnet, report_dir):
    homes, before = _signing_states(localnet)
    backups_before = dict((n, sorted((h / "backups").glob("*")) if (h / "backups").exists() else []) for n, h in homes.items())
    run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, play001_scenario="C"), env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc != 0 and "-e ir_confirm=state_rollback" in run.raw
    assert all(_processes(localnet)[name] == "RUNNING" for name in VALIDATORS)
    report = _report(report_dir)
    assert [(c["action"], c["decision"]) for c in report["data"]["confirmations"]] == [("state_rollback", "refused")]
    assert report["data"]["rollbacks"] == []
    for name, home in homes.items():
        assert (sorted((home / "backups").glob("*")) if (home / "backups").exists() else []) == backups_before[name]
    assert set(_changed(run).values()) == {0}
    _homes, after = _signing_states(localnet)
    assert all(after[name] >= before[name] for name in VALIDATORS)


def test_scenario_c_on_a_chain_still_committing_blocks_is_refused_with_nothing_stopped(localnet, report_dir):
    # The approval binds the height the diagnosis read; blocks committed since then move it, and the rollback's
    # re-read before the stop must refuse rather than stop a live chain.
    homes, before = _signing_states(localnet)
    backups_before = dict((n, sorted((h / "backups").glob("*")) if (h / "backups").exists() else []) for n, h in homes.items())
    run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, play001_scenario="C", ir_confirm="state_rollback"), env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc != 0
    moved = re.search(r"state_rollback on validator\d refused before this change: parameter height: (\d+) -> (\d+)", run.raw)
    assert moved, run.raw[-3000:]
    assert int(moved.group(2)) > int(moved.group(1)), "the chain moved on since the approval"
    assert all(_processes(localnet)[name] == "RUNNING" for name in VALIDATORS)
    assert all(_changed(run)[name] == 0 for name in VALIDATORS)
    for name, home in homes.items():
        assert (sorted((home / "backups").glob("*")) if (home / "backups").exists() else []) == backups_before[name]
    _homes, after = _signing_states(localnet)
    assert all(after[name] >= before[name] for name in VALIDATORS)


def test_unreachable_validator_host_stops_before_acting(localnet, report_dir, ghost_inventory):
    localnet.run("stop", "validator3", "validator4")
    try:
        run = run_playbook(PLAYBOOK, "-i", str(ghost_inventory), extra_vars=dict(FAST, ir_confirm="coordinated_restart"),
                           env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc != 0
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
        report = _report(report_dir)
        assert report["data"]["decision"]["unreachable_hosts"] == ["ghost"]
        assert any("SSH to ghost failed" in f for f in report["findings"])
        assert report["data"]["confirmations"] == [], "no gate is even offered"
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_check_mode_with_confirmation_shows_the_plan_and_changes_nothing(localnet, report_dir):
    localnet.run("stop", "validator3", "validator4")
    try:
        run = run_playbook(PLAYBOOK, "--check", extra_vars=dict(FAST, ir_confirm="coordinated_restart"), env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc == 0, run.raw[-4000:]
        assert "GATED ACTION: coordinated_restart (check mode: nothing will change)" in run.raw
        assert "restart validator3, validator4 all at the same time" in run.raw
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
        report = _report(report_dir)
        assert report["check_mode"] is True
        assert report["data"]["confirmations"][0]["check_mode"] is True
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_node_service_refuses_a_change_that_skipped_the_gate(localnet, tmp_path):
    playbook = tmp_path / "sneaky.yml"
    playbook.write_text(json.dumps([{"hosts": "validator4", "gather_facts": False, "tasks": [{
        "name": "restart without the gate", "ansible.builtin.include_role": {"name": "virtengine.incident_response.node_service"},
        "vars": {"node_service_action": "stopped", "node_service_gate": "coordinated_restart"}}]}]))
    run = run_playbook(playbook, extra_vars={"ir_confirm": "coordinated_restart"})
    assert run.rc != 0
    assert "was not confirmed through the gate role" in run.raw
    assert _processes(localnet)["validator4"] == "RUNNING"


def test_a_full_disk_read_live_vetoes_the_restart_and_nothing_is_restarted(localnet, report_dir):
    # validator3's home on a real file system with no free space (a tmpfs mounted over it while the node is stopped):
    # the diagnosis reads it on the host (node_inspect read=[resources]), there is no log line yet, and the coordinated
    # restart of validator3 and validator4 is vetoed, even confirmed, with what to do first.
    home = Path(localnet.status()["dir"]) / "validator3"
    localnet.run("stop", "validator3", "validator4")
    mounted = False
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(home)], check=True)
        mounted = True
        subprocess.run(["dd", "if=/dev/zero", "of=%s" % (home / "filler"), "bs=64k"], capture_output=True, check=False)
        assert os.statvfs(str(home)).f_bavail == 0
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="coordinated_restart"), env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc != 0
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
        decision = _report(report_dir)["data"]["decision"]
        assert decision["scenario"] == "B" and decision["plans"] == []
        (veto,) = decision["vetoed"]
        assert veto["action"] == "coordinated_restart" and veto["cause"] == "disk_full" and veto["hosts"] == ["validator3"]
        assert veto["evidence"][0]["line"].startswith("live reading: 0 B free of 256.0 KiB under %s" % home)
        assert "coordinated_restart is not offered" in run.raw and "free or grow the disk" in run.raw
        assert "GATED ACTION: coordinated_restart" not in run.raw, "no gate is offered for a vetoed plan"
        assert _report(report_dir)["data"]["confirmations"] == []
    finally:
        if mounted:
            subprocess.run(["umount", str(home)], check=True)
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_check_mode_of_the_confirmed_rollback_shows_it_with_its_height_and_changes_nothing(localnet, report_dir):
    # Issue 24, item 4: under --check the stop before the rollback is only simulated, and the rollback used to refuse
    # the still-running validators. Every gated action's --check must show what would run, with its values, and succeed.
    localnet.run("stop", "validator3", "validator4")
    try:
        homes, before = _signing_states(localnet)
        backups_before = dict((n, sorted((h / "backups").glob("*")) if (h / "backups").exists() else []) for n, h in homes.items())
        run = run_playbook(PLAYBOOK, "--check", extra_vars=dict(FAST, play001_scenario="C", ir_confirm="state_rollback"),
                           env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc == 0, run.raw[-4000:]
        assert "GATED ACTION: state_rollback (check mode: nothing will change)" in run.raw
        height = int(re.search(r"Parameter height: (\d+)", run.raw).group(1))
        planned = dict((host, result) for host, result in run.results("Roll back, signing files backed up first"))
        assert sorted(planned) == VALIDATORS, run.raw[-4000:]
        assert {r["new_height"] for r in planned.values()} == {height}, "each validator's planned rollback lands on the approved height"
        assert sorted(h for h, r in planned.items() if r["running"]) == ["validator1", "validator2"], "still running: the stop was simulated"
        assert [_processes(localnet)[name] for name in VALIDATORS] == ["RUNNING", "RUNNING", "STOPPED", "STOPPED"]
        for name, home in homes.items():
            assert (sorted((home / "backups").glob("*")) if (home / "backups").exists() else []) == backups_before[name]
        assert _signing_states(localnet)[1] == before
        report = _report(report_dir)
        assert report["check_mode"] is True and report["data"]["confirmations"][0]["parameters"] == {"height": height}
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)
