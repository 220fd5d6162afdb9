# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each node's own readings say about it, as causes for ``_causes.apply`` (pure, no I/O).

Over the fleet view (``_fleet.fleet_view``), for the hosts a decision names:

- :func:`host_causes`: one cause per log signature found on them (the host whose log holds the line), with the host's
  resource readings (free disk, memory, limits, restarts) in the evidence of the resource causes; a disk that the live
  reading shows full is a ``disk_full`` cause without a log line, and a logged ``disk_full`` whose disk has room again
  is ``resolved`` (a precondition that holds, the restart allowed). Lines about another validator than the logging
  node (jailing, double-sign evidence) are never a cause of the host that logged them: :func:`outside_set` reads them.
  A node whose chain id differs from the fleet's (``_partition.fleet_network``) is ``network_mismatch`` without a log
  line; that line in the log of a node on the fleet's network (it refuses a stranger) and a sentry's full inbound slots
  (``_partition.inbound_faults`` ties them to the node they lock out) are no cause of the host that logged them.
- :func:`outside_set`: the inventory's validators outside the active set (not in ``/validators``, ``/status`` voting
  power 0), each jailed or tombstoned when a slashing line of any node's log names its address, as the causes
  ``validator_out_of_set`` and ``validator_tombstoned``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import cause
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import SIGNATURES, match_line
from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import fleet_network, p2p_node

# A disk with less free space than this is full: a node writes blocks, state and its WAL all the time, and a database
# compaction needs room of its own. Above it, the disk "has room again" and a logged full disk is resolved.
DISK_FULL_BYTES = 1 << 30
# Causes whose evidence carries the host's resource readings, and the readings each shows.
RESOURCE_READINGS = {
    "disk_full": ("disk_free_bytes", "disk_total_bytes", "disk_free_percent", "home"),
    "out_of_memory": ("mem_available_bytes", "mem_total_bytes", "memory_max_bytes", "memory_current_bytes", "restarts"),
    "too_many_open_files": ("limit_nofile", "open_files", "restarts"),
}
# Lines about another validator than the logging node (the chain's word, logged by every node).
ABOUT_OTHERS = ("validator_jailed", "double_sign_evidence")
# A sentry's full inbound slots are a fault only for the fleet node they lock out: PLAY-002 ties the line to that node
# (_partition.inbound_faults); on the host that logged it, the line vetoes nothing.
PEER_FINDINGS = ("inbound_peers_full",)
_ORDER = dict((s.name, index) for index, s in enumerate(SIGNATURES))

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def human_bytes(count):
    """``count`` bytes as ``512.0 MiB`` / ``40.0 GiB`` (``0 B``); ``?`` for None."""
    if count is None:
        return "?"
    value, unit = float(count), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return "%d B" % count if unit == "B" else "%.1f %s" % (value, unit)


def _polymod(values):
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for index, generator in enumerate(_GENERATOR):
            check ^= generator if (top >> index) & 1 else 0
    return check


def address_hex(text):
    """A validator's consensus address as CometBFT's upper-case hex, from hex or bech32 (``<prefix>valcons1...``, the
    BIP-173 checksum verified); None for anything else (a name, a damaged address)."""
    text = (text or "").strip().strip('"')
    if len(text) == 40 and all(c in "0123456789abcdefABCDEF" for c in text):
        return text.upper()
    lower = text.lower()
    split = lower.rfind("1")
    if split < 1 or len(lower) - split < 8 or any(c not in _BECH32 for c in lower[split + 1:]):
        return None
    prefix, data = lower[:split], [_BECH32.index(c) for c in lower[split + 1:]]
    if _polymod([ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix] + data) != 1:
        return None
    accumulator, bits, decoded = 0, 0, bytearray()
    for value in data[:-6]:
        accumulator, bits = (accumulator << 5) | value, bits + 5
        while bits >= 8:
            bits -= 8
            decoded.append((accumulator >> bits) & 0xFF)
    return "".join("%02X" % b for b in decoded) if len(decoded) == 20 else None


def disk_is_full(resources):
    """True when the reading shows less than DISK_FULL_BYTES free, False when it shows more, None when unread."""
    free = (resources or {}).get("disk_free_bytes")
    return None if free is None else free < DISK_FULL_BYTES


