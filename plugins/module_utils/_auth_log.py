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
import json
import re

# Timestamp prefixes: RFC 5424 (rsyslog RSYSLOG_SyslogProtocol23Format), RFC 3339 (rsyslog high precision,
# journalctl -o short-iso / short-iso-precise), journalctl -o short-full and short-unix, classic syslog (also
# journalctl -o short / short-precise), or none (sshd -E files, journalctl -o cat). journalctl -o json is read as JSON.
_RFC5424 = re.compile(r"^(?:<\d{1,3}>)1 (?P<iso>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ (?:-|(?:\[.*?\])+) ?(?P<msg>.*)$")
_ISO = re.compile(r"^(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (?P<rest>.*)$")
_FULL = re.compile(r"^(?:[A-Z][a-z]{2} )?(?P<iso>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: (?:UTC|(?P<offset>[+-]\d\d:?\d\d)))? (?P<rest>.*)$")
_UNIX = re.compile(r"^(?P<epoch>\d{9,11}(?:\.\d+)?) (?P<rest>.*)$")
_SYSLOG = re.compile(r"^(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d)(?:\.\d+)? (?P<rest>.*)$")
# "host prog[pid]: message"; some syslog daemons leave the host out.
_PROGRAM = re.compile(r"^(?:(?P<host>[^\s\[]+(?<!:)) )?(?P<prog>[\w.@/-]+)(?:\[(?P<pid>\d+)\])?: (?:\[ID \d+ [\w.]+\] )?(?P<msg>.*)$")
# rsyslog/journald compress identical lines: the inner message counts N times.
_REPEATED = re.compile(r"^message repeated (?P<count>\d+) times: \[ ?(?P<msg>.*?) ?\]$")
_LAST_REPEATED = re.compile(r"^(?:\S+ )?last message repeated (?P<count>\d+) times?$")
_MONTHS = dict((name, number) for number, name in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1))

# An IPv4 or IPv6 address (a link-local one may carry its zone, fe80::1%eth0); canonical_address normalises it.
_IP = r"(?P<source>[0-9A-Fa-f:.]*[0-9A-Fa-f](?:%[\w.-]+)?)"
# The user name is lazy and the address is anchored to what follows it, so a user name that itself contains
# "from <address> port <n>" (an injection fail2ban's tests carry) does not move the source.
_AT = r" " + _IP + r" port (?P<port>\d+)"
_FROM = r"(?P<user>.*?) from " + _IP + r"(?: port (?P<port>\d+))?"
_PREAUTH = r"(?: \[preauth\])?\s*$"
# (pattern, event, how: None for sshd's method); the first match wins. Events: "failed" one failed try; "max_tries" the connection reached
# sshd's MaxAuthTries; "attempted" the connection tried at least once (an unknown or refused user, or a client
# that gave up while authenticating: the only trace of a key-only attack at LogLevel INFO); "success"; "context"
# names the address of a connection whose other lines lack it. OpenSSH 7.x-9.8+ (sshd, sshd-session) wordings,
# cross-checked with fail2ban's filter test corpus (fail2ban/tests/files/logs/sshd).
_SSH_PATTERNS = [
    (re.compile(r"^Failed (?P<method>\S+) for (?P<invalid>invalid user )?" + _FROM + r"(?: ssh\d?)?(?:: .*)?$"), "failed", None),
    (re.compile(r"^(?:error: )?maximum authentication attempts exceeded for (?P<invalid>invalid user )?" + _FROM
                + r"(?: ssh\d?)?" + _PREAUTH),
     "max_tries", "max_auth_tries"),
    (re.compile(r"^Disconnecting (?P<invalid>invalid|authenticating) user (?P<user>.*?)" + _AT
                + r": Too many authentication failures" + _PREAUTH), "max_tries", "max_auth_tries"),
    (re.compile(r"^Disconnecting: Too many authentication failures(?: for (?P<invalid>invalid user )?(?P<user>.*?))?" + _PREAUTH),
     "max_tries", "max_auth_tries"),
    (re.compile(r"^Invalid user (?P<user>.*?) from " + _IP + r"(?: port (?P<port>\d+))?\s*$"), "attempted", "invalid_user"),
    (re.compile(r"^(?:Connection (?:closed|reset) by|Disconnected from|Disconnecting) (?P<invalid>invalid|authenticating) user (?P<user>.*?)"
                + _AT + r"(?::.*?)?" + _PREAUTH), "attempted", "preauth_close"),
    (re.compile(r"^User (?P<user>\S+) (?:from " + _IP + r" )?not allowed because "), "attempted", "not_allowed"),
    (re.compile(r"^ROOT LOGIN REFUSED FROM (?:::ffff:)?" + _IP + r"(?: port (?P<port>\d+))?" + _PREAUTH), "attempted", "root_refused"),
    (re.compile(r"^Accepted (?P<method>\S+) for (?P<user>.*?) from " + _IP + r" port (?P<port>\d+)(?: ssh\d?)?(?:: .*)?$"), "success", None),
    (re.compile(r"^Connection from " + _IP + r" port (?P<port>\d+)"), "context", "connection"),
    (re.compile(r"^(?:error: )?Received disconnect from " + _IP + r"(?: port (?P<port>\d+))?:"), "context", "connection"),
    (re.compile(r"^(?:Connection (?:closed|reset) by|Disconnected from)(?: user \S+)? " + _IP + r"(?: port (?P<port>\d+))?" + _PREAUTH),
     "context", "connection"),
    # Other services' PAM failures (sudo, su, login); sshd's own PAM line repeats its "Failed ..." line.
    (re.compile(r"^pam_unix\((?!sshd:)[\w-]+:auth\): authentication failure;.*?rhost=(?P<source>\S*)(?:\s+user=(?P<user>\S+))?"),
     "pam_other", "pam"),
]
_OUTCOME = {"failed": "failure", "max_tries": "failure", "attempted": "failure", "pam_other": "failure", "success": "success"}
# Combined/common access log: address, [time], "request", status.
_API = re.compile(r'^(?P<source>[0-9A-Fa-f:.]+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) ')
API_DENIED = ("401", "403")
# sshd's default MaxAuthTries: a connection cut for too many failures made this many tries.
MAX_AUTH_TRIES = 6


