# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three fleet readings over CometBFT RPC: chain (heights, halted), consensus (votes, quorum), peers (islands).

Each reading is what one small module reports (chain_status, consensus_state, peer_count); fleet_probe takes all
three in one module run. Every function takes the AnsibleModule for the RPC options of the
``virtengine.incident_response.rpc`` doc fragment (``timeout``, ``retries``, ``max_workers``), fails the module on
a bad argument of its own (naming the value) and reports an endpoint that cannot be read as that endpoint's
``error``, never as a failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import digest_status, fleet_verdict, watch_window
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import parse_time
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import (
    choose_source,
    merge_entries,
    parse_height_round_step,
    quorum,
    round_entry,
    step_name,
    votes_by_validator,
    votes_from_commit,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import query_endpoints
from ansible_collections.virtengine.incident_response.plugins.module_utils._peer_graph import (
    build_graph,
    comparisons,
    describe_islands,
    islands,
    record_comparison,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import (
    read_commit,
    read_net_info,
    read_round_state,
    read_status,
)

# The options of each reading, shared by its own module and fleet_probe.
CHAIN_SPEC = dict(
    halt_window=dict(type="float", default=30.0),
    poll_interval=dict(type="float", default=1.0),
    max_block_age=dict(type="float", default=30.0),
    max_blocks_behind=dict(type="int", default=10),
    stale_confirm=dict(type="float", default=3.0),
)
CONSENSUS_SPEC = dict(settle_time=dict(type="float", default=10.0), validator_names=dict(type="dict", default={}))
PEERS_SPEC = dict(min_peers=dict(type="int", default=2), compare_islands=dict(type="bool", default=False))


def check_reading_options(module):
    """Fail the module, naming the value, on a reading option of CHAIN_SPEC or PEERS_SPEC it has that makes no sense.

    Run before any reading: fleet_probe's peer reading comes after the chain reading's window.
    """
    params = module.params
    if "halt_window" in params and (params["halt_window"] < 0 or params["poll_interval"] <= 0 or params["stale_confirm"] <= 0):
        module.fail_json(msg="halt_window=%s must be >= 0, poll_interval=%s and stale_confirm=%s > 0" % (
            params["halt_window"], params["poll_interval"], params["stale_confirm"]))
    if "min_peers" in params and params["min_peers"] < 0:
        module.fail_json(msg="min_peers=%s must be 0 or more" % params["min_peers"])


NODE_FIELDS = ("chain_id", "node_id", "moniker", "version", "height", "latest_block_hash", "latest_app_hash", "latest_block_time",
               "block_age_seconds", "earliest_block_height", "catching_up", "validator_address", "voting_power")


# chain_status ---------------------------------------------------------------------------------------------------------

def _status(client, endpoint):
    return digest_status(client.status(), time.time())


def read_chain(module, endpoints, halt_window=30.0, poll_interval=1.0, max_block_age=30.0, max_blocks_behind=10, stale_confirm=3.0,
               hash_at_height=None, min_blocks=1):
    """Heights sampled until every node advanced ``min_blocks`` blocks or the window ended -> ``(nodes, summary)``
    (chain_status's RETURN).

    ``halt_window``, ``poll_interval``, ``stale_confirm``: seconds; see chain_status for the rule (checked by
    :func:`check_reading_options`).
    """
    started = time.monotonic()
    first = query_endpoints(module, endpoints, _status)
    nodes = []
    for endpoint in endpoints:
        result, error = first[endpoint["name"]]
        node = dict((field, None) for field in NODE_FIELDS)
        node.update(name=endpoint["name"], url=endpoint["url"], reachable=result is not None, error=error,
                    start_height=None, advanced_by=None, advancing=None, behind=None, halted=None, hash_at_height=None, hash_error=None)
        if result:
            node.update(result, start_height=result["height"], advanced_by=0)
        nodes.append(node)

    window, method = watch_window(nodes, halt_window, stale_confirm)
    if window > 0:
        _watch_heights(module, endpoints, nodes, started + window, poll_interval, min_blocks)
    if hash_at_height is not None:
        _read_hashes_at(module, endpoints, nodes, hash_at_height)
    summary = fleet_verdict(nodes, halt_window, max_block_age, max_blocks_behind)
    if window > 0:
        summary["method"] = method
    summary["window_seconds"] = round(time.monotonic() - started, 3)
    return nodes, summary


def unread(nodes):
    """``{name: error}`` of the nodes a reading could not read: the later readings' ``skip`` (one timeout per run)."""
    return dict((node["name"], node["error"]) for node in nodes if not node["reachable"])


def _watch_heights(module, endpoints, nodes, deadline, interval, min_blocks=1):
    """Re-read heights until every reachable node advanced ``min_blocks`` blocks or the deadline passed."""
    by_name = dict((n["name"], n) for n in nodes)
    waiting = [e for e in endpoints if by_name[e["name"]]["reachable"]]
    while waiting and time.monotonic() < deadline:
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        for name, (result, error) in query_endpoints(module, waiting, _status).items():
            # A node that stops answering mid-window keeps its last reading: it answered once.
            if result and result["height"] > by_name[name]["height"]:
                by_name[name].update(result)
                by_name[name]["advanced_by"] = result["height"] - by_name[name]["start_height"]
        waiting = [e for e in waiting if by_name[e["name"]]["advanced_by"] < min_blocks]
    for node in nodes:
        if node["reachable"]:
            node["advancing"] = node["advanced_by"] > 0


def _read_hashes_at(module, endpoints, nodes, height):
    """Each node's block hash at one height (the only fair comparison between nodes at different heights)."""
    by_name = dict((n["name"], n) for n in nodes)
    having = [e for e in endpoints if (by_name[e["name"]]["height"] or 0) >= height]
    for name, (result, error) in query_endpoints(module, having, lambda client, e: client.block_hash(height)).items():
        if result:
            by_name[name]["hash_at_height"] = result
        else:  # kept: "height H is not available, lowest height is M" is a pruned store, not a disagreement
            by_name[name]["hash_error"] = error


# consensus_state ------------------------------------------------------------------------------------------------------

def _view_reader(settle_time):
    def read(client, endpoint):
        status = read_status(client.status())
        round_state = read_round_state(client.consensus_state())
        height, round_, step = parse_height_round_step(round_state["height_round_step"])
        seconds_in_height = time.time() - parse_time(round_state["start_time"])
        source = choose_source(step, round_, seconds_in_height, settle_time)
        validators = client.validators(height)
        source_height, source_round = height, None
        if source == "last_commit" and height - 2 >= 1:
            source_height = height - 2
            commit = read_commit(client.commit(source_height))
            entries = votes_from_commit(client.validators(source_height), commit["signatures"])
        else:
            if source == "last_commit":  # heights 1-2 have no canonical commit yet: judge the round as it is
                source = "round"
            source_round = round_ - 1 if source == "previous_round" else round_
            votes = round_entry(round_state["height_vote_set"], source_round) or {}
            empty = ["nil-Vote"] * len(validators)
            entries = votes_by_validator(validators, votes.get("prevotes") or empty, votes.get("precommits") or empty)
        proposer = round_state["proposer"]
        return {
            "status": status,
            "height": height,
            "round": round_,
            "step": step,
            "seconds_in_height": round(seconds_in_height, 3),
            "source": source,
            "source_height": source_height,
            "source_round": source_round,
            "proposer": {"address": proposer.get("address"), "index": proposer.get("index")},
            "entries": entries,
        }

    return read


def _vote_key(view):
    return (view["height"], view["source"], view["source_height"], view["source_round"])


def read_consensus(module, endpoints, settle_time=10.0, validator_names=None, merge=True, skip=None):
    """Who voted in the round that tells who is absent -> consensus_state's RETURN as a dict (without ``changed``).

    ``settle_time``: seconds (see consensus_state); ``validator_names``: ``{ADDRESS: name}``; ``skip``: ``{name: error}``
    of endpoints not to ask again (default: the module's ``skip`` option).
    """
    outcome = query_endpoints(module, endpoints, _view_reader(settle_time), skip=skip)
    names = dict((str(k).upper(), str(v)) for k, v in (validator_names or {}).items())
    # address -> (host, moniker): from the inventory first, then from what each node says of itself.
    hosts = dict((e["validator_address"], (e["name"], None)) for e in endpoints if e["validator_address"])
    views = []
    for endpoint in endpoints:
        result, error = outcome[endpoint["name"]]
        view = {"name": endpoint["name"], "url": endpoint["url"], "reachable": result is not None, "error": error,
                "height": None, "round": None, "step": None, "source": None, "merged": False}
        if result:
            if result["status"]["validator_address"]:
                hosts[result["status"]["validator_address"].upper()] = (endpoint["name"], result["status"]["moniker"])
            view.update((k, result[k]) for k in ("height", "round", "step", "source"))
        views.append(view)

    readable = [(view, outcome[view["name"]][0]) for view in views if view["reachable"]]
    if not readable:
        return dict(reachable_count=0, height=None, round=None, step=None, step_name=None, seconds_in_height=None, source=None,
                    source_height=None, source_round=None, proposer=None, validators=[], absent=[], total_power=None,
                    present_power=None, absent_power=None, absent_fraction=None, absent_count=None, quorum_reachable=None,
                    merged_from=[], views=views)

    if merge:
        # The reference is the most advanced view; views of the same height, round and source merge with it.
        reference = max((r for _v, r in readable), key=lambda r: (r["height"], r["round"], r["step"]))
        group = [(v, r) for v, r in readable if _vote_key(r) == _vote_key(reference)]
    else:
        group = readable[:1]
        reference = group[0][1]
    try:
        entries = merge_entries([r["entries"] for _v, r in group])
    except ValueError as exc:  # endpoints of different chains: keep the reference alone
        module.warn("views not merged: %s" % exc)
        group = [(v, r) for v, r in group if r is reference]
        entries = reference["entries"]
    for view, _r in group:
        view["merged"] = True

    for entry in entries:
        host, moniker = hosts.get(entry["address"], (None, None))
        entry.update(host=host, moniker=moniker, name=host or names.get(entry["address"]) or moniker or entry["address"])
    proposer = dict(reference["proposer"])
    host, moniker = hosts.get((proposer.get("address") or "").upper(), (None, None))
    proposer.update(host=host, moniker=moniker, name=host or names.get((proposer.get("address") or "").upper()) or proposer.get("address"))

    result = dict(
        reachable_count=len(readable),
        height=reference["height"],
        round=reference["round"],
        step=reference["step"],
        step_name=step_name(reference["step"]),
        seconds_in_height=reference["seconds_in_height"],
        source=reference["source"],
        source_height=reference["source_height"],
        source_round=reference["source_round"],
        proposer=proposer,
        validators=entries,
        absent=[e for e in entries if not e["present"]],
        merged_from=[v["name"] for v, _r in group],
        views=views,
    )
    result.update(quorum(entries))
    return result


# peer_count -----------------------------------------------------------------------------------------------------------

def _peers(client, endpoint):
    status = read_status(client.status())
    net_info = read_net_info(client.net_info())
    return {"node_id": status["node_id"], "moniker": status["moniker"], "n_peers": net_info["n_peers"], "peers": net_info["peers"],
            "net_info_shape": net_info["shape"], "height": status["height"], "latest_block_hash": status["latest_block_hash"],
            "voting_power": status["voting_power"]}


def read_peers(module, endpoints, min_peers=2, compare_islands=False, skip=None):
    """Peers of every node and the islands they form -> ``(nodes, summary)`` (peer_count's RETURN).

    ``min_peers`` is checked by :func:`check_reading_options`; ``skip`` as for :func:`read_consensus`.
    """
    outcome = query_endpoints(module, endpoints, _peers, skip=skip)
    nodes, views = [], []
    for endpoint in endpoints:
        result, error = outcome[endpoint["name"]]
        node = {"name": endpoint["name"], "url": endpoint["url"], "reachable": result is not None, "error": error,
                "node_id": endpoint["node_id"], "moniker": None, "n_peers": None, "inbound": None, "outbound": None,
                "below_min": None, "peers": [], "net_info_shape": None, "height": None, "latest_block_hash": None, "voting_power": None}
        if result:
            node.update(result)
            if all(p["is_outbound"] is not None for p in result["peers"]):  # unknown in the v0.35 shape
                node["outbound"] = sum(1 for p in result["peers"] if p["is_outbound"])
                node["inbound"] = len(result["peers"]) - node["outbound"]
            node["below_min"] = node["n_peers"] < min_peers
            views.append({"name": node["name"], "node_id": node["node_id"], "peer_ids": [p["id"] for p in result["peers"]]})
        elif endpoint["node_id"]:
            views.append({"name": node["name"], "node_id": endpoint["node_id"]})
        nodes.append(node)

    graph, fleet = build_graph(views)
    name_by_id = dict((v["node_id"], v["name"]) for v in views if v.get("node_id"))
    for node in nodes:
        for peer in node["peers"]:
            peer["name"] = name_by_id.get(peer["id"])
    found = describe_islands(islands(graph, fleet), dict((n["name"], n) for n in nodes if n["reachable"]))
    if compare_islands:
        _compare_islands(module, endpoints, found)
    summary = {
        "island_count": len(found),
        "islands": found,
        "graph": dict((name, sorted(linked)) for name, linked in graph.items()),
        "below_min": [n["name"] for n in nodes if n["below_min"]],
        "unreachable": [n["name"] for n in nodes if not n["reachable"]],
        "reachable_count": sum(1 for n in nodes if n["reachable"]),
    }
    return nodes, summary


def _compare_islands(module, endpoints, found):
    """Read, from a member of each other island, the block hash at this island's top height."""
    by_name = dict((e["name"], e) for e in endpoints)
    pairs = comparisons(found)
    queries = [dict(by_name[other["top_member"]], name="%s@%s" % (other["id"], island["id"]), height=island["max_height"])
               for island, other in pairs]
    answers = query_endpoints(module, queries, lambda client, query: client.block_hash(query["height"]))
    for (island, other), query in zip(pairs, queries):
        record_comparison(island, other, answers[query["name"]][0])
