# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001's pure pieces: the scenario decision, recovery checks, signing state, log matching."""

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.last_good_height import FilterModule as LastGoodHeight
from ansible_collections.virtengine.incident_response.plugins.filter.restart_batches import restart_batches
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import chain_recovered
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view, host_record
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils._play001 import decide
from ansible_collections.virtengine.incident_response.plugins.module_utils._signing_state import (
    is_lower,
    parse_rollback_output,
    parse_signing_state,
)
from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, consensus_state, peer_count
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]


def play001_decision(readings, validators, hosts, **options):
    """PLAY-001's decision over the fleet view of these readings and host records (what the assess action does)."""
    return decide(fleet_view(readings, hosts, validators), **options)


@pytest.fixture
def halted(serve, run_module, refused_url):
    endpoints = [{"name": n, "url": serve("halted", n).url} for n in ("validator1", "validator2")]
    endpoints += [{"name": n, "url": refused_url, "validator_address": load("healthy", "%s_status" % n)["result"]["validator_info"]["address"]}
                  for n in ("validator3", "validator4")]
    common = {"endpoints": endpoints, "retries": 0}
    return {"chain": run_module(chain_status, dict(common, halt_window=0.4, poll_interval=0.2)),
            "peers": run_module(peer_count, common), "consensus": run_module(consensus_state, common)}


def _hosts(stopped=("validator3", "validator4"), logs=None):
    hosts = {}
    for name in VALIDATORS:
        hosts[name] = {"service": {"state": "STOPPED" if name in stopped else "RUNNING"}, "reachable": True,
                       "logs": scan((logs or {}).get(name, []))}
    return hosts


def test_two_of_four_absent_is_scenario_b_with_the_checklist(halted):
    decision = play001_decision(halted, VALIDATORS, _hosts())
    assert decision["scenario"] == "B"
    assert decision["restart_hosts"] == ["validator3", "validator4"]
    assert decision["absent"] == ["validator3", "validator4"] and decision["absent_fraction"] == 0.5
    checklist = dict((c["question"], c) for c in decision["checklist"])
    assert checklist["Common infrastructure failure?"]["suspect"] is True
    assert checklist["Network partition?"]["suspect"] is False
    assert any("50.0% of the voting power (>= 1/3)" in w for w in decision["why"])


def test_consensus_failure_in_a_log_is_scenario_c(halted):
    logs = {"validator1": ["E[...] CONSENSUS FAILURE!!! err=wrong Block.Header.AppHash"]}
    decision = play001_decision(halted, VALIDATORS, _hosts(logs=logs))
    assert decision["scenario"] == "C" and any("CONSENSUS FAILURE in the logs of validator1" in w for w in decision["why"])


def test_state_rollback_binds_one_below_the_lowest_committed_height(halted):
    # The line as the local network's CometBFT v0.38 writes it (copied from a node's log), at four different heights.
    line = "I[2026-11-30|01:57:28.498] committed state                              module=state height=%d block_app_hash=0000000000000000"
    committed = dict((name, [line % h])
                     for name, h in zip(VALIDATORS, (1042, 1041, 1042, 1043)))
    decision = play001_decision(halted, VALIDATORS, _hosts(logs=committed), forced="C")
    assert decision["remedy"] == "state_rollback" and decision["rollback_height"] == 1040
    unknown = play001_decision(halted, VALIDATORS, _hosts(logs=dict(committed, validator4=[])), forced="C")
    assert unknown["remedy"] == "state_rollback" and unknown["rollback_height"] is None
    assert play001_decision(halted, VALIDATORS, _hosts(logs=committed))["rollback_height"] is None, "scenario B binds no height"


def test_the_rollback_role_recomputes_the_height_with_the_rule_the_gate_bound(halted):
    # The chain_recovery role reads the heights as node_logs_findings.last_committed_height (ints, or the decimal text
    # of a log line) and must land on the decision's rollback_height.
    line = "I[2026-11-30|01:57:28.498] committed state                              module=state height=%d block_app_hash=0000000000000000"
    committed = dict((name, [line % h]) for name, h in zip(VALIDATORS, (1042, 1041, 1042, 1043)))
    decision = play001_decision(halted, VALIDATORS, _hosts(logs=committed), forced="C")
    last_good_height = LastGoodHeight().filters()["last_good_height"]
    assert last_good_height({"validator1": 1042, "validator2": "1041", "validator3": 1042, "validator4": 1043}) == decision["rollback_height"]
    assert last_good_height({"validator1": 1042, "validator2": None}) is None, "an unknown height: no target"
    assert last_good_height({}) is None
    with pytest.raises(AnsibleFilterError, match="validator2: last_committed_height 'abc' is not a height"):
        last_good_height({"validator1": 1042, "validator2": "abc"})
    with pytest.raises(AnsibleFilterError, match="must be a mapping"):
        last_good_height([1042, 1041])


def test_diverging_hashes_at_one_height_is_scenario_c(halted):
    readings = copy.deepcopy(halted)
    readings["chain"]["nodes"][1]["latest_block_hash"] = "F" * 64
    decision = play001_decision(readings, VALIDATORS, _hosts())
    assert decision["scenario"] == "C" and any("different block hashes" in w for w in decision["why"])


