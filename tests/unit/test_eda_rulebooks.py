# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EDA rulebooks and their event filter, without a JVM: schema, the alert -> runbook map, the filter on real payloads."""

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from ansible_rulebook import rules_parser
from ansible_rulebook.event_filter import event_splitter
from ansible_rulebook.validators import Validate

from ansible_collections.virtengine.incident_response.plugins.module_utils._awx_catalogue import expand, template_names, workflow_name

ROOT = Path(__file__).resolve().parents[2]
RULEBOOKS = sorted((ROOT / "extensions" / "eda" / "rulebooks").glob("*.yml"))
FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "alertmanager"
CATALOGUE = yaml.safe_load((ROOT / "extensions" / "awx" / "catalogue.yml").read_text())
OBJECTS = expand(CATALOGUE, {"organization": "o", "project": "p", "inventory": "i"})

spec = importlib.util.spec_from_file_location("alertmanager_alert", ROOT / "extensions" / "eda" / "plugins" / "event_filter" / "alertmanager_alert.py")
alertmanager_alert = importlib.util.module_from_spec(spec)
spec.loader.exec_module(alertmanager_alert)


def _alerts(name):
    return json.loads((FIXTURES / name).read_text())["alerts"]


def _rule_alerts():
    """{alert name: playbook file name} from the shipped Prometheus rules' playbook annotations."""
    found = {}
    for path in (ROOT / "extensions" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found[rule["alert"]] = Path(rule["annotations"]["playbook"]).name
    return found


def _rules(rulebook):
    return [(ruleset["name"], rule) for ruleset in yaml.safe_load(rulebook.read_text()) for rule in ruleset["rules"]]


def _condition_alert(rule):
    match = re.search(r'event\.ir\.alert == "(\w+)"', rule["condition"])
    return match.group(1) if match else None


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.name)
def test_every_rulebook_is_valid_and_parses(rulebook):
    document = yaml.safe_load(rulebook.read_text())
    Validate.rulebook(copy.deepcopy(document))
    rulesets = rules_parser.parse_rule_sets(copy.deepcopy(document))
    assert rulesets and all(r.rules for r in rulesets)
    for ruleset in document:
        names = [f for source in ruleset["sources"] for f in source["filters"]]
        assert [list(f)[0] for f in names] == ["eda.builtin.event_splitter", "virtengine.incident_response.alertmanager_alert"]
        assert names[0]["eda.builtin.event_splitter"]["splitter_key"] == "payload.alerts"


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.name)
def test_every_alert_with_a_playbook_here_has_a_throttled_diagnosis(rulebook):
    existing = set(p.name for p in (ROOT / "playbooks").glob("*.yml"))
    wanted = dict((alert, playbook) for alert, playbook in _rule_alerts().items() if playbook in existing)
    assert {"ChainHalted", "NetworkPartition", "PeerCountCritical", "NodeBehind", "NodeOutOfSync", "HighErrorRate",
            "PostgresConnectionPoolExhausted"} <= set(wanted)
    diagnosis = {}
    for ruleset, rule in _rules(rulebook):
        alert = _condition_alert(rule)
        if not alert or "Remediation" in ruleset:
            continue
        assert 'event.ir.status == "firing"' in rule["condition"]
        assert rule["throttle"]["group_by_attributes"] == ["event.ir.alert", "event.ir.target"], rule["name"]
        diagnosis[alert] = rule["action"]
    missing = sorted(set(wanted) - set(diagnosis))
    assert not missing, "alerts of extensions/prometheus/rules without a diagnosis rule in %s: %s" % (rulebook.name, missing)
    by_playbook = dict((e["playbook"], e) for e in CATALOGUE["playbooks"])
    for alert, action in diagnosis.items():
        entry = by_playbook[wanted[alert]]
        assert alert in entry["alerts"], "%s is not listed under %s's alerts in the catalogue" % (alert, entry["playbook"])
        if "run_playbook" in action:
            assert action["run_playbook"]["name"] == "virtengine.incident_response.%s" % wanted[alert][:-4]
            assert action["run_playbook"]["extra_vars"]["ir_confirm"] == "", "a diagnosis must never carry a confirmation"
        else:
            template = action["run_job_template"]["name"]
            assert template == template_names(CATALOGUE, entry)["diagnose"]
            assert next(t for t in OBJECTS["job_templates"] if t["name"] == template)["job_type"] == "check"
            assert "ir_confirm" not in json.dumps(action)


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.name)
def test_remediation_is_only_an_approval_workflow_in_its_own_ruleset(rulebook):
    document = yaml.safe_load(rulebook.read_text())
    workflows = dict((w["name"], w) for w in OBJECTS["workflows"])
    remediate_templates = set(t["name"] for t in OBJECTS["job_templates"] if t["name"].endswith("| remediate"))
    for ruleset in document:
        actions = [a for rule in ruleset["rules"] for a in ([rule["action"]] if "action" in rule else rule["actions"])]
        # Only a workflow's remediation node sets ir_confirm; a CLI diagnosis forces it empty.
        assert all(a[kind].get("extra_vars", {}).get("ir_confirm", "") == "" for a in actions for kind in a if kind == "run_playbook")
        assert "ir_confirm" not in json.dumps([a for a in actions if "run_playbook" not in a])
        assert not [a for a in actions if a.get("run_job_template", {}).get("name") in remediate_templates]
        offers = [a["run_workflow_template"]["name"] for a in actions if "run_workflow_template" in a]
        if offers:
            # A workflow waits at its approval: alone in its ruleset, it cannot hold up a diagnosis.
            assert len(offers) == len(actions), "ruleset %r mixes approval workflows with other actions" % ruleset["name"]
            for name in offers:
                nodes = workflows[name]["workflow_nodes"]
                assert any(n["unified_job_template"]["type"] == "workflow_approval" and n["unified_job_template"]["timeout"] > 0 for n in nodes)
    ports = [s["eda.builtin.webhook"]["port"] for ruleset in document for s in ruleset["sources"]]
    assert len(set(ports)) == len(ports), "each ruleset listens on its own port"


