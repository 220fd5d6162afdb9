# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-020 against a real Prometheus scraping the exporter double (virtengine_errors_total{module,code,category,severity}).

The test raises error rates through the double's spec file and checks what PLAY-020 finds: the top sources,
the severity from the error ratio, when the errors rose, the change before it, the likely cause.
"""

import json
import os
import socket
import subprocess
import time

import pytest
import requests

from conftest import INVENTORY, REPO, assert_refused_before_anything_ran, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "play020_elevated_error_rates.yml"
WINDOW = "10s"


@pytest.fixture(scope="module")
def services(test_services):
    addresses = test_services("exporter", "prometheus")
    wait_until("Prometheus to scrape the exporter double", lambda: requests.get(addresses["prometheus"] + "/api/v1/query", params={
        "query": 'up{job="virtengine"}'}, timeout=5).json()["data"]["result"], 60)
    return addresses


@pytest.fixture
def refused_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % probe.getsockname()[1]


def error(module, code, category, per_second, severity="medium"):
    return {"module": module, "code": code, "category": category, "severity": severity, "per_second": per_second}


def total_rate(services):
    result = requests.get(services["prometheus"] + "/api/v1/query", params={"query": "sum(rate(virtengine_errors_total[%s]))" % WINDOW},
                          timeout=5).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def set_rates(services, errors, requests_per_second=20):
    services["exporter_spec"].write_text(json.dumps({"errors": errors, "requests_per_second": requests_per_second}))


def calm_then_raise(services, errors, before_raise=None):
    """A quiet baseline (0.2 errors/s) until Prometheus sees it, then ``errors``; returns the time of the raise."""
    set_rates(services, [error("market", "1101", "validation", 0.2)])
    wait_until("a quiet error rate", lambda: 0 < total_rate(services) < 0.5, 60)
    if before_raise:
        before_raise()
    raised_at = time.time()
    set_rates(services, errors)
    expected = sum(e["per_second"] for e in errors)
    wait_until("the raised error rate in Prometheus", lambda: total_rate(services) > 0.8 * expected, 60)
    return raised_at


def play020(services, localhost_inventory, report_dir, **extra):
    variables = {"error_rates_prometheus_url": services["prometheus"], "error_rates_rate_window": WINDOW, "error_rates_lookback": "3m",
                 "error_rates_step": "1s", "ir_report_dir": str(report_dir)}
    variables.update(extra)
    return run_playbook(PLAYBOOK, inventory=localhost_inventory, extra_vars=variables)


def report(report_dir):
    files = sorted(report_dir.glob("*-play020.json"))
    assert files, "no PLAY-020 report in %s" % report_dir
    return json.loads(files[-1].read_text())


def git(repo, *args, when=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="Deployer", GIT_AUTHOR_EMAIL="deploy@example.com", GIT_COMMITTER_NAME="Deployer",
               GIT_COMMITTER_EMAIL="deploy@example.com")
    if when:
        env.update(GIT_AUTHOR_DATE="@%d +0000" % when, GIT_COMMITTER_DATE="@%d +0000" % when)
    subprocess.run(["git", "-C", str(repo)] + list(args), env=env, capture_output=True, check=True)


def test_a_deployment_before_the_rise_is_the_likely_cause_and_rollback_waits_for_confirmation(services, localhost_inventory, report_dir, tmp_path):
    repo = tmp_path / "deploy"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "old release v1.4.0", when=time.time() - 7200)
    previous, current = tmp_path / "virtengine.previous", tmp_path / "virtengine"
    previous.write_text("previous build\n")
    current.write_text("current build\n")
    raised_at = calm_then_raise(services, [error("market", "1101", "validation", 5), error("veid", "1201", "internal", 2),
                                           error("provider", "1401", "external", 1)],
                                before_raise=lambda: git(repo, "commit", "-q", "--allow-empty", "-m", "release v1.5.0"))
    run = play020(services, localhost_inventory, report_dir, error_rates_deploy_repo=str(repo), error_rates_binary_previous=str(previous),
                  error_rates_binary_hosts=["localhost"], node_binary=str(current))
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir)
    analysis = doc["data"]["analysis"]
    assert [(row["module"], row["code"]) for row in analysis["top"]] == [("market", "1101"), ("veid", "1201"), ("provider", "1401")]
    assert analysis["top"][0]["errors_per_s"] == pytest.approx(5, rel=0.3)
    assert [row["service"] for row in analysis["ratios"]] == ["virtengine"] and analysis["ratios"][0]["error_ratio"] == pytest.approx(0.4, rel=0.3)
    assert analysis["severity"] == "SEV-3"
    assert raised_at - 3 <= analysis["onset_at"] <= raised_at + 15
    assert analysis["likely_cause"] == "deployment"
    assert any("release v1.5.0" in line for line in analysis["causes"][0]["evidence"])
    assert not any("v1.4.0" in line for line in analysis["causes"][0]["evidence"])
    assert [(e["action"], e["decision"]) for e in doc["data"]["confirmations"]] == [("rollback_binary", "refused")]
    assert current.read_text() == "current build\n" and not list(tmp_path.glob("virtengine.*~"))


def test_errors_mostly_from_a_dependency_point_to_it_and_a_high_ratio_is_sev2(services, localhost_inventory, report_dir):
    calm_then_raise(services, [error("provider", "1401", "external", 12), error("market", "1101", "validation", 3)])
    run = play020(services, localhost_inventory, report_dir)
    assert run.rc == 0, run.raw[-3000:]
    analysis = report(report_dir)["data"]["analysis"]
    assert analysis["likely_cause"] == "external dependency"
    assert analysis["causes"][0]["evidence"][0].startswith("most errors are in category external")
    assert analysis["worst_error_ratio"] > 0.5 and analysis["severity"] == "SEV-2"
    assert analysis["changes"] == []


@pytest.mark.parametrize("bad, said", [
    ({"error_rates_top": "ten"}, ["error_rates_top", "'ten'"]),
    # An empty metric name queried nothing and would have reported no errors.
    ({"error_rates_metric": " "}, ["PLAY-020: error_rates_metric=", "must name the Prometheus counters"]),
])
def test_bad_setting_is_refused_by_the_argument_spec_before_anything_is_queried(bad, said, localhost_inventory, report_dir):
    # The runbook role's checks run first, on localhost: Prometheus is not asked, nothing is reported.
    assert_refused_before_anything_ran(PLAYBOOK, bad, report_dir, said, ["Read the top error sources", "Read the last commits"],
                                       inventory=localhost_inventory)


def test_unreachable_prometheus_fails_clearly(localhost_inventory, report_dir, refused_url):
    run = run_playbook(PLAYBOOK, inventory=localhost_inventory, extra_vars={"error_rates_prometheus_url": refused_url, "ir_report_dir": str(report_dir)})
    assert run.rc != 0
    failure = run.result("Read the top error sources")
    assert failure["error_kind"] == "unreachable" and refused_url in failure["msg"] and "is Prometheus running" in failure["msg"]
    assert not list(report_dir.glob("*-play020.json"))


def test_bad_promql_fails_with_the_parser_message(services, localhost_inventory, report_dir):
    run = play020(services, localhost_inventory, report_dir, error_rates_selector='{module="market"')
    assert run.rc != 0
    failure = run.result("Read the top error sources")
    assert failure["error_kind"] == "promql" and "bad_data" in failure["msg"] and "parse error" in failure["msg"]
    assert not list(report_dir.glob("*-play020.json"))


def test_confirmed_binary_rollback_puts_the_previous_binary_back_and_restarts_the_node(localnet, services, report_dir, tmp_path):
    repo = tmp_path / "deploy"
    repo.mkdir()
    git(repo, "init", "-q")
    previous, current = tmp_path / "virtengine.previous", tmp_path / "virtengine"
    previous.write_text("previous build\n")
    current.write_text("current build\n")
    calm_then_raise(services, [error("market", "1101", "validation", 5)],
                    before_raise=lambda: git(repo, "commit", "-q", "--allow-empty", "-m", "release v1.6.0"))
    before = next(n for n in localnet.status()["nodes"] if n["node"] == "fullnode1")
    # node_binary as an extra variable points every host's binary at the scratch file; only fullnode1 is rolled back.
    run = play020(services, INVENTORY, report_dir, error_rates_deploy_repo=str(repo), error_rates_binary_previous=str(previous),
                  error_rates_binary_hosts=["fullnode1"], node_binary=str(current), play020_service_hosts="fullnode1",
                  ir_confirm="rollback_binary")
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir)
    assert doc["data"]["analysis"]["likely_cause"] == "deployment"
    assert [(e["action"], e["decision"], e["hosts"]) for e in doc["data"]["confirmations"]] == [("rollback_binary", "confirmed", ["fullnode1"])]
    # The approval binds the previous binary and the node binary it goes over (issue 24): the role copies those.
    assert doc["data"]["confirmations"][0]["parameters"] == {"previous_binary": str(previous), "by_host": {"fullnode1": {"binary": str(current)}}}
    assert current.read_text() == "previous build\n"
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("virtengine.") and p.name != "virtengine.previous"]
    assert len(backups) == 1 and backups[0].read_text() == "current build\n"
    change = run.result("Change the service through supervisor", host="fullnode1")
    assert change["changed"] and not change.get("failed")
    started = [r["ansible_facts"]["node_service_status"]["started_at"] for h, r in run.results("Keep the service state as node_service_status")
               if h == "fullnode1"]
    assert len(started) == 2 and started[1] > started[0], "fullnode1 was not restarted: start times %r" % started
    localnet.wait_blocks("fullnode1", 2)
    assert before["process"] == "RUNNING"
    assert next(n for n in localnet.status()["nodes"] if n["node"] == "fullnode1")["process"] == "RUNNING"
