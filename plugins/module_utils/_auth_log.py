# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication evidence (PLAY-SEC-002): sshd/PAM and API log lines -> attempts by address and user.

Pure code: no I/O, so the unit tests feed it lines captured from a real sshd.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import re

# Timestamp prefixes: classic syslog, RFC 3339 (rsyslog high precision, journalctl -o short-iso), or none
# (sshd -E writes bare messages).
_SYSLOG = re.compile(r"^(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d) (?P<rest>.*)$")
_ISO = re.compile(r"^(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (?P<rest>.*)$")
_PROGRAM = re.compile(r"^(?:\S+ )?(?P<prog>[\w.-]+)(?:\[\d+\])?: (?P<msg>.*)$")
_MONTHS = dict((name, number) for number, name in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1))

_FROM = r"(?P<user>\S+) from (?P<source>[0-9A-Fa-f:.]+) port (?P<port>\d+)"
# (pattern, outcome, how); the first match wins, so the more specific patterns come first.
_SSH_PATTERNS = [
    (re.compile(r"^Failed (?P<method>\S+) for invalid user " + _FROM), "failure", "invalid_user"),
    (re.compile(r"^Failed (?P<method>\S+) for " + _FROM), "failure", None),
    (re.compile(r"^Invalid user (?P<user>\S*) from (?P<source>[0-9A-Fa-f:.]+)(?: port (?P<port>\d+))?"), "failure", "invalid_user"),
    (re.compile(r"^Accepted (?P<method>\S+) for " + _FROM), "success", None),
    # sshd's own PAM failures are skipped: the "Failed password" line of the same attempt counts it.
    (re.compile(r"^pam_unix\((?!sshd:)[\w-]+:auth\): authentication failure;.*?rhost=(?P<source>\S*)(?:\s+user=(?P<user>\S+))?"),
     "failure", "pam"),
]
# Combined/common access log: address, [time], "request", status.
_API = re.compile(r'^(?P<source>[0-9A-Fa-f:.]+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) ')
API_DENIED = ("401", "403")


class AuthLogError(ValueError):
    """Bad input to the analysis; the message names the value."""


