# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: chain_recovered
short_description: Whether a chain has produced enough blocks since a reading, and whether every node agrees
version_added: 0.1.0
description:
  - Compares two M(virtengine.incident_response.chain_status) results. Recovery is judged by height (never by block
    time, because the first block after a long halt carries a pre-halt timestamp).
options:
  _input:
    description: The newer chain_status result.
    type: dict
    required: true
  start:
    description: The older chain_status result.
    type: dict
    required: true
  blocks:
    description: New blocks required above the older highest height.
    type: int
    default: 1
  same_height:
    description: Also require every endpoint to answer, at one height, with one block hash.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Wait for three blocks and agreement
  virtengine.incident_response.chain_status:
    endpoints: "{{ groups['validators'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    halt_window: 0
  register: now_reading
  until: now_reading | virtengine.incident_response.chain_recovered(start_reading, 3, true)
  retries: 60
  delay: 2
"""

RETURN = r"""
_value:
  description: True when recovered.
  type: bool
"""


def chain_recovered(now, start, blocks=1, same_height=False):
    before = (start.get("summary") or {}).get("max_height") or 0
    summary = now.get("summary") or {}
    if (summary.get("max_height") or 0) < before + int(blocks):
        return False
    if not same_height:
        return True
    nodes = now.get("nodes") or []
    return (not summary.get("unreachable") and len(set(n.get("height") for n in nodes)) == 1
            and len(set(n.get("latest_block_hash") for n in nodes)) == 1)


class FilterModule(object):
    def filters(self):
        return {"chain_recovered": chain_recovered}
