# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: gate_verdict
short_description: Whether ir_confirm approves the plan a run just computed (plan fingerprint, what changed)
version_added: 0.1.0
description:
  - The plan is C({action, hosts, parameters}); its fingerprint is 16 hex digits of the SHA-256 of its canonical
    JSON (hosts sorted, keys sorted), so the same plan always has the same fingerprint.
  - C(ir_confirm) entries are C(action) (approves whatever plan is computed) or C(action@fingerprint) (approves only
    that plan). When the fingerprint differs, the verdict refuses and, when C(approved_plans) holds the approved plan,
    lists what changed (hosts added/removed, parameters old -> new).
  - Used by the C(gate) role; the logic is in C(module_utils/_gate.py).
options:
  _input:
    description: The value of C(ir_confirm) (a string, a comma-separated string, a list, or nothing).
    type: raw
    required: true
  action:
    description: The gated action's name.
    type: str
    required: true
  hosts:
    description: The hosts or targets the plan touches.
    type: list
    elements: str
    required: true
  parameters:
    description: The values the action acts with (per-host values under C(by_host)).
    type: dict
    default: {}
  approved_plans:
    description: The C(ir_plans) extra variable, mapping each action to its approved C(hosts), C(parameters) and C(fingerprint) as a gate published them.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Is the rollback to height 1041 approved?
  ansible.builtin.debug:
    msg: "{{ ir_confirm | default([]) | virtengine.incident_response.gate_verdict('state_rollback', groups['validators'], {'height': 1041}) }}"
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    plan: {description: "The canonical plan: action, hosts (sorted), parameters.", type: dict}
    fingerprint: {description: The plan's fingerprint (16 hex digits)., type: str}
    named: {description: Whether ir_confirm names the action at all., type: bool}
    approved_fingerprint: {description: "The fingerprint ir_confirm named, or null for a plain action name.", type: str}
    confirmed: {description: Named and the plan is the approved one., type: bool}
    refusals: {description: Why a named approval does not cover this plan., type: list, elements: str}
    changes: {description: What changed since the approved plan (when it is known)., type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GateError, gate_verdict as _verdict


def gate_verdict(ir_confirm, action, hosts, parameters=None, approved_plans=None):
    try:
        return _verdict(ir_confirm, action, hosts, parameters, approved_plans)
    except GateError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"gate_verdict": gate_verdict}
