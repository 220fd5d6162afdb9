# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021's pure logic on statuses captured from the real network: lag against the reference, rate and ETA."""

import copy

import pytest

from ansible_collections.virtengine.incident_response.plugins.action.catch_up_watch import progress_line
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import digest_status
from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import lag_rows, progress
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

NODES = ("validator1", "validator2", "validator3", "validator4", "fullnode1")


def _nodes(lag=0, lagging="fullnode1"):
    """chain_status-shaped nodes from the healthy capture, ``lagging`` set ``lag`` blocks below the others."""
    nodes = []
    for name in NODES:
        node = dict(digest_status(load("healthy", "%s_status" % name)["result"], 0), name=name, reachable=True)
        nodes.append(node)
    top = max(n["height"] for n in nodes)
    for node in nodes:
        node["height"] = top - lag if node["name"] == lagging else top
    return nodes


@pytest.mark.parametrize("lag, state", [(0, "in_sync"), (2, "in_sync"), (3, "behind"), (99, "behind"), (100, "far_behind"), (5000, "far_behind")])
def test_states_at_every_boundary(lag, state):
    lag_report = lag_rows(_nodes(lag), ["fullnode1"], threshold=100)
    assert lag_report["rows"][0]["state"] == state and lag_report["rows"][0]["behind"] == lag


def test_a_public_reference_wins_over_the_inventory():
    nodes = _nodes()
    reference = dict(nodes[0], name="reference", height=nodes[0]["height"] + 500)
    lag_report = lag_rows(nodes + [reference], list(NODES))
    assert lag_report["reference_source"] == "reference" and set(lag_report["far_behind"]) == set(NODES)


def test_a_silent_node_is_down_and_disk_and_peers_are_reported():
    nodes = _nodes()
    nodes[-1] = dict(nodes[-1], reachable=False, height=None, error="http://127.0.0.5:26657/status: no answer within 5s")
    lag_report = lag_rows(nodes, ["fullnode1", "validator1", "validator9"],
                          storage={"validator1": {"free_bytes": 5e9, "data_bytes": 2.5e6}}, peers={"validator1": 4})
    assert lag_report["down"] == ["fullnode1", "validator9"]
    assert [row["error"] for row in lag_report["rows"]] == ["http://127.0.0.5:26657/status: no answer within 5s", None, "not probed"]
    row = lag_report["rows"][1]
    assert (row["free_gb"], row["data_mb"], row["peers"]) == (5.0, 2.5, 4)


def test_state_sync_needs_the_smallest_data_directory_of_a_node_in_sync():
    storage = {"validator1": {"data_bytes": 9e6}, "validator2": {"data_bytes": 4e6}, "fullnode1": {"data_bytes": 1e6},
               "validator3": {"msg": "unreachable"}}
    lag_report = lag_rows(_nodes(150), ["validator1", "validator2", "validator3", "fullnode1"], storage=storage)
    assert lag_report["far_behind"] == ["fullnode1"]
    assert lag_report["in_sync_min_data_bytes"] == 4e6
    assert lag_rows(_nodes(150), ["fullnode1"], storage=storage)["in_sync_min_data_bytes"] is None


def _sample(at, lag, advance=0):
    nodes = copy.deepcopy(_nodes(lag))
    for node in nodes:
        node["height"] += advance
    return {"at": at, "nodes": nodes}


def test_rate_and_eta_from_the_shrinking_gap():
    report = progress([_sample(0, 120), _sample(10, 80, advance=10)], ["fullnode1"])
    row = report["rows"][0]
    assert row["rate"] == 4.0 and row["eta_seconds"] == 20 and not report["done"]


def test_keeping_pace_is_no_progress():
    report = progress([_sample(0, 50), _sample(10, 50, advance=10)], ["fullnode1"])
    assert report["rows"][0]["rate"] == 0 and report["rows"][0]["eta_seconds"] is None


def test_done_needs_within_and_advancing():
    assert progress([_sample(0, 4)], ["fullnode1"])["done"] is False, "one sample cannot show advancing"
    assert progress([_sample(0, 0)], ["fullnode1"])["done"] is True
    assert progress([_sample(0, 20), _sample(5, 4, advance=3)], ["fullnode1"], within=5)["done"] is True
    assert progress([_sample(0, 20), _sample(5, 6, advance=3)], ["fullnode1"], within=5)["done"] is False


def test_the_progress_line_names_every_figure():
    line = progress_line(progress([_sample(0, 120), _sample(10, 80, advance=10)], ["fullnode1"]))
    assert "fullnode1: height" in line and "80 behind" in line and "4.00 blocks/s" in line and "ETA 20 s" in line
