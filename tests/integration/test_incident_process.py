# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The incident process through real ansible-playbook runs, against the local doubles of Slack, PagerDuty,
Statuspage and Jira (tests/unit/saas_doubles.py), and end to end with PLAY-001 on the real local network."""

import json
import re
import statistics
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import REPO, run_playbook, wait_until

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import parse_time

from ansible_collections.virtengine.incident_response.tests.unit.saas_doubles import SaasDoubles

PLAY001 = REPO / "playbooks" / "play001_chain_halted.yml"
UPDATE = REPO / "playbooks" / "incident_update.yml"
POST_INCIDENT = REPO / "playbooks" / "post_incident.yml"
FAST = {"play001_halt_window": 6, "play001_verify_timeout": 120, "post_incident_halt_window": 6}
SECRETS = ("xoxb-test-double-token", "R0UT1NGKEY0000000000000000000000", "sp-double-api-key", "jira-double-token")


@pytest.fixture
def doubles():
    with SaasDoubles() as server:
        yield server


def _comms(doubles):
    return {"ir_slack_api_url": doubles.url + "/api", "ir_slack_token": SECRETS[0],
            "ir_pagerduty_api_url": doubles.url, "ir_pagerduty_routing_key": SECRETS[1],
            "ir_statuspage_api_url": doubles.url, "ir_statuspage_api_key": SECRETS[2], "ir_statuspage_page_id": "pg1",
            "ir_statuspage_component_ids": ["cmp-chain"], "ir_comms_retries": 2}


def _no_secret_anywhere(run, *directories):
    texts = [run.raw, run.stderr] + [p.read_text(errors="replace") for d in directories for p in Path(d).rglob("*") if p.is_file()]
    for secret in SECRETS:
        assert not any(secret in text for text in texts), "%s leaked" % secret


def _incident(report_dir):
    (directory,) = sorted((report_dir / "incidents").glob("INC-*"))
    state = json.loads((directory / "state.json").read_text())
    timeline = [json.loads(line) for line in (directory / "timeline.jsonl").read_text().splitlines()]
    return directory, state, timeline


@pytest.fixture
def local_inventory(tmp_path):
    path = tmp_path / "local.yml"
    path.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    return path


@pytest.fixture
def declare_playbook(tmp_path):
    path = tmp_path / "declare.yml"
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Declare", "ansible.builtin.include_role": {"name": "virtengine.incident_response.incident"},
         "vars": {"incident_title": "Marketplace API errors", "incident_severity": "SEV-2", "incident_service": "Marketplace",
                  "incident_impact": "62% of order requests fail"}},
        {"name": "A change the scribe must record", "ansible.builtin.command": "true", "changed_when": True},
        {"name": "A secret task", "ansible.builtin.command": "false", "no_log": True, "ignore_errors": True},
        {"name": "Report", "ansible.builtin.include_role": {"name": "virtengine.incident_response.report"},
         "vars": {"report_name": "declare", "report_title": "declare"}},
    ]}]))
    return path


def test_declaration_sends_everything_and_the_scribe_records_the_run(doubles, report_dir, local_inventory, declare_playbook):
    run = run_playbook(declare_playbook, inventory=local_inventory, extra_vars=dict(_comms(doubles), ir_incident_roles={"tech_lead": "bob"}),
                       env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    directory, state, timeline = _incident(report_dir)
    assert state["id"].startswith("INC-") and state["severity"] == "SEV-2" and state["requirements"]["update_every_minutes"] == 30
    assert state["roles"]["tech_lead"] == "bob" and state["roles"]["incident_commander"]
    channel = state["channel"]
    assert channel == "inc-%s-marketplace-api-errors" % state["id"][4:12]
    assert [c["body"] for c in doubles.calls("conversations.create")] == [{"name": channel, "is_private": False}]
    posts = doubles.calls("chat.postMessage")
    assert [p["body"]["channel"] for p in posts] == [doubles.channels[channel]["id"], "#incident-response"]
    assert posts[0]["body"]["text"] == ("@here INCIDENT DECLARED %s\n\nSeverity: SEV-2\nService: Marketplace\nImpact: 62%% of order requests fail\n"
                                        "IC: @%s\n\nStatus: Investigating" % (state["id"], state["roles"]["incident_commander"]))
    (page,) = doubles.calls("/v2/enqueue")
    assert page["body"]["event_action"] == "trigger" and page["body"]["dedup_key"] == state["id"]
    assert page["body"]["payload"]["severity"] == "error" and page["body"]["payload"]["source"] == "Marketplace"
    (status_page,) = doubles.calls("/v1/pages/pg1/incidents")
    assert status_page["body"]["incident"]["components"] == {"cmp-chain": "partial_outage"}
    assert status_page["body"]["incident"]["impact_override"] == "major"
    assert state["statuspage_incident_id"] in doubles.incidents
    delivered = [(c["service"], c["ok"], c["dry_run"]) for c in state["comms"]]
    assert delivered == [("slack", True, False), ("pagerduty", True, False), ("statuspage", True, False)]
    tasks = [e for e in timeline if e["kind"] == "task"]
    change = next(e for e in tasks if e["task"] == "A change the scribe must record")
    assert change["changed"] and change["host"] == "localhost" and change["action"] == "ansible.builtin.command"
    assert change["start"] <= change["end"] and change["end"].endswith("Z")
    assert tasks[0]["task"].startswith("Declare"), "tasks before the declaration are recorded too"
    secret = next(e for e in tasks if e["task"] == "A secret task")
    assert secret["failed"] and secret["msg"] == "(no_log)"
    assert list((directory / "reports").glob("*-declare.json")), "the report is kept with the incident"
    _no_secret_anywhere(run, report_dir)


def test_failed_communications_are_recorded_and_the_incident_goes_on(doubles, report_dir, local_inventory, declare_playbook):
    comms = dict(_comms(doubles), ir_slack_token="xoxb-revoked-0000", ir_comms_max_retry_wait=1)
    doubles.fail_next("/v2/enqueue", 429, {"status": "throttle event"}, {"Retry-After": "0"}, times=10)
    run = run_playbook(declare_playbook, inventory=local_inventory, extra_vars=comms, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    _directory, state, _timeline = _incident(report_dir)
    by_service = dict((c["service"], c) for c in state["comms"])
    assert not by_service["slack"]["ok"] and "invalid_auth" in by_service["slack"]["errors"][0]
    assert not by_service["pagerduty"]["ok"] and "rate limited" in by_service["pagerduty"]["errors"][0]
    assert by_service["statuspage"]["ok"]
    assert len(doubles.calls("/v2/enqueue")) == 3, "one try and two retries"
    (report,) = report_dir.glob("*-declare.json")
    findings = json.loads(report.read_text())["findings"]
    assert any("slack declared message FAILED" in f for f in findings) and any("pagerduty declared message FAILED" in f for f in findings)
    assert "xoxb-revoked-0000" not in run.raw and "xoxb-revoked-0000" not in report.read_text()


def test_without_credentials_everything_is_a_dry_run_in_the_outbox(report_dir, local_inventory, declare_playbook):
    run = run_playbook(declare_playbook, inventory=local_inventory, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    directory, state, _timeline = _incident(report_dir)
    assert all(c["dry_run"] and c["ok"] for c in state["comms"])
    outbox = [json.loads(line) for line in (directory / "outbox.jsonl").read_text().splitlines()]
    assert [(o["service"], o["url"]) for o in outbox] == [
        ("slack", "https://slack.com/api/conversations.create"), ("slack", "https://slack.com/api/chat.postMessage"),
        ("slack", "https://slack.com/api/chat.postMessage"), ("pagerduty", "https://events.pagerduty.com/v2/enqueue"),
        ("statuspage", "https://api.statuspage.io/v1/pages/dry-run-page/incidents")]


def test_status_update_posts_to_both_channels_and_the_status_page(doubles, report_dir, local_inventory, declare_playbook):
    comms = _comms(doubles)
    run = run_playbook(declare_playbook, inventory=local_inventory, extra_vars=comms, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    directory, state, _timeline = _incident(report_dir)
    # Pretend the last update was 31 minutes ago (SEV-2: every 30 minutes).
    state["last_update_at"] = "2000-01-01T00:00:00.000000Z"
    (directory / "state.json").write_text(json.dumps(state))
    update = run_playbook(UPDATE, inventory=local_inventory, extra_vars=dict(comms, ir_incident_id=state["id"], ir_status="Identified",
                                                                             ir_update="Bad config push found; rolling back"),
                          env={"IR_REPORT_DIR": str(report_dir)})
    assert update.rc == 0, update.raw[-3000:]
    posts = doubles.calls("chat.postMessage")[-2:]
    assert [p["body"]["channel"] for p in posts] == ["#" + state["channel"], "#incident-response"]
    assert "Status: Identified\nBad config push found; rolling back" in posts[0]["body"]["text"]
    patch = doubles.calls("/v1/pages/pg1/incidents/" + state["statuspage_incident_id"])[-1]
    assert patch["method"] == "PATCH" and patch["body"]["incident"]["status"] == "identified"
    after = json.loads((directory / "state.json").read_text())
    assert after["status"] == "Identified" and after["last_update_at"] > "2001"
    (report,) = report_dir.glob("*-incident_update.json")
    assert json.loads(report.read_text())["summary"]["next_update_due_in_minutes"] > 29

    # An update that says nothing is refused before anything is sent.
    sent = len(doubles.requests)
    refused = run_playbook(UPDATE, inventory=local_inventory, extra_vars=dict(comms, ir_incident_id=state["id"], ir_update=""),
                           env={"IR_REPORT_DIR": str(report_dir)})
    assert refused.rc != 0 and "incident_update_text must say what changed" in refused.raw
    assert len(doubles.requests) == sent
    _no_secret_anywhere(update, report_dir)


def test_overdue_warning_in_reports(report_dir, local_inventory, tmp_path):
    root = report_dir / "incidents" / "INC-20000101-001"
    (root / "reports").mkdir(parents=True)
    (root / "state.json").write_text(json.dumps({
        "id": "INC-20000101-001", "dir": str(root), "severity": "SEV-1", "status": "Investigating", "title": "t", "service": "s",
        "impact": "i", "started_at": "2000-01-01T00:00:00Z", "last_update_at": "2000-01-01T00:00:00.000000Z", "comms": [],
        "requirements": {"update_every_minutes": 15}, "roles": {}, "channel": "inc-20000101-t"}))
    playbook = tmp_path / "report.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Open", "ansible.builtin.include_role": {"name": "virtengine.incident_response.incident"}, "vars": {"incident_action": "open"}},
        {"name": "Report", "ansible.builtin.include_role": {"name": "virtengine.incident_response.report"},
         "vars": {"report_name": "any", "report_title": "any"}}]}]))
    run = run_playbook(playbook, inventory=local_inventory, extra_vars={"ir_incident_id": "INC-20000101-001"},
                       env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    (report,) = report_dir.glob("*-any.md")
    assert "STATUS UPDATE OVERDUE for INC-20000101-001" in report.read_text() and "(every 15 min)" in report.read_text()


def _header_times(url, first, last):
    return dict((h, parse_time(requests.get("%s/block" % url, params={"height": h}, timeout=5).json()["result"]["block"]["header"]["time"]))
                for h in range(first, last + 1))


def _latest_block_time(url):
    return parse_time(requests.get("%s/status" % url, timeout=5).json()["result"]["sync_info"]["latest_block_time"])


HALT_S = 20  # how long the chain stays halted at least before PLAY-001 runs


def test_play001_end_to_end_declares_records_recovers_and_post_mortem_matches(localnet, doubles, report_dir):
    """Halt the chain for a known time, run PLAY-001 with confirmation, then post_incident.yml; the post-mortem tells
    what ran, and its duration is the chain's own halt (the longest gap between block times) within one block time."""
    comms = _comms(doubles)
    url = localnet.url("validator1")
    before = localnet.height("validator1")
    localnet.run("stop", "validator3", "validator4")
    try:
        # The newest header time is the commit of the height before the last one: one block time more than the halt.
        wait_until("a %d s halt" % HALT_S, lambda: time.time() - _latest_block_time(url) > HALT_S + 2, HALT_S + 60)
        run = run_playbook(PLAY001, extra_vars=dict(FAST, **comms, ir_confirm="coordinated_restart"), env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc == 0, run.raw[-4000:]
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)
    directory, state, timeline = _incident(report_dir)
    assert state["severity"] == "SEV-1" and state["status"] == "Monitoring"
    assert [c["body"]["name"] for c in doubles.calls("conversations.create")] == ["inc-%s-chain-halted" % state["id"][4:12]]
    assert doubles.calls("chat.postMessage")[0]["body"]["text"].startswith("@here INCIDENT DECLARED " + state["id"])
    # Declared: trigger; the status update after the verification: acknowledge (someone is on it).
    assert [(c["body"]["event_action"], c["body"]["dedup_key"]) for c in doubles.calls("/v2/enqueue")] == [
        ("trigger", state["id"]), ("acknowledge", state["id"])]
    gates = [e for e in timeline if e["kind"] == "gate"]
    assert [(g["action"], g["decision"], g["via"], g["hosts"]) for g in gates] == [
        ("coordinated_restart", "confirmed", "ir_confirm", ["validator3", "validator4"])]
    restarted = sorted(e["host"] for e in timeline if e["kind"] == "task" and e["changed"] and e["host"] in ("validator3", "validator4"))
    assert "validator3" in restarted and "validator4" in restarted
    assert not any(e["changed"] for e in timeline if e["kind"] == "task" and e["host"] in ("validator1", "validator2"))

    post = run_playbook(POST_INCIDENT, extra_vars=dict(FAST, **comms, ir_incident_id=state["id"],
                                                       ir_resolution="validator3 and validator4 restarted together; blocks again",
                                                       ir_action_items=[{"item": "Alert on stopped validators", "owner": "alice", "priority": "P0"}],
                                                       ir_jira_url=doubles.url, ir_jira_token=SECRETS[3], ir_jira_project="SRE"),
                        env={"IR_REPORT_DIR": str(report_dir)})
    assert post.rc == 0, post.raw[-4000:]
    _directory, final, final_timeline = _incident(report_dir)
    assert final["status"] == "Resolved" and final["resolved_at"]
    assert [c["body"]["event_action"] for c in doubles.calls("/v2/enqueue")] == ["trigger", "acknowledge", "resolve"]
    assert doubles.incidents[final["statuspage_incident_id"]]["status"] == "resolved"
    assert doubles.calls("chat.postMessage")[-1]["body"]["text"].startswith("RESOLVED " + state["id"])
    assert [i["key"] for i in doubles.issues] == ["SRE-1"]
    postmortem = (directory / "postmortem.md").read_text()
    assert postmortem.startswith("# Post-Incident Report: Chain halted") and "- **Incident ID**: %s" % state["id"] in postmortem
    assert "- **Severity**: SEV-1" in postmortem
    # The timeline table is the scribe's record: every gate decision and every change, at the times they happened.
    gate = gates[0]
    assert "| %s | gate coordinated_restart: confirmed by %s via ir_confirm (hosts validator3, validator4) |" % (gate["at"][11:19], gate["by"]) \
        in postmortem
    for entry in final_timeline:
        if entry["kind"] == "task" and entry["changed"] and entry["host"] in ("validator3", "validator4"):
            assert "| %s | changed on %s: %s" % (entry["start"][11:19], entry["host"], entry["task"]) in postmortem
    assert "post-incident stability check: STABLE" in postmortem
    assert "| Alert on stopped validators | alice | P0 |" in postmortem and "| SRE-1 |" in postmortem

    # The duration is the chain's halt: measured independently here as the longest gap between consecutive header times.
    now_height = localnet.height("validator1")
    times = _header_times(url, max(before - 3, 1), now_height)
    gaps = dict((h, times[h] - times[h - 1]) for h in times if h - 1 in times)
    halt_end = max(gaps, key=gaps.get)  # block H+2: its header time is H+1's commit, after the recovery
    block_time = statistics.median(g for h, g in gaps.items() if h < halt_end - 1)
    window = final["impact_window"]
    assert window["kind"] == "chain_halt" and window["last_height"] == halt_end - 2 and not window["ongoing"], (window, times)
    assert abs(window["seconds"] - gaps[halt_end]) <= block_time and window["seconds"] >= HALT_S
    duration = re.search(r"- \*\*Duration\*\*: .*\(([0-9.]+) s, measured from block (\d+)'s commit \(header time of block (\d+)\) "
                         r"to block (\d+)'s commit \(header time of block (\d+)\)\)", postmortem)
    assert duration, postmortem[:1500]
    assert float(duration.group(1)) == window["seconds"]
    assert [int(duration.group(i)) for i in range(2, 6)] == [halt_end - 2, halt_end - 1, halt_end - 1, halt_end]
    # The response times agree with the timeline: declared, the gate's confirmation, resolved.
    rt = final["response_times"]
    assert rt["approved_action"] == "coordinated_restart" and rt["approved_at"][:19] == gate["at"][:19]
    assert abs(rt["time_to_approve_s"] - (parse_time(gate["at"]) - parse_time(final["declared_at"]))) < 0.01
    assert abs(rt["time_to_detect_s"] - (parse_time(final["declared_at"]) - window["start_epoch"])) < 0.01 and rt["time_to_detect_s"] >= HALT_S
    assert 0 < rt["time_to_mitigate_s"] < 120 and rt["time_to_resolve_s"] > window["seconds"]
    assert rt["voting_power_affected_fraction"] == 0.5 and rt["validators_affected"] == ["validator3", "validator4"]
    assert "| Time to approve | declared" in postmortem and "coordinated_restart confirmed" in postmortem
    # Root Cause and Detection are drafted from the decision and its evidence, and say so.
    assert "## Root Cause\n_Drafted from the evidence; confirm._\n" in postmortem and "(scenario B)." in postmortem
    assert "- How was this detected? _Drafted from the evidence; confirm._ PLAY-001's fleet probe detected it at" in postmortem
    (post_report,) = report_dir.glob("*-post_incident.json")
    assert json.loads(post_report.read_text())["summary"]["impact_seconds"] == window["seconds"]
    _no_secret_anywhere(run, report_dir)
    _no_secret_anywhere(post, report_dir)


def test_scribe_redacts_secret_variables_even_in_task_names_and_messages(report_dir, local_inventory, tmp_path):
    playbook = tmp_path / "careless.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Careless name {{ ir_slack_token }}", "ansible.builtin.command": "true"},
        {"name": "Declare", "ansible.builtin.include_role": {"name": "virtengine.incident_response.incident"},
         "vars": {"incident_title": "Slow queries", "incident_severity": "SEV-3"}},
        {"name": "Careless failure", "ansible.builtin.fail": {"msg": "bad {{ ir_slack_token }}"}, "ignore_errors": True},
    ]}]))
    run = run_playbook(playbook, inventory=local_inventory, extra_vars={"ir_slack_token": "hunter2-not-a-real-token", "ir_comms": []},
                       env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-3000:]
    directory, state, timeline = _incident(report_dir)
    assert state["comms"] == [] and state["requirements"]["incident_channel"] is False
    named = [e["task"] for e in timeline if e["kind"] == "task"]
    assert "Careless name ********" in named
    assert next(e for e in timeline if e.get("task") == "Careless failure")["msg"] == "bad ********"
    assert not any("hunter2-not-a-real-token" in p.read_text() for p in directory.rglob("*") if p.is_file())
