# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001 on the handed cases (tests/unit/fixtures/cases, sources in their CASE.md and README) and on the other
shapes of the same kinds: planned upgrades (U), app-hash splits and replay crashes (C)."""

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import digest_status
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import parse_time
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import (
    choose_source,
    parse_height_round_step,
    quorum,
    round_entry,
    votes_by_validator,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils import _play001
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view
from ansible_collections.virtengine.incident_response.plugins.module_utils._play001 import DecisionError, app_hash_groups

CASES = Path(__file__).parent / "fixtures" / "cases"


def decide(readings, validators, hosts, **options):
    """PLAY-001's decision over the fleet view of these readings and host records (what the assess action does)."""
    return _play001.decide(fleet_view(readings, hosts, validators), **options)


def _load(case, name):
    path = CASES / case / name
    return json.loads(path.read_text()) if name.endswith(".json") else path.read_text().splitlines()


def _hosts(case, fleet, extra=None):
    hosts = {}
    for name, state in fleet["hosts"].items():
        hosts[name] = {"service": state["service"], "reachable": state["reachable"], "logs": scan(_load(case, state["log"]))}
        hosts[name].update((extra or {}).get(name, {}))
    return hosts


def _readings(fleet, consensus=None):
    return {"chain": fleet["chain"], "consensus": consensus or fleet["consensus"], "peers": fleet["peers"]}


# --------------------------------------------------------------------------- case 01: upgrade height halt

CASE01 = "01-upgrade-height-halt"


def test_case01_status_says_halted_at_the_upgrade_height():
    status = _load(CASE01, "status_val-a.json")["result"]
    digest = digest_status(status, parse_time("2024-08-30T12:59:59.886506586Z"))
    assert digest["height"] == 11860000 and digest["block_age_seconds"] == 17447.0


def test_case01_is_a_planned_upgrade_never_a_rollback():
    fleet = _load(CASE01, "fleet.json")
    decision = decide(_readings(fleet), fleet["validators"], _hosts(CASE01, fleet))
    assert decision["halted"] is True
    assert decision["scenario"] == "U" and decision["remedy"] == "upgrade_switch"
    assert decision["upgrade"]["name"] == "v2.12" and decision["upgrade"]["height"] == 11860000
    assert "terra_2.12.4_Linux_x86_64.tar.gz" in decision["upgrade"]["info"]
    assert decision["upgrade_hosts"] == fleet["validators"]
    assert decision["remedy"] != "state_rollback" and decision["diverged_hosts"] == []
    cited = dict(((e["host"], e["signature"]), e) for e in decision["evidence"])
    assert cited[("val-a", "upgrade_needed")]["line"].startswith('panic: UPGRADE "v2.12" NEEDED at height: 11860000')
    assert any('upgrade plan "v2.12" at height 11860000' in w for w in decision["why"])
    assert not any("CONSENSUS FAILURE" in w for w in decision["why"]), "the failure is the upgrade's, not a corruption"
    readiness = decision["upgrade"]["readiness"]
    assert readiness["ready"] == [] and readiness["not_ready_power"] == 100 and readiness["enough_to_resume"] is False


def test_case01_readiness_counts_the_power_that_has_the_upgrade_binary():
    fleet = _load(CASE01, "fleet.json")
    ready = {"sha256": "ab" * 32, "present": True, "name": "v2.12", "path": "/home/node/.node/cosmovisor/upgrades/v2.12/bin/terrad"}
    extra = dict((n, {"upgrade_binary": ready}) for n in ("val-a", "val-b", "val-c"))
    extra["val-d"] = {"upgrade_binary": {"name": "v2.12", "present": False, "sha256": None}}
    decision = decide(_readings(fleet), fleet["validators"], _hosts(CASE01, fleet, extra))
    readiness = decision["upgrade"]["readiness"]
    assert readiness["ready"] == ["val-a", "val-b", "val-c"] and readiness["ready_power"] == 75 and readiness["enough_to_resume"] is True
    assert [r["upgrade_binary"] for r in decision["validators"]] == ["ready", "ready", "ready", "MISSING"]
    # A published checksum the binaries do not have: nobody is ready.
    wrong = decide(_readings(fleet), fleet["validators"], _hosts(CASE01, fleet, extra), upgrade_sha256="cd" * 32)
    assert wrong["upgrade"]["readiness"]["ready"] == []


