# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No extra variable stands in for the gate (issue 24, item 1), on the real local network with the chain halted.

Before: ``-e '{"gate_log": [...confirmed...]}'`` or ``-e gate_decisions=...`` passed the required check with no gate
ever run, and PLAY-001 printed "REFUSED: coordinated_restart was not confirmed" and then restarted both stopped
validators. Now every runbook's first task refuses such a run before anything is probed, naming the variable, and the
required check reads the gate's record of the run from a file no variable reaches.
"""

import json
from pathlib import Path

import pytest
from conftest import REPO, assert_refused_before_anything_ran, run_playbook

PLAYBOOK = REPO / "playbooks" / "play001_chain_halted.yml"
FAST = {"play001_halt_window": 6, "play001_verify_timeout": 60}
CONFIRMED = {"action": "coordinated_restart", "decision": "confirmed", "hosts": ["validator3", "validator4"], "parameters": {}}

# The two, and one of each other kind: an approved flag, the decision record, the required check's own
# variables, the approved record it returns.
FORGERIES = {
    "gate_log": [CONFIRMED],
    "gate_decisions": {"coordinated_restart": True},
    "chain_halt_approved": {"coordinated_restart": True},
    "play001": {"scenario": "B", "remedy": "coordinated_restart", "restart_hosts": ["validator3", "validator4"]},
    "_gate_refusals": [],
    "gate_approved": {"parameters": {}},
}


@pytest.fixture(scope="module")
def halted(localnet):
    localnet.run("stop", "validator3", "validator4")
    try:
        yield localnet
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def _node_pid(localnet, node):
    """The pid of ``node``'s cometbft process (found by its --home), or None."""
    home = str(Path(localnet.status()["dir"]) / node)
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes().split(b"\0")[-2:-1] == [home.encode()]:
                return int(proc.name)
        except OSError:
            continue
    return None


def _stopped(localnet):
    return sorted(n["node"] for n in localnet.status()["nodes"] if n["process"] == "STOPPED")


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_approval_is_refused_before_anything_runs(halted, report_dir, name):
    run = assert_refused_before_anything_ran(PLAYBOOK, dict(FAST, **{name: FORGERIES[name]}), report_dir,
                                             ["REFUSED before anything was probed or changed", "extra variables %s" % name],
                                             ["Read heights", "Declare:", "Restart"])
    tasks = [t["task"]["name"] for t in run.doc["plays"][0]["tasks"]]
    assert "Refuse extra variables that would stand in for the gate" in tasks[-1], tasks
    assert len(tasks) <= 3, "the gate's begin is the first step (include, argument check, refusal) and it stopped the run: %s" % tasks
    assert _stopped(halted) == ["validator3", "validator4"], "nothing was restarted"


def test_the_required_check_reads_the_record_not_a_variable(localnet, tmp_path):
    """A careless playbook that calls a changing role with a forged record in a play variable (vars outrank facts too)
    is refused by the required check: the record of the run is the gate's file, and the gate never ran. (validator2:
    it runs whether or not this module's halted network is still halted.)"""
    before = _node_pid(localnet, "validator2")
    assert before, "validator2 runs"
    playbook = tmp_path / "careless.yml"
    playbook.write_text(json.dumps([{
        "name": "Restart validator2 with a forged record", "hosts": "validator2", "gather_facts": False,
        "vars": {"gate_log": [dict(CONFIRMED, hosts=["validator2"])], "gate_decisions": {"coordinated_restart": True}},
        "tasks": [{"name": "Restart", "ansible.builtin.include_role": {"name": "virtengine.incident_response.node_service"},
                   "vars": {"node_service_action": "restarted", "node_service_gate": "coordinated_restart"}}]}]))
    run = run_playbook(playbook)
    assert run.rc != 0
    refused = [r for _h, r in run.results("Refuse a change the gate did not approve for validator2") if r.get("failed")]
    assert refused and "coordinated_restart was not confirmed through the gate role (the gate did not decide it in this run)" in refused[0]["msg"]
    assert _node_pid(localnet, "validator2") == before, "validator2 was not restarted"


def test_an_earlier_nodes_decision_artifact_approves_nothing(halted, report_dir):
    """AWX hands a workflow's next node the artifacts of the earlier ones as extra variables, so the gate's published
    decision (``ir_gate``) may come back, or be forged: it is allowed, and it approves nothing (only ir_confirm does)."""
    run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_gate={"coordinated_restart": CONFIRMED}), env={"IR_REPORT_DIR": str(report_dir)})
    assert "REFUSED before anything was probed" not in run.raw
    assert "REFUSED: coordinated_restart was not confirmed. Nothing was changed." in run.raw, run.raw[-3000:]
    assert _stopped(halted) == ["validator3", "validator4"], "nothing was restarted"