def test_the_controller_rulebook_names_workflows_of_the_catalogue():
    document = yaml.safe_load((ROOT / "extensions" / "eda" / "rulebooks" / "alertmanager_controller.yml").read_text())
    offered = [rule["action"]["run_workflow_template"]["name"] for rule in document[1]["rules"]]
    entry = next(e for e in CATALOGUE["playbooks"] if e["playbook"] == "play001_chain_halted.yml")
    assert workflow_name(CATALOGUE, entry, "coordinated_restart") in offered
    assert set(offered) <= set(w["name"] for w in OBJECTS["workflows"])


def test_filter_on_the_real_firing_payload():
    (alert,) = _alerts("chainhalted_firing.json")
    event = alertmanager_alert.main(copy.deepcopy(alert))
    assert event["ir"] == {
        "alert": "ChainHalted", "status": "firing", "host": "", "inventory_host": "", "scope": "fleet",
        "scope_reason": "the alert has no instance label: the run covers the whole fleet", "target": "virtengine-localnet", "runbook": "PLAY-001",
        "severity": "SEV-1", "incident_id": "INC-20261130-%03d" % int("a233d0", 16), "started_at": "2026-11-30T02:01:52Z",
        "summary": "Chain virtengine-localnet halted: no new block for more than a minute"}
    assert "meta" not in event, "a chain-wide alert does not limit the run"


def test_resolved_maps_to_the_same_incident():
    (firing,) = _alerts("chainhalted_firing.json")
    (resolved,) = _alerts("chainhalted_resolved.json")
    assert alertmanager_alert.main(copy.deepcopy(resolved))["ir"]["status"] == "resolved"
    assert alertmanager_alert.main(copy.deepcopy(resolved))["ir"]["incident_id"] == alertmanager_alert.main(copy.deepcopy(firing))["ir"]["incident_id"]


