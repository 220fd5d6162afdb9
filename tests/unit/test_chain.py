# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/status digests and the fleet verdict."""

import copy

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import digest_status, fleet_verdict, watch_window
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import as_int, parse_time
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load


def _status(node="validator1", state="healthy"):
    return load(state, "%s_status" % node)["result"]


def test_digest_decodes_string_integers_and_block_age():
    status = _status()
    block_time = parse_time(status["sync_info"]["latest_block_time"])
    digest = digest_status(status, now=block_time + 2.5)
    assert digest["height"] == int(status["sync_info"]["latest_block_height"])
    assert isinstance(digest["height"], int) and isinstance(digest["voting_power"], int)
    assert digest["voting_power"] == 10
    assert digest["block_age_seconds"] == pytest.approx(2.5, abs=0.001)
    assert digest["chain_id"] == "virtengine-localnet"
    assert digest["moniker"] == "validator1" and digest["catching_up"] is False


def test_full_node_has_no_power():
    assert digest_status(_status("fullnode1"), now=0)["voting_power"] == 0


def test_height_zero_has_no_block_age():
    status = copy.deepcopy(_status())
    status["sync_info"].update(latest_block_height="0", latest_block_time="1970-01-01T00:00:00Z")
    assert digest_status(status, now=1e9)["block_age_seconds"] is None


def test_as_int_rules():
    assert as_int("1234") == 1234 and as_int(7) == 7 and as_int("-3") == -3
    for bad in ("12a", None, True, 1.5, ""):
        with pytest.raises(ValueError):
            as_int(bad)


def test_parse_time_nanoseconds():
    assert parse_time("2026-11-27T00:06:24.128707604Z") == pytest.approx(1795737984.1287076)
    assert parse_time("1970-01-01T00:00:00Z") == 0
    with pytest.raises(ValueError):
        parse_time("")


def _node(name, height, advancing, age=1.0, reachable=True, catching_up=False):
    return {"name": name, "reachable": reachable, "height": height, "advancing": advancing, "block_age_seconds": age,
            "chain_id": "c", "catching_up": catching_up}


def test_verdict_by_height_ignores_a_stale_block_time():
    # The first block after a long halt carries a pre-halt timestamp: judged by height, the chain is live.
    nodes = [_node("a", 100, True, age=600), _node("b", 100, True, age=600)]
    summary = fleet_verdict(nodes, halt_window=30, max_block_age=30, max_blocks_behind=10)
    assert summary["halted"] is False and summary["method"] == "height"


def test_verdict_by_block_age_without_a_window():
    nodes = [_node("a", 100, None, age=45), _node("b", 100, None, age=45)]
    assert fleet_verdict(nodes, halt_window=0, max_block_age=30, max_blocks_behind=10)["halted"] is True
    nodes = [_node("a", 100, None, age=5)]
    assert fleet_verdict(nodes, halt_window=0, max_block_age=30, max_blocks_behind=10)["halted"] is False


def test_verdict_behind_and_stalled_nodes():
    nodes = [_node("a", 500, True), _node("b", 480, False), _node("c", None, None, reachable=False)]
    summary = fleet_verdict(nodes, halt_window=5, max_block_age=30, max_blocks_behind=10)
    assert summary["halted"] is False
    assert summary["behind"] == ["b"] and nodes[1]["behind"] == 20
    assert summary["stalled"] == ["b"] and summary["unreachable"] == ["c"]
    assert summary["max_height"] == 500 and summary["min_height"] == 480


def test_verdict_unknown_when_nothing_answers():
    summary = fleet_verdict([_node("a", None, None, reachable=False)], halt_window=5, max_block_age=30, max_blocks_behind=10)
    assert summary["halted"] is None and summary["reachable_count"] == 0


def _first_sample(state, nodes, after_s):
    """Real captured /status answers digested ``after_s`` seconds after the newest of their blocks."""
    statuses = [_status(n, state) for n in nodes]
    newest = max(parse_time(s["sync_info"]["latest_block_time"]) for s in statuses)
    return [dict(digest_status(s, newest + after_s), name=n, reachable=True) for n, s in zip(nodes, statuses)]


def test_a_chain_halted_for_longer_than_the_window_needs_only_a_confirmation_sample():
    nodes = _first_sample("halted", ["validator1", "validator2", "fullnode1"], after_s=45)
    nodes.append({"name": "validator3", "reachable": False, "block_age_seconds": None})
    assert watch_window(nodes, halt_window=30, stale_confirm=3) == (3.0, "stale")
    # Never longer than the window itself.
    assert watch_window(nodes, halt_window=2, stale_confirm=3) == (2.0, "stale")


def test_a_fresh_block_on_any_node_keeps_the_full_window_judged_by_height():
    # Just halted (blocks younger than the window), or just resumed: one fresh block anywhere keeps the height rule.
    assert watch_window(_first_sample("halted", ["validator1", "validator2"], after_s=5), 30, 3) == (30.0, "height")
    nodes = _first_sample("halted", ["validator1", "validator2"], after_s=45)
    nodes[0]["block_age_seconds"] = 1.0
    assert watch_window(nodes, 30, 3) == (30.0, "height")


def test_height_zero_or_nothing_reachable_keeps_the_full_window():
    nodes = _first_sample("halted", ["validator1"], after_s=45) + [{"name": "new", "reachable": True, "block_age_seconds": None}]
    assert watch_window(nodes, 30, 3) == (30.0, "height")
    assert watch_window([{"name": "a", "reachable": False, "block_age_seconds": None}], 30, 3) == (30.0, "height")
    assert watch_window(_first_sample("halted", ["validator1"], after_s=45), 0, 3) == (0.0, "height")