class AuthLogError(ValueError):
    """Bad input to the analysis; the message names the value."""


def parse_time(text):
    """ISO 8601 text -> aware UTC datetime; AuthLogError naming the text when it is not one."""
    try:
        value = datetime.datetime.strptime(text.replace("Z", "+0000").replace("+00:00", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise AuthLogError("%r is not a time like 2026-11-27T03:00:00Z" % (text,))
    return value.astimezone(datetime.timezone.utc)


# Clock skew allowed between a host's syslog stamps and the controller's clock when a year is inferred.
_SKEW = datetime.timedelta(days=1)


def canonical_address(text):
    """An address as a log writes it -> the one form that offenders, allow-lists and blocks compare: IPv6 compressed
    in lower case (2001:DB8:0:0::15 and 2001:db8::15 are one attacker), an IPv4-mapped IPv6 address (::ffff:203.0.113.45,
    from a dual-stack listener) as its IPv4 address (IPv4 packets are what carry it, so iptables must block it), brackets
    and a zone (%eth0) dropped. Anything else (a host name sshd logged with UseDNS) is returned unchanged."""
    value = str(text).strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return value
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def syslog_time(month, day, hms, reference):
    """Classic syslog's month name, day and [h, m, s] (no year) -> the latest such moment not after ``reference`` (an
    aware datetime, the window's end; a day of clock skew allowed): December lines read in January are last year's,
    29 February is the last leap year's. None when no year has that date (a corrupt line)."""
    month = _MONTHS.get(month)
    for year in range(reference.year, reference.year - 8, -1):  # any 8 years hold a leap year, even around 2100
        try:
            when = datetime.datetime(year, month, day, *hms, tzinfo=datetime.timezone.utc)
        except (TypeError, ValueError):
            continue
        if when <= reference + _SKEW:
            return when
    return None


def _iso_time(stamp, offset=None):
    stamp = re.sub(r"\.\d+", "", stamp.replace(" ", "T"))
    stamp = re.sub(r"([+-]\d\d):(\d\d)$", r"\1\2", stamp + (offset or "")).replace("Z", "+0000")
    if not re.search(r"[+-]\d{4}$", stamp):
        stamp += "+0000"
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").astimezone(datetime.timezone.utc)


def _line_time(fields, reference):
    """The time of a matched prefix; None when it is not a real moment (30 February, month 13): counted undated."""
    try:
        if "epoch" in fields:
            return datetime.datetime.fromtimestamp(float(fields["epoch"]), datetime.timezone.utc)
        if "iso" in fields:
            return _iso_time(fields["iso"], fields.get("offset"))
        return syslog_time(fields["mon"], int(fields["day"]), [int(part) for part in fields["hms"].split(":")], reference)
    except (ValueError, OverflowError, OSError):
        return None


def _split_line(text, reference):
    """A log line -> (time or None, host, program, pid, message); unknown prefixes leave the whole line as message."""
    found = _RFC5424.match(text)
    if found:
        pid = found.group("pid")
        return (_line_time({"iso": found.group("iso")}, reference), found.group("host"), found.group("prog"),
                pid if pid.isdigit() else None, found.group("msg"))
    when, rest = None, None
    for pattern in (_ISO, _FULL, _UNIX, _SYSLOG):
        found = pattern.match(text)
        if found:
            rest = found.group("rest")
            when = _line_time(found.groupdict(), reference)
            break
    if rest is None:
        return None, None, None, None, text
    program = _PROGRAM.match(rest)
    if not program:
        return when, None, None, None, rest
    return when, program.group("host"), program.group("prog"), program.group("pid"), program.group("msg")


def _journal_entry(text):
    """One ``journalctl -o json`` (or json-seq) record -> (time, host, program, pid, message); None when not one."""
    try:
        entry = json.loads(text.lstrip("\x1e"))
    except ValueError:
        return None
    if not isinstance(entry, dict) or "MESSAGE" not in entry:
        return None
    message = entry["MESSAGE"]
    if isinstance(message, list):  # journald exports a message that is not valid UTF-8 as a byte array
        message = bytes(b for b in message if isinstance(b, int) and 0 <= b < 256).decode("utf-8", "replace")
    when = entry.get("__REALTIME_TIMESTAMP")
    when = datetime.datetime.fromtimestamp(int(when) / 1e6, datetime.timezone.utc) if str(when or "").isdigit() else None
    return (when, entry.get("_HOSTNAME"), entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM"),
            entry.get("SYSLOG_PID") or entry.get("_PID"), str(message))


def parse_auth_line(line, reference):
    """One sshd/PAM log line -> an event dict, or None when it is not about authentication.

    The event: ``{time, outcome, service, event, how, user, source, port, host, program, pid, count, line}``;
    ``event`` is failed | max_tries | attempted | success | context | pam_other (see _SSH_PATTERNS), ``outcome``
    failure | success | None (context), ``count`` > 1 for rsyslog's ``message repeated N times: [ ... ]``.
    Syslog lines carry no year: it is the latest that puts the line not after ``reference`` (the window's end, an aware
    datetime; see syslog_time; UTC is assumed, as on the fleet's hosts). ``time`` is None for lines without a
    timestamp (sshd -E) or with an impossible one. ``source`` is canonical (canonical_address). A ``journalctl -o json``
    record is one line too; its ``line`` is rendered as ``journalctl -o short-iso-precise`` shows it, for the evidence.
    """
    text = line.rstrip("\r\n")
    split = _journal_entry(text) if text.lstrip("\x1e").startswith("{") else None
    when, host, program, pid, message = split or _split_line(text, reference)
    if split:
        text = "%s %s %s%s: %s" % (when.isoformat() if when else "-", host or "-", program or "-",
                                   "[%s]" % pid if pid else "", message)
    count = 1
    repeated = _REPEATED.match(message)
    if repeated:
        count, message = int(repeated.group("count")), repeated.group("msg")
    for pattern, event, how in _SSH_PATTERNS:
        found = pattern.search(message)
        if found:
            fields = found.groupdict()
            invalid = (fields.get("invalid") or "").startswith("invalid") or message.startswith("Invalid user")
            return {
                "time": when, "outcome": _OUTCOME.get(event), "service": "ssh", "event": event,
                "how": "invalid_user" if invalid and event != "success" else (how or fields.get("method")),
                "user": fields.get("user") or None, "source": canonical_address(fields["source"]) if fields.get("source") else None,
                "port": fields.get("port"),
                "host": host, "program": program, "pid": None if pid is None else str(pid), "count": count, "line": text,
            }
    return None


def parse_auth_log(lines, reference):
    """Lines of one log -> its events (parse_auth_line), expanding sysklogd's ``last message repeated N times``."""
    previous = None
    for line in lines:
        repeated = _LAST_REPEATED.match(_split_line(line.rstrip("\r\n"), reference)[4])
        if repeated and previous is not None:
            yield dict(previous, count=int(repeated.group("count")), line=line.rstrip("\r\n"))
            continue
        previous = parse_auth_line(line, reference)
        if previous is not None:
            yield previous


# The fields the analysis reads from a journal record (journalctl always adds __REALTIME_TIMESTAMP).
JOURNAL_FIELDS = ("MESSAGE", "SYSLOG_IDENTIFIER", "SYSLOG_PID", "_PID", "_HOSTNAME", "_COMM")
# sshd's syslog identifiers (OpenSSH 9.8 and later log each connection as sshd-session). A connection child's records
# can lack its unit (see _log_reader.journal_argv), so the journal is read by unit or by these.
SSHD_IDENTIFIERS = ("sshd", "sshd-session")


def journal_options(since=None, until=None):
    """The window (aware datetimes or None) -> _log_reader.read_journal options reading the units' records as JSON
    lines with the fields the analysis reads, sshd's records also by identifier. The window is widened to whole seconds
    (analyse applies the exact one)."""
    return {"output": "json", "fields": JOURNAL_FIELDS, "since": since, "until": until, "identifiers": SSHD_IDENTIFIERS}


def parse_api_line(line):
    """One access-log line -> an attempt when the status is 401 or 403 (a failure), else None."""
    text = line.rstrip("\r\n")
    found = _API.match(text)
    if not found or found.group("status") not in API_DENIED:
        return None
    try:
        when = datetime.datetime.strptime(found.group("time"), "%d/%b/%Y:%H:%M:%S %z").astimezone(datetime.timezone.utc)
    except ValueError:
        when = None  # an impossible time: counted, undated
    user = found.group("user")
    return {"time": when, "outcome": "failure", "service": "api", "event": "failed", "how": "http_%s" % found.group("status"),
            "user": None if user == "-" else user, "source": canonical_address(found.group("source")), "port": None, "host": None,
            "program": None, "pid": None, "count": 1, "line": text}


def _connections(events):
    """Events -> one list per sshd connection, each event tagged with its connection's index.

    A connection is one sshd process: (host, program, pid) where the log names the pid, else (host, address, port)
    (sshd -E). The same pid seen with another address or port is a new connection (pids are reused). Lines that
    name no address (``Disconnecting: Too many authentication failures``, ``User root not allowed``) take it from
    another line of their connection. API and non-sshd PAM lines are one attempt each.
    """
    current, connections, tagged = {}, [], []
    for event in events:
        if event["service"] != "ssh" or event["event"] == "pam_other":
            key = None
        elif event.get("pid"):
            key = ("pid", event.get("host"), event.get("program"), event["pid"])
        elif event["source"] and event["port"]:
            key = ("address", event.get("host"), event["source"], event["port"])
        else:
            key = None
        conn = current.get(key) if key else None
        if conn is not None and event["source"] and conn["source"] and (
                event["source"] != conn["source"] or (event["port"] and conn["port"] and event["port"] != conn["port"])):
            conn = None
        if conn is None:
            if key is None and not event["source"] and event["service"] == "ssh" and event["event"] != "pam_other":
                continue  # an sshd line with neither pid nor address cannot be attributed
            conn = {"index": len(connections), "source": None, "port": None, "user": None, "time": event["time"]}
            connections.append(conn)
            if key:
                current[key] = conn
        conn["source"] = conn["source"] or event["source"]
        conn["port"] = conn["port"] or event["port"]
        conn["user"] = event["user"] or conn["user"]
        tagged.append((conn, event))
    return connections, tagged


def _tries(state, max_auth_tries):
    """Failed tries of one connection so far: the largest of its witnesses, so lines of one try count once.

    The keys a client offered before one was accepted in the same connection are not failures: an agent holding
    several keys logs them at VERBOSE on every normal login (fail2ban gh-1263).
    """
    failed = state["failed"] + (0 if state["succeeded"] else state["failed_key"])
    return max(failed, max_auth_tries if state["max_tries"] else 0, 1 if state["attempted"] else 0, state["other"])


def _time_keys(events):
    """Events -> (time, index, event): an undated event takes the time of the dated one before it (stable sort keys)."""
    last = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    for index, event in enumerate(events):
        last = event["time"] or last
        yield last, index, event


def analyse(attempts, since=None, until=None, failure_threshold=5, max_evidence=20, max_auth_tries=MAX_AUTH_TRIES):
    """Events (parse_auth_line/parse_api_line) in the window -> the PLAY-SEC-002 findings.

    Failures are counted per try, each try once: the lines of one connection (``Invalid user``, ``Failed ...``,
    ``maximum authentication attempts exceeded``, ``Disconnecting ... Too many authentication failures``, the
    pre-auth close) are grouped (see _connections), and a connection made as many tries as its largest witness:
    its ``Failed`` lines (``message repeated N times`` counts N), ``max_auth_tries`` when sshd cut it for too many
    failures, else 1 when it tried a user and gave up or was refused. ``attempts`` per address counts its failed
    connections. An event without a time (sshd -E) is always counted; ``undated`` counts such connections. An
    address is an offender at ``failure_threshold`` failures or more; a success from an address after at least one
    failure from it before it in time is a possible compromise and escalates to SEV-1. Events are taken in time order
    (the logs of a window span rotated files, read in any order); an undated event keeps its place after the dated
    one before it.
    """
    if failure_threshold < 1:
        raise AuthLogError("failure_threshold=%r must be 1 or more" % (failure_threshold,))
    if max_auth_tries < 1:
        raise AuthLogError("max_auth_tries=%r must be 1 or more (sshd's MaxAuthTries, 6 by default)" % (max_auth_tries,))
    in_window = [e for e in attempts if e["time"] is None or not ((since and e["time"] < since) or (until and e["time"] > until))]
    in_window = [event for _key, _index, event in sorted(_time_keys(in_window), key=lambda item: item[:2])]
    connections, tagged = _connections(in_window)
    states = [{"failed": 0, "failed_key": 0, "max_tries": False, "attempted": False, "other": 0, "tries": 0, "succeeded": False}
              for _conn in connections]
    by_source, by_user, suspicious = {}, {}, []
    for conn, event in tagged:
        if event["event"] == "context":
            continue
        state, source = states[conn["index"]], conn["source"] or "unknown"
        user = event["user"] or conn["user"]
        entry = by_source.setdefault(source, {"source": source, "failures": 0, "attempts": 0, "successes": 0, "users": [],
                                              "evidence": []})
        user_entry = by_user.setdefault(user or "unknown", {"user": user or "unknown", "failures": 0, "successes": 0, "sources": []})
        count = event.get("count", 1)
        kind = event["event"] if event["service"] == "ssh" else "other"
        if kind == "success":
            state["succeeded"] = True
        elif kind in ("max_tries", "attempted"):
            state[kind] = True
        elif kind == "failed" and event["how"] == "publickey":
            state["failed_key"] += count
        else:
            state[kind if kind == "failed" else "other"] += count
        tries = _tries(state, max_auth_tries)
        entry["attempts"] += (tries > 0) - (state["tries"] > 0)
        entry["failures"] += tries - state["tries"]
        user_entry["failures"] += tries - state["tries"]
        state["tries"] = tries
        if kind == "success":
            if entry["failures"] > 0:
                suspicious.append({"source": source, "user": user, "failures_before": entry["failures"], "line": event["line"]})
            entry["successes"] += count
            user_entry["successes"] += count
        if user and user not in entry["users"]:
            entry["users"].append(user)
        if source not in user_entry["sources"]:
            user_entry["sources"].append(source)
        if len(entry["evidence"]) < max_evidence:
            entry["evidence"].append(event["line"])
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
        "undated": sum(1 for conn in connections if conn["time"] is None),
        "failure_threshold": failure_threshold,
        "max_auth_tries": max_auth_tries,
    }


def _network(text, what):
    """An address or CIDR range -> its network, canonical (canonical_address; ::ffff:10.0.0.0/104 is 10.0.0.0/8)."""
    value = str(text).strip()
    try:
        if "/" not in value:
            return ipaddress.ip_network(canonical_address(value))
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise AuthLogError("%s entry %r is not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/24, 2001:db8::5 "
                           "or 2001:db8::/64)" % (what, text))
    mapped = network.network_address.ipv4_mapped if network.version == 6 else None
    if mapped and network.prefixlen >= 96:
        network = ipaddress.ip_network("%s/%d" % (mapped, network.prefixlen - 96))
    return network


def _entry(network):
    """A network as a block names it: a single address without its /32 or /128."""
    single = network.prefixlen == network.max_prefixlen
    return str(network.network_address) if single else str(network)


def ip_version(address):
    """An address or range -> ``ipv4`` or ``ipv6``, as ansible.builtin.iptables' ip_version takes it (ipv6 runs
    ip6tables: iptables refuses an IPv6 address, and an IPv4 rule never matches IPv6 packets)."""
    return "ipv%d" % _network(address, "address").version


def split_protected(addresses, protected):
    """Addresses to block -> ``{block, refused}``: an address inside a protected range is never blocked.

    ``protected`` maps a reason (controller, security_team, management) to addresses or ranges of either family;
    every refused address names the range and the reason. A range to block that holds a protected address is refused
    too (blocking it would cut that address). ``unknown`` (no address in the log) is never blocked. Addresses are
    compared and returned canonical (canonical_address), so IPv6 spellings and IPv4-mapped forms match.
    """
    ranges = [(reason, _network(item, reason)) for reason, items in sorted(protected.items()) for item in (items or [])]
    block, refused = [], []
    for address in addresses:
        if address == "unknown":
            continue
        candidate = _network(address, "address to block")
        hits = [(reason, str(net)) for reason, net in ranges if candidate.version == net.version and candidate.overlaps(net)]
        if hits:
            refused.append({"address": _entry(candidate), "protected_by": [{"reason": r, "range": n} for r, n in hits]})
        elif _entry(candidate) not in block:
            block.append(_entry(candidate))
    return {"block": block, "refused": refused}


def fleet_findings(scans, ssh_clients, controller, security_team, management):
    """``{host: auth_log_scan result}``, ``{host: SSH_CLIENT}`` -> the fleet's findings and block plan.

    Each host's plan blocks its offenders minus the protected ranges; the controller's address as that host sees
    it (SSH_CLIENT) is protected on that host along with ``controller``. A log a host could not read, or read only in
    part (the scan's ``unreadable`` and ``truncated``), is a finding and a row of ``unread``: no attempt seen there is
    not the same as none made.
    """
    plan, refused, offenders, suspicious, evidence, unread = {}, [], [], [], [], []
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
        unread.extend({"host": host, "path": item["path"], "problem": item["error"]} for item in scan.get("unreadable", []))
        unread.extend({"host": host, "path": item["path"], "problem": "only its newest part was read: %d bytes before it were not "
                       "(raise max_bytes)" % item["unread_bytes"]} for item in scan.get("truncated", []))
    severity = "SEV-1" if suspicious else ("SEV-3" if offenders else None)
    findings = ["%s logged in as %s on %s after %d failures: possible compromise, SEV-1"
                % (item["source"], item["user"], item["host"], item["failures_before"]) for item in suspicious]
    findings += ["%s: %d failures from %s (users %s)" % (item["host"], item["failures"], item["source"], item["users"] or "-")
                 for item in offenders]
    findings += ["%s on %s is protected (%s) and will not be blocked" % (
        item["address"], item["host"], ", ".join("%s %s" % (p["reason"], p["range"]) for p in item["protected_by"]))
        for item in refused]
    findings += ["%s: %s not (wholly) read: %s" % (item["host"], item["path"], item["problem"]) for item in unread]
    verdict = ("COMPROMISE SUSPECTED" if suspicious else ("ATTACK ATTEMPTS" if offenders else "no offender"))
    return {"severity": severity, "verdict": verdict, "findings": findings, "offenders": offenders,
            "success_after_failures": suspicious, "block_plan": plan, "refused": refused, "evidence": evidence, "unread": unread}
