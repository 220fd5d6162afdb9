#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: chain_status
short_description: Heights, block age, catching_up and a halted verdict for one or many CometBFT nodes
version_added: 0.1.0
description:
  - Reads C(/status) of every endpoint at once and reports height, latest block hash and time, the block's age,
    C(catching_up), chain id, node id, moniker, and the node's validator address and voting power.
  - Derives C(behind) (blocks behind the highest height seen) for each node and a fleet verdict C(halted).
  - With O(halt_window) > 0 (the default), heights are sampled again until every node has produced a new block or the
    window ends; a node whose height did not advance is halted. This is the reliable test, because the first block after
    a long halt carries a timestamp from before the halt, so block time alone would call a recovered chain halted.
  - With O(halt_window=0), one sample is taken and a node is halted when its latest block is older than
    O(max_block_age) (the runbook's "more than 30 seconds since the last block").
  - C(catching_up) is true only while block sync or state sync runs; a node that lags while in consensus reports
    false. Compare C(behind) instead.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.rpc
  - virtengine.incident_response.read_only
options:
  halt_window:
    description:
      - Seconds to watch for new blocks. The call returns as soon as every reachable node has advanced, so a healthy
        chain costs about one block time; a halted chain costs the whole window.
      - V(0) takes a single sample and judges by block age.
    type: float
    default: 30
  stale_confirm:
    description:
      - Seconds to watch, instead of the whole O(halt_window), when every reachable node's newest block is already
        older than O(halt_window) at the first sample (a chain halted for a while). At least one block time of the chain.
    type: float
    default: 3
  poll_interval:
    description: Seconds between samples inside O(halt_window).
    type: float
    default: 1.0
  max_block_age:
    description: With O(halt_window=0), a node whose latest block is older than this many seconds is halted.
    type: float
    default: 30
  max_blocks_behind:
    description: Nodes more than this many blocks below the highest height seen are listed in RV(summary.behind).
    type: int
    default: 10
  hash_at_height:
    description:
      - Also read each node's block hash at this height (C(/commit)), to compare nodes that stand at different heights,
        for example two sides of a partition. Nodes below it get null.
    type: int
seealso:
  - module: virtengine.incident_response.consensus_state
  - module: virtengine.incident_response.peer_count
"""

EXAMPLES = r"""
- name: Is the chain producing blocks?
  virtengine.incident_response.chain_status:
    endpoints: "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    halt_window: 30
  register: chain
  delegate_to: localhost
  run_once: true

- name: Stop here when the chain is halted
  ansible.builtin.assert:
    that: chain.summary.halted == false
    fail_msg: "Chain halted at height {{ chain.summary.max_height }}: run playbooks/play001_chain_halted.yml"

- name: One node, one sample, judged by block age (the runbook's detection)
  virtengine.incident_response.chain_status:
    endpoints:
      - http://127.0.0.1:26657
    halt_window: 0
    max_block_age: 30
"""

RETURN = r"""
nodes:
  description: One entry per endpoint, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The endpoint's name (its URL when no name was given).
      type: str
      sample: validator1
    url:
      description: The RPC URL.
      type: str
      sample: "http://127.0.1.1:26657"
    reachable:
      description: Whether C(/status) answered.
      type: bool
      sample: true
    error:
      description: Why the endpoint could not be read; null when it could.
      type: str
      sample: null
    chain_id:
      description: "C(node_info.network)."
      type: str
      sample: virtengine-localnet
    node_id:
      description: The p2p node id.
      type: str
      sample: 85e818ce73958fed8034b7391eb72e880068a212
    moniker:
      description: The node's moniker.
      type: str
      sample: validator1
    version:
      description: The CometBFT version the node reports.
      type: str
      sample: 0.38.19
    height:
      description: Latest block height at the last sample.
      type: int
      sample: 1234
    start_height:
      description: Latest block height at the first sample.
      type: int
      sample: 1232
    advanced_by:
      description: Blocks produced during the window.
      type: int
      sample: 2
    advancing:
      description: Whether the height advanced during the window (null with O(halt_window=0)).
      type: bool
    latest_block_hash:
      description: Hash of the latest block (uppercase hex).
      type: str
    latest_app_hash:
      description: App hash after the latest block.
      type: str
    latest_block_time:
      description: Time of the latest block (RFC3339).
      type: str
    block_age_seconds:
      description: Seconds between the latest block's time and the sample (null at height 0).
      type: float
    earliest_block_height:
      description: Lowest height the node still stores.
      type: int
    catching_up:
      description: True only while block sync or state sync runs.
      type: bool
    validator_address:
      description: The node's validator address.
      type: str
    voting_power:
      description: The node's voting power, 0 for a non-validator.
      type: int
    behind:
      description: Blocks below the highest height seen among the endpoints.
      type: int
      sample: 0
    halted:
      description: This node produced no block in the window (or its block is too old).
      type: bool
    hash_at_height:
      description: The node's block hash at O(hash_at_height); null without that option or when the node is below it.
      type: str
    hash_error:
      description:
        - Why the node gave no hash at O(hash_at_height) (its RPC error, for example CometBFT's
          C(height H is not available, lowest height is M) of a pruned block store); null otherwise.
      type: str
summary:
  description: The fleet verdict.
  returned: always
  type: dict
  contains:
    halted:
      description: No reachable node advanced; null when no endpoint answered.
      type: bool
      sample: false
    method:
      description:
        - "C(height) (sampling window), C(stale) (every newest block older than the window, then a short confirmation
          sample of O(stale_confirm) seconds) or C(block_age) (one sample, O(halt_window=0))."
      type: str
      sample: height
    window_seconds:
      description: How long the module sampled.
      type: float
      sample: 1.4
    reachable_count:
      description: Endpoints that answered.
      type: int
      sample: 5
    unreachable:
      description: Names of endpoints that did not answer.
      type: list
      elements: str
    chain_id:
      description: The chain id when all answering nodes agree, else null.
      type: str
    chain_ids:
      description: Every chain id seen.
      type: list
      elements: str
    max_height:
      description: Highest height seen.
      type: int
    min_height:
      description: Lowest height seen.
      type: int
    advancing:
      description: Names of nodes that produced blocks.
      type: list
      elements: str
    stalled:
      description: Names of reachable nodes that did not.
      type: list
      elements: str
    behind:
      description: Names of nodes more than O(max_blocks_behind) blocks behind.
      type: list
      elements: str
    catching_up:
      description: Names of nodes in block sync or state sync.
      type: list
      elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import check_rpc_arguments, parse_endpoints, rpc_argument_spec
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import CHAIN_SPEC, check_reading_options, read_chain


def main():
    module = AnsibleModule(argument_spec=rpc_argument_spec(hash_at_height=dict(type="int"), **CHAIN_SPEC), supports_check_mode=True)
    check_rpc_arguments(module)
    check_reading_options(module)
    params = module.params
    options = dict((key, params[key]) for key in list(CHAIN_SPEC) + ["hash_at_height"])
    nodes, summary = read_chain(module, parse_endpoints(params["endpoints"]), **options)
    module.exit_json(changed=False, nodes=nodes, summary=summary)


if __name__ == "__main__":
    main()
