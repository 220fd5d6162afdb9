# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure consensus logic: vote strings, bit arrays, who voted, quorum math.

No I/O here. The rules follow CometBFT v0.38 (see docs/architecture.md):
entry *i* of a round's prevotes/precommits is validator index *i* of the
validator set at that height; ``nil-Vote`` means no vote was received; a
received vote for block hash ``000000000000`` is a vote for nil.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import block_id_flag

STEP_NAMES = {
    1: "NewHeight",
    2: "NewRound",
    3: "Propose",
    4: "Prevote",
    5: "PrevoteWait",
    6: "Precommit",
    7: "PrecommitWait",
    8: "Commit",
}
STEP_PREVOTE = 4
NO_VOTE = "nil-Vote"
NIL_BLOCK_FINGERPRINT = "000000000000"
# Vote{<idx>:<addr 12 hex> <H>/<RR>/<type> <block hash 12 hex> <sig 12 hex> ... @ <time>}
_VOTE_RE = re.compile(r"^Vote\{(\d+):([0-9A-Fa-f]+) (\d+)/(\d+)/(\S+) ([0-9A-Fa-f]*) ")
_BIT_ARRAY_RE = re.compile(r"^BA\{(\d+):([x_\s]*)\}\s+(\d+)/(\d+)\s*=\s*([0-9.]+)")
# How good a vote is, for merging several nodes' views of one round.
_RANK = {"absent": 0, "nil": 1, "block": 2}
# block_id_flag in a commit: 1 absent, 2 commit (for the block), 3 nil.
_COMMIT_FLAGS = {1: "absent", 2: "block", 3: "nil"}


def parse_height_round_step(text):
    """``"57/0/4"`` -> ``(57, 0, 4)``."""
    try:
        height, round_, step = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError("height/round/step %r is not H/R/S" % (text,))
    return height, round_, step


def step_name(step):
    return STEP_NAMES.get(step, "Unknown(%s)" % step)


def parse_vote(text):
    """One entry of a prevote/precommit list -> ``None`` (no vote) or a dict."""
    if text is None or text == NO_VOTE:
        return None
    match = _VOTE_RE.match(str(text))
    if not match:
        raise ValueError("vote %r is neither nil-Vote nor Vote{...}" % (text,))
    index, address_prefix, height, round_, kind, block_hash = match.groups()
    return {
        "index": int(index),
        "address_prefix": address_prefix.upper(),
        "height": int(height),
        "round": int(round_),
        "type": kind,
        "block_hash": block_hash.upper(),
        "for_block": bool(block_hash) and block_hash.upper() != NIL_BLOCK_FINGERPRINT,
    }


def vote_kind(text):
    """``absent`` (nothing received), ``nil`` (voted for nil) or ``block``."""
    vote = parse_vote(text)
    if vote is None:
        return "absent"
    return "block" if vote["for_block"] else "nil"


def parse_bit_array(text):
    """``"BA{4:__xx} 20/40 = 0.50"`` -> bits and the *voting power* (not counts)."""
    match = _BIT_ARRAY_RE.match(str(text or "").strip())
    if not match:
        raise ValueError("bit array %r is not BA{n:bits} power/total = fraction" % (text,))
    size, bits, voted, total, fraction = match.groups()
    bits = re.sub(r"\s", "", bits)
    return {"size": int(size), "bits": bits, "voted_power": int(voted), "total_power": int(total), "fraction": float(fraction)}


def round_entry(height_vote_set, round_):
    """The vote-set entry whose ``round`` equals ``round_`` (not the last one: the node tracks R+1 too)."""
    for entry in height_vote_set or []:
        if int(entry.get("round", -1)) == round_:
            return entry
    return None


def votes_by_validator(validators, prevotes, precommits):
    """Per validator index: prevote and precommit kinds.

    ``validators`` are ``{"address", "voting_power"}`` dicts in validator-index
    order.  Each received vote names its index and address prefix: a mismatch
    means the votes belong to another validator set, and is an error.
    """
    if len(prevotes) != len(validators) or len(precommits) != len(validators):
        raise ValueError(
            "vote lists (%d prevotes, %d precommits) do not match the %d validators" % (len(prevotes), len(precommits), len(validators))
        )
    entries = []
    for index, validator in enumerate(validators):
        kinds = {}
        for label, text in (("prevote", prevotes[index]), ("precommit", precommits[index])):
            vote = parse_vote(text)
            if vote is not None and (vote["index"] != index or not validator["address"].upper().startswith(vote["address_prefix"])):
                raise ValueError("%s at index %d is from %d:%s, not from %s" % (label, index, vote["index"], vote["address_prefix"], validator["address"]))
            kinds[label] = "absent" if vote is None else ("block" if vote["for_block"] else "nil")
        entries.append(_entry(index, validator, kinds["prevote"], kinds["precommit"]))
    return mark_presence(entries)


