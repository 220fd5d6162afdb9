# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's pure logic: plan fingerprints, ir_confirm forms, the verdict and the required check."""

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.confirmed_actions import confirmed_actions
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import (
    GATED_ACTIONS, GateError, check_approval, gate_verdict, parse_confirmations, plan_changes, plan_fingerprint)

VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]


def test_fingerprint_is_the_documented_digest_and_ignores_host_order():
    canonical = '{"action":"state_rollback","hosts":["validator1","validator2"],"parameters":{"height":1041}}'
    expected = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert plan_fingerprint("state_rollback", ["validator2", "validator1", "validator2"], {"height": 1041}) == expected
    assert plan_fingerprint("state_rollback", ["validator1", "validator2"], {"height": 1041}) == expected


@pytest.mark.parametrize("change", [
    ("coordinated_restart", VALIDATORS, {"height": 1041}),
    ("state_rollback", VALIDATORS[:3], {"height": 1041}),
    ("state_rollback", VALIDATORS, {"height": 1040}),
    ("state_rollback", VALIDATORS, {"height": "1041"}),
    ("state_rollback", VALIDATORS, {}),
])
def test_any_change_of_action_hosts_or_parameters_changes_the_fingerprint(change):
    assert plan_fingerprint(*change) != plan_fingerprint("state_rollback", VALIDATORS, {"height": 1041})


@pytest.mark.parametrize("bad", [("State", VALIDATORS, {}), ("state_rollback", "validator1", {}), ("state_rollback", [""], {}),
                                 ("state_rollback", VALIDATORS, ["height"]), ("state_rollback", VALIDATORS, {"t": object()}),
                                 ("state_rollback", VALIDATORS, {"by_host": ["validator1"]})])
def test_bad_plans_are_named(bad):
    with pytest.raises(GateError):
        plan_fingerprint(*bad)


@pytest.mark.parametrize("value, expected", [
    (None, {}),
    ("", {}),
    ("coordinated_restart", {"coordinated_restart": None}),
    (" a , b ,", {"a": None, "b": None}),
    (["a", "state_rollback@0123456789ABCDEF"], {"a": None, "state_rollback": "0123456789abcdef"}),
    ("a@0123456789abcdef,a@0123456789abcdef", {"a": "0123456789abcdef"}),
])
def test_ir_confirm_forms(value, expected):
    assert parse_confirmations(value) == expected


@pytest.mark.parametrize("bad", ["a@12", "a@0123456789abcdeg", "a,a@0123456789abcdef", 5, {"a": 1}])
def test_bad_ir_confirm_is_named(bad):
    with pytest.raises(GateError, match="ir_confirm"):
        parse_confirmations(bad)


def test_confirmed_actions_keeps_plain_names_and_drops_fingerprints():
    assert confirmed_actions("peer_reset, state_sync") == ["peer_reset", "state_sync"]
    assert confirmed_actions(["state_rollback@0123456789abcdef", "peer_reset"]) == ["state_rollback", "peer_reset"]
    assert confirmed_actions(None) == []
    with pytest.raises(AnsibleFilterError, match="16 hex digits"):
        confirmed_actions("state_rollback@zz")


def test_plain_name_confirms_any_plan_and_a_fingerprint_only_its_plan():
    fp = plan_fingerprint("state_rollback", VALIDATORS, {"height": 1041})
    plain = gate_verdict("state_rollback", "state_rollback", VALIDATORS, {"height": 1041})
    assert plain["confirmed"] and plain["fingerprint"] == fp and plain["approved_fingerprint"] is None
    bound = gate_verdict("other,state_rollback@" + fp, "state_rollback", VALIDATORS, {"height": 1041})
    assert bound["confirmed"] and bound["refusals"] == [] and bound["plan"]["hosts"] == VALIDATORS
    absent = gate_verdict("other", "state_rollback", VALIDATORS, {"height": 1041})
    assert not absent["named"] and not absent["confirmed"] and absent["refusals"] == []


def test_a_changed_plan_is_refused_saying_what_changed():
    approved = {"hosts": VALIDATORS[:3], "parameters": {"height": 1041, "hard": False}}
    fp = plan_fingerprint("state_rollback", approved["hosts"], approved["parameters"])
    plans = {"state_rollback": dict(approved, fingerprint=fp)}
    verdict = gate_verdict("state_rollback@" + fp, "state_rollback", VALIDATORS[1:], {"height": 1043, "hard": False}, plans)
    assert verdict["named"] and not verdict["confirmed"]
    assert verdict["refusals"] == ["ir_confirm approved state_rollback@%s, but the plan computed now is state_rollback@%s" % (fp, verdict["fingerprint"])]
    assert verdict["changes"] == ["hosts added: validator4", "hosts removed: validator1", "parameter height: 1041 -> 1043"]


