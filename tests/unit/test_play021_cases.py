# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021's state sync trust point on case 15 (tests/unit/fixtures/cases/15-statesync-trust-height-pruned): RPC
servers whose block stores begin above "tip - offset", served over real HTTP as CometBFT v0.38 answers (the captured
/status and /commit of the local network, moved to the case's heights; the case's exact pruned answer below them)."""

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._module import parse_endpoints
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import read_chain
from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import TrustError, trust_height, trust_point
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import FixtureNode, load

CASE15 = Path(__file__).parent / "fixtures" / "cases" / "15-statesync-trust-height-pruned"


class _Module(object):
    params = {"timeout": 5.0, "retries": 0, "max_workers": 4, "skip": None}


def _case():
    return json.loads((CASE15 / "fleet.json").read_text())


def _answer(document, status=200):
    return lambda query: (status, json.dumps(document), "application/json")


def _server(tip, earliest, hashes=None):
    """A v0.38 node at ``tip`` storing blocks from ``earliest``: /status and /commit (pruned answer below the store)."""
    status = load("healthy", "validator1_status")
    status["result"]["sync_info"].update(latest_block_height=str(tip), earliest_block_height=str(earliest))
    pruned = _case()["rpc_error_of_a_pruned_height"]

    def commit(query):
        height = int(query["height"])
        if height < earliest:
            answer = copy.deepcopy(pruned)
            answer["error"]["data"] = "height %d is not available, lowest height is %d" % (height, earliest)
            return 500, json.dumps(answer), "application/json"
        document = load("healthy", "validator1_commit_365")
        document["result"]["signed_header"]["header"]["height"] = str(height)
        if hashes and height in hashes:
            document["result"]["signed_header"]["commit"]["block_id"]["hash"] = hashes[height]
        return 200, json.dumps(document), "application/json"
    return FixtureNode("healthy", "validator1", {"status": _answer(status), "commit": commit})


def _read(servers, height=None):
    endpoints = parse_endpoints([{"name": name, "url": server.url} for name, server in servers])
    nodes, _summary = read_chain(_Module(), endpoints, halt_window=0, hash_at_height=height)
    return nodes


def _servers(case):
    tip = case["chain"]["tip_height"]
    return [(name, _server(tip, tip - node["earliest_block_height_below_tip"])) for name, node in sorted(case["in_sync"].items())]


def test_case15_the_trust_height_is_one_both_rpc_servers_still_store_with_its_hash():
    case = _case()
    tip, offset = case["chain"]["tip_height"], case["trust_offset"]
    servers = _servers(case)
    with servers[0][1], servers[1][1]:
        chosen = trust_height(_read(servers), offset)
        assert chosen["error"] is None and chosen["wanted"] == tip - offset
        assert chosen["lowest"] == tip - 1100 and chosen["highest"] == tip
        assert tip - 1100 <= chosen["height"] <= tip, "between the higher earliest_block_height and the tip"
        assert chosen["moved"] and "not stored by every RPC server" in chosen["why"]
        point = trust_point(_read(servers, chosen["height"]), chosen["height"])
    assert point["error"] is None and point["height"] == chosen["height"]
    assert point["hash"] == load("healthy", "validator1_commit_365")["result"]["signed_header"]["commit"]["block_id"]["hash"]


def test_case15_the_pruned_answer_names_pruning_not_a_disagreement():
    """The product's old trust height (tip - offset): the refusal says the servers pruned it, never "Run PLAY-002"."""
    case = _case()
    height = case["chain"]["tip_height"] - case["trust_offset"]
    servers = _servers(case)
    with servers[0][1], servers[1][1]:
        nodes = _read(servers, height)
    assert all("is not available, lowest height is" in n["hash_error"] for n in nodes)
    point = trust_point(nodes, height)
    assert point["hash"] is None and "no longer store the trust height %d" % height in point["error"]
    assert "full-1 (lowest height is 9119000)" in point["error"] and "full-2 (lowest height is 9119300)" in point["error"]
    assert "PLAY-002" not in point["error"] and "disagree" not in point["error"]


def test_an_unpruned_store_keeps_the_offset_height():
    servers = [("full-1", _server(5000, 1)), ("full-2", _server(4999, 1))]
    with servers[0][1], servers[1][1]:
        chosen = trust_height(_read(servers), 2000)
    assert chosen["height"] == 3000 and not chosen["moved"] and chosen["why"] is None


def test_stores_without_a_common_height_are_refused_naming_each_range():
    servers = [("full-1", _server(5000, 4990)), ("full-2", _server(4980, 100))]
    with servers[0][1], servers[1][1]:
        chosen = trust_height(_read(servers), 2000)
    assert chosen["height"] is None
    assert "store no common height (full-1 4990-5000, full-2 100-4980)" in chosen["error"]


def test_a_server_that_does_not_answer_is_named():
    servers = [("full-1", _server(5000, 1))]
    with servers[0][1]:
        nodes = _read(servers) + [{"name": "full-2", "reachable": False, "height": None, "error": "connection refused"}]
    chosen = trust_height(nodes, 100)
    assert chosen["height"] is None and "full-2 (connection refused)" in chosen["error"]


def test_servers_on_different_blocks_are_a_disagreement():
    servers = [("full-1", _server(5000, 1)), ("full-2", _server(5000, 1, {3000: "AB" * 32}))]
    with servers[0][1], servers[1][1]:
        point = trust_point(_read(servers, 3000), 3000)
    assert point["hash"] is None and "different blocks at height 3000" in point["error"] and "PLAY-002" in point["error"]


def test_the_older_wording_and_a_node_below_the_height():
    nodes = [{"name": "a", "reachable": True, "height": 10, "hash_at_height": None,
              "hash_error": "RPC error -32603 (Internal error): height 5 is not available, lowest height is 7"},
             {"name": "b", "reachable": True, "height": 4, "hash_at_height": None, "hash_error": None}]
    assert "a (lowest height is 7)" in trust_point(nodes, 5)["error"]
    assert "below it: b (at 4)" in trust_point(nodes[1:], 5)["error"]


@pytest.mark.parametrize("offset", [-1, "2000", True, None])
def test_a_bad_offset_is_named(offset):
    with pytest.raises(TrustError, match="trust offset"):
        trust_height([{"name": "a", "reachable": True, "height": 10}], offset)
