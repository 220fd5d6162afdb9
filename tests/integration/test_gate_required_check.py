# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate v2 through ansible-playbook: plan-bound approvals, and the required check of a changing role (host_firewall).

The changing role is called directly, as a careless playbook would: it must refuse before it touches anything, so
no firewall is needed (the hosts are local connections; a refused run never reaches iptables).
"""

import json

import pytest
from conftest import run_playbook

from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import plan_fingerprint

APPROVED = ["203.0.113.7"]
PARAMETERS = {"by_host": {"h1": {"addresses": APPROVED}}}
GATE = {"name": "virtengine.incident_response.gate"}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    here = tmp_path_factory.mktemp("gate")
    inventory = here / "hosts.ini"
    inventory.write_text("localhost ansible_connection=local\nh1 ansible_connection=local\nh2 ansible_connection=local\n")
    playbook = here / "gate.yml"
    playbook.write_text(json.dumps([
        {"name": "Gate", "hosts": "localhost", "gather_facts": False, "tasks": [{
            "name": "The gate", "ansible.builtin.include_role": GATE, "when": "with_gate | bool",
            "vars": {"gate_action": "block_addresses", "gate_hosts": ["h1"], "gate_plan": ["drop 203.0.113.7 on h1"],
                     "gate_parameters": PARAMETERS}}]},
        {"name": "Change", "hosts": "{{ target }}", "gather_facts": False, "tasks": [
            {"name": "Block without checking anything first", "ansible.builtin.include_role": {"name": "virtengine.incident_response.host_firewall"},
             "vars": {"host_firewall_action": "block", "host_firewall_addresses": "{{ addresses }}"}, "when": "not only_require | bool"},
            {"name": "The required check alone", "ansible.builtin.include_role": dict(GATE, tasks_from="require"),
             "vars": {"gate_action": "block_addresses", "gate_parameters": {"addresses": "{{ addresses }}"}}, "when": "only_require | bool"},
            {"name": "Approved", "ansible.builtin.debug": {"msg": "passed the required check"}}]}]))
    return inventory, playbook


def _run(setup, **extra):
    inventory, playbook = setup
    values = {"with_gate": True, "target": "h1", "addresses": APPROVED, "only_require": False, "ir_confirm": "block_addresses"}
    values.update(extra)
    return run_playbook(playbook, inventory=inventory, extra_vars=values)


def _refusal(run):
    assert run.rc != 0
    failed = [(h, r) for h, r in run.results("Refuse a change the gate did not approve for") if r.get("failed")]
    assert len(failed) == 1, run.raw[-3000:]
    assert not run.results("Approved") and not run.results("Drop incoming traffic"), "nothing ran after the refusal"
    return failed[0][1]["msg"]


@pytest.mark.parametrize("extra, reason", [
    ({"with_gate": False}, "block_addresses was not confirmed through the gate role (the gate did not decide it in this run)"),
    ({"ir_confirm": "other_action"}, "block_addresses was not confirmed through the gate role (decision: refused)"),
    ({"target": "h2"}, "h2 is not among the approved hosts (h1)"),
    ({"addresses": ["203.0.113.7", "198.51.100.9"]}, 'parameter addresses: ["203.0.113.7"] -> ["203.0.113.7","198.51.100.9"] differs'),
])
def test_a_changing_role_refuses_what_the_gate_did_not_approve(setup, extra, reason):
    message = _refusal(_run(setup, **extra))
    assert reason in message and "block_addresses on %s refused before this change" % extra.get("target", "h1") in message


def test_the_approved_host_and_parameters_pass_the_required_check(setup):
    run = _run(setup, only_require=True)
    assert run.rc == 0, run.raw[-3000:]
    assert run.result("Approved", "h1")["msg"] == "passed the required check"


def test_an_approval_bound_to_another_plan_is_refused_saying_what_changed(setup):
    approved = {"hosts": ["h1"], "parameters": {"by_host": {"h1": {"addresses": ["203.0.113.8"]}}}}
    fingerprint = plan_fingerprint("block_addresses", approved["hosts"], approved["parameters"])
    run = _run(setup, ir_confirm="block_addresses@" + fingerprint, only_require=True,
               ir_plans={"block_addresses": dict(approved, fingerprint=fingerprint)})
    assert run.rc != 0
    current = plan_fingerprint("block_addresses", ["h1"], PARAMETERS)
    assert "ir_confirm approved block_addresses@%s, but the plan computed now is block_addresses@%s" % (fingerprint, current) in run.raw
    assert 'What changed: parameter by_host.h1.addresses: [\\"203.0.113.8\\"] -> [\\"203.0.113.7\\"]' in run.raw
    assert "-e ir_confirm=block_addresses@%s" % current in run.raw
    assert not run.results("Approved")


def test_an_approval_bound_to_this_plan_is_confirmed(setup):
    run = _run(setup, ir_confirm="block_addresses@" + plan_fingerprint("block_addresses", ["h1"], PARAMETERS), only_require=True)
    assert run.rc == 0, run.raw[-3000:]
    assert "Plan fingerprint: %s" % plan_fingerprint("block_addresses", ["h1"], PARAMETERS) in run.raw
    assert run.result("Approved", "h1")["msg"] == "passed the required check"
