# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rpc_endpoints
short_description: Inventory hosts to the O(virtengine.incident_response.chain_status#module:endpoints) list of the RPC modules
version_added: 0.1.0
description:
  - Turns a list of inventory host names into C({name, url, node_id, validator_address}) entries, reading each host's
    C(node_rpc_url) (default C(http://<ansible_host>:26657)) and, when set, C(node_id) and C(node_validator_address).
options:
  _input:
    description: Inventory host names, for example C(groups['chain_nodes']).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  rpc_port:
    description: Port used when a host has no C(node_rpc_url).
    type: int
    default: 26657
"""

EXAMPLES = r"""
- name: Probe every node of the inventory
  virtengine.incident_response.chain_status:
    endpoints: "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: One C({name, url, node_id, validator_address}) dictionary per host, in input order.
  type: list
  elements: dict
"""


def rpc_endpoints(hosts, hostvars, rpc_port=26657):
    endpoints = []
    for host in hosts:
        host_vars = hostvars[host]
        url = host_vars.get("node_rpc_url") or "http://%s:%d" % (host_vars.get("ansible_host") or host, int(rpc_port))
        endpoints.append({"name": host, "url": url, "node_id": host_vars.get("node_id"), "validator_address": host_vars.get("node_validator_address")})
    return endpoints


class FilterModule(object):
    def filters(self):
        return {"rpc_endpoints": rpc_endpoints}
