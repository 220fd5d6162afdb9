# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet view: what the probes found, joined once per node, and the fleet-wide diagnosis over it (pure, no I/O).

Two sources meet here:

- the controller's RPC readings, ``fleet_probe_readings`` = ``{chain, consensus, peers}`` (the registered results of
  ``chain_status``, ``consensus_state`` and ``peer_count``; endpoints are named after inventory hosts);
- what each host reported about itself, read from its host facts by ``host_record`` (service state, log signatures,
  binary, p2p settings and reachability, inventory identity).

``fleet_view`` joins them into one record per node and one per fleet; every runbook's decision (``diagnose`` below,
``_play001.decide``, ``_partition.play002``) reads that view instead of joining the readings again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.six.moves.collections_abc import Mapping

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import cause
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_findings import (
    disk_is_full,
    human_bytes,
    outside_set,
    outside_set_text,
    reading_text,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import inbound_faults, network_causes, p2p_node

# A host whose facts are missing could not be reached (the playbooks run with ignore_unreachable) or was not diagnosed.
UNREACHABLE_SERVICE = {"state": "UNREACHABLE", "running": None, "error": "no facts: host unreachable or not diagnosed"}


class FleetError(ValueError):
    """Input the view or a decision cannot use; the message names the value and what to do."""


def host_record(host_vars):
    """One inventory host's own findings, from its host variables (``hostvars[host]``).

    Returns ``{service, logs, resources, reachable, binary, upgrade_binary, node_id, p2p_address, voting_power,
    validator_address, inventory_validator, p2p, reachability}``: ``service`` from ``node_service_status``
    (UNREACHABLE when absent), ``logs`` from ``node_logs_findings``, ``resources`` from ``node_resources`` (node_inspect's
    free disk, memory, limits, restarts; ``{}`` when unread), ``reachable`` whether SSH gave a service state,
    ``binary``/``upgrade_binary`` from ``node_binary_facts``, ``p2p``/``reachability`` from ``p2p_check_result`` (null
    when unread), identity from the inventory (``node_id``, ``node_p2p_address``, ``node_voting_power``,
    ``node_validator_address``); ``inventory_validator``: the host is in the group ``validators`` or has a
    ``node_validator_address`` (the inventory says it validates).
    """
    if not isinstance(host_vars, Mapping):
        raise FleetError("host variables must be a dictionary (hostvars[host]), not %s" % type(host_vars).__name__)
    service = host_vars.get("node_service_status")
    binary = dict(host_vars.get("node_binary_facts") or {})
    upgrade = binary.pop("upgrade", None) or {}
    check = host_vars.get("p2p_check_result") or {}
    return {
        "service": service or dict(UNREACHABLE_SERVICE),
        "logs": host_vars.get("node_logs_findings") or {},
        "resources": host_vars.get("node_resources") or {},
        "reachable": bool(service) and service.get("state") != "UNREACHABLE",
        "binary": binary,
        "upgrade_binary": upgrade,
        "node_id": host_vars.get("node_id"),
        "p2p_address": host_vars.get("node_p2p_address"),
        "voting_power": host_vars.get("node_voting_power"),
        "validator_address": host_vars.get("node_validator_address"),
        "inventory_validator": "validators" in (host_vars.get("group_names") or ()) or bool(host_vars.get("node_validator_address")),
        "p2p": check.get("p2p"),
        "reachability": check.get("reachability"),
    }


def _part(readings, key):
    if not isinstance(readings, dict) or not isinstance(readings.get(key), dict):
        raise FleetError("readings has no %r: pass the fleet_probe readings (chain, consensus, peers)" % key)
    return readings[key]


def fleet_view(readings, hosts=None, validators=None):
    """Join the RPC readings and the hosts' records once per node.

    ``readings``: ``{chain, consensus, peers}`` as the fleet_probe role keeps them. ``hosts``: ``{host: record}``
    (``host_record`` output, or any subset of its keys). ``validators``: the inventory's validator hosts, in the
    order decisions list them (default: the hosts consensus_state matched to a validator).

    Returns ``{"nodes": {name: node}, "fleet": {...}}``. Nodes come in probe order, then hosts that were not probed;
    each is ``{name, validator, rpc, vote, peers, island, host}``: ``rpc`` the chain_status node (``{}`` when not
    probed), ``vote`` the consensus_state validator entry (None for a full node), ``peers`` the peer_count node,
    ``island`` the island number (1-based, None when alone or unread), ``host`` the host record (``{}`` when none).
    The fleet record is ``{validators, chain, consensus, peers, islands, total_power}`` (``chain``/``peers`` are the
    modules' summaries). Raises FleetError naming the missing reading.
    """
    chain, consensus, peers = _part(readings, "chain"), _part(readings, "consensus"), _part(readings, "peers")
    if "summary" not in chain:
        raise FleetError("readings.chain has no 'summary': pass chain_status's registered result")
    hosts = hosts or {}
    if not isinstance(hosts, dict):
        raise FleetError("hosts must map each inventory host to its record (host_record), not %s" % type(hosts).__name__)
    peer_summary = peers.get("summary") or {}
    islands = peer_summary.get("islands") or []
    island_of = dict((member, number) for number, island in enumerate(islands, start=1) for member in island["members"])
    votes = dict((v["host"], v) for v in consensus.get("validators") or [] if v.get("host"))
    peer_nodes = dict((n["name"], n) for n in peers.get("nodes") or [])
    chain_nodes = dict((n["name"], n) for n in chain.get("nodes") or [])

    names = list(chain_nodes) + [n for n in list(hosts) + list(validators or []) if n not in chain_nodes]
    validators = list(validators) if validators is not None else [n for n in names if n in votes]
    nodes = {}
    for name in names:
        if name in nodes:
            continue
        nodes[name] = {
            "name": name,
            "validator": name in validators,
            "rpc": chain_nodes.get(name) or {},
            "vote": votes.get(name),
            "peers": peer_nodes.get(name) or {},
            "island": island_of.get(name),
            "host": hosts.get(name) or {},
        }
    inventory_power = sum(int((h or {}).get("voting_power") or 0) for h in hosts.values())
    return {
        "nodes": nodes,
        "fleet": {
            "validators": validators,
            "chain": chain["summary"],
            "consensus": consensus,
            "peers": peer_summary,
            "islands": islands,
            "total_power": int(consensus.get("total_power") or inventory_power),
        },
    }


def _pct(fraction):
    return "%.1f%%" % (100.0 * (fraction or 0))


def diagnose(view):
    """The read-only diagnosis of the whole fleet: ``{verdict, findings, nodes, islands, absent, summary}``.

    ``verdict`` is healthy, degraded, halted or unknown (no node answered); ``findings`` say why in plain words;
    ``nodes`` is one table row per probed node (height, behind, block age, advancing, peers, island, power, vote,
    process, free disk, error). ``causes`` (``_causes`` records) are what the probes found on a node: a disk the live
    reading shows full (``disk_full``), an inventory validator outside the active set (``validator_out_of_set``,
    ``validator_tombstoned``: ``_node_findings.outside_set``); ``outside_set`` lists those validators. A diagnosis
    plans nothing: ``plans`` and ``vetoed`` are empty.
    """
    fleet = view["fleet"]
    summary, consensus, peer_summary = fleet["chain"], fleet["consensus"], fleet["peers"]
    probed = [n for n in view["nodes"].values() if n["rpc"]]
    rows = []
    for node in probed:
        rpc, vote, service = node["rpc"], node["vote"], node["host"].get("service") or {}
        rows.append({
            "node": node["name"],
            "height": rpc.get("height"),
            "behind": rpc.get("behind"),
            "block_age_s": rpc.get("block_age_seconds"),
            "advancing": rpc.get("advancing"),
            "catching_up": rpc.get("catching_up"),
            "peers": node["peers"].get("n_peers"),
            "island": node["island"],
            "power": vote["voting_power"] if vote else rpc.get("voting_power"),
            "vote": ("present" if vote["present"] else "ABSENT") if vote else None,
            "process": service.get("state"),
            "disk_free": human_bytes((node["host"].get("resources") or {}).get("disk_free_bytes"))
            if (node["host"].get("resources") or {}).get("disk_free_bytes") is not None else None,
            "error": rpc.get("error") or service.get("error"),
        })

    findings = []
    verdict = "healthy"
    halted = summary.get("halted")
    if halted is None:
        verdict = "unknown"
        findings.append("NO NODE ANSWERED: the chain's state is unknown (%s)" % ", ".join(summary.get("unreachable") or []))
    elif halted:
        verdict = "halted"
        findings.append("CHAIN HALTED at height %s: no node produced a block in %ss%s" % (
            summary.get("max_height"), summary.get("window_seconds"),
            " (every newest block was already older than the window)" if summary.get("method") == "stale" else ""))
    absent = consensus.get("absent") or []
    if absent:
        findings.append("%d validator(s) absent, %s of the voting power: %s; quorum %s" % (
            len(absent), _pct(consensus.get("absent_fraction")), ", ".join(a["name"] for a in absent),
            "reachable" if consensus.get("quorum_reachable") else "UNREACHABLE (>= 1/3 absent)"))
    # Nodes of another network (chain id) and sentries that lock a fleet node out are no partition: say what they are.
    p2p_nodes = dict((name, p2p_node(node)) for name, node in view["nodes"].items())
    _chain_id, odd, p2p_causes, network_findings = network_causes(p2p_nodes)
    findings.extend(network_findings)
    islands = peer_summary.get("islands") or []
    inbound, _fixes, inbound_causes = inbound_faults(p2p_nodes, dict((m, i["id"]) for i in islands for m in i["members"]))
    findings.extend("%s: %s" % (fault["node"], fault["detail"]) for fault in inbound if fault["severity"] == "error")
    partitioned = [i for i in islands if not all(m in odd for m in i["members"])]
    if len(partitioned) > 1:
        findings.append("NETWORK PARTITION: %d islands: %s" % (len(partitioned), " | ".join(",".join(i["members"]) for i in partitioned)))
    for name in summary.get("unreachable") or []:
        findings.append("%s: RPC unreachable" % name)
    for name in summary.get("behind") or []:
        if name not in odd:  # its height is another chain's
            findings.append("%s is %s blocks behind" % (name, view["nodes"][name]["rpc"].get("behind")))
    for name in peer_summary.get("below_min") or []:
        findings.append("%s has only %s peer(s)" % (name, view["nodes"][name]["peers"].get("n_peers")))
    for name in sorted(view["nodes"]):
        service = view["nodes"][name]["host"].get("service")
        if not service:
            continue
        if service.get("running") is False:
            findings.append("%s: service %s" % (name, service.get("state")))
        elif service.get("error"):
            findings.append("%s: service state unknown (%s)" % (name, service["error"]))
    # Inventory validators (the view's, or hosts the inventory says validate) outside the active set, and full disks.
    validators = [name for name, node in view["nodes"].items() if node["validator"] or node["host"].get("inventory_validator")]
    outside = outside_set(view, validators)
    findings.extend(outside_set_text(validator) for validator in outside["validators"])
    if outside["validators"] and outside["unmatched"]:
        findings.append("slashing lines in the logs for addresses not matched to an inventory host: %s" % "; ".join(
            "%s %s%s (log of %s)" % (line["validator"] or "?", "jailed at height %s" % line["height"] if line["signature"] == "validator_jailed"
                                     else "double-sign evidence", (" until %s" % line["jailed_until"]) if line["jailed_until"] else "", line["logged_by"])
            for line in outside["unmatched"]))
    causes = list(outside["causes"]) + p2p_causes + inbound_causes
    full = [name for name in sorted(view["nodes"]) if disk_is_full(view["nodes"][name]["host"].get("resources"))]
    for name in full:
        resources = view["nodes"][name]["host"]["resources"]
        findings.append("%s: DISK FULL, %s: free or grow it before any restart (a node restarted on a full disk fails at its first write)"
                        % (name, reading_text("disk_full", resources)))
    if full:
        causes.insert(0, cause("disk_full", full, [{"host": name, "signature": "disk_full", "reading": view["nodes"][name]["host"]["resources"],
                                                    "numbers": reading_text("disk_full", view["nodes"][name]["host"]["resources"])}
                                                   for name in full]))
    if verdict == "healthy" and findings:
        verdict = "degraded"
    return {
        "verdict": verdict,
        "findings": findings or ["all nodes answer, produce blocks, see each other and every validator votes"],
        "nodes": rows,
        "causes": causes,
        "plans": [],
        "vetoed": [],
        "outside_set": outside["validators"],
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
