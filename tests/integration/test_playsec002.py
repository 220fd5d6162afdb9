# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-002 against a real sshd, with the firewall work inside network namespaces the test creates (netns_lab)."""

import datetime
import json
import os
import re
import sys

import pytest
from conftest import REPO, assert_refused_before_anything_ran, run_playbook, wait_until
from netns_lab import ATTACKER_IP, ATTACKER_IP6, CONTROLLER_IP, running_lab

PLAYBOOK = REPO / "playbooks" / "playsec002_unauthorized_access.yml"
CASE23 = REPO / "tests" / "unit" / "fixtures" / "cases" / "23-ipv6-offender-iptables-block"


@pytest.fixture
def lab(tmp_path):
    with running_lab(tmp_path) as setup:
        yield setup


def _vars(lab, report_dir, **extra):
    values = {"playsec002_hosts": "target", "playsec002_auth_logs": [str(lab.log)], "playsec002_failure_threshold": 5,
              "ir_controller_addresses": [CONTROLLER_IP], "ir_security_team_addresses": ["10.77.1.0/24"],
              "ir_report_dir": str(report_dir),
              "playsec002_sshd_config": str(lab.config),
              "playsec002_sshd_reload_command": ["kill", "-HUP", str(lab.sshd.pid)]}
    values.update(extra)
    return values


def _attack(lab):
    """Real attempts: the attacker tries 5 unknown users then gets in; the controller mistypes 5 users, then logs in."""
    for number in range(5):
        assert lab.ssh(ATTACKER_IP, "intruder%d" % number, "wrong_key") != 0
        assert lab.ssh(CONTROLLER_IP, "operatr%d" % number, "wrong_key") != 0
    assert lab.ssh(ATTACKER_IP, "root", "client_key") == 0
    wait_until("sshd logged the login", lambda: "Accepted publickey for root from %s" % ATTACKER_IP in lab.log.read_text(), 10)


@pytest.mark.parametrize("bad, said", [
    ({"playsec002_auth_source": "syslog"}, ["playsec002_auth_source must be one of", "got: syslog"]),
    # A window that ends before it starts read no log and reported "no offender": a silent false negative.
    ({"playsec002_window_minutes": -5}, ["playsec002_window_minutes=-5", "must each be 1 or more"]),
])
def test_bad_input_fails_before_any_log_is_read(bad, said, report_dir):
    # Checked once, on localhost, in the first play: no host's log is read, nothing is declared.
    assert_refused_before_anything_ran(PLAYBOOK, bad, report_dir, said, ["Count attempts", "Declare:"])


