# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The communication modules against the local doubles of Slack, PagerDuty, Statuspage and Jira (saas_doubles.py):
exact payloads and headers, retries on 429 with Retry-After, clear errors, dry runs, and no token anywhere; and the
incident_notify action, which sends one message to all three at once with the same code."""

import json
import time

import pytest
from ansible_collections.community.general.plugins.modules import jira

from ansible_collections.virtengine.incident_response.plugins.action.incident_notify import notify
from ansible_collections.virtengine.incident_response.plugins.modules import pagerduty_event, slack_incident, statuspage_incident
from ansible_collections.virtengine.incident_response.tests.unit.saas_doubles import SaasDoubles

SLACK_TOKEN = "xoxb-test-double-token"
PD_KEY = "R0UT1NGKEY0000000000000000000000"
SP_KEY = "sp-double-api-key"
SECRETS = (SLACK_TOKEN, PD_KEY, SP_KEY, "jira-double-token")


@pytest.fixture
def doubles():
    with SaasDoubles() as server:
        yield server


def _no_secret(*documents):
    for document in documents:
        text = document if isinstance(document, str) else json.dumps(document)
        for secret in SECRETS:
            assert secret not in text, "a credential leaked"


def _slack(run_module, doubles, **args):
    args.setdefault("api_url", doubles.url + "/api")
    args.setdefault("retries", 2)
    return run_module(slack_incident, args)


def test_slack_creates_the_channel_and_posts_the_declaration(run_module, doubles):
    text = "@here INCIDENT DECLARED\n\nSeverity: SEV-1\nService: Chain Consensus\nImpact: Chain halted\nIC: @alice\n\nStatus: Investigating"
    result = _slack(run_module, doubles, token=SLACK_TOKEN, create_channel="inc-20260127-chain-halted", channels=["#incident-response"], text=text)
    assert result["ok"] and result["changed"] and not result["dry_run"] and result["errors"] == []
    created = doubles.calls("/api/conversations.create")
    assert [c["body"] for c in created] == [{"name": "inc-20260127-chain-halted", "is_private": False}]
    channel_id = doubles.channels["inc-20260127-chain-halted"]["id"]
    assert result["channel_id"] == channel_id
    posts = doubles.calls("/api/chat.postMessage")
    assert [p["body"] for p in posts] == [{"channel": channel_id, "text": text}, {"channel": "#incident-response", "text": text}]
    for request in created + posts:
        assert request["headers"]["Authorization"] == "Bearer " + SLACK_TOKEN
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
        assert request["method"] == "POST"
    _no_secret(result)


def test_slack_name_taken_posts_to_the_existing_channel_and_says_so(run_module, doubles):
    doubles.channels["inc-20260127-chain-halted"] = {"id": "C000000777", "name": "inc-20260127-chain-halted"}
    result = _slack(run_module, doubles, token=SLACK_TOKEN, create_channel="inc-20260127-chain-halted", text="update")
    assert result["_rc"] == 0 and not result["ok"]
    assert [e["error_kind"] for e in result["errors"]] == ["api"] and "name_taken" in result["errors"][0]["error"]
    assert result["posted"] == ["#inc-20260127-chain-halted"]


def test_slack_invalid_auth_is_reported_not_fatal_and_never_shows_the_token(run_module, doubles):
    wrong = "xoxb-wrong-token-123456"
    result = _slack(run_module, doubles, token=wrong, create_channel="inc-20260127-x", channels=["#incident-response"], text="hi")
    assert result["_rc"] == 0 and not result["ok"] and result["posted"] == []
    assert [e["error_kind"] for e in result["errors"]] == ["auth", "auth"]
    assert "invalid_auth" in result["errors"][0]["error"]
    assert wrong not in json.dumps(result)


def test_slack_ratelimited_waits_retry_after_then_succeeds(run_module, doubles):
    doubles.fail_next("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}, times=2)
    started = time.monotonic()
    result = _slack(run_module, doubles, token=SLACK_TOKEN, channels=["#incident-response"], text="update")
    assert result["ok"] and result["posted"] == ["#incident-response"]
    posts = doubles.calls("chat.postMessage")
    assert len(posts) == 3 and result["rate_limited"] == 2
    assert posts[1]["at"] - posts[0]["at"] >= 0.95 and posts[2]["at"] - posts[1]["at"] >= 0.95
    assert time.monotonic() - started >= 1.9
    assert all(p["body"] == {"channel": "#incident-response", "text": "update"} for p in posts)


def test_slack_rate_limit_beyond_the_retries_is_a_clear_error(run_module, doubles):
    doubles.fail_next("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}, times=5)
    result = _slack(run_module, doubles, token=SLACK_TOKEN, channels=["#incident-response"], text="update", retries=1)
    assert not result["ok"] and result["errors"][0]["error_kind"] == "rate_limited"
    assert "rate limited (HTTP 429" in result["errors"][0]["error"] and len(doubles.calls("chat.postMessage")) == 2


def test_slack_retry_after_longer_than_allowed_is_not_waited_for(run_module, doubles):
    doubles.fail_next("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "600"}, times=1)
    started = time.monotonic()
    result = _slack(run_module, doubles, token=SLACK_TOKEN, channels=["#incident-response"], text="x", max_retry_wait=5)
    assert time.monotonic() - started < 5
    assert result["errors"][0]["error_kind"] == "rate_limited" and "Retry-After 600" in result["errors"][0]["error"]


def test_slack_network_error_is_reported(run_module, refused_url):
    result = run_module(slack_incident, {"api_url": refused_url + "/api", "token": SLACK_TOKEN, "channels": ["#incident-response"],
                                         "text": "x", "retries": 1, "timeout": 2})
    assert result["_rc"] == 0 and not result["ok"]
    assert result["errors"][0]["error_kind"] == "network" and "check api_url" in result["errors"][0]["error"]
    _no_secret(result)


def test_slack_dry_run_writes_what_it_would_send(run_module, doubles, tmp_path):
    outbox = tmp_path / "outbox.jsonl"
    result = _slack(run_module, doubles, token="", create_channel="inc-20260127-x", channels=["#incident-response"], text="hi",
                    outbox=str(outbox))
    assert result["ok"] and result["dry_run"] and not result["changed"]
    assert doubles.requests == []
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [(line["url"], line["body"]) for line in lines] == [
        (doubles.url + "/api/conversations.create", {"name": "inc-20260127-x", "is_private": False}),
        (doubles.url + "/api/chat.postMessage", {"channel": "#inc-20260127-x", "text": "hi"}),
        (doubles.url + "/api/chat.postMessage", {"channel": "#incident-response", "text": "hi"}),
    ]


def test_slack_bad_channel_name_fails_before_sending(run_module, doubles):
    result = _slack(run_module, doubles, token=SLACK_TOKEN, create_channel="INC 2026.01", text="x")
    assert result["failed"] and "'INC 2026.01' is not a valid Slack channel name" in result["msg"]
    assert doubles.requests == []


def _pd(run_module, doubles, **args):
    args.setdefault("api_url", doubles.url)
    return run_module(pagerduty_event, args)


def test_pagerduty_trigger_acknowledge_resolve_share_the_incident_id(run_module, doubles):
    trigger = _pd(run_module, doubles, routing_key=PD_KEY, event_action="trigger", dedup_key="INC-20260127-001",
                  summary="SEV-1 Chain halted", source="localnet", custom_details={"channel": "inc-20260127-chain-halted"})
    ack = _pd(run_module, doubles, routing_key=PD_KEY, event_action="acknowledge", dedup_key="INC-20260127-001")
    resolve = _pd(run_module, doubles, routing_key=PD_KEY, event_action="resolve", dedup_key="INC-20260127-001")
    assert all(r["ok"] and r["dedup_key"] == "INC-20260127-001" for r in (trigger, ack, resolve))
    bodies = [c["body"] for c in doubles.calls("/v2/enqueue")]
    assert bodies == [
        {"routing_key": PD_KEY, "event_action": "trigger", "dedup_key": "INC-20260127-001",
         "payload": {"summary": "SEV-1 Chain halted", "source": "localnet", "severity": "critical",
                     "custom_details": {"channel": "inc-20260127-chain-halted"}}},
        {"routing_key": PD_KEY, "event_action": "acknowledge", "dedup_key": "INC-20260127-001"},
        {"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": "INC-20260127-001"},
    ]
    assert all("Authorization" not in c["headers"] for c in doubles.calls("/v2/enqueue"))
    _no_secret(trigger, ack, resolve)


def test_pagerduty_invalid_routing_key_is_reported(run_module, doubles):
    result = _pd(run_module, doubles, routing_key="WRONGKEY0000000000000000000000000", event_action="resolve", dedup_key="INC-20260127-001")
    assert result["_rc"] == 0 and not result["ok"]
    assert result["errors"][0]["error_kind"] == "http" and "Invalid routing key" in result["errors"][0]["error"]
    assert "WRONGKEY0000000000000000000000000" not in json.dumps(result)


def test_pagerduty_429_is_retried(run_module, doubles):
    doubles.fail_next("/v2/enqueue", 429, {"status": "throttle event", "message": "Requests for this service are arriving too quickly."},
                      {"Retry-After": "1"}, times=1)
    result = _pd(run_module, doubles, routing_key=PD_KEY, event_action="resolve", dedup_key="INC-20260127-001")
    assert result["ok"] and len(doubles.calls("/v2/enqueue")) == 2 and result["rate_limited"] == 1


def _sp(run_module, doubles, **args):
    args.setdefault("api_url", doubles.url)
    args.setdefault("page_id", "pg1")
    return run_module(statuspage_incident, args)


def test_statuspage_create_update_resolve(run_module, doubles):
    created = _sp(run_module, doubles, api_key=SP_KEY, name="Chain halted", body="Investigating", impact_override="critical",
                  components={"cmp1": "major_outage"})
    assert created["ok"] and created["incident_id"] and created["shortlink"].startswith("https://stspg.io/")
    incident_id = created["incident_id"]
    updated = _sp(run_module, doubles, api_key=SP_KEY, incident_id=incident_id, status="identified", body="Found it")
    resolved = _sp(run_module, doubles, api_key=SP_KEY, incident_id=incident_id, status="resolved", body="Fixed",
                   components={"cmp1": "operational"})
    assert updated["operation"] == "update" and resolved["operation"] == "resolve" and resolved["ok"]
    calls = doubles.calls("incidents") + doubles.calls(incident_id)
    assert [(c["method"], c["path"]) for c in calls] == [
        ("POST", "/v1/pages/pg1/incidents"), ("PATCH", "/v1/pages/pg1/incidents/" + incident_id),
        ("PATCH", "/v1/pages/pg1/incidents/" + incident_id)]
    assert calls[0]["body"] == {"incident": {"name": "Chain halted", "status": "investigating", "body": "Investigating",
                                             "impact_override": "critical", "component_ids": ["cmp1"], "components": {"cmp1": "major_outage"}}}
    assert calls[2]["body"] == {"incident": {"status": "resolved", "body": "Fixed", "component_ids": ["cmp1"], "components": {"cmp1": "operational"}}}
    assert all(c["headers"]["Authorization"] == "OAuth " + SP_KEY for c in calls)
    assert doubles.incidents[incident_id]["status"] == "resolved"
    _no_secret(created, updated, resolved)


def test_statuspage_wrong_key_is_an_auth_error(run_module, doubles):
    result = _sp(run_module, doubles, api_key="not-the-key", name="x")
    assert not result["ok"] and result["errors"][0]["error_kind"] == "auth" and "HTTP 401" in result["errors"][0]["error"]
    assert "not-the-key" not in json.dumps(result)


def test_statuspage_bad_component_status_fails_before_sending(run_module, doubles):
    result = _sp(run_module, doubles, api_key=SP_KEY, name="x", components={"cmp1": "down"})
    assert result["failed"] and "'cmp1': 'down'" in result["msg"] and doubles.requests == []


def test_jira_issue_for_an_action_item_through_community_general(run_module, doubles):
    result = run_module(jira, {"uri": doubles.url, "token": "jira-double-token", "operation": "create", "project": "SRE",
                               "issuetype": "Task", "summary": "[INC-20260127-001] Alert on stalled heights",
                               "description": "Owner: alice", "fields": {"duedate": "2026-02-03", "labels": ["INC-20260127-001", "P0"]}})
    assert result["_rc"] == 0 and result["meta"]["key"] == "SRE-1"
    (call,) = doubles.calls("/rest/api/2/issue/")
    assert call["headers"]["Authorization"] == "Bearer jira-double-token"
    assert call["body"] == {"fields": {"project": {"key": "SRE"}, "summary": "[INC-20260127-001] Alert on stalled heights",
                                       "issuetype": {"name": "Task"}, "description": "Owner: alice", "duedate": "2026-02-03",
                                       "labels": ["INC-20260127-001", "P0"]}}


def _messages(doubles, tmp_path):
    outbox = str(tmp_path / "outbox.jsonl")
    return {
        "slack": {"api_url": doubles.url + "/api", "token": SLACK_TOKEN, "create_channel": "inc-20261130-chain-halted",
                  "channels": ["#incident-response"], "text": "@here INCIDENT DECLARED INC-20261130-001", "outbox": outbox},
        "pagerduty": {"api_url": doubles.url, "routing_key": PD_KEY, "event_action": "trigger", "dedup_key": "INC-20261130-001",
                      "summary": "SEV-1 Chain halted", "outbox": outbox},
        "statuspage": {"api_url": doubles.url, "api_key": SP_KEY, "page_id": "pg1", "name": "Chain halted", "outbox": outbox},
    }


def test_incident_notify_sends_to_the_three_services_what_their_modules_send(doubles, tmp_path):
    sent = notify(_messages(doubles, tmp_path), check_mode=False)
    assert sorted(sent) == ["pagerduty", "slack", "statuspage"]
    assert all(one["ok"] and one["changed"] and not one["dry_run"] for one in sent.values())
    assert sent["slack"]["channel_id"] == doubles.channels["inc-20261130-chain-halted"]["id"]
    assert [c["body"]["dedup_key"] for c in doubles.calls("/v2/enqueue")] == ["INC-20261130-001"]
    assert sent["statuspage"]["incident_id"] in doubles.incidents
    assert len(doubles.calls("/api/chat.postMessage")) == 2
    _no_secret(sent)


def test_incident_notify_reports_a_bad_option_as_that_service_s_error_and_sends_the_others(doubles, tmp_path):
    messages = _messages(doubles, tmp_path)
    messages["slack"]["create_channel"] = "Inc 2026 Chain Halted"
    del messages["pagerduty"]["dedup_key"]
    sent = notify(messages, check_mode=False)
    assert not sent["slack"]["ok"] and sent["slack"]["errors"][0]["error_kind"] == "arguments"
    assert "create_channel='Inc 2026 Chain Halted' is not a valid Slack channel name" in sent["slack"]["errors"][0]["error"]
    assert not sent["pagerduty"]["ok"] and "dedup_key" in sent["pagerduty"]["errors"][0]["error"]
    assert doubles.calls("/api/conversations.create") == [] and doubles.calls("/v2/enqueue") == []
    assert sent["statuspage"]["ok"], "the service whose options are right is still sent"
    _no_secret(sent)


def test_incident_notify_in_check_mode_sends_nothing_and_writes_the_outbox_in_service_order(doubles, tmp_path):
    sent = notify(_messages(doubles, tmp_path), check_mode=True)
    assert doubles.requests == [] and all(one["dry_run"] and one["ok"] and not one["changed"] for one in sent.values())
    outbox = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [o["service"] for o in outbox] == ["slack", "slack", "slack", "pagerduty", "statuspage"]
    _no_secret(sent, (tmp_path / "outbox.jsonl").read_text())


def test_incident_notify_masks_a_credential_wherever_it_appears(doubles, tmp_path):
    messages = _messages(doubles, tmp_path)
    messages["pagerduty"]["summary"] = "SEV-1 key %s" % PD_KEY  # a credential pasted where it does not belong
    messages["slack"]["text"] = "token %s" % SLACK_TOKEN
    sent = notify(messages, check_mode=True)
    _no_secret(sent, (tmp_path / "outbox.jsonl").read_text())
