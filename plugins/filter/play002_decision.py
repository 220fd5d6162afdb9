# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play002_decision
short_description: PLAY-002's verdict (infrastructure, configuration, chain split) from the fleet readings, with the reasons
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/play002_network_partition.yml).
  - V(chain_split) when an island has a different block at its top height than the canonical island (the one with the
    most voting power); its nodes are planned for the gated resync.
  - V(infrastructure) when p2p ports across islands do not answer; nothing is planned.
  - V(configuration) when every probed port answers but nodes are cut off or below the peer minimum; the isolated
    nodes and those with configuration errors are planned for the gated peer reset.
  - V(healthy) when there is one island and every node has enough peers; V(unknown) when no node answered.
options:
  _input:
    description: C(fleet_probe_readings) (C(peers) read with C(compare_islands), C(consensus)).
    type: dict
    required: true
  nodes:
    description: Per inventory host, C({node_id, p2p_address, voting_power, p2p, reachability}) (the [p2p] section and
      p2p_reachability results each host read).
    type: dict
    required: true
  resync_stranded:
    description: Also plan the resync of islands that are only behind (same blocks), not split.
    type: bool
    default: false
  resync_hosts:
    description: Hosts the operator wants resynced whatever the verdict.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    play002: "{{ fleet_probe_readings | virtengine.incident_response.play002_decision(play002_nodes) }}"
"""

RETURN = r"""
_value:
  description:
    - C({verdict, why, islands, canonical, canonical_members, canonical_has_quorum, below_min, blocked, cross_island_blocked,
      config_faults, persistent_peer_fixes, peer_reset_hosts, resync_hosts, nodes}).
    - C(nodes) is one row per host for the table (host, island, height, hash, peers, power, faults, unreachable).
  type: dict
"""

from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import decide


def play002_decision(readings, nodes, resync_stranded=False, resync_hosts=None):
    peers = readings["peers"]
    total_power = readings.get("consensus", {}).get("total_power") or sum(int(n.get("voting_power") or 0) for n in nodes.values())
    decision = decide(peers["summary"], nodes, int(total_power), resync_stranded, resync_hosts or [])
    island_of = dict((m, i["id"]) for i in decision["islands"] for m in i["members"])
    by_name = dict((n["name"], n) for n in peers["nodes"])
    rows = []
    for host in sorted(nodes):
        reading = by_name.get(host, {})
        rows.append({
            "host": host,
            "island": island_of.get(host, "-"),
            "rpc": "ok" if reading.get("reachable") else "DOWN",
            "height": reading.get("height"),
            "hash": (reading.get("latest_block_hash") or "")[:12],
            "peers": reading.get("n_peers"),
            "power": reading.get("voting_power"),
            "faults": ", ".join(f["fault"] for f in decision["config_faults"] if f["node"] == host and f["severity"] == "error") or "-",
            "unreachable": ", ".join(p["to"] for p in decision["blocked"] if p["from"] == host) or "-",
        })
    decision["nodes"] = rows
    decision["total_power"] = int(total_power)
    return decision


def partition_node(host_vars):
    """What play002_decision needs of one inventory host (its hostvars, after the p2p_check role ran there)."""
    check = host_vars.get("p2p_check_result") or {}
    return {
        "node_id": host_vars.get("node_id"),
        "p2p_address": host_vars.get("node_p2p_address"),
        "voting_power": host_vars.get("node_voting_power"),
        "p2p": check.get("p2p"),
        "reachability": check.get("reachability"),
    }


class FilterModule(object):
    def filters(self):
        return {"play002_decision": play002_decision, "partition_node": partition_node}
