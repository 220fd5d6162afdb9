# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The severity stand-in at its boundaries, PLAY-022's assessment, the Prometheus client's pure helpers."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.error_rate_severity import error_rate_severity
from ansible_collections.virtengine.incident_response.plugins.filter.play022_assessment import play022_assessment
from ansible_collections.virtengine.incident_response.plugins.module_utils._prometheus import (
    PrometheusError,
    check_url,
    parse_duration,
    resolve_time,
    simplify,
)
from ansible_collections.virtengine.incident_response.plugins.modules import prometheus_query


@pytest.mark.parametrize("ratio,severity", [
    (0.0, "SEV-4"), (0.0999, "SEV-4"), (0.10, "SEV-3"), (0.30, "SEV-3"), (0.50, "SEV-3"), (0.5001, "SEV-2"), (1.0, "SEV-2"), (None, "SEV-3"),
])
def test_error_rate_severity_at_the_runbook_boundaries(ratio, severity):
    assert error_rate_severity(ratio)["severity"] == severity


def test_error_rate_severity_says_which_rule_applied_and_rejects_nonsense():
    assert "no request counter" in error_rate_severity(None)["rule"]
    assert error_rate_severity(0.62)["rule"] == "the service error rate 62% (> 50%)"
    with pytest.raises(AnsibleFilterError, match="not an error ratio"):
        error_rate_severity(-0.1)
    with pytest.raises(AnsibleFilterError, match="not an error ratio"):
        error_rate_severity("lots")


def diagnosis(total, states, over=()):
    return {"settings": {"max_connections": 100, "superuser_reserved": 3, "client_connections": total},
            "by_state": [{"state": s, "connections": n} for s, n in states.items()], "over_threshold": list(over)}


def test_pool_within_limits_proposes_nothing():
    result = play022_assessment(diagnosis(40, {"active": 10, "idle": 30}))
    assert result["pool_exhausted"] is False and result["raise_limit"]["proposed"] is False
    assert result["pgbouncer"] == {"recommended": False, "idle_share": 0.75, "sketch": ""}
    assert result["findings"] == ["40 client connections of 97 usable by ordinary roles (max_connections 100 minus 3 superuser_reserved_connections): 41%"]


def test_exhausted_pool_of_idle_clients_gets_pgbouncer_and_a_higher_limit():
    result = play022_assessment(diagnosis(90, {"active": 20, "idle": 50, "idle in transaction": 20}), raise_to=200,
                                target={"host": "db-1", "port": 5432, "database": "virtengine"})
    assert result["pool_exhausted"] is True and result["raise_limit"] == {"proposed": True, "from": 100, "to": 200}
    assert result["pgbouncer"]["recommended"] is True
    sketch = result["pgbouncer"]["sketch"]
    assert "virtengine = host=db-1 port=5432 dbname=virtengine" in sketch and "pool_mode = transaction" in sketch
    assert "default_pool_size = 40" in sketch and "max_client_conn = 1000" in sketch


def test_exhausted_pool_of_active_clients_gets_no_pgbouncer_and_no_lower_limit():
    result = play022_assessment(diagnosis(88, {"active": 80, "idle": 8}), raise_to=100)
    assert result["pool_exhausted"] is True and result["pgbouncer"]["recommended"] is False
    assert result["raise_limit"]["proposed"] is False
    assert any("the load is real" in finding for finding in result["findings"])


def test_exhaustion_boundary_is_inclusive():
    assert play022_assessment(diagnosis(87, {"active": 87}), exhausted_ratio=0.9)["pool_exhausted"] is False  # 87/97 = 0.897
    assert play022_assessment(diagnosis(88, {"active": 88}), exhausted_ratio=0.9)["pool_exhausted"] is True  # 88/97 = 0.907


def test_only_unprotected_sessions_become_termination_candidates_and_every_one_is_in_the_plan():
    over = [{"pid": 11, "user": "ve_app", "application": "api", "duration_s": 400, "query": "SELECT 1", "protected_by": None},
            {"pid": 12, "user": "postgres", "application": "", "duration_s": 900, "query": "VACUUM", "protected_by": "superuser"}]
    result = play022_assessment(diagnosis(2, {"active": 2}, over))
    assert [row["pid"] for row in result["termination_candidates"]] == [11]
    assert [row["pid"] for row in result["protected_sessions"]] == [12]
    assert result["termination_plan"] == ["terminate pid 11 (user ve_app, application api, running 400s): SELECT 1",
                                          "keep pid 12 (user postgres, application -): superuser"]


def test_assessment_names_a_missing_field():
    with pytest.raises(AnsibleFilterError, match="max_connections"):
        play022_assessment({"settings": {}, "by_state": []})


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), ("2d", 172800)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "m5", "-5m"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_resolve_time():
    assert resolve_time(None, 1000) is None
    assert resolve_time("now", 1000) == 1000
    assert resolve_time("-10m", 1000) == 400 and resolve_time("now-1m", 1000) == 940
    assert resolve_time(1234.5, 1000) == 1234.5 and resolve_time("1234", 1000) == 1234
    assert resolve_time("2026-11-27T00:00:00Z", 1000) == "2026-11-27T00:00:00Z"