def test_an_earlier_playbooks_incident_is_not_this_runs(tmp_path, report_dir, localhost_inventory):
    """Imported after a playbook that declared an incident (a site playbook, Molecule's converge), a run that finds no
    attempt declares nothing: its report names no incident and goes into no incident's directory."""
    auth_log = tmp_path / "auth.log"
    auth_log.write_text("")
    site = tmp_path / "site.yml"
    site.write_text(json.dumps([
        {"name": "An earlier runbook declares its incident", "hosts": "localhost", "gather_facts": False,
         "tasks": [{"name": "Declare the earlier incident", "ansible.builtin.include_role": {"name": "virtengine.incident_response.incident"},
                    "vars": {"incident_title": "Earlier runbook", "incident_severity": "SEV-2"}}]},
        {"name": "PLAY-SEC-002 in the same run", "ansible.builtin.import_playbook": str(PLAYBOOK)}]))
    run = run_playbook(site, inventory=localhost_inventory,
                       extra_vars={"playsec002_hosts": "localhost", "playsec002_auth_source": "file", "playsec002_auth_logs": [str(auth_log)],
                                   "ir_report_dir": str(report_dir)},
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    (earlier,) = sorted((report_dir / "incidents").glob("INC-*"))
    report = json.loads(sorted(report_dir.glob("*-playsec002.json"))[0].read_text())
    assert report["verdict"] == "no offender" and report["summary"]["incident"] == "-"
    assert earlier.name not in report["title"] and not [f for f in report["findings"] if earlier.name in f]
    assert list((earlier / "reports").glob("*-playsec002.*")) == [], "the report was copied into the earlier incident"
    timeline = [json.loads(line) for line in (earlier / "timeline.jsonl").read_text().splitlines()]
    plays = set(entry.get("play") for entry in timeline if entry.get("kind") == "task")
    assert "An earlier runbook declares its incident" in plays, "the scribe recorded the earlier runbook"
    assert [play for play in plays if play and play.startswith("PLAY-SEC-002")] == [], "the scribe wrote this run into the earlier incident"


def test_detects_escalates_and_blocks_only_when_confirmed(lab, tmp_path, report_dir):
    _attack(lab)
    inventory = lab.inventory(tmp_path / "inventory.json")

    first = run_playbook(PLAYBOOK, inventory=inventory, extra_vars=_vars(lab, report_dir), env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert first.rc == 0, first.raw[-3000:]
    scan = first.result("Count attempts by address and user in the window", host="target")
    assert sorted(scan["offenders"]) == [ATTACKER_IP, CONTROLLER_IP]
    assert [(s["source"], s["user"], s["failures_before"]) for s in scan["success_after_failures"]] == [(ATTACKER_IP, "root", 5)]
    # Without ir_confirm nothing is blocked: no rule, the attacker still connects.
    assert "DROP" not in lab.rules()
    assert lab.reachable(ATTACKER_IP)
    assert "LogLevel INFO" in lab.config.read_text()
    (incident,) = sorted((report_dir / "incidents").glob("INC-*"))
    assert json.loads((incident / "state.json").read_text())["severity"] == "SEV-1"
    (markdown,) = sorted(report_dir.glob("*-playsec002.md"))
    report = markdown.read_text()
    assert "COMPROMISE SUSPECTED" in report
    assert "Invalid user intruder0 from %s" % ATTACKER_IP in report
    assert "Accepted publickey for root from %s" % ATTACKER_IP in report

    second = run_playbook(PLAYBOOK, inventory=inventory, extra_vars=_vars(lab, report_dir, ir_confirm="block_addresses,raise_auth_logging"),
                          env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert second.rc == 0, second.raw[-3000:]
    rules = lab.rules()
    assert "-A INPUT -s %s/32" % ATTACKER_IP in rules and "DROP" in rules
    assert CONTROLLER_IP not in rules, "the controller's address must never be blocked"
    assert not lab.reachable(ATTACKER_IP)
    assert lab.reachable(CONTROLLER_IP)
    findings = second.result("Gather the findings of every host")["ansible_facts"]["playsec002"]
    assert [(r["address"], r["protected_by"][0]["reason"]) for r in findings["refused"]] == [(CONTROLLER_IP, "controller")]
    # sshd now logs at VERBOSE (tested with sshd -t, reloaded): a rejected key is logged as such.
    assert "LogLevel VERBOSE" in lab.config.read_text()
    assert lab.ssh(CONTROLLER_IP, "root", "wrong_key") != 0
    wait_until("a VERBOSE line", lambda: "Failed publickey for root from %s" % CONTROLLER_IP in lab.log.read_text(), 10)


def test_ipv6_attacker_is_dropped_with_ip6tables_for_real(lab, tmp_path, report_dir):
    """Case 23's kind with a real sshd and real ip6tables inside the namespace: an attacker over IPv6 tries five unknown
    users; confirmed, PLAY-SEC-002 drops it with ip6tables (iptables holds no rule for it) and it cannot connect over
    IPv6 any more, while the controller still connects over IPv4."""
    for number in range(5):
        assert lab.ssh(ATTACKER_IP6, "intruder%d" % number, "wrong_key") != 0
    wait_until("sshd logged the IPv6 attempts", lambda: lab.log.read_text().count("from %s port" % ATTACKER_IP6) >= 5, 10)
    assert lab.reachable(ATTACKER_IP6)
    run = run_playbook(PLAYBOOK, inventory=lab.inventory(tmp_path / "inventory.json"),
                       extra_vars=_vars(lab, report_dir, ir_confirm="block_addresses"), env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    assert run.result("Count attempts by address and user in the window", host="target")["offenders"] == [ATTACKER_IP6]
    ipv6 = lab.rules("ip6tables")
    assert "-A INPUT -s %s/128 " % ATTACKER_IP6 in ipv6 and "-j DROP" in ipv6, ipv6
    assert ATTACKER_IP6 not in lab.rules()
    assert not lab.reachable(ATTACKER_IP6)
    assert lab.reachable(CONTROLLER_IP)


def test_check_mode_changes_nothing_even_when_confirmed(lab, tmp_path, report_dir):
    _attack(lab)
    run = run_playbook(PLAYBOOK, "--check", inventory=lab.inventory(tmp_path / "inventory.json"),
                       extra_vars=_vars(lab, report_dir, ir_confirm="block_addresses,raise_auth_logging"),
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    assert "DROP" not in lab.rules()
    assert lab.reachable(ATTACKER_IP)
    assert "LogLevel INFO" in lab.config.read_text()


def case23_auth_log():
    """Case 23's auth.log with its stamps moved into the last hour (its last line 5 minutes ago), as the case is fed."""
    stamp = re.compile(r"^(\S+)")
    lines = (CASE23 / "auth.log").read_text().splitlines()
    last = datetime.datetime.fromisoformat(stamp.match(lines[-1]).group(1))
    shift = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5) - last
    moved = [stamp.sub(lambda found: (datetime.datetime.fromisoformat(found.group(1)) + shift).isoformat(), line) for line in lines]
    return "\n".join(moved) + "\n"


def _case23_host(tmp_path):
    """Case 23's auth.log moved into the last hour, and its stand-in iptables/ip6tables first on PATH."""
    auth_log = tmp_path / "auth.log"
    auth_log.write_text(case23_auth_log())
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("iptables", "ip6tables"):
        (stubs / tool).write_text("#!/bin/sh\nexec %s %s %s \"$@\"\n" % (sys.executable, CASE23 / "stub_netfilter.py", tool))
        (stubs / tool).chmod(0o755)
    env = {"PATH": "%s:%s" % (stubs, os.environ["PATH"]), "HOLDOUT_FW_STATE": str(tmp_path / "fw.json"),
           "HOLDOUT_FW_LOG": str(tmp_path / "fw.log")}
    return auth_log, env


def test_case23b_ipv6_offender_blocked_with_ip6tables_and_a_failed_host_still_gets_its_report(tmp_path, report_dir):
    """Case 23b (../shared/cases/23-ipv6-offender-iptables-block): with -e ir_confirm=block_addresses and the iptables
    backend, 203.0.113.45 is dropped by iptables and 2001:db8:4:7::15 by ip6tables (the case's stand-ins record the
    calls), and the play completes and writes its report. Variant: node2's block fails (its ufw backend has no ufw);
    that is node2's error (failed in the recap, named in the report), node1 is still blocked, the report is written."""
    auth_log, env = _case23_host(tmp_path)
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": local, "node1": local,
                                                       "node2": dict(local, host_firewall_backend="ufw")}}}))
    env.update(IR_INCIDENT_ROOT=str(report_dir / "incidents"), ANSIBLE_HOST_KEY_CHECKING="False")
    values = {"playsec002_hosts": "node1:node2", "playsec002_auth_source": "file", "playsec002_auth_logs": [str(auth_log)],
              "ir_report_dir": str(report_dir), "ir_confirm": "block_addresses"}
    run = run_playbook(PLAYBOOK, inventory=inventory, extra_vars=values, env=env)
    assert run.stats["node1"]["failures"] == 0 and run.stats["node2"]["failures"] == 1, run.raw[-3000:]
    assert run.rc != 0
    calls = (tmp_path / "fw.log").read_text()
    state = json.loads((tmp_path / "fw.json").read_text())
    (rule4,), (rule6,) = state["iptables"], state["ip6tables"]
    assert rule4[:5] == ["INPUT", "-s", "203.0.113.45", "-j", "DROP"] and rule6[:5] == ["INPUT", "-s", "2001:db8:4:7::15", "-j", "DROP"], calls
    assert "host/network" not in calls, "an address went to the tool of the other family"
    (report_json,) = sorted(report_dir.glob("*-playsec002.json"))
    report = json.loads(report_json.read_text())
    assert report["verdict"] == "ATTACK ATTEMPTS"
    assert sorted((row["host"], row["source"], row["failures"]) for row in report["data"]["findings"]["offenders"]) == [
        ("node1", "2001:db8:4:7::15", 9), ("node1", "203.0.113.45", 6), ("node2", "2001:db8:4:7::15", 9), ("node2", "203.0.113.45", 6)]
    assert [row["host"] for row in report["data"]["block_failed"]] == ["node2"]
    assert "ufw" in report["data"]["block_failed"][0]["error"]
    assert any(finding.startswith("Blocking FAILED on node2") for finding in report["findings"])
    assert list(report["summary"]["blocked"]) == ["node1"]
