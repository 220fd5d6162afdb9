# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Causes that change the remedy, on the handed cases and other shapes of their kinds (tests/unit/fixtures/cases,
sources in each CASE.md): full disks, out-of-memory kills and open-file limits on the absent validators (case
16-disk-full-halt), an unrecognised fatal error, our validators outside the active set (case
19-validator-jailed-out-of-set), and the 1/3 rule at its boundary."""

import copy
import json
import time
from pathlib import Path

from ansible_collections.virtengine.incident_response.plugins.module_utils._assess import _show_play001, assess
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import commits, halts_without, quorum
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_findings import address_hex
from ansible_collections.virtengine.incident_response.plugins.module_utils import _play001
from ansible_collections.virtengine.incident_response.plugins.modules import fleet_probe

CASES = Path(__file__).parent / "fixtures" / "cases"
GIB = 1 << 30


def _lines(case, name):
    return (CASES / case / name).read_text().splitlines()


# --------------------------------------------------------------------------- case 16: full disks on two of four

CASE16 = "16-disk-full-halt"
V16 = ["val-a", "val-b", "val-c", "val-d"]


def _case16_readings():
    """What fleet_probe reads of case 16 (fleet.json): halted at 3876210 in round 31, val-a/val-d prevote nil, val-b
    answers without votes, val-c's RPC is down; 4 x 25 power."""
    fleet = json.loads((CASES / CASE16 / "fleet.json").read_text())
    entries = []
    for name in V16:
        vote = fleet["validators"][name]["vote"][0]
        entries.append({"host": name, "name": name, "address": name.upper(), "voting_power": fleet["validators"][name]["power"],
                        "prevote": vote, "precommit": vote, "present": vote != "absent"})
    consensus = dict(quorum(entries), validators=entries, absent=[e for e in entries if not e["present"]],
                     height=fleet["chain"]["height"] + 1, round=fleet["chain"]["round"])
    nodes = [{"name": n, "reachable": fleet["validators"][n].get("rpc") != "down", "height": fleet["chain"]["height"] if n != "val-c" else None,
              "latest_block_hash": "AB" * 32 if n != "val-c" else None} for n in V16]
    return {"chain": {"summary": {"halted": True, "max_height": fleet["chain"]["height"], "method": "stale"}, "nodes": nodes},
            "consensus": consensus, "peers": {"summary": {"islands": []}}}, fleet


def _case16_hosts(fleet, resources=None, logs=None):
    hosts = {}
    for name in V16:
        state = fleet["validators"][name]
        service = {"state": state["service"], "sub_state": state.get("sub_state"), "manager": "systemd"}
        hosts[name] = {"service": service, "reachable": True, "logs": scan(logs[name] if logs and name in logs else _lines(CASE16, state["log"])),
                       "resources": (resources or {}).get(name) or {}}
    return hosts


def _decide16(resources=None, logs=None, **options):
    readings, fleet = _case16_readings()
    return _play001.decide(fleet_view(readings, _case16_hosts(fleet, resources, logs), V16), **options)


