#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: incident_notify
short_description: Send one incident message to Slack, PagerDuty and Statuspage at the same time
version_added: 0.1.0
description:
  - Sends what M(virtengine.incident_response.slack_incident), M(virtengine.incident_response.pagerduty_event) and
    M(virtengine.incident_response.statuspage_incident) send, with the same options and the same results, to each
    service given, all at once, from the controller.
  - An action plugin; no module runs. The incident role announces every incident step with it.
  - A service whose options are wrong is not sent to, and its result says why (C(errors) of RV(slack) with
    C(error_kind=arguments)); the other services are still sent. A delivery problem is reported, never raised, as by
    the single-service modules.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  slack:
    description:
      - The options of M(virtengine.incident_response.slack_incident) (C(token), C(create_channel), C(channels),
        C(text), C(api_url), C(timeout), C(retries), C(max_retry_wait), C(outbox)). Omitted, nothing goes to Slack.
    type: dict
  pagerduty:
    description:
      - The options of M(virtengine.incident_response.pagerduty_event) (C(routing_key), C(event_action),
        C(dedup_key), C(summary), C(source), C(severity), C(custom_details) and the common ones). Omitted, nothing
        goes to PagerDuty.
    type: dict
  statuspage:
    description:
      - The options of M(virtengine.incident_response.statuspage_incident) (C(api_key), C(page_id), C(incident_id),
        C(name), C(status), C(body), C(impact_override), C(components) and the common ones). Omitted, nothing goes to
        Statuspage.
    type: dict
attributes:
  check_mode:
    support: full
    description: In check mode nothing is sent; the requests are returned (and written to the outbox) as in a dry run.
  diff_mode:
    support: none
    description: A message is not a diffable state.
notes:
  - The credentials are removed from every result, error and outbox line, as by the single-service modules.
seealso:
  - module: virtengine.incident_response.slack_incident
  - module: virtengine.incident_response.pagerduty_event
  - module: virtengine.incident_response.statuspage_incident
"""

EXAMPLES = r"""
- name: Announce the incident on every channel at once
  virtengine.incident_response.incident_notify:
    slack:
      token: "{{ incident_slack_token }}"
      create_channel: inc-20261130-chain-halted
      channels: ["#incident-response"]
      text: "@here INCIDENT DECLARED INC-20261130-001"
      outbox: /var/lib/virtengine-ir/incidents/INC-20261130-001/outbox.jsonl
    pagerduty:
      routing_key: "{{ incident_pagerduty_routing_key }}"
      event_action: trigger
      dedup_key: INC-20261130-001
      summary: "SEV-1 Chain halted"
  register: sent
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
slack:
  description: What M(virtengine.incident_response.slack_incident) returns (C(ok), C(dry_run), C(channel_id), C(posted), C(errors), ...).
  returned: when O(slack) was given
  type: dict
pagerduty:
  description: What M(virtengine.incident_response.pagerduty_event) returns (C(ok), C(dry_run), C(dedup_key), C(errors), ...).
  returned: when O(pagerduty) was given
  type: dict
statuspage:
  description: What M(virtengine.incident_response.statuspage_incident) returns (C(ok), C(dry_run), C(incident_id), C(errors), ...).
  returned: when O(statuspage) was given
  type: dict
ok:
  description: Every service given was sent to (or written as a dry run) without an error.
  returned: always
  type: bool
"""
