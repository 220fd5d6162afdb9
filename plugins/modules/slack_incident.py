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

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._saas_http import SaasClient, SaasError, outcome, saas_argument_spec

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def slack_call(client, method, body):
    """Slack answers HTTP 200 with ``ok: false`` for API errors such as invalid_auth or name_taken."""
    answer = client.call("POST", "/" + method, body)
    if answer is not None and not answer.get("ok"):
        error = answer.get("error", "unknown_error")
        kind = "auth" if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope") else "api"
        raise SaasError(kind, "slack: %s answered %s" % (method, error))
    return answer or {}


def main():
    module = AnsibleModule(
        argument_spec=saas_argument_spec(
            "https://slack.com/api",
            token=dict(type="str", default="", no_log=True),
            create_channel=dict(type="str"),
            channels=dict(type="list", elements="str", default=[]),
            text=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name = params["create_channel"]
    if name is not None and not CHANNEL_NAME.match(name):
        module.fail_json(msg="create_channel=%r is not a valid Slack channel name: use lower case letters, digits, hyphens and "
                             "underscores, at most 80 characters (the channel_name filter builds one)" % name)
    if params["channels"] and not params["text"]:
        module.fail_json(msg="text is empty: give the message to post to %s" % ", ".join(params["channels"]))
    client = SaasClient("slack", params, "" if module.check_mode else params["token"],
                        auth_header="Bearer %s" % params["token"])
    errors, posted, channel_id = [], [], None
    targets = list(params["channels"])
    if name:
        try:
            answer = slack_call(client, "conversations.create", {"name": name, "is_private": False})
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
                slack_call(client, "chat.postMessage", {"channel": channel, "text": params["text"]})
                posted.append(channel)
            except SaasError as exc:
                errors.append(outcome(client, "chat.postMessage", exc, channel=channel))
    module.exit_json(changed=bool(posted or channel_id) and not client.dry_run, ok=not errors, dry_run=client.dry_run,
                     channel_id=channel_id, channel_name=name, posted=posted, errors=errors, requests=client.sent,
                     attempts=client.attempts, rate_limited=client.rate_limited)


if __name__ == "__main__":
    main()