def test_case16_full_disks_veto_the_bare_coordinated_restart_and_say_free_the_disk_first():
    """Case 16-disk-full-halt: not C (no rollback or resync on a full disk), and no bare coordinated restart of val-b and
    val-c: the plan is vetoed on both with 'free or grow the disk' first."""
    decision = _decide16()
    assert decision["scenario"] == "B" and decision["scenario"] != "C" and decision["rollback_height"] is None
    assert decision["restart_hosts"] == ["val-b", "val-c"]
    assert decision["plans"] == [] and "coordinated_restart" not in decision["planned"], "no bare restart is offered"
    (veto,) = decision["vetoed"]
    assert veto["action"] == "coordinated_restart" and veto["cause"] == "disk_full" and veto["hosts"] == ["val-b", "val-c"]
    assert veto["whole_plan"] is True and veto["instead"].startswith("free or grow the disk")
    assert {e["host"] for e in veto["evidence"]} == {"val-b", "val-c"}
    assert any("no space left on device" in e["line"] for e in veto["evidence"])
    assert decision["blocked"].startswith("coordinated_restart is not offered") and "free or grow the disk" in decision["blocked"]
    shown = "\n".join(_show_play001(decision))
    assert "SCENARIO B -> coordinated_restart (VETOED: see below)" in shown
    assert "- coordinated_restart VETOED on val-b, val-c (disk_full, the whole plan)" in shown
    causes = dict((c["cause"], c) for c in decision["causes"])
    assert causes["disk_full"]["hosts"] == ["val-b", "val-c"] and causes["disk_full"]["resolved"] == {}
    # The restart loop of val-c is read from the journal: 3 restarts, shown where the table and checklist show numbers.
    rows = dict((r["host"], r) for r in decision["validators"])
    assert rows["val-c"]["restarts"] == 3 and rows["val-b"]["restarts"] is None
    assert "consensus_failure" not in causes, "val-b's CONSENSUS FAILURE is the full disk's (the WAL write), not divergence"


def test_case16_with_live_readings_shows_the_numbers_and_a_freed_disk_lets_the_restart_through():
    """Case 16-disk-full-halt read live: the veto shows the free space read; once the disks have room again, the logged
    full disk is a precondition met and the restart is the plan, its first line saying so with the numbers."""
    full = {"disk_free_bytes": 0, "disk_total_bytes": 500 * GIB, "disk_free_percent": 0.0, "home": "/home/virtengine/.virtengine"}
    decision = _decide16({"val-b": full, "val-c": full})
    (veto,) = decision["vetoed"]
    assert "0 B free of 500.0 GiB under /home/virtengine/.virtengine" in veto["evidence"][0]["numbers"]
    assert "0 B free of 500.0 GiB" in "\n".join(_show_play001(decision))
    freed = dict(full, disk_free_bytes=120 * GIB, disk_free_percent=24.0)
    decision = _decide16({"val-b": freed, "val-c": freed})
    assert decision["vetoed"] == [] and decision["blocked"] is None
    restart = decision["planned"]["coordinated_restart"]
    assert restart["hosts"] == ["val-b", "val-c"] and restart["together"] is True
    (condition,) = restart["preconditions"]
    assert condition["met"] is True and condition["hosts"] == ["val-b", "val-c"]
    assert restart["lines"][0].startswith("precondition met (val-b: 120.0 GiB free of 500.0 GiB")
    assert restart["lines"][1] == "restart val-b, val-c all at the same time (systemd)"
    assert decision["causes"][0]["resolved"]["val-b"]["disk_free_bytes"] == 120 * GIB


def test_a_full_disk_read_live_is_a_cause_without_any_log_line():
    calm = dict((name, []) for name in V16)
    quiet = _decide16(logs=calm)
    assert quiet["scenario"] == "B" and list(quiet["planned"]) == ["coordinated_restart"]
    decision = _decide16({"val-c": {"disk_free_bytes": 300 << 20, "disk_total_bytes": 100 * GIB, "home": "/srv/node"}}, logs=calm)
    (veto,) = decision["vetoed"]
    assert veto["hosts"] == ["val-c"] and veto["cause"] == "disk_full" and veto["whole_plan"] is True
    assert veto["evidence"][0]["line"].startswith("live reading: 300.0 MiB free of 100.0 GiB under /srv/node")


