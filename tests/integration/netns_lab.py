# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two network namespaces joined by a veth pair, for the security playbooks' tests.

The target (10.77.0.2, fd77::2) runs a real sshd on port 2223 with its own keys, config and -E log; the client holds
the attacker's (10.77.0.10, and fd77::10 over IPv6) and the controller's (10.77.0.11) addresses. Ansible reaches the target through an inventory
host whose Python interpreter is a wrapper running ``ip netns exec <target> python``, so the collection's tasks and the
iptables they call act inside the namespace only (production code has no namespace option). ``stop`` deletes the
namespaces, and with them every rule.
"""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from conftest import wait_until

TARGET_IP, ATTACKER_IP, CONTROLLER_IP, PORT = "10.77.0.2", "10.77.0.10", "10.77.0.11", 2223
# The same hosts over IPv6 (unique local addresses, only inside the namespaces): sshd listens on both families.
TARGET_IP6, ATTACKER_IP6 = "fd77::2", "fd77::10"


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
        # nodad: usable at once, not "tentative" while duplicate address detection runs.
        _run("ip", "-n", self.target, "addr", "add", TARGET_IP6 + "/64", "dev", veth_t, "nodad")
        _run("ip", "-n", self.client, "addr", "add", ATTACKER_IP6 + "/64", "dev", veth_c, "nodad")
        for namespace, device in ((self.target, veth_t), (self.client, veth_c)):
            _run("ip", "-n", namespace, "link", "set", "lo", "up")
            _run("ip", "-n", namespace, "link", "set", device, "up")
        for name in ("host_key", "client_key", "wrong_key"):
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / name))
        (self.dir / "authorized_keys").write_text((self.dir / "client_key.pub").read_text())
        # LogLevel INFO on purpose: the playbook raises it to VERBOSE.
        self.config.write_text("\n".join([
            "ListenAddress %s:%d" % (TARGET_IP, PORT), "ListenAddress [%s]:%d" % (TARGET_IP6, PORT),
            "HostKey %s" % (self.dir / "host_key"), "UsePAM no", "LogLevel INFO",
            "AuthorizedKeysFile %s" % (self.dir / "authorized_keys"), "StrictModes no", "PidFile none", ""]))
        Path("/run/sshd").mkdir(exist_ok=True)
        self.sshd = subprocess.Popen(["ip", "netns", "exec", self.target, "/usr/sbin/sshd", "-D", "-f", str(self.config),
                                      "-E", str(self.log)])
        wait_until("sshd listening on both families",
                   lambda: self.log.exists() and self.log.read_text().count("Server listening") >= 2, 15)

    def stop(self):
        if self.sshd is not None:
            self.sshd.terminate()
            try:
                self.sshd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sshd.kill()
        for namespace in (self.target, self.client):
            _run("ip", "netns", "del", namespace, check=False)

    @staticmethod
    def _target(source):
        return TARGET_IP6 if ":" in source else TARGET_IP

    def ssh(self, source, user, key):
        return _run("ip", "netns", "exec", self.client, "ssh", "-b", source, "-p", str(PORT), "-i", str(self.dir / key),
                    "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3", "%s@%s" % (user, self._target(source)), "true",
                    check=False).returncode

    def reachable(self, source):
        probe = ("import socket,sys\ntry:\n socket.create_connection((%r, %d), timeout=2, source_address=(%r, 0)).close()\n"
                 "except OSError:\n sys.exit(1)" % (self._target(source), PORT, source))
        return _run("ip", "netns", "exec", self.client, sys.executable, "-c", probe, check=False).returncode == 0

    def rules(self, tool="iptables"):
        return _run("ip", "netns", "exec", self.target, tool, "-S", "INPUT").stdout

    def inventory(self, path):
        wrapper = self.dir / "python-in-target"
        wrapper.write_text('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (self.target, sys.executable))
        wrapper.chmod(0o700)
        path.write_text(json.dumps({"all": {"hosts": {
            "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "target": {"ansible_connection": "local",
                       "ansible_python_interpreter": str(wrapper)}}}}))
        return path


@contextmanager
def running_lab(tmp_path):
    """The namespaces and sshd, removed on exit whatever happened."""
    directory = tmp_path / "lab"
    directory.mkdir(mode=0o700)
    setup = Lab(directory)
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()
