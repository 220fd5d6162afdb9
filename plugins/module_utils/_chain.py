# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure chain-status logic: one node's ``/status`` digested, and the fleet's verdict."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import parse_time
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import read_status

# At height 0 a node reports this block time; it is no block at all.
EPOCH_ZERO = "1970-01-01T00:00:00Z"


def digest_status(status, now):
    """The fields of ``/status`` an operator needs, with integers decoded (ShapeError for another shape)."""
    read = read_status(status)
    block_time = read["latest_block_time"]
    has_block = block_time and not block_time.startswith(EPOCH_ZERO[:10])
    return {
        "chain_id": read["network"],
        "node_id": read["node_id"],
        "moniker": read["moniker"],
        "version": read["version"],
        "height": read["height"],
        "latest_block_hash": read["latest_block_hash"],
        "latest_app_hash": read["latest_app_hash"],
        "latest_block_time": block_time,
        "block_age_seconds": round(now - parse_time(block_time), 3) if has_block else None,
        "earliest_block_height": read["earliest_block_height"],
        "catching_up": read["catching_up"],
        "validator_address": read["validator_address"],
        "voting_power": read["voting_power"],
    }


def watch_window(nodes, halt_window, stale_confirm):
    """Seconds to watch for new blocks, and the method that names the verdict: ``(seconds, "height" | "stale")``.

    ``nodes`` are the first sample's records (``reachable``, ``block_age_seconds``). When every reachable node's
    newest block is already older than ``halt_window``, the chain has sat at its height at least that long: a short
    confirmation of ``stale_confirm`` seconds (a chain that just resumed shows its new block within it) replaces a
    further full window. A node at height 0 (no block age) or any fresh block keeps the full window, judged by height.
    """
    reachable = [n for n in nodes if n.get("reachable")]
    ages = [n.get("block_age_seconds") for n in reachable]
    if halt_window > 0 and ages and all(age is not None and age > halt_window for age in ages):
        return min(float(stale_confirm), float(halt_window)), "stale"
    return float(halt_window), "height"


def fleet_verdict(nodes, halt_window, max_block_age, max_blocks_behind):
    """Set ``behind``/``halted`` on each reachable node and return the fleet summary.

    With a sampling window the verdict is by height (a block's time can be stale
    right after a long halt); without one, by block age.
    """
    reachable = [n for n in nodes if n["reachable"]]
    max_height = max([n["height"] for n in reachable]) if reachable else None
    for node in reachable:
        node["behind"] = max_height - node["height"]
        if halt_window > 0:
            node["halted"] = not node["advancing"]
        else:
            age = node["block_age_seconds"]
            node["halted"] = age is None or age > max_block_age
    chain_ids = sorted(set(n["chain_id"] for n in reachable))
    return {
        "reachable_count": len(reachable),
        "unreachable": [n["name"] for n in nodes if not n["reachable"]],
        "chain_ids": chain_ids,
        "chain_id": chain_ids[0] if len(chain_ids) == 1 else None,
        "max_height": max_height,
        "min_height": min([n["height"] for n in reachable]) if reachable else None,
        # Unknown (None) when no endpoint answered: not a healthy chain.
        "halted": all(n["halted"] for n in reachable) if reachable else None,
        "advancing": [n["name"] for n in reachable if not n["halted"]],
        "stalled": [n["name"] for n in reachable if n["halted"]],
        "behind": [n["name"] for n in reachable if n["behind"] > max_blocks_behind],
        "catching_up": [n["name"] for n in reachable if n["catching_up"]],
        "method": "height" if halt_window > 0 else "block_age",
    }


def chain_recovered(reading, start_height, blocks=1, same_height=False):
    """Whether a chain_status result ``{nodes, summary}`` shows ``blocks`` new blocks above ``start_height``.

    Judged by height, never by block time (the first block after a long halt carries a pre-halt timestamp).
    With ``same_height``, also every endpoint answering at one height with one block hash. ``start_height``
    None counts as 0.
    """
    summary = reading.get("summary") or {}
    if (summary.get("max_height") or 0) < (start_height or 0) + int(blocks):
        return False
    if not same_height:
        return True
    nodes = reading.get("nodes") or []
    return (not summary.get("unreachable") and len(set(n.get("height") for n in nodes)) == 1
            and len(set(n.get("latest_block_hash") for n in nodes)) == 1)


def all_reachable(reading):
    """Whether every endpoint of a chain_status result ``{nodes, summary}`` answered its RPC."""
    nodes = reading.get("nodes") or []
    return bool(nodes) and all(n.get("reachable") for n in nodes)
