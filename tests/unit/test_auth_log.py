# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-002 log parsing, thresholds, success after failures and the protected ranges.

sshd_verbose_E.log was captured from a real sshd (LogLevel VERBOSE, -E file) in a test namespace: 10.77.0.10
tried an invalid user and a wrong key, then logged in; 10.77.0.11 logged in (sshd -E ends lines with CR LF;
the fixture has LF only, for the sanity checks). auth_syslog_formats.log holds
OpenSSH/PAM messages in the syslog and RFC 3339 layouts of /var/log/auth.log.
sshd_wordings.log: OpenSSH 6.x-9.x lines from fail2ban's filter test corpus (fail2ban/tests/files/logs/sshd: multi-key
logins, MaxAuthTries cut-offs with and without the address, pre-auth closes, empty and injected user names, scanners)
and a public auth.log excerpt with rsyslog's "message repeated"; dates moved to one day so a window can hold them.
sshd_journal.json: `journalctl -o json` records with every field of a real sshd record (published in a public
SSH-monitoring test); MESSAGE, pid and times varied to build one attacker's three connections.
sshd_journal_fleetlab.json: the real journal of a fleet-lab machine (Debian 12, OpenSSH 9.2p1, systemd 252, LogLevel
INFO), read exactly as auth_log_scan reads it (journal_command's argv, -u ssh -u sshd) during the Molecule scenario
`production`: 10.213.168.14 tried three unknown-user logins without a key and three wrong-key logins as validator,
10.213.168.13 five unknown-user logins; the unit's other records are Ansible's module invocations (no logind in the
machine, so SSH sessions stay in ssh.service).
"""

import datetime
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._auth_log import (
    AuthLogError,
    analyse,
    fleet_findings,
    journal_options,
    parse_api_line,
    parse_auth_line,
    parse_auth_log,
    parse_time,
    split_protected,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import LogReadError, journal_argv, journal_problem
from ansible_collections.virtengine.incident_response.plugins.modules import auth_log_scan

FIXTURES = Path(__file__).parent / "fixtures" / "auth_logs"
CASES = Path(__file__).parent / "fixtures" / "cases"


def year_end(year):
    """The reference for lines of ``year`` (classic syslog's are placed in the year that puts them before it)."""
    return datetime.datetime(year, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


def attempts(name):
    lines = (FIXTURES / name).read_text().splitlines()
    return [found for found in (parse_auth_line(line, year_end(2026)) for line in lines) if found]


def test_real_sshd_lines_invalid_user_failed_key_then_accepted():
    found = attempts("sshd_verbose_E.log")
    assert [(a["outcome"], a["how"], a["user"], a["source"]) for a in found if a["outcome"]] == [
        ("failure", "invalid_user", "nosuchuser", "10.77.0.10"),
        ("failure", "invalid_user", "nosuchuser", "10.77.0.10"),  # its pre-auth close: the same try
        ("failure", "publickey", "root", "10.77.0.10"),
        ("failure", "preauth_close", "root", "10.77.0.10"),  # the same try again
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
    found = parse_auth_line("Invalid user x from 10.0.0.1 port 22\r\n", year_end(2026))
    assert (found["user"], found["source"], found["line"]) == ("x", "10.0.0.1", "Invalid user x from 10.0.0.1 port 22")


def scan(path, year, **kwargs):
    return analyse(parse_auth_log(path.read_text().splitlines(), year_end(year)), **kwargs)


def failures(result):
    return dict((entry["source"], (entry["failures"], entry["attempts"], entry["successes"])) for entry in result["by_source"])


def test_case05_key_only_brute_force_at_log_level_info():
    """Issue 12 case 05: sshd-session, RFC 3339 rsyslog stamps, only pre-auth closes and MaxAuthTries cut-offs."""
    result = scan(CASES / "05-sshd-keyonly-preauth-bruteforce" / "auth.log", 2025)
    assert sorted(result["offenders"]) == ["192.0.2.77", "198.51.100.23", "203.0.113.45"]
    counted = failures(result)
    assert counted["203.0.113.45"] == (6, 6, 0)  # 6 failed sessions
    assert counted["198.51.100.23"][0] >= 12 and counted["198.51.100.23"][1] == 2  # 2 connections cut at MaxAuthTries
    assert counted["192.0.2.77"][0] >= 12 and counted["192.0.2.77"][1] == 2
    assert counted["198.51.100.4"] == (0, 0, 1)
    assert result["severity"] == "SEV-3"
    assert result["success_after_failures"] == []


def test_each_try_counted_once_across_openssh_wordings():
    result = scan(FIXTURES / "sshd_wordings.log", 2026)
    assert failures(result) == {
        "192.0.2.1": (0, 0, 1),  # an agent offering two keys before the accepted one is not an attack (gh-1263)
        "192.0.2.111": (6, 1, 0),  # 2 keys logged, then cut at MaxAuthTries: 6 tries
        "115.249.163.77": (6, 1, 0),  # the cut-off line names no address: the connection's first line does
        "61.0.0.1": (6, 1, 0),
        "192.0.2.117": (1, 1, 0),  # Invalid user + its Disconnecting line: one try
        "192.0.2.68": (1, 1, 0),  # empty user name
        "192.0.2.11": (1, 1, 0),  # the address after an injected "user ... port" name
        "192.0.2.20": (1, 1, 0),
        "127.0.0.1": (2, 1, 0),  # not 10.10.1.2, injected into the user and the auth info
        "46.45.128.3": (1, 1, 0),
        "192.168.1.76": (3, 1, 0),  # 1 + "message repeated 2 times"; the PAM lines repeat the same tries
    }
    assert result["offenders"] == ["115.249.163.77", "192.0.2.111", "61.0.0.1"]
    assert result["success_after_failures"] == [] and result["severity"] == "SEV-3"
    users = dict((entry["source"], entry["users"]) for entry in result["by_source"])
    assert users["192.0.2.11"] == ["test 127.0.0.1 port 12345"] and users["192.0.2.68"] == []


def test_max_auth_tries_is_the_servers_setting():
    result = scan(FIXTURES / "sshd_wordings.log", 2026, max_auth_tries=3)
    assert failures(result)["61.0.0.1"] == (3, 1, 0)
    assert result["offenders"] == []
    with pytest.raises(AuthLogError, match="max_auth_tries=0"):
        scan(FIXTURES / "sshd_wordings.log", 2026, max_auth_tries=0)


def test_journald_json_export():
    found = list(parse_auth_log((FIXTURES / "sshd_journal.json").read_text().splitlines(), year_end(2026)))
    assert [(a["event"], a["program"], a["pid"], a["host"]) for a in found][:2] == [
        ("attempted", "sshd", "10741", "ssh-monitoring-ex"), ("failed", "sshd", "10741", "ssh-monitoring-ex")]
    assert found[0]["time"] == datetime.datetime(2019, 10, 6, 5, 1, 4, 732555, tzinfo=datetime.timezone.utc)
    assert found[-1]["user"] == "\ufffd\ufffd"  # the byte-array MESSAGE, decoded
    result = analyse(found)
    assert failures(result) == {"162.243.165.39": (1 + 6 + 1, 3, 0)}
    assert result["offenders"] == ["162.243.165.39"]
    window = analyse(found, since=parse_time("2019-10-06T05:01:06Z"))
    assert failures(window) == {"162.243.165.39": (6 + 1, 2, 0)}


@pytest.mark.parametrize("line", [
    "Jul 21 18:20:31 node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "Jul 21 18:20:31.101283 node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "2025-07-21T18:20:31+0000 node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "2025-07-21T20:20:31.101283+02:00 node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "Mon 2025-07-21 18:20:31 UTC node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "1753122031.101283 node1 sshd-session[273657]: Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
    "<38>1 2025-07-21T18:20:31.101283+00:00 node1 sshd-session 273657 - - Connection closed by authenticating user root 203.0.113.45 port 37612 [preauth]",
])
def test_timestamp_layouts(line):
    """syslog, journalctl -o short-precise, short-iso, short-iso-precise, short-full, short-unix, RFC 5424."""
    found = parse_auth_line(line, year_end(2025))
    assert (found["event"], found["source"], found["port"], found["pid"], found["host"]) == (
        "attempted", "203.0.113.45", "37612", "273657", "node1")
    assert found["time"].replace(microsecond=0) == datetime.datetime(2025, 7, 21, 18, 20, 31, tzinfo=datetime.timezone.utc)


def test_sysklogd_last_message_repeated_and_lines_without_a_host():
    lines = ["Nov 23 21:50:19 sshd[8148]: Failed password for root from 61.0.0.2 port 4000 ssh2",
             "Nov 23 21:50:20 gw last message repeated 3 times",
             "Nov 23 21:50:37 sshd[8148]: Connection closed by 61.0.0.2 port 4000 [preauth]"]
    found = list(parse_auth_log(lines, year_end(2026)))
    assert [(a["event"], a["count"], a["program"]) for a in found] == [("failed", 1, "sshd"), ("failed", 3, "sshd"), ("context", 1, "sshd")]
    assert failures(analyse(found)) == {"61.0.0.2": (4, 1, 0)}


def test_module_reads_the_case05_log_and_a_journal_export(run_module, tmp_path):
    missing = str(tmp_path / "absent.log")
    result = run_module(auth_log_scan, {"auth_logs": [str(CASES / "05-sshd-keyonly-preauth-bruteforce" / "auth.log"),
                                                      str(FIXTURES / "sshd_journal.json"), missing],
                                        "until": "2025-07-22T00:00:00Z"})
    assert result["_rc"] == 0 and result["changed"] is False
    assert sorted(result["offenders"]) == ["162.243.165.39", "192.0.2.77", "198.51.100.23", "203.0.113.45"]
    assert result["max_auth_tries"] == 6 and result["unreadable"][0]["path"] == missing


def test_journal_command_reads_the_units_and_sshds_identifiers_in_the_window_as_json():
    # A connection child that exited before journald read its cgroup has no _SYSTEMD_UNIT (systemd issue 2913): the
    # production scenario once counted 5 of an attacker's 6 failures reading with -u alone.
    argv = journal_argv("/usr/bin/journalctl", ["ssh", "sshd"], **journal_options(parse_time("2026-11-30T07:00:00Z"), parse_time("2026-11-30T08:00:00Z")))
    assert argv == ["/usr/bin/journalctl", "--no-pager", "-o", "json",
                    "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_HOSTNAME,_COMM",
                    "_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service", "+", "SYSLOG_IDENTIFIER=sshd",
                    "SYSLOG_IDENTIFIER=sshd-session", "--since", "@1796022000", "--until", "@1796025601"]
    assert journal_argv("journalctl", ["ssh.service"], **journal_options())[-4:] == [
        "_SYSTEMD_UNIT=ssh.service", "+", "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session"]
    assert journal_argv("journalctl", ["ssh"])[-2:] == ["-u", "ssh"], "without identifiers: the unit's records (and its own)"
    with pytest.raises(LogReadError, match="is not a program name"):
        journal_argv("journalctl", ["ssh"], identifiers=["sshd=1"])
    for bad in ("", " ", "--all"):
        with pytest.raises(LogReadError, match="is not a systemd unit name"):
            journal_argv("journalctl", ["ssh", bad], **journal_options())


@pytest.mark.parametrize("stderr", [
    # systemd 2xx-25x, and older: the user reads only its own journal, exit code 0
    "Hint: You are currently not seeing messages from other users and the system.\n"
    "      Users in groups 'adm', 'systemd-journal' can see all messages.\n      Pass -q to turn off this notice.\n",
    "Hint: You are currently not seeing messages from other users and the system.\n"
    "      Users in the 'systemd-journal' group can see all messages. Pass -q to\n      turn off this notice.\n"
    "No journal files were opened due to insufficient permissions.\n",
    "No journal files were found.\n",
])
def test_journal_problem_a_journal_the_user_cannot_read(stderr):
    assert "systemd-journal or adm group, or run with become" in journal_problem(0, stderr)


def test_journal_problem_as_systemd_252_says_it_to_a_user_outside_the_groups():
    # journalctl -u ssh as nobody inside a fleet-lab machine (systemd 252): exit code 1
    problem = journal_problem(1, "No journal files were opened due to insufficient permissions.\n")
    assert problem == ("journalctl cannot read the system journal as this user (No journal files were opened due to insufficient"
                       " permissions.): add the user to the systemd-journal or adm group, or run with become")


def test_journal_problem_a_failed_journalctl_and_a_clean_read():
    assert journal_problem(1, "Failed to add match 'x': Invalid argument\n") == "journalctl failed (1): Failed to add match 'x': Invalid argument"
    assert journal_problem(0, "") is None


def test_module_without_journalctl_reports_the_journal_unreadable(run_module, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # journalctl lives in /usr/bin or /bin, which get_bin_path adds nothing of
    result = run_module(auth_log_scan, {"journal_units": ["ssh", "sshd"]})
    assert result["_rc"] == 0 and result["failures"] == 0
    assert result["unreadable"] == [{"path": "journalctl -u ssh -u sshd",
                                     "error": "journalctl is not installed on this host: give the sshd log file in auth_logs"}]


def test_module_needs_a_log(run_module):
    result = run_module(auth_log_scan, {})
    assert result["_rc"] == 1 and "journal_units=[ssh]" in result["msg"]


def test_real_fleetlab_journal_unknown_users_and_wrong_keys_at_log_level_info():
    """Each connection is one try: an unknown user leaves Invalid user + its pre-auth close, a wrong key for a real
    user only the pre-auth close of an authenticating user; the Ansible records of the unit are not authentication."""
    lines = (FIXTURES / "sshd_journal_fleetlab.json").read_text().splitlines()
    found = list(parse_auth_log(lines, year_end(2026)))
    assert len(found) == 2 * 3 + 3 + 2 * 5 and all(e["program"] == "sshd" and e["host"] == "fullnode1" for e in found)
    assert found[0]["line"] == "2026-11-30T07:45:18.175440+00:00 fullnode1 sshd[366]: Invalid user intruder from 10.213.168.14 port 55730"
    result = analyse(found, since=parse_time("2026-11-30T06:45:00Z"))
    assert failures(result) == {"10.213.168.14": (6, 6, 0), "10.213.168.13": (5, 5, 0)}
    assert result["offenders"] == ["10.213.168.14", "10.213.168.13"] and result["severity"] == "SEV-3"
    assert [(u["user"], u["failures"]) for u in result["by_user"]] == [("intruder", 8), ("validator", 3)]
    # the window: the attacker's last connection started at 07:45:18.97
    later = analyse(found, since=parse_time("2026-11-30T07:45:19Z"))
    assert failures(later) == {"10.213.168.14": (1, 1, 0), "10.213.168.13": (5, 5, 0)}
