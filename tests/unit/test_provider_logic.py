# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider layer's pure logic: the log-pattern catalogue, the daemon config check, PLAY-011's and PLAY-012's
decisions. Fixtures: tests/unit/fixtures/provider (see its README for where their shapes come from)."""

import copy
import json
import socket
import threading
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.provider import play011_decision, provider_targets
from ansible_collections.virtengine.incident_response.plugins.module_utils import _market, _provider_fleet, _provider_logs, _provider_probe

FIXTURES = Path(__file__).parent / "fixtures" / "provider"
LOG = (FIXTURES / "daemon.log").read_text()
MARKET = json.loads((FIXTURES / "market.json").read_text())


# --------------------------------------------------------------------------- log patterns

def test_scan_counts_each_pattern_with_the_newest_example():
    found = _provider_logs.scan(LOG)
    assert found["bid_failed"]["count"] == 2 and "orders/42" not in found["bid_failed"]["newest"]
    assert found["bid_failed"]["newest"].startswith("[BID] Failed to bid on order virtengine1owner/42/1/1")
    assert found["event_subscriber_failed"]["count"] == 1
    # A failed bid caused by TLS counts as both; the heartbeat's stdlib line as TLS and as a stdlib error.
    assert found["tls_handshake"]["count"] == 2 and found["tls_handshake"]["newest"].startswith("2026/11/30 01:10:02 heartbeat")
    assert found["stdlib_error"]["count"] == 1
    assert found["rate_limited"]["count"] == 1 and found["portal_stopped"]["count"] == 1
    assert "[BID] Submitted" not in json.dumps(found)


def test_scan_of_a_quiet_log_finds_nothing_and_cuts_long_examples():
    assert _provider_logs.scan("Starting VirtEngine Provider Daemon...\n[BID] Submitted bid for order o/1/1/1: p/1\n") == {}
    assert len(_provider_logs.scan(["[BID] Failed to bid on order " + "x" * 500], max_example=40)["bid_failed"]["newest"]) == 40


def test_a_pattern_on_most_providers_is_the_common_cause_and_unread_logs_do_not_count():
    failing = _provider_logs.scan("[BID] Failed to bid on order o/1/1/1: boom\n")
    quiet = {}
    causes = _provider_logs.common_causes({"p1": failing, "p2": failing, "p3": quiet, "p4": None})
    assert [(c["pattern"], c["providers"], c["share"]) for c in causes] == [("bid_failed", ["p1", "p2"], 0.667)]
    assert _provider_logs.common_causes({"p1": failing, "p2": quiet}) == []
    assert _provider_logs.common_causes({"p1": None}) == []
    with pytest.raises(_provider_logs.LogPatternError, match="share=1"):
        _provider_logs.common_causes({"p1": failing}, share=1)
    with pytest.raises(_provider_logs.LogPatternError, match="must map"):
        _provider_logs.common_causes(["p1"])


# --------------------------------------------------------------------------- daemon config and probes

def test_config_reports_flat_keys_with_defaults_and_ignored_nested_blocks_without_secrets():
    result = _provider_probe.config_findings({"node": "tcp://10.0.3.11:26657", "bid-rate-limit-minute": 5, "vault-token": "s3cret",
                                              "bidding": {"enabled": True}, "logging": {"format": "json"}, "hpc": {"enabled": True}})
    assert result["effective"]["node"] == "tcp://10.0.3.11:26657" and result["effective"]["bid-rate-limit-minute"] == 5
    assert result["effective"]["waldur-chain-grpc"] == "localhost:9090" and result["effective"]["listen"] == ":8080"
    assert result["ignored"] == ["bidding", "logging"]
    assert any("nested block 'bidding' is ignored" in f for f in result["findings"])
    assert any("waldur-chain-grpc is not set" in f for f in result["findings"])
    assert "s3cret" not in json.dumps(result)
    assert _provider_probe.config_findings(["not", "a", "mapping"])["findings"] == ["the config is not a YAML mapping of flat keys"]


@pytest.mark.parametrize("target,expected", [
    ("localhost:9090", ("localhost", 9090)), ("tcp://10.0.3.11:26657", ("10.0.3.11", 26657)), (":8080", ("127.0.0.1", 8080)),
    ("grpc.example.net", ("grpc.example.net", 9090)), ("[::1]:9091", ("::1", 9091)),
])
def test_split_host_port(target, expected):
    assert _provider_probe.split_host_port(target, 9090) == expected


def test_split_host_port_names_a_bad_value():
    with pytest.raises(ValueError, match="'host:port' is not HOST:PORT"):
        _provider_probe.split_host_port("host:port", 9090)


def test_tls_handshake_against_a_plaintext_port_is_reported_as_plaintext():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer_like_http2():
        connection, _address = server.accept()
        connection.recv(1024)
        connection.sendall(b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64")  # an HTTP/2 SETTINGS frame
        connection.close()

    threading.Thread(target=answer_like_http2, daemon=True).start()
    result = _provider_probe.tls_handshake("127.0.0.1:%d" % server.getsockname()[1], 5)
    server.close()
    assert result["tcp"] is True and result["tls"] is False and "TLS handshake fails" in result["error"]
    refused = _provider_probe.tls_handshake("127.0.0.1:%d" % _free_port(), 2)
    assert refused["tcp"] is False and "cannot connect" in refused["error"]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_provider_targets_defaults_follow_the_real_daemon():
    hostvars = {"p1": {"ansible_host": "10.0.4.11"}, "p2": {"provider_health_url": "http://h:9/health", "provider_binary": "/opt/pd",
                                                            "provider_chain_grpc": "grpc:9090"}}
    first, second = provider_targets(["p1", "p2"], hostvars)
    assert first == {"name": "p1", "health_url": "http://10.0.4.11:8080/health", "config": "/home/provider/.virtengine/provider-daemon.yaml",
                     "binary": "/usr/local/bin/provider-daemon", "previous_binary": "/usr/local/bin/provider-daemon.bak",
                     "chain_grpc": None, "chain_rpc": None}
    assert second["health_url"] == "http://h:9/health" and second["previous_binary"] == "/opt/pd.bak" and second["chain_grpc"] == "grpc:9090"


# --------------------------------------------------------------------------- PLAY-011

def member(name, healthy=True, patterns=None, findings=None):
    return {"name": name, "address": "virtengine1%s" % name, "healthy": healthy, "findings": findings or [], "log_patterns": patterns}


def market(height=1000, block_time=2.0, orders=None, bids=None):
    doc = copy.deepcopy(MARKET)
    doc["chain"] = {"height": str(height), "block_time_s": block_time}
    if orders is not None:
        doc["orders"] = orders
    if bids is not None:
        doc["bids"] = bids
    return doc


def test_spec_problems_name_each_reason():
    offered = {("region", "us-west-1")}
    good = MARKET["orders"][0]["spec"]
    assert _market.spec_problems(good, offered) == []
    bad = copy.deepcopy(good)
    unit = bad["resources"][0]
    unit["count"] = 0
    unit["resource"]["cpu"]["units"]["val"] = "99000000"
    unit["resource"]["memory"]["size"]["val"] = "0"
    unit["resource"]["storage"] = []
    bad["requirements"]["attributes"] = [{"key": "region", "value": "mars-1"}]
    assert _market.spec_problems(bad, offered) == [
        "resource 1: count 0", "resource 1: 99000000 CPU millicores (> 512000)", "resource 1: no memory", "resource 1: no storage",
        "requires region=mars-1, which no provider offers"]
    assert _market.spec_problems({"resources": []}, offered) == ["no resources"]
    assert _market.spec_problems(None, offered) == ["no group spec"]


def test_ages_are_heights_times_the_block_time_and_no_healthy_provider_is_the_verdict():
    result = _market.decide(market(), [member("p1", False), member("p2", False)], stale_blocks=50, recent_blocks=100)
    assert result["verdict"] == "no_provider_healthy" and result["marketplace_orders_stalled"]
    oldest = result["oldest"]
    assert oldest["age_blocks"] == 1000 - int(MARKET["orders"][0]["created_at"]) and oldest["age_s"] == oldest["age_blocks"] * 2.0
    assert result["restart_hosts"] == ["p1", "p2"]
    assert result["per_owner"][0]["open"] == len(result["orders"])


def test_healthy_providers_that_do_not_bid_with_the_log_evidence():
    failing = _provider_logs.scan(LOG)
    result = _market.decide(market(bids=[]), [member("p1", patterns=failing, findings=["chain gRPC x is plaintext"]),
                                              member("p2", patterns=failing), member("p3", patterns={})], 50, 100)
    assert result["verdict"] == "not_bidding" and result["restart_hosts"] == ["p1", "p2", "p3"]
    assert [c["pattern"] for c in result["common_causes"]][:1] == ["bid_failed"]
    assert any(line.startswith("log evidence on 2 of 3") for line in result["why"])
    assert "p1: chain gRPC x is plaintext" in result["why"]


def test_only_malformed_orders_waiting_is_orders_malformed():
    spec = copy.deepcopy(MARKET["orders"][0]["spec"])
    spec["resources"][0]["count"] = 0
    orders = [dict(MARKET["orders"][0], spec=spec)]
    result = _market.decide(market(orders=orders, bids=[]), [member("p1")], 50, 100)
    assert result["verdict"] == "orders_malformed" and not result["marketplace_orders_stalled"]
    assert result["malformed"][0]["reasons"] == ["resource 1: count 0"]


def test_recent_bids_on_young_orders_is_a_draining_backlog_with_rates():
    young = dict(MARKET["orders"][0], created_at="990")
    bid = copy.deepcopy(MARKET["bids"][0])
    bid["bid"]["id"].update(young["id"])
    bid["bid"]["created_at"] = "995"
    result = _market.decide(market(orders=[young], bids=[bid]), [member("p1")], 50, 100)
    assert result["verdict"] == "draining"
    assert result["rates"]["orders_bid_per_min"] == pytest.approx(60.0 / 200) and result["rates"]["new_orders"] == 1
    assert _market.decide(market(orders=[], bids=[]), [member("p1")])["verdict"] == "healthy"


def test_bad_market_input_is_a_clear_error():
    with pytest.raises(_market.MarketError, match="market_state result"):
        _market.decide({"orders": []}, [])
    broken = market()
    broken["orders"][0]["created_at"] = "yesterday"
    with pytest.raises(_market.MarketError, match="int64 as strings"):
        _market.decide(broken, [])
    with pytest.raises(AnsibleFilterError, match="play011_decision: .*stale_blocks=0"):
        play011_decision(market(), [], {}, {}, {}, {}, stale_blocks=0)


# --------------------------------------------------------------------------- PLAY-012

NOW = 2_000_000_000.0
OLD, NEW = "a" * 64, "b" * 64


def provider(name, healthy, sha=OLD, binary_age=86400 * 10, config_age=86400 * 10, previous=OLD, grpc_tls=True, rpc_error=None, patterns=None):
    return {"name": name, "healthy": healthy, "health": {"error": None if healthy else "cannot connect", "latency_ms": 3.0},
            "binary": {"sha256": sha, "mtime": NOW - binary_age, "exists": True},
            "previous_binary": {"sha256": previous, "exists": previous is not None, "path": "/usr/local/bin/provider-daemon.bak"},
            "config": {"sha256": "c" * 64, "mtime": NOW - config_age},
            "grpc": {"target": "grpc:9090", "tcp": True, "tls": grpc_tls, "error": None if grpc_tls else "handshake fails"},
            "rpc": {"url": "http://rpc:26657", "error": rpc_error, "catching_up": False}, "log_patterns": patterns}


def test_three_of_five_down_on_a_new_binary_is_a_software_bug_with_the_change_named():
    fleet = [provider("p%d" % i, False, sha=NEW, binary_age=300) for i in (1, 2, 3)] + [provider("p4", True), provider("p5", True)]
    result = _provider_fleet.decide(fleet, {"height": 10}, NOW)
    assert result["verdict"] == "software_bug" and result["rollback_hosts"] == ["p1", "p2", "p3"]
    assert "binary change: p1, p2, p3 run build(s) bbbbbbbbbbbb, unlike the healthy providers' aaaaaaaaaaaa" in result["why"]
    assert [(c["provider"], c["what"]) for c in result["changes"]] == [
        ("p1", "binary changed recently"), ("p2", "binary changed recently"), ("p3", "binary changed recently"),
        ("p4", "binary differs from the fleet majority"), ("p5", "binary differs from the fleet majority")]
    assert result["providers_offline"] == 3 and result["providers_total"] == 5


def test_a_bad_binary_without_a_kept_previous_build_is_not_rolled_back():
    fleet = [provider("p1", False, sha=NEW, binary_age=60, previous=None), provider("p2", False, sha=NEW, binary_age=60, previous=NEW),
             provider("p3", True)]
    result = _provider_fleet.decide(fleet, {}, NOW)
    assert result["verdict"] == "software_bug" and result["rollback_hosts"] == []
    assert sum("cannot roll back" in line for line in result["why"]) == 2


def test_a_recent_config_push_on_the_failing_providers():
    fleet = [provider("p1", False, config_age=120), provider("p2", False, config_age=120), provider("p3", True)]
    result = _provider_fleet.decide(fleet, {}, NOW)
    assert result["verdict"] == "configuration_push" and result["rollback_hosts"] == []
    assert ("p1", "config changed recently") in [(c["provider"], c["what"]) for c in result["changes"]]


@pytest.mark.parametrize("chain,side", [
    ({"height": 10, "block_age_s": 2}, "providers_config"),
    ({"error": "http://rpc:26657/status: cannot connect"}, "chain"),
    ({"height": 10, "block_age_s": 600}, "chain"),
    ({"height": 10, "block_age_s": 2, "upgrade_plan": {"name": "v2", "height": "12"}}, "chain"),
])
def test_chain_connectivity_tells_the_chain_from_the_providers_config(chain, side):
    fleet = [provider("p%d" % i, True, grpc_tls=False) for i in (1, 2, 3)] + [provider("p4", True)]
    result = _provider_fleet.decide(fleet, chain, NOW)
    assert result["verdict"] == "chain_connectivity" and result["side"] == side
    assert "p1: gRPC grpc:9090 is plaintext, the daemon dials TLS" in result["why"]


def test_one_daemon_down_alone_is_isolated_and_a_fleet_without_trouble_is_healthy():
    assert _provider_fleet.decide([provider("p1", False), provider("p2", True), provider("p3", True)], {}, NOW)["verdict"] == "isolated_failures"
    assert _provider_fleet.decide([provider("p1", True), provider("p2", True)], {}, NOW)["verdict"] == "healthy"
    widespread = _provider_fleet.decide([provider("p1", False), provider("p2", False), provider("p3", True)], {}, NOW)
    assert widespread["verdict"] == "widespread_unknown"


def test_a_log_pattern_on_most_providers_is_named():
    failing = _provider_logs.scan("[BID] Failed to bid on order o/1/1/1: boom\n")
    fleet = [provider("p1", True, patterns=failing), provider("p2", True, patterns=failing), provider("p3", True, patterns={})]
    result = _provider_fleet.decide(fleet, {}, NOW)
    assert [c["pattern"] for c in result["common_causes"]] == ["bid_failed"]
    assert any(line.startswith("common error pattern on 2 of 3 providers") for line in result["why"])


def test_merge_joins_the_controllers_health_with_each_hosts_readings():
    logs = {"p1": {"patterns": {}, "error": None}, "p2": {"patterns": {}, "error": "unreadable"}}
    records = _provider_fleet.merge(["p1", "p2"], {"providers": [{"name": "p1", "healthy": True, "findings": ["x"]}]},
                                    {"p1": {"binary": {"sha256": OLD}, "findings": ["y"]}}, logs, {"p1": "virtengine1p1"})
    assert records[0]["healthy"] is True and records[0]["findings"] == ["x", "y"] and records[0]["log_patterns"] == {}
    assert records[1]["healthy"] is None and records[1]["log_patterns"] is None and records[1]["binary"] is None


def test_bad_fleet_input_is_a_clear_error():
    with pytest.raises(_provider_fleet.FleetError, match="provider_health records"):
        _provider_fleet.decide([{"healthy": True}], {}, NOW)
    with pytest.raises(_provider_fleet.FleetError, match="mass_share"):
        _provider_fleet.decide([], {}, NOW, mass_share=1.5)