def test_a_changed_plan_without_the_approved_one_says_the_fingerprint_differs():
    verdict = gate_verdict("state_rollback@0123456789abcdef", "state_rollback", VALIDATORS, {"height": 1})
    assert not verdict["confirmed"] and verdict["changes"] == []
    assert "0123456789abcdef" in verdict["refusals"][0] and verdict["fingerprint"] in verdict["refusals"][0]
    assert "ir_plans" in verdict["refusals"][1]
    stale = gate_verdict("state_rollback@0123456789abcdef", "state_rollback", VALIDATORS, {"height": 1},
                         {"state_rollback": {"hosts": VALIDATORS, "parameters": {}, "fingerprint": "fedcba9876543210"}})
    assert "fedcba9876543210" in stale["refusals"][1]
    with pytest.raises(GateError, match="ir_plans"):
        gate_verdict("state_rollback@0123456789abcdef", "state_rollback", VALIDATORS, {}, ["state_rollback"])
    with pytest.raises(GateError, match="ir_plans.state_rollback"):
        gate_verdict("state_rollback", "state_rollback", VALIDATORS, {}, {"state_rollback": {"hosts": VALIDATORS}})


def test_a_plain_name_is_bound_to_the_plan_passed_in_ir_plans():
    """AWX: the remediate node names the action; the diagnosis' plan arrives as the artifact ir_plans."""
    shown = {"hosts": VALIDATORS, "parameters": {"height": 1041}}
    plans = {"state_rollback": dict(shown, fingerprint=plan_fingerprint("state_rollback", VALIDATORS, {"height": 1041}))}
    assert gate_verdict("state_rollback", "state_rollback", VALIDATORS, {"height": 1041}, plans)["confirmed"]
    moved = gate_verdict("state_rollback", "state_rollback", VALIDATORS, {"height": 1042}, plans)
    assert not moved["confirmed"] and moved["refusals"][0].startswith("ir_plans (the plan shown when ir_confirm was given) approved")
    assert moved["changes"] == ["parameter height: 1041 -> 1042"]
    other = gate_verdict("coordinated_restart", "coordinated_restart", VALIDATORS, {}, plans)
    assert other["confirmed"], "a plan published for another action binds nothing"


def test_plan_changes_of_nested_and_removed_parameters():
    old = {"hosts": ["h1"], "parameters": {"by_host": {"h1": {"addresses": ["10.0.0.1"]}}, "limit": 200}}
    new = {"hosts": ["h1"], "parameters": {"by_host": {"h1": {"addresses": ["10.0.0.1", "10.0.0.2"]}}, "extra": True}}
    assert plan_changes(old, new) == ['parameter by_host.h1.addresses: ["10.0.0.1"] -> ["10.0.0.1","10.0.0.2"]',
                                      "parameter extra: added (true)", "parameter limit: removed (was 200)"]
    assert plan_changes(old, old) == []


def _entry(decision="confirmed", hosts=("validator1", "validator2"), parameters=None):
    hosts = list(hosts)
    parameters = parameters if parameters is not None else {"height": 1041}
    return {"action": "state_rollback", "decision": decision, "hosts": hosts, "parameters": parameters,
            "fingerprint": plan_fingerprint("state_rollback", hosts, parameters)}


def test_required_check_allows_exactly_the_approved_change():
    assert check_approval(_entry(), "state_rollback", "validator2", {"height": 1041}) == []
    # A task that uses none of the parameters (the service stop inside a rollback) checks the action and the host only.
    assert check_approval(_entry(), "state_rollback", "validator2") == []


@pytest.mark.parametrize("entry, host, parameters, reason", [
    (None, "validator1", {"height": 1041}, "state_rollback was not confirmed through the gate role (the gate did not decide it in this run)"),
    (_entry("refused"), "validator1", {"height": 1041}, "state_rollback was not confirmed through the gate role (decision: refused)"),
    (_entry("check_mode"), "validator1", {"height": 1041}, "state_rollback was not confirmed through the gate role (decision: check_mode)"),
    (_entry(), "validator3", {"height": 1041}, "validator3 is not among the approved hosts (validator1, validator2)"),
    (_entry(), "validator1", {"height": 1040}, "parameter height: 1041 -> 1040 differs from the approved plan"),
    (_entry(), "validator1", {"height": 1041, "hard": True}, "parameter hard: added (true) differs from the approved plan"),
    (dict(_entry(), action="coordinated_restart"), "validator1", {"height": 1041}, "the gate record is for 'coordinated_restart'"),
])
def test_required_check_refuses(entry, host, parameters, reason):
    reasons = check_approval(entry, "state_rollback", host, parameters)
    assert any(r.startswith(reason) for r in reasons), reasons


def test_required_check_uses_each_hosts_own_parameters():
    entry = _entry(parameters={"by_host": {"validator1": {"addresses": ["203.0.113.7"]}}, "comment": "PLAY-SEC-002"})
    assert check_approval(entry, "state_rollback", "validator1", {"addresses": ["203.0.113.7"], "comment": "PLAY-SEC-002"}) == []
    assert check_approval(entry, "state_rollback", "validator1", {"addresses": ["203.0.113.8"], "comment": "PLAY-SEC-002"}) == [
        'parameter addresses: ["203.0.113.7"] -> ["203.0.113.8"] differs from the approved plan']


