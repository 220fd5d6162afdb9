# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001 audit logic (module_utils/_encryption_query.py, _protowire.py) and the encryption_key_audit module's input checks.

No VirtEngine node runs here, so the wire bytes are not captured: they are made by the protobuf library from the
chain's field numbers (tests/proto, compiled by grpcio-tools), which is what a node's gRPC server sends.
"""

import json

import pytest
from virtengine_protos import encryption_messages

from ansible_collections.virtengine.incident_response.plugins.module_utils import _protowire
from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_query import (
    KeyQueryError,
    compromise_summary,
    decode_record,
    exposure_window,
    parse_time,
    revocation_plan,
    search_page,
    transactions_in,
)
from ansible_collections.virtengine.incident_response.plugins.modules import encryption_key_audit

OWNER = "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
AUTHORITY = "virtengine10d07y265gmmuvt4z0w9aw880jnsr700jr5x0zz"
FINGERPRINT = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
DAY = 86400
T0 = 1795000000


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    return encryption_messages(tmp_path_factory.mktemp("protos"))


def record(**fields):
    values = {"address": OWNER, "public_key": "AQI=", "key_fingerprint": FINGERPRINT, "algorithm_id": "X25519-XSALSA20-POLY1305",
              "registered_at": T0, "revoked_at": 0, "label": ""}
    values.update(fields)
    return values


def test_a_record_decodes_field_for_field(messages):
    sent = messages.QueryKeyByFingerprintResponse(key=messages.RecipientKeyRecord(
        address=OWNER, public_key=b"\x01\x02", key_fingerprint=FINGERPRINT, algorithm_id="X25519-XSALSA20-POLY1305",
        registered_at=T0, revoked_at=T0 + DAY, label="ops"))
    raw = _protowire.decode(sent.SerializeToString())[1][0]
    assert decode_record(raw) == record(revoked_at=T0 + DAY, label="ops")


def test_absent_fields_read_as_proto3_defaults_and_int64_keeps_its_sign(messages):
    raw = messages.RecipientKeyRecord(key_fingerprint=FINGERPRINT, registered_at=-5).SerializeToString()
    assert decode_record(raw) == {"address": "", "public_key": "", "key_fingerprint": FINGERPRINT, "algorithm_id": "",
                                  "registered_at": -5, "revoked_at": 0, "label": ""}


def test_requests_encode_as_the_protobuf_library_does(messages):
    for text in ("", FINGERPRINT, "x" * 300):
        assert _protowire.encode_string(1, text) == messages.QueryKeyByFingerprintRequest(fingerprint=text).SerializeToString()


def test_an_owner_with_several_keys(messages):
    sent = messages.QueryRecipientKeyResponse(keys=[messages.RecipientKeyRecord(key_fingerprint=f, address=OWNER) for f in ("AA" * 8, "BB" * 8)])
    assert [decode_record(raw)["key_fingerprint"] for raw in _protowire.decode(sent.SerializeToString())[1]] == ["AA" * 8, "BB" * 8]


@pytest.mark.parametrize("raw", [b"\x0a\x05ab", b"\x08\xff", b"\x0b"])
def test_bytes_that_are_no_message_are_refused(raw):
    with pytest.raises(_protowire.WireError):
        _protowire.decode(raw)


def test_exposure_from_registration_while_active():
    window = exposure_window(record(), now=T0 + 2 * DAY)
    assert window == {"start": "2026-11-18T11:06:40Z", "end": "2026-11-20T11:06:40Z", "start_unix": T0, "end_unix": T0 + 2 * DAY,
                      "seconds": 2 * DAY, "open": True, "basis": "registration"}


def test_exposure_from_the_suspected_compromise_to_the_revocation():
    window = exposure_window(record(revoked_at=T0 + 3 * DAY), now=T0 + 9 * DAY, compromised_since=T0 + DAY)
    assert (window["start_unix"], window["end_unix"], window["open"], window["basis"]) == (T0 + DAY, T0 + 3 * DAY, False, "compromised_since")


def test_a_compromise_before_registration_starts_at_registration():
    assert exposure_window(record(), now=T0 + DAY, compromised_since=T0 - DAY)["basis"] == "registration"


@pytest.mark.parametrize("text, expected", [("2026-11-18T11:06:40Z", T0), ("2026-11-18T12:06:40+01:00", T0), (str(T0), T0)])
def test_times(text, expected):
    assert parse_time(text, "compromised_since") == expected


@pytest.mark.parametrize("text, named", [("yesterday", "compromised_since='yesterday' is not a time"),
                                         ("2026-11-19T09:46:40", "has no time zone")])
def test_bad_times_are_named(text, named):
    with pytest.raises(ValueError, match=named):
        parse_time(text, "compromised_since")


def tx(txhash, height, timestamp, kind="/cosmos.bank.v1beta1.MsgSend"):
    return {"txhash": txhash, "height": str(height), "timestamp": timestamp, "code": 0, "tx": {"body": {"messages": [{"@type": kind}]}}}


def test_transactions_inside_the_window_oldest_first():
    found = [tx("C", 30, "2026-11-21T09:46:40Z"), tx("A", 10, "2026-11-18T09:46:40Z"), tx("B", 20, "2026-11-19T09:46:40Z")]
    assert transactions_in(found, T0, T0 + DAY) == [
        {"txhash": "B", "height": 20, "timestamp": "2026-11-19T09:46:40Z", "code": 0, "messages": ["/cosmos.bank.v1beta1.MsgSend"]}]


def test_search_pages():
    assert search_page(json.dumps({"total_count": "0", "page_total": "0", "txs": None})) == ([], 0)
    with pytest.raises(KeyQueryError, match="did not answer a search result"):
        search_page("Error: rpc error")


def audit(state, owner="", **result):
    """One encryption_key_audit loop result: the module reports the given owner, else the owner on record."""
    return dict(result, item={"fingerprint": FINGERPRINT, "owner": owner}, state=state, owner=owner or (result.get("key") or {}).get("address", ""))


def test_plan_revokes_an_active_key_as_its_owner():
    (row,) = revocation_plan([audit("active", key=record())])
    assert (row["action"], row["sender"]) == ("revoke", OWNER)
    assert row["message"] == "MsgRevokeRecipientKey{sender: %s, key_fingerprint: %s}" % (OWNER, FINGERPRINT)


def test_plan_says_a_sender_other_than_the_owner_must_be_the_authority():
    (row,) = revocation_plan([audit("active", owner=AUTHORITY, key=record())])
    assert row["sender"] == AUTHORITY and "must be the module authority" in row["why"]


@pytest.mark.parametrize("state, owner, action, why", [
    ("revoked", "", "skip", "already revoked on chain at 2026-11-19T11:06:40Z"),
    ("not_found", OWNER, "skip", "the chain has no key with this fingerprint"),
    ("unknown", OWNER, "revoke", "the chain could not be asked (down); revoking as " + OWNER),
    ("unknown", "", "blocked", "the chain could not be asked (down) and no owner was given: add owner to this key"),
])
def test_plan_leaves_alone_what_need_not_or_cannot_be_revoked(state, owner, action, why):
    key = record(revoked_at=T0 + DAY) if state == "revoked" else None
    (row,) = revocation_plan([audit(state, owner=owner, key=key, error="down")])
    assert (row["action"], row["why"]) == (action, why)


def test_summary_joins_before_revocation_and_after():
    other = record(key_fingerprint="AA" * 8)
    before = [audit("active", key=record(), owner=OWNER, owner_keys=[record(), other, record(key_fingerprint="BB" * 8, revoked_at=T0)],
                    exposure=exposure_window(record(), T0 + DAY), transactions=[{"txhash": "B", "height": 20}])]
    revocations = [{"item": {"fingerprint": FINGERPRINT}, "committed": True, "txhash": "TX1"}]
    checks = [{"item": {"fingerprint": FINGERPRINT}, "state": "revoked", "exposure": exposure_window(record(revoked_at=T0 + 2 * DAY), T0 + 3 * DAY)}]
    summary = compromise_summary(before, revocations, checks)
    assert summary["keys"] == [{"fingerprint": FINGERPRINT, "owner": OWNER, "before": "active", "txhash": "TX1", "after": "revoked",
                                "exposed": "2026-11-18T11:06:40Z -> 2026-11-20T11:06:40Z", "owner_txs": 1}]
    assert summary["transactions"] == [{"txhash": "B", "height": 20, "fingerprint": FINGERPRINT}]
    assert summary["notify"] == [{"who": OWNER, "why": "owner of %s; rotate its other active keys too: %s" % (FINGERPRINT, "AA" * 8)}]


def test_summary_without_revocation_keeps_the_window_open():
    before = [audit("active", key=record(), owner=OWNER, exposure=exposure_window(record(), T0 + DAY))]
    (row,) = compromise_summary(before, [{"item": {"fingerprint": FINGERPRINT}, "skipped": True}], [])["keys"]
    assert (row["after"], row["txhash"], row["exposed"]) == ("active", "-", "2026-11-18T11:06:40Z -> now (open)")


@pytest.mark.parametrize("args, named", [
    ({"key_fingerprint": "xyz"}, "key_fingerprint='xyz' is not a hex fingerprint"),
    ({"key_fingerprint": FINGERPRINT, "owner": "bob"}, "owner='bob' is not a bech32 account address"),
    ({"key_fingerprint": FINGERPRINT, "compromised_since": "last night"}, "compromised_since='last night' is not a time"),
    ({"key_fingerprint": FINGERPRINT, "max_pages": 0}, "must be positive"),
])
def test_the_module_refuses_bad_input_before_asking_anything(run_module, args, named):
    result = run_module(encryption_key_audit, dict(args, grpc_endpoint="127.0.0.1:1"))
    assert result["failed"] is True and named in result["msg"]
