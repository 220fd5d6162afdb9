# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's record of this run: begin it, show a plan's verdict, record a decision, check one before a change.

An action plugin, because the record lives on the controller in a file of the ansible-playbook run
(``module_utils/_run_record.py``), out of reach of every Ansible variable, and because it reads the run's extra
variables themselves to refuse the ones that would stand in for the gate. Docs: plugins/modules/gate_record.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.vars import load_extra_vars

from ansible_collections.virtengine.incident_response.plugins.lookup.operator import operator_name
from ansible_collections.virtengine.incident_response.plugins.module_utils import _run_record, _safety_limits
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import (
    GateError, check_approval, check_known, gate_verdict, host_parameters, parse_confirmations)

_ARGS = dict(
    step=dict(type="str", required=True, choices=["begin", "plan", "decide", "require"]),
    action=dict(type="str"),
    hosts=dict(type="list", elements="str", default=[]),
    parameters=dict(type="dict", default={}),
    plan=dict(type="list", elements="str", default=[]),
    reason=dict(type="str", default=""),
    typed=dict(type="str", default=""),
    target=dict(type="str", default=""),
)

# The job ids AWX / Automation Controller inject; with one of them (or an EDA rule) nobody types at a prompt.
_JOB_VARIABLES = ("awx_job_id", "awx_job_template_name", "awx_workflow_job_id", "awx_workflow_job_name", "tower_job_id",
                  "tower_workflow_job_id")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def _value(self, task_vars, name, default=None):
        """A variable of the run, templated (extra variables such as ir_confirm may hold templates)."""
        if name not in task_vars:
            return default
        return self._templar.template(task_vars[name])

    def _refuse_forged(self):
        """Fail when the run's extra variables name a variable only the collection may set."""
        forged = _run_record.forged_variables(load_extra_vars(self._loader))
        if forged:
            raise AnsibleActionFail(
                "REFUSED before anything was probed or changed: the extra variables %s are the collection's own (the gate's "
                "record, approved flags, decisions and plans are computed by the run, never passed in). Remove them; to "
                "approve a plan pass ir_confirm=<action> or ir_confirm=<action>@<fingerprint>." % ", ".join(forged))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        task_vars = task_vars or {}
        self._refuse_forged()
        run = _run_record.run_id()
        step = args["step"]
        try:
            if step == "begin":
                check_known(parse_confirmations(self._value(task_vars, "ir_confirm")))
                _run_record.begin(run)
                result.update(changed=False, run=run, decisions=[])
                return result
            if not args["action"]:
                raise AnsibleActionFail("gate_record step=%s needs the gated action's name" % step)
            if step == "require":
                result.update(self._require(run, args, task_vars))
                return result
            verdict = gate_verdict(self._value(task_vars, "ir_confirm"), args["action"], args["hosts"], args["parameters"],
                                   self._value(task_vars, "ir_plans", {}))
        except (GateError, _run_record.RecordError, _safety_limits.LimitError) as error:
            raise AnsibleActionFail("gate %s: %s" % (args["action"] or step, error))
        job = self._job(task_vars)
        if step == "plan":
            result.update(changed=False, run=run, job=job, paused=_safety_limits.paused(self._value(task_vars, "ir_pause")), **verdict)
            return result
        return self._decide(run, args, task_vars, verdict, job, result)

    def _job(self, task_vars):
        job = dict((name, self._value(task_vars, name)) for name in _JOB_VARIABLES if str(self._value(task_vars, name, "")))
        eda = self._value(task_vars, "ansible_eda")
        if isinstance(eda, dict):
            job["eda_rule"] = "%s / %s" % (eda.get("ruleset"), eda.get("rule"))
        return job

    def _decide(self, run, args, task_vars, verdict, job, result):
        action, check_mode = args["action"], bool(self._task.check_mode)
        # A typed answer counts only where the gate asked: not in check mode, not under a job nobody types into.
        typed = args["typed"].strip() == action and not verdict["named"] and not check_mode and not job
        confirmed = verdict["confirmed"] or typed
        by = operator_name(dict((n, self._value(task_vars, n)) for n in ("awx_user_name", "tower_user_name")), os.environ)
        # The safety limits refuse even a confirmed plan: paused, or the fleet's remediation budget spent.
        limit = _safety_limits.paused(self._value(task_vars, "ir_pause"))
        if confirmed and not limit and not check_mode:
            try:
                _safety_limits.charge_budget(
                    run, action, args["hosts"],
                    _safety_limits.positive("ir_remediation_budget", self._value(task_vars, "ir_remediation_budget"), _safety_limits.DEFAULT_BUDGET),
                    _safety_limits.positive("ir_remediation_window", self._value(task_vars, "ir_remediation_window"), _safety_limits.DEFAULT_WINDOW))
            except _safety_limits.LimitError as error:
                limit = str(error)
        confirmed = confirmed and not limit
        entry = {
            "action": action, "limit": limit,
            "decision": "confirmed" if confirmed else ("check_mode" if check_mode else "refused"),
            "via": "ir_confirm" if verdict["confirmed"] else ("prompt" if typed else "none"),
            "by": by,
            "at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "hosts": args["hosts"], "parameters": args["parameters"], "fingerprint": verdict["fingerprint"],
            "approved_fingerprint": verdict["approved_fingerprint"], "refusals": verdict["refusals"], "changes": verdict["changes"],
            "plan": args["plan"], "reason": args["reason"], "check_mode": check_mode, "job": job, "run": run,
        }
        try:
            record = _run_record.append(run, entry)
        except _run_record.RecordError as error:
            raise AnsibleActionFail("gate %s: %s" % (action, error))
        decisions = record["decisions"]
        latest = {}
        for decided in decisions:
            latest[decided["action"]] = decided["decision"] == "confirmed"
        result.update(changed=False, entry=entry, verdict=verdict, gate_log=decisions, gate_decisions=latest)
        return result

    def _require(self, run, args, task_vars):
        action = args["action"]
        target = args["target"] or task_vars.get("inventory_hostname")
        entry = _run_record.last_decision(_run_record.read(run), action)
        refusals = check_approval(entry, action, target, args["parameters"])
        if refusals:
            raise AnsibleActionFail(
                "%s on %s refused before this change: %s. Run the runbook's playbook so that its gate shows and records the plan, "
                "and confirm it there." % (action, target, "; ".join(refusals)))
        # Paused since the gate decided: stop before the next change (the operator's switch for "stop everything").
        pause = _safety_limits.paused(self._value(task_vars, "ir_pause"))
        if pause:
            raise AnsibleActionFail("%s on %s refused before this change: %s." % (action, target, pause))
        lock = None
        if not self._task.check_mode:
            ttl = _safety_limits.positive("ir_lock_ttl", self._value(task_vars, "ir_lock_ttl"), _safety_limits.DEFAULT_LOCK_TTL)
            lock = _safety_limits.take_lock(target, run, action, entry["by"], ttl)
        return {"changed": False, "action": action, "target": target, "fingerprint": entry["fingerprint"], "by": entry["by"],
                "at": entry["at"], "parameters": host_parameters(entry["parameters"], target), "hosts": entry["hosts"], "lock": lock}
