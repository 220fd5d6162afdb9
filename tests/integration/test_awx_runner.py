# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001's approval workflow run job by job the way AWX runs jobs, on the real local network with a halted chain.

AWX cannot run here (Kubernetes only), so this test plays the controller around the real job runner: each job is a
real ``ansible_runner.run`` (ansible-runner 2.4.3, pexpect mode: a pseudo-terminal nobody types into, stdout callback
``awx_display``, job events and artifacts in the private data directory), with what AWX would give it, taken from
the catalogue (``expand``), not typed here:

- the job template's playbook, run from the project root (so the project's ``ansible.cfg`` and its scribe apply),
  ``--check`` for job type ``check`` (AWX ``RunJob.build_args``);
- ``env/extravars`` written as AWX writes it (``RunJob.build_extra_vars_file``): its ``awx_*``/``tower_*`` variables
  (``UnifiedJob.awx_meta_vars``; a job spawned by a workflow carries the workflow's id and its launcher as user) plus
  the job's variables, every string tagged ``!unsafe`` (AWX's ``safe_dump``);
- for a workflow node (``WorkflowJobNode.get_job_kwargs``): the node's ``extra_data``, then the artifacts of the
  nodes before it (their ``set_stats``), then the workflow's survey answers on top;
- the approval is AWX's own object; here the approver reads the diagnosis's artifacts and approves that action.

One diagnosis (check mode, nothing changed, decision and plan in the artifacts), one direct launch of the remediation
template without ``ir_confirm`` (refused, nothing changed), one remediation from the approved workflow (the chain
recovers; the gate record and the incident timeline name the user and the workflow job).
"""

import itertools
import json
from pathlib import Path

import ansible_runner
import yaml

from conftest import INVENTORY, REPO, wait_until
from ansible_collections.virtengine.incident_response.plugins.module_utils._awx_catalogue import expand, is_approval, template_names
from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import read_timeline

CATALOGUE = yaml.safe_load((REPO / "extensions" / "awx" / "catalogue.yml").read_text())
OBJECTS = expand(CATALOGUE, {"organization": "VirtEngine", "project": "virtengine-incident-response", "inventory": "VirtEngine chain"})
ENTRY = next(e for e in CATALOGUE["playbooks"] if e["playbook"] == "play001_chain_halted.yml")
NAMES = template_names(CATALOGUE, ENTRY)
TEMPLATES = dict((t["name"], t) for t in OBJECTS["job_templates"])
VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]
STOPPED = ["validator3", "validator4"]
# The operator's answers to the workflow's survey (short windows for the test).
ANSWERS = {"play001_halt_window": 6, "play001_verify_timeout": 120}
# What a pause prompt of the gate would print; under AWX nothing may wait for a terminal.
PROMPT = "to confirm the plan above"
JOB_IDS = itertools.count(4101)


class UnsafeDumper(yaml.SafeDumper):
    """AWX's extravars file: every string is ``!unsafe`` (launch-time values are never templated)."""

    def represent_data(self, data):
        if isinstance(data, str):
            return self.represent_scalar("!unsafe", data)
        return super(UnsafeDumper, self).represent_data(data)


def _meta_vars(job_id, template, user, launch_type, workflow=None):
    """``UnifiedJob.awx_meta_vars`` + ``Job.awx_meta_vars`` for a job of ``template`` (a spawned job's user is the workflow's)."""
    meta = {}
    for prefix in ("awx", "tower"):
        meta.update({prefix + "_job_id": job_id, prefix + "_job_launch_type": launch_type, prefix + "_job_template_id": 70 + job_id % 7,
                     prefix + "_job_template_name": template["name"], prefix + "_user_id": 12, prefix + "_user_name": user,
                     prefix + "_user_email": user + "@virtengine.example", prefix + "_user_first_name": "", prefix + "_user_last_name": "",
                     prefix + "_inventory_id": 3, prefix + "_inventory_name": template["inventory"],
                     prefix + "_project_revision": "0" * 40, prefix + "_project_scm_branch": "main"})
        if workflow:
            meta.update({prefix + "_workflow_job_id": workflow["id"], prefix + "_workflow_job_name": workflow["name"]})
    return meta


def _awx_job(tmp_path, report_dir, template, variables, user, launch_type, workflow=None):
    """Run ``template`` through ansible-runner as AWX's job runner would; returns (runner, extra vars it got)."""
    job_id = next(JOB_IDS)
    private = tmp_path / ("job-%d" % job_id)
    (private / "env").mkdir(parents=True)
    extra_vars = dict(_meta_vars(job_id, template, user, launch_type, workflow), **variables)
    (private / "env" / "extravars").write_text(yaml.dump(extra_vars, Dumper=UnsafeDumper))
    runner = ansible_runner.run(
        private_data_dir=str(private), project_dir=str(REPO), playbook=template["playbook"], inventory=str(INVENTORY),
        cmdline="--check" if template["job_type"] == "check" else None,
        # AWX_TASK_ENV, the controller's extra environment for jobs: where reports and incidents go.
        envvars={"IR_REPORT_DIR": str(report_dir)},
        quiet=True, timeout=900)
    return runner, extra_vars


