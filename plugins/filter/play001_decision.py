# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play001_decision
short_description: PLAY-001's scenario (A, B or C) from the fleet readings, with the reasons
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/play001_chain_halted.yml).
  - V(none) when the chain produces blocks and every validator votes (V(A) if some are absent).
  - V(C) (state corruption) when a validator logged C(CONSENSUS FAILURE) or
    two validators report different block hashes at one height. V(B) when at least 1/3 of the voting power is absent.
    V(A) otherwise (less than 1/3 absent; quorum returns when they restart).
options:
  _input:
    description: C(fleet_probe_readings) (C(chain), C(consensus), C(peers)).
    type: dict
    required: true
  validators:
    description: Inventory names of the validators.
    type: list
    elements: str
    required: true
  hosts:
    description: Per validator host, C({service, logs, reachable}) (the node_service and node_logs facts, and whether SSH worked).
    type: dict
    required: true
  forced:
    description: V(A), V(B) or V(C) to override the decision (the operator knows better); empty to decide.
    type: str
    default: ""
  restart_scope:
    description: V(affected) restarts absent or stopped validators in scenario B; V(all) restarts every validator (the runbook's literal step).
    type: str
    default: affected
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    play001: "{{ fleet_probe_readings | virtengine.incident_response.play001_decision(groups['validators'], host_state) }}"
"""

RETURN = r"""
_value:
  description: C({scenario, forced, why, halted, absent, absent_fraction, contact, checklist, restart_hosts, unreachable_hosts, validators}).
  type: dict
"""

CHECKLIST = (
    ("network_partition", "Network partition?"),
    ("common_infrastructure", "Common infrastructure failure?"),
    ("software_bug", "Software bug?"),
    ("coordinated_attack", "Coordinated attack?"),
)


def _rows(readings, validators, hosts):
    chain_nodes = dict((n["name"], n) for n in readings["chain"].get("nodes") or [])
    votes = dict((v.get("host"), v) for v in readings["consensus"].get("validators") or [] if v.get("host"))
    rows = []
    for name in validators:
        node = chain_nodes.get(name) or {}
        state = hosts.get(name) or {}
        service = state.get("service") or {}
        logs = (state.get("logs") or {}).get("matches") or {}
        vote = votes.get(name)
        rows.append({
            "host": name,
            "ssh": "ok" if state.get("reachable", True) else "UNREACHABLE",
            "process": service.get("state"),
            "rpc": "ok" if node.get("reachable") else "DOWN",
            "catching_up": node.get("catching_up"),
            "height": node.get("height"),
            "hash": (node.get("latest_block_hash") or "")[:12] or None,
            "vote": None if vote is None else ("present" if vote["present"] else "ABSENT"),
            "power": vote["voting_power"] if vote else None,
            "consensus_failure": len(logs.get("consensus_failure") or []),
            "panic": len(logs.get("panic") or []),
            "conflicting_vote": len(logs.get("conflicting_vote") or []),
            "_full_hash": node.get("latest_block_hash"),
        })
    return rows


def _diverging(rows):
    by_height = {}
    for row in rows:
        if row["height"] is not None and row["_full_hash"]:
            by_height.setdefault(row["height"], set()).add(row["_full_hash"])
    return sorted(h for h, hashes in by_height.items() if len(hashes) > 1)


def play001_decision(readings, validators, hosts, forced="", restart_scope="affected"):
    rows = _rows(readings, validators, hosts)
    consensus = readings["consensus"]
    halted = readings["chain"]["summary"].get("halted")
    absent = [v["name"] for v in consensus.get("absent") or []]
    fraction = consensus.get("absent_fraction") or 0.0
    failures = [r["host"] for r in rows if r["consensus_failure"]]
    diverging = _diverging(rows)
    why = []

    if halted:
        why.append("no new block within the sampling window (judged by height)")
    elif halted is None:
        why.append("no node answered: the chain's state is unknown")
    if failures:
        why.append("CONSENSUS FAILURE in the logs of %s" % ", ".join(failures))
    if diverging:
        why.append("validators report different block hashes at height(s) %s" % ", ".join(map(str, diverging)))
    if absent:
        why.append("%s absent, %.1f%% of the voting power (%s 1/3)" % (", ".join(absent), 100 * fraction, ">=" if fraction >= 1 / 3.0 else "<"))

    if forced:
        scenario = forced
        why.append("scenario %s forced by the operator (play001_scenario)" % forced)
    elif not halted:
        # Producing blocks: nothing to restart, but absent validators still need their operators.
        scenario = "A" if absent else "none"
    elif failures or diverging:
        scenario = "C"
    elif not consensus.get("quorum_reachable"):
        scenario = "B"
    else:
        scenario = "A"

    lagging = [r["host"] for r in rows if r["vote"] == "ABSENT" or r["process"] not in ("RUNNING", "ACTIVE") or r["rpc"] != "ok"]
    islands = readings["peers"]["summary"].get("islands") or []
    down = [r["host"] for r in rows if r["process"] not in ("RUNNING", "ACTIVE")]
    checklist = [
        {"question": CHECKLIST[0][1], "suspect": len(islands) > 1,
         "found": "%d islands: %s" % (len(islands), " | ".join(",".join(i["members"]) for i in islands)) if len(islands) > 1 else "one island"},
        {"question": CHECKLIST[1][1], "suspect": len(down) > 1 or any(r["ssh"] != "ok" for r in rows),
         "found": ("processes not running on %s" % ", ".join(down)) if down else "every validator process runs"},
        {"question": CHECKLIST[2][1], "suspect": any(r["panic"] or r["consensus_failure"] for r in rows),
         "found": ", ".join("%s: %d panic, %d consensus failure line(s)" % (r["host"], r["panic"], r["consensus_failure"])
                            for r in rows if r["panic"] or r["consensus_failure"]) or "no panic or consensus failure in the logs"},
        {"question": CHECKLIST[3][1], "suspect": any(r["conflicting_vote"] for r in rows),
         "found": ", ".join("%s: %d conflicting vote line(s)" % (r["host"], r["conflicting_vote"]) for r in rows if r["conflicting_vote"])
         or "no conflicting votes (double signing) in the logs"},
    ]
    for row in rows:
        del row["_full_hash"]
    return {
        "scenario": scenario,
        "forced": bool(forced),
        "why": why,
        "halted": halted,
        "absent": absent,
        "absent_fraction": fraction,
        "contact": absent,
        "checklist": checklist,
        "restart_hosts": list(validators) if restart_scope == "all" else lagging,
        "unreachable_hosts": [r["host"] for r in rows if r["ssh"] != "ok"],
        "validators": rows,
    }


class FilterModule(object):
    def filters(self):
        return {"play001_decision": play001_decision}
