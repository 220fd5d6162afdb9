# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The post-mortem's impact window and response times, from blocks captured around real halts of the local network
(validator3 and validator4 stopped at height 28, started again ~25 s later: tests/unit/fixtures/recovered/; stopped
while height 799's precommits were being cast, two before the halt and two after: recovered_late/)."""

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils import _impact
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import ShapeError, parse_time
from ansible_collections.virtengine.incident_response.plugins.modules import incident_impact
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

HALT = 28


def _block(height, state="recovered"):
    return load(state, "validator1_block_%d" % height)["result"]


def _header_time(height):
    return parse_time(_block(height)["block"]["header"]["time"])


def _fetch_up_to(last, state="recovered"):
    return lambda height: _block(height, state) if height <= last else None


DECLARED = parse_time("2026-12-08T02:49:41Z")


INCIDENT = {
    "id": "INC-20261208-001", "declared_at": "2026-12-08T02:49:41.000000Z", "started_at": "2026-12-08T02:49:41Z",
    "resolved_at": "2026-12-08T02:52:00.000000Z", "impact": "Chain halted, no blocks producing",
    "impact_source": {"kind": "chain_halt", "height": HALT, "endpoints": [], "detected_by": "PLAY-001's fleet probe",
                      "detected_as": "no new block within 6 s at height 28"},
    "approvals": [{"action": "coordinated_restart", "decision": "confirmed", "by": "alice", "via": "ir_confirm",
                   "at": "2026-12-08T02:49:43.500000Z", "check_mode": False}],
    "decision": {"scenario": "B", "verdict": "Validators crashed or stopped", "remedy": "coordinated_restart",
                 "why": ["2 validator(s) absent, 50.0% of the voting power"], "absent": ["validator3", "validator4"],
                 "absent_power": 20, "absent_fraction": 0.5, "causes": [], "vetoed": [],
                 "evidence": [{"host": "validator3", "signature": "process_stopped", "count": 1, "line": "stopped"}]},
}


def test_the_halt_window_runs_from_the_last_block_s_commit_to_the_first_block_s_commit():
    window = _impact.halt_window(INCIDENT["impact_source"], _fetch_up_to(HALT + 2), DECLARED)
    start, end = _header_time(HALT + 1), _header_time(HALT + 2)
    assert window["start_epoch"] == start and window["end_epoch"] == end
    assert window["seconds"] == round(end - start, 3) and 24 < window["seconds"] < 27, "the halt lasted about 25 s"
    assert window["start"] == "2026-12-08T02:49:19.888Z" and window["end"] == "2026-12-08T02:49:45.101Z"
    assert window["measured_from"] == "from block 28's commit (header time of block 29) to block 29's commit (header time of block 30)"
    assert not window["ongoing"] and window["last_height"] == HALT and window["first_height"] == HALT + 1
    assert window["block_interval_s"] == round(start - _header_time(HALT), 3)
    assert window["blocks_missed"] == int(window["seconds"] // window["block_interval_s"]) - 1 > 20


def test_without_the_second_block_after_the_halt_the_end_is_unknown():
    window = _impact.halt_window(INCIDENT["impact_source"], _fetch_up_to(HALT + 1), DECLARED)
    assert window["ongoing"] and window["start"] == "2026-12-08T02:49:19.888Z"
    assert window["end"] is None and window["seconds"] is None and window["blocks_missed"] is None
    assert "block 30 is not produced yet, so the end is unknown (ongoing)" in window["measured_from"]


def test_without_the_first_block_after_the_halt_the_declaration_is_the_labelled_fallback():
    result = _impact.measure(INCIDENT, [], _fetch_up_to(HALT))
    window = result["window"]
    assert window["kind"] == "declaration" and window["seconds"] == 139.0
    assert window["measured_from"] == "from the declaration (fallback: no node had block 29, the first after the halt at 28)"
    assert result["response_times"]["time_to_detect_s"] is None and result["response_times"]["time_to_mitigate_s"] is None


def test_an_incident_without_an_impact_source_falls_back_to_the_declaration():
    incident = dict(INCIDENT, impact_source={}, decision={}, approvals=[])
    result = _impact.measure(incident, [], _fetch_up_to(HALT + 2))
    assert result["window"]["measured_from"].startswith("from the declaration to the resolution (fallback")
    assert result["drafted"] == {"root_cause": None, "detection": None}


def test_a_block_of_another_height_or_shape_is_refused():
    with pytest.raises(ShapeError, match="block.header.height is 30, expected 29"):
        _impact.halt_window(INCIDENT["impact_source"], lambda height: _block(30) if height == 29 else _block(height), DECLARED)
    with pytest.raises(ValueError, match="impact_source.height='x' is not an integer"):
        _impact.halt_window({"kind": "chain_halt", "height": "x"}, _fetch_up_to(HALT + 2), DECLARED)


def test_precommits_cast_on_both_sides_of_the_halt_move_the_window_one_block_on():
    """Seen halted at 798: 799's precommits came two before the halt and two after, and their median, block 800's
    time, is from before the halt. The window is the gap in the chain's clock: block 800's time to block 801's."""
    window = _impact.halt_window({"kind": "chain_halt", "height": 798}, _fetch_up_to(801, "recovered_late"),
                                 parse_time("2026-12-08T03:00:50Z"))
    assert (window["last_height"], window["first_height"]) == (799, 800)
    assert window["start"] == "2026-12-08T03:00:22.985Z" and window["end"] == "2026-12-08T03:02:04.048Z"
    assert window["seconds"] == round(parse_time("2026-12-08T03:02:04.048066594Z") - parse_time("2026-12-08T03:00:22.984514834Z"), 3)
    assert window["measured_from"] == "from block 799's commit (header time of block 800) to block 800's commit (header time of block 801)"
    assert window["block_interval_s"] == round(parse_time("2026-12-08T03:00:22.984514834Z") - parse_time("2026-12-08T03:00:22.064475826Z"), 3)


def test_response_times_chain_impact_declaration_approval_and_resolution():
    result = _impact.measure(INCIDENT, [], _fetch_up_to(HALT + 2))
    times, window = result["response_times"], result["window"]
    declared, approved, resolved = (parse_time(INCIDENT["declared_at"]), parse_time(INCIDENT["approvals"][0]["at"]),
                                    parse_time(INCIDENT["resolved_at"]))
    assert times["time_to_detect_s"] == round(declared - window["start_epoch"], 3)
    assert times["time_to_approve_s"] == 2.5
    assert times["time_to_mitigate_s"] == round(window["end_epoch"] - approved, 3)
    assert times["time_to_resolve_s"] == round(resolved - window["start_epoch"], 3)
    assert times["approved_action"] == "coordinated_restart" and times["approved_by"] == "alice"
    assert times["voting_power_affected"] == 20 and times["voting_power_affected_fraction"] == 0.5
    assert times["validators_affected"] == ["validator3", "validator4"] and times["blocks_missed"] == window["blocks_missed"]


def test_the_scribe_s_gate_entries_give_the_approval_when_the_record_has_none():
    timeline = [{"kind": "gate", "decision": "refused", "at": "2026-12-08T02:49:42Z", "action": "coordinated_restart"},
                {"kind": "gate", "decision": "confirmed", "at": "2026-12-08T02:49:44Z", "action": "coordinated_restart", "by": "bob"}]
    times = _impact.measure(dict(INCIDENT, approvals=[]), timeline, _fetch_up_to(HALT + 2))["response_times"]
    assert times["approved_at"] == "2026-12-08T02:49:44.000Z" and times["approved_by"] == "bob" and times["time_to_approve_s"] == 3.0


def test_root_cause_and_detection_are_drafted_from_the_decision_and_its_evidence():
    drafted = _impact.measure(INCIDENT, [], _fetch_up_to(HALT + 2))["drafted"]
    assert drafted["root_cause"].startswith("Validators crashed or stopped (scenario B).")
    assert "- evidence: validator3 `process_stopped` x1: `stopped`" in drafted["root_cause"]
    assert "- remedy chosen: coordinated_restart" in drafted["root_cause"]
    assert drafted["detection"].startswith("PLAY-001's fleet probe detected it at 2026-12-08T02:49:41.000Z (no new block within 6 s at height 28).")
    assert "Detection delay: 21.112s after the impact started (2026-12-08T02:49:19.888Z, from block 28's commit" in drafted["detection"]


def test_the_module_reads_the_blocks_from_the_first_node_that_has_them(serve, run_module, refused_url):
    node = serve("recovered", "validator1")
    incident = dict(INCIDENT, impact_source=dict(INCIDENT["impact_source"], endpoints=[refused_url, node.url]))
    result = run_module(incident_impact, {"incident": incident, "timeout": 2})
    assert result["_rc"] == 0 and result["window"]["seconds"] == round(_header_time(HALT + 2) - _header_time(HALT + 1), 3)
    assert result["errors"] and all(refused_url in e for e in result["errors"])


def test_the_module_says_ongoing_when_no_node_has_the_second_block_yet(serve, run_module):
    node = serve("recovered", "validator1")
    incident = dict(INCIDENT, declared_at="2026-12-08T02:50:00Z", impact_source=dict(INCIDENT["impact_source"], height=HALT + 1, endpoints=[node.url]))
    result = run_module(incident_impact, {"incident": incident})
    assert result["_rc"] == 0 and result["window"]["ongoing"] and result["window"]["start"] == "2026-12-08T02:49:45.101Z"
    assert any("must be less than or equal to the current blockchain height" in e for e in result["errors"])
