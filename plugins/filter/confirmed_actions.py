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


def confirmed_actions(value):
    if value is None:
        return []
    names = value.split(",") if isinstance(value, str) else list(value)
    return [str(name).strip() for name in names if str(name).strip()]


class FilterModule(object):
    def filters(self):
        return {"confirmed_actions": confirmed_actions}