def test_upgrade_from_the_rest_plan_alone_and_other_wordings():
    fleet = _load(CASE01, "fleet.json")
    quiet = dict((name, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan([])}) for name in fleet["validators"])
    # The REST gateway's x/upgrade answer (height is a string in the SDK's JSON).
    plan = {"plan": {"name": "v2.12", "time": "0001-01-01T00:00:00Z", "height": "11860000", "info": "", "upgraded_client_state": None}}
    decision = decide(_readings(fleet), fleet["validators"], quiet, upgrade_plan=plan)
    assert decision["scenario"] == "U" and decision["upgrade"]["source"] == "rest"
    # omni-network/omni#1693 (CometBFT v0.38.10) wording, JSON logs, one height later than the store's top.
    lines = [json.dumps({"level": "error", "module": "consensus", "_msg": "CONSENSUS FAILURE!!!",
                         "err": 'failed to apply block; error UPGRADE "v3" NEEDED at height: 11860001: '})]
    hosts = dict((name, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan(lines)}) for name in fleet["validators"])
    assert decide(_readings(fleet), fleet["validators"], hosts)["upgrade"]["name"] == "v3"
    # A plan for another height is not this halt.
    far = {"plan": {"name": "v9", "height": "12000000", "info": ""}}
    assert decide(_readings(fleet), fleet["validators"], quiet, upgrade_plan=far)["scenario"] != "U"
    with pytest.raises(DecisionError, match="upgrade plan height 'soon'"):
        decide(_readings(fleet), fleet["validators"], quiet, upgrade_plan={"plan": {"name": "x", "height": "soon"}})


# --------------------------------------------------------------------------- case 02: app-hash split

CASE02 = "02-apphash-split-full-participation"


def _case02_consensus(fleet):
    """What consensus_state computes from the case's /consensus_state and /validators (the module's pure parts)."""
    state = _load(CASE02, "consensus_state_val-a.json")["result"]["round_state"]
    validators = [{"address": v["address"], "voting_power": int(v["voting_power"])} for v in _load(CASE02, "validators_8647536.json")["result"]["validators"]]
    height, round_, step = parse_height_round_step(state["height/round/step"])
    source = choose_source(step, round_, fleet["consensus_input"]["seconds_in_height"], fleet["consensus_input"]["settle_time"])
    votes = round_entry(state["height_vote_set"], round_ if source == "round" else round_ - 1)
    entries = votes_by_validator(validators, votes["prevotes"], votes["precommits"])
    for entry, host in zip(entries, fleet["validators"]):
        entry.update(host=host, name=host)
    summary = quorum(entries)
    return dict(summary, height=height, round=round_, source=source, validators=entries,
                absent=[{"name": e["name"]} for e in entries if not e["present"]])


def test_case02_votes_split_with_full_participation():
    fleet = _load(CASE02, "fleet.json")
    consensus = _case02_consensus(fleet)
    assert consensus["source"] == "round" and consensus["round"] == 41
    assert consensus["absent"] == [] and consensus["quorum_reachable"] is True
    assert sum(e["voting_power"] for e in consensus["validators"] if e["prevote"] == "nil") == 41


