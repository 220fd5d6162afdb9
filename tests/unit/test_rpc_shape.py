# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers in other shapes: the readers of _rpc_shape on other versions' answers, and the modules over real HTTP.

Issue 12 case 12 (Tendermint v0.35 /net_info and /status) and case 07 (a 137-validator commit, the validator set over
two /validators pages, KiraCore/sekai#101), served by the fixture server so the client's real paging runs.
"""

import json
import math
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import CometRPC
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import quorum, votes_from_commit
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_shape import (
    ShapeError,
    block_id_flag,
    node_id_error,
    read_commit,
    read_net_info,
    read_status,
)
from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, peer_count
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

FIXTURES = Path(__file__).parent / "fixtures"
CASE07 = FIXTURES / "cases" / "07-commit-137-validators-paged"
CASE12 = FIXTURES / "cases" / "12-net-info-v035-shape"


def result(path):
    return json.loads(path.read_text())["result"]


def served(path):
    text = path.read_text()
    return lambda query: (200, text, "application/json")


def test_case12_v035_net_info_is_read_from_node_id_and_url():
    read = read_net_info(result(CASE12 / "net_info_v035.json"))
    assert read["shape"] == "v0.35" and read["n_peers"] == 3
    assert [(p["id"], p["remote_ip"], p["listen_addr"], p["is_outbound"]) for p in read["peers"]] == [
        ("4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f70819202", "192.0.2.12", "tcp://192.0.2.12:26656", None),
        ("5a2d3e4f6b7c8d9e0f1a2b3c4d5e6f7081920213", "192.0.2.13", "tcp://192.0.2.13:26656", None),
        ("6b3e4f5a7c8d9e0f1a2b3c4d5e6f708192021324", "198.51.100.40", "tcp://198.51.100.40:26656", None),
    ]
    status = read_status(result(CASE12 / "status_v035.json"))
    assert (status["node_id"], status["height"], status["version"], status["voting_power"]) == (
        "3e0b1c2d4f5a6b7c8d9e0f1a2b3c4d5e6f708191", 1234567, "0.35.9", 100)


def test_case12_peer_count_keeps_the_v035_node_in_the_graph(serve, run_module):
    node = serve("healthy", "validator1", {"status": served(CASE12 / "status_v035.json"), "net_info": served(CASE12 / "net_info_v035.json")})
    answer = run_module(peer_count, {"endpoints": [{"name": "val-a", "url": node.url}], "min_peers": 2})
    [val_a] = answer["nodes"]
    assert val_a["reachable"] and val_a["error"] is None and val_a["net_info_shape"] == "v0.35"
    assert [p["id"] for p in val_a["peers"]] == ["4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f70819202", "5a2d3e4f6b7c8d9e0f1a2b3c4d5e6f7081920213",
                                                 "6b3e4f5a7c8d9e0f1a2b3c4d5e6f708192021324"]
    assert (val_a["inbound"], val_a["outbound"], val_a["below_min"]) == (None, None, False)
    assert answer["summary"]["island_count"] == 1 and answer["summary"]["unreachable"] == []


def test_v033_v034_net_info_shape_and_the_captured_v038_one_read_alike():
    old = read_net_info(result(FIXTURES / "versions" / "net_info_tendermint_v0.33.json"))
    assert old["shape"] == "node_info" and old["n_peers"] == 2
    assert [(p["id"], p["moniker"], p["is_outbound"], p["remote_ip"]) for p in old["peers"]] == [
        ("fa8d22b1b289cd0a73bd8bcf865f0e365ad83866", "node2", False, "192.168.10.4"),
        ("9270a477753052f8d54d60aa9dc8eca3c19ee300", "node0", False, "192.168.10.2")]
    current = read_net_info(load("healthy", "validator1_net_info")["result"])
    assert current["shape"] == "node_info" and current["n_peers"] == len(current["peers"]) > 0


@pytest.mark.parametrize("answer, message", [
    ({"n_peers": "1", "peers": [{"id": "ab", "addr": "x"}]}, r"unsupported /net_info answer: no result\.peers\[0\]\.node_info \(it has addr, id\)"),
    ({"n_peers": "1", "peers": [{"node_id": "ab", "url": "mconn://ab@10.0.0.1"}]}, r"peers\[0\]\.url .* is not .*Tendermint v0\.35 shape\?"),
    ({"n_peers": "1", "peers": {"a": 1}}, r"result\.peers is dict, not a list"),
    ({"n_peers": "x", "peers": []}, r"result\.n_peers is 'x', not an integer"),
    ([], r"result is list, not an object"),
])
def test_other_net_info_shapes_are_a_clear_error(answer, message):
    with pytest.raises(ShapeError, match=message):
        read_net_info(answer)


def test_other_status_shapes_are_a_clear_error_not_a_key_error():
    status = result(CASE12 / "status_v035.json")
    with pytest.raises(ShapeError, match=r"unsupported /status answer: no result\.sync_info"):
        read_status(dict((k, v) for k, v in status.items() if k != "sync_info"))
    with pytest.raises(ShapeError, match=r"latest_block_height is 'tall', not an integer"):
        read_status(dict(status, sync_info=dict(status["sync_info"], latest_block_height="tall")))
    with pytest.raises(ShapeError, match="capitalised keys"):
        read_status({"NodeInfo": {}, "SyncInfo": {}})


def test_an_endpoint_with_an_odd_answer_is_that_endpoints_error(serve, run_module):
    odd = serve("healthy", "validator1", {"status": lambda query: (200, json.dumps({"jsonrpc": "2.0", "id": -1, "result": {"node_info": {}}}),
                                                                   "application/json")})
    good = serve("healthy", "validator2")
    answer = run_module(chain_status, {"endpoints": [{"name": "odd", "url": odd.url}, {"name": "good", "url": good.url}]})
    by_name = dict((n["name"], n) for n in answer["nodes"])
    assert by_name["odd"]["reachable"] is False
    assert by_name["odd"]["error"].startswith("unsupported /status answer: no result.sync_info (it has node_info)")
    assert "KeyError" not in by_name["odd"]["error"] and by_name["good"]["reachable"]


def test_case07_who_signed_over_two_validator_pages(serve):
    pages = {"1": (CASE07 / "validators_204503_page1_per100.json").read_text(), "2": (CASE07 / "validators_204503_page2_per100.json").read_text()}
    node = serve("healthy", "validator1", {"validators": lambda query: (200, pages[query["page"]], "application/json"),
                                           "commit": served(CASE07 / "commit_204503.json")})
    client = CometRPC(node.url)
    try:
        validators = client.validators(204503)
        commit = read_commit(client.commit(204503))
    finally:
        client.close()
    assert [q["page"] for m, q in node.requests if m == "validators"] == ["1", "2"]
    assert len(validators) == 137 and len(set(v["address"] for v in validators)) == 137
    entries = votes_from_commit(validators, commit["signatures"])
    summary = quorum(entries)
    assert (summary["absent_count"], summary["absent_power"], summary["total_power"]) == (34, 34, 137)
    assert summary["absent_fraction"] == 0.2482 and summary["quorum_reachable"] is True
    bits = (CASE07 / "last_commit_votes_bit_array.txt").read_text()
    pattern = bits[bits.index(":") + 1:bits.index("}")]
    assert "".join("x" if e["present"] else "_" for e in entries) == pattern
    assert (commit["height"], commit["round"]) == (204503, 10)


def test_validator_pages_that_do_not_add_up_are_an_error(serve):
    page1 = (CASE07 / "validators_204503_page1_per100.json").read_text()
    node = serve("healthy", "validator1", {"validators": lambda query: (200, page1, "application/json")})
    client = CometRPC(node.url)
    try:
        with pytest.raises(ShapeError, match="page 2 repeats validators of an earlier page"):
            client.validators(204503)
    finally:
        client.close()
    assert math.ceil(137 / 100) == len([1 for m, _q in node.requests if m == "validators"])


def test_block_id_flags_as_numbers_strings_and_enum_names():
    assert [block_id_flag(v) for v in (1, "2", 3, "BLOCK_ID_FLAG_COMMIT", "BLOCK_ID_FLAG_NIL", "BLOCK_ID_FLAG_ABSENT")] == [1, 2, 3, 2, 3, 1]
    with pytest.raises(ShapeError, match="block_id_flag is 7"):
        block_id_flag(7)
    commit = result(CASE07 / "commit_204503.json")
    commit["signed_header"]["commit"]["signatures"][0]["block_id_flag"] = "BLOCK_ID_FLAG_COMMIT"
    assert read_commit(commit)["signatures"][0]["block_id_flag"] == 2


@pytest.mark.parametrize("value, message", [
    ("9807FB058D154067C57E3121D0A115D67F799EBE", "not lower-case.*write 9807fb058d154067c57e3121d0a115d67f799ebe"),
    ("9807fb058d154067c57e3121d0a115d67f799eb", "39 characters"),
    ("9807fb058d154067c57e3121d0a115d67f799ebz", "40 lower-case hex digits"),
])
def test_node_ids_are_case_sensitive_40_hex(value, message):
    assert node_id_error("9807fb058d154067c57e3121d0a115d67f799ebe") is None
    assert node_id_error(value) is not None
    assert __import__("re").search(message, node_id_error(value))


def test_an_inventory_node_id_in_upper_case_is_that_endpoints_error():
    from ansible_collections.virtengine.incident_response.plugins.module_utils._module import parse_endpoints

    good, bad = parse_endpoints([{"name": "val-b", "url": "http://127.0.0.1:26657", "node_id": "9807fb058d154067c57e3121d0a115d67f799ebe"},
                                 {"name": "val-x", "url": "http://127.0.0.1:26657", "node_id": "9807FB058D154067C57E3121D0A115D67F799EBE"}])
    assert good["error"] is None
    assert bad["error"].startswith("endpoint val-x: node_id: node id 9807FB058D154067C57E3121D0A115D67F799EBE is not lower-case")
