# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet view (one join per node) and the assess runbooks over it, on the RPC modules' real outputs."""

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._assess import assess, runbook_options
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import FleetError, diagnose, fleet_view, host_record
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, consensus_state, peer_count
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]
STOPPED = ("validator3", "validator4")


@pytest.fixture
def halted(serve, run_module, refused_url):
    """The captured halted network: validator1, validator2 and fullnode1 answer, validator3 and validator4 are down."""
    endpoints = [{"name": n, "url": serve("halted", n).url} for n in ("validator1", "validator2", "fullnode1")]
    endpoints += [{"name": n, "url": refused_url, "validator_address": load("healthy", "%s_status" % n)["result"]["validator_info"]["address"]}
                  for n in STOPPED]
    common = {"endpoints": endpoints, "retries": 0}
    return {"chain": run_module(chain_status, dict(common, halt_window=0.4, poll_interval=0.2)),
            "peers": run_module(peer_count, common), "consensus": run_module(consensus_state, common)}


def _host_vars():
    """What the hosts' own roles leave in hostvars (node_service, node_logs), as the playbooks see it."""
    found = {}
    for name in VALIDATORS + ["fullnode1"]:
        found[name] = {"node_service_status": {"state": "STOPPED" if name in STOPPED else "RUNNING",
                                               "running": name not in STOPPED, "error": None},
                       "node_logs_findings": scan([]), "node_voting_power": 0 if name == "fullnode1" else 10}
    return found


def test_the_view_joins_chain_votes_peers_and_host_once_per_node(halted):
    hosts = dict((n, host_record(v)) for n, v in _host_vars().items())
    view = fleet_view(halted, hosts, VALIDATORS)
    assert list(view["nodes"]) == ["validator1", "validator2", "fullnode1", "validator3", "validator4"]
    one, three, full = view["nodes"]["validator1"], view["nodes"]["validator3"], view["nodes"]["fullnode1"]
    assert one["rpc"]["reachable"] is True and one["vote"]["present"] is True and one["peers"]["n_peers"] >= 1
    assert one["host"]["service"]["state"] == "RUNNING" and one["validator"] is True
    assert three["rpc"]["reachable"] is False and "connection refused" in three["rpc"]["error"]
    assert three["vote"]["present"] is False and three["host"]["service"]["state"] == "STOPPED"
    assert full["vote"] is None and full["validator"] is False
    assert view["fleet"]["validators"] == VALIDATORS and view["fleet"]["total_power"] == 40
    assert view["fleet"]["chain"]["halted"] is True


def test_host_record_reads_the_facts_and_names_a_host_without_them_unreachable():
    record = host_record({"node_service_status": {"state": "RUNNING"}, "node_id": "ab" * 20, "node_p2p_address": "10.0.0.1:26656",
                          "node_binary_facts": {"sha256": "cd" * 32, "upgrade": {"name": "v2", "present": True}},
                          "p2p_check_result": {"p2p": {"pex": True}, "reachability": []}})
    assert record["reachable"] is True and record["binary"] == {"sha256": "cd" * 32}
    assert record["upgrade_binary"] == {"name": "v2", "present": True}
    assert record["p2p"] == {"pex": True} and record["reachability"] == [] and record["p2p_address"] == "10.0.0.1:26656"
    ghost = host_record({})
    assert ghost["reachable"] is False and ghost["service"]["state"] == "UNREACHABLE" and ghost["p2p"] is None
    with pytest.raises(FleetError, match="host variables must be a dictionary"):
        host_record(["not", "hostvars"])


def test_the_view_names_a_missing_reading():
    with pytest.raises(FleetError, match="readings has no 'consensus'"):
        fleet_view({"chain": {"summary": {}}, "peers": {}})
    with pytest.raises(FleetError, match="readings.chain has no 'summary'"):
        fleet_view({"chain": {}, "consensus": {}, "peers": {}})
    with pytest.raises(FleetError, match="hosts must map each inventory host"):
        fleet_view({"chain": {"summary": {}}, "consensus": {}, "peers": {}}, ["validator1"])


def test_a_chain_called_halted_by_stale_blocks_says_so():
    view = fleet_view({"chain": {"summary": {"halted": True, "max_height": 7, "window_seconds": 3.1, "method": "stale"},
                                 "nodes": []}, "consensus": {}, "peers": {}})
    assert "every newest block was already older than the window" in diagnose(view)["findings"][0]


def test_assess_play001_decides_b_and_prints_the_reasons_and_the_table(halted):
    decision, lines, columns = assess("play001", halted, _host_vars(), VALIDATORS, {"restart_scope": "affected"})
    assert decision["scenario"] == "B" and decision["remedy"] == "coordinated_restart"
    assert sorted(decision["restart_hosts"]) == ["validator3", "validator4"]
    assert lines[0] == "SCENARIO B -> coordinated_restart"
    assert any(line.startswith("- validator3, validator4 absent, 50.0%") for line in lines)
    header = next(line for line in lines if line.startswith("host "))
    assert header.split() == columns and sum(1 for line in lines if line.startswith("validator")) == 4


def test_assess_diagnose_and_play002_use_the_same_view(halted):
    diagnosis, lines, _columns = assess("diagnose", halted, _host_vars())
    assert diagnosis["verdict"] == "halted" and lines[0] == "DIAGNOSIS HALTED"
    assert "validator3: service STOPPED" in diagnosis["findings"]
    partition, lines, _columns = assess("play002", halted, _host_vars())
    assert partition["total_power"] == 40 and lines[0] == "VERDICT %s" % partition["verdict"].upper()
    assert [r["host"] for r in partition["nodes"]] == sorted(VALIDATORS + ["fullnode1"])


@pytest.mark.parametrize("runbook, options, message", [
    ("play999", {}, r"runbook='play999': use one of diagnose, play001, play002"),
    ("play001", {"resync_hosts": []},
     r"options resync_hosts are not play001's \(it takes restart_scope, resync_method, scenario, upgrade_binary_source, upgrade_plan, "
     r"upgrade_sha256, upgrade_switch_mode, verify_blocks\)"),
    ("diagnose", {"scenario": "B"}, r"options scenario are not diagnose's \(it takes none\)"),
    ("play002", {"resync_hosts": "validator1"}, r"options.resync_hosts='validator1': expected a list"),
])
def test_bad_runbook_or_options_are_named(runbook, options, message):
    with pytest.raises(FleetError, match=message):
        runbook_options(runbook, options)


def test_a_bad_forced_scenario_is_named_through_assess(halted):
    with pytest.raises(FleetError, match="play001_scenario='X'"):
        assess("play001", halted, _host_vars(), VALIDATORS, {"scenario": "X"})
