# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: scribe
type: notification
version_added: 0.1.0
short_description: The incident scribe; writes every task and gate decision of a run into the incident's timeline
description:
  - Silent until the run is tied to an incident, that is until a task sets the fact C(incident_record) with a C(dir)
    (the C(incident) role does, when it declares or opens an incident). Then every task of the run, including those
    that ran before, is appended to C(<dir>/timeline.jsonl) as one JSON line with C(kind=task), the task name, the
    action, the host, UTC C(start) and C(end), and C(changed), C(failed), C(skipped), C(unreachable).
  - Every gate decision (a new C(gate_log) entry) is written as C(kind=gate) with the action, decision, who, how,
    when, the hosts and the controller job that ran it (C(job), AWX job and workflow ids or the EDA rule).
  - Never writes task arguments or results. The message of a failed task is kept (redacted, shortened) unless the
    task is C(no_log). Values of extra variables whose name looks secret (token, password, key ...) and
    token-looking strings are replaced by C(********) everywhere.
  - A run that never declares or opens an incident writes nothing, so enabling it in C(callbacks_enabled) changes
    nothing for other playbooks.
  - Playbooks imported one after another into one run each start with the gate's C(begin), which sets
    C(incident_record) to C({}) and empties C(gate_log). The scribe then stops writing into the earlier incident and
    counts the gate decisions again, so a later runbook's tasks and decisions go into its own incident, or nowhere.
author:
  - VirtEngine SRE Team (@virtengine)
requirements:
  - enable in C(callbacks_enabled) (the collection's C(ansible.cfg) does)
"""

import uuid

from ansible.plugins.callback import CallbackBase

from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import (
    SECRET_KEY,
    append_timeline,
    redact,
    stamp,
    utc_now,
)

MESSAGE_LIMIT = 300


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "virtengine.incident_response.scribe"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.directory = None
        self.pending = []
        self.secrets = []
        self.started = {}
        self.gate_seen = 0
        self.run = uuid.uuid4().hex[:12]
        self.playbook = None
        self.play = None

    def v2_playbook_on_start(self, playbook):
        self.playbook = getattr(playbook, "_file_name", None)

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()
        manager = play.get_variable_manager()
        extra = getattr(manager, "extra_vars", {}) or {}
        self.secrets = sorted(set(self.secrets + [str(v) for k, v in extra.items() if SECRET_KEY.search(str(k)) and v]))

    def v2_playbook_on_task_start(self, task, is_conditional):
        # Every runbook's first task includes the gate's begin (tests/unit/test_gate.py checks it): a later runbook
        # of the same run starts here, with no incident yet; its tasks wait for its own incident.
        args = task.args or {}
        if task.action.split(".")[-1] == "include_role" and args.get("tasks_from") == "begin" and str(args.get("name", "")).endswith("gate"):
            self.directory = None

    def v2_runner_on_start(self, host, task):
        self.started[(host.get_name(), task._uuid)] = stamp(utc_now())

    def _write(self, entry):
        entry = redact(entry, self.secrets)
        if self.directory:
            append_timeline(self.directory, entry)
        else:
            self.pending.append(entry)

    def _activate(self, facts):
        record = facts.get("incident_record")
        if isinstance(record, dict) and record.get("dir") and record.get("dir") != self.directory:
            self.directory = record["dir"]
            for entry in self.pending:
                append_timeline(self.directory, entry)
            self.pending = []

    def _record(self, result, outcome):
        task = result._task
        host = result._host.get_name()
        facts = result._result.get("ansible_facts") or {}
        entry = {
            "kind": "task", "run": self.run, "playbook": self.playbook, "play": self.play, "task": task.get_name(),
            "action": task.action, "host": host, "start": self.started.pop((host, task._uuid), None), "end": stamp(utc_now()),
            "changed": bool(result._result.get("changed")), "failed": outcome == "failed", "skipped": outcome == "skipped",
            "unreachable": outcome == "unreachable",
        }
        if outcome in ("failed", "unreachable"):
            hidden = task.no_log or result._result.get("_ansible_no_log") or result._result.get("censored")
            entry["msg"] = "(no_log)" if hidden else str(result._result.get("msg", ""))[:MESSAGE_LIMIT]
        entry["at"] = entry["start"] or entry["end"]
        self._write(entry)
        gate_log = facts.get("gate_log")
        if isinstance(gate_log, list) and len(gate_log) < self.gate_seen:
            self.gate_seen = 0  # the gate's begin: a later runbook of the same run starts its record again
        if isinstance(gate_log, list) and len(gate_log) > self.gate_seen:
            for decision in gate_log[self.gate_seen:]:
                self._write({"kind": "gate", "run": self.run, "at": decision.get("at"), "action": decision.get("action"),
                             "decision": decision.get("decision"), "by": decision.get("by"), "via": decision.get("via"),
                             "hosts": decision.get("hosts"), "check_mode": decision.get("check_mode"),
                             "job": decision.get("job") or {}})
            self.gate_seen = len(gate_log)
        self._activate(facts)

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
