# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert rule pack: promtool's checks and unit tests, then a real Prometheus scraping the real local network.

The live tests run Prometheus (scripts/test-services) on the test copy of the shipped rules, whose for:
and range windows are shortened, and wait for alerts by polling /api/v1/alerts with deadlines.
"""

import importlib.machinery
import importlib.util
import json
import re
import socket
import subprocess

import pytest
import requests
import yaml

from conftest import REPO, wait_until

RULES = REPO / "extensions" / "prometheus" / "rules" / "virtengine-alerts.yml"
RULE_TESTS = REPO / "extensions" / "prometheus" / "tests" / "virtengine-alerts.test.yml"
NAMESPACE_TESTS = REPO / "extensions" / "prometheus" / "tests" / "virtengine-alerts-namespaces.test.yml"
ALERTMANAGER_EXAMPLE = REPO / "extensions" / "prometheus" / "alertmanager.example.yml"
RUNBOOK_ALERTS = {"ChainHalted", "NetworkPartition", "PeerCountCritical", "VEIDScoringDown", "VEIDMLInferenceFailureRate", "MarketOrderBacklog",
                  "NoBidsReceived", "ProviderDaemonDown", "ProviderDaemonErrorRateHigh", "HighErrorRate", "NodeOutOfSync", "NodeBehind",
                  "PostgresConnectionPoolExhausted"}
CHAIN_ALERTS = ("ChainHalted", "NetworkPartition", "PeerCountCritical", "NodeBehind")


def shipped_rules():
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_every_runbook_alert_is_defined_once_with_severity_and_playbook():
    rules = shipped_rules()
    assert sorted(rule["alert"] for rule in rules) == sorted(RUNBOOK_ALERTS)
    for rule in rules:
        assert re.match(r"^SEV-[1-4]$", rule["labels"]["severity"]), rule["alert"]
        assert re.match(r"^playbooks/play\d{3}_[a-z0-9_]+\.yml$", rule["annotations"]["playbook"]), rule["alert"]
        assert rule["labels"]["runbook"] in rule["annotations"]["playbook"].replace("play", "PLAY-").upper().replace("PLAYBOOKS/", "")


def test_promtool_checks_the_rules():
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: %d rules found" % len(RUNBOOK_ALERTS) in result.stdout


def test_promtool_unit_tests_pass_and_give_every_alert_a_firing_and_a_silent_case():
    result = subprocess.run(["promtool", "test", "rules", RULE_TESTS.name], cwd=str(RULE_TESTS.parent), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    cases = [case for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    firing = set(case["alertname"] for case in cases if case["exp_alerts"])
    silent = set(case["alertname"] for case in cases if not case["exp_alerts"])
    assert firing == RUNBOOK_ALERTS and silent == RUNBOOK_ALERTS


def test_promtool_unit_tests_cover_every_chain_alert_under_the_tendermint_namespace():
    result = subprocess.run(["promtool", "test", "rules", NAMESPACE_TESTS.name], cwd=str(NAMESPACE_TESTS.parent), capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = yaml.safe_load(NAMESPACE_TESTS.read_text())["tests"]
    cases = [case for test in tests for case in test["alert_rule_test"]]
    chain = set(CHAIN_ALERTS) | {"NodeOutOfSync"}
    assert set(case["alertname"] for case in cases if case["exp_alerts"]) == chain
    assert set(case["alertname"] for case in cases if not case["exp_alerts"]) == chain
    assert all(any(s["series"].startswith("tendermint_") for s in test["input_series"]) for test in tests)


def test_alertmanager_example_is_valid_and_routes_every_severity():
    result = subprocess.run(["amtool", "check-config", str(ALERTMANAGER_EXAMPLE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(ALERTMANAGER_EXAMPLE.read_text())
    receivers = dict((r["name"], r) for r in config["receivers"])
    assert "pagerduty_configs" in receivers["pagerduty-all-oncall"] and "slack_configs" in receivers["slack-incident-response"]
    assert "webhook_configs" in receivers["eda-webhook"]
    matchers = " ".join(m for route in config["route"]["routes"] for m in route.get("matchers", []))
    assert all(sev in matchers for sev in ("SEV-1", "SEV-2", "SEV-3"))


def load_test_services():
    loader = importlib.machinery.SourceFileLoader("test_services_script", str(REPO / "scripts" / "test-services"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def test_the_test_copy_is_the_shipped_rules_with_shorter_windows():
    copy = [rule for group in load_test_services().test_copy_of_rules(RULES)["groups"] for rule in group["rules"]]
    shipped = shipped_rules()
    assert [r["alert"] for r in copy] == [r["alert"] for r in shipped]
    for test_rule, rule in zip(copy, shipped):
        assert test_rule["for"] == "3s"
        assert test_rule["labels"] == rule["labels"] and test_rule["annotations"] == rule["annotations"]
        assert re.sub(r"\[\d+[smhd]\]", "[W]", test_rule["expr"]) == re.sub(r"\[\d+[smhd]\]", "[W]", rule["expr"])


# --------------------------------------------------------------------------- a real Prometheus on the real network


@pytest.fixture(scope="module")
def prometheus(localnet, test_services):
    url = test_services("exporter", "prometheus")["prometheus"]

    def targets_up():
        targets = requests.get(url + "/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        return len([t for t in targets if t["labels"]["job"] == "cometbft" and t["health"] == "up"]) == 5

    wait_until("Prometheus to scrape the 5 nodes", targets_up, 60)
    return url


def alerts(url, state="firing"):
    """``{(alertname, instance or chain_id)}`` of the alerts in ``state``."""
    listed = requests.get(url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return set((a["labels"]["alertname"], a["labels"].get("instance", a["labels"].get("chain_id"))) for a in listed if a["state"] == state)


def chain_alerts(url):
    return set(a for a in alerts(url) | alerts(url, "pending") if a[0] in CHAIN_ALERTS)


def wait_quiet(url, deadline_s=120):
    wait_until("no chain alert pending or firing", lambda: not chain_alerts(url), deadline_s)


def test_healthy_network_fires_no_chain_alert(localnet, prometheus):
    wait_quiet(prometheus)
    # The windows are 20 s: stay quiet over a whole window of healthy samples.
    localnet.wait_blocks("validator1", 10)
    assert chain_alerts(prometheus) == set()


def test_two_of_four_validators_stopped_fire_chain_halted(localnet, prometheus):
    wait_quiet(prometheus)
    try:
        localnet.run("stop", "validator3", "validator4")
        wait_until("ChainHalted firing", lambda: ("ChainHalted", "virtengine-localnet") in alerts(prometheus), 120)
    finally:
        localnet.restore()
    wait_until("ChainHalted to resolve once blocks flow", lambda: ("ChainHalted", "virtengine-localnet") not in alerts(prometheus, "firing"), 120)


def test_lagging_full_node_fires_node_behind(localnet, prometheus):
    wait_quiet(prometheus)
    try:
        localnet.run("partition", "validator1,validator2,validator3,validator4", "fullnode1")
        wait_until("NodeBehind firing for fullnode1", lambda: ("NodeBehind", "fullnode1") in alerts(prometheus), 120)
        firing = alerts(prometheus)
        assert ("PeerCountCritical", "fullnode1") in firing
        assert not [a for a in firing if a[0] == "NodeBehind" and a[1] != "fullnode1"]
        assert ("ChainHalted", "virtengine-localnet") not in firing
    finally:
        localnet.restore()


def test_partition_fires_the_peer_alerts(localnet, prometheus):
    wait_quiet(prometheus)
    try:
        localnet.run("partition", "validator1,validator2", "validator3,validator4", "fullnode1")
        wait_until("NetworkPartition firing", lambda: ("NetworkPartition", "virtengine-localnet") in alerts(prometheus), 120)
        wait_until("PeerCountCritical on every node", lambda: set(a[1] for a in alerts(prometheus) if a[0] == "PeerCountCritical")
                   == {"validator1", "validator2", "validator3", "validator4", "fullnode1"}, 60)
    finally:
        localnet.restore()
    wait_until("NetworkPartition to resolve after heal", lambda: ("NetworkPartition", "virtengine-localnet") not in alerts(prometheus), 120)


def test_blackbox_jobs_probe_the_targets_a_test_writes(test_services):
    """The probe path the sidecar and provider alerts stand on: file_sd target -> blackbox exporter -> probe_success."""
    services = test_services("blackbox", "prometheus")
    url, targets = services["prometheus"], services["blackbox_targets"] / "blackbox_http_2xx.json"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    live, dead = url + "/-/ready", "http://127.0.0.1:%d/health" % closed.getsockname()[1]

    def probe_success():
        result = requests.get(url + "/api/v1/query", params={"query": 'probe_success{job="blackbox_http_2xx"}'}, timeout=5).json()
        return dict((sample["metric"]["instance"], sample["value"][1]) for sample in result["data"]["result"])

    try:
        targets.write_text(json.dumps([{"targets": [live, dead], "labels": {"service": "selftest"}}]))
        wait_until("both targets probed", lambda: set(probe_success()) == {live, dead}, 60)
        assert probe_success() == {live: "1", dead: "0"}
    finally:
        targets.write_text("[]\n")
        closed.close()
