# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure PLAY-021 logic: how far behind each node is, and how fast it catches up.

``catching_up`` from /status is true only while block sync or state sync runs:
a node that lags while in consensus reports false, so "behind" is always
measured against a reference height, never read from that flag.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

REFERENCE = "reference"
# CometBFT rpc/core/env.go getHeight (v0.34-v0.38), the answer of a node that no longer stores a height (pruned, or
# itself state-synced above it): JSON-RPC -32603 "Internal error" with this data.
_NOT_AVAILABLE = re.compile(r"height (\d+) is not (?:available|stored)[,;] lowest height is (\d+)", re.IGNORECASE)


def reference_height(nodes):
    """The reference: the endpoint named ``reference`` when it answered, else the highest height seen."""
    answered = [n for n in nodes if n.get("reachable") and n.get("height") is not None]
    named = [n for n in answered if n["name"] == REFERENCE]
    if named:
        return named[0]["height"], REFERENCE
    if not answered:
        return None, None
    top = max(answered, key=lambda n: n["height"])
    return top["height"], top["name"]


def lag_rows(nodes, targets, storage=None, peers=None, threshold=100):
    """One row per target host: height, blocks behind, catching_up, peers, disk; and the verdict per row.

    ``state``: ``in_sync`` (behind <= 0 or within 2 blocks), ``behind`` (< threshold: watch), ``far_behind``
    (>= threshold: a gated remedy), ``down`` (no RPC answer; ``error`` says why: the RPC's own error, or "not
    probed" for a host chain_status did not read). ``in_sync_min_data_bytes``: the smallest data directory
    of a node in sync, the space a state sync needs at least (None when no node in sync was measured).
    """
    reference, source = reference_height(nodes)
    by_name = dict((n["name"], n) for n in nodes)
    storage, peers = storage or {}, peers or {}
    rows = []
    for host in targets:
        node = by_name.get(host, {})
        height = node.get("height") if node.get("reachable") else None
        behind = None if height is None or reference is None else max(0, reference - height)
        if height is None:
            state = "down"
        elif behind <= 2:
            state = "in_sync"
        elif behind < threshold:
            state = "behind"
        else:
            state = "far_behind"
        disk = storage.get(host) or {}
        rows.append({
            "host": host, "state": state, "height": height, "reference": reference, "behind": behind,
            "catching_up": node.get("catching_up"), "peers": peers.get(host),
            "free_gb": round(disk["free_bytes"] / 1e9, 1) if disk.get("free_bytes") is not None else None,
            "data_mb": round(disk["data_bytes"] / 1e6, 1) if disk.get("data_bytes") is not None else None,
            # why a node is down: its RPC's own error (refused, no answer within the timeout, not CometBFT)
            "error": (node.get("error") or ("not probed" if not node else None)) if height is None else None,
        })
    in_sync_sizes = [(storage.get(r["host"]) or {}).get("data_bytes") for r in rows if r["state"] == "in_sync"]
    measured = [size for size in in_sync_sizes if size is not None]
    return {"reference_height": reference, "reference_source": source, "rows": rows,
            "in_sync_min_data_bytes": min(measured) if measured else None,
            "far_behind": [r["host"] for r in rows if r["state"] == "far_behind"],
            "behind": [r["host"] for r in rows if r["state"] == "behind"],
            "down": [r["host"] for r in rows if r["state"] == "down"]}


def progress(samples, targets, within=5):
    """Catch-up rate and ETA per target from timed samples ``[{"at": epoch seconds, "nodes": chain_status nodes}]``.

    The rate is the shrinking of the gap to the reference (blocks per second), so a node that only keeps pace with
    a moving chain has rate 0 and no ETA. ``done``: every target within ``within`` blocks and its height advancing
    (or at the reference) in the last sample.
    """
    if not samples:
        return {"done": False, "rows": [], "elapsed_seconds": 0}
    first, last = samples[0], samples[-1]
    elapsed = max(0.0, float(last["at"]) - float(first["at"]))
    before = lag_rows(first["nodes"], targets, threshold=1 << 62)
    now = lag_rows(last["nodes"], targets, threshold=1 << 62)
    previous = lag_rows(samples[-2]["nodes"], targets, threshold=1 << 62) if len(samples) > 1 else before
    rows = []
    for start, prior, current in zip(before["rows"], previous["rows"], now["rows"]):
        rate = eta = None
        if elapsed > 0 and start["behind"] is not None and current["behind"] is not None:
            rate = round((start["behind"] - current["behind"]) / elapsed, 2)
            eta = round(current["behind"] / rate) if rate > 0 else None
        advancing = current["height"] is not None and prior["height"] is not None and current["height"] > prior["height"]
        caught_up = current["behind"] is not None and current["behind"] <= within and (advancing or current["behind"] == 0)
        rows.append({"host": current["host"], "height": current["height"], "reference": current["reference"],
                     "behind": current["behind"], "rate": rate, "eta_seconds": eta,
                     "catching_up": current["catching_up"], "caught_up": caught_up})
    return {"done": bool(rows) and all(r["caught_up"] for r in rows), "rows": rows, "elapsed_seconds": round(elapsed, 1)}


