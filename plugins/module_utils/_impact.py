# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An incident's impact window and response times from the system's own data, for the post-mortem.

A chain halt is measured with the chain's own clock. CometBFT's BFT time makes a block's header time the median
of the previous height's precommit timestamps, i.e. the moment the previous height was committed. With H the last
height before the halt:

- block H+1 (the first one after the recovery) carries the time H was committed: the impact starts there;
- block H+2 carries the time H+1 was committed, after the recovery: the impact ends there
  (one block later when the precommits of H+1 were cast on both sides of the halt: see halt_window).

Without that block the end is unknown (the chain has not committed a block since it came back, or is still halted).
Without any window the declaration is the fallback, and the result says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import Answer, as_int, parse_time


def stamp(epoch):
    """RFC3339 UTC with milliseconds (``2026-12-08T02:49:19.887Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + (".%03dZ" % int(round((epoch % 1) * 1000) % 1000))


def block_time(block, height):
    """Epoch seconds of the header time of ``block`` (a ``/block`` result), checked to be the block at ``height``."""
    answer = Answer("/block?height=%d" % height, block)
    found = as_int(answer.get("block.header.height"), "block.header.height")
    if found != height:
        answer.fail("block.header.height is %d, expected %d" % (found, height))
    return parse_time(answer.text("block.header.time"))


# Heights read past the recorded halt height at most: H+1, H+2 and, when the precommits of the pending height were
# split around the halt (see halt_window), one or two more.
SCAN_BLOCKS = 5


def halt_window(source, fetch, observed):
    """The impact window of a chain halt recorded as ``source`` ({kind: chain_halt, height: H}), seen halted at
    ``observed`` (epoch seconds: the declaration).

    ``fetch(height)`` returns the ``/block`` result at that height, or None when no node has it yet.
    The end is the first header time after ``observed`` (a commit after the recovery), the start the header time before
    it. That is H+2 and H+1, unless the precommits of the height after H were cast on both sides of the halt: a header
    time is their weighted median, so that height's block can carry a time from before the halt and the gap moves one
    block on (within one block time of the last commit before the halt either way).
    Returns None when not even H+1 exists (no commit time of H known), else {kind, halt_height, last_height,
    first_height, start, end, seconds, ongoing, measured_from, block_interval_s, blocks_missed}.
    """
    halt = as_int(source.get("height"), "impact_source.height")
    if halt < 1:
        raise ValueError("impact_source.height is %d: the halt height must be a committed height (1 or more)" % halt)
    times = {}
    for height in range(halt, halt + SCAN_BLOCKS + 1):
        block = fetch(height)
        if block is None:
            break
        times[height] = block_time(block, height)
        if times[height] > observed:
            break
    if halt + 1 not in times:
        return None
    newest = max(times)
    ongoing = times[newest] <= observed
    before = newest if ongoing else newest - 1
    start, end = times[before], (None if ongoing else times[newest])
    window = {"kind": "chain_halt", "halt_height": halt, "last_height": before - 1, "first_height": None if ongoing else before,
              "start": stamp(start), "start_epoch": start, "end": stamp(end) if end is not None else None, "end_epoch": end,
              "ongoing": ongoing, "seconds": round(end - start, 3) if end is not None else None,
              "block_interval_s": round(times[before] - times[before - 1], 3) if before - 1 in times else None}
    window["measured_from"] = (
        "from block %d's commit (header time of block %d) to block %d's commit (header time of block %d)" % (before - 1, before, before, newest)
        if not ongoing else
        "from block %d's commit (header time of block %d); block %d is not produced yet, so the end is unknown (ongoing)"
        % (before - 1, before, before + 1))
    interval = window["block_interval_s"]
    # Blocks the chain would have made at its pre-halt pace, less the one that ended the halt.
    window["blocks_missed"] = max(int(window["seconds"] // interval) - 1, 0) if end is not None and interval else None
    return window


def declaration_window(incident):
    """The fallback: from the declaration (``started_at``) to the resolution (or None while open), labelled."""
    start = parse_time(incident.get("started_at") or incident["declared_at"])
    end = parse_time(incident["resolved_at"]) if incident.get("resolved_at") else None
    return {"kind": "declaration", "halt_height": None, "last_height": None, "first_height": None, "start": stamp(start), "start_epoch": start,
            "end": stamp(end) if end is not None else None, "end_epoch": end, "ongoing": end is None,
            "seconds": round(end - start, 3) if end is not None else None, "block_interval_s": None, "blocks_missed": None,
            "measured_from": "from the declaration to the resolution (fallback: no measurement from the system's own data)"}


def first_approval(incident, timeline):
    """The first confirmed gate decision: the incident's recorded approvals, else the scribe's gate entries."""
    recorded = [a for a in incident.get("approvals") or [] if a.get("decision") == "confirmed" and not a.get("check_mode")]
    scribed = [e for e in timeline or [] if e.get("kind") == "gate" and e.get("decision") == "confirmed"]
    confirmed = sorted(recorded or scribed, key=lambda e: parse_time(e["at"]))
    return confirmed[0] if confirmed else None


def response_times(incident, timeline, window):
    """Seconds to detect, approve, mitigate and resolve, and the power affected (None where not known)."""
    declared = parse_time(incident.get("declared_at") or incident["started_at"])
    resolved = parse_time(incident["resolved_at"]) if incident.get("resolved_at") else None
    approval = first_approval(incident, timeline)
    approved = parse_time(approval["at"]) if approval else None
    measured = window is not None and window["kind"] != "declaration"
    start = window["start_epoch"] if measured else None
    end = window["end_epoch"] if measured else None

    def span(a, b):
        return round(b - a, 3) if a is not None and b is not None else None

    decision = incident.get("decision") or {}
    return {
        "impact_start": window["start"] if measured else None,
        "declared_at": stamp(declared),
        "approved_at": stamp(approved) if approved is not None else None,
        "approved_action": approval.get("action") if approval else None,
        "approved_by": approval.get("by") if approval else None,
        "impact_end": window["end"] if measured else None,
        "resolved_at": stamp(resolved) if resolved is not None else None,
        "time_to_detect_s": span(start, declared),
        "time_to_approve_s": span(declared, approved),
        "time_to_mitigate_s": span(approved, end),
        "time_to_resolve_s": span(start if start is not None else declared, resolved),
        "blocks_missed": window.get("blocks_missed") if measured else None,
        "voting_power_affected": decision.get("absent_power"),
        "voting_power_affected_fraction": decision.get("absent_fraction"),
        "validators_affected": sorted(decision.get("absent") or []),
    }


def drafted(incident, window, times):
    """Root Cause and Detection drafted from the decision and its evidence (for the team to confirm)."""
    decision = incident.get("decision") or {}
    if not decision:
        return {"root_cause": None, "detection": None}
    lines = ["%s (scenario %s)." % (decision.get("verdict") or "-", decision.get("scenario") or "-")]
    lines += ["- %s" % why for why in decision.get("why") or []]
    for cause in decision.get("causes") or []:
        lines.append("- cause `%s` on %s" % (cause.get("cause"), ", ".join(cause.get("hosts") or [])))
    for row in decision.get("evidence") or []:
        lines.append("- evidence: %s `%s` x%s: `%s`" % (row.get("host"), row.get("signature"), row.get("count"), row.get("line")))
    for veto in decision.get("vetoed") or []:
        lines.append("- ruled out: %s on %s (%s)" % (veto.get("action"), ", ".join(veto.get("hosts") or []), veto.get("because")))
    if decision.get("remedy"):
        lines.append("- remedy chosen: %s" % decision["remedy"])
    source = incident.get("impact_source") or {}
    detection = "%s detected it at %s (%s)." % (source.get("detected_by") or "The runbook playbook", times["declared_at"],
                                                source.get("detected_as") or incident.get("impact") or "-")
    if times["time_to_detect_s"] is not None:
        detection += " Detection delay: %ss after the impact started (%s, %s)." % (
            times["time_to_detect_s"], window["start"], window["measured_from"].split(" to ")[0])
    return {"root_cause": "\n".join(lines), "detection": detection}


def measure(incident, timeline, fetch):
    """Everything the post-mortem needs: {window, response_times, drafted}. ``fetch`` as for halt_window."""
    source = incident.get("impact_source") or {}
    observed = parse_time(incident.get("declared_at") or incident["started_at"])
    window = halt_window(source, fetch, observed) if source.get("kind") == "chain_halt" else None
    if window is None:
        window = declaration_window(incident)
        if source.get("kind") == "chain_halt":
            window["measured_from"] = ("from the declaration (fallback: no node had block %s, the first after the halt at %s)"
                                       % (as_int(source["height"], "impact_source.height") + 1, source["height"]))
    times = response_times(incident, timeline, window)
    return {"window": window, "response_times": times, "drafted": drafted(incident, window, times)}
