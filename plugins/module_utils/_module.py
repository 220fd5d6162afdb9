# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the RPC modules share: their argument spec, endpoint parsing, clients."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CometRPC,
    RPCError,
    fan_out,
    normalize_url,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import node_id_error


def rpc_argument_spec(**extra):
    """The options documented by the ``virtengine.incident_response.rpc`` doc fragment."""
    spec = dict(
        endpoints=dict(type="list", elements="raw", required=True),
        timeout=dict(type="float", default=5.0),
        retries=dict(type="int", default=1),
        max_workers=dict(type="int", default=64),
        skip=dict(type="dict", default={}),
    )
    spec.update(extra)
    return spec


def check_rpc_arguments(module):
    """Fail on arguments that make no sense for any endpoint; requests must be importable."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    if not params["endpoints"]:
        module.fail_json(msg="endpoints is empty: give at least one RPC URL, e.g. http://127.0.0.1:26657")
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout=%s must be a positive number of seconds" % params["timeout"])
    if params["retries"] < 0:
        module.fail_json(msg="retries=%s must be 0 or more" % params["retries"])
    if params["max_workers"] < 1:
        module.fail_json(msg="max_workers=%s must be 1 or more" % params["max_workers"])


def parse_endpoints(raw_endpoints):
    """Each entry -> ``{"name", "url", "node_id", "validator_address", "error"}``; a bad entry is that endpoint's error."""
    endpoints = []
    for position, raw in enumerate(raw_endpoints):
        fields = raw if isinstance(raw, dict) else {"url": raw}
        url = fields.get("url")
        entry = {
            "name": str(fields.get("name") or url or "endpoint%d" % position),
            "url": str(url) if url is not None else None,
            "node_id": fields.get("node_id"),
            "validator_address": (fields.get("validator_address") or "").upper() or None,
            "error": None,
        }
        if not isinstance(raw, (dict, str)):
            entry["error"] = "endpoint %r: expected a URL string or a dict with 'url' (and optional 'name', 'node_id', 'validator_address')" % (raw,)
        elif not url:
            entry["error"] = "endpoint %s: no 'url' given" % entry["name"]
        elif entry["node_id"] is not None and node_id_error(entry["node_id"]):
            entry["error"] = "endpoint %s: node_id: %s (set node_id in the inventory as /status reports it)" % (
                entry["name"], node_id_error(entry["node_id"]))
        else:
            try:
                entry["url"] = normalize_url(url)
            except RPCError as exc:
                entry["error"] = str(exc)
        endpoints.append(entry)
    return endpoints


def query_endpoints(module, endpoints, query, skip=None):
    """Run ``query(client, endpoint)`` concurrently on every valid endpoint.

    Returns ``{name: (result, error)}``; invalid endpoints keep their parse error, and endpoints named in ``skip``
    (``{name: error}``, default the module's ``skip`` option) get the error seen earlier in the run without being
    asked (one timeout per run for a hung node).
    """
    params = module.params
    skip = (params.get("skip") if skip is None else skip) or {}

    def one(endpoint):
        client = CometRPC(endpoint["url"], timeout=params["timeout"], retries=params["retries"])
        try:
            return query(client, endpoint)
        finally:
            client.close()

    outcome = dict((e["name"], (None, e["error"])) for e in endpoints if e["error"])
    for endpoint in endpoints:
        if endpoint["name"] in skip and endpoint["name"] not in outcome:
            outcome[endpoint["name"]] = (None, "not asked again in this run: %s" % (skip[endpoint["name"]] or "unreadable"))
    valid = [e for e in endpoints if e["name"] not in outcome]
    for endpoint, result, error in fan_out(one, valid, params["max_workers"]):
        outcome[endpoint["name"]] = (result, error)
    return outcome
