# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001: the unsigned transaction carrying MsgRevokeRecipientKey, and reading the chain's answers.

VirtEngine has no ``tx encryption revoke-key`` CLI; the message exists, so the transaction is written as JSON
(the Cosmos SDK ``tx sign`` input), signed with ``tx sign`` and sent with ``tx broadcast``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

REVOKE_TYPE = "/virtengine.encryption.v1.MsgRevokeRecipientKey"
FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{16,128}$")
OWNER_ADDRESS = re.compile(r"^[a-z]+1[0-9a-z]{20,}$")


class RevokeError(ValueError):
    """Bad input or a refused transaction; the message names the value."""


def unsigned_revoke_tx(sender, key_fingerprint, gas_limit=200000, fees=None, memo=""):
    """The Cosmos SDK JSON of an unsigned transaction with one MsgRevokeRecipientKey{sender, key_fingerprint}."""
    if not FINGERPRINT.match(key_fingerprint or ""):
        raise RevokeError("key_fingerprint=%r is not a hex fingerprint (16 to 128 hex digits)" % (key_fingerprint,))
    if not OWNER_ADDRESS.match(sender or ""):
        raise RevokeError("sender=%r is not a bech32 account address (e.g. virtengine1...)" % (sender,))
    return {
        "body": {"messages": [{"@type": REVOKE_TYPE, "sender": sender, "key_fingerprint": key_fingerprint}],
                 "memo": memo, "timeout_height": "0", "extension_options": [], "non_critical_extension_options": []},
        "auth_info": {"signer_infos": [], "fee": {"amount": list(fees or []), "gas_limit": str(gas_limit), "payer": "", "granter": ""},
                      "tip": None},
        "signatures": [],
    }


def tx_response(text, what):
    """``-o json`` output of broadcast or query tx -> the TxResponse; RevokeError when it is not JSON or code != 0."""
    try:
        response = json.loads(text)
    except ValueError:
        raise RevokeError("%s did not answer JSON: %r" % (what, text[:300]))
    if int(response.get("code") or 0) != 0:
        raise RevokeError("%s refused the transaction: code %s (%s) %s" % (
            what, response.get("code"), response.get("codespace"), response.get("raw_log")))
    return response


def revoked_in(response, key_fingerprint):
    """Whether a committed TxResponse carries our message for this fingerprint."""
    messages = ((response.get("tx") or {}).get("body") or {}).get("messages") or []
    return any(m.get("@type") == REVOKE_TYPE and m.get("key_fingerprint") == key_fingerprint for m in messages)
