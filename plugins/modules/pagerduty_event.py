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
from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_comms import PAGERDUTY_SPEC, run_one


def main():
    run_one(AnsibleModule(argument_spec=PAGERDUTY_SPEC, supports_check_mode=True), "pagerduty")


if __name__ == "__main__":
    main()
