# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade switch acts with the approved plan's values, never the caller's (issue 24, item 2), on a real node.

A small playbook runs the real gate for ``upgrade_switch`` on fullnode1 of the local network, then the real
``node_binary`` switch in ``--check`` (nothing changes) with caller variables that try to name another binary: the
switch shows what it would install - the approved source and SHA-256 - and succeeds. An approval ``@fingerprint`` of a
plan with another SHA-256 is refused by the gate naming the change, and the switch then refuses too.
"""

import hashlib
import json

import pytest
from conftest import run_playbook

from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import plan_fingerprint

NODE = "fullnode1"


@pytest.fixture
def switch(localnet, tmp_path):
    source = tmp_path / "virtengine-v2"
    source.write_bytes(b"#!/bin/sh\necho v2\n")
    playbook = tmp_path / "switch.yml"
    playbook.write_text(json.dumps([
        {"name": "Gate", "hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "Begin", "ansible.builtin.include_role": {"name": "virtengine.incident_response.gate", "tasks_from": "begin"}},
            {"name": "The gate", "ansible.builtin.include_role": {"name": "virtengine.incident_response.gate"},
             "vars": {"gate_action": "upgrade_switch", "gate_hosts": [NODE], "gate_plan": ["switch %s to v2" % NODE],
                      "gate_parameters": "{{ plan_parameters }}"}}]},
        {"name": "Switch", "hosts": NODE, "gather_facts": False, "tasks": [
            {"name": "Switch with caller variables naming another binary", "ansible.builtin.include_role": {
                "name": "virtengine.incident_response.node_binary", "tasks_from": "switch"},
             "vars": {"node_binary_upgrade_source": "/tmp/not-approved", "node_binary_upgrade_sha256": "0" * 64,
                      "node_binary_cosmovisor_dir": str(tmp_path / "cosmovisor")}},
            {"name": "What the switch did", "ansible.builtin.debug": {"var": "node_binary_switch"}}]}]))
    parameters = {"upgrade": "v2", "mode": "cosmovisor", "source": str(source), "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    return playbook, parameters, tmp_path


def test_the_switch_acts_with_the_approved_binary_not_the_callers(switch):
    playbook, parameters, here = switch
    run = run_playbook(playbook, "--check", extra_vars={"plan_parameters": parameters, "ir_confirm": "upgrade_switch"})
    assert run.rc == 0, run.raw[-4000:]
    # The upgrade's directory does not exist yet, and --check only simulates creating it: the switch says what it
    # would install (it used to fail in get_url on the missing directory).
    shown = run.result("Check mode | the upgrade binary that would be installed", NODE)["msg"]
    dest = here / "cosmovisor" / "upgrades" / "v2" / "bin" / "cometbft"
    assert shown == "would install %s (sha256 %s, checked before anything is replaced) as %s" % (parameters["source"], parameters["sha256"], dest)
    done = run.result("What the switch did", NODE)["node_binary_switch"]
    assert (done["upgrade"], done["sha256"], done["path"]) == ("v2", parameters["sha256"], str(dest))
    assert "/tmp/not-approved" not in run.raw
    assert not (here / "cosmovisor").exists(), "check mode changes nothing"


def test_an_approval_of_another_checksum_is_refused_naming_it_and_the_switch_refuses(switch):
    playbook, parameters, here = switch
    approved = dict(parameters, sha256="ab" * 32)
    fingerprint = plan_fingerprint("upgrade_switch", [NODE], approved)
    run = run_playbook(playbook, "--check", extra_vars={
        "plan_parameters": parameters, "ir_confirm": "upgrade_switch@" + fingerprint,
        "ir_plans": {"upgrade_switch": {"hosts": [NODE], "parameters": approved, "fingerprint": fingerprint}}})
    assert run.rc != 0
    decided = run.result("Decide, and write the decision")["entry"]
    assert decided["decision"] == "check_mode" and decided["changes"] == ['parameter sha256: "%s" -> "%s"' % ("ab" * 32, parameters["sha256"])]
    refused = [r for h, r in run.results("Refuse a change the gate did not approve") if r.get("failed")]
    assert refused and "upgrade_switch was not confirmed" in refused[0]["msg"]
    assert not run.results("Install the upgrade binary, its SHA-256") and not run.results("Check mode | the upgrade binary")
    assert not (here / "cosmovisor").exists()
