# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""As a new user: the collection built with ansible-galaxy, installed into a clean path and run from another directory
with Ansible's defaults (no ansible.cfg, default callback): reports and decisions read line by line, and a run that
declares an incident without the scribe says once how to turn it on (docs/awx.md, "Installed from Galaxy")."""

import json
import os
import subprocess

import pytest

from conftest import INVENTORY, REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("galaxy")
    build = subprocess.run(["ansible-galaxy", "collection", "build", str(REPO), "--output-path", str(work)], capture_output=True, text=True,
                           timeout=300, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = next(work.glob("virtengine-incident_response-*.tar.gz"))
    # --force: a developer machine may have the collection linked in ~/.ansible/collections already.
    install = subprocess.run(["ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", str(work / "collections"), str(tarball)],
                             capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    environment = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    # The clean path first; the bundle's collections (community.general ...) stay reachable as for any pip install.
    environment.update(ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_NOCOLOR="1",
                       IR_REPORT_DIR=str(work / "reports"), IR_INCIDENT_ROOT=str(work / "incidents"))
    return elsewhere, environment, work


def _run(installed, playbook, *args):
    elsewhere, environment, _work = installed
    return subprocess.run(["ansible-playbook", "-i", str(INVENTORY), "virtengine.incident_response.%s" % playbook] + list(args),
                          cwd=str(elsewhere), env=environment, capture_output=True, text=True, timeout=900, check=False)


def test_diagnose_reads_line_by_line_under_the_default_callback(localnet, installed):
    run = _run(installed, "diagnose")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    shown = run.stdout[run.stdout.index("TASK [virtengine.incident_response.report : Show the report]"):]
    shown = shown[:shown.index("TASK [", 10)]
    # One JSON string per line (default callback, json result format), never one string full of \n escapes.
    assert '"Fleet diagnosis: HEALTHY",' in shown, shown
    assert "\\n" not in shown, shown
    assert any(line.strip().startswith('"node ') for line in shown.splitlines()), "the table header is a line of its own"


def test_without_the_scribe_a_declared_incident_says_once_how_to_turn_it_on(localnet, installed):
    _elsewhere, _environment, work = installed
    run = _run(installed, "play001_chain_halted", "-e", json.dumps({"play001_scenario": "A", "play001_halt_window": 6, "play001_quorum_wait": 5}))
    assert run.stdout.count("The incident scribe is off") == 1, run.stdout[-4000:]
    assert "ANSIBLE_CALLBACKS_ENABLED=virtengine.incident_response.scribe" in run.stdout
    (incident,) = [p for p in (work / "incidents").iterdir() if p.is_dir()]
    timeline = [json.loads(line) for line in (incident / "timeline.jsonl").read_text().splitlines()]
    # As documented: the incident's own entries, no task entries without the scribe.
    assert [e["event"] for e in timeline if e["kind"] == "incident"][:1] == ["declared"]
    assert not [e for e in timeline if e["kind"] == "task"]
