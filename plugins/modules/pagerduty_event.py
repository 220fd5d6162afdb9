#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pagerduty_event
short_description: Trigger, acknowledge or resolve a PagerDuty alert with the Events API v2
version_added: 0.1.0
description:
  - Sends one event to C(POST /v2/enqueue) with the incident id as C(dedup_key), so that the trigger, the
    acknowledgement and the resolution all act on the same PagerDuty alert.
  - Written because M(community.general.pagerduty_alert) posts to a fixed V(https://events.pagerduty.com) URL (no
    base URL option, so no local double) and M(community.general.pagerduty_change) sends change events only.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.saas
options:
  api_url:
    default: https://events.pagerduty.com
  routing_key:
    description: The integration key of the PagerDuty service (Events API v2). Empty means dry run.
    type: str
    default: ""
  event_action:
    description: What to do with the alert.
    type: str
    choices: [trigger, acknowledge, resolve]
    required: true
  dedup_key:
    description: The alert's key; the incident id.
    type: str
    required: true
  summary:
    description: Alert summary (required by PagerDuty for O(event_action=trigger), at most 1024 characters).
    type: str
    default: ""
  source:
    description: Where the problem is (required for a trigger).
    type: str
    default: virtengine.incident_response
  severity:
    description: PagerDuty severity of a trigger.
    type: str
    choices: [critical, error, warning, info]
    default: critical
  custom_details:
    description: Extra fields shown on the alert.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Page the on-call for the incident
  virtengine.incident_response.pagerduty_event:
    routing_key: "{{ ir_pagerduty_routing_key }}"
    event_action: trigger
    dedup_key: INC-20260127-001
    summary: "SEV-1 Chain halted: no blocks producing"
    source: mainnet
  delegate_to: localhost

- name: Resolve it
  virtengine.incident_response.pagerduty_event:
    routing_key: "{{ ir_pagerduty_routing_key }}"
    event_action: resolve
    dedup_key: INC-20260127-001
  delegate_to: localhost
"""

RETURN = r"""
ok:
  description: Whether PagerDuty accepted the event (always true in a dry run).
  returned: always
  type: bool
dry_run:
  description: True when no routing key was given or in check mode; nothing was sent.
  returned: always
  type: bool
dedup_key:
  description: The key PagerDuty answered with (the one sent, in a dry run).
  returned: always
  type: str
errors:
  description: One record per failed call (service, operation, error, error_kind, attempts).
  returned: always
  type: list
  elements: dict
requests:
  description: What was sent or would be sent, with the routing key removed.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._saas_http import SaasClient, SaasError, outcome, saas_argument_spec


def event_body(params):
    """The Events API v2 request: routing_key, event_action, dedup_key, and a payload for triggers."""
    body = {"routing_key": params["routing_key"], "event_action": params["event_action"], "dedup_key": params["dedup_key"]}
    if params["event_action"] == "trigger":
        body["payload"] = {"summary": params["summary"][:1024], "source": params["source"], "severity": params["severity"],
                           "custom_details": params["custom_details"]}
    return body


def main():
    module = AnsibleModule(
        argument_spec=saas_argument_spec(
            "https://events.pagerduty.com",
            routing_key=dict(type="str", default="", no_log=True),
            event_action=dict(type="str", required=True, choices=["trigger", "acknowledge", "resolve"]),
            dedup_key=dict(type="str", required=True, no_log=False),
            summary=dict(type="str", default=""),
            source=dict(type="str", default="virtengine.incident_response"),
            severity=dict(type="str", default="critical", choices=["critical", "error", "warning", "info"]),
            custom_details=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["event_action"] == "trigger" and not params["summary"]:
        module.fail_json(msg="summary is empty: PagerDuty needs a summary to trigger an alert (e.g. 'SEV-1 Chain halted')")
    if not params["dedup_key"]:
        module.fail_json(msg="dedup_key is empty: give the incident id, e.g. INC-20260127-001")
    client = SaasClient("pagerduty", params, "" if module.check_mode else params["routing_key"])
    errors, dedup_key = [], params["dedup_key"]
    try:
        answer = client.call("POST", "/v2/enqueue", event_body(params))
        if answer is not None:
            if answer.get("status") != "success":
                raise SaasError("api", "pagerduty: %s (%s)" % (answer.get("message"), "; ".join(answer.get("errors", []))))
            dedup_key = answer.get("dedup_key", dedup_key)
    except SaasError as exc:
        errors.append(outcome(client, params["event_action"], exc, dedup_key=dedup_key))
    module.exit_json(changed=not errors and not client.dry_run, ok=not errors, dry_run=client.dry_run, dedup_key=dedup_key,
                     errors=errors, requests=client.sent, attempts=client.attempts, rate_limited=client.rate_limited)


if __name__ == "__main__":
    main()