class TrustError(ValueError):
    """Unusable input to the trust computation (a caller's bug): the message names the value."""


def _servers(nodes):
    if not isinstance(nodes, list) or not all(isinstance(n, dict) and n.get("name") for n in nodes):
        raise TrustError("nodes must be chain_status's nodes (a list of dicts with a name), got %r" % (nodes,))
    return nodes


def trust_height(nodes, offset):
    """The state sync trust height every RPC server still stores, from chain_status's ``nodes`` of those servers.

    The wanted height is ``offset`` blocks below the highest height seen (a light client verifies forward from it). It
    must be one that *every* server stores: at or above each server's ``earliest_block_height`` (a node that prunes its
    block store, or was itself state-synced, has nothing below it) and at or below each server's height. When the wanted
    height is below that range, the height is the middle of the range: the pruning servers drop one block per new
    block, so the middle stays stored the longest while the light client still has blocks to verify forward.

    Returns ``{height, wanted, lowest, highest, moved, why, error, servers: [{name, earliest, height}]}``; ``error``
    (with ``height`` None) names the servers that did not answer, or says the servers store no common height.
    """
    nodes = _servers(nodes)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise TrustError("trust offset %r: expected a whole number of blocks >= 0 (play021_trust_offset)" % (offset,))
    result = {"height": None, "wanted": None, "lowest": None, "highest": None, "moved": False, "why": None, "error": None, "servers": []}
    down = ["%s (%s)" % (n["name"], n.get("error") or "no answer") for n in nodes if not n.get("reachable") or n.get("height") is None]
    if not nodes or down:
        result["error"] = ("state sync needs every RPC server to answer; %s: no trust height is taken. Nothing was changed."
                           % ("no node in sync was given" if not nodes else "no /status answer from " + ", ".join(down)))
        return result
    servers = [{"name": n["name"], "earliest": max(1, int(n.get("earliest_block_height") or 1)), "height": int(n["height"])} for n in nodes]
    lowest = max(s["earliest"] for s in servers)
    highest = min(s["height"] for s in servers)
    wanted = max(1, max(s["height"] for s in servers) - offset)
    result.update(wanted=wanted, lowest=lowest, highest=highest, servers=servers)
    stores = ", ".join("%s %s-%s" % (s["name"], s["earliest"], s["height"]) for s in servers)
    if lowest > highest:
        result["error"] = ("the RPC servers store no common height (%s): no trust height every server can serve. Use servers "
                           "that keep more blocks (min-retain-blocks, pruning) or restore a snapshot. Nothing was changed." % stores)
        return result
    height = min(max(wanted, lowest), highest)
    if height != wanted:
        height = lowest + (highest - lowest) // 2 if wanted < lowest else highest
        result["moved"] = True
        result["why"] = ("trust height %s (%s blocks below the tip) is not stored by every RPC server (%s): took %s, the middle of "
                         "what they all store" % (wanted, offset, stores, height) if wanted < lowest else
                         "trust height %s is above a server's height (%s): took %s" % (wanted, stores, height))
    result["height"] = height
    return result


def trust_point(nodes, height):
    """The trust hash at ``height`` from chain_status's ``nodes`` read with ``hash_at_height``: ``{height, hash, error}``.

    ``error`` (``hash`` None) names the real cause: servers that no longer store the height (CometBFT's ``height H is
    not available, lowest height is M``: pruned), a server below the height, a server that did not answer, or servers
    that return different blocks at one height (a real disagreement: PLAY-002 first).
    """
    nodes = _servers(nodes)
    pruned, below, failed, hashes = [], [], [], {}
    for node in nodes:
        error = node.get("hash_error") or (None if node.get("reachable") else node.get("error") or "no answer")
        found = _NOT_AVAILABLE.search(error or "")
        if found:
            pruned.append("%s (lowest height is %s)" % (node["name"], found.group(2)))
        elif error:
            failed.append("%s (%s)" % (node["name"], error))
        elif node.get("hash_at_height"):
            hashes.setdefault(node["hash_at_height"], []).append(node["name"])
        else:
            below.append("%s (at %s)" % (node["name"], node.get("height")))
    error = None
    if pruned:
        error = ("the RPC servers no longer store the trust height %s: %s pruned it (their block store begins above it). "
                 "Take a trust height every server stores (at or above their earliest_block_height); nothing was changed." % (height, ", ".join(pruned)))
    elif failed or below:
        error = "no trust hash at height %s: %s. Nothing was changed." % (
            height, "; ".join((["no /commit answer from " + ", ".join(failed)] if failed else []) + (["below it: " + ", ".join(below)] if below else [])))
    elif len(hashes) > 1:
        error = ("the RPC servers return different blocks at height %s (%s): they are on different chains. Run PLAY-002 first; "
                 "nothing was changed." % (height, "; ".join("%s: %s" % (h[:12], ", ".join(n)) for h, n in sorted(hashes.items()))))
    elif not hashes:
        error = "no RPC server was given to read the trust hash at height %s from. Nothing was changed." % height
    return {"height": height, "hash": None if error else next(iter(hashes)), "error": error}
