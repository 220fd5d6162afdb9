# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vote parsing and quorum math on consensus states captured from the real network."""

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils import _consensus as consensus
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load


def _validators(state, node, height):
    return [{"address": v["address"], "voting_power": int(v["voting_power"])} for v in load(state, "%s_validators_%d" % (node, height))["result"]["validators"]]


def _round_state(state, node):
    return load(state, "%s_consensus_state" % node)["result"]["round_state"]


def _address_of(node):
    return load("healthy", "%s_status" % node)["result"]["validator_info"]["address"]


def _judge_round(state, node):
    round_state = _round_state(state, node)
    height, round_, _step = consensus.parse_height_round_step(round_state["height/round/step"])
    votes = consensus.round_entry(round_state["height_vote_set"], round_)
    return consensus.votes_by_validator(_validators(state, node, height), votes["prevotes"], votes["precommits"])


def test_parse_height_round_step():
    assert consensus.parse_height_round_step("57/0/4") == (57, 0, 4)
    with pytest.raises(ValueError, match="not H/R/S"):
        consensus.parse_height_round_step("57/0")


def test_step_names_cover_every_code():
    assert [consensus.step_name(s) for s in range(1, 9)] == [
        "NewHeight", "NewRound", "Propose", "Prevote", "PrevoteWait", "Precommit", "PrecommitWait", "Commit"]
    assert consensus.step_name(42) == "Unknown(42)"


def test_parse_real_votes_from_the_halted_round():
    votes = consensus.round_entry(_round_state("halted", "validator1")["height_vote_set"], 0)
    received = [consensus.parse_vote(v) for v in votes["prevotes"] if v != "nil-Vote"]
    assert received, "the captured round has received prevotes"
    for vote in received:
        assert vote["type"] == "SIGNED_MSG_TYPE_PREVOTE(Prevote)"
        assert len(vote["address_prefix"]) == 12 and len(vote["block_hash"]) == 12
    assert consensus.parse_vote("nil-Vote") is None


def test_vote_for_nil_is_present_but_not_for_a_block():
    # The real shape of a nil prevote (proposer down): block hash fingerprint 000000000000.
    text = "Vote{2:BA4D3CA30273 54/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) 000000000000 A37EBEC996B8 000000000000 @ 2026-11-27T00:10:08.341854685Z}"
    assert consensus.vote_kind(text) == "nil"
    assert consensus.vote_kind("nil-Vote") == "absent"
    with pytest.raises(ValueError, match="neither nil-Vote"):
        consensus.parse_vote("garbage")


def test_bit_array_numbers_are_voting_power():
    votes = consensus.round_entry(_round_state("halted", "validator1")["height_vote_set"], 0)
    bits = consensus.parse_bit_array(votes["prevotes_bit_array"])
    assert bits["size"] == 4 and len(bits["bits"]) == 4
    assert bits["total_power"] == 40  # 4 validators of power 10: power, not a count
    assert bits["voted_power"] == 10 * bits["bits"].count("x")
    assert consensus.parse_bit_array("BA{3:x_x} 20/30 = 0.67")["fraction"] == pytest.approx(0.67)
    with pytest.raises(ValueError):
        consensus.parse_bit_array("nonsense")


def test_round_entry_picks_the_current_round_not_the_last_entry():
    vote_set = _round_state("halted", "validator1")["height_vote_set"]
    assert [e["round"] for e in vote_set] == [0, 1], "the node tracks round R+1 too"
    assert consensus.round_entry(vote_set, 0) is vote_set[0]
    assert consensus.round_entry(vote_set, 5) is None


def test_halted_round_names_exactly_the_two_stopped_validators():
    entries = _judge_round("halted", "validator1")
    absent = sorted(e["address"] for e in entries if not e["present"])
    assert absent == sorted([_address_of("validator3"), _address_of("validator4")])
    verdict = consensus.quorum(entries)
    assert verdict == {"total_power": 40, "present_power": 20, "absent_power": 20, "absent_fraction": 0.5,
                       "absent_count": 2, "quorum_reachable": False}


def test_a_validator_that_prevoted_then_stopped_is_absent_once_precommits_are_in():
    # Seen on the real network: a validator's prevote arrives, then it stops; the others precommit.
    validators = [{"address": "%s" % (c * 40), "voting_power": 10} for c in "ABCD"]
    prevote = "Vote{%d:%s 9/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) 5C9675C46246 B5FEE724B4B9 000000000000 @ 2026-11-27T00:20:58.803320958Z}"
    precommit = "Vote{%d:%s 9/00/SIGNED_MSG_TYPE_PRECOMMIT(Precommit) 5C9675C46246 98290B2370F3 000000000000 @ 2026-11-27T00:20:58.910699Z}"
    prevotes = [prevote % (i, c * 12) for i, c in enumerate("ABC")] + ["nil-Vote"]
    precommits = [precommit % (i, c * 12) for i, c in enumerate("AB")] + ["nil-Vote", "nil-Vote"]
    entries = consensus.votes_by_validator(validators, prevotes, precommits)
    assert [e["present"] for e in entries] == [True, True, False, False]
    assert consensus.quorum(entries)["quorum_reachable"] is False
    # Before anyone precommits, the prevote decides.
    entries = consensus.votes_by_validator(validators, prevotes, ["nil-Vote"] * 4)
    assert [e["present"] for e in entries] == [True, True, True, False]