def test_case02_is_state_divergence_naming_the_minority_not_scenario_a():
    fleet = _load(CASE02, "fleet.json")
    decision = decide(_readings(fleet, _case02_consensus(fleet)), fleet["validators"], _hosts(CASE02, fleet))
    assert decision["scenario"] == "C" and decision["remedy"] == "diverged_resync"
    assert decision["diverged_hosts"] == ["val-b", "val-d", "val-g"]
    assert decision["canonical_app_hash"] == "2385090C23C6FEE14BA26C42194F7811587D9FFBF3449A759185119757959B0D"
    groups = [(g["app_hash"][:4], g["power"], g["canonical"]) for g in decision["app_hashes"]]
    assert groups == [("2385", 59, True), ("7B34", 41, False)]
    assert decision["absent"] == [] and not decision["restart_hosts"]
    assert any("different app hashes" in w and "59" in w and "41" in w for w in decision["why"])
    cited = [(e["host"], e["signature"]) for e in decision["evidence"]]
    assert ("val-b", "app_hash_divergence") in cited and ("val-a", "app_hash_divergence") in cited
    assert any(e["fields"].get("height") == 8647536 for e in decision["evidence"])


def test_even_split_names_no_canonical_state_and_offers_no_automatic_remedy():
    rows = [{"host": h, "power": 10, "vote": "present", "_own_app_hash": own, "_signatures": {}} for h, own in
            (("a", "AA"), ("b", "AA"), ("c", "BB"), ("d", "BB"))]
    split = app_hash_groups(rows, 40)
    assert split["canonical"] is None and split["diverged"] == []
    fleet = _load(CASE02, "fleet.json")
    lines = {"val-a": ['ERR prevote step: ProposalBlock is invalid err="wrong Block.Header.AppHash.  Expected AA, got BB" height=5'],
             "val-b": ['ERR prevote step: ProposalBlock is invalid err="wrong Block.Header.AppHash.  Expected BB, got AA" height=5']}
    hosts = dict((n, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan(lines.get(n, []))}) for n in ("val-a", "val-b"))
    consensus = {"validators": [{"host": "val-a", "voting_power": 50, "present": True}, {"host": "val-b", "voting_power": 50, "present": True}],
                 "absent": [], "absent_fraction": 0.0, "total_power": 100, "quorum_reachable": True}
    decision = decide(_readings(dict(fleet, chain={"summary": {"halted": True, "max_height": 4}, "nodes": []}), consensus), ["val-a", "val-b"], hosts)
    assert decision["scenario"] == "C" and decision["remedy"] is None and decision["canonical_app_hash"] is None
    assert any("cannot be told" in w for w in decision["why"])


def test_silent_validators_join_the_hash_the_diverged_one_saw_proposed():
    # One validator of four (40 of 100) diverged; only it logged the rejection so far (as on the local network).
    consensus = {"validators": [{"host": "v%d" % i, "voting_power": p, "present": True} for i, p in ((1, 40), (2, 30), (3, 20), (4, 10))],
                 "absent": [], "absent_fraction": 0.0, "total_power": 100, "quorum_reachable": True}
    lines = ['I[2026-11-30|02:30:00.000] prevote step: consensus deems this block invalid; prevoting nil module=consensus height=57 round=3 '
             'err="wrong Block.Header.AppHash.  Expected 6A1F, got 0C9E"']
    hosts = dict(("v%d" % i, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan(lines if i == 1 else [])}) for i in range(1, 5))
    readings = {"chain": {"summary": {"halted": True, "max_height": 56}, "nodes": []}, "consensus": consensus, "peers": {"summary": {"islands": []}}}
    decision = decide(readings, ["v1", "v2", "v3", "v4"], hosts)
    assert decision["scenario"] == "C" and decision["diverged_hosts"] == ["v1"] and decision["canonical_app_hash"] == "0C9E"
    assert decision["app_hashes"][0]["inferred"] == ["v2", "v3", "v4"]