@pytest.mark.parametrize("instance, host", [
    ("validator3", "validator3"), ("validator3:26660", "validator3"), ("10.0.0.5:26660", "10.0.0.5"),
    ("[fd00::5]:26660", "fd00::5"), ("fd00::5", "fd00::5"), ("", ""),
    # Blackbox probes: the probed URL is the instance (any scheme, user info, path, query, IPv6 literal with a zone).
    ("http://provider1.example.net:8080/health", "provider1.example.net"), ("https://provider2.example.net/health", "provider2.example.net"),
    ("tcp://10.0.0.5:26656", "10.0.0.5"), ("grpc://[fd00::5]:9090", "fd00::5"),
    ("https://ops:s%40cret@provider3.example.net./x?a=1#f", "provider3.example.net"),
    ("http://[2001:DB8:0:7:0:0:0:3]/health", "2001:db8:0:7::3"), ("http://[fe80::1%25eth0]:9100/metrics", "fe80::1%eth0"),
    ("provider1.example.net:8080/health", "provider1.example.net"), ("[2001:db8::1]", "2001:db8::1"), ("fe80::1%eth0", "fe80::1%eth0")])
def test_instance_becomes_the_host_without_its_port(instance, host):
    (alert,) = _alerts("chainhalted_firing.json")
    alert["labels"].update(alertname="NodeBehind", runbook="PLAY-021", instance=instance)
    event = alertmanager_alert.main(alert)
    assert event["ir"]["host"] == host
    assert event.get("meta", {}).get("hosts") == ([host, "localhost"] if host else None)
    assert alertmanager_alert.main(dict(alert), limit_hosts=False).get("meta") is None


def test_an_event_that_is_not_an_alert_is_a_clear_error():
    with pytest.raises(ValueError, match="event_splitter"):
        alertmanager_alert.main({"payload": {"alerts": []}})
    (alert,) = _alerts("chainhalted_firing.json")
    alert["startsAt"] = "yesterday"
    with pytest.raises(ValueError, match="startsAt 'yesterday'"):
        alertmanager_alert.main(alert)


CASE28 = ROOT / "tests" / "unit" / "fixtures" / "cases" / "28-eda-blackbox-url-instance"


def _split(body):
    """What ansible-rulebook does with the collection's rulebooks: the webhook body under ``payload``, then the installed
    package's own event_splitter (splitter_key payload.alerts)."""
    return event_splitter.main({"payload": copy.deepcopy(body), "meta": {"endpoint": "/"}}, splitter_key="payload.alerts")


def test_case28_blackbox_url_instances_limit_the_run_to_their_hosts():
    """Case tests/unit/fixtures/cases/28-eda-blackbox-url-instance: ProviderDaemonDown from a blackbox probe carries the
    probed URL as instance; ir.host and ir.target are its host, the run is limited to <host>,localhost."""
    body = json.loads((CASE28 / "webhook_providerdaemondown.json").read_text())
    events = [alertmanager_alert.main(alert, limit_hosts=True) for alert in _split(body)]
    assert [(e["ir"]["host"], e["ir"]["target"], e["ir"]["status"]) for e in events] == [
        ("provider1.example.net", "provider1.example.net", "firing"), ("provider2.example.net", "provider2.example.net", "firing"),
        ("2001:db8:0:7::3", "2001:db8:0:7::3", "resolved")]
    assert [",".join(e["meta"]["hosts"]) for e in events] == [
        "provider1.example.net,localhost", "provider2.example.net,localhost", "2001:db8:0:7::3,localhost"]
    assert all(e["ir"]["scope"] == "host" and e["ir"]["alert"] == "ProviderDaemonDown" for e in events)
    # The scrape job of the case is what produces these instances: its targets are the probed URLs.
    job = yaml.safe_load((CASE28 / "prometheus_blackbox_job.yml").read_text())["scrape_configs"][0]
    assert [alertmanager_alert.instance_host(t) for t in job["static_configs"][0]["targets"]] == [e["ir"]["host"] for e in events]


