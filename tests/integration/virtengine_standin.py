# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for the VirtEngine chain CLI (``virtengine``), for PLAY-SEC-001 tests. It is a double, not the chain.

It follows the Cosmos SDK v0.53 CLI that ``virtengine`` is built on, for the three commands the revocation uses:

- ``tx sign FILE --from KEY --chain-id ID --keyring-backend file --node URL --output json --home H``: reads the
  keyring passphrase from standard input (``file`` backend), fails with "Error: ... incorrect passphrase" otherwise,
  and prints the signed transaction (signer_infos and one signature added).
- ``tx broadcast FILE --node URL --output json``: prints a sync-mode TxResponse (``height "0"``, ``txhash``, ``code``,
  ``codespace``, ``raw_log``...). A message other than the real ``/virtengine.encryption.v1.MsgRevokeRecipientKey``
  with exactly ``sender`` and ``key_fingerprint`` (there is no ``reason`` field) is rejected with code 2 as the SDK's
  unknown-field check does.
- ``query tx HASH --node URL --output json``: the committed TxResponse (height, code, the transaction under ``tx``
  with ``@type /cosmos.tx.v1beta1.Tx``, block ``timestamp``, and the ``message`` event with ``action``, ``sender`` and
  ``module`` that the SDK indexes), or "Error: tx (HASH) not found" and exit 1.
- ``query txs --query "message.sender='ADDR' [AND tx.height>=N ...]" --page P --limit L --node URL --output json``:
  a SearchTxsResult (``total_count``, ``count``, ``page_number``, ``page_total``, ``limit`` as strings, ``txs``) over
  the committed transactions whose indexed events match every condition, oldest first.

A committed revocation also sets ``revoked_at`` (block time, unix seconds) on the key in ``keys.json``, the state
that the gRPC stand-in (virtengine_grpc_standin.py) serves, as the chain's RevokeRecipientKey does.

