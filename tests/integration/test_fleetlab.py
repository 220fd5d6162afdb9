# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/fleetlab itself: a failed up and a down leave nothing; partitions live inside the machines only.

One lab of its own (a temporary directory, its own bridge and /24), so it never meets the Molecule scenario's lab.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, wait_until

FLEETLAB = [sys.executable, str(REPO / "scripts" / "fleetlab")]


def _out(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=True).stdout


def _host_rules_of(lab):
    """The host's own iptables rules that could come from the lab (others' tests change other rules meanwhile)."""
    prefix = lab.env["FLEETLAB_SUBNET"].rsplit(".", 1)[0] + "."
    return [line for line in _out("iptables", "-S").splitlines() if "ufw" in line or "VE_FLEETLAB" in line or prefix in line]


class Lab(object):
    def __init__(self, directory):
        self.dir = directory
        # A /24 of its own, away from the default lab's derived one (10.213.x.0/24).
        self.env = dict(os.environ, FLEETLAB_SUBNET="10.214.%d.0/24" % (os.getpid() % 250))

    def run(self, *args, check=True, env=None):
        result = subprocess.run(FLEETLAB + ["--dir", str(self.dir)] + list(args), capture_output=True, text=True,
                                timeout=900, check=False, env=dict(self.env, **(env or {})))
        if check and result.returncode != 0:
            pytest.fail("scripts/fleetlab %s failed (%d):\n%s%s" % (" ".join(args), result.returncode, result.stdout, result.stderr))
        return result

    def leftovers(self):
        """Everything of this lab that the host can see: namespaces, links, mounts, processes rooted in it."""
        tag = self.bridge[len("vefl"):]
        found = [line for line in _out("ip", "netns", "list").splitlines() if line.startswith("vefl" + tag)]
        found += [line for line in _out("ip", "-o", "link").splitlines() if "vefl" + tag in line or "vf" + tag in line]
        found += [line for line in Path("/proc/self/mounts").read_text().splitlines() if str(self.dir) in line]
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if str(self.dir) in os.readlink(proc / "root") or str(self.dir) in (proc / "cmdline").read_text():
                    found.append("process %s" % proc.name)
            except OSError:
                continue
        return found


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the fleet lab needs root: run the tests through scripts/run-tests as root")
    lab = Lab(tmp_path_factory.mktemp("fleet") / "lab")
    # The names scripts/fleetlab derives from the lab directory (docs/fleetlab.md): bridge vefl<tag>, veths vf<tag>N,
    # namespaces vefl<tag>-<node>.
    lab.bridge = "vefl" + hashlib.sha1(str(lab.dir.resolve()).encode()).hexdigest()[:6]
    try:
        yield lab
    finally:
        lab.run("down", check=False)


def test_failed_up_stops_and_removes_everything_it_started(lab):
    # validator4 gets a key cometbft refuses (the script's test-only hook), so it never serves RPC and up fails
    # however fast the machines boot on a quiet machine with the image cached.
    try:
        failed = lab.run("up", "--timeout", "1", check=False, env={"FLEETLAB_TEST_BROKEN_NODE": "validator4"})
        assert failed.returncode == 1
        assert "timed out after 1s waiting for" in failed.stderr and "Traceback" not in failed.stderr
        assert "stopping and removing everything" in failed.stdout
        assert lab.leftovers() == []
        assert _host_rules_of(lab) == []
    finally:
        # The broken machine's files stay in the lab directory (a failed up keeps them for the next up): remove them.
        lab.run("down", check=False)


def test_up_partition_inside_the_machines_heal_and_down_leave_nothing(lab):
    lab.run("up")
    status = json.loads(lab.run("status", "--json").stdout)
    assert [n["node"] for n in status["nodes"]] == ["validator1", "validator2", "validator3", "validator4", "fullnode1"]
    assert all(n["machine"] == "running" and n["service"] == "active" and n["height"] >= 2 for n in status["nodes"])
    assert status["bridge"] == lab.bridge and status["subnet"] == lab.env["FLEETLAB_SUBNET"]
    # Each machine is its own host: systemd as PID 1, its own hostname, the node as virtengine.service of user validator.
    assert lab.run("exec", "validator2", "hostname").stdout.strip() == "validator2"
    assert lab.run("exec", "validator2", "ps", "-o", "comm=", "-p", "1").stdout.strip() == "systemd"
    assert lab.run("exec", "validator2", "systemctl", "show", "-P", "User", "virtengine").stdout.strip() == "validator"
    assert "ufw" in lab.run("exec", "validator2", "iptables", "-S").stdout

    lab.run("partition", "validator1,validator2", "validator3,validator4,fullnode1")
    try:
        rules = lab.run("exec", "validator1", "iptables", "-S", "VE_FLEETLAB_PARTITION").stdout
        assert rules.count("-j REJECT --reject-with tcp-reset") == 6  # 3 addresses x (to and from port 26656)
        assert _host_rules_of(lab) == [], "the host's own firewall is never touched"

        def islands():
            peers = dict((n["node"], n["peers"]) for n in json.loads(lab.run("status", "--json").stdout)["nodes"])
            return peers["validator1"] == 1 and peers["validator3"] == 2 and peers

        wait_until("two islands", islands, 120, interval=2)
    finally:
        lab.run("heal")
    assert lab.run("exec", "validator1", "iptables", "-S", "VE_FLEETLAB_PARTITION", check=False).returncode != 0

    lab.run("stop", "validator4")
    stopped = json.loads(lab.run("status", "--json").stdout)["nodes"][3]
    assert stopped["service"] == "inactive" and stopped["machine"] == "running"
    lab.run("start", "validator4")

    down = lab.run("down")
    assert "fleet lab removed" in down.stdout
    assert lab.leftovers() == []
    assert not lab.dir.exists()
    assert _host_rules_of(lab) == []
