# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unsigned MsgRevokeRecipientKey transaction and the reading of TxResponses (module_utils/_encryption_tx.py)."""

import json

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_tx import (
    REVOKE_TYPE,
    RevokeError,
    revoked_in,
    tx_response,
    unsigned_revoke_tx,
)

OWNER = "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"


def test_the_real_message_and_nothing_else():
    tx = unsigned_revoke_tx(OWNER, "AB" * 16)
    assert tx["body"]["messages"] == [{"@type": REVOKE_TYPE, "sender": OWNER, "key_fingerprint": "AB" * 16}]
    assert tx["signatures"] == [] and tx["auth_info"]["fee"]["gas_limit"] == "200000"


@pytest.mark.parametrize("sender, fingerprint, named", [
    (OWNER, "not-hex", "key_fingerprint='not-hex'"),
    (OWNER, "AB", "key_fingerprint='AB'"),
    ("alice", "AB" * 16, "sender='alice'"),
])
def test_bad_input_names_the_value(sender, fingerprint, named):
    with pytest.raises(RevokeError, match=named):
        unsigned_revoke_tx(sender, fingerprint)


def test_tx_responses():
    with pytest.raises(RevokeError, match="code 5"):
        tx_response(json.dumps({"code": 5, "codespace": "sdk", "raw_log": "insufficient funds"}), "broadcast")
    with pytest.raises(RevokeError, match="did not answer JSON"):
        tx_response("Error: tx not found", "query tx")
    committed = {"code": 0, "tx": {"body": {"messages": [{"@type": REVOKE_TYPE, "sender": OWNER, "key_fingerprint": "AB" * 16}]}}}
    assert revoked_in(tx_response(json.dumps(committed), "query tx"), "AB" * 16) is True
    assert revoked_in(committed, "CD" * 16) is False
