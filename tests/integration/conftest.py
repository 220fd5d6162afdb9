# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real local network and real ansible-playbook runs for the integration tests.

Every disruption (stopped nodes, partitions) is undone in ``finally`` and the
tests wait for conditions with deadlines, never for fixed times.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
LOCALNET = [sys.executable, str(REPO / "scripts" / "localnet")]
INVENTORY = REPO / "inventories" / "localnet" / "hosts.yml"
# The shared network's first address (scripts/localnet's default); tests' own networks take addresses after it.
BASE_IP = os.environ.get("LOCALNET_BASE_IP", "127.0.1.1")


def spare_ip(offset):
    """``offset`` addresses after LOCALNET_BASE_IP: room for a test's own network beside the shared one.

    Offsets in use (each network needs one address per node): 20 the 7-validator network and 40 the taken-port
    check (test_localnet), 60 the e2e network (test_play021), 80 the lifecycle network (test_localnet).
    """
    prefix, last = BASE_IP.rsplit(".", 1)
    if int(last) + offset + 10 > 254:
        raise ValueError("LOCALNET_BASE_IP=%s leaves no room for a test network at +%d: use a base ending in .1" % (BASE_IP, offset))
    return "%s.%d" % (prefix, int(last) + offset)


# The network resources that session/module fixtures share, in precedence order: tests using one run in one
# pytest-xdist process, in file order (scripts/run-tests runs pytest -n 2 --dist loadgroup); the shared local network
# and the test services it is scraped by are one resource. Tests with resources of their own (a network in their own
# directory on their own addresses, namespaces named by pid, doubles on free ports) run beside them.
RESOURCE_GROUPS = (("localnet", "localnet"), ("test_services", "localnet"), ("e2e_net", "e2e-network"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # tryfirst: the marks must be on the items before pytest-xdist's worker turns them into "nodeid@group".
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
            fixtures = set(getattr(item, "fixturenames", ()))
            group = next((name for fixture, name in RESOURCE_GROUPS if fixture in fixtures), None)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def xdist_group_applied(request):
    """Fail a grouped test when pytest-xdist did not apply its group: the shared network would be used by two processes.

    With pytest 9.2, pytest-xdist 3.8 no longer writes its ``@group`` suffix into node ids (checked 2026-11-30) and
    ``--dist loadgroup`` silently spreads a group over the processes; requirements.txt pins a pair that works.
    """
    config = request.config
    if hasattr(config, "workerinput") and config.getvalue("loadgroup") and request.node.get_closest_marker("xdist_group"):
        if "@" not in request.node.nodeid:
            pytest.fail(
                "pytest-xdist did not apply the xdist_group mark of %s: this pytest/pytest-xdist pair breaks --dist loadgroup;"
                " install the versions in requirements.txt or run with IR_TEST_WORKERS=0" % request.node.nodeid
            )


def wait_until(description, predicate, deadline_s, interval=0.5):
    """Poll until ``predicate()`` is truthy; fail with the last value after the deadline."""
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    pytest.fail("timed out after %ss waiting for %s (last: %r)" % (deadline_s, description, last))


class Localnet:
    def __init__(self, directory=None):
        self.prefix = ["--dir", str(directory)] if directory else []

    def run(self, *args, check=True):
        result = subprocess.run(LOCALNET + self.prefix + list(args), capture_output=True, text=True, timeout=600, check=False)
        if check and result.returncode != 0:
            pytest.fail("scripts/localnet %s failed (%d):\n%s%s" % (" ".join(args), result.returncode, result.stdout, result.stderr))
        return result

    def status(self):
        return json.loads(self.run("status", "--json").stdout)

    def url(self, node):
        return "http://%s:26657" % next(n["address"] for n in self.status()["nodes"] if n["node"] == node)

    def height(self, node):
        try:
            return int(requests.get(self.url(node) + "/status", timeout=3).json()["result"]["sync_info"]["latest_block_height"])
        except (requests.RequestException, ValueError, KeyError):
            return None

    def wait_blocks(self, node, count, deadline_s=90):
        """Wait until ``node`` has produced ``count`` blocks more than now."""
        start = wait_until("%s to answer" % node, lambda: self.height(node), deadline_s)
        wait_until("%d new blocks on %s" % (count, node), lambda: (self.height(node) or 0) >= start + count, deadline_s)

    def restore(self):
        """Undo any disruption: heal, start every node, wait for blocks."""
        self.run("heal")
        self.run("up")
        self.wait_blocks("validator1", 2)


@pytest.fixture(scope="session")
def localnet():
    if os.geteuid() != 0:
        pytest.fail("integration tests need root (iptables partitions, supervisord): run them through scripts/run-tests as root")
    net = Localnet()
    was_up = net.run("status", check=False).returncode == 0 and all(n["process"] == "RUNNING" for n in net.status()["nodes"])
    net.run("up")
    net.wait_blocks("validator1", 2)
    yield net
    net.run("heal")
    if not was_up:
        net.run("down")


class PlaybookRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stderr = completed.stderr
        self.raw = completed.stdout
        # The JSON callback's document starts on a line of its own; the lines action plugins print while the play
        # runs (progress, decisions, tables) come before it and may contain braces.
        start = re.search(r"^\{$", completed.stdout, re.M)
        try:
            self.doc = json.loads(completed.stdout[start.start():]) if start else None
        except ValueError:
            self.doc = None

    def results(self, task_name):
        """Per-host results of every task whose name contains ``task_name``."""
        found = []
        for play in self.doc["plays"]:
            for task in play["tasks"]:
                if task_name in task["task"]["name"]:
                    found.extend((host, result) for host, result in task["hosts"].items())
        return found

    def result(self, task_name, host="localhost"):
        matches = [r for h, r in self.results(task_name) if h == host]
        assert matches, "no result for task %r on %s in:\n%s" % (task_name, host, self.raw[-3000:])
        return matches[-1]

    @property
    def stats(self):
        return self.doc["stats"]


def run_playbook(playbook, *args, inventory=INVENTORY, extra_vars=None, env=None):
    """Run ansible-playbook with the JSON callback; returns a PlaybookRun."""
    command = ["ansible-playbook", "-i", str(inventory), str(playbook)] + list(args)
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    environment = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                       ANSIBLE_NOCOLOR="1", **(env or {}))
    completed = subprocess.run(command, capture_output=True, text=True, cwd=str(REPO), env=environment, timeout=900, check=False)
    run = PlaybookRun(completed)
    assert run.doc is not None, "ansible-playbook printed no JSON (rc %d):\n%s\n%s" % (run.rc, completed.stdout[-3000:], completed.stderr[-3000:])
    return run


def assert_refused_before_anything_ran(playbook, bad_vars, report_dir, names, not_run, inventory=INVENTORY):
    """Run ``playbook`` with a bad runbook setting: it must fail on localhost alone, in its first play (the role's
    argument spec), every string of ``names`` (the variable, the bad value) must be in the output, no task whose name
    contains one of ``not_run`` (the probes, "Declare:") may have run, and ``report_dir`` must stay empty: no incident,
    no report. Returns the run."""
    run = run_playbook(playbook, inventory=inventory, extra_vars=bad_vars, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc != 0, run.raw[-3000:]
    assert len(run.doc["plays"]) == 1 and set(run.stats) == {"localhost"}, run.raw[-3000:]
    for name in names:
        assert name in run.raw, "%r not in the failure:\n%s" % (name, run.raw[-3000:])
    for task in not_run:
        assert run.results(task) == [], "%r ran" % task
    assert list(report_dir.iterdir()) == [], "no incident record and no report"
    return run


@pytest.fixture
def module_run(tmp_path):
    """Run one module of the collection on localhost through ansible-playbook; returns its result."""
    def run(module, args):
        playbook = tmp_path / "module.yml"
        playbook.write_text(json.dumps([{
            "hosts": "localhost", "gather_facts": False,
            "tasks": [{"name": "the module", "virtengine.incident_response.%s" % module: args, "register": "out"}],
        }]))
        return run_playbook(playbook).result("the module")
    return run


@pytest.fixture
def localhost_inventory(tmp_path):
    """An inventory of localhost alone, run with the controller's Python (playbooks that only talk to services)."""
    path = tmp_path / "hosts.yml"
    path.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                                "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    return path


@pytest.fixture
def report_dir():
    with tempfile.TemporaryDirectory(prefix="ve-ir-reports-") as directory:
        yield Path(directory)


@pytest.fixture
def ghost_inventory(tmp_path):
    """An extra inventory with a validator host 'ghost' that SSH cannot reach (port 1 refuses)."""
    path = tmp_path / "ghost.yml"
    path.write_text(json.dumps({"chain_nodes": {"children": {"validators": {"hosts": {"ghost": {
        "ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1,
        "ansible_ssh_common_args": "-o ConnectTimeout=3 -o StrictHostKeyChecking=no",
        "node_rpc_url": "http://127.0.9.9:26657", "node_service_manager": "systemd"}}}}}}))
    return path


TEST_SERVICES = [sys.executable, str(REPO / "scripts" / "test-services")]


@pytest.fixture(scope="session")
def test_services():
    """Start the private test services (scripts/test-services) on demand; stop the ones started here at the end.

    ``test_services("postgres", "exporter")`` starts them (idempotent) and returns the addresses; a test probes
    through the blackbox exporter by writing file_sd targets into ``blackbox_targets / "blackbox_<module>.json"``.
    """
    started = []

    def up(*names):
        result = subprocess.run(TEST_SERVICES + ["up"] + list(names), capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            pytest.fail("scripts/test-services up %s failed:\n%s%s" % (" ".join(names), result.stdout, result.stderr))
        started.extend(n for n in names if n not in started)
        host = os.environ.get("TEST_SERVICES_HOST", "127.0.0.1")
        services_dir = Path(os.environ.get("TEST_SERVICES_DIR", REPO / ".test-services"))
        return {
            "prometheus": "http://%s:%s" % (host, os.environ.get("TEST_PROMETHEUS_PORT", "19090")),
            "postgres": (host, int(os.environ.get("TEST_POSTGRES_PORT", "15432"))),
            "exporter_spec": services_dir / "exporter-spec.json",
            "blackbox_targets": services_dir / "prometheus" / "targets",
        }

    try:
        yield up
    finally:
        if started:
            subprocess.run(TEST_SERVICES + ["down"] + started, capture_output=True, text=True, timeout=120, check=False)
