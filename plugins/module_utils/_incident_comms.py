# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One incident message to Slack, PagerDuty and Statuspage: each service's options, checks and call.

The modules slack_incident, pagerduty_event and statuspage_incident send to one service each; incident_notify sends
one message to several at once. Both use these, so a service is spoken to one way. For each service:

- ``<SERVICE>_SPEC``: the argument spec (the C(saas) doc fragment's options plus the service's own);
- ``check_<service>(params)``: the message naming a bad value and what to do, or None (checked before anything is sent);
- ``send_<service>(params, check_mode)``: the result the module returns, ``{changed, ok, dry_run, errors, requests,
  attempts, rate_limited, ...}``. A service that fails is reported in ``errors``, never raised. Without a credential
  (or in check mode) nothing is sent and the request is written to ``outbox`` (a dry run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtengine.incident_response.plugins.module_utils._saas_http import SaasClient, SaasError, outcome, saas_argument_spec

# Slack -----------------------------------------------------------------------------------------------------------------

SLACK_SPEC = saas_argument_spec(
    "https://slack.com/api",
    token=dict(type="str", default="", no_log=True),
    create_channel=dict(type="str"),
    channels=dict(type="list", elements="str", default=[]),
    text=dict(type="str", default=""),
)
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def check_slack(params):
    name = params["create_channel"]
    if name is not None and not CHANNEL_NAME.match(name):
        return ("create_channel=%r is not a valid Slack channel name: use lower case letters, digits, hyphens and "
                "underscores, at most 80 characters (the channel_name filter builds one)" % name)
    if params["channels"] and not params["text"]:
        return "text is empty: give the message to post to %s" % ", ".join(params["channels"])
    return None


def _slack_call(client, method, body):
    """Slack answers HTTP 200 with ``ok: false`` for API errors such as invalid_auth or name_taken."""
    answer = client.call("POST", "/" + method, body)
    if answer is not None and not answer.get("ok"):
        error = answer.get("error", "unknown_error")
        kind = "auth" if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope") else "api"
        raise SaasError(kind, "slack: %s answered %s" % (method, error))
    return answer or {}


def send_slack(params, check_mode):
    """Create the incident channel (O(create_channel)) and post O(text) there and to O(channels)."""
    client = SaasClient("slack", params, params["token"], auth_header="Bearer %s" % params["token"], check_mode=check_mode)
    name = params["create_channel"]
    errors, posted, channel_id = [], [], None
    targets = list(params["channels"])
    if name:
        try:
            answer = _slack_call(client, "conversations.create", {"name": name, "is_private": False})
            channel_id = answer.get("channel", {}).get("id")
        except SaasError as exc:
            errors.append(outcome(client, "conversations.create", exc, channel=name))
            # A taken name is usually this incident's channel from an earlier run: post there by name.
            usable = "name_taken" in str(exc)
        else:
            usable = True
        if usable:
            targets.insert(0, channel_id or "#" + name)
    if params["text"]:
        for channel in targets:
            try:
                _slack_call(client, "chat.postMessage", {"channel": channel, "text": params["text"]})
                posted.append(channel)
            except SaasError as exc:
                errors.append(outcome(client, "chat.postMessage", exc, channel=channel))
    return dict(changed=bool(posted or channel_id) and not client.dry_run, ok=not errors, dry_run=client.dry_run,
                channel_id=channel_id, channel_name=name, posted=posted, errors=errors, requests=client.sent,
                attempts=client.attempts, rate_limited=client.rate_limited)


# PagerDuty -------------------------------------------------------------------------------------------------------------

PAGERDUTY_SPEC = saas_argument_spec(
    "https://events.pagerduty.com",
    routing_key=dict(type="str", default="", no_log=True),
    event_action=dict(type="str", required=True, choices=["trigger", "acknowledge", "resolve"]),
    dedup_key=dict(type="str", required=True, no_log=False),
    summary=dict(type="str", default=""),
    source=dict(type="str", default="virtengine.incident_response"),
    severity=dict(type="str", default="critical", choices=["critical", "error", "warning", "info"]),
    custom_details=dict(type="dict", default={}),
)


def check_pagerduty(params):
    if params["event_action"] == "trigger" and not params["summary"]:
        return "summary is empty: PagerDuty needs a summary to trigger an alert (e.g. 'SEV-1 Chain halted')"
    if not params["dedup_key"]:
        return "dedup_key is empty: give the incident id, e.g. INC-20260127-001"
    return None


def event_body(params):
    """The Events API v2 request: routing_key, event_action, dedup_key, and a payload for triggers."""
    body = {"routing_key": params["routing_key"], "event_action": params["event_action"], "dedup_key": params["dedup_key"]}
    if params["event_action"] == "trigger":
        body["payload"] = {"summary": params["summary"][:1024], "source": params["source"], "severity": params["severity"],
                           "custom_details": params["custom_details"]}
    return body


def send_pagerduty(params, check_mode):
    """One Events API v2 event (trigger, acknowledge or resolve) keyed by the incident id."""
    client = SaasClient("pagerduty", params, params["routing_key"], check_mode=check_mode)
    errors, dedup_key = [], params["dedup_key"]
    try:
        answer = client.call("POST", "/v2/enqueue", event_body(params))
        if answer is not None:
            if answer.get("status") != "success":
                raise SaasError("api", "pagerduty: %s (%s)" % (answer.get("message"), "; ".join(answer.get("errors", []))))
            dedup_key = answer.get("dedup_key", dedup_key)
    except SaasError as exc:
        errors.append(outcome(client, params["event_action"], exc, dedup_key=dedup_key))
    return dict(changed=not errors and not client.dry_run, ok=not errors, dry_run=client.dry_run, dedup_key=dedup_key,
                errors=errors, requests=client.sent, attempts=client.attempts, rate_limited=client.rate_limited)


# Statuspage ------------------------------------------------------------------------------------------------------------

STATUSPAGE_SPEC = saas_argument_spec(
    "https://api.statuspage.io",
    api_key=dict(type="str", default="", no_log=True),
    page_id=dict(type="str", required=True),
    incident_id=dict(type="str"),
    name=dict(type="str", default=""),
    status=dict(type="str", default="investigating", choices=["investigating", "identified", "monitoring", "resolved"]),
    body=dict(type="str", default=""),
    impact_override=dict(type="str", choices=["none", "minor", "major", "critical"]),
    components=dict(type="dict", default={}),
)
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")


def check_statuspage(params):
    if not params["incident_id"] and not params["name"]:
        return "name is empty: a new Statuspage incident needs a title (or give incident_id to update one)"
    bad = dict((c, s) for c, s in params["components"].items() if s not in COMPONENT_STATUSES)
    if bad:
        return "components %s: the status must be one of %s" % (bad, ", ".join(COMPONENT_STATUSES))
    return None


def incident_body(params):
    incident = {"status": params["status"], "body": params["body"]}
    if params["name"]:
        incident["name"] = params["name"]
    if params["impact_override"]:
        incident["impact_override"] = params["impact_override"]
    if params["components"]:
        incident["component_ids"] = sorted(params["components"])
        incident["components"] = params["components"]
    return {"incident": incident}


def send_statuspage(params, check_mode):
    """Create the customer-facing incident, or update or resolve it when O(incident_id) is given."""
    client = SaasClient("statuspage", params, params["api_key"], auth_header="OAuth %s" % params["api_key"], check_mode=check_mode)
    path = "/v1/pages/%s/incidents" % params["page_id"]
    method, operation = "POST", "create"
    if params["incident_id"]:
        path, method, operation = path + "/" + params["incident_id"], "PATCH", "resolve" if params["status"] == "resolved" else "update"
    errors, incident_id, shortlink = [], params["incident_id"], None
    try:
        answer = client.call(method, path, incident_body(params))
        if answer is not None:
            if "id" not in answer:
                raise SaasError("api", "statuspage: %s answered without an incident id: %s" % (operation, answer.get("error", answer)))
            incident_id, shortlink = answer["id"], answer.get("shortlink")
    except SaasError as exc:
        errors.append(outcome(client, operation, exc, incident_id=incident_id))
    return dict(changed=not errors and not client.dry_run, ok=not errors, dry_run=client.dry_run, incident_id=incident_id,
                shortlink=shortlink, operation=operation, errors=errors, requests=client.sent, attempts=client.attempts,
                rate_limited=client.rate_limited)


SERVICES = {
    "slack": (SLACK_SPEC, check_slack, send_slack),
    "pagerduty": (PAGERDUTY_SPEC, check_pagerduty, send_pagerduty),
    "statuspage": (STATUSPAGE_SPEC, check_statuspage, send_statuspage),
}


def run_one(module, service):
    """The body of a one-service module: check, send, exit with the result."""
    _spec, check, send = SERVICES[service]
    problem = check(module.params)
    if problem:
        module.fail_json(msg=problem)
    module.exit_json(**send(module.params, module.check_mode))