def test_required_check_names_bad_calls():
    with pytest.raises(GateError, match="lower-case word"):
        check_approval(_entry(), "", "validator1")
    with pytest.raises(GateError, match="host or target"):
        check_approval(_entry(), "state_rollback", "")
    with pytest.raises(GateError, match="must be a dict"):
        check_approval(["state_rollback"], "state_rollback", "validator1")


def test_plans_survive_a_json_round_trip():
    """AWX passes ir_plans between workflow nodes as JSON: the fingerprint must not depend on Python types."""
    parameters = {"height": 1041, "targets": ("a", "b")}
    assert plan_fingerprint("x", ["h"], parameters) == plan_fingerprint("x", ["h"], json.loads(json.dumps(parameters)))


# Which playbooks can reach the gate: the roles they name, and the roles those name, transitively.
_COLLECTION = Path(__file__).resolve().parents[2]
_ROLE_REF = re.compile(r"virtengine\.incident_response\.([a-z0-9_]+)")


def _roles_reached(text, seen=None):
    seen = set() if seen is None else seen
    for name in set(_ROLE_REF.findall(text)) - seen:
        tasks = _COLLECTION / "roles" / name / "tasks"
        if tasks.is_dir():
            seen.add(name)
            _roles_reached("\n".join(p.read_text() for p in sorted(tasks.glob("*.yml"))), seen)
    return seen


# Read-only playbooks whose roles reach the gate only on a change path they never take (and they carry no ir_confirm).
_READ_ONLY = {"diagnose.yml": "node_service_action: status"}
_GATED_PLAYBOOKS = [p for p in sorted((_COLLECTION / "playbooks").glob("*.yml"))
                    if "gate" in _roles_reached(p.read_text()) and p.name not in _READ_ONLY]


@pytest.mark.parametrize("name, read_only_action", sorted(_READ_ONLY.items()))
def test_read_only_playbooks_never_take_a_change_path(name, read_only_action):
    text = (_COLLECTION / "playbooks" / name).read_text()
    assert read_only_action in text and "ir_confirm" not in text and "tasks_from: change" not in text


def test_the_runbooks_that_change_things_are_found_reaching_the_gate():
    assert {"play001_chain_halted.yml", "play021_node_out_of_sync.yml", "rolling_restart.yml"} <= {p.name for p in _GATED_PLAYBOOKS}


@pytest.mark.parametrize("playbook", _GATED_PLAYBOOKS, ids=lambda p: p.name)
def test_every_playbook_that_reaches_the_gate_starts_its_run_with_an_empty_gate_record(playbook):
    # Imported one after another into one run, a later runbook must not act on an earlier one's approvals (a role that
    # only runs the gate's required check counts: an approval left over would pass it).
    plays = yaml.safe_load(playbook.read_text())
    first = (plays[0].get("pre_tasks") or plays[0].get("tasks") or [{}])[0]
    include = first.get("ansible.builtin.include_role") or first.get("ansible.builtin.import_role") or {}
    assert include == {"name": "virtengine.incident_response.gate", "tasks_from": "begin"}, (
        "%s reaches the gate: its first task must be the gate's begin entry point, found %s" % (playbook.name, first))


def test_a_misspelt_action_in_ir_confirm_is_named_with_the_gated_actions():
    with pytest.raises(AnsibleFilterError, match=r"ir_confirm names coordinated_restrat, which no gate .* coordinated_restart, "):
        confirmed_actions("coordinated_restrat,state_rollback")


# An action is asked for by a role or playbook as gate_action, or through a step role's *_gate option, or (PLAY-021) as
# one of node_sync's remedies.
_ASKED = re.compile(r"^\s*(?:gate_action|node_service_gate|node_resync_gate|coordinated_restart_gate):\s*['\"]?([a-z_]+)['\"]?\s*$", re.M)


def test_gated_actions_are_exactly_what_the_roles_and_playbooks_ask_to_confirm():
    texts = [p.read_text() for p in sorted((_COLLECTION / "roles").glob("*/tasks/*.yml"))]
    texts += [p.read_text() for p in sorted((_COLLECTION / "roles").glob("*/defaults/*.yml"))]
    texts += [p.read_text() for p in sorted((_COLLECTION / "playbooks").glob("*.yml"))]
    asked = set(name for text in texts for name in _ASKED.findall(text))
    node_sync = (_COLLECTION / "roles" / "node_sync" / "tasks" / "main.yml").read_text()
    asked |= set(re.search(r"\[('node_restart'.*?)\]", node_sync).group(1).replace("'", "").replace(" ", "").split(","))
    assert asked == GATED_ACTIONS, "asked but not listed: %s; listed but never asked: %s" % (
        sorted(asked - GATED_ACTIONS), sorted(GATED_ACTIONS - asked))
