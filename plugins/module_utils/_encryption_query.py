# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001 audit: what the chain knows of an encryption key, and the window in which it was exposed.

VirtEngine has no ``query encryption key-usage-log`` and its REST gateway does not serve the encryption module, so the
key record comes from gRPC ``virtengine.encryption.v1.Query`` (KeyByFingerprint, RecipientKey) on the node's gRPC
port, and the owner's transactions from the Cosmos SDK ``query txs --query "message.sender='...'"``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import json
import traceback

from ansible_collections.virtengine.incident_response.plugins.module_utils._protowire import WireError, decode, encode_string, signed64

try:
    import grpc
except ImportError:
    HAS_GRPC = False
    GRPC_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_GRPC = True
    GRPC_IMPORT_ERROR = None

SERVICE = "/virtengine.encryption.v1.Query/"
# RecipientKeyRecord (virtengine/encryption/v1/types.proto): field number -> (name, kind)
RECORD_FIELDS = {1: ("address", "string"), 2: ("public_key", "bytes"), 3: ("key_fingerprint", "string"), 4: ("algorithm_id", "string"),
                 5: ("registered_at", "int64"), 6: ("revoked_at", "int64"), 7: ("label", "string")}


# How the SDK reports the module's registered ErrKeyNotFound over gRPC (errorsmod GRPCStatus: code Unknown).
KEY_NOT_FOUND = "codespace encryption code 3:"


class KeyQueryError(RuntimeError):
    """The node could not answer; the message says what to check."""


def decode_record(raw):
    """RecipientKeyRecord bytes -> dict with every field (proto3 defaults for absent ones); public_key in base64."""
    fields = decode(raw)
    record = {}
    for number, (name, kind) in RECORD_FIELDS.items():
        value = fields.get(number, [None])[-1]
        if kind == "string":
            record[name] = value.decode("utf-8") if value is not None else ""
        elif kind == "bytes":
            record[name] = base64.b64encode(value or b"").decode("ascii")
        else:
            record[name] = signed64(value or 0)
    return record


def iso(unix_seconds):
    return datetime.datetime.fromtimestamp(unix_seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text, name):
    """ISO 8601 (``Z`` or offset) or unix seconds -> unix seconds; ValueError naming the option."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("%s=%r is not a time: give ISO 8601 such as 2026-11-27T03:00:00Z, or unix seconds" % (name, text))
    if moment.tzinfo is None:
        raise ValueError("%s=%r has no time zone: add Z (UTC) or an offset such as +01:00" % (name, text))
    return int(moment.timestamp())


def exposure_window(record, now, compromised_since=None):
    """From the later of registration and the suspected compromise, to the revocation (or now while the key is active)."""
    registered = record["registered_at"]
    start = max(registered, compromised_since) if compromised_since is not None else registered
    end = record["revoked_at"] or now
    return {"start": iso(start), "end": iso(end), "start_unix": start, "end_unix": end, "seconds": max(0, end - start),
            "open": not record["revoked_at"], "basis": "compromised_since" if start != registered else "registration"}


def key_state(record):
    if record is None:
        return "not_found"
    return "revoked" if record["revoked_at"] else "active"


def transactions_in(search_results, start_unix, end_unix):
    """TxResponses of ``query txs`` pages -> the ones whose block time is inside the window, oldest first."""
    rows = []
    for response in search_results:
        moment = parse_time(response.get("timestamp") or "0", "timestamp")
        if start_unix <= moment <= end_unix:
            messages = ((response.get("tx") or {}).get("body") or {}).get("messages") or []
            rows.append({"txhash": response.get("txhash"), "height": int(response.get("height") or 0), "timestamp": iso(moment),
                         "code": int(response.get("code") or 0), "messages": [m.get("@type") for m in messages]})
    return sorted(rows, key=lambda row: (row["height"], row["txhash"]))


def search_page(text):
    """``query txs -o json`` output -> (txs, page_total); KeyQueryError when it is not a SearchTxsResult."""
    try:
        page = json.loads(text)
        return page.get("txs") or [], int(page.get("page_total") or 0)
    except (ValueError, AttributeError, TypeError):
        raise KeyQueryError("query txs did not answer a search result: %r" % text[:300])


class EncryptionQuery(object):
    """Blocking client of ``virtengine.encryption.v1.Query`` on a node's gRPC port."""

    def __init__(self, endpoint, timeout, tls=False):
        self.endpoint = endpoint
        self.timeout = timeout
        self.channel = grpc.secure_channel(endpoint, grpc.ssl_channel_credentials()) if tls else grpc.insecure_channel(endpoint)

    def close(self):
        self.channel.close()

    def _call(self, method, request):
        call = self.channel.unary_unary(SERVICE + method)
        try:
            return call(request, timeout=self.timeout)
        except grpc.RpcError as error:
            code, details = error.code(), error.details() or ""
            if code == grpc.StatusCode.NOT_FOUND or KEY_NOT_FOUND in details:
                return None
            hints = {grpc.StatusCode.UNAVAILABLE: "is the node's gRPC server enabled ([grpc] address in app.toml) and reachable?",
                     grpc.StatusCode.DEADLINE_EXCEEDED: "no answer within %ss; raise grpc_timeout or check the node" % self.timeout,
                     grpc.StatusCode.UNIMPLEMENTED: "this endpoint does not serve virtengine.encryption.v1.Query (wrong port or chain)"}
            hint = hints.get(code)
            raise KeyQueryError("gRPC %s%s at %s: %s %s%s" % (SERVICE, method, self.endpoint, code.name, details, " (%s)" % hint if hint else ""))

    def key_by_fingerprint(self, fingerprint):
        """The RecipientKeyRecord, or None when the chain has no key with this fingerprint."""
        answer = self._call("KeyByFingerprint", encode_string(1, fingerprint))
        if answer is None:
            return None
        try:
            return decode_record(decode(answer).get(1, [b""])[-1])
        except WireError as error:
            raise KeyQueryError("KeyByFingerprint answered bytes that are not a QueryKeyByFingerprintResponse: %s" % error)

    def recipient_keys(self, address):
        """Every key the chain has registered for the address."""
        answer = self._call("RecipientKey", encode_string(1, address))
        try:
            return [decode_record(raw) for raw in decode(answer or b"").get(1, [])]
        except WireError as error:
            raise KeyQueryError("RecipientKey answered bytes that are not a QueryRecipientKeyResponse: %s" % error)


