# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's safety limits on the real local network (issue 24, item 6): one operation per node, stale locks, the
remediation budget and the pause switch refuse the real rolling restart with their reasons, and nothing restarts.

Each test keeps the limits in its own state dir (IR_STATE_DIR). The run that holds a lock is a real ansible-playbook
run through the real gate role, confirmed, that took its lock on validator1 and waits for a file before it ends.
"""

import json
import os
import subprocess
import time

import pytest
from conftest import INVENTORY, REPO, run_playbook
from test_gate_forgery import _node_pid

ROLLING = REPO / "playbooks" / "rolling_restart.yml"
CONFIRMED = {"ir_confirm": "rolling_restart", "rolling_restart_hosts": ["validator1"]}


def _holder(tmp_path, release):
    """A playbook that approves a rolling restart of validator1, takes the lock through the required check, and holds
    it until ``release`` exists (at most 5 minutes)."""
    playbook = tmp_path / "hold.yml"
    playbook.write_text(json.dumps([
        {"name": "Approve", "hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "Begin", "ansible.builtin.include_role": {"name": "virtengine.incident_response.gate", "tasks_from": "begin"}},
            {"name": "Gate", "ansible.builtin.include_role": {"name": "virtengine.incident_response.gate"},
             "vars": {"gate_action": "rolling_restart", "gate_hosts": ["validator1"], "gate_plan": ["hold validator1's lock"]}}]},
        {"name": "Hold", "hosts": "validator1", "gather_facts": False, "tasks": [
            {"name": "Require", "ansible.builtin.include_role": {"name": "virtengine.incident_response.gate", "tasks_from": "require"},
             "vars": {"gate_action": "rolling_restart"}},
            {"name": "Wait for the release", "ansible.builtin.wait_for": {"path": str(release), "timeout": 300},
             "delegate_to": "localhost"}]}]))
    return playbook


def _start_holder(tmp_path, state, extra=None):
    release = tmp_path / "release"
    command = ["ansible-playbook", "-i", str(INVENTORY), str(_holder(tmp_path, release)), "-e",
               json.dumps(dict({"ir_confirm": "rolling_restart"}, **(extra or {})))]
    holder = subprocess.Popen(command, cwd=str(REPO), env=dict(os.environ, IR_STATE_DIR=str(state), ANSIBLE_CONFIG=str(REPO / "ansible.cfg")),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lock = state / "locks" / "validator1.json"
    deadline = time.monotonic() + 180
    while not lock.exists():
        if holder.poll() is not None or time.monotonic() > deadline:
            holder.kill()
            pytest.fail("the holding run did not take validator1's lock:\n%s" % holder.communicate()[0][-3000:])
        time.sleep(0.5)
    return holder, release, json.loads(lock.read_text())


def _stop_holder(holder, release):
    release.touch()
    try:
        holder.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        holder.kill()
        holder.communicate()


def _refused(run, part):
    assert run.rc != 0, run.raw[-3000:]
    assert part in run.raw, "%r not in:\n%s" % (part, run.raw[-4000:])


def test_a_second_run_is_refused_while_the_first_holds_the_node(localnet, tmp_path):
    state = tmp_path / "state"
    before = _node_pid(localnet, "validator1")
    holder, release, lock = _start_holder(tmp_path, state)
    try:
        second = run_playbook(ROLLING, extra_vars=CONFIRMED, env={"IR_STATE_DIR": str(state)})
        _refused(second, "rolling_restart on validator1 refused: the node is locked by run %s (" % lock["run"])
        assert "one operation per node at a time" in second.raw
        assert _node_pid(localnet, "validator1") == before, "validator1 was not restarted"
    finally:
        _stop_holder(holder, release)
    assert holder.returncode == 0
    # The holder ended: its lock is stale, and the next run takes it over (named in the required check's result).
    release.touch()
    after = run_playbook(_holder(tmp_path, release), extra_vars={"ir_confirm": "rolling_restart"}, env={"IR_STATE_DIR": str(state)})
    assert after.rc == 0, after.raw[-3000:]
    took = after.result("Refuse a change the gate did not approve", "validator1")["lock"]["took_over"]
    assert took["run"] == lock["run"] and took["stale"] == "its run ended"


def test_an_expired_lock_is_taken_over_while_its_run_still_waits(localnet, tmp_path):
    state = tmp_path / "state"
    holder, release, lock = _start_holder(tmp_path, state, {"ir_lock_ttl": 2})
    try:
        deadline = time.monotonic() + 30
        while time.time() <= lock["expires"] and time.monotonic() < deadline:
            time.sleep(0.2)
        other = tmp_path / "other"
        other.mkdir()
        (other / "release").touch()
        taken = run_playbook(_holder(other, other / "release"), extra_vars={"ir_confirm": "rolling_restart"}, env={"IR_STATE_DIR": str(state)})
        assert taken.rc == 0, taken.raw[-3000:]
        took = taken.result("Refuse a change the gate did not approve", "validator1")["lock"]["took_over"]
        assert took["run"] == lock["run"] and took["stale"] == "expired"
        assert holder.poll() is None, "the expired lock's run still waits"
    finally:
        _stop_holder(holder, release)


def test_the_pause_switch_refuses_a_confirmed_plan(localnet, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "PAUSE").write_text("INC-7 under investigation\n")
    before = _node_pid(localnet, "validator1")
    run = run_playbook(ROLLING, extra_vars=CONFIRMED, env={"IR_STATE_DIR": str(state)})
    _refused(run, "REFUSED by a safety limit: the pause switch %s is on (INC-7 under investigation)" % (state / "PAUSE"))
    assert _node_pid(localnet, "validator1") == before
    assert not (state / "locks").exists() and not (state / "budget.json").exists()
    # The variable pauses too.
    run = run_playbook(ROLLING, extra_vars=dict(CONFIRMED, ir_pause="upgrade window"), env={"IR_STATE_DIR": str(tmp_path / "fresh")})
    _refused(run, "REFUSED by a safety limit: ir_pause is set (upgrade window)")
    assert _node_pid(localnet, "validator1") == before


def test_the_remediation_budget_refuses_and_says_when_it_frees_up(localnet, tmp_path):
    state = tmp_path / "state"
    release = tmp_path / "release"
    release.touch()
    spent = run_playbook(_holder(tmp_path, release), extra_vars={"ir_confirm": "rolling_restart"}, env={"IR_STATE_DIR": str(state)})
    assert spent.rc == 0, spent.raw[-3000:]
    before = _node_pid(localnet, "validator1")
    run = run_playbook(ROLLING, extra_vars=dict(CONFIRMED, ir_remediation_budget=1), env={"IR_STATE_DIR": str(state)})
    _refused(run, "REFUSED by a safety limit: the remediation budget is spent: 1 changing actions were confirmed in the last 3600 s")
    assert "rolling_restart is refused until " in run.raw
    assert _node_pid(localnet, "validator1") == before
    # A bad setting is named.
    run = run_playbook(ROLLING, extra_vars=dict(CONFIRMED, ir_remediation_budget="lots"), env={"IR_STATE_DIR": str(state)})
    _refused(run, "ir_remediation_budget='lots' must be a positive whole number")
