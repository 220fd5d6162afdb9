# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider filters provider_targets, play011_decision, play011_options, play012_decision and play012_options (documented
in their .yml files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils import _market, _provider_fleet

PROVIDER_DEFAULTS = {
    "provider_listen_port": 8080,
    "provider_health_path": "/health",
    "provider_config": "/home/provider/.virtengine/provider-daemon.yaml",
    "provider_binary": "/usr/local/bin/provider-daemon",
}


def provider_targets(hosts, hostvars):
    targets = []
    for host in hosts:
        host_vars = dict(PROVIDER_DEFAULTS, **dict((k, v) for k, v in hostvars[host].items() if k in PROVIDER_DEFAULTS or k.startswith("provider_")))
        address = hostvars[host].get("ansible_host") or host
        binary = host_vars["provider_binary"]
        targets.append({
            "name": host,
            "health_url": host_vars.get("provider_health_url")
            or "http://%s:%s%s" % (address, host_vars["provider_listen_port"], host_vars["provider_health_path"]),
            "config": host_vars["provider_config"],
            "binary": binary,
            "previous_binary": host_vars.get("provider_binary_previous") or binary + ".bak",
            "chain_grpc": host_vars.get("provider_chain_grpc") or None,
            "chain_rpc": host_vars.get("provider_chain_rpc") or None,
        })
    return targets


def _records(hosts, health, host_checks, logs, hostvars):
    addresses = dict((host, hostvars[host].get("provider_address")) for host in hosts)
    return _provider_fleet.merge(hosts, health, host_checks, logs, addresses)


def play011_decision(market, hosts, health, host_checks, logs, hostvars, stale_blocks=50, recent_blocks=100, limits=None):
    try:
        return _market.decide(market, _records(hosts, health, host_checks, logs, hostvars), stale_blocks, recent_blocks, limits)
    except _market.MarketError as exc:
        raise AnsibleFilterError("play011_decision: %s" % exc)


def play012_decision(health, hosts, host_checks, logs, hostvars, chain, now, recent_seconds=3600, mass_share=0.5, max_block_age_s=60):
    try:
        return _provider_fleet.decide(_records(hosts, health, host_checks, logs, hostvars), chain, float(now), float(recent_seconds),
                                      float(mass_share), float(max_block_age_s))
    except _provider_fleet.FleetError as exc:
        raise AnsibleFilterError("play012_decision: %s" % exc)


def _setting(options, runbook, name):
    if not isinstance(options, dict) or "%s_%s" % (runbook, name) not in options:
        raise AnsibleFilterError("%s_options: pass every %s_* setting by its name (%s_%s is missing)" % (runbook, runbook, runbook, name))
    return options["%s_%s" % (runbook, name)]


def play011_options(options):
    try:
        stale, recent, limits = _market.check_options(_setting(options, "play011", "stale_blocks"), _setting(options, "play011", "recent_blocks"),
                                                      _setting(options, "play011", "spec_limits"), _setting(options, "play011", "show_orders"),
                                                      prefix="play011_")
    except _market.MarketError as exc:
        raise AnsibleFilterError("%s. Nothing was read or declared." % exc)
    return {"stale_blocks": stale, "recent_blocks": recent, "limits": limits}


def play012_options(options):
    names = ("recent_seconds", "mass_share", "max_block_age_s", "rollback_batch", "max_fail_percentage")
    try:
        checked = _provider_fleet.check_options(*[_setting(options, "play012", name) for name in names], prefix="play012_")
    except _provider_fleet.FleetError as exc:
        raise AnsibleFilterError("%s. Nothing was probed or declared." % exc)
    return dict(zip(names, checked))


class FilterModule(object):
    def filters(self):
        return {"provider_targets": provider_targets, "play011_decision": play011_decision, "play011_options": play011_options,
                "play012_decision": play012_decision, "play012_options": play012_options}
