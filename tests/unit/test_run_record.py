# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's record of a run (module_utils/_run_record.py): where it lives, whose it is, and the variables no caller
may pass."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ansible_collections.virtengine.incident_response.plugins.module_utils import _run_record

COLLECTION = Path(__file__).resolve().parents[2]
COMPUTED = sorted(_run_record.computed_variables())


@pytest.mark.parametrize("name", ["gate_log", "gate_decisions", "gate_approved", "play001", "play002", "play021",
                                  "chain_halt_approved", "chain_halt_decision", "node_resync_trust", "fleet_probe_readings"])
def test_the_records_the_issue_names_are_computed_or_private(name):
    assert _run_record.forged_variables({name: 1}, set(COMPUTED)) == [name]


def test_the_gates_artifacts_pass_as_an_awx_workflow_hands_them_on():
    # AWX gives a workflow's next node every artifact of the earlier ones as extra variables; neither approves anything.
    assert _run_record.forged_variables({"ir_gate": {}, "ir_plans": {}, "ir_reports": {}, "ir_workflow_incident_id": "INC-1"}, set(COMPUTED)) == []


@pytest.mark.parametrize("name", COMPUTED)
def test_every_variable_the_collection_computes_is_refused_as_an_extra_var(name):
    assert _run_record.forged_variables({name: "forged", "ir_confirm": "node_restart"}, set(COMPUTED)) == [name]


@pytest.mark.parametrize("name", ["_gate_refusals", "_gate_verdict", "_chain_recovery_last_good", "gate_action", "gate_parameters",
                                  "gate_target", "breach_approved", "anything_approved"])
def test_private_gate_and_approved_names_are_refused(name):
    assert _run_record.forged_variables([name], set()) == [name]


def _knobs():
    """Every operator setting: the roles' defaults (the gate's own interface aside), the ir_* settings, the inventory's
    node settings."""
    names = set()
    for path in COLLECTION.glob("roles/*/defaults/main.yml"):
        if path.parts[-3] != "gate":
            names.update(yaml.safe_load(path.read_text()) or {})
    return sorted(names | {"ir_confirm", "ir_plans", "ir_incident_id", "ir_report_dir", "node_rpc_url", "node_home",
                           "awx_user_name", "awx_job_id", "ansible_eda"})


def test_no_operator_setting_is_refused():
    """The documented settings (-e play001_scenario=B, -e fleet_probe_halt_window=60, ir_confirm, ...) stay allowed."""
    assert _run_record.forged_variables(_knobs(), set(COMPUTED)) == []


def test_computed_variables_are_read_from_the_roles_and_playbooks(tmp_path):
    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "r" / "vars").mkdir(parents=True)
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text(yaml.safe_dump([
        {"name": "a", "ansible.builtin.set_fact": {"r_fact": 1, "cacheable": False}},
        {"name": "b", "block": [{"name": "c", "ansible.builtin.command": "true", "register": "r_result"}]}]))
    (tmp_path / "roles" / "r" / "vars" / "main.yml").write_text("r_decision: x\n")
    (tmp_path / "playbooks" / "p.yml").write_text(yaml.safe_dump([{"hosts": "all", "tasks": [{"set_fact": {"p_fact": 2}}]}]))
    assert _run_record.computed_variables(str(tmp_path)) == {"r_fact", "r_result", "r_decision", "p_fact"}


def test_the_run_is_the_parent_process_and_its_start_time():
    child = subprocess.run([sys.executable, "-c", "import os, sys; sys.path[:0] = %r; "
                            "from ansible_collections.virtengine.incident_response.plugins.module_utils import _run_record; "
                            "print(_run_record.run_id())" % sys.path], capture_output=True, text=True, check=True)
    pid, ticks = child.stdout.strip().split("-")
    assert int(pid) == os.getpid() and int(ticks) > 0
    assert _run_record.run_id(os.getpid()) == child.stdout.strip(), "the same process gives the same run id"
    assert _run_record.run_id(1) != child.stdout.strip()


def test_the_state_dir_comes_from_the_environment_only(tmp_path):
    assert _run_record.state_dir({"IR_STATE_DIR": "/x"}) == "/x"
    assert _run_record.state_dir({"XDG_STATE_HOME": "/s"}) == "/s/virtengine-ir"
    assert _run_record.state_dir({}).endswith("/.local/state/virtengine-ir")


def test_begin_append_read_and_the_last_decision(tmp_path):
    run = "123-456"
    assert _run_record.read(run, str(tmp_path)) == {"run": run, "decisions": []}
    _run_record.begin(run, str(tmp_path))
    _run_record.append(run, {"action": "node_restart", "decision": "refused"}, str(tmp_path))
    _run_record.append(run, {"action": "node_restart", "decision": "confirmed"}, str(tmp_path))
    record = _run_record.read(run, str(tmp_path))
    assert _run_record.last_decision(record, "node_restart")["decision"] == "confirmed"
    assert _run_record.last_decision(record, "state_sync") is None
    path = Path(_run_record.record_path(run, str(tmp_path)))
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    _run_record.begin(run, str(tmp_path))
    assert _run_record.read(run, str(tmp_path))["decisions"] == [], "begin starts the runbook's record again"


def test_a_record_of_another_run_or_not_json_is_an_error(tmp_path):
    path = Path(_run_record.record_path("1-2", str(tmp_path)))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"run": "9-9", "decisions": [{"action": "node_restart", "decision": "confirmed"}]}))
    with pytest.raises(_run_record.RecordError, match="not this run's"):
        _run_record.read("1-2", str(tmp_path))
    path.write_text("{")
    with pytest.raises(_run_record.RecordError, match="not JSON"):
        _run_record.read("1-2", str(tmp_path))


def test_old_runs_are_pruned_and_the_current_one_kept(tmp_path):
    old = Path(_run_record.record_path("1-1", str(tmp_path))).parent
    old.mkdir(parents=True)
    stale = time.time() - _run_record.KEEP_SECONDS - 60
    os.utime(old, (stale, stale))
    _run_record.begin("2-2", str(tmp_path))
    assert not old.exists() and Path(_run_record.record_path("2-2", str(tmp_path))).exists()
