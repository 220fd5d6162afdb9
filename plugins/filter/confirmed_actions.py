# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: confirmed_actions
short_description: The action names an C(ir_confirm) value confirms
version_added: 0.1.0
description:
  - C(ir_confirm) arrives as a string (C(-e ir_confirm=a)), a comma-separated string (C(-e ir_confirm=a,b)) or a list
    (JSON extra vars, AWX surveys, EDA); this returns the names as a list, trimmed, without empty entries.
  - An entry may be C(action@fingerprint) (a plan-bound approval, see the C(gate) role); only the action's name is
    returned. A fingerprint that is not 16 hex digits, or one action named with two fingerprints, is an error.
  - So is a name no gate of the collection asks for (a typo such as C(coordinated_restrat) would approve nothing);
    the error lists the gated actions. Runbooks apply this filter first, before anything is probed or declared.
options:
  _input:
    description: The value of C(ir_confirm) (or nothing).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Which actions are confirmed
  ansible.builtin.debug:
    msg: "{{ ir_confirm | default([]) | virtengine.incident_response.confirmed_actions }}"
"""

RETURN = r"""
_value:
  description: Action names.
  type: list
  elements: str
"""


from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GateError, check_known, parse_confirmations


def confirmed_actions(value):
    try:
        confirmations = parse_confirmations(value)
        check_known(confirmations)
        return list(confirmations)
    except GateError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"confirmed_actions": confirmed_actions}
