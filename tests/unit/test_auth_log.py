# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-002 log parsing, thresholds, success after failures and the protected ranges.

sshd_verbose_E.log was captured from a real sshd (LogLevel VERBOSE, -E file) in a test namespace: 10.77.0.10
tried an invalid user and a wrong key, then logged in; 10.77.0.11 logged in (sshd -E ends lines with CR LF;
the fixture has LF only, for the sanity checks). auth_syslog_formats.log holds
OpenSSH/PAM messages in the syslog and RFC 3339 layouts of /var/log/auth.log.
"""

from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._auth_log import (
    AuthLogError,
    analyse,
    fleet_findings,
    parse_api_line,
    parse_auth_line,
    parse_time,
    split_protected,
)

FIXTURES = Path(__file__).parent / "fixtures" / "auth_logs"


def attempts(name):
    lines = (FIXTURES / name).read_text().splitlines()
    return [found for found in (parse_auth_line(line, 2026) for line in lines) if found]


def test_real_sshd_lines_invalid_user_failed_key_then_accepted():
    found = attempts("sshd_verbose_E.log")
    assert [(a["outcome"], a["how"], a["user"], a["source"]) for a in found] == [
        ("failure", "invalid_user", "nosuchuser", "10.77.0.10"),
        ("failure", "publickey", "root", "10.77.0.10"),
        ("success", "publickey", "root", "10.77.0.10"),
        ("success", "publickey", "root", "10.77.0.11"),
    ]
    assert all(a["time"] is None for a in found)
    result = analyse(found, failure_threshold=2)
    assert result["offenders"] == ["10.77.0.10"]
    assert result["undated"] == 4
    assert result["severity"] == "SEV-1"
    [suspicious] = result["success_after_failures"]
    assert (suspicious["source"], suspicious["user"], suspicious["failures_before"]) == ("10.77.0.10", "root", 2)
    assert suspicious["line"].startswith("Accepted publickey for root from 10.77.0.10")


def test_threshold_boundary():
    found = [a for a in attempts("sshd_verbose_E.log") if a["outcome"] == "failure"]
    assert analyse(found, failure_threshold=2)["offenders"] == ["10.77.0.10"]
    assert analyse(found, failure_threshold=3)["offenders"] == []
    assert analyse(found, failure_threshold=3)["severity"] is None
    assert analyse(found, failure_threshold=2)["severity"] == "SEV-3"


def test_syslog_window_pam_and_invalid_user_counted_once():
    found = attempts("auth_syslog_formats.log")
    result = analyse(found, since=parse_time("2026-11-27T02:00:00Z"), until=parse_time("2026-11-27T03:00:00Z"), failure_threshold=5)
    by_source = dict((entry["source"], entry) for entry in result["by_source"])
    # 2 "Failed password for invalid user" (the "Invalid user" line of that connection is not counted again)
    # + 2 for root; the sshd PAM line is the same attempt as a "Failed password" line.
    assert by_source["203.0.113.7"]["failures"] == 4
    assert by_source["203.0.113.7"]["successes"] == 1
    assert "192.0.2.99" not in by_source  # 01:00, before the window
    assert by_source["unknown"]["failures"] == 1  # sudo's PAM failure has no rhost
    assert result["offenders"] == []
    assert result["success_after_failures"][0]["source"] == "203.0.113.7"
    assert result["severity"] == "SEV-1"
    times = sorted(a["time"].isoformat() for a in found)
    assert "2026-11-27T02:11:00+00:00" in times and "2026-11-27T02:10:01+00:00" in times


def test_api_401_403_only():
    lines = (FIXTURES / "api_access.log").read_text().splitlines()
    found = [a for a in (parse_api_line(line) for line in lines) if a]
    assert [(a["source"], a["how"]) for a in found] == [("203.0.113.9", "http_401"), ("203.0.113.9", "http_403")]
    assert analyse(found, failure_threshold=2)["offenders"] == ["203.0.113.9"]


def test_bad_input_names_the_value():
    with pytest.raises(AuthLogError, match="yesterday"):
        parse_time("yesterday")
    with pytest.raises(AuthLogError, match="failure_threshold=0"):
        analyse([], failure_threshold=0)
    with pytest.raises(AuthLogError, match="'10.0.0.300'"):
        split_protected(["10.0.0.1"], {"security_team": ["10.0.0.300"]})


def test_protected_ranges_are_never_blocked():
    split = split_protected(["10.77.0.10", "10.77.0.11", "192.168.5.5", "unknown", "2001:db8::1"],
                            {"controller": ["10.77.0.11"], "management": ["192.168.0.0/16"], "security_team": []})
    assert split["block"] == ["10.77.0.10", "2001:db8::1"]
    assert [(r["address"], r["protected_by"][0]["reason"]) for r in split["refused"]] == [
        ("10.77.0.11", "controller"), ("192.168.5.5", "management")]


def test_fleet_findings_protects_each_hosts_ssh_client():
    scan = analyse(attempts("sshd_verbose_E.log"), failure_threshold=1)
    findings = fleet_findings({"node1": scan, "node2": scan}, {"node1": "10.77.0.10 5555 22"}, [], [], [])
    assert findings["block_plan"] == {"node2": ["10.77.0.10"]}
    assert findings["refused"][0]["host"] == "node1"
    assert findings["severity"] == "SEV-1"
    assert findings["findings"][0].startswith("10.77.0.10 logged in as root on node1 after 2 failures")


def test_crlf_lines_as_sshd_e_writes_them():
    found = parse_auth_line("Invalid user x from 10.0.0.1 port 22\r\n", 2026)
    assert (found["user"], found["source"], found["line"]) == ("x", "10.0.0.1", "Invalid user x from 10.0.0.1 port 22")
