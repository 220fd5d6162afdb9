# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RPC modules (chain_status, consensus_state, peer_count and fleet_probe, which takes all three readings in one
run), run in-process against captured nodes served over real HTTP."""

import json

import pytest

from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, consensus_state, fleet_probe, peer_count
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load


def _address(node):
    return load("healthy", "%s_status" % node)["result"]["validator_info"]["address"]


def test_consensus_state_on_the_halted_network_names_the_two_stopped_validators(serve, run_module, refused_url):
    endpoints = [{"name": n, "url": serve("halted", n).url, "validator_address": _address(n) if n != "fullnode1" else None}
                 for n in ("validator1", "validator2", "fullnode1")]
    endpoints += [{"name": n, "url": refused_url, "validator_address": _address(n)} for n in ("validator3", "validator4")]
    result = run_module(consensus_state, {"endpoints": endpoints, "retries": 0})
    assert result["_rc"] == 0 and result["changed"] is False
    assert sorted(a["name"] for a in result["absent"]) == ["validator3", "validator4"]
    assert result["quorum_reachable"] is False and result["absent_fraction"] == 0.5 and result["absent_power"] == 20
    assert result["source"] == "round" and result["step"] >= 4
    assert sorted(result["merged_from"]) == ["fullnode1", "validator1", "validator2"]
    by_name = dict((v["name"], v) for v in result["views"])
    assert "connection refused" in by_name["validator3"]["error"] and by_name["validator1"]["reachable"] is True
    assert [v["index"] for v in result["validators"]] == [0, 1, 2, 3]


def test_endpoints_found_unreadable_earlier_in_the_run_are_not_asked_again(serve, run_module):
    node = serve("halted", "validator1")
    endpoints = [{"name": "validator1", "url": node.url}, {"name": "validator3", "url": node.url}]
    result = run_module(peer_count, {"endpoints": endpoints, "retries": 0,
                                     "skip": {"validator3": "http://127.0.0.1:9/status: no answer within 5s"}})
    nodes = dict((n["name"], n) for n in result["nodes"])
    assert nodes["validator1"]["reachable"] is True
    assert nodes["validator3"]["reachable"] is False
    assert nodes["validator3"]["error"] == "not asked again in this run: http://127.0.0.1:9/status: no answer within 5s"
    assert [m for m, _q in node.requests].count("status") == 1, "only validator1 was asked"


def test_consensus_state_on_the_live_network_judges_the_last_commit(serve, run_module):
    endpoints = [{"name": n, "url": serve("healthy", n).url} for n in ("validator1", "validator2", "validator3", "validator4")]
    result = run_module(consensus_state, {"endpoints": endpoints})
    assert result["source"] == "last_commit" and result["source_height"] == result["height"] - 2
    assert result["quorum_reachable"] is True
    assert {v["host"] for v in result["validators"]} == {"validator1", "validator2", "validator3", "validator4"}, "addresses learned from /status"


def test_consensus_state_without_merge_uses_the_first_answer(serve, run_module):
    endpoints = [{"name": n, "url": serve("halted", n).url} for n in ("validator2", "validator1")]
    result = run_module(consensus_state, {"endpoints": endpoints, "merge": False})
    assert result["merged_from"] == ["validator2"]


def test_consensus_state_with_nothing_reachable_reports_unknown(serve, run_module, refused_url):
    result = run_module(consensus_state, {"endpoints": [refused_url], "retries": 0})
    assert result["_rc"] == 0 and result["reachable_count"] == 0 and result["quorum_reachable"] is None


def test_chain_status_static_heights_read_halted_and_bad_endpoints_are_per_endpoint(serve, run_module, refused_url):
    endpoints = [{"name": "validator1", "url": serve("halted", "validator1").url}, "not a url",
                 {"name": "refused", "url": refused_url}, {"name": "no-url"}, 42]
    result = run_module(chain_status, {"endpoints": endpoints, "halt_window": 1.2, "poll_interval": 0.3, "retries": 0})
    assert result["_rc"] == 0 and "failed" not in result
    nodes = dict((n["name"], n) for n in result["nodes"])
    assert nodes["validator1"]["reachable"] and nodes["validator1"]["advanced_by"] == 0 and nodes["validator1"]["halted"] is True
    assert "invalid RPC URL" in nodes["not a url"]["error"]
    assert "connection refused" in nodes["refused"]["error"]
    assert "no 'url' given" in nodes["no-url"]["error"]
    assert "expected a URL string or a dict" in nodes["42"]["error"]
    assert result["summary"]["halted"] is True and result["summary"]["reachable_count"] == 1
    assert sorted(result["summary"]["unreachable"]) == sorted(["not a url", "refused", "no-url", "42"])


def test_chain_status_single_sample_by_block_age(serve, run_module):
    result = run_module(chain_status, {"endpoints": [serve("healthy", "validator1").url], "halt_window": 0, "max_block_age": 1e12})
    assert result["summary"]["method"] == "block_age" and result["summary"]["halted"] is False
    assert result["nodes"][0]["advancing"] is None


def test_peer_count_on_the_partition(serve, run_module):
    endpoints = [{"name": n, "url": serve("partition", n).url} for n in ("validator1", "validator2", "validator3", "validator4", "fullnode1")]
    result = run_module(peer_count, {"endpoints": endpoints, "min_peers": 2})
    summary = result["summary"]
    assert summary["island_count"] == 2
    assert [i["members"] for i in summary["islands"]] == [["fullnode1", "validator3", "validator4"], ["validator1", "validator2"]]
    assert summary["below_min"] == ["validator1", "validator2"]
    nodes = dict((n["name"], n) for n in result["nodes"])
    assert nodes["validator1"]["n_peers"] == 1 and nodes["validator1"]["peers"][0]["name"] == "validator2"
    assert nodes["fullnode1"]["inbound"] + nodes["fullnode1"]["outbound"] == 2


def _halted_endpoints(serve, refused_url):
    endpoints = [{"name": n, "url": serve("halted", n).url, "validator_address": _address(n) if n != "fullnode1" else None}
                 for n in ("validator1", "validator2", "fullnode1")]
    return endpoints + [{"name": n, "url": refused_url, "validator_address": _address(n)} for n in ("validator3", "validator4")]


def _settled(result):
    """A reading without what depends on the moment it was taken (block ages, seconds in the height, durations)."""
    moving = ("block_age_seconds", "window_seconds", "seconds_in_height", "error", "invocation", "changed")
    if isinstance(result, dict):
        return dict((k, _settled(v)) for k, v in result.items() if k not in moving and not k.startswith("_"))
    if isinstance(result, list):
        return [_settled(v) for v in result]
    return result


def test_fleet_probe_returns_what_the_three_modules_return_in_one_run(serve, run_module, refused_url):
    endpoints = _halted_endpoints(serve, refused_url)
    common = {"endpoints": endpoints, "retries": 0}
    window = {"halt_window": 0.6, "poll_interval": 0.2}
    probe = run_module(fleet_probe, dict(common, **window))
    assert probe["_rc"] == 0 and probe["changed"] is False
    assert _settled(probe["chain"]) == _settled(run_module(chain_status, dict(common, **window)))
    assert _settled(probe["consensus"]) == _settled(run_module(consensus_state, common))
    assert _settled(probe["peers"]) == _settled(run_module(peer_count, common))
    assert probe["chain"]["summary"]["halted"] is True
    assert sorted(a["name"] for a in probe["consensus"]["absent"]) == ["validator3", "validator4"]


def test_fleet_probe_does_not_ask_again_for_votes_and_peers_what_the_chain_reading_could_not_read(serve, run_module, refused_url):
    endpoints = _halted_endpoints(serve, refused_url)
    probe = run_module(fleet_probe, {"endpoints": endpoints, "retries": 0, "halt_window": 0.4, "poll_interval": 0.2})
    chain_error = dict((n["name"], n["error"]) for n in probe["chain"]["nodes"])["validator3"]
    assert "connection refused" in chain_error
    views = dict((v["name"], v) for v in probe["consensus"]["views"])
    peers = dict((n["name"], n) for n in probe["peers"]["nodes"])
    assert views["validator3"]["error"] == peers["validator3"]["error"] == "not asked again in this run: %s" % chain_error
    assert views["validator1"]["reachable"] is True and peers["validator1"]["n_peers"] is not None


def _advancing(serve, node="validator1"):
    """The captured healthy node, one block higher at every /status."""
    status, heights = load("healthy", "%s_status" % node), iter(range(1, 1000))

    def answer(_query):
        document = json.loads(json.dumps(status))
        sync = document["result"]["sync_info"]
        sync["latest_block_height"] = str(int(sync["latest_block_height"]) + next(heights))
        return 200, json.dumps(document), "application/json"
    return serve("healthy", node, {"status": answer})


def test_fleet_probe_on_a_live_chain_judges_votes_of_a_block_committed_after_it_began(serve, run_module):
    # chain_status returns once every node made one block; fleet_probe waits for two, so that block H-2, whose commit
    # says who signed, was committed after the first sample (a validator stopped just before is not counted present).
    args = {"endpoints": [_advancing(serve).url], "halt_window": 10, "poll_interval": 0.1}
    assert run_module(chain_status, args)["nodes"][0]["advanced_by"] == 1
    probe = run_module(fleet_probe, args)
    assert probe["chain"]["nodes"][0]["advanced_by"] == 2 and probe["chain"]["summary"]["halted"] is False
    assert probe["chain"]["summary"]["window_seconds"] < 10, "it returned once the blocks came, not at the window's end"


def test_fleet_probe_refuses_a_bad_min_peers_before_asking_any_node(serve, run_module):
    node = serve("halted", "validator1")
    result = run_module(fleet_probe, {"endpoints": [node.url], "min_peers": -1})
    assert result["failed"] is True and "min_peers=-1 must be 0 or more" in result["msg"]
    assert node.requests == [], "nothing was asked"


@pytest.mark.parametrize("module, args, message", [
    (chain_status, {"endpoints": []}, "endpoints is empty"),
    (chain_status, {"endpoints": ["http://127.0.0.1:1"], "timeout": 0}, "timeout=0.0 must be a positive"),
    (chain_status, {"endpoints": ["http://127.0.0.1:1"], "poll_interval": 0}, "poll_interval=0.0"),
    (peer_count, {"endpoints": ["http://127.0.0.1:1"], "min_peers": -1}, "min_peers=-1"),
    (consensus_state, {"endpoints": ["http://127.0.0.1:1"], "max_workers": 0}, "max_workers=0"),
])
def test_bad_arguments_fail_with_the_bad_value_named(module, args, message, run_module):
    result = run_module(module, args)
    assert result["_rc"] == 1 and result["failed"] is True and message in result["msg"]
