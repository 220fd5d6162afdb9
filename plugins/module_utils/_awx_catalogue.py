# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX / Automation Controller objects of the collection, expanded from ``extensions/awx/catalogue.yml``.

Pure functions over plain data (no AWX needed). ``expand(catalogue, settings)`` returns
``{"job_templates": [...], "workflows": [...], "approval_nodes": [...]}``: job templates as parameters of
``awx.awx.job_template``; workflows as parameters of ``awx.awx.workflow_job_template`` with their whole graph in
``workflow_nodes`` (node ``identifier`` values, ``unified_job_template: {name, type}``, approvals ``type:
workflow_approval`` with a ``timeout`` in seconds, edges in ``related``); the approval nodes again as parameters of
``awx.awx.workflow_job_template_node`` (see ``approval_node_parameters`` for why; awx.awx 24.6.1).
Bad input raises ``CatalogueError`` naming the entry and the field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

KINDS = ("diagnosis", "incident", "runbook")
SURVEY_TYPES = ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")
# Variables that only the workflow may set: never a survey question, never a launch prompt of a diagnosis.
WORKFLOW_ONLY = ("ir_confirm",)
ACTION = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The catalogue or the settings are wrong; the message names the entry and the field."""


def _require(condition, message):
    if not condition:
        raise CatalogueError(message)


def _survey(name, description, questions):
    spec = []
    for question in questions:
        _require(isinstance(question, dict) and question.get("variable"), "%s: every survey question needs a variable" % name)
        variable = question["variable"]
        _require(variable not in WORKFLOW_ONLY, "%s: %s may never be a survey question (only an approved workflow sets it)" % (name, variable))
        _require(question.get("type") in SURVEY_TYPES, "%s: survey question %s has type %r, not one of %s"
                 % (name, variable, question.get("type"), ", ".join(SURVEY_TYPES)))
        item = {"question_name": question.get("question_name", variable), "question_description": question.get("question_description", ""),
                "variable": variable, "type": question["type"], "required": bool(question.get("required", False)),
                "default": question.get("default", "")}
        if "choices" in question:
            item["choices"] = list(question["choices"])
        for bound in ("min", "max"):
            if bound in question:
                item[bound] = question[bound]
        spec.append(item)
    return {"name": name, "description": description, "spec": spec}


def _template(settings, name, entry, job_type, survey, ask_variables):
    template = {
        "name": name,
        "description": entry.get("description", ""),
        "organization": settings["organization"],
        "project": settings["project"],
        "inventory": settings["inventory"],
        "playbook": "playbooks/%s" % entry["playbook"],
        "job_type": job_type,
        "credentials": list(settings.get("credentials", [])),
        "ask_limit_on_launch": True,
        "ask_variables_on_launch": ask_variables,
        "survey_enabled": bool(survey["spec"]),
        "survey_spec": survey if survey["spec"] else {},
        "allow_simultaneous": False,
        "state": "present",
    }
    if settings.get("execution_environment"):
        template["execution_environment"] = settings["execution_environment"]
    return template


def template_names(catalogue, entry):
    """The job template names of one playbook entry: ``{"diagnose": ..., "remediate": ...}`` or ``{"run": ...}``."""
    base = "%s | %s" % (catalogue["prefix"], ("%s %s" % (entry["runbook"], entry["name"])) if entry.get("runbook") else entry["name"])
    if entry["kind"] == "runbook":
        return {"diagnose": base + " | diagnose", "remediate": base + " | remediate"}
    return {"run": base}


def workflow_name(catalogue, entry, action):
    return "%s | %s %s | %s (approval)" % (catalogue["prefix"], entry["runbook"], entry["name"], action)


def _entry(catalogue, kind):
    found = [e for e in catalogue["playbooks"] if e.get("playbook") == kind]
    _require(len(found) == 1, "the catalogue needs exactly one entry for playbook %s (the workflows use it)" % kind)
    return found[0]


def _node(identifier, name, success=(), failure=(), extra_data=None):
    node = {"identifier": identifier, "unified_job_template": {"name": name, "type": "job_template"},
            "related": {"success_nodes": [{"identifier": s} for s in success], "failure_nodes": [{"identifier": f} for f in failure],
                        "always_nodes": []}}
    if extra_data:
        node["extra_data"] = extra_data
    return node


def _workflow(catalogue, settings, entry, action, survey):
    names = template_names(catalogue, entry)
    update = template_names(catalogue, _entry(catalogue, "incident_update.yml"))["run"]
    post = template_names(catalogue, _entry(catalogue, "post_incident.yml"))["run"]
    timeout = int(settings.get("approval_timeout", catalogue.get("approval_timeout", 3600)))
    _require(timeout > 0, "approval_timeout must be a positive number of seconds (got %r): an approval without a timeout waits forever" % timeout)
    approval = {
        "identifier": "approve",
        "unified_job_template": {
            "name": "Approve %s (%s)" % (action, entry["runbook"]),
            "description": ("%s %s: the diagnosis proposes %s. Its plan (hosts, parameters, steps, fingerprint) is in the diagnose "
                            "job's output and in its artifacts ir_gate.%s and ir_plans.%s; approving runs exactly that plan: the "
                            "remediation refuses, saying what changed, if the plan it computes has another fingerprint. Denying or "
                            "the %d s timeout changes nothing."
                            % (entry["runbook"], entry["name"], action, action, action, timeout)),
            "type": "workflow_approval",
            "timeout": timeout,
        },
        "related": {"success_nodes": [{"identifier": "remediate"}], "failure_nodes": [{"identifier": "record_refusal"}], "always_nodes": []},
    }
    nodes = [
        _node("diagnose", names["diagnose"], success=["approve"], failure=["record_failure"]),
        approval,
        _node("remediate", names["remediate"], success=["verify"], failure=["record_failure"], extra_data={"ir_confirm": action}),
        _node("verify", names["diagnose"], success=["post_incident"], failure=["record_failure"]),
        _node("post_incident", post),
        _node("record_refusal", update, extra_data={
            "ir_status": "Investigating",
            "ir_update": "%s was not approved (denied or timed out after %d s): nothing was changed." % (action, timeout)}),
        _node("record_failure", update, extra_data={
            "ir_status": "Investigating",
            "ir_update": "The %s workflow for %s stopped on a failed step: see the workflow's jobs." % (entry["runbook"], action)}),
    ]
    workflow = {
        "name": workflow_name(catalogue, entry, action),
        "description": "%s %s: diagnose, approve %s (timeout %d s), remediate, verify, post-incident." % (entry["runbook"], entry["name"], action, timeout),
        "organization": settings["organization"],
        "inventory": settings["inventory"],
        "ask_limit_on_launch": True,
        "ask_variables_on_launch": False,
        "allow_simultaneous": False,
        "survey_enabled": bool(survey["spec"]),
        "survey_spec": survey if survey["spec"] else {},
        "workflow_nodes": nodes,
        "state": "present",
    }
    return workflow


def expand(catalogue, settings):
    """Job templates and workflows for every catalogue entry (see the module docstring for the shapes).

    ``settings``: ``organization``, ``project``, ``inventory`` (names), optional ``credentials`` (list of names),
    ``execution_environment`` (name) and ``approval_timeout`` (seconds, overrides the catalogue's).
    """
    _require(isinstance(catalogue, dict) and isinstance(catalogue.get("playbooks"), list), "the catalogue needs a playbooks list")
    _require(catalogue.get("prefix"), "the catalogue needs a prefix (the start of every template name)")
    for key in ("organization", "project", "inventory"):
        _require(isinstance(settings, dict) and settings.get(key), "awx_configure needs awx_%s (a name on the controller)" % key)
    job_templates, workflows, seen = [], [], set()
    for entry in catalogue["playbooks"]:
        _require(isinstance(entry, dict) and entry.get("playbook"), "every catalogue entry needs a playbook")
        where = entry["playbook"]
        _require(entry.get("kind") in KINDS, "%s: kind %r is not one of %s" % (where, entry.get("kind"), ", ".join(KINDS)))
        _require(entry.get("name"), "%s: needs a name" % where)
        actions = list(entry.get("actions") or [])
        if entry["kind"] == "runbook":
            _require(entry.get("runbook"), "%s: a runbook entry needs its runbook id (e.g. PLAY-001)" % where)
            _require(actions, "%s: a runbook entry needs its gated actions (else make it kind diagnosis)" % where)
        else:
            _require(not actions, "%s: only a runbook entry has gated actions" % where)
        for action in actions:
            _require(ACTION.match(str(action)), "%s: action %r is not a gate action name" % (where, action))
        questions = (list(catalogue.get("common_survey") or []) if entry.get("common_survey", True) else []) + list(entry.get("survey") or [])
        names = template_names(catalogue, entry)
        for role, name in sorted(names.items()):
            _require(name not in seen, "%s: template name %s is used twice" % (where, name))
            seen.add(name)
        survey = _survey(entry["name"], entry.get("description", ""), questions)
        if entry["kind"] == "runbook":
            job_templates.append(_template(settings, names["diagnose"], entry, "check", survey, False))
            # The remediation template takes its variables from the workflow node (ir_confirm) and the workflow's
            # survey; it has no survey itself and is launched only by the workflows (grant execute on them only).
            job_templates.append(_template(settings, names["remediate"], entry, "run", _survey(entry["name"], "", []), True))
            workflows.extend(_workflow(catalogue, settings, entry, action, survey) for action in actions)
        else:
            job_templates.append(_template(settings, names["run"], entry, "check" if entry["kind"] == "diagnosis" else "run", survey, False))
    return {"job_templates": job_templates, "workflows": workflows, "approval_nodes": approval_node_parameters(workflows)}


def is_approval(node):
    return node["unified_job_template"]["type"] == "workflow_approval"


def approval_node_parameters(workflows):
    """Every workflow's approval node as parameters of ``awx.awx.workflow_job_template_node`` (with its edges).

    ``awx.awx.workflow_job_template`` re-sends an approval node's node fields (identifier, workflow) to its approval
    template on every run; AWX drops them, so that task would report a change on every run. The node module sends an
    approval template only ``name``, ``description`` and ``timeout``. So a workflow is applied in four steps: the
    workflow without nodes, its approval node (``approval_node``, no edges yet), the workflow with its other nodes
    (their edges reach the approval node), then the approval node's own edges (``success_nodes``, ...).
    """
    found = []
    for workflow in workflows:
        for node in workflow["workflow_nodes"]:
            if is_approval(node):
                template = node["unified_job_template"]
                params = {"workflow_job_template": workflow["name"], "organization": workflow["organization"], "identifier": node["identifier"],
                          "approval_node": dict((k, template[k]) for k in ("name", "description", "timeout"))}
                for kind in ("success_nodes", "failure_nodes", "always_nodes"):
                    params[kind] = [n["identifier"] for n in node["related"][kind]]
                found.append(params)
    return found