def test_merging_the_live_validators_views_keeps_the_verdict():
    views = [_judge_round("halted", n) for n in ("validator1", "validator2", "fullnode1")]
    merged = consensus.merge_entries(views)
    assert sorted(e["address"] for e in merged if not e["present"]) == sorted([_address_of("validator3"), _address_of("validator4")])


def test_merge_takes_any_received_vote():
    a = consensus.votes_by_validator(
        [{"address": "AA" * 20, "voting_power": 1}, {"address": "BB" * 20, "voting_power": 1}],
        ["Vote{0:AAAAAAAAAAAA 5/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) 000000000000 111111111111 000000000000 @ t}", "nil-Vote"],
        ["nil-Vote", "nil-Vote"])
    b = consensus.votes_by_validator(
        [{"address": "AA" * 20, "voting_power": 1}, {"address": "BB" * 20, "voting_power": 1}],
        ["nil-Vote", "Vote{1:BBBBBBBBBBBB 5/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) 0123456789AB 111111111111 000000000000 @ t}"],
        ["nil-Vote", "nil-Vote"])
    merged = consensus.merge_entries([a, b])
    assert [e["prevote"] for e in merged] == ["nil", "block"]
    assert all(e["present"] for e in merged)
    with pytest.raises(ValueError, match="validator set"):
        consensus.merge_entries([a, list(reversed(b))])


def test_votes_from_another_validator_set_are_refused():
    validators = list(reversed(_validators("halted", "validator1", _height())))
    votes = consensus.round_entry(_round_state("halted", "validator1")["height_vote_set"], 0)
    with pytest.raises(ValueError, match="is from"):
        consensus.votes_by_validator(validators, votes["prevotes"], votes["precommits"])
    with pytest.raises(ValueError, match="do not match"):
        consensus.votes_by_validator(validators[:3], votes["prevotes"], votes["precommits"])


def test_last_commit_of_the_healthy_network():
    height = _height() - 2
    commit = load("healthy", "validator1_commit_%d" % height)["result"]["signed_header"]["commit"]
    entries = consensus.votes_from_commit(_validators("healthy", "validator1", height), commit["signatures"])
    assert {e["prevote"] for e in entries} == {"unknown"}, "a commit holds precommits only"
    signed = [e for e in entries if e["present"]]
    assert len(signed) >= 3, "a committed block carries > 2/3 of the precommits"
    assert consensus.quorum(entries)["quorum_reachable"] is True


def test_absent_commit_signature_has_no_address_and_maps_by_index():
    validators = [{"address": "AA" * 20, "voting_power": 10}, {"address": "BB" * 20, "voting_power": 10}]
    signatures = [{"block_id_flag": 2, "validator_address": "AA" * 20}, {"block_id_flag": 1, "validator_address": ""}]
    entries = consensus.votes_from_commit(validators, signatures)
    assert [(e["address"], e["precommit"], e["present"]) for e in entries] == [("AA" * 20, "block", True), ("BB" * 20, "absent", False)]


@pytest.mark.parametrize("powers, absent, reachable", [
    ([10, 10, 10, 10], [3], True),            # 4 equal: tolerate 1
    ([10, 10, 10, 10], [2, 3], False),        # 2 of 4 halts
    ([10, 10, 10], [2], False),               # 3 equal: 1 down halts (exactly 1/3 absent)
    ([10] * 7, [5, 6], True),                 # 7 equal tolerate 2
    ([10] * 7, [4, 5, 6], False),
    ([50, 40, 30, 20, 10, 10, 10], [0], True),        # 50/170 < 1/3
    ([50, 40, 30, 20, 10, 10, 10], [0, 6], False),    # 60/170 > 1/3
    ([1, 1, 1], [], True),
])
def test_quorum_boundaries(powers, absent, reachable):
    entries = [{"address": "%02X" % i, "voting_power": p, "present": i not in absent} for i, p in enumerate(powers)]
    verdict = consensus.quorum(entries)
    assert verdict["quorum_reachable"] is reachable
    assert verdict["absent_power"] == sum(powers[i] for i in absent)


@pytest.mark.parametrize("step, round_, seconds, expected", [
    (4, 0, 30.0, "round"),           # halted in prevote
    (6, 0, 30.0, "round"),           # halted in precommit
    (4, 0, 0.2, "last_commit"),      # live chain, votes still arriving
    (1, 0, -0.3, "last_commit"),     # live chain in timeout_commit
    (3, 2, 5.0, "previous_round"),   # round 2 started: round 1 is complete
    (1, 0, 30.0, "last_commit"),     # stuck before prevoting (e.g. consensus failure)
])
def test_choose_source(step, round_, seconds, expected):
    assert consensus.choose_source(step, round_, seconds, settle_seconds=10) == expected


def _height():
    return consensus.parse_height_round_step(_round_state("halted", "validator1")["height/round/step"])[0]
