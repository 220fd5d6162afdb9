#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: encryption_key_audit
short_description: What the chain knows of an encryption key, its exposure window and its owner's transactions (PLAY-SEC-001)
version_added: 0.1.0
description:
  - The runbook's C(query encryption key-usage-log) does not exist. This module reads the key's record by fingerprint
    from the node's gRPC service C(virtengine.encryption.v1.Query/KeyByFingerprint) (the REST gateway does not serve
    the encryption module), and every key of its owner with C(RecipientKey).
  - The exposure window runs from the later of the key's registration and O(compromised_since) to its revocation on
    chain, or to now while the key is still active.
  - The owner's transactions in that window come from the Cosmos SDK C(<binary> query txs --query
    "message.sender='OWNER'"), every page up to O(max_pages), filtered by block time.
  - Like C(community.postgresql.postgresql_ping), an unreachable node is reported (RV(state=unknown), RV(error)) rather
    than failed, so a revocation is never blocked by the audit. Bad input fails and nothing is queried.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.chain_cli
  - virtengine.incident_response.read_only
requirements:
  - grpcio
options:
  key_fingerprint:
    description: Fingerprint of the key (hex).
    type: str
    required: true
  owner:
    description: The owner's account address for the transaction search; empty uses the address in the key's record.
    type: str
    default: ""
  compromised_since:
    description: Earliest suspected compromise, ISO 8601 with a zone or unix seconds; empty means since registration.
    type: str
    default: ""
  grpc_endpoint:
    description: The node's gRPC address, C(host:port) (Cosmos SDK default port 9090).
    type: str
    default: 127.0.0.1:9090
  grpc_tls:
    description: Use TLS with the system's trusted roots.
    type: bool
    default: false
  grpc_timeout:
    description: Seconds to wait for each gRPC answer.
    type: float
    default: 10
  search_transactions:
    description: Search the owner's transactions in the window.
    type: bool
    default: true
  page_limit:
    description: Transactions per C(query txs) page.
    type: int
    default: 100
  max_pages:
    description: Pages read at most; RV(transactions_truncated) says when more were left.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: What the chain knows of the key, and what its owner did while it was exposed
  virtengine.incident_response.encryption_key_audit:
    key_fingerprint: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
    compromised_since: "2026-11-26T22:00:00Z"
    grpc_endpoint: 10.0.1.5:9090
    node: http://10.0.1.5:26657
  register: key_audit

- name: Stop when the chain does not know the key
  ansible.builtin.assert:
    that: key_audit.state != 'not_found'
"""

RETURN = r"""
state:
  description: C(active), C(revoked), C(not_found), or C(unknown) when the node could not answer (see RV(error)).
  returned: always
  type: str
  sample: active
error:
  description: Why the node could not answer.
  returned: when state is unknown
  type: str
key:
  description: The RecipientKeyRecord (address, public_key in base64, key_fingerprint, algorithm_id, registered_at,
    revoked_at, label; times in unix seconds, revoked_at 0 while active).
  returned: when found
  type: dict
owner:
  description: The address whose transactions were searched.
  returned: always
  type: str
owner_keys:
  description: Every key the chain has for the owner (same fields as RV(key)); the ones to rotate as well.
  returned: when the owner is known and the node answered
  type: list
  elements: dict
exposure:
  description: The window (start, end, start_unix, end_unix, seconds, open, basis C(registration) or C(compromised_since)).
  returned: when found
  type: dict
transactions:
  description: The owner's transactions in the window, oldest first (txhash, height, timestamp, code, messages).
  returned: when found and searched
  type: list
  elements: dict
transactions_truncated:
  description: More pages were left than O(max_pages).
  returned: when searched
  type: bool
transactions_error:
  description: Why the transaction search failed (the rest of the audit stands).
  returned: when the search failed
  type: str
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain_cli import ChainCLIError, chain_cli_argument_spec, run_chain_cli
from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_query import (
    GRPC_IMPORT_ERROR,
    HAS_GRPC,
    EncryptionQuery,
    KeyQueryError,
    exposure_window,
    key_state,
    parse_time,
    search_page,
    transactions_in,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_tx import FINGERPRINT, OWNER_ADDRESS


def search_owner_transactions(module, owner, window):
    params = module.params
    found, page, page_total = [], 1, 1
    while page <= min(page_total, params["max_pages"]):
        text = run_chain_cli(module, "query", "txs", "--query", "message.sender='%s'" % owner, "--page", str(page),
                             "--limit", str(params["page_limit"]), "--node", params["node"], "--output", "json")
        txs, page_total = search_page(text)
        found += txs
        page += 1
    return transactions_in(found, window["start_unix"], window["end_unix"]), page_total > params["max_pages"]


def main():
    module = AnsibleModule(
        argument_spec=chain_cli_argument_spec(
            key_fingerprint=dict(type="str", required=True, no_log=False),
            owner=dict(type="str", default=""),
            compromised_since=dict(type="str", default=""),
            grpc_endpoint=dict(type="str", default="127.0.0.1:9090"),
            grpc_tls=dict(type="bool", default=False),
            grpc_timeout=dict(type="float", default=10),
            search_transactions=dict(type="bool", default=True),
            page_limit=dict(type="int", default=100),
            max_pages=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not HAS_GRPC:
        module.fail_json(msg=missing_required_lib("grpcio"), exception=GRPC_IMPORT_ERROR)
    if not FINGERPRINT.match(params["key_fingerprint"]):
        module.fail_json(msg="key_fingerprint=%r is not a hex fingerprint (16 to 128 hex digits)" % params["key_fingerprint"])
    if params["owner"] and not OWNER_ADDRESS.match(params["owner"]):
        module.fail_json(msg="owner=%r is not a bech32 account address (e.g. virtengine1...)" % params["owner"])
    if params["page_limit"] < 1 or params["max_pages"] < 1 or params["grpc_timeout"] <= 0:
        module.fail_json(msg="page_limit=%s, max_pages=%s and grpc_timeout=%s must be positive"
                         % (params["page_limit"], params["max_pages"], params["grpc_timeout"]))
    try:
        since = parse_time(params["compromised_since"], "compromised_since") if params["compromised_since"] else None
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = EncryptionQuery(params["grpc_endpoint"], params["grpc_timeout"], params["grpc_tls"])
    try:
        record = client.key_by_fingerprint(params["key_fingerprint"])
        owner = params["owner"] or (record or {}).get("address", "")
        owner_keys = client.recipient_keys(owner) if owner else []
    except KeyQueryError as error:
        module.exit_json(changed=False, state="unknown", error=str(error), owner=params["owner"])
    finally:
        client.close()
    result = dict(changed=False, state=key_state(record), owner=owner, owner_keys=owner_keys)
    if record is None:
        module.exit_json(**result)
    window = exposure_window(record, int(time.time()), since)
    result.update(key=record, exposure=window)
    if params["search_transactions"] and owner:
        try:
            result["transactions"], result["transactions_truncated"] = search_owner_transactions(module, owner, window)
        except (ChainCLIError, KeyQueryError) as error:
            result["transactions_error"] = str(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
