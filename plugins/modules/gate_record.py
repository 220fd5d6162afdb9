#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gate_record
short_description: The gate's record of this run, kept where no Ansible variable reaches it
version_added: 0.1.0
description:
  - The C(gate) role's own plumbing (use the role, not this action) to begin the run's record, fingerprint a plan, record
    a decision, and check a decision before a change.
  - The record is a file of the C(ansible-playbook) run on the controller, C(<state dir>/runs/<pid>-<start>/gate.json),
    keyed by the playbook process's id and start time; the state dir is C($IR_STATE_DIR), else
    C($XDG_STATE_HOME/virtengine-ir), else C(~/.local/state/virtengine-ir). No variable, fact or artifact can stand in
    for it, and a record of another run never counts.
  - Every step first refuses a run whose extra variables name a variable only the collection may set (the collection's
    private C(_x), the gate's C(gate_x), approved flags C(x_approved), and every C(register),
    C(set_fact) and role C(vars/main.yml) name of the collection's roles and playbooks), naming them, before anything
    is probed or changed.
  - V(begin) also checks C(ir_confirm) (form and action names) and starts the record with no decision.
  - V(plan) returns the plan's fingerprint and whether C(ir_confirm) (and C(ir_plans)) approve it, and which
    controller job (AWX, EDA) runs it.
  - V(decide) decides from C(ir_confirm) or the answer typed at the prompt (O(typed), counted only where the gate
    asked, that is not in check mode and not under an AWX or EDA job), appends the decision to the record and returns it.
  - V(require) fails unless the record's last decision of O(action) confirmed it for O(target) with O(parameters),
    and returns the approved values for that target, which the changing role then acts with.
  - Safety limits (docs/architecture.md) - V(decide) refuses a confirmed plan while paused (the file
    C(<state dir>/PAUSE) or the variable C(ir_pause)) or past the remediation budget (C(ir_remediation_budget)
    confirmed changing actions per C(ir_remediation_window) seconds, default 6 per 3600); V(require) refuses while
    paused and takes the target's lock (C(<state dir>/locks/), C(ir_lock_ttl) seconds, default 1800), refusing when
    another run holds it.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: full
    description: In check mode V(decide) records a C(check_mode) decision unless C(ir_confirm) confirms the plan.
  diff_mode:
    support: none
    description: Nothing on a managed host changes.
  action:
    support: full
    description: Runs on the controller.
options:
  step:
    description: What to do.
    type: str
    required: true
    choices: [begin, plan, decide, require]
  action:
    description: The gated action (one of the collection's gated actions); required except for V(begin).
    type: str
  hosts:
    description: V(plan) and V(decide) - the hosts the action will touch.
    type: list
    elements: str
    default: []
  parameters:
    description:
      - V(plan) and V(decide) - every value the action will use (per-host values under C(by_host)).
      - V(require) - the values the change is about to use for O(target); each must equal the approved one.
    type: dict
    default: {}
  plan:
    description: V(decide) - the plan's steps, one line each, recorded with the decision.
    type: list
    elements: str
    default: []
  reason:
    description: V(decide) - why the action is proposed.
    type: str
    default: ""
  typed:
    description: V(decide) - what the operator typed at the gate's prompt.
    type: str
    default: ""
  target:
    description: V(require) - what is about to change, as the gate listed it; empty for C(inventory_hostname).
    type: str
    default: ""
seealso:
  - module: virtengine.incident_response.assess
notes:
  - Documentation of the action plugin C(plugins/action/gate_record.py); the logic is in C(module_utils/_gate.py) and
    C(module_utils/_run_record.py).
"""

EXAMPLES = r"""
- name: The required check before a change (what roles/gate/tasks/require.yml does)
  virtengine.incident_response.gate_record:
    step: require
    action: state_rollback
    parameters:
      height: 1041
  register: gate_approved

- name: Act with the approved value
  ansible.builtin.debug:
    msg: "rolling back to {{ gate_approved.parameters.height }}"
"""

RETURN = r"""
run:
  description: V(begin), V(plan) - the run's id (the ansible-playbook process id and its start time in clock ticks).
  returned: when step is begin or plan
  type: str
  sample: "41872-9138821"
fingerprint:
  description: V(plan) - the plan's fingerprint; V(require) - the approved plan's.
  returned: when step is plan or require
  type: str
  sample: f8ab3d008353b7c6
named:
  description: V(plan) - whether C(ir_confirm) names the action.
  returned: when step is plan
  type: bool
confirmed:
  description: V(plan) - whether C(ir_confirm) approves the plan.
  returned: when step is plan
  type: bool
refusals:
  description: V(plan) - why an approval bound to another plan does not hold.
  returned: when step is plan
  type: list
  elements: str
changes:
  description: V(plan) - what changed since the approved plan, when C(ir_plans) holds it.
  returned: when step is plan
  type: list
  elements: str
job:
  description: V(plan) - the AWX job ids and the EDA rule running the gate (empty on a terminal).
  returned: when step is plan
  type: dict
entry:
  description:
    - V(decide) - the decision recorded (action, decision, via, by, at, hosts, parameters, fingerprint, plan, ...).
    - C(limit) says which safety limit refused a confirmed plan (null when none did).
  returned: when step is decide
  type: dict
gate_log:
  description: V(decide) - every decision of this runbook run, oldest first.
  returned: when step is decide
  type: list
  elements: dict
gate_decisions:
  description: V(decide) - each action decided in this runbook run, true when its last decision confirmed it.
  returned: when step is decide
  type: dict
parameters:
  description: V(require) - the approved values for O(target) (the shared ones with its C(by_host) entry merged in).
  returned: when step is require
  type: dict
  sample: {"height": 1041}
hosts:
  description: V(require) - the approved hosts.
  returned: when step is require
  type: list
  elements: str
by:
  description: V(require) - who confirmed.
  returned: when step is require
  type: str
at:
  description: V(require) - when (UTC).
  returned: when step is require
  type: str
lock:
  description:
    - V(require) - the lock this run holds on O(target) (C(lock) - node, run, action, by, since, expires, controller) and
      the stale lock it replaced (C(took_over), with C(stale) - V(expired) or V(its run ended)); null in check mode.
  returned: when step is require
  type: dict
paused:
  description: V(plan) - why gated actions are paused now, or null.
  returned: when step is plan
  type: str
"""
