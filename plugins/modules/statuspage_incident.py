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
from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_comms import STATUSPAGE_SPEC, run_one


def main():
    run_one(AnsibleModule(argument_spec=STATUSPAGE_SPEC, supports_check_mode=True), "statuspage")


if __name__ == "__main__":
    main()
