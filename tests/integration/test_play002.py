# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-002 Network Partition on the real local network: real loopback partitions, the real peer reset and resync."""

import hashlib
import json
import re
import stat
import time
from pathlib import Path

import requests

from conftest import REPO, assert_refused_before_anything_ran, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "play002_network_partition.yml"
FAST = {"play002_halt_window": 6}


def _report(report_dir):
    files = sorted(report_dir.glob("*-play002.json"))
    assert files, "no PLAY-002 report in %s" % report_dir
    return json.loads(files[-1].read_text())


def _n_peers(localnet, node):
    try:
        return int(requests.get(localnet.url(node) + "/net_info", timeout=3).json()["result"]["n_peers"])
    except (requests.RequestException, ValueError, KeyError):
        return None


def _home(localnet, node):
    return Path(localnet.status()["dir"]) / node


def _still(localnet, node, seconds=4):
    """The node answers and its height does not move for ``seconds`` (a halt, not a slow block)."""
    first = localnet.height(node)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if localnet.height(node) != first:
            return False
        time.sleep(0.5)
    return first is not None


def _changed(run):
    return dict((host, stats["changed"]) for host, stats in run.stats.items())


def test_bad_input_fails_before_anything_is_probed_or_declared(report_dir):
    assert_refused_before_anything_ran(PLAYBOOK, dict(FAST, play002_min_peers="two"), report_dir,
                                       ["play002_min_peers", "'two'"], ["Read heights", "Declare:"])


def test_two_against_three_halts_reports_both_islands_and_heals(localnet, report_dir):
    localnet.run("partition", "validator1,validator2", "validator3,validator4,fullnode1")
    try:
        wait_until("two islands", lambda: _n_peers(localnet, "validator1") == 1 and _n_peers(localnet, "validator3") == 2, 60)
        wait_until("the chain to halt (no side has more than 2/3)", lambda: _still(localnet, "validator1"), 60)
        run = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc != 0, "a partitioned network must not pass verification"
        assert set(_changed(run).values()) == {0}, _changed(run)
        report = _report(report_dir)
        decision = report["data"]["decision"]
        assert decision["verdict"] == "infrastructure"
        islands = dict((tuple(i["members"]), i) for i in decision["islands"])
        assert set(islands) == {("validator1", "validator2"), ("fullnode1", "validator3", "validator4")}
        assert islands[("validator1", "validator2")]["voting_power"] == 20
        assert islands[("fullnode1", "validator3", "validator4")]["voting_power"] == 20
        assert decision["canonical"] is None and not decision["canonical_has_quorum"]
        assert report["data"]["probe"]["chain"]["summary"]["halted"] is True
        crossing = set((p["from"], p["to"]) for p in decision["cross_island_blocked"])
        assert ("validator1", "validator3") in crossing and ("fullnode1", "validator2") in crossing
        assert all(p["error"] == "connection refused" for p in decision["cross_island_blocked"])
        assert not any(p["to"] == "validator2" for p in decision["blocked"] if p["from"] == "validator1"), "same-island ports answer"
        assert decision["peer_reset_hosts"] == [] and decision["resync_hosts"] == []
    finally:
        localnet.run("heal")
    wait_until("the chain to produce blocks again", lambda: not _still(localnet, "validator1"), 90)
    healed = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
    assert healed.rc == 0, healed.raw[-3000:]
    assert _report(report_dir)["data"]["decision"]["verdict"] == "healthy"