State lives in ``--home``: ``passphrase`` (the keyring's), ``txs/<hash>.json``, ``keys.json`` and ``calls.jsonl``
(argv only).

A second, self-contained section below answers the market, provider and upgrade-plan queries of PLAY-011/PLAY-012.
"""

import base64
import hashlib
import json
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REVOKE = "/virtengine.encryption.v1.MsgRevokeRecipientKey"
CONDITION = re.compile(r"^\s*([\w.]+)\s*(=|>=|<=|>|<)\s*(?:'([^']*)'|(\d+))\s*$")


def commit(home, tx, txhash, height, block_time):
    """Store a committed TxResponse as the chain would index it; returns it."""
    message = tx["body"]["messages"][0]
    attributes = [{"key": "action", "value": message["@type"], "index": True},
                  {"key": "sender", "value": message.get("sender") or message.get("from_address"), "index": True},
                  {"key": "module", "value": message["@type"].split(".")[1], "index": True}]
    committed = {"height": str(height), "txhash": txhash, "codespace": "", "code": 0, "data": "", "raw_log": "", "logs": [], "info": "",
                 "gas_wanted": "200000", "gas_used": "61234", "tx": dict(tx, **{"@type": "/cosmos.tx.v1beta1.Tx"}),
                 "timestamp": datetime.fromtimestamp(block_time, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "events": [{"type": "message", "attributes": attributes}]}
    (home / "txs").mkdir(exist_ok=True)
    (home / "txs" / (txhash + ".json")).write_text(json.dumps(committed))
    return committed


def matches(response, conditions):
    for key, operator, text, number in conditions:
        if key == "tx.height":
            height, wanted = int(response["height"]), int(number)
            if not {"=": height == wanted, ">=": height >= wanted, "<=": height <= wanted, ">": height > wanted, "<": height < wanted}[operator]:
                return False
            continue
        kind, attribute = key.rsplit(".", 1)
        if not any(e["type"] == kind and a["key"] == attribute and a["value"] == text for e in response["events"] for a in e["attributes"]):
            return False
    return True


def search(home, query, page, limit):
    conditions = []
    for part in query.split(" AND "):
        match = CONDITION.match(part)
        if not match:
            raise ValueError("invalid query %r" % query)
        conditions.append(match.groups())
    txs = [json.loads(p.read_text()) for p in (home / "txs").glob("*.json")] if (home / "txs").exists() else []
    found = sorted((t for t in txs if matches(t, conditions)), key=lambda t: (int(t["height"]), t["txhash"]))
    chunk = found[(page - 1) * limit:page * limit]
    return {"total_count": str(len(found)), "count": str(len(chunk)), "page_number": str(page),
            "page_total": str(max(1, -(-len(found) // limit))), "limit": str(limit), "txs": chunk}


def option(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


class StandinChain(object):
    """Both stand-ins as one chain for a test: a ``virtengine`` wrapper of this script, and the gRPC stand-in
    (virtengine_grpc_standin.py) serving ``keys.json`` of the same home. Use as a context manager."""

    def __init__(self, root, passphrase):
        self.home = Path(root) / "cli-home"
        self.binary = Path(root) / "virtengine"
        self.passphrase = passphrase
        self.server = None
        self.grpc_endpoint = None

    def __enter__(self):
        self.home.mkdir(parents=True)
        (self.home / "passphrase").write_text(self.passphrase)
        (self.home / "keys.json").write_text("[]")
        self.binary.write_text('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, Path(__file__).resolve()))
        self.binary.chmod(0o700)
        announce = self.home / "grpc.out"
        with announce.open("w") as out:
            self.server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("virtengine_grpc_standin.py")), "--home", str(self.home)],
                                           stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not announce.read_text().startswith("listening "):
                if self.server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gRPC stand-in did not start: %s" % announce.read_text()[-2000:])
                time.sleep(0.1)
        except BaseException:
            self.__exit__()
            raise
        self.grpc_endpoint = announce.read_text().split()[1]
        return self

    def __exit__(self, *_exc):
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()

    def add_key(self, fingerprint, owner, registered_at, revoked_at=0, label=""):
        keys = self.keys()
        keys.append({"address": owner, "public_key": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", "key_fingerprint": fingerprint,
                     "algorithm_id": "X25519-XSALSA20-POLY1305", "registered_at": registered_at, "revoked_at": revoked_at, "label": label})
        (self.home / "keys.json").write_text(json.dumps(keys))

    def add_transfer(self, sender, height, block_time):
        """A committed MsgSend by ``sender``; returns its hash."""
        tx = {"body": {"messages": [{"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": sender, "to_address": sender,
                                     "amount": [{"denom": "uve", "amount": "1"}]}], "memo": ""}, "auth_info": {}, "signatures": ["c2ln"]}
        txhash = hashlib.sha256(("%s/%d" % (sender, height)).encode()).hexdigest().upper()
        commit(self.home, tx, txhash, height, block_time)
        return txhash

    def keys(self):
        return json.loads((self.home / "keys.json").read_text())

    def calls(self):
        path = self.home / "calls.jsonl"
        return [json.loads(line)[:2] for line in path.read_text().splitlines()] if path.exists() else []


def revoke_keys(home, fingerprints, block_time):
    path = home / "keys.json"
    if path.exists():
        keys = json.loads(path.read_text())
        for key in keys:
            if key["key_fingerprint"] in fingerprints and not key.get("revoked_at"):
                key["revoked_at"] = block_time
        path.write_text(json.dumps(keys))


# --------------------------------------------------------------------------- market and provider queries (PLAY-011/012)
# STAND-IN for ``virtengine query market order list|bid list``, ``query provider list`` and ``query upgrade plan``,
# shaped from sdk/go/cli/market_query.go, flags/market.go and the market/v1beta5, provider/v1beta4 protos: int64 as
# strings, enum names (open|active|closed, bids open|active|lost|closed), pagination {next_key (base64), total}. The
# CLI's traps are kept: --gseq/--oseq default to 1 (0 = any); an unknown --state is InvalidArgument; an offset
# (--page > 1 or --offset) without --state is refused. State: ``market.json`` in --home
# ({"orders", "bids", "providers", "upgrade_plan"}), written by the tests through MarketState.

ORDER_STATES = ("open", "active", "closed")
BID_STATES = ("open", "active", "lost", "closed")


class MarketState(object):
    """The tests' handle on ``market.json`` of a stand-in CLI home."""

    def __init__(self, home):
        self.path = Path(home) / "market.json"

    def read(self):
        return json.loads(self.path.read_text()) if self.path.exists() else {"orders": [], "bids": [], "providers": [], "upgrade_plan": None}

    def write(self, state):
        self.path.write_text(json.dumps(state))


def market_page(argv, items, field):
    """One page of ``items`` as the SDK paginates (``--page``/``--offset``, ``--limit``; ``--page-key`` continues)."""
    limit = int(option(argv, "--limit") or 100)
    page = int(option(argv, "--page") or 1)
    offset = int(option(argv, "--offset") or 0) or (page - 1) * limit
    if option(argv, "--page-key"):
        # The SDK reads --page-key as raw bytes ([]byte(pageKey)) while next_key is printed in base64: the printed
        # key, passed back, seeks nowhere.
        key = option(argv, "--page-key")
        offset = int(key) if key.isdigit() else len(items)
    chunk = items[offset:offset + limit]
    more = offset + limit < len(items)
    return {field: chunk, "pagination": {"next_key": base64.b64encode(str(offset + limit).encode()).decode() if more else None,
                                         "total": str(len(items)) if "--count-total" in argv else "0"}}


def market_filter(argv, entries, states, id_of):
    state = option(argv, "--state")
    if state is not None and state not in states:
        raise ValueError("rpc error: code = InvalidArgument desc = invalid state value: invalid request")
    if (int(option(argv, "--page") or 1) > 1 or int(option(argv, "--offset") or 0) > 0) and state is None:
        raise ValueError("rpc error: code = InvalidArgument desc = invalid request: offset requires state")
    wanted = {"owner": option(argv, "--owner"), "provider": option(argv, "--provider")}
    numbers = {"dseq": int(option(argv, "--dseq") or 0), "gseq": int(option(argv, "--gseq") or 1), "oseq": int(option(argv, "--oseq") or 1)}
    found = []
    for entry in entries:
        identity = id_of(entry)
        if state is not None and (entry.get("bid") or entry)["state"] != state:
            continue
        if any(value and identity.get(key) != value for key, value in wanted.items()):
            continue
        if any(value and int(identity[key]) != value for key, value in numbers.items()):
            continue
        found.append(entry)
    return found


def market_order_list(argv, state):
    return market_page(argv, market_filter(argv, state["orders"], ORDER_STATES, lambda o: o["id"]), "orders")


def market_bid_list(argv, state):
    return market_page(argv, market_filter(argv, state["bids"], BID_STATES, lambda b: b["bid"]["id"]), "bids")


def provider_list(argv, state):
    return market_page(argv, state["providers"], "providers")


def upgrade_plan(_argv, state):
    if not state.get("upgrade_plan"):
        raise ValueError("no upgrade scheduled")
    return state["upgrade_plan"]


MARKET_QUERIES = {
    ("query", "market", "order", "list"): market_order_list,
    ("query", "market", "bid", "list"): market_bid_list,
    ("query", "provider", "list"): provider_list,
    ("query", "upgrade", "plan"): upgrade_plan,
}


def market_main(home, argv):
    """Answer a market/provider/upgrade query (exit code), or None when ``argv`` is not one."""
    for words, handler in MARKET_QUERIES.items():
        if tuple(argv[:len(words)]) == words:
            try:
                print(json.dumps(handler(argv, MarketState(home).read())))
            except ValueError as error:
                sys.stderr.write("Error: %s\n" % error)
                return 1
            return 0
    return None


def main(argv):
    home = Path(option(argv, "--home"))
    with (home / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps(argv) + "\n")
    answered = market_main(home, argv)
    if answered is not None:
        return answered
    command = argv[:2]
    if command == ["query", "veid"]:
        return veid_query(home, argv[2:])
    if command == ["tx", "sign"]:
        given = sys.stdin.readline().rstrip("\n")
        if given != (home / "passphrase").read_text().strip():
            sys.stderr.write("Error: failed to decrypt private key: ciphertext decryption failed: incorrect passphrase\n")
            return 1
        tx = json.loads(Path(argv[2]).read_text())
        tx["auth_info"]["signer_infos"] = [{"public_key": {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": "A" * 44},
                                            "mode_info": {"single": {"mode": "SIGN_MODE_DIRECT"}}, "sequence": "0"}]
        tx["signatures"] = [hashlib.sha256(json.dumps(tx, sort_keys=True).encode()).hexdigest()]
        print(json.dumps(tx))
        return 0
    if command == ["tx", "broadcast"]:
        raw = Path(argv[2]).read_text()
        tx = json.loads(raw)
        txhash = hashlib.sha256(raw.encode()).hexdigest().upper()
        bad = [m for m in tx["body"]["messages"] if m.get("@type") != REVOKE or sorted(m) != ["@type", "key_fingerprint", "sender"]]
        code, log = (2, "unknown field in %s" % bad[0].get("@type")) if bad else (0, "")
        if not tx["signatures"]:
            code, log = 4, "signature verification failed; no signatures"
        response = {"height": "0", "txhash": txhash, "codespace": "sdk" if code else "", "code": code, "data": "", "raw_log": log,
                    "logs": [], "info": "", "gas_wanted": "0", "gas_used": "0", "tx": None, "timestamp": "", "events": []}
        if not code:
            block_time = int(time.time())
            commit(home, tx, txhash, 42, block_time)
            revoke_keys(home, [m["key_fingerprint"] for m in tx["body"]["messages"]], block_time)
        print(json.dumps(response))
        return 0
    if command == ["query", "tx"]:
        path = home / "txs" / (argv[2] + ".json")
        if not path.exists():
            sys.stderr.write("Error: tx (%s) not found\n" % argv[2])
            return 1
        print(path.read_text())
        return 0
    if command == ["query", "txs"]:
        try:
            print(json.dumps(search(home, option(argv, "--query"), int(option(argv, "--page") or 1), int(option(argv, "--limit") or 100))))
        except ValueError as error:
            sys.stderr.write("Error: %s\n" % error)
            return 1
        return 0
    sys.stderr.write("Error: unknown command %r (stand-in)\n" % " ".join(command))
    return 1


# --------------------------------------------------------------------------- PLAY-010: query veid (self-contained)
#
# ``query veid <sub> [ARG] --node URL -o json --home H`` as VirtEngine's sdk/go/cli/veid_query.go answers it (virtengine-wave2.md
# A2): jsonpb with proto field names, int64/uint64 as strings, enums by name. State: ``<home>/veid.json`` =
# ``{"models": {type: MLModelInfo}, "reports": {account: ValidatorModelReport}, "params": ModelParams, "last_updated": "H"}``
# (write it with ``write_veid_state``). The node's query server implements only ModelVersion, ActiveModels, ModelHistory,
# ValidatorModelSync and ModelParams; the other CLI queries answer gRPC Unimplemented. ``model-history`` is left out: its
# response shape is not in the reference.

VEID_MODEL_TYPES = ("trust_score", "face_verification", "liveness", "gan_detection", "ocr")
# CLI sub-command -> gRPC method whose registered server is UnimplementedQueryServer's (x/veid/keeper/sdk_query_server.go).
VEID_UNIMPLEMENTED = {"status": "IdentityStatus", "score": "IdentityScore", "identity": "Identity", "scopes": "Scopes", "params": "Params"}
VEID_DEFAULT_PARAMS = {"required_model_types": ["trust_score"], "activation_delay_blocks": "100", "max_model_age_days": 365,
                       "allowed_registrars": [], "validator_sync_grace_period": "50", "model_update_quorum": 67,
                       "enable_governance_updates": True}


def ml_model_info(model_type, sha256_hash, version="v1.0.0", model_id=None, activated_at=10, registered_at=5,
                  registered_by="virtengine10d07y265gmmuvt4z0w9aw880jnsr700jdufnyd", governance_id=1):
    """An active MLModelInfo (sdk/proto/node/virtengine/veid/v1/model.proto) as jsonpb prints it."""
    return {"model_id": model_id or "%s-%s" % (model_type, version), "name": model_type.replace("_", " "), "version": version,
            "model_type": model_type, "sha256_hash": sha256_hash, "description": "", "activated_at": str(activated_at),
            "registered_at": str(registered_at), "registered_by": registered_by, "governance_id": str(governance_id),
            "status": "MODEL_STATUS_ACTIVE"}


def write_veid_state(home, models=None, reports=None, params=None, last_updated=10):
    """``models``: {type: MLModelInfo}; ``reports``: {account: ValidatorModelReport}."""
    Path(home).mkdir(parents=True, exist_ok=True)
    (Path(home) / "veid.json").write_text(json.dumps({"models": models or {}, "reports": reports or {}, "params": params or VEID_DEFAULT_PARAMS,
                                                      "last_updated": str(last_updated)}))


def _veid_state(home):
    path = home / "veid.json"
    return json.loads(path.read_text()) if path.exists() else {"models": {}, "reports": {}, "params": VEID_DEFAULT_PARAMS, "last_updated": "0"}


def _veid_model_hashes(state, _args):
    models = state["models"]
    view = dict(("%s_model" % t, models[t]["model_id"] if t in models else "") for t in VEID_MODEL_TYPES)
    view["last_updated"] = state["last_updated"]
    return {"state": view, "models": [models[t] for t in VEID_MODEL_TYPES if t in models]}


def _veid_model_version(state, args):
    model_type = args[0]
    if model_type not in VEID_MODEL_TYPES:
        raise ValueError("invalid model type: %s" % model_type)
    if model_type not in state["models"]:
        # ErrNoActiveModel (codespace veid, code 6025) as the CLI prints a failed gRPC-over-ABCI query.
        raise ValueError("rpc error: code = Unknown desc = %s: no active model for model type" % model_type)
    return {"model_info": state["models"][model_type], "found": True}


def _veid_verify_model(state, args):
    report = state["reports"].get(args[0])
    return {"report": report, "is_synced": bool(report and report.get("is_synced"))}


def _veid_model_params(state, _args):
    return {"params": state["params"]}


VEID_QUERIES = {"model-hashes": (0, _veid_model_hashes), "model-version": (1, _veid_model_version),
                "verify-model": (1, _veid_verify_model), "model-params": (0, _veid_model_params)}


def veid_query(home, args):
    """Answer ``query veid ...`` from ``<home>/veid.json``; returns the exit code."""
    positional = []
    for arg in args:
        if arg.startswith("-"):
            break
        positional.append(arg)
    if option(args, "-o") != "json" and option(args, "--output") != "json":
        sys.stderr.write("Error: the stand-in answers -o json only\n")
        return 1
    sub = positional[0] if positional else ""
    if sub in VEID_UNIMPLEMENTED:
        sys.stderr.write("Error: rpc error: code = Unimplemented desc = method %s not implemented\n" % VEID_UNIMPLEMENTED[sub])
        return 1
    if sub not in VEID_QUERIES:
        sys.stderr.write('Error: unknown command "%s" for "virtengine query veid"\n' % sub)
        return 1
    count, handler = VEID_QUERIES[sub]
    if len(positional) - 1 != count:
        sys.stderr.write("Error: accepts %d arg(s), received %d\n" % (count, len(positional) - 1))
        return 1
    try:
        print(json.dumps(handler(_veid_state(home), positional[1:])))
    except ValueError as error:
        sys.stderr.write("Error: %s\n" % error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
