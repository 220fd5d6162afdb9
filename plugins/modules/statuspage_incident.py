#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: statuspage_incident
short_description: Create, update or resolve a customer-facing incident on Atlassian Statuspage
version_added: 0.1.0
description:
  - Without O(incident_id), creates an incident with C(POST /v1/pages/{page_id}/incidents); with it, updates that
    incident with C(PATCH /v1/pages/{page_id}/incidents/{incident_id}). O(status=resolved) resolves it.
  - O(components) sets the status of the affected components in the same request.
  - No collection in the C(ansible) package manages Statuspage, hence this module.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.saas
options:
  api_url:
    default: https://api.statuspage.io
  api_key:
    description: The Statuspage API key (sent as C(Authorization) C(OAuth) key). Empty means dry run.
    type: str
    default: ""
  page_id:
    description: The status page's id.
    type: str
    required: true
  incident_id:
    description: The Statuspage incident to update; omit to create one.
    type: str
  name:
    description: Incident title (needed to create).
    type: str
    default: ""
  status:
    description: Incident status.
    type: str
    choices: [investigating, identified, monitoring, resolved]
    default: investigating
  body:
    description: The update shown to customers.
    type: str
    default: ""
  impact_override:
    description: Impact shown on the page.
    type: str
    choices: [none, minor, major, critical]
  components:
    description: Component id to component status (operational, degraded_performance, partial_outage, major_outage).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Tell customers
  virtengine.incident_response.statuspage_incident:
    api_key: "{{ ir_statuspage_api_key }}"
    page_id: "{{ ir_statuspage_page_id }}"
    name: Block production halted
    body: We are investigating a halt of block production.
    impact_override: critical
    components: {"{{ ir_statuspage_component_id }}": major_outage}
  delegate_to: localhost
  register: statuspage

- name: Resolve it
  virtengine.incident_response.statuspage_incident:
    api_key: "{{ ir_statuspage_api_key }}"
    page_id: "{{ ir_statuspage_page_id }}"
    incident_id: "{{ statuspage.incident_id }}"
    status: resolved
    body: Blocks are produced again.
    components: {"{{ ir_statuspage_component_id }}": operational}
  delegate_to: localhost
"""

RETURN = r"""
ok:
  description: Whether Statuspage accepted the request (always true in a dry run).
  returned: always
  type: bool
dry_run:
  description: True when no API key was given or in check mode; nothing was sent.
  returned: always
  type: bool
incident_id:
  description: The Statuspage incident id (created or updated); null in a dry-run creation.
  returned: always
  type: str
shortlink:
  description: The incident's public short link, when Statuspage gave one.
  returned: always
  type: str
errors:
  description: One record per failed call (service, operation, error, error_kind, attempts).
  returned: always
  type: list
  elements: dict
requests:
  description: What was sent or would be sent, without the API key.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._saas_http import SaasClient, SaasError, outcome, saas_argument_spec

COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")


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


def main():
    module = AnsibleModule(
        argument_spec=saas_argument_spec(
            "https://api.statuspage.io",
            api_key=dict(type="str", default="", no_log=True),
            page_id=dict(type="str", required=True),
            incident_id=dict(type="str"),
            name=dict(type="str", default=""),
            status=dict(type="str", default="investigating", choices=["investigating", "identified", "monitoring", "resolved"]),
            body=dict(type="str", default=""),
            impact_override=dict(type="str", choices=["none", "minor", "major", "critical"]),
            components=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["incident_id"] and not params["name"]:
        module.fail_json(msg="name is empty: a new Statuspage incident needs a title (or give incident_id to update one)")
    bad = dict((c, s) for c, s in params["components"].items() if s not in COMPONENT_STATUSES)
    if bad:
        module.fail_json(msg="components %s: the status must be one of %s" % (bad, ", ".join(COMPONENT_STATUSES)))
    client = SaasClient("statuspage", params, "" if module.check_mode else params["api_key"],
                        auth_header="OAuth %s" % params["api_key"])
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
    module.exit_json(changed=not errors and not client.dry_run, ok=not errors, dry_run=client.dry_run, incident_id=incident_id,
                     shortlink=shortlink, operation=operation, errors=errors, requests=client.sent, attempts=client.attempts,
                     rate_limited=client.rate_limited)


if __name__ == "__main__":
    main()
