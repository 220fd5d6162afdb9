#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: peer_count
short_description: Peers of every node, the fleet's reachability graph and its islands
version_added: 0.1.0
description:
  - Reads C(/status) and C(/net_info) of every endpoint at once and reports each node's peer count, peer ids and
    monikers, and how many peers are inbound and outbound.
  - Builds the fleet's reachability graph (an edge when either node lists the other) and its islands (connected
    components). Two or more islands mean a network partition. Peers outside the endpoint list take part in the
    search, since they can join two parts of the fleet, and are listed per island.
  - Peers are identified by node id, never by C(remote_ip), because on one machine every inbound peer reads 127.0.0.1.
  - Nodes with fewer than O(min_peers) peers are listed in RV(summary.below_min).
  - Answers are shape-checked per endpoint. Tendermint v0.35's C(/net_info) (peers as C(node_id) and
    C(url), no C(node_info)) is read too, without direction or moniker; any other shape is that endpoint's error.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.rpc
  - virtengine.incident_response.read_only
options:
  min_peers:
    description: A node with fewer peers than this is listed in RV(summary.below_min).
    type: int
    default: 2
  compare_islands:
    description:
      - When the fleet forms more than one island, read from a member of each other island the block hash at each
        island's top height (C(/commit)), to tell a stalled island (same hash) from a chain split (different hash).
    type: bool
    default: false
seealso:
  - module: virtengine.incident_response.chain_status
"""

EXAMPLES = r"""
- name: Peers and islands of the whole inventory
  virtengine.incident_response.peer_count:
    endpoints: "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    min_peers: 2
  register: peers
  delegate_to: localhost
  run_once: true

- name: Call out a partition
  ansible.builtin.debug:
    msg: "PARTITION: {{ peers.summary.islands | map(attribute='members') | map('join', ',') | join(' | ') }}"
  when: peers.summary.island_count > 1
"""

RETURN = r"""
nodes:
  description: One entry per endpoint, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Endpoint name.
      type: str
      sample: validator1
    url:
      description: RPC URL.
      type: str
    reachable:
      description: Whether C(/status) and C(/net_info) answered.
      type: bool
    error:
      description: Why not; null when they did.
      type: str
    node_id:
      description: The node's p2p id.
      type: str
    moniker:
      description: The node's moniker.
      type: str
    n_peers:
      description: Number of connected peers.
      type: int
      sample: 4
    inbound:
      description: Peers that dialled this node (null when the answer does not say, Tendermint v0.35).
      type: int
    outbound:
      description: Peers this node dialled (null when the answer does not say).
      type: int
    net_info_shape:
      description: C(node_info) (Tendermint v0.34, CometBFT v0.37, v0.38) or C(v0.35) (peers as node_id and url).
      type: str
    below_min:
      description: Fewer than O(min_peers) peers.
      type: bool
    height:
      description: Latest block height.
      type: int
    latest_block_hash:
      description: Hash of the latest block.
      type: str
    voting_power:
      description: The node's voting power (0 for a non-validator).
      type: int
    peers:
      description: The connected peers.
      type: list
      elements: dict
      contains:
        id:
          description: Peer node id.
          type: str
        name:
          description: The endpoint name of that peer when it is one of the endpoints, else null.
          type: str
        moniker:
          description: Peer moniker (null in the v0.35 shape).
          type: str
        is_outbound:
          description: This node dialled the peer (null in the v0.35 shape).
          type: bool
        remote_ip:
          description:
            - Address the connection comes from (127.0.0.1 for every inbound peer on one machine); in the v0.35 shape
              the host of the peer's url.
          type: str
        listen_addr:
          description: The p2p address the peer announces.
          type: str
summary:
  description: The fleet's topology.
  returned: always
  type: dict
  contains:
    island_count:
      description: Number of islands; more than one means a partition.
      type: int
      sample: 1
    islands:
      description: Connected components, largest first.
      type: list
      elements: dict
      contains:
        members:
          description: Endpoint names in the island.
          type: list
          elements: str
        external_peers:
          description: Ids of connected peers that are not endpoints.
          type: list
          elements: str
        id:
          description: C(island-1), C(island-2), ... (largest first).
          type: str
        voting_power:
          description: Voting power of the island's members that answered.
          type: int
        max_height:
          description: The highest height in the island.
          type: int
        top_member:
          description: The member at that height.
          type: str
        top_hash:
          description: Its latest block hash.
          type: str
        hashes_elsewhere:
          description: With O(compare_islands), other island id to that island's block hash at this island's top height.
          type: dict
        diverges_from:
          description: With O(compare_islands), ids of islands whose block at this island's top height differs (a chain split).
          type: list
          elements: str
    graph:
      description: Endpoint name (or external peer id) to the names it is connected to.
      type: dict
    below_min:
      description: Names of nodes with fewer than O(min_peers) peers.
      type: list
      elements: str
    unreachable:
      description: Names of endpoints that did not answer.
      type: list
      elements: str
    reachable_count:
      description: Endpoints that answered.
      type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import check_rpc_arguments, parse_endpoints, rpc_argument_spec
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import PEERS_SPEC, check_reading_options, read_peers


def main():
    module = AnsibleModule(argument_spec=rpc_argument_spec(**PEERS_SPEC), supports_check_mode=True)
    check_rpc_arguments(module)
    check_reading_options(module)
    params = module.params
    nodes, summary = read_peers(module, parse_endpoints(params["endpoints"]), params["min_peers"], params["compare_islands"])
    module.exit_json(changed=False, nodes=nodes, summary=summary)


if __name__ == "__main__":
    main()
