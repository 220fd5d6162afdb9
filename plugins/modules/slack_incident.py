#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slack_incident
short_description: Create an incident channel and post messages with the Slack Web API
version_added: 0.1.0
description:
  - Optionally creates the public channel O(create_channel) with C(conversations.create), then posts O(text) to that
    channel and to every channel in O(channels) with C(chat.postMessage).
  - When the channel name is taken (C(name_taken)) the messages go to the existing channel by name.
  - Written because M(community.general.slack) cannot create channels and only talks to V(slack.com) or
    V(slack-gov.com), so it cannot be tested against a local double.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.saas
options:
  api_url:
    default: https://slack.com/api
  token:
    description:
      - Bot token (C(xoxb-...)) with the C(channels:manage) and C(chat:write) scopes. Empty means dry run.
    type: str
    default: ""
  create_channel:
    description: Name of a channel to create first (lower case, digits, hyphens, underscores, at most 80 characters).
    type: str
  channels:
    description: Channels to post O(text) to, as names with or without C(#) or as ids.
    type: list
    elements: str
    default: []
  text:
    description: The message.
    type: str
    default: ""
seealso:
  - module: virtengine.incident_response.pagerduty_event
  - module: virtengine.incident_response.statuspage_incident
"""

EXAMPLES = r"""
- name: Create the incident channel and announce the incident
  virtengine.incident_response.slack_incident:
    token: "{{ ir_slack_token }}"
    create_channel: inc-20260127-chain-halted
    channels: ["#incident-response"]
    text: "@here INCIDENT DECLARED"
  delegate_to: localhost
  register: slack
"""

RETURN = r"""
ok:
  description: Whether every call succeeded (always true in a dry run).
  returned: always
  type: bool
dry_run:
  description: True when no token was given or in check mode; nothing was sent.
  returned: always
  type: bool
channel_id:
  description: Id of the created channel, when Slack created it.
  returned: always
  type: str
  sample: C0123456789
channel_name:
  description: Name of the incident channel, created or already existing.
  returned: always
  type: str
posted:
  description: Channels a message was posted to.
  returned: always
  type: list
  elements: str
errors:
  description: One record per failed call (service, operation, error, error_kind, attempts).
  returned: always
  type: list
  elements: dict
requests:
  description: What was sent or would be sent (method, url, body), without the token.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_comms import SLACK_SPEC, run_one


def main():
    run_one(AnsibleModule(argument_spec=SLACK_SPEC, supports_check_mode=True), "slack")


if __name__ == "__main__":
    main()
