#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: incident_state
short_description: Declare, update, resolve or read an incident kept on the controller
version_added: 0.1.0
description:
  - Each incident is a directory C(<root>/INC-YYYYMMDD-NNN/) holding C(state.json), the scribe's C(timeline.jsonl),
    C(reports/) and, for dry runs, C(outbox.jsonl).
  - O(state=declared) takes the next free number of the day under an exclusive file lock on C(<root>/.lock), so two
    runs declaring at the same moment never get the same id. With O(id) it opens that incident instead (an alert or
    ticket already named it) and creates it if it does not exist.
  - O(state=updated) merges O(fields) into the state and appends O(comms) records; O(state=resolved) also sets the
    status to C(Resolved) and C(resolved_at). Both lock the incident's own C(.lock) and write atomically.
  - Every change appends a C(kind=incident) line to the timeline. Secret-looking keys and values are never written.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: partial
    details: The incident record is the run's own output, like a report; it is written in check mode too.
    description: Written in check mode too (no other difference).
  diff_mode:
    support: none
    description: No diff.
options:
  root:
    description: Directory holding the incident directories (the roles use C(ir_incident_root)).
    type: path
    required: true
  state:
    description: What to do.
    type: str
    choices: [declared, updated, resolved, read]
    default: read
  id:
    description: The incident id C(INC-YYYYMMDD-NNN); required except to declare a new one.
    type: str
  fields:
    description: Fields to set (title, severity, service, impact, roles, requirements, status, started_at, ...).
    type: dict
    default: {}
  comms:
    description: Communication records to append to the state's C(comms) list (from the Slack, PagerDuty, Statuspage modules).
    type: list
    elements: dict
    default: []
  event:
    description: Text of the timeline entry for this change (a default one is written otherwise).
    type: str
    default: ""
seealso:
  - module: virtengine.incident_response.incident_timeline
"""

EXAMPLES = r"""
- name: Declare a SEV-1 incident
  virtengine.incident_response.incident_state:
    root: "{{ ir_incident_root }}"
    state: declared
    fields:
      title: Chain halted
      severity: SEV-1
      service: Chain Consensus
      impact: Chain halted, no blocks producing
      roles: {incident_commander: alice, tech_lead: bob, communications_lead: carol, scribe: scribe-bot}
  delegate_to: localhost
  register: declared

- name: Read it back with its timeline
  virtengine.incident_response.incident_state:
    root: "{{ ir_incident_root }}"
    id: "{{ declared.incident.id }}"
  delegate_to: localhost
"""

RETURN = r"""
incident:
  description: The incident's state after the change, including C(id), C(dir), C(status), C(declared_at), C(comms).
  returned: always
  type: dict
timeline:
  description: Every timeline entry, oldest first (O(state=read) only).
  returned: when state is read
  type: list
  elements: dict
created:
  description: Whether O(state=declared) created a new incident (false when O(id) already existed).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import (
    IncidentError,
    append_timeline,
    declare,
    load,
    read_timeline,
    stamp,
    update,
    utc_now,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            state=dict(type="str", default="read", choices=["declared", "updated", "resolved", "read"]),
            id=dict(type="str"),
            fields=dict(type="dict", default={}),
            comms=dict(type="list", elements="dict", default=[]),
            event=dict(type="str", default=""),
        ),
        required_if=[("state", "updated", ["id"]), ("state", "resolved", ["id"]), ("state", "read", ["id"])],
        supports_check_mode=True,
    )
    params = module.params
    now = utc_now()
    try:
        if params["state"] == "declared":
            incident, created = declare(params["root"], params["fields"], now=now, incident_id=params["id"])
            module.exit_json(changed=created, created=created, incident=incident)
        if params["state"] == "read":
            incident = load(params["root"], params["id"])
            module.exit_json(changed=False, created=False, incident=incident, timeline=read_timeline(incident["dir"]))
        changes = dict(params["fields"])
        if params["state"] == "resolved":
            changes.update(status="Resolved", resolved_at=stamp(now))
        incident = update(params["root"], params["id"], changes, params["comms"], now=now)
        text = params["event"] or "%s %s: %s" % (incident["id"], params["state"], ", ".join(sorted(changes)) or "communications")
        append_timeline(incident["dir"], {"kind": "incident", "event": params["state"], "at": stamp(now), "text": text})
    except (IncidentError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=True, created=False, incident=incident)


if __name__ == "__main__":
    main()