def test_live_chain_with_an_absent_validator_is_scenario_a_and_healthy_is_none(halted):
    readings = copy.deepcopy(halted)
    readings["chain"]["summary"]["halted"] = False
    readings["consensus"]["absent"] = readings["consensus"]["absent"][:1]
    readings["consensus"]["absent_fraction"] = 0.25
    assert play001_decision(readings, VALIDATORS, _hosts(("validator4",)))["scenario"] == "A"
    readings["consensus"]["absent"] = []
    assert play001_decision(readings, VALIDATORS, _hosts(()))["scenario"] == "none"


def test_forced_scenario_and_restart_scope_all(halted):
    decision = play001_decision(halted, VALIDATORS, _hosts(), forced="C", restart_scope="all")
    assert decision["scenario"] == "C" and decision["forced"] is True
    assert decision["restart_hosts"] == VALIDATORS


def test_unreachable_host_is_listed(halted):
    hosts = _hosts()
    hosts["validator2"] = host_record({})
    decision = play001_decision(halted, VALIDATORS, hosts)
    assert decision["unreachable_hosts"] == ["validator2"]


def test_host_state_marks_unreachable():
    assert host_record({"node_service_status": {"state": "UNREACHABLE"}})["reachable"] is False
    assert host_record({"node_service_status": {"state": "RUNNING"}, "node_logs_findings": {"signatures": {}}})["reachable"] is True


def _reading(heights, hashes=None, unreachable=()):
    nodes = [{"name": "n%d" % i, "height": h, "latest_block_hash": (hashes or ["A"] * len(heights))[i]} for i, h in enumerate(heights)]
    return {"nodes": nodes, "summary": {"max_height": max(h for h in heights if h is not None), "unreachable": list(unreachable)}}


def test_chain_recovered():
    start = _reading([10, 10])["summary"]["max_height"]
    assert chain_recovered(_reading([13, 12]), start, 3) is True
    assert chain_recovered(_reading([12, 12]), start, 3) is False
    assert chain_recovered(_reading([13, 12]), start, 3, same_height=True) is False
    assert chain_recovered(_reading([13, 13], ["A", "B"]), start, 3, same_height=True) is False
    assert chain_recovered(_reading([13, 13]), start, 3, same_height=True) is True
    assert chain_recovered(_reading([13, 13], unreachable=["n9"]), start, 3, same_height=True) is False


def test_signing_state_order_and_parsing():
    state = parse_signing_state('{"height": "120", "round": 0, "step": 3, "signature": "x", "signbytes": "y"}')
    assert state == {"height": 120, "round": 0, "step": 3}
    assert is_lower({"height": 120, "round": 0, "step": 2}, state) is True
    assert is_lower({"height": 120, "round": 1, "step": 1}, state) is False
    assert is_lower({"height": 0, "round": 0, "step": 0}, state) is True
    with pytest.raises(ValueError):
        parse_signing_state('{"height": "1"}')


def test_rollback_output_is_parsed():
    # The two formats cometbft v0.38 commands/rollback.go prints.
    assert parse_rollback_output("Rolled back state to height 21 and hash 0000000000000000\n") == {"height": 21, "app_hash": "0000000000000000"}
    assert parse_rollback_output("Rolled back both state and block to height 7 and hash ABCD") == {"height": 7, "app_hash": "ABCD"}
    assert parse_rollback_output("Error: failed to rollback state: no state found") is None


def _powers(*powers):
    return [{"name": "v%d" % (i + 1), "power": p} for i, p in enumerate(powers)]


@pytest.mark.parametrize("powers, offline, expected", [
    ((10, 10, 10, 10), 0, [["v1"], ["v2"], ["v3"], ["v4"]]),                 # 10/40 ok, 20/40 not
    ((10,) * 7, 0, [["v1", "v2"], ["v3", "v4"], ["v5", "v6"], ["v7"]]),       # 20/70 < 1/3, 30/70 not
    ((50, 40, 30, 20, 10, 10, 10), 0, [["v1"], ["v2"], ["v3", "v4"], ["v5", "v6", "v7"]]),
    ((10,) * 7, 10, [["v1"], ["v2"], ["v3"], ["v4"], ["v5"], ["v6"], ["v7"]]),  # one already absent
])
def test_restart_batches_keep_offline_power_below_a_third(powers, offline, expected):
    validators = _powers(*powers)
    plan = restart_batches(validators, sum(powers) + offline, offline)
    assert plan["batches"] == expected and plan["safe"] is True
    power = dict((v["name"], v["power"]) for v in validators)
    for batch in plan["batches"]:
        assert (offline + sum(power[n] for n in batch)) * 3 < sum(powers) + offline
    assert sorted(plan["order"]) == sorted(power) and plan["sizes"] == [len(b) for b in expected]


def test_restart_batches_refuse_a_plan_that_halts_the_chain():
    plan = restart_batches(_powers(60, 20, 20), 100)
    assert plan["safe"] is False and [r["name"] for r in plan["refused"]] == ["v1"]
    assert "v1" not in plan["order"] and "would halt" in plan["refused"][0]["reason"]
    forced = restart_batches(_powers(60, 20, 20), 100, allow_quorum_loss=True)
    assert forced["batches"][0] == ["v1"] and forced["safe"] is False


def test_restart_batches_max_batch():
    assert restart_batches(_powers(*(10,) * 7), 70, max_batch=1)["sizes"] == [1] * 7


def test_restart_batches_take_consensus_state_entries():
    entries = [{"host": "a", "voting_power": 10, "address": "X"}, {"host": "b", "voting_power": 10, "address": "Y"}]
    assert restart_batches(entries, 40)["batches"] == [["a"], ["b"]]