def votes_from_commit(validators, signatures):
    """Per validator index, from a commit's signatures (validator-set order of that height)."""
    if len(signatures) != len(validators):
        raise ValueError("commit has %d signatures for %d validators" % (len(signatures), len(validators)))
    entries = []
    for index, (validator, signature) in enumerate(zip(validators, signatures)):
        kind = _COMMIT_FLAGS[block_id_flag(signature.get("block_id_flag", 1), "signatures[%d].block_id_flag" % index)]
        signer = (signature.get("validator_address") or "").upper()
        if kind != "absent" and signer and signer != validator["address"].upper():
            raise ValueError("commit signature %d is from %s, not from %s" % (index, signer, validator["address"]))
        entries.append(_entry(index, validator, "unknown", kind))
    return mark_presence(entries)


def _entry(index, validator, prevote, precommit):
    return {
        "index": index,
        "address": validator["address"].upper(),
        "voting_power": int(validator["voting_power"]),
        "prevote": prevote,
        "precommit": precommit,
    }


def mark_presence(entries):
    """Set ``present`` on each entry: the validator cast the furthest vote type the round reached.

    Once anyone's precommit is in, a live validator precommits too; one that
    only prevoted stopped (or was cut off) in the middle of the round.  Before
    any precommit, the prevote decides.  A commit holds precommits only.
    """
    furthest = "precommit" if any(e["precommit"] in ("nil", "block") for e in entries) else "prevote"
    for entry in entries:
        entry["present"] = entry[furthest] in ("nil", "block")
    return entries


def merge_entries(views):
    """Union several nodes' per-validator entries of the *same* round: a vote any node received counts."""
    merged = [dict(entry) for entry in views[0]]
    for view in views[1:]:
        if [e["address"] for e in view] != [e["address"] for e in merged]:
            raise ValueError("views disagree on the validator set")
        for mine, theirs in zip(merged, view):
            for label in ("prevote", "precommit"):
                if _RANK.get(theirs[label], -1) > _RANK.get(mine[label], -1):
                    mine[label] = theirs[label]
    return mark_presence(merged)


def commits(power, total):
    """Whether ``power`` of ``total`` voting power commits a block: strictly more than 2/3 (CometBFT's +2/3).

    The one 1/3 rule of the collection, in integers (a rounded fraction gets exactly 1/3 wrong): with exactly 2/3
    present no block commits. False for a total of 0.
    """
    return total > 0 and power * 3 > total * 2


def halts_without(absent, total):
    """Whether the chain stops committing with ``absent`` of ``total`` voting power missing: 1/3 or more (exactly
    1/3 halts, since the other 2/3 is not more than 2/3)."""
    return not commits(total - absent, total)


def quorum(entries):
    """Absent power, its fraction, and whether > 2/3 of the power is present."""
    total = sum(e["voting_power"] for e in entries)
    absent = [e for e in entries if not e["present"]]
    absent_power = sum(e["voting_power"] for e in absent)
    present_power = total - absent_power
    return {
        "total_power": total,
        "present_power": present_power,
        "absent_power": absent_power,
        "absent_fraction": round(float(absent_power) / total, 4) if total else 0.0,
        "absent_count": len(absent),
        "quorum_reachable": commits(present_power, total),
    }


def choose_source(step, round_, seconds_in_height, settle_seconds):
    """Which votes say who is absent right now.

    - ``round``: the current round, once the node has prevoted and the height
      has lasted ``settle_seconds`` (a halted chain sits here).
    - ``previous_round``: round R-1, complete once round R has started.
    - ``last_commit``: a live chain at round 0, where the new round's votes are
      still arriving; the last canonical commit says who signed.
    """
    if step >= STEP_PREVOTE and seconds_in_height is not None and seconds_in_height >= settle_seconds:
        return "round"
    if round_ > 0:
        return "previous_round"
    return "last_commit"