def test_targets_map_blackbox_urls_ipv6_literals_and_relabelled_names_to_inventory_hosts():
    """Variants of case 28: the inventory names its hosts otherwise than Prometheus does (addresses, relabelled names)."""
    body = json.loads((CASE28 / "webhook_providerdaemondown.json").read_text())
    body["alerts"][0]["labels"]["instance"] = "http://[2001:DB8:0:7::1]:8080/health"
    body["alerts"][1]["labels"]["instance"] = "provider-two"    # relabelled: instance replaced by a name
    targets = {"2001:db8:0:7::1": "provider1", "provider-two": "provider2", "http://[2001:db8:0:7::3]:8080/health": ["provider3a", "provider3b"]}
    events = [alertmanager_alert.main(alert, targets=targets) for alert in _split(body)]
    assert [e["meta"]["hosts"] for e in events] == [["provider1", "localhost"], ["provider2", "localhost"], ["provider3a", "provider3b", "localhost"]]
    assert [e["ir"]["inventory_host"] for e in events] == ["provider1", "provider2", "provider3a,provider3b"]
    assert [e["ir"]["target"] for e in events] == ["provider1", "provider2", "provider3a,provider3b"]
    assert events[0]["ir"]["scope_reason"] == "limited to provider1: instance http://[2001:DB8:0:7::1]:8080/health maps to it in the filter's targets"


def test_a_target_that_matches_no_inventory_host_runs_fleet_wide_and_says_why(caplog):
    (alert,) = _alerts("chainhalted_firing.json")
    alert["labels"].update(alertname="ProviderDaemonDown", runbook="PLAY-012", instance="https://203.0.113.9:8443/health")
    event = alertmanager_alert.main(copy.deepcopy(alert), targets={"203.0.113.7": "provider1"}, inventory_hosts=["validator1"])
    assert "meta" not in event, "no --limit: the ruleset's hosts (the whole fleet)"
    assert event["ir"]["scope"] == "fleet" and event["ir"]["inventory_host"] == "" and event["ir"]["host"] == "203.0.113.9"
    assert event["ir"]["scope_reason"] == ("instance https://203.0.113.9:8443/health (host 203.0.113.9) matches no inventory host in the "
                                           "filter's targets or inventory_hosts: the run covers the whole fleet; add it to targets (docs/eda.md)")
    assert event["ir"]["target"] == "203.0.113.9", "throttled per probed host all the same"
    assert "matches no inventory host" in caplog.text
    # Named like an inventory host (another case, another IPv6 spelling): limited to the inventory's spelling.
    for instance, host in (("Validator1:26660", "validator1"), ("[2001:db8::0:5]:26660", "2001:db8::5")):
        alert["labels"]["instance"] = instance
        assert alertmanager_alert.main(copy.deepcopy(alert), inventory_hosts=["validator1", "2001:db8::5"])["meta"]["hosts"] == [host, "localhost"]
    alert["labels"]["instance"] = "http:///health"
    assert alertmanager_alert.main(copy.deepcopy(alert))["ir"]["scope_reason"] == "instance http:///health names no host: the run covers the whole fleet"
    alert["labels"]["instance"] = "validator1:26660"
    assert alertmanager_alert.main(copy.deepcopy(alert), limit_hosts=False)["ir"]["scope_reason"] == "limit_hosts is false: the run covers the whole fleet"


@pytest.mark.parametrize("options, message", [
    ({"targets": {"10.0.0.5": "{{ inventory_map['10.0.0.5'] }}"}}, "ansible-rulebook does not template filter arguments"),
    ({"inventory_hosts": "{{ groups.all }}"}, "inventory_hosts must be a list"),
    ({"targets": ["validator1"]}, "targets must map an instance or host"),
    ({"targets": {"10.0.0.5": 7}}, "targets must map an instance or host")])
def test_a_malformed_target_map_is_a_clear_error(options, message):
    (alert,) = _alerts("chainhalted_firing.json")
    alert["labels"]["instance"] = "10.0.0.5:26660"
    with pytest.raises(ValueError, match=re.escape(message)):
        alertmanager_alert.main(alert, **options)
