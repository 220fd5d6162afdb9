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
  with ``@type /cosmos.tx.v1beta1.Tx``), or "Error: tx (HASH) not found" and exit 1.

State lives in ``--home``: ``passphrase`` (the keyring's), ``txs/<hash>.json``, and ``calls.jsonl`` (argv only).
"""

import hashlib
import json
import sys
from pathlib import Path

REVOKE = "/virtengine.encryption.v1.MsgRevokeRecipientKey"


def option(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv):
    home = Path(option(argv, "--home"))
    with (home / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps(argv) + "\n")
    command = argv[:2]
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
            (home / "txs").mkdir(exist_ok=True)
            committed = dict(response, height="42", gas_wanted="200000", gas_used="61234",
                             tx=dict(tx, **{"@type": "/cosmos.tx.v1beta1.Tx"}), timestamp="2026-11-27T03:40:00Z")
            (home / "txs" / (txhash + ".json")).write_text(json.dumps(committed))
        print(json.dumps(response))
        return 0
    if command == ["query", "tx"]:
        path = home / "txs" / (argv[2] + ".json")
        if not path.exists():
            sys.stderr.write("Error: tx (%s) not found\n" % argv[2])
            return 1
        print(path.read_text())
        return 0
    sys.stderr.write("Error: unknown command %r (stand-in)\n" % " ".join(command))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
