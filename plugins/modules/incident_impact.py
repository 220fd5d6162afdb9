#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: incident_impact
short_description: An incident's impact window and response times from the system's own data, for the post-mortem
version_added: 0.1.0
description:
  - Reads the incident record's C(impact_source), written when the incident was declared. For C(kind=chain_halt)
    (from PLAY-001, the last height H before the halt and the nodes' RPC URLs) it reads C(/block) at H, H+1 and H+2 from
    the first node that has them. CometBFT's BFT time makes a header's time the commit time of the height before it,
    so the impact starts at block H+1's header time (H committed) and ends at block H+2's (H+1 committed after the
    recovery). Without H+2 the end is unknown and RV(window.ongoing) is true.
  - Without a measurable source the window falls back to the declaration and the resolution, and RV(window.kind) is
    C(declaration), and the post-mortem labels it so.
  - Also returns the response times (detect, approve, mitigate, resolve) and a Root Cause and Detection drafted from the
    decision and its evidence recorded in the incident (C(decision), C(approvals)), for the team to confirm.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  incident:
    description: The incident record, as M(virtengine.incident_response.incident_state) returns it.
    type: dict
    required: true
  timeline:
    description: The incident's timeline entries (its gate decisions are used when the record holds no C(approvals)).
    type: list
    elements: dict
    default: []
  timeout:
    description: Seconds to wait for each RPC request.
    type: float
    default: 5.0
seealso:
  - module: virtengine.incident_response.incident_state
"""

EXAMPLES = r"""
- name: Read the incident with its timeline
  virtengine.incident_response.incident_state:
    root: "{{ ir_incident_root }}"
    id: INC-20261208-001
  register: incident
  delegate_to: localhost

- name: Measure the impact window from the chain's blocks
  virtengine.incident_response.incident_impact:
    incident: "{{ incident.incident }}"
    timeline: "{{ incident.timeline }}"
  register: impact
  delegate_to: localhost

- name: Duration
  ansible.builtin.debug:
    msg: "{{ impact.window.seconds }} s, {{ impact.window.measured_from }}"
"""

RETURN = r"""
window:
  description: The impact window.
  returned: always
  type: dict
  contains:
    kind:
      description: C(chain_halt) (measured from the blocks) or C(declaration) (the fallback).
      type: str
    halt_height:
      description: The last height before the halt.
      type: int
      sample: 28
    start:
      description: When the impact started (UTC).
      type: str
      sample: "2026-12-08T02:49:19.887Z"
    end:
      description: When it ended (UTC); null while unknown.
      type: str
      sample: "2026-12-08T02:49:45.101Z"
    seconds:
      description: Its length; null while unknown.
      type: float
      sample: 25.214
    ongoing:
      description: Whether the end is not known yet.
      type: bool
    measured_from:
      description: What the window was measured from, in words.
      type: str
      sample: from block 28's commit (header time of block 29) to block 29's commit (header time of block 30)
    block_interval_s:
      description: The chain's block time just before the halt (header time of H+1 minus that of H).
      type: float
    blocks_missed:
      description: Blocks the chain would have made at that pace during the window; null when not known.
      type: int
response_times:
  description: >-
    C(impact_start), C(declared_at), C(approved_at), C(approved_action), C(approved_by), C(impact_end), C(resolved_at),
    C(time_to_detect_s) (impact start to declaration), C(time_to_approve_s) (declaration to the first confirmed gate),
    C(time_to_mitigate_s) (approval to impact end), C(time_to_resolve_s) (impact start, else declaration, to resolution),
    C(blocks_missed), C(voting_power_affected), C(voting_power_affected_fraction), C(validators_affected); null where not known.
  returned: always
  type: dict
drafted:
  description: C(root_cause) and C(detection) drafted from the recorded decision and evidence; null without a decision.
  returned: always
  type: dict
errors:
  description: The RPC errors met while reading the blocks (a node down, a height not produced yet).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import CometRPC, RPCError, ShapeError
from ansible_collections.virtengine.incident_response.plugins.module_utils._impact import measure


def main():
    module = AnsibleModule(
        argument_spec=dict(
            incident=dict(type="dict", required=True),
            timeline=dict(type="list", elements="dict", default=[]),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    incident = module.params["incident"]
    endpoints = list((incident.get("impact_source") or {}).get("endpoints") or [])
    errors = []

    def fetch(height):
        for url in endpoints:
            try:
                client = CometRPC(url, timeout=module.params["timeout"])
                try:
                    return client.block(height)
                finally:
                    client.close()
            except RPCError as exc:
                errors.append(str(exc))
        return None

    try:
        result = measure(incident, module.params["timeline"], fetch)
    except (ShapeError, ValueError, KeyError) as exc:
        module.fail_json(msg="cannot measure the impact of %s: %s" % (incident.get("id", "the incident"), exc), errors=errors)
    module.exit_json(changed=False, errors=errors, **result)


if __name__ == "__main__":
    main()