def test_simplify_every_result_type():
    vector = [{"metric": {"module": "market"}, "value": [1700000000.5, "4.25"]}, {"metric": {}, "value": [1700000000.5, "NaN"]}]
    assert simplify("vector", vector) == [{"metric": {"module": "market"}, "timestamp": 1700000000.5, "value": 4.25},
                                          {"metric": {}, "timestamp": 1700000000.5, "value": None}]
    matrix = [{"metric": {"job": "x"}, "values": [[1, "1"], [2, "+Inf"]]}]
    assert simplify("matrix", matrix) == [{"metric": {"job": "x"}, "values": [[1.0, 1.0], [2.0, None]]}]
    assert simplify("scalar", [5, "2"]) == [{"metric": {}, "timestamp": 5.0, "value": 2.0}]


@pytest.mark.parametrize("url", ["", "127.0.0.1:9090", "ftp://host:9090", "http://host:99999", "http://"])
def test_check_url_names_the_bad_value(url):
    with pytest.raises(PrometheusError, match="expected"):
        check_url(url)


def test_module_reports_an_unreachable_prometheus(run_module, refused_url):
    result = run_module(prometheus_query, {"url": refused_url, "query": "up", "timeout": 2})
    assert result["failed"] and result["error_kind"] == "unreachable"
    assert refused_url in result["msg"] and "is Prometheus running" in result["msg"]


def test_module_refuses_a_range_query_without_start(run_module, refused_url):
    result = run_module(prometheus_query, {"url": refused_url, "query": "up", "type": "range"})
    assert result["failed"] and "start" in result["msg"]


# --------------------------------------------------------------------------- PLAY-020's analysis

from ansible_collections.virtengine.incident_response.plugins.filter.play020_analysis import play020_analysis  # noqa: E402
from ansible_collections.virtengine.incident_response.plugins.module_utils._error_analysis import onset_of_elevation  # noqa: E402


def test_onset_is_the_start_of_the_trailing_run_above_twice_the_quietest_point():
    points = [[0, 0.2], [10, 0.3], [20, 5.0], [30, 0.3], [40, 4.0], [50, 6.0], [60, 7.0]]
    assert onset_of_elevation(points, 1.0) == (40, 1.0)
    assert onset_of_elevation([[0, 3.0], [10, 8.0], [20, 9.0]], 1.0) == (10, 6.0)
    assert onset_of_elevation([[0, 0.2], [10, 0.4]], 1.0) == (None, 1.0)
    assert onset_of_elevation([], 1.0) == (None, 1.0)


def sample(value, **labels):
    return {"metric": labels, "value": value, "timestamp": 0}


def readings(**extra):
    base = {"top": [sample(6.0, module="market", code="1101")], "categories": [sample(6.0, category="validation"), sample(2.0, category="external")],
            "ratios": [sample(0.4, job="virtengine")], "history": [{"metric": {}, "values": [[5000, 0.2], [5100, 0.2], [5200, 8.0], [5300, 8.0]]}]}
    base.update(extra)
    return base


def test_a_commit_before_the_rise_is_the_likely_cause_an_older_one_is_not():
    commits = ["a" * 40 + "\t5150\tDeployer\trelease v1.5.0", "b" * 40 + "\t%d\tDeployer\trelease v1.4.0" % (5200 - 1801)]
    result = play020_analysis(readings(commits=commits), change_window=1800)
    assert result["onset_at"] == 5200 and result["likely_cause"] == "deployment"
    assert result["causes"][0]["evidence"] == ["commit aaaaaaaaaa release v1.5.0 (Deployer) at 1970-01-01T01:25:50Z, 50s before the errors rose"]
    assert result["severity"] == "SEV-3" and result["changes"][1]["seconds_before_onset"] == 1801


def test_rollouts_and_restarts_are_changes_too():
    replicasets = [{"metadata": {"name": "virtengine-7c9", "creationTimestamp": "1970-01-01T01:25:00Z",
                                 "annotations": {"deployment.kubernetes.io/revision": "7"}}}]
    result = play020_analysis(readings(replicasets=replicasets, restarts=[{"host": "validator1", "started_at": 5190}]))
    assert [(c["kind"], c["what"]) for c in result["changes"]] == [("restart", "validator1 started"), ("rollout", "revision 7 (virtengine-7c9)")]
    assert result["likely_cause"] == "deployment"


def test_resource_exhaustion_then_external_dependency_then_unknown():
    resources = [({"name": "memory used", "threshold": 0.95}, [sample(0.97, instance="node1"), sample(0.5, instance="node2")])]
    result = play020_analysis(readings(resources=resources))
    assert result["likely_cause"] == "resource exhaustion" and result["causes"][0]["evidence"] == ["memory used at 0.97 on node1 (threshold 0.95)"]
    external = readings(categories=[sample(9.0, category="external"), sample(1.0, category="validation")], ratios=[sample(0.75, job="api")])
    result = play020_analysis(external)
    assert result["likely_cause"] == "external dependency" and result["severity"] == "SEV-2"
    result = play020_analysis(readings(ratios=[]))
    assert result["likely_cause"] == "unknown" and result["severity"] == "SEV-3" and "no request counter" in result["severity_rule"]


def test_analysis_names_missing_readings():
    with pytest.raises(AnsibleFilterError, match="top"):
        play020_analysis({})
