# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's safety limits: pause switch, one operation per node, remediation budget (issue 24, item 6)."""

import json
import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils import _run_record, _safety_limits as limits

HERE = "controller-a/boot-1"
T0 = 1796000000.0


def test_pause_switch_file_and_variable(tmp_path):
    assert limits.paused(None, str(tmp_path)) is None
    for off in (False, "", "false", "no", "0", "off"):
        assert limits.paused(off, str(tmp_path)) is None
    assert limits.paused(True, str(tmp_path)) == "ir_pause is set (no reason given)"
    assert limits.paused("yes", str(tmp_path)) == "ir_pause is set (no reason given)"
    assert limits.paused("chain upgrade at 14:00", str(tmp_path)) == "ir_pause is set (chain upgrade at 14:00)"
    (tmp_path / "PAUSE").write_text("INC-42 under investigation, hands off\n")
    reason = limits.paused(None, str(tmp_path))
    assert "%s is on (INC-42 under investigation, hands off)" % (tmp_path / "PAUSE") in reason and "remove the file" in reason
    # A variable only pauses: false does not lift the file's pause.
    assert limits.paused(False, str(tmp_path)) == reason


def test_unreadable_pause_switch_pauses(tmp_path):
    (tmp_path / "PAUSE").mkdir()
    assert "cannot be read" in limits.paused(None, str(tmp_path))


def test_lock_refuses_a_second_live_run_and_names_the_holder(tmp_path):
    taken = limits.take_lock("validator1", "100-5", "coordinated_restart", "alice", 600, str(tmp_path), T0, HERE)
    assert taken["took_over"] is None and taken["lock"]["expires"] == T0 + 600
    stored = json.loads((tmp_path / "locks" / "validator1.json").read_text())
    assert stored == taken["lock"] and stored["controller"] == HERE
    # Another controller's run: its liveness cannot be read here, so only expiry frees it.
    with pytest.raises(limits.LimitError) as refused:
        limits.take_lock("validator1", "200-7", "state_rollback", "bob", 600, str(tmp_path), T0 + 10, "controller-b/boot-9")
    message = str(refused.value)
    for part in ("state_rollback on validator1 refused", "locked by run 100-5 (alice, coordinated_restart)",
                 "since 2026-11-30T", "one operation per node", str(tmp_path / "locks" / "validator1.json")):
        assert part in message
    # Other nodes are free; the same run renews its own lock and keeps its start.
    assert limits.take_lock("validator2", "200-7", "state_rollback", "bob", 600, str(tmp_path), T0 + 10, HERE)["took_over"] is None
    renewed = limits.take_lock("validator1", "100-5", "node_service", "alice", 600, str(tmp_path), T0 + 20, HERE)["lock"]
    assert renewed["since"] == T0 and renewed["expires"] == T0 + 620


def test_expired_lock_is_taken_over_and_named(tmp_path):
    limits.take_lock("validator1", "100-5", "coordinated_restart", "alice", 60, str(tmp_path), T0, "elsewhere/boot")
    taken = limits.take_lock("validator1", "200-7", "state_rollback", "bob", 60, str(tmp_path), T0 + 61, HERE)
    assert taken["took_over"]["run"] == "100-5" and taken["took_over"]["stale"] == "expired"
    assert taken["lock"]["run"] == "200-7"


def test_lock_of_a_run_that_ended_on_this_controller_is_stale(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    here = limits._controller()
    gone = "%s-%s" % (ended.stdout.strip(), "1")
    limits.take_lock("validator1", gone, "coordinated_restart", "alice", 600, str(tmp_path), None, here)
    taken = limits.take_lock("validator1", "200-7", "state_rollback", "bob", 600, str(tmp_path), None, here)
    assert taken["took_over"]["stale"] == "its run ended"
    # This process is alive: its lock holds.
    mine = _run_record.run_id(os.getpid())
    limits.take_lock("validator2", mine, "coordinated_restart", "alice", 600, str(tmp_path), None, here)
    with pytest.raises(limits.LimitError, match="locked by run %s" % mine):
        limits.take_lock("validator2", "200-7", "state_rollback", "bob", 600, str(tmp_path), None, here)


def test_lock_names_any_target_as_one_file(tmp_path):
    limits.take_lock("prod/ve/api-gateway", "100-5", "rollback_deployment", "alice", 60, str(tmp_path), T0, HERE)
    limits.take_lock("[2001:db8::5]:5432", "100-5", "terminate_connections", "alice", 60, str(tmp_path), T0, HERE)
    assert sorted(p.name for p in (tmp_path / "locks").glob("*.json")) == ["%5B2001%3Adb8%3A%3A5%5D%3A5432.json", "prod%2Fve%2Fapi-gateway.json"]
    with pytest.raises(limits.LimitError, match="name the node"):
        limits.take_lock("  ", "100-5", "x", "alice", 60, str(tmp_path), T0, HERE)


def test_racing_runs_get_one_lock(tmp_path):
    outcomes = []

    def take(run):
        # Each from its own controller: a lock taken elsewhere holds until it expires.
        try:
            limits.take_lock("validator1", run, "coordinated_restart", run, 600, str(tmp_path), T0, "controller-%s/boot" % run)
            outcomes.append("took")
        except limits.LimitError:
            outcomes.append("refused")
    threads = [threading.Thread(target=take, args=("%d-1" % n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["took"]


def test_budget_counts_runs_once_and_refuses_past_the_limit(tmp_path):
    first = limits.charge_budget("1-1", "coordinated_restart", ["validator3"], 2, 3600, str(tmp_path), T0)
    assert first == {"used": 1, "limit": 2, "window": 3600, "resets_at": "2026-11-30T01:53:20Z"}
    # The same action of the same run (several hosts, or its gate shown twice) counts once.
    assert limits.charge_budget("1-1", "coordinated_restart", ["validator4"], 2, 3600, str(tmp_path), T0 + 1)["used"] == 1
    assert limits.charge_budget("2-1", "state_rollback", ["validator2"], 2, 3600, str(tmp_path), T0 + 100)["used"] == 2
    with pytest.raises(limits.LimitError) as refused:
        limits.charge_budget("3-1", "peer_reset", ["fullnode1"], 2, 3600, str(tmp_path), T0 + 200)
    message = str(refused.value)
    for part in ("2 changing actions were confirmed in the last 3600 s", "coordinated_restart at 2026-11-30T00:53:20Z",
                 "state_rollback at", "peer_reset is refused until 2026-11-30T01:53:20Z", "ir_remediation_budget"):
        assert part in message
    assert len(json.loads((tmp_path / "budget.json").read_text())) == 2, "a refusal is not counted"
    # Once the oldest leaves the window, there is room again.
    assert limits.charge_budget("3-1", "peer_reset", ["fullnode1"], 2, 3600, str(tmp_path), T0 + 3601)["used"] == 2


def test_budget_file_changed_by_hand_is_read_as_empty_not_a_traceback(tmp_path):
    (tmp_path / "budget.json").write_text("{not json")
    assert limits.charge_budget("1-1", "coordinated_restart", [], 1, 60, str(tmp_path), T0)["used"] == 1


@pytest.mark.parametrize("value, expected", [(None, 6), ("", 6), (3, 3), ("12", 12)])
def test_limit_settings(value, expected):
    assert limits.positive("ir_remediation_budget", value, 6) == expected


@pytest.mark.parametrize("value", [0, -1, "many", 2.5, True, "1e3"])
def test_bad_limit_settings_are_named(value):
    with pytest.raises(limits.LimitError, match=r"ir_lock_ttl=.* must be a positive whole number"):
        limits.positive("ir_lock_ttl", value, 1800)
