# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure PLAY-002 logic: p2p configuration faults, faults that look like a partition but are not (another network,
full inbound slots, another p2p protocol), and the partition verdict.

Inputs are what the modules read (peer_count's islands, each node's [p2p] section, p2p_reachability's results,
chain_status's chain ids and heights, the log catalogue's signatures); nothing here does I/O. The decision returns
the shape every runbook's does (``verdict``, ``causes``, ``plans``, ``vetoed``: ``_causes``): a peer reset is
vetoed for a fault it cannot fix, with what to do instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import apply, cause, plan, veto_text
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import commits
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import node_id_error
from ansible_collections.virtengine.incident_response.plugins.module_utils._resync import resync_parameters


def parse_peer_list(text):
    """``id@host:port`` entries of a comma-separated CometBFT peer list, ids as written (case-sensitive).

    Each entry: ``{raw, id, host, port, error, fault}``; ``fault`` is ``malformed_entry`` (not id@host:port),
    ``malformed_node_id`` (not 40 hex digits: CometBFT refuses to start) or ``node_id_case`` (upper-case hex: it
    starts, but every handshake with that peer fails), with ``error`` saying so; None for a good entry.
    """
    entries = []
    for raw in (text or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        node_id, _at, address = raw.partition("@")
        host, _colon, port = address.rpartition(":")
        entry = {"raw": raw, "id": node_id, "host": host, "port": int(port) if port.isdigit() else None, "error": None, "fault": None}
        if not _at or not host or entry["port"] is None:
            entry["error"], entry["fault"] = "not id@host:port with a 40-hex-digit node id", "malformed_entry"
        else:
            entry["error"] = node_id_error(node_id)
            if entry["error"]:
                entry["fault"] = "node_id_case" if node_id.lower() != node_id and not node_id_error(node_id.lower()) else "malformed_node_id"
        entries.append(entry)
    return entries


def _host_port(address):
    host, _colon, port = (address or "").split("://", 1)[-1].rpartition(":")
    return host, int(port) if port.isdigit() else None


def _is_private(host):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def _fleet_addresses(nodes):
    """``{(host, port): (name, node_id)}`` of every fleet node's p2p address and announced external_address."""
    addresses = {}
    for name, node in nodes.items():
        candidates = [node.get("p2p_address"), (node.get("p2p") or {}).get("external_address")]
        for host, port in (_host_port(c) for c in candidates if c):
            if node.get("node_id") and host not in ("", "0.0.0.0", "::") and port:
                addresses[(host, port)] = (name, node["node_id"])
    return addresses


def config_faults(nodes):
    """Faults in each node's [p2p] settings, and corrected persistent_peers where an entry names a fleet node wrongly.

    ``nodes``: ``{name: {"node_id", "p2p_address", "p2p"}}``; ``p2p`` is the parsed [p2p] section or None (unread).
    Node ids are compared exactly, as CometBFT does. An entry whose id is not the id of the fleet node listening at
    its address (a node_key.json regenerated since) is ``stale_node_id`` and is corrected to that node's id; an id
    in upper case is ``node_id_case`` and corrected to lower case; an id that is not 40 hex digits is
    ``malformed_node_id``, corrected when its address is a fleet node's, else left out of the corrected list
    (CometBFT would not start with it).
    Returns ``(faults, fixes)``: faults ``{node, fault, severity, detail}`` (severity ``error`` can keep a node
    from peering; ``warning`` is worth a look), fixes ``{name: persistent_peers string}``.
    """
    known = dict((n["node_id"], (name, n["p2p_address"])) for name, n in nodes.items() if n.get("node_id") and n.get("p2p_address"))
    at_address = _fleet_addresses(nodes)
    listed_by = dict((name, 0) for name in nodes)
    faults, fixes = [], {}

    def fault(node, kind, severity, detail):
        faults.append({"node": node, "fault": kind, "severity": severity, "detail": detail})

    for name in sorted(nodes):
        p2p = nodes[name].get("p2p")
        if p2p is None:
            continue
        own_id = nodes[name].get("node_id") or ""
        persistent = parse_peer_list(p2p.get("persistent_peers"))
        seeds = parse_peer_list(p2p.get("seeds"))
        if not persistent and not seeds:
            fault(name, "no_peers_configured", "error", "persistent_peers and seeds are both empty: the node only finds peers through its address book")
        corrected, wrong = [], False
        for entry in persistent + seeds:
            field = "persistent_peers" if entry in persistent else "seeds"
            if entry["fault"]:
                fault(name, entry["fault"], "error", "%s %r: %s" % (field, entry["raw"], entry["error"]))
            if entry["fault"] == "malformed_entry":
                wrong = wrong or field == "persistent_peers"
                continue
            node_id = entry["id"].lower() if entry["fault"] == "node_id_case" else entry["id"]
            host, port = entry["host"], entry["port"]
            if node_id == own_id:
                fault(name, "self_in_list", "warning", "%r is this node itself" % entry["raw"])
                continue
            if node_id in known:
                peer, address = known[node_id]
                listed_by[peer] += not entry["fault"]
                host, port = _host_port(address)
                if (entry["host"], entry["port"]) != (host, port):
                    fault(name, "wrong_port" if entry["host"] == host else "wrong_address", "error",
                          "%r names %s, which listens on %s:%s" % (entry["raw"], peer, host, port))
            elif (host, port) in at_address:
                peer, node_id = at_address[(host, port)]
                if entry["fault"] != "malformed_node_id":
                    fault(name, "stale_node_id", "error",
                          "%s %r: %s:%s is %s, whose node id is %s (node_key.json regenerated?): CometBFT refuses the handshake "
                          "(auth failure: dialed ID mismatch)" % (field, entry["raw"], host, port, peer, node_id))
            elif entry["fault"] == "malformed_node_id":
                wrong = wrong or field == "persistent_peers"  # no fleet node there: left out, CometBFT would not start with it
                continue
            fixed = "%s@%s:%s" % (node_id, host, port)
            if field == "persistent_peers":
                wrong = wrong or fixed != entry["raw"]
                corrected.append(fixed)
        if wrong:
            fixes[name] = ",".join(corrected)
        if p2p.get("max_num_inbound_peers") == 0:
            fault(name, "no_inbound", "error", "max_num_inbound_peers = 0: no peer can dial this node")
        if p2p.get("max_num_outbound_peers") == 0 and not persistent:
            fault(name, "no_outbound", "error", "max_num_outbound_peers = 0 and no persistent peers: this node dials nobody")
        if p2p.get("addr_book_strict") and any(_is_private(e["host"]) for e in persistent + seeds if e["fault"] != "malformed_entry"):
            fault(name, "addr_book_strict_private", "warning",
                  "addr_book_strict = true drops private addresses from the address book, and the peers are private")
        laddr_host, _port = _host_port(p2p.get("laddr"))
        if laddr_host in ("0.0.0.0", "::", "") and not p2p.get("external_address"):
            fault(name, "no_external_address", "warning",
                  "listens on every address with external_address empty: peers learn no dialable address through PEX")
    if all(nodes[n].get("p2p") is not None for n in nodes):
        for name, count in sorted(listed_by.items()):
            if count == 0 and nodes[name].get("node_id"):
                fault(name, "not_listed_by_others", "warning", "no other node's persistent_peers or seeds names this node")
    return faults, fixes


def _signature(node, name):
    """The log catalogue's entry ``name`` in a node's ``logs`` (node_logs_findings), or None."""
    found = (node.get("logs") or {}).get("signatures")
    return found.get(name) if isinstance(found, dict) else None


def _log_evidence(host, name, entry):
    return {"host": host, "signature": name, "count": entry.get("count"), "line": entry.get("newest"), "fields": entry.get("fields") or {}}


def fleet_network(nodes):
    """``(chain_id, {name: chain id})``: the fleet's chain id and the nodes that run another.

    ``nodes``: ``{name: {"chain_id", "voting_power", "height"}}`` (chain_status's readings). The fleet's chain id is the
    one with the most voting power, then the most nodes, then the highest height: a node started with another genesis
    is the odd one, whatever its own height. ``(None, {})`` when no chain id was read.
    """
    weight = {}
    for node in nodes.values():
        chain_id = node.get("chain_id")
        if chain_id:
            power, count, height = weight.get(chain_id, (0, 0, 0))
            weight[chain_id] = (power + int(node.get("voting_power") or 0), count + 1, max(height, int(node.get("height") or 0)))
    if not weight:
        return None, {}
    fleet = max(sorted(weight), key=lambda chain_id: weight[chain_id])
    return fleet, dict((name, node["chain_id"]) for name, node in nodes.items() if node.get("chain_id") and node["chain_id"] != fleet)


def network_causes(nodes):
    """Causes no peer reset fixes: another network, another p2p protocol. ``(chain_id, odd, causes, findings)``.

    ``network_mismatch`` is on the nodes whose chain id differs from the fleet's (``fleet_network``), and on a node whose
    log says it refuses peers of another network when its own network (the line's "expected") is not the fleet's, or
    no chain id was read; a node of the fleet that refuses a stranger only gets a finding. ``p2p_version_mismatch``
    is on the nodes that logged it (a restart of either side changes nothing).
    """
    fleet, odd = fleet_network(nodes)
    findings, mismatch, evidence = [], set(odd), []
    for name in sorted(odd):
        findings.append("%s runs another network: chain id %s, the fleet's %s (/status node_info.network): it was started with "
                        "another genesis.json and every peer refuses it; install the fleet's genesis.json and reset its data "
                        "(a peer reset or persistent_peers edit cannot help)" % (name, odd[name], fleet))
        evidence.append({"host": name, "reading": {"chain_id": odd[name], "fleet_chain_id": fleet},
                         "numbers": "chain id %s, the fleet's %s" % (odd[name], fleet)})
    version = []
    for name in sorted(nodes):
        entry = _signature(nodes[name], "network_mismatch")
        if entry:
            fields = entry.get("fields") or {}
            own, peer = fields.get("own_network"), fields.get("peer_network")
            if name in odd or fleet is None or (own and own != fleet):
                if name not in odd:
                    mismatch.add(name)
                    findings.append("%s refuses its peers: it runs network %s, they run %s (its log: %s)" % (name, own, peer, entry.get("newest")))
                evidence.append(_log_evidence(name, "network_mismatch", entry))
            else:
                findings.append("%s refuses a peer of another network (%s; this node runs %s): that peer runs another genesis.json"
                                % (name, peer, own))
        entry = _signature(nodes[name], "p2p_version_mismatch")
        if entry:
            version.append(_log_evidence(name, "p2p_version_mismatch", entry))
            findings.append("%s and a peer run incompatible CometBFT p2p protocols (%s): run the network's binary version" % (name, entry.get("newest")))
    causes = []
    if mismatch:
        causes.append(cause("network_mismatch", sorted(mismatch), evidence))
    if version:
        causes.append(cause("p2p_version_mismatch", [e["host"] for e in version], version))
    return fleet, odd, causes, findings


def _ids(text):
    return set(part.strip() for part in (text or "").split(",") if part.strip())


def inbound_faults(nodes, island_of=None):
    """Sentries whose inbound slots are full while a fleet node that dials them is not reserved there.

    ``nodes``: ``{name: {"node_id", "p2p_address", "p2p", "inbound", "logs"}}``; ``island_of``: ``{name: island id}``.
    A node is full when its live inbound count reached ``max_num_inbound_peers`` (default 40) or its log shows
    ``already have enough inbound peers``. A fleet node that names it in persistent_peers (it dials the sentry) is
    locked out when its id is neither in the sentry's ``unconditional_peer_ids`` nor in its ``persistent_peers`` (the
    sentry would dial it) and it is not connected (another island, or the refused address in the log is its own).
    Returns ``(faults, fixes, causes)``: ``inbound_full`` errors on the sentry, ``inbound_not_reserved`` warnings for a
    validator behind a sentry (``private_peer_ids``) that is not reserved, ``fixes`` ``{sentry: unconditional_peer_ids}``,
    and the ``inbound_peers_full`` cause on the sentries and the nodes they lock out.
    """
    island_of = island_of or {}
    faults, fixes, hosts, evidence = [], {}, set(), []
    for name in sorted(nodes):
        node = nodes[name]
        p2p, own_id = node.get("p2p"), node.get("node_id")
        if p2p is None or not own_id:
            continue
        limit = p2p.get("max_num_inbound_peers", 40)
        entry = _signature(node, "inbound_peers_full")
        fields = (entry or {}).get("fields") or {}
        inbound = node.get("inbound")
        full = (inbound is not None and limit and inbound >= limit) or bool(entry)
        reserved = _ids(p2p.get("unconditional_peer_ids")) | set(e["id"] for e in parse_peer_list(p2p.get("persistent_peers")))
        refused_host = _host_port(fields.get("address"))[0] if fields.get("address") else None
        locked = []
        for other in sorted(nodes):
            peer = nodes[other]
            if other == name or not peer.get("node_id") or peer["node_id"] in reserved or peer.get("p2p") is None:
                continue
            if own_id not in set(e["id"] for e in parse_peer_list(peer["p2p"].get("persistent_peers"))):
                continue
            hosts_of_peer = set(_host_port(a)[0] for a in (peer.get("p2p_address"), peer["p2p"].get("external_address")) if a)
            apart = (island_of.get(other) is not None and island_of.get(other) != island_of.get(name)) or refused_host in hosts_of_peer
            if full and apart:
                locked.append(other)
            elif peer["node_id"] in _ids(p2p.get("private_peer_ids")):
                faults.append({"node": name, "fault": "inbound_not_reserved", "severity": "warning",
                               "detail": "%s (behind this sentry: private_peer_ids) is not in unconditional_peer_ids: once public peers "
                                         "fill the %s inbound slots, %s cannot dial back in" % (other, limit, other)})
        if not locked:
            continue
        have = inbound if inbound is not None else fields.get("have")
        fixes[name] = ",".join(sorted(_ids(p2p.get("unconditional_peer_ids")) | set(nodes[o]["node_id"] for o in locked)))
        faults.append({"node": name, "fault": "inbound_full", "severity": "error",
                       "detail": "inbound slots full (%s/%s) and %s not in unconditional_peer_ids (nor persistent_peers): every dial of %s "
                                 "is dropped (already have enough inbound peers); set unconditional_peer_ids = \"%s\" (or raise "
                                 "max_num_inbound_peers)" % (have, fields.get("max", limit), ", ".join(locked), ", ".join(locked), fixes[name])})
        hosts.update([name] + locked)
        evidence.append(_log_evidence(name, "inbound_peers_full", entry) if entry else
                        {"host": name, "reading": {"inbound": inbound, "max_num_inbound_peers": limit}, "numbers": "inbound %s/%s" % (inbound, limit)})
        evidence.extend({"host": o, "reading": {"dials": name, "island": island_of.get(o)}, "numbers": "dials %s: refused" % name} for o in locked)
    causes = [cause("inbound_peers_full", sorted(hosts), evidence)] if hosts else []
    return faults, fixes, causes


def blocked_pairs(reachability):
    """``{from, to, address, error, route}`` for every probe that did not connect; ``reachability``: ``{name: results}``."""
    pairs = []
    for source in sorted(reachability):
        for result in reachability[source] or []:
            if not result.get("reachable"):
                pairs.append({"from": source, "to": result["name"], "address": result["address"],
                              "error": result.get("error"), "route": result.get("route")})
    return pairs


def _live(node):
    """The node's chain advanced during the reading (or, read once, its newest block is recent)."""
    return bool(node.get("advancing")) or node.get("halted") is False


def decide(peer_summary, nodes, total_power, resync_stranded=False, resync_hosts=()):
    """The PLAY-002 verdict (healthy, infrastructure, configuration, chain_split or unknown), the canonical island,
    the causes found, and the gated plans after the causes' vetoes.

    ``peer_summary``: peer_count's ``summary`` (islands described and, ideally, compared).
    ``nodes``: ``{name: {"node_id", "p2p_address", "p2p", "reachability", "role"}}`` (role: validator or full_node), and
    when read: ``chain_id``, ``height``, ``voting_power``, ``advancing``/``halted`` (chain_status), ``inbound``
    (peer_count), ``logs`` (node_logs_findings).

    The canonical island is the one at the chain's tip: among the islands whose nodes are live (advancing) the highest,
    so an island of sentries that follows a chain signed by validators outside the fleet is canonical and the chain is
    live; only when no island is live does voting power decide (more than every other island), and a chain is called
    halted only then. An island of nodes on another network is never canonical.
    Returns the decision with ``causes``, ``plans`` and ``vetoed`` (``_causes.apply``); ``peer_reset_hosts`` and
    ``resync_hosts`` are the hosts the plans kept.
    """
    islands = peer_summary.get("islands") or []
    island_of = dict((member, island["id"]) for island in islands for member in island["members"])
    fleet_chain_id, odd, causes, network_findings = network_causes(nodes)
    faults, fixes = config_faults(nodes)
    inbound, unconditional, inbound_causes = inbound_faults(nodes, island_of)
    faults += inbound
    causes += inbound_causes
    blocked = blocked_pairs(dict((name, n.get("reachability")) for name, n in nodes.items()))
    cross_blocked = [p for p in blocked if island_of.get(p["from"]) != island_of.get(p["to"])]
    below_min = list(peer_summary.get("below_min") or [])
    why = list(network_findings) + ["%s: %s" % (f["node"], f["detail"]) for f in inbound if f["severity"] == "error"]

    candidates = [i for i in islands if not all(m in odd for m in i["members"])]
    live = [i for i in candidates if any(_live(nodes.get(m) or {}) for m in i["members"])]
    canonical = None
    if live:
        canonical = max(live, key=lambda i: (i["max_height"] or 0, i["voting_power"]))
    else:
        powers = sorted((island["voting_power"] for island in candidates), reverse=True)
        if candidates and (len(powers) == 1 or powers[0] > powers[1]):
            canonical = next(i for i in candidates if i["voting_power"] == powers[0])
    quorum = bool(canonical) and (bool(live) or commits(canonical["voting_power"], total_power))
    for island in islands:
        if island is canonical:
            island["state"] = "canonical"
        elif all(m in odd for m in island["members"]):
            island["state"] = "other_network"
        elif canonical and canonical["id"] in island["diverges_from"] + [i["id"] for i in islands if island["id"] in i["diverges_from"]]:
            island["state"] = "split"
        else:
            island["state"] = "stranded"
        island["power_share"] = round(float(island["voting_power"]) / total_power, 4) if total_power else None

    split = [i for i in islands if i["state"] == "split"]
    stranded = [i for i in islands if i["state"] == "stranded"]
    peer_reset, resync = [], []
    if not islands:
        verdict = "unknown"
        why.append("no node answered its RPC: the topology cannot be read")
    elif split:
        verdict = "chain_split"
        for island in split:
            why.append("%s (%s) has a different block at height %s than the canonical %s: a chain split"
                       % (island["id"], ", ".join(island["members"]), island["max_height"], canonical["id"]))
        resync = sorted(m for island in split for m in island["members"])
    elif cross_blocked:
        verdict = "infrastructure"
        shown = ", ".join("%s -> %s (%s)" % (p["from"], p["to"], p["error"]) for p in cross_blocked[:6])
        why.append("p2p ports across islands do not answer: %s%s" % (shown, " ..." if len(cross_blocked) > 6 else ""))
        why.append("an infrastructure problem (firewall, routing, provider): fix the path; nothing on the nodes is changed")
    elif len(islands) > 1 or below_min:
        verdict = "configuration"
        why.append("every probed p2p port answers, yet %s" % (
            "the nodes form %d islands" % len(islands) if len(islands) > 1 else "%s below the peer minimum" % ", ".join(below_min)))
        isolated = set(below_min) | set(m for island in islands if island is not canonical for m in island["members"])
        peer_reset = sorted(isolated | set(f["node"] for f in faults if f["severity"] == "error"))
    elif fixes or odd or inbound_causes:
        # One island today, but entries CometBFT refuses at the handshake leave these nodes fewer paths than planned.
        verdict = "configuration"
        if fixes:
            why.append("one island, but persistent_peers names peers CometBFT cannot connect to: %s" % "; ".join(
                "%s: %s" % (f["node"], f["detail"]) for f in faults if f["node"] in fixes and f["severity"] == "error"))
        peer_reset = sorted(set(fixes) | set(odd) | set(h for c in inbound_causes for h in c["hosts"]))
    else:
        verdict = "healthy"
        why.append("one island, every node at or above the peer minimum")

    if len(islands) > 1:
        if canonical and live:
            why.append("canonical chain: %s (%s) at the chain's tip, height %s and advancing, %s of the voting power in the fleet: "
                       "the chain is live%s" % (canonical["id"], ", ".join(canonical["members"]), canonical["max_height"],
                                                _share(canonical, total_power), "" if commits(canonical["voting_power"], total_power)
                                                else " (validators outside this island sign it)"))
        elif canonical:
            why.append("canonical chain: %s (%s), %s of the voting power%s" % (
                canonical["id"], ", ".join(canonical["members"]), _share(canonical, total_power),
                "" if quorum else ", not more than 2/3: the chain is halted until the islands rejoin"))
        else:
            why.append("no island holds more voting power than every other (%s): no canonical chain by power; "
                       "the chain is halted until the islands rejoin" % ", ".join("%s %s" % (i["id"], _share(i, total_power)) for i in islands))
    if resync_stranded and canonical:
        resync = sorted(set(resync) | set(m for island in stranded for m in island["members"]))
    if resync_hosts:
        resync = sorted(set(resync) | set(resync_hosts))
    if resync and not canonical:
        why.append("resync refused: without a canonical island there is nothing to sync from")
        resync = []

    proposed = []
    if peer_reset:
        proposed.append(plan("peer_reset", peer_reset, {"persistent_peers": dict((h, fixes[h]) for h in peer_reset if h in fixes)},
                             ["stop %s, remove config/addrbook.json (copy kept)%s, start it, wait for peers" % (
                                 h, ", set persistent_peers = \"%s\"" % fixes[h] if h in fixes else "") for h in peer_reset]))
    if resync:
        proposed.append(plan("minority_resync", resync, {"source": canonical["id"], "source_members": canonical["members"]},
                             ["stop %s, back up priv_validator_key.json and priv_validator_state.json, unsafe-reset-all, put the signing "
                              "state back (never lower), start %s to sync from %s" % (h, h, canonical["id"]) for h in resync]))
    applied = apply(proposed, causes)
    planned = dict((p["action"], p) for p in applied["plans"])
    peer_reset = planned["peer_reset"]["hosts"] if "peer_reset" in planned else []
    resync = planned["minority_resync"]["hosts"] if "minority_resync" in planned else []
    if peer_reset:
        why.append("peer reset planned (stop, remove addrbook.json%s, start, one at a time): %s"
                   % (", correct persistent_peers" if any(h in fixes for h in peer_reset) else "", ", ".join(peer_reset)))
    if resync:
        why.append("resync planned (stop, back up keys and signing state, unsafe-reset-all keeping the signing state, "
                   "start, sync from %s): %s" % (canonical["id"], ", ".join(resync)))
    return {
        "verdict": verdict,
        "why": why,
        "islands": islands,
        "canonical": canonical["id"] if canonical else None,
        "canonical_members": canonical["members"] if canonical else [],
        "canonical_has_quorum": quorum,
        "chain_live": bool(live),
        "chain_id": fleet_chain_id,
        "other_network": odd,
        "below_min": below_min,
        "blocked": blocked,
        "cross_island_blocked": cross_blocked,
        "config_faults": faults,
        "persistent_peer_fixes": fixes,
        "unconditional_peer_fixes": unconditional,
        "causes": causes,
        "plans": applied["plans"],
        "vetoed": applied["vetoed"],
        "veto_lines": [veto_text(veto) for veto in applied["vetoed"]],
        "planned": planned,
        "peer_reset_hosts": peer_reset,
        "resync_hosts": resync,
        # What each gate binds (node_resync acts with the approved values only).
        "peer_reset_parameters": resync_parameters("peers", persistent_peers=dict((h, fixes[h]) for h in peer_reset if h in fixes)),
        "resync_parameters": resync_parameters("blocksync"),
    }


def p2p_node(node):
    """One node of the fleet view as ``decide`` reads it: the host's record with the chain and peer readings."""
    rpc, peers = node.get("rpc") or {}, node.get("peers") or {}
    return dict(node.get("host") or {}, chain_id=rpc.get("chain_id"), height=rpc.get("height"), advancing=rpc.get("advancing"),
                halted=rpc.get("halted"), voting_power=rpc.get("voting_power") if rpc.get("voting_power") is not None
                else (node.get("host") or {}).get("voting_power"), inbound=peers.get("inbound"))


def play002(view, resync_stranded=False, resync_hosts=()):
    """PLAY-002's decision over the fleet view (``_fleet.fleet_view`` of readings taken with ``compare_islands`` and the
    hosts' records after ``p2p_check``): ``decide``'s result plus ``nodes`` (one table row per host: island, rpc,
    height, hash, peers, power, faults, unreachable) and ``total_power``."""
    hosts = dict((name, p2p_node(node)) for name, node in view["nodes"].items() if node["host"])
    total_power = view["fleet"]["total_power"]
    decision = decide(view["fleet"]["peers"], hosts, total_power, resync_stranded, resync_hosts or [])
    island_of = dict((m, i["id"]) for i in decision["islands"] for m in i["members"])
    rows = []
    for host in sorted(hosts):
        reading = view["nodes"][host]["peers"]
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
    decision["total_power"] = total_power
    return decision


def _share(island, total_power):
    return "%d/%d" % (island["voting_power"], total_power) if total_power else "%d" % island["voting_power"]
