# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approvals bind the values that run (issue 24, item 2).

For each of the six actions whose approval used to cover only the action and its hosts - upgrade_switch, state_sync,
snapshot_restore, model_replace, provider_binary_rollback, diverged_resync - the plan the decision builds now carries
every value the action uses; an approval ``action@fingerprint`` of one plan is refused, naming the change, when one of
those values differs at the run that would act. The acting roles take the values from the approved plan
(``gate_approved.parameters``); the last test reads them to check that no caller variable reaches the action.
"""

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.virtengine.incident_response.plugins.module_utils import _play001, _provider_fleet
from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import apply, cause, plan
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import gate_verdict, host_parameters, plan_fingerprint
from ansible_collections.virtengine.incident_response.plugins.module_utils._resync import ResyncError, resync_parameters
from ansible_collections.virtengine.incident_response.tests.unit.test_play001_cases import CASE01, CASE02, _case02_consensus, _hosts, _load, _readings
from ansible_collections.virtengine.incident_response.tests.unit.test_provider_logic import NEW, NOW, provider

ROOT = Path(__file__).resolve().parents[2]
SHA_A, SHA_B = "ab" * 32, "cd" * 32
TRUST = {"height": 1841, "hash": "7B34" + "0" * 60, "rpc_servers": ["http://10.0.0.1:26657", "http://10.0.0.2:26657"], "period": "168h0m0s"}


def refused_naming(action, hosts, approved, current):
    """The gate's verdict on ``current`` parameters when ``action@fingerprint`` approved ``approved`` (and the approved
    plan is passed on as ir_plans, as AWX does): refused, with the changes it names."""
    fingerprint = plan_fingerprint(action, hosts, approved)
    verdict = gate_verdict("%s@%s" % (action, fingerprint), action, hosts, current,
                           {action: {"hosts": hosts, "parameters": approved, "fingerprint": fingerprint}})
    assert not verdict["confirmed"] and verdict["refusals"], verdict
    same = gate_verdict("%s@%s" % (action, fingerprint), action, hosts, approved)
    assert same["confirmed"], "the unchanged plan is the approved one"
    return verdict["changes"]


# --------------------------------------------------------------------------- PLAY-001 U: upgrade_switch

def _upgrade(**options):
    fleet = _load(CASE01, "fleet.json")
    ready = {"sha256": SHA_A, "present": True, "name": "v2.12", "path": "/home/node/.node/cosmovisor/upgrades/v2.12/bin/terrad"}
    extra = dict((n, {"upgrade_binary": ready, "binary": {"path": "/usr/local/bin/terrad", "sha256": "ee" * 32}}) for n in fleet["validators"])
    decision = _play001.decide(fleet_view(_readings(fleet), _hosts(CASE01, fleet, extra), fleet["validators"]), **options)
    assert decision["scenario"] == "U"
    return decision["planned"]["upgrade_switch"]


def test_upgrade_switch_binds_the_binary_source_and_its_sha256():
    installed = _upgrade(upgrade_binary_source="https://releases.example/terrad-v2.12", upgrade_sha256=SHA_A.upper())
    assert installed["parameters"] == {"upgrade": "v2.12", "mode": "cosmovisor", "source": "https://releases.example/terrad-v2.12",
                                       "sha256": SHA_A}
    other = _upgrade(upgrade_binary_source="https://releases.example/terrad-v2.12", upgrade_sha256=SHA_B)
    assert refused_naming("upgrade_switch", installed["hosts"], installed["parameters"], other["parameters"]) == [
        'parameter sha256: "%s" -> "%s"' % (SHA_A, SHA_B)]
    moved = _upgrade(upgrade_binary_source="/srv/terrad", upgrade_sha256=SHA_A)
    assert refused_naming("upgrade_switch", installed["hosts"], installed["parameters"], moved["parameters"]) == [
        'parameter source: "https://releases.example/terrad-v2.12" -> "/srv/terrad"']


def test_upgrade_switch_without_a_source_binds_each_binary_in_place_and_replacing_binds_the_path():
    in_place = _upgrade()
    assert in_place["parameters"]["source"] is None and "sha256" not in in_place["parameters"]
    assert set(host_parameters(in_place["parameters"], h)["sha256"] for h in in_place["hosts"]) == {SHA_A}
    replaced = _upgrade(upgrade_switch_mode="replace", upgrade_binary_source="/srv/terrad", upgrade_sha256=SHA_A)
    assert host_parameters(replaced["parameters"], "val-a") == {"upgrade": "v2.12", "mode": "replace", "source": "/srv/terrad",
                                                                "sha256": SHA_A, "path": "/usr/local/bin/terrad"}
    assert 'parameter mode: "cosmovisor" -> "replace"' in refused_naming(
        "upgrade_switch", in_place["hosts"], _upgrade(upgrade_binary_source="/srv/terrad", upgrade_sha256=SHA_A)["parameters"],
        replaced["parameters"])


@pytest.mark.parametrize("options, message", [
    ({"upgrade_binary_source": "/srv/terrad"}, "needs play001_upgrade_binary_sha256"),
    ({"upgrade_binary_source": "/srv/terrad", "upgrade_sha256": "abc"}, "play001_upgrade_binary_sha256='abc'"),
    ({"upgrade_binary_source": "srv/terrad", "upgrade_sha256": SHA_A}, "absolute path on the node or an http"),
    ({"upgrade_switch_mode": "swap"}, "play001_upgrade_switch_mode='swap'"),
])
def test_an_upgrade_plan_that_cannot_be_checked_is_refused_at_the_decision(options, message):
    with pytest.raises(_play001.DecisionError, match=re.escape(message)):
        _upgrade(**options)


# --------------------------------------------------------------------------- PLAY-001 C: diverged_resync

def _diverged(**options):
    fleet = _load(CASE02, "fleet.json")
    decision = _play001.decide(fleet_view(_readings(fleet, _case02_consensus(fleet)), _hosts(CASE02, fleet), fleet["validators"]), **options)
    return decision["planned"]["diverged_resync"]


def test_diverged_resync_binds_the_method():
    blocksync = _diverged()
    assert blocksync["hosts"] == ["val-b", "val-d", "val-g"] and blocksync["parameters"] == {"method": "blocksync"}
    assert refused_naming("diverged_resync", blocksync["hosts"], blocksync["parameters"], _diverged(resync_method="restart")["parameters"]) == [
        'parameter method: "blocksync" -> "restart"']
    with pytest.raises(_play001.DecisionError, match="play001_resync_method=snapshot: snapshot_restore needs the archive"):
        _diverged(resync_method="snapshot")


# --------------------------------------------------------------------------- PLAY-021: state_sync, snapshot_restore

def test_state_sync_binds_the_trust_height_hash_and_rpc_servers():
    approved = resync_parameters("statesync", TRUST)
    assert approved == {"method": "statesync", "trust_height": 1841, "trust_hash": TRUST["hash"], "rpc_servers": TRUST["rpc_servers"],
                        "trust_period": "168h0m0s"}
    later = resync_parameters("statesync", dict(TRUST, height=1842, hash="8C" + "1" * 62))
    assert refused_naming("state_sync", ["fullnode1"], approved, later) == [
        "parameter trust_hash: \"%s\" -> \"%s\"" % (TRUST["hash"], "8C" + "1" * 62), "parameter trust_height: 1841 -> 1842"]
    elsewhere = resync_parameters("statesync", dict(TRUST, rpc_servers=["http://evil:26657"] * 2))
    assert refused_naming("state_sync", ["fullnode1"], approved, elsewhere) == [
        'parameter rpc_servers: ["http://10.0.0.1:26657","http://10.0.0.2:26657"] -> ["http://evil:26657","http://evil:26657"]']


def test_snapshot_restore_binds_the_archive_and_its_sha256():
    approved = resync_parameters("snapshot", snapshot_url="https://snapshots.example/latest.tar.lz4", snapshot_sha256=SHA_A.upper())
    assert approved == {"method": "snapshot", "snapshot_url": "https://snapshots.example/latest.tar.lz4", "snapshot_sha256": SHA_A}
    other = resync_parameters("snapshot", snapshot_url="https://snapshots.example/latest.tar.lz4", snapshot_sha256=SHA_B)
    assert refused_naming("snapshot_restore", ["fullnode1"], approved, other) == ['parameter snapshot_sha256: "%s" -> "%s"' % (SHA_A, SHA_B)]


@pytest.mark.parametrize("method, values, message", [
    ("statesync", {}, "state sync needs a trust height"),
    ("statesync", {"trust": dict(TRUST, rpc_servers=["http://one:26657"])}, "two RPC servers"),
    ("statesync", {"trust": dict(TRUST, hash="zz")}, "64-hex block hash"),
    ("statesync", {"trust": dict(TRUST, period="a week")}, "trust period 'a week'"),
    ("snapshot", {"snapshot_sha256": SHA_A}, "needs the archive's URL"),
    ("snapshot", {"snapshot_url": "/srv/s.tar", "snapshot_sha256": "0"}, "published SHA-256 (64 hex digits), got '0'"),
    ("resync", {}, "resync method 'resync'"),
])
def test_a_resync_plan_without_its_values_is_refused_naming_them(method, values, message):
    with pytest.raises(ResyncError, match=re.escape(message)):
        resync_parameters(method, **values)


def test_peer_reset_binds_each_host_corrected_persistent_peers():
    bound = resync_parameters("peers", persistent_peers={"fullnode1": "id@10.0.0.1:26656", "validator2": ""})
    assert bound == {"method": "peers", "by_host": {"fullnode1": {"persistent_peers": "id@10.0.0.1:26656"}}}
    assert host_parameters(bound, "validator2") == {"method": "peers"}


# --------------------------------------------------------------------------- PLAY-010: model_replace

def test_model_replace_gate_binds_the_archive_sha256_and_expected_hash():
    decide = yaml.safe_load((ROOT / "roles" / "identity_scoring" / "tasks" / "decide.yml").read_text())
    gate = next(t for t in decide if (t.get("vars") or {}).get("gate_action") == "model_replace")
    assert sorted(gate["vars"]["gate_parameters"]) == ["archive_sha256", "archive_subdir", "archive_url", "expected_hash", "recipe", "restart_node"]
    approved = {"archive_url": "file:///srv/trust_score.tar.gz", "archive_sha256": SHA_A, "archive_subdir": "", "expected_hash": "11" * 32,
                "recipe": "content", "restart_node": False}
    assert refused_naming("model_replace", ["validator3"], approved, dict(approved, expected_hash="22" * 32)) == [
        'parameter expected_hash: "%s" -> "%s"' % ("11" * 32, "22" * 32)]


# --------------------------------------------------------------------------- PLAY-012: provider_binary_rollback

def test_provider_binary_rollback_binds_each_previous_binary_sha256():
    fleet = [provider("p%d" % i, False, sha=NEW, binary_age=300) for i in (1, 2)] + [provider("p3", True)]
    fleet[0]["binary"]["path"] = fleet[1]["binary"]["path"] = "/usr/local/bin/provider-daemon"
    approved = _provider_fleet.decide(fleet, {"height": 10}, NOW)
    assert approved["rollback_hosts"] == ["p1", "p2"]
    assert host_parameters(approved["rollback_parameters"], "p1") == {
        "binary": "/usr/local/bin/provider-daemon", "previous_binary": "/usr/local/bin/provider-daemon.bak", "previous_sha256": "a" * 64}
    fleet[1]["previous_binary"]["sha256"] = "f" * 64  # another build put in place of p2's kept binary after the approval
    later = _provider_fleet.decide(fleet, {"height": 10}, NOW)
    assert refused_naming("provider_binary_rollback", ["p1", "p2"], approved["rollback_parameters"], later["rollback_parameters"]) == [
        'parameter by_host.p2.previous_sha256: "%s" -> "%s"' % ("a" * 64, "f" * 64)]


def test_a_vetoed_host_leaves_the_plan_with_its_bound_values():
    proposed = plan("upgrade_switch", ["v1", "v2"], {"upgrade": "x", "by_host": {"v1": {"sha256": SHA_A}, "v2": {"sha256": SHA_B}}})
    kept = apply([proposed], [cause("disk_full", ["v2"])])["plans"][0]
    assert kept["hosts"] == ["v1"] and kept["parameters"] == {"upgrade": "x", "by_host": {"v1": {"sha256": SHA_A}}}


# --------------------------------------------------------------------------- the acting tasks read the approved plan

# The caller variables that used to reach each action; the acting task files must not read them any more.
ACTING = {
    ("node_binary", "switch.yml"): ("node_binary_upgrade_source", "node_binary_upgrade_sha256", "{{ play001_"),
    ("node_resync", "main.yml"): ("node_resync_method", "node_resync_trust_h", "node_resync_rpc_servers", "node_resync_snapshot_",
                                  "node_resync_persistent_peers", "play021_", "play001_"),
    ("identity_scoring", "remediate_model_replace.yml"): ("play010_model_sha256", "play010_replace_hash", "play010_model_archive",
                                                          "play010_hash_recipe", "play010_restart_node"),
    ("provider", "remediate_binary_rollback.yml"): ("provider_expected_previous_sha256", "provider_targets"),
}


@pytest.mark.parametrize("role, tasks", sorted(ACTING))
def test_the_acting_tasks_take_their_values_from_the_approved_plan(role, tasks):
    text = (ROOT / "roles" / role / "tasks" / tasks).read_text()
    assert "gate_approved.parameters" in text, "%s %s must take its values from the approved plan" % (role, tasks)
    assert [name for name in ACTING[(role, tasks)] if name in text] == []
