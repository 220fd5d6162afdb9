# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-002 against a real sshd, with the firewall work inside network namespaces the test creates.

Two namespaces joined by a veth pair: the target (10.77.0.2, a real sshd on port 2223 logging to its own file)
and the client (10.77.0.10 the attacker, 10.77.0.11 the controller). Ansible reaches the target through an
inventory host whose Python runs in the target namespace (``ansible_python_interpreter``: a two-line wrapper doing
``exec ip netns exec NS python "$@"``),
so the collection's tasks and the real iptables they call act inside the namespace only; production code has no
namespace option. The namespaces (and with them the rules) are deleted in ``finally``.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "playsec002_unauthorized_access.yml"
TARGET_IP, ATTACKER_IP, CONTROLLER_IP, PORT = "10.77.0.2", "10.77.0.10", "10.77.0.11", 2223


def _run(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=check)


class Lab(object):
    def __init__(self, directory):
        suffix = str(os.getpid())
        self.target, self.client = "ir7t" + suffix, "ir7c" + suffix
        self.dir = directory
        self.log = directory / "sshd.log"
        self.config = directory / "sshd_config"
        self.sshd = None

    def start(self):
        _run("ip", "netns", "add", self.target)
        _run("ip", "netns", "add", self.client)
        veth_t, veth_c = "v7t" + self.target[4:], "v7c" + self.client[4:]
        _run("ip", "link", "add", veth_t, "type", "veth", "peer", "name", veth_c)
        _run("ip", "link", "set", veth_t, "netns", self.target)
        _run("ip", "link", "set", veth_c, "netns", self.client)
        _run("ip", "-n", self.target, "addr", "add", TARGET_IP + "/24", "dev", veth_t)
        for address in (ATTACKER_IP, CONTROLLER_IP):
            _run("ip", "-n", self.client, "addr", "add", address + "/24", "dev", veth_c)
        for namespace, device in ((self.target, veth_t), (self.client, veth_c)):
            _run("ip", "-n", namespace, "link", "set", "lo", "up")
            _run("ip", "-n", namespace, "link", "set", device, "up")
        for name in ("host_key", "client_key", "wrong_key"):
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / name))
        (self.dir / "authorized_keys").write_text((self.dir / "client_key.pub").read_text())
        # LogLevel INFO on purpose: the playbook raises it to VERBOSE.
        self.config.write_text("\n".join([
            "ListenAddress %s:%d" % (TARGET_IP, PORT), "HostKey %s" % (self.dir / "host_key"), "UsePAM no", "LogLevel INFO",
            "AuthorizedKeysFile %s" % (self.dir / "authorized_keys"), "StrictModes no", "PidFile none", ""]))
        Path("/run/sshd").mkdir(exist_ok=True)
        self.sshd = subprocess.Popen(["ip", "netns", "exec", self.target, "/usr/sbin/sshd", "-D", "-f", str(self.config),
                                      "-E", str(self.log)])
        wait_until("sshd listening", lambda: self.log.exists() and "Server listening" in self.log.read_text(), 15)

    def stop(self):
        if self.sshd is not None:
            self.sshd.terminate()
            try:
                self.sshd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sshd.kill()
        for namespace in (self.target, self.client):
            _run("ip", "netns", "del", namespace, check=False)

    def ssh(self, source, user, key):
        return _run("ip", "netns", "exec", self.client, "ssh", "-b", source, "-p", str(PORT), "-i", str(self.dir / key),
                    "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3", "%s@%s" % (user, TARGET_IP), "true",
                    check=False).returncode

    def reachable(self, source):
        probe = ("import socket,sys\ntry:\n socket.create_connection((%r, %d), timeout=2, source_address=(%r, 0)).close()\n"
                 "except OSError:\n sys.exit(1)" % (TARGET_IP, PORT, source))
        return _run("ip", "netns", "exec", self.client, sys.executable, "-c", probe, check=False).returncode == 0

    def rules(self):
        return _run("ip", "netns", "exec", self.target, "iptables", "-S", "INPUT").stdout

    def inventory(self, path):
        wrapper = self.dir / "python-in-target"
        wrapper.write_text('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (self.target, sys.executable))
        wrapper.chmod(0o700)
        path.write_text(json.dumps({"all": {"hosts": {
            "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "target": {"ansible_connection": "local",
                       "ansible_python_interpreter": str(wrapper)}}}}))
        return path


@pytest.fixture
def lab(tmp_path):
    directory = tmp_path / "lab"
    directory.mkdir(mode=0o700)
    setup = Lab(directory)
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()


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


def test_check_mode_changes_nothing_even_when_confirmed(lab, tmp_path, report_dir):
    _attack(lab)
    run = run_playbook(PLAYBOOK, "--check", inventory=lab.inventory(tmp_path / "inventory.json"),
                       extra_vars=_vars(lab, report_dir, ir_confirm="block_addresses,raise_auth_logging"),
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    assert "DROP" not in lab.rules()
    assert lab.reachable(ATTACKER_IP)
    assert "LogLevel INFO" in lab.config.read_text()