def test_three_against_one_names_the_canonical_island_and_resyncs_the_isolated_validator(localnet, report_dir):
    state_file = _home(localnet, "validator4") / "data" / "priv_validator_state.json"
    backups = _home(localnet, "validator4") / "backups"
    existing_backups = set(backups.iterdir()) if backups.exists() else set()
    localnet.run("partition", "validator1,validator2,validator3,fullnode1", "validator4")
    try:
        wait_until("validator4 cut off", lambda: _n_peers(localnet, "validator4") == 0, 60)
        localnet.wait_blocks("validator1", 3)
        state_before = state_file.read_bytes()

        refused = run_playbook(PLAYBOOK, extra_vars=dict(FAST, play002_resync_stranded=True), env={"IR_REPORT_DIR": str(report_dir)})
        assert refused.rc != 0
        decision = _report(report_dir)["data"]["decision"]
        assert decision["canonical_members"] == ["fullnode1", "validator1", "validator2", "validator3"]
        assert decision["canonical_has_quorum"] is True
        minority = [i for i in decision["islands"] if i["members"] == ["validator4"]][0]
        assert minority["state"] == "stranded" and minority["voting_power"] == 10
        assert decision["resync_hosts"] == ["validator4"]
        assert [(c["action"], c["decision"]) for c in _report(report_dir)["data"]["confirmations"]] == [("minority_resync", "refused")]
        assert set(_changed(refused).values()) == {0}
        assert state_file.read_bytes() == state_before
        assert (set(backups.iterdir()) if backups.exists() else set()) == existing_backups

        # --check with the confirmation: the plan runs in check mode; nothing is stopped, reset or backed up.
        stranded_height = localnet.height("validator4")
        checked = run_playbook(PLAYBOOK, "--check", extra_vars=dict(FAST, play002_resync_stranded=True, ir_confirm="minority_resync"),
                               env={"IR_REPORT_DIR": str(report_dir)})
        assert checked.rc == 0, checked.raw[-3000:]  # check mode shows the plan and skips the verification
        assert [(c["action"], c["decision"], c["check_mode"]) for c in _report(report_dir)["data"]["confirmations"]] == [("minority_resync", "confirmed", True)]
        assert state_file.read_bytes() == state_before
        assert (set(backups.iterdir()) if backups.exists() else set()) == existing_backups
        assert localnet.height("validator4") == stranded_height, "validator4 must still run, at its stranded height"

        confirm = dict(FAST, play002_resync_stranded=True, ir_confirm="minority_resync", play002_verify_timeout=10)
        confirmed = run_playbook(PLAYBOOK, extra_vars=confirm, env={"IR_REPORT_DIR": str(report_dir)})
        assert confirmed.rc != 0, "still partitioned: verification must fail"
        remediation = _report(report_dir)["data"]["remediation"]
        assert [r["host"] for r in remediation] == ["validator4"]
        row = remediation[0]
        assert row["method"] == "blocksync" and row["signing_state_restored"] is True
        assert row["signing_state_after"] == row["signing_state_before"]
        assert state_file.read_bytes() == state_before, "the signing state must be exactly the one before the reset"
        backup = Path(row["backup_path"])
        assert stat.S_IMODE(backup.stat().st_mode) == 0o700
        assert (backup / "priv_validator_state.json").read_bytes() == state_before
        assert stat.S_IMODE((backup / "priv_validator_key.json").stat().st_mode) == 0o600
        assert localnet.height("validator4") < localnet.height("validator1"), "reset and cut off, it cannot have synced"
    finally:
        localnet.run("heal")
    wait_until("validator4 to sync from the canonical chain", lambda: abs((localnet.height("validator4") or 0) - localnet.height("validator1")) <= 2, 180)
    before = json.loads(state_before)
    after = json.loads(state_file.read_text())
    assert (int(after["height"]), after["round"], after["step"]) >= (int(before["height"]), before["round"], before["step"])
    verified = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
    assert verified.rc == 0, verified.raw[-3000:]


def test_wrong_peers_and_empty_address_book_are_repaired_through_the_gate(localnet, report_dir):
    home = _home(localnet, "fullnode1")
    config = home / "config" / "config.toml"
    original = config.read_text()
    try:
        localnet.run("stop", "fullnode1")
        broken = re.sub(r"(?m)^(persistent_peers = .*)$", lambda m: m.group(1).replace(":26656", ":26699"), original)
        broken = re.sub(r"(?m)^max_num_inbound_peers = .*$", "max_num_inbound_peers = 0", broken)
        config.write_text(broken)
        (home / "config" / "addrbook.json").unlink(missing_ok=True)
        localnet.run("start", "fullnode1")
        localnet.wait_blocks("validator1", 3)
        assert _n_peers(localnet, "fullnode1") == 0
        broken_digest = hashlib.sha256(config.read_bytes()).hexdigest()

        refused = run_playbook(PLAYBOOK, extra_vars=FAST, env={"IR_REPORT_DIR": str(report_dir)})
        assert refused.rc != 0
        decision = _report(report_dir)["data"]["decision"]
        assert decision["verdict"] == "configuration"
        faults = [(f["node"], f["fault"]) for f in decision["config_faults"] if f["severity"] == "error"]
        assert faults.count(("fullnode1", "wrong_port")) == 4 and ("fullnode1", "no_inbound") in faults
        assert decision["peer_reset_hosts"] == ["fullnode1"]
        assert ":26656" in decision["persistent_peer_fixes"]["fullnode1"] and ":26699" not in decision["persistent_peer_fixes"]["fullnode1"]
        assert hashlib.sha256(config.read_bytes()).hexdigest() == broken_digest
        assert set(_changed(refused).values()) == {0}

        repaired = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="peer_reset"), env={"IR_REPORT_DIR": str(report_dir)})
        assert repaired.rc == 0, repaired.raw[-3000:]
        row = _report(report_dir)["data"]["remediation"][0]
        assert row["host"] == "fullnode1" and row["config_changed"] == ["p2p.persistent_peers"]
        assert ":26699" not in config.read_text() and config.read_text().count(":26656") >= 4
        assert _n_peers(localnet, "fullnode1") >= 2
    finally:
        localnet.run("stop", "fullnode1")
        config.write_text(original)
        localnet.run("start", "fullnode1")
