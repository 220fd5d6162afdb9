# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: host_state
short_description: One host's diagnosis facts (service, logs, binary, SSH reachability) as one dictionary
version_added: 0.1.0
description:
  - Reads C(node_service_status), C(node_logs_findings) and C(node_binary_facts) from a host's variables; a host whose service state
    reads C(UNREACHABLE), or that has no facts at all, is reported unreachable.
options:
  _input:
    description: One host's variables (C(hostvars[host])).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Every validator's state
  ansible.builtin.debug:
    msg: "{{ groups['validators'] | map('extract', hostvars) | map('virtengine.incident_response.host_state') | list }}"
"""

RETURN = r"""
_value:
  description: C({service, logs, reachable, binary, upgrade_binary}).
  type: dict
"""


def host_state(host_vars):
    service = host_vars.get("node_service_status")
    binary = dict(host_vars.get("node_binary_facts") or {})
    upgrade = binary.pop("upgrade", None) or {}
    return {
        "service": service or {"state": "UNREACHABLE", "running": None, "error": "no facts: host unreachable or not diagnosed"},
        "logs": host_vars.get("node_logs_findings") or {},
        "reachable": bool(service) and service.get("state") != "UNREACHABLE",
        "binary": binary,
        "upgrade_binary": upgrade,
    }


class FilterModule(object):
    def filters(self):
        return {"host_state": host_state}
