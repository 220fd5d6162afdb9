# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security playbook filters: which addresses may be blocked (never the controller, the security team, management).

Docs in blockable_addresses.yml, auth_findings.yml, isolation_cuts.yml, ip_version.yml and not_dropped.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.module_utils._firewall import not_dropped
from ansible_collections.virtengine.incident_response.plugins.module_utils._auth_log import (
    AuthLogError,
    fleet_findings,
    ip_version as address_ip_version,
    split_protected,
)


def blockable_addresses(addresses, protected):
    try:
        return split_protected(addresses, protected)
    except AuthLogError as exc:
        raise AnsibleFilterError("blockable_addresses: %s" % exc)


def auth_findings(scans, ssh_clients, controller, security_team, management):
    try:
        return fleet_findings(scans, ssh_clients or {}, controller or [], security_team or [], management or [])
    except AuthLogError as exc:
        raise AnsibleFilterError("auth_findings: %s" % exc)


def isolation_cuts(ssh_clients, controller, allow):
    """Per host, the controller addresses that an isolation keeping only ``allow`` open would cut."""
    cuts = {}
    for host, ssh_client in sorted(ssh_clients.items()):
        addresses = list(controller or []) + ([ssh_client.split(" ")[0]] if ssh_client else [])
        try:
            # split_protected's "block" = addresses outside the allowed ranges, i.e. the ones isolation would cut.
            cuts[host] = split_protected(addresses, {"allowed": allow or []})["block"]
        except AuthLogError as exc:
            raise AnsibleFilterError("isolation_cuts: %s" % exc)
    return cuts


def ip_version(address):
    try:
        return address_ip_version(address)
    except AuthLogError as exc:
        raise AnsibleFilterError("ip_version: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"blockable_addresses": blockable_addresses, "auth_findings": auth_findings,
                "isolation_cuts": isolation_cuts, "ip_version": ip_version,
                "not_dropped": not_dropped}
