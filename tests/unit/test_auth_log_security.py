# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-002 (issue 25): IPv6 offenders and allow-lists, auth logs across rotation and time, bounded reads."""

import datetime
import gzip
import os
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._auth_log import (
    AuthLogError,
    analyse,
    canonical_address,
    fleet_findings,
    ip_version,
    parse_auth_line,
    parse_auth_log,
    parse_time,
    split_protected,
    syslog_time,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import read_bounded, rotated_logs
from ansible_collections.virtengine.incident_response.plugins.modules import auth_log_scan

CASE23 = Path(__file__).parent / "fixtures" / "cases" / "23-ipv6-offender-iptables-block"
UTC = datetime.timezone.utc


def at(text):
    return parse_time(text)


def by_source(result):
    return dict((entry["source"], entry["failures"]) for entry in result["by_source"])


def test_case23a_ipv6_and_ipv4_offenders_from_sshd_session_lines():
    """Case 23a: 2001:db8:4:7::15 (9 tries in 3 connections) and 203.0.113.45 (6 in 2), SEV-3, no login after failures."""
    found = list(parse_auth_log((CASE23 / "auth.log").read_text().splitlines(), at("2025-07-21T19:00:00Z")))
    result = analyse(found, since=at("2025-07-21T18:00:00Z"), until=at("2025-07-21T19:00:00Z"))
    assert result["offenders"] == ["2001:db8:4:7::15", "203.0.113.45"]
    assert by_source(result) == {"2001:db8:4:7::15": 9, "203.0.113.45": 6, "198.51.100.4": 0}
    assert [entry["attempts"] for entry in result["by_source"][:2]] == [3, 2]
    assert result["severity"] == "SEV-3" and result["success_after_failures"] == []


def test_case23_variant_ipv6_spellings_and_ipv4_mapped_are_one_attacker_each():
    """Another spelling of the same addresses: upper case and uncompressed IPv6, ::ffff: mapped IPv4 (a dual-stack
    listener), a bracketed address in an API log, and a link-local address with its zone."""
    lines = ["2025-07-21T18:20:03+00:00 node1 sshd-session[1]: Failed password for root from 2001:DB8:4:7:0:0:0:15 port 50112 ssh2",
             "2025-07-21T18:20:04+00:00 node1 sshd-session[1]: Failed password for root from 2001:db8:4:7::15 port 50112 ssh2",
             "2025-07-21T18:20:05+00:00 node1 sshd[2]: Failed password for root from ::ffff:203.0.113.45 port 4000 ssh2",
             "2025-07-21T18:20:06+00:00 node1 sshd[3]: Failed password for root from fe80::1%eth0 port 4001 ssh2"]
    result = analyse(list(parse_auth_log(lines, at("2025-07-22T00:00:00Z"))), failure_threshold=1)
    assert by_source(result) == {"2001:db8:4:7::15": 2, "203.0.113.45": 1, "fe80::1": 1}
    assert canonical_address("[2001:DB8::1]") == "2001:db8::1" and canonical_address("host.example") == "host.example"


def test_ipv6_protected_ranges_and_ipv4_mapped_allow_lists():
    split = split_protected(["2001:db8:4:7::15", "2001:db8:9::7", "203.0.113.45", "10.0.0.5", "unknown"],
                            {"controller": ["::ffff:10.0.0.5"], "security_team": ["2001:db8:9::/48"], "management": []})
    assert split["block"] == ["2001:db8:4:7::15", "203.0.113.45"]
    assert [(item["address"], item["protected_by"][0]["reason"]) for item in split["refused"]] == [
        ("2001:db8:9::7", "security_team"), ("10.0.0.5", "controller")]
    # A range to block that holds a protected address is refused: blocking it would cut that address.
    cut = split_protected(["2001:db8:4::/48"], {"controller": ["2001:db8:4:7::1"]})
    assert cut["block"] == [] and cut["refused"][0]["address"] == "2001:db8:4::/48"
    with pytest.raises(AuthLogError, match="'fe80::zz'.*IPv6"):
        split_protected(["fe80::zz"], {})


def test_fleet_findings_protects_an_ipv6_ssh_client():
    scan = {"offenders": ["2001:db8::10", "2001:db8:4:7::15"],
            "by_source": [{"source": "2001:db8::10", "failures": 9, "successes": 0, "users": ["root"], "evidence": []},
                          {"source": "2001:db8:4:7::15", "failures": 9, "successes": 0, "users": ["root"], "evidence": []}]}
    result = fleet_findings({"node1": scan}, {"node1": "2001:db8::10 50022 22"}, [], [], [])
    assert result["block_plan"] == {"node1": ["2001:db8:4:7::15"]}
    assert result["refused"][0]["address"] == "2001:db8::10"


@pytest.mark.parametrize("address, version", [("203.0.113.45", "ipv4"), ("2001:db8:4:7::15", "ipv6"), ("10.0.0.0/8", "ipv4"),
                                              ("2001:db8::/64", "ipv6"), ("::ffff:203.0.113.45", "ipv4")])
def test_ip_version_chooses_iptables_or_ip6tables(address, version):
    assert ip_version(address) == version


@pytest.mark.parametrize("month, day, reference, expected", [
    ("Dec", 31, "2027-01-01T00:10:00Z", "2026-12-31T23:59:00Z"),   # December lines read in January: last year's
    ("Jan", 1, "2027-01-01T00:10:00Z", "2027-01-01T23:59:00Z"),    # within a day of skew: this year's
    ("Feb", 29, "2027-03-01T00:00:00Z", "2024-02-29T23:59:00Z"),   # 29 February read in a common year: the last leap year's
    ("Feb", 29, "2028-03-01T00:00:00Z", "2028-02-29T23:59:00Z"),
    ("Feb", 30, "2028-03-01T00:00:00Z", None),                     # no year has it: undated, never a crash
])
def test_classic_syslog_year(month, day, reference, expected):
    found = syslog_time(month, day, [23, 59, 0], at(reference))
    assert found == (at(expected) if expected else None)


def test_classic_syslog_lines_across_new_year_and_a_corrupt_date_never_crash():
    lines = ["Dec 31 23:58:01 node1 sshd[7]: Failed password for root from 2001:db8::66 port 1 ssh2",
             "Jan  1 00:01:02 node1 sshd[7]: Failed password for root from 2001:db8::66 port 1 ssh2",
             "Feb 30 00:01:02 node1 sshd[8]: Failed password for root from 198.51.100.9 port 2 ssh2",
             "2026-13-01T00:00:00+00:00 node1 sshd[9]: Failed password for root from 198.51.100.9 port 3 ssh2",
             "<38>1 2027-01-01T00:01:03.5+01:00 node1 sshd-session 10 - - Failed password for root from 2001:db8::66 port 2 ssh2"]
    found = list(parse_auth_log(lines, at("2027-01-01T00:30:00Z")))
    assert [event["time"] and event["time"].isoformat() for event in found] == [
        "2026-12-31T23:58:01+00:00", "2027-01-01T00:01:02+00:00", None, None, "2026-12-31T23:01:03+00:00"]
    result = analyse(found, since=at("2026-12-31T23:00:00Z"), failure_threshold=1)
    assert by_source(result) == {"2001:db8::66": 3, "198.51.100.9": 2} and result["undated"] == 2


def test_login_after_failures_is_judged_by_time_not_file_order():
    """The success is in auth.log, the failures in auth.log.1, read first or last: only time decides."""
    newer = ["2026-12-08T02:10:00+00:00 node1 sshd-session[5]: Accepted password for root from 2001:db8::66 port 9 ssh2"]
    older = ["2026-12-08T02:0%d:00+00:00 node1 sshd-session[4]: Failed password for root from 2001:db8::66 port 8 ssh2" % n
             for n in range(5)]
    for order in (newer + older, older + newer):
        result = analyse(list(parse_auth_log(order, at("2026-12-08T03:00:00Z"))))
        assert result["severity"] == "SEV-1" and result["success_after_failures"][0]["failures_before"] == 5
    # A login before the failures is not a login after failures.
    before = ["2026-12-08T01:59:00+00:00 node1 sshd-session[3]: Accepted password for root from 2001:db8::66 port 7 ssh2"]
    result = analyse(list(parse_auth_log(older + before, at("2026-12-08T03:00:00Z"))))
    assert result["severity"] == "SEV-3" and result["success_after_failures"] == []


def test_rotations_that_the_window_covers():
    entries = {"auth.log": 300.0, "auth.log.1": 200.0, "auth.log.2.gz": 100.0, "auth.log.3.gz": 50.0,
               "auth.log-20261201.gz": 120.0, "auth.log.bak": 400.0, "auth.logger": 400.0}
    since = datetime.datetime.fromtimestamp(100, UTC)
    assert rotated_logs("/var/log/auth.log", entries, since) == [
        "/var/log/auth.log.2.gz", "/var/log/auth.log-20261201.gz", "/var/log/auth.log.1", "/var/log/auth.log"]
    assert rotated_logs("/var/log/auth.log", {}, since) == ["/var/log/auth.log"]
    assert len(rotated_logs("/var/log/auth.log", entries)) == 5


def test_read_bounded_plain_and_gzip(tmp_path):
    text = "".join("line %04d\n" % n for n in range(1000))  # 10 bytes a line
    plain, packed = tmp_path / "auth.log.1", tmp_path / "auth.log.2.gz"
    plain.write_text(text)
    with gzip.open(str(packed), "wt") as handle:
        handle.write(text)
    for path in (plain, packed):
        whole, error, cut = read_bounded(str(path), 1 << 20)
        assert (len(whole), whole[-1], error, cut) == (1000, "line 0999", None, 0)
        tail, error, cut = read_bounded(str(path), 95)
        assert tail == ["line %04d" % n for n in range(991, 1000)] and cut == 10000 - 95
    assert read_bounded(str(tmp_path / "absent.gz"), 10)[1].startswith("cannot read")
    (tmp_path / "broken.gz").write_bytes(b"not gzip")
    assert read_bounded(str(tmp_path / "broken.gz"), 10)[0] is None


def test_module_reads_the_rotations_in_the_window_and_reports_a_cut(run_module, tmp_path):
    """auth.log.2.gz (failures) + auth.log.1 + auth.log (the login): SEV-1 across files; auth.log.3.gz is older than the
    window and is not read; a bound smaller than a file is reported."""
    def write(name, lines, mtime, packed=False):
        path = tmp_path / name
        data = "".join(line + "\n" for line in lines)
        if packed:
            with gzip.open(str(path), "wt") as handle:
                handle.write(data)
        else:
            path.write_text(data)
        os.utime(str(path), (mtime, mtime))
        return path
    stamp = "2026-12-08T02:%02d:00+00:00 node1 sshd-session[%d]: %s"
    write("auth.log.3.gz", [stamp % (1, 1, "Failed password for root from 198.51.100.7 port 1 ssh2")] * 9,
          at("2026-12-08T01:00:00Z").timestamp(), packed=True)
    write("auth.log.2.gz", [stamp % (n, 2, "Failed password for root from 2001:db8::66 port 8 ssh2") for n in range(10, 13)],
          at("2026-12-08T02:13:00Z").timestamp(), packed=True)
    write("auth.log.1", [stamp % (n, 3, "Failed password for root from 2001:db8::66 port 9 ssh2") for n in range(20, 22)],
          at("2026-12-08T02:22:00Z").timestamp())
    log = write("auth.log", [stamp % (30, 4, "Accepted password for root from 2001:db8::66 port 10 ssh2")],
                at("2026-12-08T02:31:00Z").timestamp())
    result = run_module(auth_log_scan, {"auth_logs": [str(log)], "since": "2026-12-08T02:05:00Z", "until": "2026-12-08T03:00:00Z"})
    assert result["offenders"] == ["2001:db8::66"] and result["severity"] == "SEV-1"
    assert result["success_after_failures"][0]["failures_before"] == 5
    assert "198.51.100.7" not in by_source(result) and result["truncated"] == [] and result["unreadable"] == []
    only = run_module(auth_log_scan, {"auth_logs": [str(log)], "rotated": False, "since": "2026-12-08T02:05:00Z",
                                      "until": "2026-12-08T03:00:00Z"})
    assert only["offenders"] == [] and only["successes"] == 1
    cut = run_module(auth_log_scan, {"auth_logs": [str(log)], "since": "2026-12-08T02:05:00Z", "until": "2026-12-08T03:00:00Z",
                                     "max_bytes": 100})
    assert [item["path"] for item in cut["truncated"]] == [str(tmp_path / name) for name in ("auth.log.2.gz", "auth.log.1", "auth.log")]
    assert all(item["unread_bytes"] > 0 for item in cut["truncated"])
    refused = run_module(auth_log_scan, {"auth_logs": [str(log)], "max_bytes": 0})
    assert refused["failed"] and "max_bytes=0" in refused["msg"]


def test_openssh_98_sshd_session_and_rfc5424_ipv6_lines():
    line = ("<38>1 2025-07-21T18:20:03.118202+00:00 node1 sshd-session 41210 - - "
            "Failed password for invalid user admin from 2001:db8:4:7::15 port 50112 ssh2")
    found = parse_auth_line(line, at("2025-07-22T00:00:00Z"))
    assert (found["program"], found["source"], found["how"], found["pid"]) == ("sshd-session", "2001:db8:4:7::15", "invalid_user", "41210")


def test_not_dropped_reads_both_families_rules_whatever_their_comment():
    from ansible_collections.virtengine.incident_response.plugins.module_utils._firewall import not_dropped
    rules = ["-P INPUT ACCEPT",
             '-A INPUT -s 203.0.113.45/32 -m comment --comment "virtengine-ir PLAY-SEC-002 INC-20261208-001" -j DROP',
             "-A INPUT -s 2001:db8:4::/48 -j DROP",
             "-A INPUT -s 198.51.100.9/32 -p tcp -m tcp --dport 22 -j DROP",  # narrower: the address is not blocked
             "-A INPUT -s 192.0.2.1/32 -j ACCEPT",
             '-A INPUT -s 10.0.0.1/32 -m comment --comment "unbalanced -j DROP']
    assert not_dropped(["203.0.113.45", "2001:db8:4:7::15", "2001:db8:5::1", "198.51.100.9", "192.0.2.1", "10.0.0.1"], rules) == [
        "2001:db8:5::1", "198.51.100.9", "192.0.2.1", "10.0.0.1"]
    assert not_dropped(["203.0.113.45"], []) == ["203.0.113.45"]


def test_module_reads_the_api_logs_rotations_too(run_module, tmp_path):
    line = '2001:db8::77 - - [08/Dec/2026:02:%02d:00 +0000] "POST /v1/deploy HTTP/1.1" 401 12 "-" "curl/8.0"\n'
    (tmp_path / "api.log.1").write_text("".join(line % n for n in range(10, 14)))
    (tmp_path / "api.log").write_text(line % 20)
    for name, when in (("api.log.1", "2026-12-08T02:14:00Z"), ("api.log", "2026-12-08T02:21:00Z")):
        os.utime(str(tmp_path / name), (at(when).timestamp(), at(when).timestamp()))
    result = run_module(auth_log_scan, {"api_logs": [str(tmp_path / "api.log")], "since": "2026-12-08T02:00:00Z",
                                        "until": "2026-12-08T03:00:00Z"})
    assert result["offenders"] == ["2001:db8::77"] and by_source(result) == {"2001:db8::77": 5}


def test_fleet_findings_name_the_logs_not_wholly_read():
    scan = {"offenders": [], "by_source": [], "unreadable": [{"path": "/var/log/auth.log.2.gz", "error": "cannot read it"}],
            "truncated": [{"path": "/var/log/auth.log", "unread_bytes": 1024}]}
    result = fleet_findings({"node1": scan}, {}, [], [], [])
    assert [(row["host"], row["path"]) for row in result["unread"]] == [("node1", "/var/log/auth.log.2.gz"), ("node1", "/var/log/auth.log")]
    assert "node1: /var/log/auth.log not (wholly) read: only its newest part was read: 1024 bytes" in result["findings"][1]