def test_an_oom_kill_restart_loop_in_systemd_journal_wording_vetoes_the_restart_with_the_memory_read():
    # systemd 252 and the kernel's cgroup OOM killer, as journalctl prints them for a unit with MemoryMax=8G.
    loop = []
    for count in (1, 2, 3, 4):
        loop += ["Oct 21 03:1%d:09 val-c kernel: Memory cgroup out of memory: Killed process 22%d0 (virtengined) total-vm:9123456kB, "
                 "anon-rss:8388000kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:17000kB oom_score_adj:0" % (count, count),
                 "Oct 21 03:1%d:09 val-c systemd[1]: virtengine.service: A process of this unit has been killed by the OOM killer." % count,
                 "Oct 21 03:1%d:09 val-c systemd[1]: virtengine.service: Main process exited, code=killed, status=9/KILL" % count,
                 "Oct 21 03:1%d:09 val-c systemd[1]: virtengine.service: Failed with result 'oom-kill'." % count,
                 "Oct 21 03:1%d:19 val-c systemd[1]: virtengine.service: Scheduled restart job, restart counter is at %d." % (count, count)]
    logs = {"val-a": [], "val-b": [], "val-d": [], "val-c": loop}
    memory = {"mem_total_bytes": 16 * GIB, "mem_available_bytes": 7 * GIB, "memory_max_bytes": 8 * GIB, "memory_current_bytes": 60 << 20,
              "restarts": 4}
    decision = _decide16({"val-c": memory}, logs=logs)
    (veto,) = decision["vetoed"]
    assert veto["cause"] == "out_of_memory" and veto["hosts"] == ["val-c"] and veto["whole_plan"] is True
    assert veto["instead"].startswith("raise the memory limit")
    assert veto["evidence"][0]["numbers"] == "unit memory 60.0 MiB of MemoryMax 8.0 GiB; 7.0 GiB available of 16.0 GiB; 4 restarts"
    assert "a restart alone loops" in veto["because"] and decision["plans"] == []
    # Without a live reading the journal's restart counter still gives the number.
    decision = _decide16(logs=logs)
    assert decision["vetoed"][0]["evidence"][0]["numbers"] == "4 restarts"


def test_go_runtime_out_of_memory_and_too_many_open_files_veto_their_host():
    logs = {"val-a": [], "val-d": [],
            "val-b": ["runtime: out of memory: cannot allocate 4194304-byte block (3908698112 in use)", "fatal error: out of memory"],
            "val-c": ['3:00PM ERR Failed to accept connection err="accept tcp [::]:26656: accept4: too many open files" module=p2p']}
    decision = _decide16({"val-c": {"limit_nofile": 1024, "open_files": 1021}}, logs=logs)
    vetoes = dict((v["cause"], v) for v in decision["vetoed"])
    assert vetoes["out_of_memory"]["hosts"] == ["val-b"] and vetoes["too_many_open_files"]["hosts"] == ["val-c"]
    assert vetoes["too_many_open_files"]["evidence"][0]["numbers"] == "LimitNOFILE 1024, 1021 open"
    assert vetoes["too_many_open_files"]["instead"].startswith("raise LimitNOFILE")
    assert "panic" not in [c["cause"] for c in decision["causes"]], "the Go OOM throw is out_of_memory, not an unexplained panic"


def test_an_unrecognised_fatal_error_vetoes_automated_remedies_on_its_host_and_says_so():
    logs = {"val-a": [], "val-d": [], "val-b": [],
            "val-c": ["panic: runtime error: invalid memory address or nil pointer dereference", "[signal SIGSEGV: segmentation violation]",
                      "goroutine 1 [running]:"]}
    decision = _decide16(logs=logs)
    (veto,) = decision["vetoed"]
    assert veto["cause"] == "panic" and veto["hosts"] == ["val-c"]
    assert "unrecognised fatal error" in veto["because"] and "by hand" in veto["instead"]
    assert any(e["signature"] == "panic" and e["host"] == "val-c" for e in decision["evidence"])


def test_consensus_failure_with_no_other_cause_stays_scenario_c():
    logs = {"val-a": [], "val-d": [], "val-c": [],
            "val-b": ['3:14AM ERR CONSENSUS FAILURE!!! err="runtime error: index out of range [3] with length 3" module=consensus',
                      '3:14AM INF committed state height=3876210 module=state']}
    decision = _decide16(logs=logs)
    assert decision["scenario"] == "C" and decision["vetoed"] == []
    assert [c["cause"] for c in decision["causes"]] == ["consensus_failure"]


