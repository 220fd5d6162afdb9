# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host's firewall already holds, read from ``iptables -S`` / ``ip6tables -S`` (host_firewall's block).

Pure code: the role runs the commands, the unit tests feed their output.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import shlex


def _network(text):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def dropped_sources(rules, chain="INPUT"):
    """``iptables -S`` lines (either family) -> the networks whose traffic a rule of ``chain`` drops (``-s X -j DROP``
    with no other match than a comment), whatever the rule's comment."""
    dropped = []
    for line in rules:
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if words[:2] != ["-A", chain] or "-s" not in words or words[-2:] != ["-j", "DROP"]:
            continue
        rest = words[2:-2]
        at = rest.index("-s")
        source, others = (rest[at + 1] if at + 1 < len(rest) else ""), rest[:at] + rest[at + 2:]
        if others and not (len(others) == 4 and others[:3] == ["-m", "comment", "--comment"]):
            continue  # a narrower rule (a port, an interface) does not block the address
        network = _network(source)
        if network is not None:
            dropped.append(network)
    return dropped


def not_dropped(addresses, rules):
    """Addresses to block -> those that no DROP rule of INPUT in ``rules`` (``iptables -S`` and ``ip6tables -S``
    lines) already covers, in their order: a re-run, even in another incident (another comment), adds nothing."""
    dropped = dropped_sources(rules)
    missing = []
    for address in addresses:
        network = _network(str(address))
        if network is None or not any(network.version == net.version and network.subnet_of(net) for net in dropped):
            missing.append(address)
    return missing