def parse_time(text):
    """ISO 8601 text -> aware UTC datetime; AuthLogError naming the text when it is not one."""
    try:
        value = datetime.datetime.strptime(text.replace("Z", "+0000").replace("+00:00", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise AuthLogError("%r is not a time like 2026-11-27T03:00:00Z" % (text,))
    return value.astimezone(datetime.timezone.utc)


def _line_time(match, year):
    if match is None:
        return None
    if "iso" in match.groupdict():
        stamp = match.group("iso")
        stamp = re.sub(r"\.\d+", "", stamp)
        stamp = re.sub(r"([+-]\d\d):(\d\d)$", r"\1\2", stamp).replace("Z", "+0000")
        if not re.search(r"[+-]\d{4}$", stamp):
            stamp += "+0000"
        return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").astimezone(datetime.timezone.utc)
    hms = [int(part) for part in match.group("hms").split(":")]
    return datetime.datetime(year, _MONTHS[match.group("mon")], int(match.group("day")), *hms, tzinfo=datetime.timezone.utc)


def parse_auth_line(line, year):
    """One sshd/PAM line -> ``{time, outcome, how, user, source, line}`` or None when it is not an attempt.

    Syslog lines carry no year: ``year`` supplies it (UTC is assumed, as on the fleet's hosts).
    ``time`` is None for lines without a timestamp (sshd -E).
    """
    text = line.rstrip("\r\n")
    stamp = _ISO.match(text) or _SYSLOG.match(text)
    rest = stamp.group("rest") if stamp else text
    program = _PROGRAM.match(rest)
    message = program.group("msg") if program and stamp else rest
    for pattern, outcome, how in _SSH_PATTERNS:
        found = pattern.search(message)
        if found:
            fields = found.groupdict()
            source = fields.get("source") or None
            return {
                "time": _line_time(stamp, year), "outcome": outcome, "service": "ssh",
                "how": how or fields.get("method"), "user": fields.get("user") or None,
                "source": source, "port": fields.get("port"), "line": text,
            }
    return None


def parse_api_line(line):
    """One access-log line -> an attempt when the status is 401 or 403 (a failure), else None."""
    text = line.rstrip("\r\n")
    found = _API.match(text)
    if not found or found.group("status") not in API_DENIED:
        return None
    when = datetime.datetime.strptime(found.group("time"), "%d/%b/%Y:%H:%M:%S %z").astimezone(datetime.timezone.utc)
    user = found.group("user")
    return {"time": when, "outcome": "failure", "service": "api", "how": "http_%s" % found.group("status"),
            "user": None if user == "-" else user, "source": found.group("source"), "port": None, "line": text}


def analyse(attempts, since=None, until=None, failure_threshold=5, max_evidence=20):
    """Attempts in the window -> the PLAY-SEC-002 findings.

    An attempt without a time (sshd -E lines) is always counted and listed in ``undated``. A source address
    is an offender at ``failure_threshold`` failures or more; a success from an address after at least one
    failure from it (in the order of the logs) is a possible compromise and escalates to SEV-1.
    """
    if failure_threshold < 1:
        raise AuthLogError("failure_threshold=%r must be 1 or more" % (failure_threshold,))
    by_source, by_user, suspicious, undated = {}, {}, [], 0
    # sshd logs "Invalid user" and then "Failed <method> for invalid user" for the same connection: count it once.
    attempts = list(attempts)
    failed_invalid = set((a["source"], a["port"]) for a in attempts if " for invalid user " in a["line"])
    for attempt in attempts:
        if "Invalid user " in attempt["line"] and (attempt["source"], attempt["port"]) in failed_invalid:
            continue
        when = attempt["time"]
        if when is not None and ((since and when < since) or (until and when > until)):
            continue
        undated += when is None
        source = attempt["source"] or "unknown"
        entry = by_source.setdefault(source, {"source": source, "failures": 0, "successes": 0, "users": [], "evidence": []})
        user_entry = by_user.setdefault(attempt["user"] or "unknown", {"user": attempt["user"] or "unknown", "failures": 0,
                                                                       "successes": 0, "sources": []})
        if attempt["outcome"] == "success" and entry["failures"] > 0:
            suspicious.append({"source": source, "user": attempt["user"], "failures_before": entry["failures"],
                               "line": attempt["line"]})
        key = "failures" if attempt["outcome"] == "failure" else "successes"
        entry[key] += 1
        user_entry[key] += 1
        if attempt["user"] and attempt["user"] not in entry["users"]:
            entry["users"].append(attempt["user"])
        if source not in user_entry["sources"]:
            user_entry["sources"].append(source)
        if len(entry["evidence"]) < max_evidence:
            entry["evidence"].append(attempt["line"])
    sources = sorted(by_source.values(), key=lambda item: (-item["failures"], item["source"]))
    offenders = [item["source"] for item in sources if item["failures"] >= failure_threshold]
    return {
        "by_source": sources,
        "by_user": sorted(by_user.values(), key=lambda item: (-item["failures"], item["user"])),
        "offenders": offenders,
        "success_after_failures": suspicious,
        "severity": "SEV-1" if suspicious else ("SEV-3" if offenders else None),
        "failures": sum(item["failures"] for item in sources),
        "successes": sum(item["successes"] for item in sources),
        "undated": undated,
        "failure_threshold": failure_threshold,
    }


def _network(text, what):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        raise AuthLogError("%s entry %r is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24)" % (what, text))


def split_protected(addresses, protected):
    """Addresses to block -> ``{block, refused}``: an address inside a protected range is never blocked.

    ``protected`` maps a reason (controller, security_team, management) to addresses or ranges; every
    refused address names the range and the reason. ``unknown`` (no address in the log) is never blocked.
    """
    ranges = [(reason, _network(item, reason)) for reason, items in sorted(protected.items()) for item in (items or [])]
    block, refused = [], []
    for address in addresses:
        if address == "unknown":
            continue
        candidate = _network(address, "address to block")
        hits = [(reason, str(net)) for reason, net in ranges if candidate.version == net.version and candidate.subnet_of(net)]
        if hits:
            refused.append({"address": str(address), "protected_by": [{"reason": r, "range": n} for r, n in hits]})
        elif str(address) not in block:
            block.append(str(address))
    return {"block": block, "refused": refused}


def fleet_findings(scans, ssh_clients, controller, security_team, management):
    """``{host: auth_log_scan result}``, ``{host: SSH_CLIENT}`` -> the fleet's findings and block plan.

    Each host's plan blocks its offenders minus the protected ranges; the controller's address as that host sees
    it (SSH_CLIENT) is protected on that host along with ``controller``.
    """
    plan, refused, offenders, suspicious, evidence = {}, [], [], [], []
    for host in sorted(scans):
        scan, ssh_client = scans[host], (ssh_clients.get(host) or "").split(" ")[0]
        protected = {"controller": list(controller) + ([ssh_client] if ssh_client else []),
                     "security_team": list(security_team), "management": list(management)}
        split = split_protected(scan.get("offenders", []), protected)
        if split["block"]:
            plan[host] = split["block"]
        refused.extend(dict(item, host=host) for item in split["refused"])
        for entry in scan.get("by_source", []):
            if entry["source"] in scan.get("offenders", []):
                offenders.append({"host": host, "source": entry["source"], "failures": entry["failures"],
                                  "successes": entry["successes"], "users": ", ".join(entry["users"])})
            evidence.extend({"host": host, "source": entry["source"], "line": line} for line in entry["evidence"])
        suspicious.extend(dict(item, host=host) for item in scan.get("success_after_failures", []))
    severity = "SEV-1" if suspicious else ("SEV-3" if offenders else None)
    findings = ["%s logged in as %s on %s after %d failures: possible compromise, SEV-1"
                % (item["source"], item["user"], item["host"], item["failures_before"]) for item in suspicious]
    findings += ["%s: %d failures from %s (users %s)" % (item["host"], item["failures"], item["source"], item["users"] or "-")
                 for item in offenders]
    findings += ["%s on %s is protected (%s) and will not be blocked" % (
        item["address"], item["host"], ", ".join("%s %s" % (p["reason"], p["range"]) for p in item["protected_by"]))
        for item in refused]
    verdict = ("COMPROMISE SUSPECTED" if suspicious else ("ATTACK ATTEMPTS" if offenders else "no offender"))
    return {"severity": severity, "verdict": verdict, "findings": findings, "offenders": offenders,
            "success_after_failures": suspicious, "block_plan": plan, "refused": refused, "evidence": evidence}
