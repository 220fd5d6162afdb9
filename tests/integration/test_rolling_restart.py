# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rolling restart of a live chain on the real local network: batches from voting power, the quorum guard, the gate."""

import json
import re
import subprocess
import threading

from conftest import REPO, run_playbook

PLAYBOOK = REPO / "playbooks" / "rolling_restart.yml"
VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]
FAST = {"rolling_restart_halt_window": 6}


def _programs(localnet):
    config = "%s/supervisord.conf" % localnet.status()["dir"]
    out = subprocess.run(["supervisorctl", "-c", config, "status"], capture_output=True, text=True, check=False).stdout
    programs = {}
    for line in out.splitlines():
        fields = line.split()
        pid = re.search(r"pid (\d+)", line)
        programs[fields[0]] = (fields[1], int(pid.group(1)) if pid else None)
    return programs


def test_rolling_restart_restarts_every_validator_one_batch_at_a_time(localnet):
    before = _programs(localnet)
    most_down = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            states = _programs(localnet)
            most_down.append(sum(1 for v in VALIDATORS if states[v][0] != "RUNNING"))
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="rolling_restart"))
    finally:
        done.set()
        watcher.join(10)
    assert run.rc == 0, run.raw[-3000:]
    after = _programs(localnet)
    for name in VALIDATORS:
        assert after[name][0] == "RUNNING" and after[name][1] != before[name][1], "%s was not restarted" % name
    assert most_down and max(most_down) <= 1, "never more than one validator (10 of 40 power) down at once"
    localnet.wait_blocks("validator1", 2)


def test_without_confirmation_nothing_restarts(localnet):
    before = _programs(localnet)
    run = run_playbook(PLAYBOOK, extra_vars=FAST)
    assert run.rc != 0 and "-e ir_confirm=rolling_restart" in run.raw
    assert _programs(localnet) == before


def test_quorum_guard_refuses_a_plan_that_would_halt_the_chain(localnet):
    localnet.run("stop", "validator4")
    try:
        before = _programs(localnet)
        run = run_playbook(PLAYBOOK, extra_vars=dict(FAST, ir_confirm="rolling_restart",
                                                     rolling_restart_hosts=["validator1", "validator2", "validator3"]))
        assert run.rc != 0
        assert "REFUSED" in run.raw and "the chain would halt" in run.raw
        assert _programs(localnet) == before
    finally:
        localnet.run("start", "validator4")
        localnet.wait_blocks("validator1", 2)


def test_coordinated_restart_refuses_when_forks_cannot_cover_the_hosts(localnet, tmp_path):
    """Hosts past the fork count would start a round of tasks later: the role says how to fix it and changes nothing."""
    playbook = tmp_path / "coordinated.yml"
    playbook.write_text(json.dumps([{
        "hosts": "validators", "gather_facts": False,
        "tasks": [{"name": "restart together", "ansible.builtin.include_role": {"name": "virtengine.incident_response.coordinated_restart"},
                   "vars": {"coordinated_restart_hosts": ["validator3", "validator4"]}}],
    }]))
    before = _programs(localnet)
    run = run_playbook(playbook, "--forks", "1", extra_vars={"ir_confirm": "coordinated_restart"})
    assert run.rc != 0
    assert "run with --forks 2" in run.raw and "Nothing was changed" in run.raw
    assert _programs(localnet) == before