def revocation_plan(audits):
    """Per audited key (``encryption_key_audit`` loop results with ``item.fingerprint``/``item.owner``): revoke or not, and the sender.

    Active keys are revoked by the given owner (or the module authority) or else the owner on record; a key the chain
    could not be asked about is revoked only when its owner was given; revoked and unknown keys are left alone.
    """
    plan = []
    for audit in audits:
        fingerprint, given = audit["item"]["fingerprint"], audit["item"].get("owner") or ""
        state, record = audit.get("state"), audit.get("key") or {}
        sender = given or record.get("address", "")
        row = {"fingerprint": fingerprint, "state": state, "sender": sender, "action": "skip",
               "message": "MsgRevokeRecipientKey{sender: %s, key_fingerprint: %s}" % (sender or "?", fingerprint)}
        if state == "active":
            row.update(action="revoke", why="active on chain since %s" % iso(record["registered_at"]))
            if given and given != record["address"]:
                row["why"] += "; sender %s is not the owner %s, so it must be the module authority" % (given, record["address"])
        elif state == "revoked":
            row["why"] = "already revoked on chain at %s" % iso(record["revoked_at"])
        elif state == "not_found":
            row["why"] = "the chain has no key with this fingerprint"
        elif given:
            row.update(action="revoke", why="the chain could not be asked (%s); revoking as %s" % (audit.get("error"), given))
        else:
            row.update(action="blocked", why="the chain could not be asked (%s) and no owner was given: add owner to this key"
                       % audit.get("error"))
        plan.append(row)
    return plan


def compromise_summary(audits, revocations, checks):
    """The report's rows: each key before and after, the owners' transactions in the windows, and whom to notify."""
    revoked = {r["item"]["fingerprint"]: r for r in revocations if r.get("committed")}
    after = {c["item"]["fingerprint"]: c for c in checks if "state" in c}
    keys, transactions, notify = [], [], []
    for audit in audits:
        fingerprint = audit["item"]["fingerprint"]
        final = after.get(fingerprint, audit)
        window = final.get("exposure") or {}
        keys.append({"fingerprint": fingerprint, "owner": audit.get("owner") or audit["item"].get("owner") or "-",
                     "before": audit.get("state"), "txhash": revoked.get(fingerprint, {}).get("txhash", "-"),
                     "after": final.get("state"),
                     "exposed": "%s -> %s" % (window["start"], "now (open)" if window["open"] else window["end"]) if window else "-",
                     "owner_txs": len(audit.get("transactions") or [])})
        transactions += [dict(tx, fingerprint=fingerprint) for tx in audit.get("transactions") or []]
        owner = audit.get("owner")
        if owner and owner not in [n["who"] for n in notify]:
            others = [k["key_fingerprint"] for k in audit.get("owner_keys") or [] if not k["revoked_at"] and k["key_fingerprint"] != fingerprint]
            notify.append({"who": owner, "why": "owner of %s%s" % (fingerprint, "; rotate its other active keys too: " + ", ".join(others)
                                                                   if others else "")})
    return {"keys": keys, "transactions": transactions, "notify": notify}