def reading_text(name, reading):
    """The numbers a resource cause's reading shows, in words (``0 B free of 500.0 GiB under /home/node/.virtengine``)."""
    reading = reading or {}
    parts = []
    if name == "disk_full" and reading.get("disk_free_bytes") is not None:
        parts.append("%s free of %s under %s" % (human_bytes(reading["disk_free_bytes"]), human_bytes(reading.get("disk_total_bytes")),
                                                 reading.get("home") or "the node's home"))
    if name == "out_of_memory":
        if reading.get("memory_max_bytes") is not None or reading.get("memory_current_bytes") is not None:
            limit = reading.get("memory_max_bytes")
            parts.append("unit memory %s of MemoryMax %s" % (human_bytes(reading.get("memory_current_bytes")),
                                                             human_bytes(limit) if limit is not None else "infinity"))
        if reading.get("mem_available_bytes") is not None:
            parts.append("%s available of %s" % (human_bytes(reading["mem_available_bytes"]), human_bytes(reading.get("mem_total_bytes"))))
    if name == "too_many_open_files" and reading.get("limit_nofile") is not None:
        parts.append("LimitNOFILE %s%s" % (reading["limit_nofile"], (", %s open" % reading["open_files"]) if reading.get("open_files") is not None else ""))
    if name in ("out_of_memory", "too_many_open_files") and reading.get("restarts") is not None:
        parts.append("%s restarts" % reading["restarts"])
    return "; ".join(parts)


def _reading(name, host):
    resources = host.get("resources") or {}
    reading = dict((key, resources.get(key)) for key in RESOURCE_READINGS[name] if resources.get(key) is not None)
    if "restarts" in RESOURCE_READINGS[name] and reading.get("restarts") is None:
        # Without systemd's NRestarts, the journal's "restart counter is at N" (service_restarting) says it.
        logged = ((((host.get("logs") or {}).get("signatures") or {}).get("service_restarting") or {}).get("fields") or {}).get("restarts")
        if logged is not None:
            reading["restarts"] = logged
    return reading


def host_causes(view, names):
    """Causes (``_causes.cause`` records) of the hosts ``names`` from their logs and resource readings; see the
    module docstring. Order: the catalogue's."""
    found = {}

    def add(name, host, evidence, resolved=None):
        record = found.setdefault(name, {"hosts": [], "evidence": [], "resolved": {}})
        record["hosts"].append(host)
        record["evidence"].append(evidence)
        if resolved is not None:
            record["resolved"][host] = resolved

    fleet_chain_id, odd = fleet_network(dict((name, p2p_node(node)) for name, node in view["nodes"].items()))
    for host_name in names:
        node = view["nodes"].get(host_name) or {}
        host = node.get("host") or {}
        signatures = (host.get("logs") or {}).get("signatures") or {}
        full = disk_is_full(host.get("resources"))
        for name, entry in signatures.items():
            if name in ABOUT_OTHERS or name in PEER_FINDINGS:
                continue
            if name == "network_mismatch" and fleet_chain_id and (entry.get("fields") or {}).get("own_network") == fleet_chain_id:
                continue  # this node is on the fleet's network: it refuses a peer of another one
            evidence = {"host": host_name, "signature": name, "count": entry.get("count"), "line": entry.get("newest"),
                        "fields": entry.get("fields") or {}}
            resolved = None
            if name in RESOURCE_READINGS:
                evidence["reading"] = _reading(name, host)
                evidence["numbers"] = reading_text(name, evidence["reading"])
                if name == "disk_full" and full is False:
                    resolved = evidence["reading"]
            add(name, host_name, evidence, resolved)
        if host_name in odd and "network_mismatch" not in signatures:
            add("network_mismatch", host_name, {"host": host_name, "signature": "network_mismatch", "count": None, "fields": {},
                                                "reading": {"chain_id": odd[host_name], "fleet_chain_id": fleet_chain_id},
                                                "numbers": "chain id %s, the fleet's %s" % (odd[host_name], fleet_chain_id),
                                                "line": "live reading: chain id %s, the fleet's %s" % (odd[host_name], fleet_chain_id)})
        if full and "disk_full" not in signatures:
            reading = _reading("disk_full", host)
            add("disk_full", host_name, {"host": host_name, "signature": "disk_full", "count": None, "fields": {}, "reading": reading,
                                         "numbers": reading_text("disk_full", reading),
                                         "line": "live reading: %s (no log line yet)" % reading_text("disk_full", reading)})
    return [cause(name, record["hosts"], record["evidence"], record["resolved"])
            for name, record in sorted(found.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER)))]


