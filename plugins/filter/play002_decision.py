# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Each filter of this file has its own document: play002_decision.yml and partition_node.yml.

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