# --------------------------------------------------------------------------- case 19: jailed, outside the set

CASE19 = "19-validator-jailed-out-of-set"
ADDRESSES = {"val-a": "4A1C3B2D5E6F708192A3B4C5D6E7F80912345678", "val-b": "5B2D4C3E6F708192A3B4C5D6E7F8091234567890",
             "val-c": "13EF3CB6F9DEE7DDAC16922CC5069B95FAC494CF", "val-d": "6C3E5D4F708192A3B4C5D6E7F809123456789ABC"}


def _status(name, power, height, block_time):
    return {"jsonrpc": "2.0", "id": -1, "result": {
        "node_info": {"protocol_version": {"p2p": "8", "block": "11", "app": "0"}, "id": ("%02x" % len(name)) * 20, "listen_addr": "tcp://0.0.0.0:26656",
                      "network": "virtengine-2", "version": "0.38.17", "channels": "40202122233038606100", "moniker": name,
                      "other": {"tx_index": "on", "rpc_address": "tcp://0.0.0.0:26657"}},
        "sync_info": {"latest_block_hash": "CD" * 32, "latest_app_hash": "EF" * 32, "latest_block_height": str(height),
                      "latest_block_time": block_time, "earliest_block_height": "1", "catching_up": False},
        "validator_info": {"address": ADDRESSES[name], "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "AAAA"}, "voting_power": str(power)}}}


def _answer(body):
    return lambda query: (200, json.dumps(body), "application/json")


def _case19_nodes(serve, powers):
    """Fake v0.38 RPC servers for case 19: /validators lists the validators with power, val-c's /status says 0."""
    fleet = json.loads((CASES / CASE19 / "fleet.json").read_text())
    height = fleet["chain"]["tip_height"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    in_set = [n for n in sorted(ADDRESSES) if powers.get(n)]
    validators = {"jsonrpc": "2.0", "id": -1, "result": {"block_height": str(height + 1), "count": str(len(in_set)), "total": str(len(in_set)),
                                                         "validators": [{"address": ADDRESSES[n], "voting_power": str(powers[n]), "proposer_priority": "0",
                                                                         "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "AAAA"}}
                                                                        for n in in_set]}}
    prevotes = ["Vote{%d:%s %d/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) %s %s @ %s}" % (i, ADDRESSES[n][:12], height + 1, "CD" * 6, "00" * 6, now)
                for i, n in enumerate(in_set)]
    round_state = {"jsonrpc": "2.0", "id": -1, "result": {"round_state": {
        "height/round/step": "%d/0/4" % (height + 1), "start_time": now, "proposal_block_hash": "", "locked_block_hash": "", "valid_block_hash": "",
        "height_vote_set": [{"round": 0, "prevotes": prevotes, "prevotes_bit_array": "", "precommits": ["nil-Vote"] * len(in_set),
                             "precommits_bit_array": ""}],
        "proposer": {"address": ADDRESSES[in_set[0]], "index": 0}}}}
    net_info = {"jsonrpc": "2.0", "id": -1, "result": {"listening": True, "listeners": [], "n_peers": "0", "peers": []}}
    endpoints = []
    for name in sorted(ADDRESSES):
        answers = {"status": _status(name, powers.get(name, 0), height, now), "validators": validators, "consensus_state": round_state,
                   "net_info": net_info}
        node = serve("healthy", name, dict((method, _answer(body)) for method, body in answers.items()))
        endpoints.append({"name": name, "url": node.url, "node_id": None, "validator_address": None})
    return endpoints, fleet


def _case19_probe(serve, run_module, powers):
    endpoints, fleet = _case19_nodes(serve, powers)
    probe = run_module(fleet_probe, {"endpoints": endpoints, "retries": 0, "halt_window": 0, "max_block_age": 600, "settle_time": 0,
                                     "min_peers": 0})
    assert probe["_rc"] == 0, probe
    return {"chain": probe["chain"], "consensus": probe["consensus"], "peers": probe["peers"]}, fleet


def _case19_hostvars(fleet, val_a_log):
    host_vars = {}
    for name in sorted(ADDRESSES):
        host_vars[name] = {"group_names": ["chain_nodes", "validators"], "node_service_status": {"state": "ACTIVE", "running": True},
                           "node_logs_findings": scan(val_a_log if name == "val-a" else [])}
    host_vars["val-c"]["node_validator_address"] = fleet["inventory_validators_not_in_set"]["val-c"]["node_validator_address"]
    return host_vars


def test_case19_diagnosis_names_our_jailed_validator_outside_the_set(serve, run_module):
    """Case 19-validator-jailed-out-of-set (19a): the chain is live with val-a/b/d; val-c is in the inventory, synced, its
    /status power 0 and not in /validators: the diagnosis says so and what to do, never 'healthy'."""
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-d": 25})
    assert readings["chain"]["summary"]["halted"] is False and readings["consensus"]["absent"] == []
    decision, lines, _columns = assess("diagnose", readings, _case19_hostvars(fleet, _lines(CASE19, "val-a.journal.log")))
    assert decision["verdict"] == "degraded"
    (outside,) = decision["outside_set"]
    assert outside["host"] == "val-c" and outside["address"] == "13EF3CB6F9DEE7DDAC16922CC5069B95FAC494CF"
    assert outside["status_voting_power"] == 0 and outside["tombstoned"] == []
    finding = next(f for f in decision["findings"] if f.startswith("val-c"))
    assert "OUTSIDE the validator set" in finding and "voting power 0" in finding and "jailed or unbonded" in finding
    assert "tx slashing unjail" in finding and "a restart does not unjail it" in finding
    assert not any("every validator votes" in f for f in decision["findings"])
    assert [c["cause"] for c in decision["causes"]] == ["validator_out_of_set"]
    # The case's jailing line names a synthesized address that is no valid bech32: shown beside, not matched to val-c.
    assert any("slashing lines in the logs for addresses not matched" in f and "virtenginevalcons162dd65f99d3c51026cfd91f31b89b79b52c439" in f
               and "jailed at height 2283450 until 2026-01-08T02:21:46Z (log of val-a)" in f for f in decision["findings"])
    assert any("OUTSIDE the validator set" in line for line in lines)


def test_case19_the_jailing_line_is_recognised_with_the_validator_it_names():
    """Case 19-validator-jailed-out-of-set (19b): the x/slashing liveness line is a signature naming the validator."""
    found = scan(_lines(CASE19, "val-a.journal.log"))["signatures"]
    jailed = found["validator_jailed"]
    assert jailed["count"] == 1 and jailed["fields"]["validator"] == "virtenginevalcons162dd65f99d3c51026cfd91f31b89b79b52c439"
    assert jailed["fields"]["jailed_until"] == "2026-01-08T02:21:46Z" and jailed["fields"]["height"] == 2283450


def test_a_jailing_line_of_another_sdk_version_naming_our_address_says_jailed_at_which_height(serve, run_module):
    # x/slashing v0.38-v0.42 wording with the address in bech32 (checksum valid): matched to val-c.
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-d": 25})
    line = ("I[2021-02-11|08:00:00.000] Validator virtenginevalcons1z0hnedhemmnamtqkjgkv2p5mjhavf9x0wnjamr past min height of 120000 and "
            "below signed blocks threshold of 5000 module=x/slashing height=2283450")
    decision, _lines_shown, _columns = assess("diagnose", readings, _case19_hostvars(fleet, [line]))
    (outside,) = decision["outside_set"]
    assert [j["height"] for j in outside["jailed"]] == [2283450]
    assert any("jailed at height 2283450 (log of val-a)" in f for f in decision["findings"])


def test_a_tombstoned_validator_is_never_to_be_unjailed_and_vetoes_every_automated_remedy(serve, run_module):
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-d": 25})
    line = ("3:04PM INF confirmed equivocation infraction_height=2283400 infraction_time=2026-01-08T02:00:00Z module=x/evidence "
            "validator=virtenginevalcons1z0hnedhemmnamtqkjgkv2p5mjhavf9x0wnjamr")
    decision, _shown, _columns = assess("diagnose", readings, _case19_hostvars(fleet, [line]))
    finding = next(f for f in decision["findings"] if f.startswith("val-c"))
    assert "TOMBSTONED" in finding and "never unjail" in finding and "new key" in finding
    assert [c["cause"] for c in decision["causes"]] == ["validator_tombstoned"]
    # PLAY-001 on the same fleet: identified there too, and no automated remedy may touch it.
    view = fleet_view(readings, dict((n, {"service": {"state": "ACTIVE"}, "reachable": True,
                                          "logs": scan([line] if n == "val-a" else []), "validator_address": None}) for n in ADDRESSES),
                      sorted(ADDRESSES))
    play = _play001.decide(view)
    assert play["scenario"] == "none" and [v["host"] for v in play["outside_set"]] == ["val-c"]
    assert any("TOMBSTONED" in w for w in play["why"])


def test_an_unbonded_validator_whose_rpc_is_down_is_named_when_its_inventory_address_is_not_in_the_set(serve, run_module):
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-d": 25})
    readings = copy.deepcopy(readings)
    node = next(n for n in readings["chain"]["nodes"] if n["name"] == "val-c")
    node.update(reachable=False, validator_address=None, voting_power=None, error="connection refused")
    decision, _shown, _columns = assess("diagnose", readings, _case19_hostvars(fleet, []))
    (outside,) = decision["outside_set"]
    assert outside["rpc"] == "DOWN" and outside["status_voting_power"] is None
    assert any("its RPC does not answer" in f for f in decision["findings"])


def test_a_full_node_with_power_0_is_no_finding_and_the_healthy_case_stays_healthy(serve, run_module):
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-c": 10, "val-d": 25})
    host_vars = _case19_hostvars(fleet, [])
    decision, _shown, _columns = assess("diagnose", readings, host_vars)
    assert decision["verdict"] == "healthy" and decision["outside_set"] == [] and decision["causes"] == []
    # val-c out of the set but not an inventory validator (a full node: no group, no address): not ours to report.
    readings, fleet = _case19_probe(serve, run_module, {"val-a": 40, "val-b": 35, "val-d": 25})
    host_vars = _case19_hostvars(fleet, [])
    host_vars["val-c"] = {"group_names": ["chain_nodes", "full_nodes"], "node_service_status": {"state": "ACTIVE", "running": True}}
    decision, _shown, _columns = assess("diagnose", readings, host_vars)
    assert decision["verdict"] == "healthy" and decision["outside_set"] == []


def test_a_validator_outside_the_set_is_left_out_of_the_coordinated_restart():
    readings, fleet = _case16_readings()
    hosts = _case16_hosts(fleet, logs=dict((n, []) for n in V16))
    readings["consensus"]["validators"] = [e for e in readings["consensus"]["validators"] if e["host"] != "val-c"]
    readings["consensus"]["absent"] = [e for e in readings["consensus"]["absent"] if e["host"] != "val-c"]
    # val-c is down (RPC and process) and jailed: its inventory address is not in /validators.
    hosts["val-c"]["validator_address"] = "0C" * 20
    decision = _play001.decide(fleet_view(readings, hosts, V16))
    assert [v["host"] for v in decision["outside_set"]] == ["val-c"]
    assert "val-c" not in decision["restart_hosts"] and decision["planned"]["coordinated_restart"]["hosts"] == ["val-b"]


def test_bech32_consensus_addresses_decode_to_the_hex_cometbft_shows():
    assert address_hex("virtenginevalcons1z0hnedhemmnamtqkjgkv2p5mjhavf9x0wnjamr") == "13EF3CB6F9DEE7DDAC16922CC5069B95FAC494CF"
    assert address_hex("cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnj3kn3t") == "000102030405060708090A0B0C0D0E0F10111213"
    assert address_hex("13ef3cb6f9dee7ddac16922cc5069b95fac494cf") == "13EF3CB6F9DEE7DDAC16922CC5069B95FAC494CF"
    assert address_hex("cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnj3kn3q") is None, "a damaged checksum"
    assert address_hex("virtenginevalcons162dd65f99d3c51026cfd91f31b89b79b52c439") is None, "b is no bech32 character"
    assert address_hex(None) is None and address_hex("val-c") is None


# --------------------------------------------------------------------------- the 1/3 rule

def test_exactly_one_third_absent_halts_and_the_explanation_agrees_with_the_decision():
    # 3 validators of equal power, one absent: 2/3 present is not MORE than 2/3, so no block commits (CometBFT +2/3).
    assert commits(2, 3) is False and halts_without(1, 3) is True and commits(3, 4) is True and halts_without(1, 4) is False
    assert commits(0, 0) is False and halts_without(0, 0) is True
    entries = [{"host": "v%d" % i, "name": "v%d" % i, "voting_power": 10, "present": i != 3, "prevote": "nil", "precommit": "nil"}
               for i in (1, 2, 3)]
    consensus = dict(quorum(entries), validators=entries, absent=[e for e in entries if not e["present"]])
    assert consensus["absent_fraction"] == 0.3333 and consensus["quorum_reachable"] is False
    readings = {"chain": {"summary": {"halted": True, "max_height": 50}, "nodes": []}, "consensus": consensus, "peers": {"summary": {"islands": []}}}
    hosts = dict(("v%d" % i, {"service": {"state": "RUNNING"}, "reachable": True, "logs": scan([])}) for i in (1, 2, 3))
    decision = _play001.decide(fleet_view(readings, hosts, ["v1", "v2", "v3"]))
    assert decision["scenario"] == "B"
    assert any("33.3% of the voting power (>= 1/3): no block can commit" in w for w in decision["why"])
    # One power unit less absent: below 1/3, the others commit, and the text says so.
    entries[2]["voting_power"] = 9
    consensus = dict(quorum(entries), validators=entries, absent=[entries[2]])
    decision = _play001.decide(fleet_view(dict(readings, consensus=consensus), hosts, ["v1", "v2", "v3"]))
    assert consensus["quorum_reachable"] is True and any("(< 1/3)" in w for w in decision["why"])


def test_a_plan_that_acts_host_by_host_loses_only_the_vetoed_host_and_says_so_in_its_lines():
    # Case 01's planned upgrade (tests/unit/fixtures/cases/01-upgrade-height-halt) with val-b's disk found full live: the
    # upgrade switch goes on for the others; the gate's lines name val-b, why and what to do.
    case = "01-upgrade-height-halt"
    fleet = json.loads((CASES / case / "fleet.json").read_text())
    hosts = {}
    for name, state in fleet["hosts"].items():
        hosts[name] = {"service": state["service"], "reachable": state["reachable"], "logs": scan(_lines(case, state["log"]))}
    hosts["val-b"]["resources"] = {"disk_free_bytes": 12 << 20, "disk_total_bytes": 200 * GIB, "home": "/srv/terra"}
    readings = {"chain": fleet["chain"], "consensus": fleet["consensus"], "peers": fleet["peers"]}
    decision = _play001.decide(fleet_view(readings, hosts, fleet["validators"]))
    assert decision["scenario"] == "U" and decision["blocked"] is None
    switch = decision["planned"]["upgrade_switch"]
    assert switch["hosts"] == ["val-a", "val-c", "val-d"]
    (veto,) = decision["vetoed"]
    assert veto["hosts"] == ["val-b"] and veto["whole_plan"] is False
    assert switch["lines"][-1].startswith("left out: upgrade_switch VETOED on val-b (disk_full): ")
    assert "12.0 MiB free of 200.0 GiB under /srv/terra" in switch["lines"][-1]
