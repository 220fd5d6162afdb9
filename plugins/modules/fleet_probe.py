#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_probe
short_description: Heights, votes and peers of every CometBFT node in one run (chain_status, consensus_state, peer_count)
version_added: 0.1.0
description:
  - Takes the readings of M(virtengine.incident_response.chain_status), M(virtengine.incident_response.consensus_state)
    and M(virtengine.incident_response.peer_count) in one module run, in that order, and returns each under its own key
    with the same fields as that module.
  - The chain reading comes first. It watches for new blocks (see O(halt_window)) until every node has produced two,
    so that on a live chain the commit the votes are judged on (block H-2's) is of a block committed after the probe
    began; a halted chain is judged on its current round. An endpoint the chain reading could not read is not
    asked again by the other two; they report it unreachable with the same error, so a hung endpoint costs one
    O(timeout) per run. Votes and peers are then read at the same time.
  - One run instead of three saves two module start-ups on the controller, which is most of what the two later readings
    cost on a local network; the role C(fleet_probe) uses it.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.rpc
  - virtengine.incident_response.read_only
options:
  halt_window:
    description: Seconds to watch for new blocks (M(virtengine.incident_response.chain_status) O(halt_window)).
    type: float
    default: 30
  stale_confirm:
    description:
      - Seconds to watch instead of the whole O(halt_window) when every reachable node's newest block is already older
        than the window (M(virtengine.incident_response.chain_status) O(stale_confirm)).
    type: float
    default: 3
  poll_interval:
    description: Seconds between samples inside the window.
    type: float
    default: 1.0
  max_block_age:
    description: With O(halt_window=0), a node whose latest block is older than this many seconds is halted.
    type: float
    default: 30
  max_blocks_behind:
    description: Nodes more than this many blocks below the highest height are listed in C(chain.summary.behind).
    type: int
    default: 10
  settle_time:
    description:
      - Seconds a height must last before its current round says who is absent
        (M(virtengine.incident_response.consensus_state) O(settle_time)).
    type: float
    default: 10
  validator_names:
    description: "Names for validator addresses of other operators, C({ADDRESS: name})."
    type: dict
    default: {}
  min_peers:
    description: Nodes with fewer peers are listed in C(peers.summary.below_min).
    type: int
    default: 2
  compare_islands:
    description: With several islands, compare their blocks at each island's top height (stalled or split).
    type: bool
    default: false
seealso:
  - module: virtengine.incident_response.chain_status
  - module: virtengine.incident_response.consensus_state
  - module: virtengine.incident_response.peer_count
"""

EXAMPLES = r"""
- name: Probe the fleet once for a decision
  virtengine.incident_response.fleet_probe:
    endpoints: "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    halt_window: 30
  register: probe
  delegate_to: localhost
  run_once: true

- name: Say who is absent on a halted chain
  ansible.builtin.debug:
    msg: "halted={{ probe.chain.summary.halted }}, absent: {{ probe.consensus.absent | map(attribute='name') | list }}"
"""

RETURN = r"""
chain:
  description: What M(virtengine.incident_response.chain_status) returns.
  returned: always
  type: dict
  contains:
    nodes:
      description: One entry per endpoint (height, block age, C(advancing), C(halted), C(error), ...).
      type: list
      elements: dict
    summary:
      description: The fleet verdict (C(halted), C(method), C(max_height), C(stalled), C(unreachable), ...).
      type: dict
consensus:
  description:
    - What M(virtengine.incident_response.consensus_state) returns (C(height), C(round), C(validators), C(absent),
      C(absent_fraction), C(quorum_reachable), C(views), ...).
    - Endpoints the chain reading could not read are in C(views) with C(reachable=false) and that reading's error.
  returned: always
  type: dict
  sample: {"height": 1234, "round": 3, "absent_fraction": 0.5, "quorum_reachable": false}
peers:
  description: What M(virtengine.incident_response.peer_count) returns.
  returned: always
  type: dict
  contains:
    nodes:
      description: One entry per endpoint (C(n_peers), C(peers), C(below_min), C(error), ...).
      type: list
      elements: dict
    summary:
      description: The islands the nodes form (C(island_count), C(islands), C(graph), C(below_min), C(unreachable)).
      type: dict
"""

import threading

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import check_rpc_arguments, parse_endpoints, rpc_argument_spec
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import (
    CHAIN_SPEC,
    CONSENSUS_SPEC,
    PEERS_SPEC,
    check_reading_options,
    read_chain,
    read_consensus,
    read_peers,
    unread,
)


def main():
    spec = dict(CHAIN_SPEC, **CONSENSUS_SPEC)
    spec.update(PEERS_SPEC)
    module = AnsibleModule(argument_spec=rpc_argument_spec(**spec), supports_check_mode=True)
    check_rpc_arguments(module)
    check_reading_options(module)
    params = module.params
    endpoints = parse_endpoints(params["endpoints"])
    # On a live chain the votes are judged on the last canonical commit, that of block H-2. Two new blocks make it a
    # block committed after the first sample, so a validator stopped just before the probe is not counted present on a
    # block it signed before it stopped (after one, it was, under load: PLAY-001 then saw no one absent).
    nodes, summary = read_chain(module, endpoints, min_blocks=2, **dict((key, params[key]) for key in CHAIN_SPEC))
    skip = dict(params["skip"], **unread(nodes))

    # Votes and peers are independent reads of the same endpoints: read them at the same time.
    peers, raised = {}, []

    def read_peer_graph():
        try:
            peers["nodes"], peers["summary"] = read_peers(module, endpoints, params["min_peers"], params["compare_islands"], skip=skip)
        except Exception as exc:  # pylint: disable=broad-except  # raised again in the main thread, which reports it
            raised.append(exc)

    peer_thread = threading.Thread(target=read_peer_graph)
    peer_thread.start()
    consensus = read_consensus(module, endpoints, params["settle_time"], params["validator_names"], skip=skip)
    peer_thread.join()
    if raised:
        raise raised[0]
    module.exit_json(changed=False, chain={"nodes": nodes, "summary": summary}, consensus=consensus, peers=peers)


if __name__ == "__main__":
    main()