def _stdout(runner):
    return runner.stdout.read()


def _artifacts(runner):
    """What AWX keeps as the job's artifacts: the ``set_stats`` data of the ``playbook_on_stats`` event."""
    stats = [e for e in runner.events if e.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, "the job ended without its stats event"
    return stats[0]["event_data"]["artifact_data"]


def _gate_prompt_skipped(runner):
    """The gate's terminal prompt was skipped on localhost (never run, never waited on)."""
    outcomes = [e["event"] for e in runner.events
                if e.get("event", "").startswith("runner_on_") and e["event"] != "runner_on_start"
                and e["event_data"].get("task", "").startswith("Ask the operator")]
    return len(outcomes) > 0 and set(outcomes) == {"runner_on_skipped"}


def _node(workflow, identifier):
    return next(n for n in workflow["workflow_nodes"] if n["identifier"] == identifier)


def _next_nodes(workflow, node, outcome):
    """The nodes AWX starts after ``node`` ended with ``outcome`` (success / failure)."""
    return [_node(workflow, n["identifier"]) for n in node["related"][outcome + "_nodes"]]


def _root(workflow):
    targets = set(n["identifier"] for node in workflow["workflow_nodes"] for kind in ("success_nodes", "failure_nodes", "always_nodes")
                  for n in node["related"][kind])
    roots = [n for n in workflow["workflow_nodes"] if n["identifier"] not in targets]
    assert len(roots) == 1, roots
    return roots[0]


def _survey_vars(workflow, answers):
    """The workflow job's variables: its survey's defaults AWX keeps (a choice only if it is one) and the answers."""
    questions = dict((q["variable"], q) for q in workflow["survey_spec"]["spec"])
    assert set(answers) <= set(questions), "the workflow asks no variables outside its survey: AWX would drop %s" % (set(answers) - set(questions))
    chosen = {}
    for variable, question in questions.items():
        value = answers.get(variable, question["default"])
        if question["type"] == "multiplechoice" and value not in question["choices"]:
            continue
        if question["type"] == "integer":
            assert question.get("min", value) <= value <= question.get("max", value), (variable, value)
        chosen[variable] = value
    return chosen


def _node_vars(workflow, node, ancestor_artifacts, workflow_vars):
    """``WorkflowJobNode.get_job_kwargs``: node extra_data < ancestors' artifacts < the workflow job's variables."""
    variables = dict(node.get("extra_data") or {})
    variables.update(ancestor_artifacts)
    variables.update(workflow_vars)
    return variables


def _offered_workflow(alert):
    """The approval workflow the controller rulebook launches for ``alert``."""
    rulebook = yaml.safe_load((REPO / "extensions" / "eda" / "rulebooks" / "alertmanager_controller.yml").read_text())
    names = [rule["action"]["run_workflow_template"]["name"] for ruleset in rulebook for rule in ruleset["rules"]
             if '"%s"' % alert in rule["condition"] and "run_workflow_template" in rule["action"]]
    assert len(names) == 1, names
    return names[0]


def _template(node):
    return TEMPLATES[node["unified_job_template"]["name"]]


def _processes(localnet):
    return dict((n["node"], n["process"]) for n in localnet.status()["nodes"])


def test_diagnose_approve_remediate_as_awx_runs_them_recovers_the_halted_chain_and_records_the_approver(localnet, report_dir, tmp_path):
    localnet.run("stop", *STOPPED)
    try:
        halted_at = max(localnet.height(v) or 0 for v in VALIDATORS)

        # 1) The workflow a ChainHalted alert offers (the controller rulebook's run_workflow_template), launched by
        #    Alice with her survey answers. Its first node is the check-mode diagnosis.
        workflow = dict(next(w for w in OBJECTS["workflows"] if w["name"] == _offered_workflow("ChainHalted")), id=9001)
        workflow_vars = _survey_vars(workflow, ANSWERS)
        diagnose_node = _root(workflow)
        assert _template(diagnose_node)["name"] == NAMES["diagnose"] and _template(diagnose_node)["job_type"] == "check"
        diagnosis, diagnose_vars = _awx_job(tmp_path, report_dir, _template(diagnose_node), _node_vars(workflow, diagnose_node, {}, workflow_vars),
                                            "approver-alice", "workflow", workflow)
        out = _stdout(diagnosis)
        assert (diagnosis.rc, diagnosis.status) == (0, "successful"), out[-4000:]
        assert "ir_confirm" not in diagnose_vars
        assert diagnosis.stats["changed"] == {}, diagnosis.stats
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
        assert PROMPT not in out and _gate_prompt_skipped(diagnosis)
        artifacts = _artifacts(diagnosis)
        report = artifacts["ir_reports"]["play001"]
        assert report["check_mode"] is True and report["summary"]["scenario"] == "B" and report["summary"]["remedy"] == "coordinated_restart"
        assert list(artifacts["ir_gate"]) == ["coordinated_restart"]
        proposal = artifacts["ir_gate"]["coordinated_restart"]
        assert proposal["decision"] == "check_mode" and proposal["hosts"] == STOPPED and proposal["plan"]
        assert proposal["job"]["awx_workflow_job_id"] == workflow["id"]
        incident_id = artifacts["ir_workflow_incident_id"]
        assert Path(report["json"]).is_file()

        # 2) A direct launch of the remediate template (no workflow, no approval): the operator may pass variables
        #    (ask_variables_on_launch) but not ir_confirm. The gate refuses without a prompt and nothing changes.
        remediate = TEMPLATES[NAMES["remediate"]]
        assert remediate["job_type"] == "run" and remediate["ask_variables_on_launch"] and not remediate["survey_enabled"]
        direct = _awx_job(tmp_path, report_dir, remediate, dict(ANSWERS, ir_incident_id=incident_id), "operator-bob", "manual")[0]
        out = _stdout(direct)
        assert direct.status == "failed" and direct.rc != 0
        assert "REFUSED: coordinated_restart was not confirmed" in out and PROMPT not in out and _gate_prompt_skipped(direct)
        refusal = _artifacts(direct)["ir_gate"]["coordinated_restart"]
        assert (refusal["decision"], refusal["via"], refusal["by"]) == ("refused", "none", "operator-bob")
        assert "awx_workflow_job_id" not in refusal["job"] and refusal["job"]["awx_job_template_name"] == NAMES["remediate"]
        assert direct.stats["changed"] == {}, direct.stats
        assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"

        # 3) The approval: the approver reads the diagnosis's artifacts; they propose exactly the action this workflow's
        #    approval node asks for, so she approves. AWX follows the approval's success edge to the remediate node,
        #    whose extra_data sets ir_confirm, and hands it the diagnosis's artifacts under the workflow's answers.
        action = report["summary"]["remedy"]
        approval = _next_nodes(workflow, diagnose_node, "success")
        assert len(approval) == 1 and is_approval(approval[0]) and approval[0]["unified_job_template"]["timeout"] > 0
        assert "ir_gate.%s" % action in approval[0]["unified_job_template"]["description"]
        remediate_node = _next_nodes(workflow, approval[0], "success")
        assert len(remediate_node) == 1 and _template(remediate_node[0]) is remediate
        variables = _node_vars(workflow, remediate_node[0], artifacts, workflow_vars)
        assert variables["ir_confirm"] == action
        # The empty survey answer outranks the artifacts; the incident comes through under its own artifact name.
        assert variables["ir_incident_id"] == "" and variables["ir_workflow_incident_id"] == incident_id
        remediation = _awx_job(tmp_path, report_dir, remediate, variables, "approver-alice", "workflow", workflow)[0]
        out = _stdout(remediation)
        assert (remediation.rc, remediation.status) == (0, "successful"), out[-4000:]
        assert PROMPT not in out and _gate_prompt_skipped(remediation)
        assert _processes(localnet)["validator3"] == "RUNNING" and _processes(localnet)["validator4"] == "RUNNING"
        wait_until("every validator past height %d" % (halted_at + 2),
                   lambda: all((localnet.height(v) or 0) >= halted_at + 2 for v in VALIDATORS), 120)

        artifacts = _artifacts(remediation)
        assert artifacts["ir_workflow_incident_id"] == incident_id and artifacts["ir_reports"]["play001"]["verdict"] == "recovered"
        confirmed = artifacts["ir_gate"][action]
        assert (confirmed["decision"], confirmed["via"], confirmed["by"]) == ("confirmed", "ir_confirm", "approver-alice")
        assert confirmed["job"]["awx_workflow_job_id"] == workflow["id"] and confirmed["job"]["awx_workflow_job_name"] == workflow["name"]
        saved = json.loads(Path(artifacts["ir_reports"]["play001"]["json"]).read_text())
        assert [(c["decision"], c["by"], c["job"]["awx_workflow_job_id"]) for c in saved["data"]["confirmations"]] == [
            ("confirmed", "approver-alice", workflow["id"])]

        # The incident's timeline (written by the scribe, which the project's ansible.cfg enables under the runner too)
        # has all three gate decisions in order, the confirmation naming the user and the workflow job.
        assert sorted(p.name for p in (report_dir / "incidents").iterdir() if p.is_dir()) == [incident_id], "one incident for the whole workflow"
        timeline = read_timeline(str(report_dir / "incidents" / incident_id))
        gates = [(e["decision"], e["by"], e["job"].get("awx_workflow_job_id")) for e in timeline if e["kind"] == "gate"]
        assert gates == [("check_mode", "approver-alice", workflow["id"]), ("refused", "operator-bob", None), ("confirmed", "approver-alice", workflow["id"])]
        assert any(e["kind"] == "task" and e["changed"] and e["host"] in STOPPED for e in timeline)
    finally:
        localnet.run("start", *STOPPED)
        localnet.wait_blocks("validator1", 3)
