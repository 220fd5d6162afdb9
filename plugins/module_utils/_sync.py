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

REFERENCE = "reference"


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