def _slashing_lines(view):
    """Every jailing and double-sign line of every node's log: ``{address, validator, signature, logged_by, line, height,
    jailed_until, infraction_height}`` (``address`` the hex the line names, None when it names none that decodes)."""
    lines = []
    for node_name, node in view["nodes"].items():
        signatures = ((node.get("host") or {}).get("logs") or {}).get("signatures") or {}
        for name in ABOUT_OTHERS:
            for line in (signatures.get(name) or {}).get("lines") or []:
                matched = match_line(line)
                fields = matched[1] if matched else {}
                lines.append({"address": address_hex(fields.get("validator")), "validator": fields.get("validator"), "signature": name,
                              "logged_by": node_name, "line": line, "height": fields.get("height"), "jailed_until": fields.get("jailed_until"),
                              "infraction_height": fields.get("infraction_height")})
    return lines


def outside_set(view, names):
    """The validators of ``names`` outside the active set, and what the logs say of them.

    Outside: the address (``/status`` validator_info, else the inventory's ``node_validator_address``) is not among the
    validators consensus_state read, and ``/status`` (when it answers) gives no voting power. Nothing is judged when the
    validator set was not read or the address is unknown.

    Returns ``{"validators": [{host, address, status_voting_power, rpc, jailed, tombstoned, lines}], "unmatched":
    [slashing lines naming no host of ``names``], "causes": [...]}``; ``jailed``/``tombstoned`` hold the slashing
    lines that name the host's address (a confirmed or ignored equivocation means tombstoned).
    """
    consensus = view["fleet"]["consensus"]
    in_set = set((entry.get("address") or "").upper() for entry in consensus.get("validators") or [])
    lines = _slashing_lines(view)
    out, ours = [], set()
    for host_name in names:
        node = view["nodes"].get(host_name) or {}
        rpc, host = node.get("rpc") or {}, node.get("host") or {}
        address = address_hex(rpc.get("validator_address")) or address_hex(host.get("validator_address"))
        if address:
            ours.add(address)
        power = rpc.get("voting_power") if rpc.get("reachable") else None
        if not in_set or not address or address in in_set or power:
            continue
        named = [line for line in lines if line["address"] == address]
        out.append({"host": host_name, "address": address, "status_voting_power": power, "rpc": "ok" if rpc.get("reachable") else "DOWN",
                    "jailed": [line for line in named if line["signature"] == "validator_jailed"],
                    "tombstoned": [line for line in named if line["signature"] == "double_sign_evidence"], "lines": named})
    causes = []
    tombstoned = [v for v in out if v["tombstoned"]]
    jailed = [v for v in out if not v["tombstoned"]]
    for name, group in (("validator_out_of_set", jailed), ("validator_tombstoned", tombstoned)):
        if group:
            causes.append(cause(name, [v["host"] for v in group], [
                {"host": v["host"], "signature": name, "address": v["address"], "status_voting_power": v["status_voting_power"],
                 "line": (v["lines"][-1]["line"] if v["lines"] else "not in /validators, /status voting power %s" % (
                     v["status_voting_power"] if v["status_voting_power"] is not None else "unknown (RPC down)"))} for v in group]))
    return {"validators": out, "unmatched": [line for line in lines if line["address"] not in ours], "causes": causes}


def outside_set_text(validator):
    """One finding line for a validator of :func:`outside_set`."""
    what = "TOMBSTONED (double-sign evidence names its address)" if validator["tombstoned"] else "jailed or unbonded"
    power = validator["status_voting_power"]
    head = "%s (%s) is an inventory validator OUTSIDE the validator set: not in /validators, %s: %s" % (
        validator["host"], validator["address"], "voting power %s in its /status" % power if power is not None else "its RPC does not answer", what)
    if validator["jailed"] and not validator["tombstoned"]:
        newest = validator["jailed"][-1]
        until = (" until %s" % newest["jailed_until"]) if newest["jailed_until"] else ""
        head += "; jailed at height %s%s (log of %s)" % (newest["height"] or "?", until, newest["logged_by"])
    if validator["tombstoned"]:
        return head + ". It can never validate again: never unjail; stop every copy of its key and create a new validator with a new key"
    return head + ". Fix why it missed blocks, then unjail it (tx slashing unjail) once jailed_until has passed; a restart does not unjail it"
