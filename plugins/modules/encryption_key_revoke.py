#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: encryption_key_revoke
short_description: Revoke an encryption recipient key by fingerprint on chain (MsgRevokeRecipientKey) and check it (PLAY-SEC-001)
version_added: 0.1.0
description:
  - VirtEngine has no C(tx encryption revoke-key) command. This module writes the unsigned transaction with the real
    message C(/virtengine.encryption.v1.MsgRevokeRecipientKey{sender, key_fingerprint}), signs it with
    C(<binary> tx sign), broadcasts it with C(tx broadcast), then polls C(query tx <hash>) until the transaction is
    committed (or O(timeout) passes) and checks that it succeeded and carries the message.
  - The keyring passphrase is given to the CLI on its standard input only; it is never logged or returned. The
    unsigned and signed transactions are written to a private temporary directory that is removed afterwards.
  - In check mode only the unsigned transaction is built and returned; nothing is signed or sent.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.chain_cli
options:
  key_fingerprint:
    description: Fingerprint of the compromised recipient key (hex).
    type: str
    required: true
  sender:
    description: The key owner's account address (or the module authority), C(virtengine1...).
    type: str
    required: true
  from_key:
    description: Name of the signing key in the keyring.
    type: str
    required: true
  keyring_backend:
    description: Keyring backend (C(file) asks for the passphrase on standard input).
    type: str
    default: file
  keyring_passphrase:
    description: Passphrase of a C(file) keyring.
    type: str
    default: ""
  chain_id:
    description: Chain id.
    type: str
    required: true
  fees:
    description: Fees, for example C(5000uve); empty for none.
    type: str
    default: ""
  timeout:
    description: Seconds to wait for the transaction to be committed.
    type: float
    default: 60
"""

EXAMPLES = r"""
- name: Revoke the compromised key
  virtengine.incident_response.encryption_key_revoke:
    key_fingerprint: "{{ playsec001_key_fingerprint }}"
    sender: "{{ playsec001_key_owner }}"
    from_key: "{{ playsec001_from_key }}"
    keyring_passphrase: "{{ vault_keyring_passphrase }}"
    chain_id: virtengine-1
    node: http://127.0.0.1:26657
  no_log: false
"""

RETURN = r"""
unsigned_tx:
  description: The unsigned transaction (no secret in it).
  returned: always
  type: dict
txhash:
  description: Hash of the broadcast transaction.
  returned: when sent
  type: str
height:
  description: Height at which it was committed.
  returned: when committed
  type: int
committed:
  description: The transaction was found on chain with code 0 and carries the message.
  returned: always
  type: bool
"""

import json
import os
import re
import shutil
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain_cli import ChainCLIError, chain_cli_argument_spec, run_chain_cli
from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_tx import (
    RevokeError,
    revoked_in,
    tx_response,
    unsigned_revoke_tx,
)


def main():
    module = AnsibleModule(
        argument_spec=chain_cli_argument_spec(
            key_fingerprint=dict(type="str", required=True, no_log=False),
            sender=dict(type="str", required=True),
            from_key=dict(type="str", required=True, no_log=False),
            keyring_backend=dict(type="str", default="file", no_log=False),
            keyring_passphrase=dict(type="str", default="", no_log=True),
            chain_id=dict(type="str", required=True),
            fees=dict(type="str", default=""),
            timeout=dict(type="float", default=60),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        unsigned = unsigned_revoke_tx(params["sender"], params["key_fingerprint"])
    except RevokeError as error:
        module.fail_json(msg=str(error))
    fee = re.match(r"^(\d+)([a-zA-Z][a-zA-Z0-9/]*)$", params["fees"])
    if params["fees"] and not fee:
        module.fail_json(msg="fees=%r is not an amount with a denomination, e.g. 5000uve" % params["fees"])
    if fee:
        unsigned["auth_info"]["fee"]["amount"] = [{"denom": fee.group(2), "amount": fee.group(1)}]
    if module.check_mode:
        module.exit_json(changed=True, unsigned_tx=unsigned, committed=False)
    workdir = tempfile.mkdtemp(prefix="ir-revoke-")
    try:
        unsigned_path = os.path.join(workdir, "unsigned.json")
        with open(unsigned_path, "w") as handle:
            json.dump(unsigned, handle)
        signed = run_chain_cli(module, "tx", "sign", unsigned_path, "--from", params["from_key"], "--chain-id", params["chain_id"],
                               "--keyring-backend", params["keyring_backend"], "--node", params["node"], "--output", "json",
                               data=params["keyring_passphrase"] if params["keyring_backend"] == "file" else None)
        signed_path = os.path.join(workdir, "signed.json")
        with open(signed_path, "w") as handle:
            handle.write(signed)
        sent = tx_response(run_chain_cli(module, "tx", "broadcast", signed_path, "--node", params["node"], "--output", "json"), "broadcast")
        txhash = sent["txhash"]
        deadline = time.time() + params["timeout"]
        while True:
            try:
                found = tx_response(run_chain_cli(module, "query", "tx", txhash, "--node", params["node"], "--output", "json"), "query tx")
                break
            except (RevokeError, ChainCLIError) as error:
                if isinstance(error, RevokeError) or time.time() > deadline:
                    raise
                time.sleep(1)
    except (RevokeError, ChainCLIError) as error:
        module.fail_json(msg=str(error), unsigned_tx=unsigned, committed=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    committed = revoked_in(found, params["key_fingerprint"])
    if not committed:
        module.fail_json(msg="transaction %s is on chain but does not carry the revocation of %s" % (txhash, params["key_fingerprint"]),
                         unsigned_tx=unsigned, txhash=txhash, committed=False)
    module.exit_json(changed=True, unsigned_tx=unsigned, txhash=txhash, height=int(found.get("height") or 0), committed=True)


if __name__ == "__main__":
    main()
