#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: market_state
short_description: The chain's marketplace as the chain CLI shows it (open orders, bids, providers, upgrade plan), every page
version_added: 0.1.0
description:
  - Runs the real VirtEngine queries through the chain CLI and reads every page (C(--page N --limit L); the CLI's
    C(--page-key) takes raw bytes while C(next_key) is printed in base64, so offsets are used).
  - C(orders) - C(query market order list --state open --gseq 0 --oseq 0) (the CLI's default C(--gseq 1 --oseq 1)
    would hide every other group and order).
  - C(bids) - C(query market bid list --state S) for each state of O(bid_states).
  - C(providers) - C(query provider list) (it has no C(--status) flag; providers have no status on chain).
  - C(upgrade_plan) - C(query upgrade plan) (null when no upgrade is scheduled).
  - And, from the CometBFT RPC O(node), the latest height and the chain's recent block time (the mean over the last
    O(block_time_window) blocks), since an order's C(created_at) is a height.
  - A query that fails is reported in C(errors), never raised.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.chain_cli
  - virtengine.incident_response.read_only
options:
  queries:
    description: Which queries to run.
    type: list
    elements: str
    choices: [orders, bids, providers, upgrade_plan]
    default: [orders, bids, providers]
  bid_states:
    description: Bid states to list (C(open), C(active), C(lost), C(closed)).
    type: list
    elements: str
    default: [open, active, lost, closed]
  page_limit:
    description: Entries per page (C(--limit)).
    type: int
    default: 100
  max_pages:
    description: Pages read at most per query; more is reported as C(truncated).
    type: int
    default: 100
  block_time_window:
    description: Blocks over which the recent block time is averaged.
    type: int
    default: 20
  timeout:
    description: Seconds for each CometBFT RPC call.
    type: float
    default: 5.0
requirements:
  - requests
"""

EXAMPLES = r"""
- name: Open orders, bids and providers
  virtengine.incident_response.market_state:
    node: http://rpc.virtengine.example:26657
  register: market
"""

RETURN = r"""
orders:
  description: Open orders as the CLI prints them (C(id), C(state), C(spec), C(created_at) a height as a string).
  returned: always
  type: list
  elements: dict
bids:
  description: Bid entries (C(bid), C(escrow_account)) of every listed state.
  returned: always
  type: list
  elements: dict
providers:
  description: Providers registered on chain (C(owner), C(host_uri), C(attributes), C(info)).
  returned: always
  type: list
  elements: dict
upgrade_plan:
  description: The scheduled upgrade plan (C(name), C(height)), or null.
  returned: always
  type: dict
chain:
  description: C({height, time, block_time_s, block_age_s, error}) from the CometBFT RPC.
  returned: always
  type: dict
truncated:
  description: Queries that had more pages than O(max_pages).
  returned: always
  type: list
  elements: str
errors:
  description: One line per failed query.
  returned: always
  type: list
  elements: str
"""

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain_cli import ChainCLIError, chain_cli_argument_spec, run_chain_cli
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import CometRPC, RPCError, as_int, parse_time

LISTS = {"orders": ("market", "order", "list"), "bids": ("market", "bid", "list"), "providers": ("provider", "list")}


def read_pages(module, command, field, extra, truncated):
    params = module.params
    found = []
    for page in range(1, params["max_pages"] + 1):
        paging = ("--page", str(page), "--limit", str(params["page_limit"]), "--node", params["node"], "--output", "json")
        text = run_chain_cli(module, "query", *(command + tuple(extra) + paging))
        try:
            document = json.loads(text)
            batch = document.get(field) or []
        except (ValueError, AttributeError):
            raise ChainCLIError("query %s: the answer is not the expected JSON object with %r: %r" % (" ".join(command), field, text[:200]))
        found += batch
        if len(batch) < params["page_limit"] or not (document.get("pagination") or {}).get("next_key"):
            return found
    truncated.append(" ".join(command + tuple(extra)))
    return found


def chain_clock(params):
    chain = {"height": None, "time": None, "block_time_s": None, "block_age_s": None, "error": None}
    client = CometRPC(params["node"], timeout=params["timeout"])
    try:
        sync = client.status()["sync_info"]
        height = as_int(sync["latest_block_height"], "latest_block_height")
        latest = parse_time(sync["latest_block_time"])
        chain.update(height=height, time=sync["latest_block_time"], block_age_s=round(time.time() - latest, 1))
        earlier = max(1, height - params["block_time_window"])
        if earlier < height:
            then = parse_time(client.block(earlier)["block"]["header"]["time"])
            chain["block_time_s"] = round((latest - then) / float(height - earlier), 3)
    except RPCError as exc:
        chain["error"] = str(exc)
    except (KeyError, TypeError, ValueError) as exc:
        chain["error"] = "%s: unexpected /status or /block answer (%s)" % (params["node"], exc)
    finally:
        client.close()
    return chain


def main():
    module = AnsibleModule(
        argument_spec=chain_cli_argument_spec(
            queries=dict(type="list", elements="str", choices=["orders", "bids", "providers", "upgrade_plan"], default=["orders", "bids", "providers"]),
            bid_states=dict(type="list", elements="str", default=["open", "active", "lost", "closed"]),
            page_limit=dict(type="int", default=100),
            max_pages=dict(type="int", default=100),
            block_time_window=dict(type="int", default=20),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    bad_states = sorted(set(params["bid_states"]) - set(["open", "active", "lost", "closed"]))
    if bad_states:
        module.fail_json(msg="bid_states %s: the chain knows open, active, lost and closed" % ", ".join(bad_states))
    if params["page_limit"] < 1 or params["max_pages"] < 1 or params["block_time_window"] < 1 or params["timeout"] <= 0:
        module.fail_json(msg="page_limit=%s, max_pages=%s, block_time_window=%s and timeout=%s must be positive"
                         % (params["page_limit"], params["max_pages"], params["block_time_window"], params["timeout"]))
    result = dict(changed=False, orders=[], bids=[], providers=[], upgrade_plan=None, truncated=[], errors=[])
    queries = params["queries"]
    steps = []
    if "orders" in queries:
        steps.append(("orders", "orders", ["--state", "open", "--gseq", "0", "--oseq", "0"]))
    if "bids" in queries:
        steps.extend(("bids", "bids", ["--state", state]) for state in params["bid_states"])
    if "providers" in queries:
        steps.append(("providers", "providers", []))
    for name, field, extra in steps:
        try:
            result[name] += read_pages(module, LISTS[name], field, extra, result["truncated"])
        except ChainCLIError as exc:
            result["errors"].append(str(exc))
    if "upgrade_plan" in queries:
        try:
            result["upgrade_plan"] = json.loads(run_chain_cli(module, "query", "upgrade", "plan", "--node", params["node"], "--output", "json"))
        except ChainCLIError as exc:
            if "no upgrade scheduled" not in str(exc):
                result["errors"].append(str(exc))
        except ValueError:
            result["errors"].append("query upgrade plan: the answer is not JSON")
    result["chain"] = chain_clock(params)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
