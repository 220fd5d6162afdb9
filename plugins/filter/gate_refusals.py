# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: gate_refusals
short_description: Why a gated action may not change a host now (the required check before any change)
version_added: 0.1.0
description:
  - Given the gate's record of an action in this run, returns the reasons the action may not change a host or target
    with the given parameters; an empty list means it may.
  - Refused when the gate never decided the action, did not confirm it, the host is not among the approved hosts, or
    the parameters differ from the approved ones (per-host values taken from the approved C(by_host)).
  - Used by the C(gate) role's C(require) entry point; the logic is in C(module_utils/_gate.py).
options:
  _input:
    description: The gate's record of the action (the last C(gate_log) entry for it), or null.
    type: dict
    required: true
  action:
    description: The gated action's name.
    type: str
    required: true
  host:
    description: The host or target about to change.
    type: str
    required: true
  parameters:
    description: The values the change is about to use for this host.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: May this host be rolled back to 1041?
  ansible.builtin.debug:
    msg: "{{ _entry | virtengine.incident_response.gate_refusals('state_rollback', inventory_hostname, {'height': 1041}) }}"
"""

RETURN = r"""
_value:
  description: Reasons, one line each; empty when the change is approved.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GateError, check_approval


def gate_refusals(approved_entry, action, host, parameters=None):
    try:
        return check_approval(approved_entry, action, host, parameters)
    except GateError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"gate_refusals": gate_refusals}
