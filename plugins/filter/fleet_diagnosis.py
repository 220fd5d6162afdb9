# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fleet_diagnosis
short_description: Combine chain_status, peer_count, consensus_state and service states into one diagnosis
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/diagnose.yml) and the runbook playbooks' diagnosis step.
  - Returns the verdict (V(healthy), V(degraded), V(halted) or V(unknown)), findings in plain words, one row per node,
    the islands and the absent validators.
options:
  _input:
    description: The registered result of M(virtengine.incident_response.chain_status).
    type: dict
    required: true
  peers:
    description: The registered result of M(virtengine.incident_response.peer_count).
    type: dict
    required: true
  consensus:
    description: The registered result of M(virtengine.incident_response.consensus_state).
    type: dict
    required: true
  services:
    description: Inventory host to C({state, running, error}) from the C(node_service) role; may be empty.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Build the diagnosis
  ansible.builtin.set_fact:
    diagnosis: "{{ chain | virtengine.incident_response.fleet_diagnosis(peers, consensus, services) }}"
"""

RETURN = r"""
_value:
  description: C({verdict, findings, nodes, islands, absent, summary}).
  type: dict
"""


def _pct(fraction):
    return "%.1f%%" % (100.0 * (fraction or 0))


def fleet_diagnosis(chain, peers, consensus, services=None):
    services = services or {}
    summary = chain.get("summary") or {}
    peer_summary = peers.get("summary") or {}
    island_of = {}
    for number, island in enumerate(peer_summary.get("islands") or [], start=1):
        for member in island["members"]:
            island_of[member] = number
    vote_of = dict((v.get("host"), v) for v in consensus.get("validators") or [] if v.get("host"))
    peer_of = dict((n["name"], n) for n in peers.get("nodes") or [])

    rows = []
    for node in chain.get("nodes") or []:
        name = node["name"]
        service = services.get(name) or {}
        peer = peer_of.get(name) or {}
        vote = vote_of.get(name)
        rows.append({
            "node": name,
            "height": node.get("height"),
            "behind": node.get("behind"),
            "block_age_s": node.get("block_age_seconds"),
            "advancing": node.get("advancing"),
            "catching_up": node.get("catching_up"),
            "peers": peer.get("n_peers"),
            "island": island_of.get(name),
            "power": vote["voting_power"] if vote else node.get("voting_power"),
            "vote": ("present" if vote["present"] else "ABSENT") if vote else None,
            "process": service.get("state"),
            "error": node.get("error") or service.get("error"),
        })

    findings = []
    verdict = "healthy"
    halted = summary.get("halted")
    if halted is None:
        verdict = "unknown"
        findings.append("NO NODE ANSWERED: the chain's state is unknown (%s)" % ", ".join(summary.get("unreachable") or []))
    elif halted:
        verdict = "halted"
        findings.append("CHAIN HALTED at height %s: no node produced a block in %ss" % (summary.get("max_height"), summary.get("window_seconds")))
    absent = consensus.get("absent") or []
    if absent:
        findings.append("%d validator(s) absent, %s of the voting power: %s; quorum %s" % (
            len(absent), _pct(consensus.get("absent_fraction")), ", ".join(a["name"] for a in absent),
            "reachable" if consensus.get("quorum_reachable") else "UNREACHABLE (>= 1/3 absent)"))
    if peer_summary.get("island_count", 0) > 1:
        findings.append("NETWORK PARTITION: %d islands: %s" % (
            peer_summary["island_count"], " | ".join(",".join(i["members"]) for i in peer_summary["islands"])))
    for name in summary.get("unreachable") or []:
        findings.append("%s: RPC unreachable" % name)
    for name in summary.get("behind") or []:
        row = next(r for r in rows if r["node"] == name)
        findings.append("%s is %s blocks behind" % (name, row["behind"]))
    for name in peer_summary.get("below_min") or []:
        findings.append("%s has only %s peer(s)" % (name, peer_of[name]["n_peers"]))
    for name, service in sorted(services.items()):
        if service.get("running") is False:
            findings.append("%s: service %s" % (name, service.get("state")))
        elif service.get("error"):
            findings.append("%s: service state unknown (%s)" % (name, service["error"]))
    if verdict == "healthy" and findings:
        verdict = "degraded"
    return {
        "verdict": verdict,
        "findings": findings or ["all nodes answer, produce blocks, see each other and every validator votes"],
        "nodes": rows,
        "islands": peer_summary.get("islands") or [],
        "absent": absent,
        "summary": {
            "chain_id": summary.get("chain_id"),
            "max_height": summary.get("max_height"),
            "halted": halted,
            "halt_method": summary.get("method"),
            "island_count": peer_summary.get("island_count"),
            "absent_power": consensus.get("absent_power"),
            "total_power": consensus.get("total_power"),
            "absent_fraction": consensus.get("absent_fraction"),
            "quorum_reachable": consensus.get("quorum_reachable"),
            "consensus_height_round_step": "%s/%s/%s (%s)" % (
                consensus.get("height"), consensus.get("round"), consensus.get("step"), consensus.get("step_name")),
        },
    }


class FilterModule(object):
    def filters(self):
        return {"fleet_diagnosis": fleet_diagnosis}
