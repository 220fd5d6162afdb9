# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-002's pure logic on captured data: a real config.toml's [p2p] section and the real partitioned network."""

import copy
from pathlib import Path

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import digest_status
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view
from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import config_faults, decide, parse_peer_list, play002
from ansible_collections.virtengine.incident_response.plugins.module_utils._peer_graph import (
    build_graph,
    describe_islands,
    islands,
    record_comparison,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._toml_sections import parse
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

CONFIG = Path(__file__).parent / "fixtures" / "config" / "config.toml"
NODES = ("validator1", "validator2", "validator3", "validator4", "fullnode1")


def _p2p():
    return parse(CONFIG.read_text())["p2p"]


def _fleet_from_config():
    """The captured node and the peers its config names, each at the address the config gives."""
    p2p = _p2p()
    nodes = {}
    for index, entry in enumerate(parse_peer_list(p2p["persistent_peers"]), 2):
        nodes["peer%d" % index] = {"node_id": entry["id"], "p2p_address": "%s:%d" % (entry["host"], entry["port"]), "p2p": None}
    nodes["self"] = {"node_id": "f" * 40, "p2p_address": p2p["laddr"].split("://")[1], "p2p": p2p}
    return nodes


def _errors(faults, node="self"):
    return sorted(f["fault"] for f in faults if f["node"] == node and f["severity"] == "error")


def test_the_captured_peer_list_parses():
    entries = parse_peer_list(_p2p()["persistent_peers"])
    assert len(entries) == 4 and all(e["error"] is None and len(e["id"]) == 40 and e["port"] == 26656 for e in entries)


def test_a_sound_config_has_no_errors():
    faults, fixes = config_faults(_fleet_from_config())
    assert _errors(faults) == [] and fixes == {}


def test_a_wrong_port_is_an_error_with_the_corrected_list():
    nodes = _fleet_from_config()
    nodes["self"]["p2p"] = dict(nodes["self"]["p2p"], persistent_peers=nodes["self"]["p2p"]["persistent_peers"].replace(":26656", ":26699", 1))
    faults, fixes = config_faults(nodes)
    assert _errors(faults) == ["wrong_port"]
    assert fixes["self"] == _p2p()["persistent_peers"]


def test_a_wrong_address_is_told_from_a_wrong_port():
    nodes = _fleet_from_config()
    first = parse_peer_list(_p2p()["persistent_peers"])[0]
    nodes["self"]["p2p"] = dict(nodes["self"]["p2p"], persistent_peers="%s@10.9.9.9:26656" % first["id"])
    faults, fixes = config_faults(nodes)
    assert "wrong_address" in _errors(faults) and fixes["self"] == "%s@%s:26656" % (first["id"], first["host"])


def test_empty_malformed_self_and_closed_settings():
    nodes = _fleet_from_config()
    nodes["self"]["p2p"] = dict(nodes["self"]["p2p"], persistent_peers="", seeds="")
    assert _errors(config_faults(nodes)[0]) == ["no_peers_configured"]
    nodes["self"]["p2p"] = dict(nodes["self"]["p2p"], persistent_peers="not-a-peer, %s@127.0.0.1:26656" % ("f" * 40),
                                max_num_inbound_peers=0)
    faults, _fixes = config_faults(nodes)
    assert _errors(faults) == ["malformed_entry", "no_inbound"]
    assert [f["fault"] for f in faults if f["node"] == "self" and f["severity"] == "warning"] == ["self_in_list"]


def test_strict_address_book_with_private_peers_and_unlisted_nodes_are_warnings():
    nodes = _fleet_from_config()
    nodes["self"]["p2p"] = dict(nodes["self"]["p2p"], addr_book_strict=True)
    faults, _fixes = config_faults(nodes)
    assert ("self", "addr_book_strict_private", "warning") in [(f["node"], f["fault"], f["severity"]) for f in faults]
    for peer in (n for n in nodes if n != "self"):
        nodes[peer]["p2p"] = dict(_p2p(), persistent_peers="")
    faults, _fixes = config_faults(nodes)
    assert ("self", "not_listed_by_others") in [(f["node"], f["fault"]) for f in faults]


def _partition_summary(state="partition"):
    """peer_count's summary rebuilt from the captured network (islands with heights, hashes, power)."""
    views, readings = [], {}
    for node in NODES:
        status = load(state, "%s_status" % node)["result"]
        peers = load(state, "%s_net_info" % node)["result"]["peers"]
        views.append({"name": node, "node_id": status["node_info"]["id"], "peer_ids": [p["node_info"]["id"] for p in peers]})
        digest = digest_status(status, 0)
        readings[node] = {"height": digest["height"], "latest_block_hash": digest["latest_block_hash"], "voting_power": digest["voting_power"]}
    graph, fleet = build_graph(views)
    found = describe_islands(islands(graph, fleet), readings)
    below = [v["name"] for v in views if len(v["peer_ids"]) < 2]
    return {"islands": found, "below_min": below, "island_count": len(found)}, readings


def _nodes(reachable=True, split_pairs=()):
    statuses = dict((n, load("partition", "%s_status" % n)["result"]) for n in NODES)
    nodes = {}
    for name in NODES:
        results = [{"name": other, "address": "%s:26656" % other, "reachable": reachable or (name, other) not in split_pairs,
                    "error": None if reachable or (name, other) not in split_pairs else "connection refused", "route": None}
                   for other in NODES if other != name]
        nodes[name] = {"node_id": statuses[name]["node_info"]["id"], "p2p_address": statuses[name]["node_info"]["listen_addr"].split("://")[-1],
                       "p2p": None, "reachability": results}
    return nodes


CROSSING = set((a, b) for a in ("validator1", "validator2") for b in ("validator3", "validator4", "fullnode1"))
CROSSING |= set((b, a) for a, b in CROSSING)


def test_captured_partition_is_two_equal_islands_without_a_canonical_chain():
    summary, _readings = _partition_summary()
    decision = decide(summary, _nodes(reachable=False, split_pairs=CROSSING), total_power=40)
    assert decision["verdict"] == "infrastructure"
    assert [i["members"] for i in decision["islands"]] == [["fullnode1", "validator3", "validator4"], ["validator1", "validator2"]]
    assert [i["voting_power"] for i in decision["islands"]] == [20, 20]
    assert decision["canonical"] is None and not decision["canonical_has_quorum"]
    assert len(decision["cross_island_blocked"]) == len(CROSSING)
    assert decision["peer_reset_hosts"] == [] and decision["resync_hosts"] == []


def test_with_every_port_answering_the_same_islands_are_a_configuration_fault():
    summary, _readings = _partition_summary()
    decision = decide(summary, _nodes(reachable=True), total_power=40)
    assert decision["verdict"] == "configuration"
    assert decision["peer_reset_hosts"] == ["fullnode1", "validator1", "validator2", "validator3", "validator4"]


def test_the_island_with_more_power_is_canonical_and_a_different_block_is_a_split():
    summary, _readings = _partition_summary()
    summary = copy.deepcopy(summary)
    big, small = summary["islands"]
    big["voting_power"] = 30
    small["voting_power"] = 10
    record_comparison(small, big, "AB" * 32)  # the big island has another block at the small one's top height
    decision = decide(summary, _nodes(reachable=False, split_pairs=CROSSING), total_power=40)
    assert decision["verdict"] == "chain_split" and decision["canonical"] == big["id"] and decision["canonical_has_quorum"]
    assert small["state"] == "split" and decision["resync_hosts"] == ["validator1", "validator2"]


def test_a_stalled_minority_is_only_resynced_when_asked():
    summary, _readings = _partition_summary()
    summary["islands"][0]["voting_power"] = 30
    summary["islands"][1]["voting_power"] = 10
    record_comparison(summary["islands"][1], summary["islands"][0], summary["islands"][1]["top_hash"])
    decision = decide(copy.deepcopy(summary), _nodes(reachable=False, split_pairs=CROSSING), total_power=40)
    assert decision["verdict"] == "infrastructure" and decision["resync_hosts"] == []
    assert decision["islands"][1]["state"] == "stranded"
    asked = decide(copy.deepcopy(summary), _nodes(reachable=False, split_pairs=CROSSING), total_power=40, resync_stranded=True)
    assert asked["resync_hosts"] == ["validator1", "validator2"]


def test_no_resync_without_a_canonical_island():
    summary, _readings = _partition_summary()
    decision = decide(summary, _nodes(reachable=False, split_pairs=CROSSING), total_power=40, resync_hosts=["validator1"])
    assert decision["resync_hosts"] == [] and any("resync refused" in reason for reason in decision["why"])


def test_healthy_and_unknown():
    summary, _readings = _partition_summary("healthy")
    assert decide(summary, _nodes(), total_power=40)["verdict"] == "healthy"
    assert decide({"islands": [], "below_min": []}, {}, total_power=40)["verdict"] == "unknown"


def test_the_decision_over_the_fleet_view_builds_the_node_table():
    summary, readings = _partition_summary()
    peers = {"summary": summary, "nodes": [dict(readings[n], name=n, reachable=True, n_peers=2 if n[-1] in "34" or n == "fullnode1" else 1)
                                           for n in NODES]}
    readings = {"chain": {"summary": {}, "nodes": []}, "peers": peers, "consensus": {"total_power": 40}}
    decision = play002(fleet_view(readings, _nodes(reachable=False, split_pairs=CROSSING)))
    rows = dict((r["host"], r) for r in decision["nodes"])
    assert rows["validator1"]["island"] != rows["validator3"]["island"]
    assert rows["validator1"]["unreachable"] == "validator3, validator4, fullnode1"
    assert decision["total_power"] == 40


CASE11 = Path(__file__).parent / "fixtures" / "cases" / "11-persistent-peers-id-case-and-stale"
VAL_B, VAL_C = "9807fb058d154067c57e3121d0a115d67f799ebe", "aab32989e10b2f4dfad936aa2685be91d7146d8c"


def _case11_nodes():
    import json

    nodes = json.loads((CASE11 / "nodes.json").read_text())
    assert parse((CASE11 / "val-a.config.toml.p2p").read_text())["p2p"]["persistent_peers"] == nodes["val-a"]["p2p"]["persistent_peers"]
    return nodes


def test_case11_upper_case_and_stale_ids_are_errors_with_the_corrected_list():
    faults, fixes = config_faults(_case11_nodes())
    errors = [f for f in faults if f["node"] == "val-a" and f["severity"] == "error"]
    assert sorted(f["fault"] for f in errors) == ["node_id_case", "stale_node_id"]
    by_kind = dict((f["fault"], f["detail"]) for f in errors)
    assert "not lower-case" in by_kind["node_id_case"] and VAL_B in by_kind["node_id_case"]
    assert "192.0.2.13:26656 is val-c, whose node id is %s" % VAL_C in by_kind["stale_node_id"]
    assert fixes == {"val-a": "%s@192.0.2.12:26656,%s@192.0.2.13:26656" % (VAL_B, VAL_C)}
    assert not [f for f in faults if f["node"] != "val-a" and f["severity"] == "error"]
    # The journal's dial errors name the same two ids.
    journal = (CASE11 / "val-a.journal.log").read_text()
    assert "dialed ID (9807FB058D154067C57E3121D0A115D67F799EBE)" in journal and "conn.ID (%s)" % VAL_C in journal


def test_case11_the_fix_is_offered_through_the_gated_peer_reset_even_on_one_island():
    nodes = _case11_nodes()
    summary = {"islands": [{"id": "island-1", "members": sorted(nodes), "voting_power": 3, "max_height": 100, "top_hash": "AB",
                            "diverges_from": []}], "below_min": []}
    decision = decide(summary, dict((n, dict(v, reachability=[])) for n, v in nodes.items()), total_power=3)
    assert decision["verdict"] == "configuration"
    assert decision["peer_reset_hosts"] == ["val-a"]
    assert decision["persistent_peer_fixes"]["val-a"] == "%s@192.0.2.12:26656,%s@192.0.2.13:26656" % (VAL_B, VAL_C)
    assert "stale" not in decision["why"][0] and "val-a" in decision["why"][0]


def test_ids_of_the_wrong_length_are_errors_and_corrected_from_the_address():
    nodes = _case11_nodes()
    nodes["val-b"]["p2p"] = dict(nodes["val-b"]["p2p"], persistent_peers="%s@192.0.2.11:26656,%s@192.0.2.13:26656,%s@198.51.100.9:26656" % (
        nodes["val-a"]["node_id"][:-1], VAL_C, "ab" * 21))
    faults, fixes = config_faults(nodes)
    assert sorted(f["fault"] for f in faults if f["node"] == "val-b" and f["severity"] == "error") == ["malformed_node_id", "malformed_node_id"]
    # val-a's truncated id is put right from its address; the external 42-digit id cannot be, and is left out.
    assert fixes["val-b"] == "%s@192.0.2.11:26656,%s@192.0.2.13:26656" % (nodes["val-a"]["node_id"], VAL_C)
    assert [e["fault"] for e in parse_peer_list(nodes["val-b"]["p2p"]["persistent_peers"])] == ["malformed_node_id", None, "malformed_node_id"]
