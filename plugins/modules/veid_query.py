#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: veid_query
short_description: The chain's view of identity scoring - active models, validator model reports, upgrade plan, backlog estimate (PLAY-010)
version_added: 0.1.0
description:
  - The runbook's C(query veid model-status) and C(pending-scores) do not exist, and C(query veid status), C(score),
    C(params) and most other C(veid) queries answer gRPC C(Unimplemented). This module asks what the chain does answer,
    with C(-o json) through the chain CLI C(<binary> query veid ...)
    (C(model-hashes), C(model-version <type>) per model type, C(verify-model <account>) per validator account,
    C(model-params)).
  - C(model-version) errors with "no active model for model type" when none is active; that is reported as a finding.
  - The upgrade plan comes from the node's REST API C(/cosmos/upgrade/v1beta1/current_plan) (C(query upgrade plan) is not
    registered in VirtEngine's CLI).
  - The backlog is an ESTIMATE. There is no pending-score query or metric, so it counts verification requests against
    status updates in the last O(backlog_blocks) blocks with the node's CometBFT C(tx_search).
  - Each query's failure is its own C(error); the module fails only on bad arguments.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.chain_cli
  - virtengine.incident_response.read_only
requirements:
  - requests
options:
  model_types:
    description: Model types to ask C(model-version) about (VirtEngine's C(x/veid/types/model_version.go) names).
    type: list
    elements: str
    default: [trust_score, face_verification, liveness, gan_detection, ocr]
  accounts:
    description: Validator account addresses (bech32 account, not valoper) for C(verify-model).
    type: list
    elements: str
    default: []
  api_url:
    description: The node's REST API (Cosmos SDK C(api.address), default port 1317) for the upgrade plan; empty skips it.
    type: str
    default: ""
  backlog_blocks:
    description: Height window of the backlog estimate, ending at the latest block; 0 skips it.
    type: int
    default: 1000
  request_action:
    description: C(message.action) of a verification request.
    type: str
    default: /virtengine.veid.v1.MsgRequestVerification
  update_action:
    description: C(message.action) of a verification status update.
    type: str
    default: /virtengine.veid.v1.MsgUpdateVerificationStatus
  timeout:
    description: Seconds to wait for each REST or RPC answer.
    type: float
    default: 5.0
"""

EXAMPLES = r"""
- name: What the chain says about the scoring models
  virtengine.incident_response.veid_query:
    node: http://10.0.1.11:26657
    api_url: http://10.0.1.11:1317
    accounts: [virtengine1qyfk...]
  register: veid_chain
"""

RETURN = r"""
active_models:
  description: C(model-hashes) answer (C(state) with model ids per type and C(last_updated) height, C(models) list of MLModelInfo).
  returned: always
  type: dict
models:
  description: Model type to its active MLModelInfo (C(model_id), C(version), C(sha256_hash), C(status), heights as strings), or null.
  returned: always
  type: dict
model_versions:
  description: Per model type C({model_type, active, model, finding, error}).
  returned: always
  type: list
  elements: dict
validator_reports:
  description: Per account C({account, reported, is_synced, model_versions, mismatched_models, reported_at, error}).
  returned: always
  type: list
  elements: dict
model_params:
  description: The C(ModelParams) (C(required_model_types), C(allowed_registrars), ...).
  returned: when the query answered
  type: dict
upgrade_plan:
  description: The pending upgrade plan (C(name), C(height), C(info)) or null.
  returned: always
  type: dict
backlog:
  description: C({estimate, from_height, to_height, requested, status_updates, pending_estimate, label}).
  returned: when backlog_blocks > 0 and the node answered
  type: dict
findings:
  description: Plain-words findings (no active model, never-reported validators).
  returned: always
  type: list
  elements: str
errors:
  description: Query name to why it failed.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain_cli import ChainCLIError, chain_cli_argument_spec, run_chain_cli
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import HAS_REQUESTS, CometRPC, RPCError, as_int, requests
from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import (
    MODEL_TYPES,
    ScoringInputError,
    backlog_estimate,
    cli_json,
    model_version_view,
    verify_model_view,
)

UPGRADE_PLAN_PATH = "/cosmos/upgrade/v1beta1/current_plan"


def veid(module, *args):
    """``query veid ARGS --node N -o json`` -> (stdout, error)."""
    try:
        return run_chain_cli(module, "query", "veid", *(list(args) + ["--node", module.params["node"], "-o", "json"])), None
    except ChainCLIError as error:
        return None, str(error)


def upgrade_plan(url, timeout):
    answer = requests.get(url.rstrip("/") + UPGRADE_PLAN_PATH, timeout=timeout)
    answer.raise_for_status()
    document = answer.json()
    if not isinstance(document, dict) or "plan" not in document:
        raise ValueError("%s answered no 'plan': is this the node's REST API (port 1317)?" % UPGRADE_PLAN_PATH)
    return document["plan"]


def backlog(params):
    client = CometRPC(params["node"], timeout=params["timeout"], retries=1)
    try:
        latest = as_int(client.status()["sync_info"]["latest_block_height"], "latest_block_height")
        start = max(1, latest - params["backlog_blocks"] + 1)

        def count(action):
            found = client.call("tx_search", query='"message.action=\'%s\' AND tx.height>=%d AND tx.height<=%d"' % (action, start, latest),
                                page=1, per_page=1)
            return as_int(found.get("total_count", "0"), "total_count")

        return backlog_estimate(count(params["request_action"]), count(params["update_action"]), start, latest)
    finally:
        client.close()


def main():
    module = AnsibleModule(
        argument_spec=chain_cli_argument_spec(
            model_types=dict(type="list", elements="str", default=list(MODEL_TYPES)),
            accounts=dict(type="list", elements="str", default=[]),
            api_url=dict(type="str", default=""),
            backlog_blocks=dict(type="int", default=1000),
            request_action=dict(type="str", default="/virtengine.veid.v1.MsgRequestVerification"),
            update_action=dict(type="str", default="/virtengine.veid.v1.MsgUpdateVerificationStatus"),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    unknown = [t for t in params["model_types"] if t not in MODEL_TYPES]
    if unknown:
        module.fail_json(msg="model_types %s: not VirtEngine model types; use %s" % (", ".join(unknown), ", ".join(MODEL_TYPES)))
    bad_accounts = [a for a in params["accounts"] if not a or "valoper" in a]
    if bad_accounts:
        module.fail_json(msg="accounts %r: verify-model takes the validator's account address (bech32, not valoper)" % bad_accounts)
    if params["backlog_blocks"] < 0 or params["timeout"] <= 0:
        module.fail_json(msg="backlog_blocks=%s must be 0 or more and timeout=%s positive" % (params["backlog_blocks"], params["timeout"]))
    if params["api_url"] and not params["api_url"].startswith(("http://", "https://")):
        module.fail_json(msg="api_url=%r must start with http:// or https:// (e.g. http://10.0.1.11:1317)" % params["api_url"])

    errors, findings = {}, []
    result = dict(changed=False, active_models={}, models={}, model_versions=[], validator_reports=[], upgrade_plan=None)
    text, error = veid(module, "model-hashes")
    try:
        result["active_models"] = cli_json(text, "query veid model-hashes") if not error else {}
    except ScoringInputError as failure:
        error = str(failure)
    if error:
        errors["model-hashes"] = error
    for model_type in params["model_types"]:
        text, error = veid(module, "model-version", model_type)
        try:
            view = model_version_view(model_type, text, error)
        except ScoringInputError as failure:
            view = {"model_type": model_type, "active": False, "model": None, "finding": None, "error": str(failure)}
        result["model_versions"].append(view)
        result["models"][model_type] = view["model"]
        if view["finding"]:
            findings.append(view["finding"])
        if view["error"]:
            errors["model-version %s" % model_type] = view["error"]
    for account in params["accounts"]:
        text, error = veid(module, "verify-model", account)
        try:
            view = verify_model_view(account, text, error)
        except ScoringInputError as failure:
            view = verify_model_view(account, None, str(failure))
        result["validator_reports"].append(view)
        if view["error"]:
            errors["verify-model %s" % account] = view["error"]
        elif not view["reported"]:
            findings.append("%s never reported its model versions on chain" % account)
        elif not view["is_synced"]:
            findings.append("%s is not in sync with the active models: %s" % (account, ", ".join(view["mismatched_models"]) or "?"))
    text, error = veid(module, "model-params")
    try:
        if not error:
            result["model_params"] = cli_json(text, "query veid model-params").get("params")
    except ScoringInputError as failure:
        error = str(failure)
    if error:
        errors["model-params"] = error
    if params["api_url"]:
        try:
            result["upgrade_plan"] = upgrade_plan(params["api_url"], params["timeout"])
        except (requests.exceptions.RequestException, ValueError) as failure:
            errors["upgrade plan"] = "%s%s: %s" % (params["api_url"].rstrip("/"), UPGRADE_PLAN_PATH, str(failure).splitlines()[0][:300])
    if params["backlog_blocks"]:
        try:
            result["backlog"] = backlog(params)
        except (RPCError, ScoringInputError, KeyError, TypeError) as failure:
            errors["backlog"] = "tx_search at %s: %s" % (params["node"], failure)
    module.exit_json(findings=findings, errors=errors, **result)


if __name__ == "__main__":
    main()