def test_replay_crash_loop_is_c_for_those_nodes_never_a_restart():
    # 2 of 4 crash at start with the replay app-hash error (bnb-chain/node-binary#135 wording): absent, 50 % of the power.
    crash = ["ERROR: Error during handshake: Error on replay: Wrong Block.Header.AppHash.  Expected 877BD40C, got 588061D1"]
    consensus = {"validators": [{"host": "v%d" % i, "voting_power": 10, "present": i < 3} for i in range(1, 5)],
                 "absent": [{"name": "v3"}, {"name": "v4"}], "absent_fraction": 0.5, "total_power": 40, "quorum_reachable": False}
    hosts = dict(("v%d" % i, {"service": {"state": "RUNNING" if i < 3 else "BACKOFF"}, "reachable": True, "logs": scan(crash if i > 2 else [])})
                 for i in range(1, 5))
    readings = {"chain": {"summary": {"halted": True, "max_height": 99}, "nodes": []}, "consensus": consensus, "peers": {"summary": {"islands": []}}}
    decision = decide(readings, ["v1", "v2", "v3", "v4"], hosts)
    assert decision["scenario"] == "C" and decision["crash_looping"] == ["v3", "v4"]
    assert decision["remedy"] == "diverged_resync" and decision["diverged_hosts"] == ["v3", "v4"]
    # Without the replay error, the same absence is a restart (B).
    calm = copy.deepcopy(hosts)
    for name in ("v3", "v4"):
        calm[name]["logs"] = scan([])
    assert decide(readings, ["v1", "v2", "v3", "v4"], calm)["scenario"] == "B"


def test_binaries_compared_fleet_wide():
    fleet = _load(CASE02, "fleet.json")
    extra = dict((n, {"binary": {"sha256": ("19" if n in ("val-a", "val-c", "val-e", "val-f") else "18") * 32, "version": "v4.0.0"}})
                 for n in fleet["validators"])
    decision = decide(_readings(fleet, _case02_consensus(fleet)), fleet["validators"], _hosts(CASE02, fleet, extra))
    assert [b["hosts"] for b in decision["binaries"]] == [["val-a", "val-c", "val-e", "val-f"], ["val-b", "val-d", "val-g"]]
    assert any("different binaries" in w for w in decision["why"])


def test_bad_input_is_named():
    with pytest.raises(DecisionError, match="play001_scenario='X'"):
        decide({"chain": {"summary": {}}, "consensus": {}, "peers": {}}, [], {}, forced="X")
    with pytest.raises(DecisionError, match="readings has no 'chain'"):
        decide({}, [], {})


def test_live_chain_with_a_diverged_minority_is_c_for_it_alone():
    # One of four equal validators diverged and stopped in its CONSENSUS FAILURE (the local network's divergence test,
    # paloma#1106's wording); the other 30 of 40 go on, so the chain is not halted and the diverged one is absent.
    line = ('E[2026-11-30|02:50:00.000] CONSENSUS FAILURE!!! module=consensus err="+2/3 committed an invalid block: wrong '
            'Block.Header.AppHash.  Expected 9A1B, got 77C2" stack="goroutine 96 [running]:"')
    consensus = {"validators": [{"host": "v%d" % i, "voting_power": 10, "present": i < 4} for i in range(1, 5)],
                 "absent": [{"name": "v4"}], "absent_fraction": 0.25, "total_power": 40, "quorum_reachable": True}
    hosts = dict(("v%d" % i, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan([line] if i == 4 else [])}) for i in range(1, 5))
    readings = {"chain": {"summary": {"halted": False, "max_height": 120}, "nodes": []}, "consensus": consensus, "peers": {"summary": {"islands": []}}}
    decision = decide(readings, ["v1", "v2", "v3", "v4"], hosts)
    assert decision["scenario"] == "C" and decision["remedy"] == "diverged_resync" and decision["diverged_hosts"] == ["v4"]
    assert decision["canonical_app_hash"] == "77C2" and decision["app_hashes"][0]["hosts"] == ["v1", "v2", "v3"]
