#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: chain_wait
short_description: Wait for a condition (chain recovered, nodes reachable, providers healthy, sidecars serving), one progress line per sample
version_added: 0.1.0
description:
  - The collection's one waiter. Samples the targets with the condition's module every O(wait_sleep) seconds, prints
    one line per sample (each target's state, or its error), and returns as soon as the O(condition) holds.
  - At O(wait_timeout) it fails, saying what it waited for, the deadline, the samples taken and the last answer; the
    result still carries the last sample, so C(failed_when=false) turns the timeout into a verdict (RV(done)).
  - O(condition=chain_recovered) samples with M(virtengine.incident_response.chain_status). The highest height
    reached O(start_height) + O(blocks), judged by height and never by block time, because the first block after a
    long halt carries a pre-halt timestamp. With O(same_height), every endpoint also answers at one height with one
    block hash.
  - O(condition=reachable) samples with M(virtengine.incident_response.chain_status). Every endpoint answers its RPC
    (a node just started).
  - O(condition=provider_healthy) samples with M(virtengine.incident_response.provider_health). Every provider
    passes its checks (O(sample_args) chooses them, for example C(checks=[health])).
  - O(condition=sidecar_serving) samples with M(virtengine.incident_response.sidecar_health). Every sidecar answers
    gRPC health SERVING.
  - Read-only. An action plugin; the samples are taken where the task runs (use C(delegate_to=localhost) to sample
    from the controller).
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
  - virtengine.incident_response.wait
attributes:
  action:
    support: full
    description: The waiting loop runs on the controller; each sample is one module call where the task runs.
options:
  endpoints:
    description:
      - The targets, as the sampling module takes them - C(endpoints) of chain_status (C({name, url}) or URLs),
        C(providers) of provider_health, C(endpoints) of sidecar_health.
    type: list
    elements: raw
    required: true
  condition:
    description: What to wait for.
    type: str
    required: true
    choices: [chain_recovered, provider_healthy, reachable, sidecar_serving]
  sample_args:
    description:
      - Further arguments of the sampling module (for example C(timeout), C(checks), C(expect_body)). chain_status
        always gets C(halt_window=0) and C(retries=0), since the waiter itself samples again.
    type: dict
    default: {}
  blocks:
    description: With O(condition=chain_recovered), new blocks required above O(start_height).
    type: int
    default: 1
  same_height:
    description: With O(condition=chain_recovered), also require every endpoint to answer at one height with one block hash.
    type: bool
    default: false
  start_height:
    description:
      - With O(condition=chain_recovered), the height to count new blocks from (for example C(summary.max_height) of
        a chain_status result).
      - Omitted, the highest height of the first sample.
    type: int
"""

EXAMPLES = r"""
- name: Note where the chain stands
  virtengine.incident_response.chain_status:
    endpoints: "{{ groups['validators'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    halt_window: 0
  register: before

- name: Wait up to 3 minutes for three new blocks and every validator in agreement
  virtengine.incident_response.chain_wait:
    endpoints: "{{ groups['validators'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    condition: chain_recovered
    start_height: "{{ before.summary.max_height }}"
    blocks: 3
    same_height: true
    wait_timeout: 180
    wait_sleep: 2

- name: Wait for a restarted node's RPC
  virtengine.incident_response.chain_wait:
    endpoints: [{name: "{{ inventory_hostname }}", url: "{{ node_rpc_url }}"}]
    condition: reachable
    wait_timeout: 60
    wait_sleep: 2

- name: Wait for a restarted provider daemon's /health, sampled from the controller
  virtengine.incident_response.chain_wait:
    endpoints: "{{ [inventory_hostname] | virtengine.incident_response.provider_targets(hostvars) }}"
    condition: provider_healthy
    sample_args: {checks: [health]}
    wait_timeout: 60
    wait_sleep: 2
  delegate_to: localhost
"""

RETURN = r"""
done:
  description: The condition held before the deadline.
  returned: always
  type: bool
reason:
  description: Why the wait ended.
  returned: always
  type: str
  sample: condition met
samples:
  description: Samples taken.
  returned: always
  type: int
elapsed_seconds:
  description: Seconds from the first to the last sample.
  returned: always
  type: float
timeout_seconds:
  description: The deadline, O(wait_timeout).
  returned: always
  type: float
condition:
  description: O(condition).
  returned: always
  type: str
start_height:
  description: The height new blocks were counted from (O(start_height), or the first sample's highest height).
  returned: when O(condition=chain_recovered)
  type: int
first_new_block_at:
  description: When (controller clock, RFC 3339 UTC) the first sample above RV(start_height) was taken; null if none was.
  returned: when O(condition=chain_recovered)
  type: str
  sample: "2026-11-30T09:41:07.120533Z"
nodes:
  description: The last sample, as RV(virtengine.incident_response.chain_status#module:nodes).
  returned: when O(condition) is C(chain_recovered) or C(reachable)
  type: list
  elements: dict
providers:
  description: The last sample, as RV(virtengine.incident_response.provider_health#module:providers).
  returned: when O(condition=provider_healthy)
  type: list
  elements: dict
endpoints:
  description: The last sample, as RV(virtengine.incident_response.sidecar_health#module:endpoints).
  returned: when O(condition=sidecar_serving)
  type: list
  elements: dict
summary:
  description: The last sample's summary, as the sampling module returns it.
  returned: always
  type: dict
"""
