# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure signing-state logic: the double-sign guard in priv_validator_state.json.

The signer refuses to sign at or below its last (height, round, step); lowering
that triple is what lets a validator sign twice at one height.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# "Rolled back state to height 57 and hash ABC..." / "Rolled back both state and block to height 57 and hash ..."
_ROLLBACK_RE = re.compile(r"Rolled back (?:both state and block|state) to height (\d+) and hash ([0-9A-Fa-f]*)")


def parse_signing_state(text):
    """``{"height", "round", "step"}`` as integers (height arrives as a string, round and step as numbers)."""
    document = json.loads(text)
    try:
        return {"height": int(document["height"]), "round": int(document["round"]), "step": int(document["step"])}
    except (KeyError, TypeError, ValueError):
        raise ValueError("not a priv_validator_state.json: needs height, round and step")


def signing_key(state):
    return (state["height"], state["round"], state["step"])


def is_lower(after, before):
    """True when ``after`` would let the signer sign something ``before`` forbade."""
    return signing_key(after) < signing_key(before)


def parse_rollback_output(text):
    """The height and app hash a rollback command printed, or None."""
    match = _ROLLBACK_RE.search(text or "")
    if not match:
        return None
    return {"height": int(match.group(1)), "app_hash": match.group(2).upper()}
