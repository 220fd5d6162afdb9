# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Islands from peer lists captured on the real network (healthy and partitioned)."""

from ansible_collections.virtengine.incident_response.plugins.module_utils._peer_graph import build_graph, islands
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

NODES = ("validator1", "validator2", "validator3", "validator4", "fullnode1")


def _views(state, nodes=NODES):
    views = []
    for node in nodes:
        node_id = load(state, "%s_status" % node)["result"]["node_info"]["id"]
        peers = load(state, "%s_net_info" % node)["result"]["peers"]
        views.append({"name": node, "node_id": node_id, "peer_ids": [p["node_info"]["id"] for p in peers]})
    return views


def test_healthy_network_is_one_island():
    graph, fleet = build_graph(_views("healthy"))
    assert islands(graph, fleet) == [{"members": sorted(NODES), "external_peers": []}]
    assert all(len(graph[n]) == 4 for n in NODES)


def test_partition_gives_the_two_islands_it_was_cut_into():
    graph, fleet = build_graph(_views("partition"))
    assert islands(graph, fleet) == [
        {"members": ["fullnode1", "validator3", "validator4"], "external_peers": []},
        {"members": ["validator1", "validator2"], "external_peers": []},
    ]


def test_one_sided_peer_lists_still_make_an_edge():
    graph, fleet = build_graph([
        {"name": "a", "node_id": "id-a", "peer_ids": ["id-b"]},
        {"name": "b", "node_id": "id-b", "peer_ids": []},
    ])
    assert graph == {"a": {"b"}, "b": {"a"}}
    assert islands(graph, fleet) == [{"members": ["a", "b"], "external_peers": []}]


def test_an_external_peer_joins_two_parts_and_is_listed():
    graph, fleet = build_graph([
        {"name": "sentry1", "node_id": "s1", "peer_ids": ["public"]},
        {"name": "sentry2", "node_id": "s2", "peer_ids": ["public"]},
        {"name": "lonely", "node_id": "l", "peer_ids": []},
    ])
    assert islands(graph, fleet) == [
        {"members": ["sentry1", "sentry2"], "external_peers": ["public"]},
        {"members": ["lonely"], "external_peers": []},
    ]


def test_a_node_known_only_from_the_inventory_is_named_when_others_list_it():
    views = _views("partition", ("validator1",)) + [{"name": "validator2", "node_id": load("partition", "validator2_status")["result"]["node_info"]["id"]}]
    graph, fleet = build_graph(views)
    assert islands(graph, fleet) == [{"members": ["validator1", "validator2"], "external_peers": []}]


def test_a_node_with_no_answer_and_no_peers_is_in_no_island():
    graph, fleet = build_graph([{"name": "down", "node_id": "d"}])
    assert islands(graph, fleet) == []
