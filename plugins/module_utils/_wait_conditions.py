# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The named conditions chain_wait waits for: which module samples, which predicate holds, how a sample reads.

Pure: each predicate and each word is over one result of the sampling module (chain_status, provider_health,
sidecar_health), exactly as that module returns it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import all_reachable

# condition -> (sampling module, its option that takes the targets, arguments it always gets)
SAMPLERS = {
    "chain_recovered": ("chain_status", "endpoints", {"halt_window": 0, "retries": 0}),
    "reachable": ("chain_status", "endpoints", {"halt_window": 0, "retries": 0}),
    "provider_healthy": ("provider_health", "providers", {}),
    "sidecar_serving": ("sidecar_health", "endpoints", {}),
}


def all_healthy(reading):
    """Every provider of a provider_health result passed its checks."""
    providers = reading.get("providers") or []
    return bool(providers) and all(p.get("healthy") is True for p in providers)


def all_serving(reading):
    """Every sidecar of a sidecar_health result is ``serving``."""
    endpoints = reading.get("endpoints") or []
    return bool(endpoints) and all(e.get("state") == "serving" for e in endpoints)


PREDICATES = {"reachable": all_reachable, "provider_healthy": all_healthy, "sidecar_serving": all_serving}


def _node_word(node):
    if not node.get("reachable"):
        return "%s unreachable (%s)" % (node.get("name"), node.get("error") or "no answer")
    return "%s %s %s" % (node.get("name"), node.get("height"), (node.get("latest_block_hash") or "-")[:8])


def _provider_word(provider):
    if provider.get("healthy") is True:
        return "%s healthy" % provider.get("name")
    return "%s not healthy (%s)" % (provider.get("name"), "; ".join(provider.get("findings") or []) or provider.get("error") or "not checked")


def _sidecar_word(endpoint):
    if endpoint.get("state") == "serving":
        return "%s serving" % endpoint.get("name")
    return "%s %s%s" % (endpoint.get("name"), endpoint.get("state"), " (%s)" % endpoint["error"] if endpoint.get("error") else "")


def target_words(condition, reading):
    """One short phrase per target of a sample: a node's height and block hash, a provider's or sidecar's state,
    or its error (for the progress line and the timeout message)."""
    if condition == "provider_healthy":
        return [_provider_word(p) for p in reading.get("providers") or []]
    if condition == "sidecar_serving":
        return [_sidecar_word(e) for e in reading.get("endpoints") or []]
    return [_node_word(n) for n in reading.get("nodes") or []]
