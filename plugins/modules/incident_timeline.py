#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: incident_timeline
short_description: Add a manual entry (a note, a decision) to an incident's timeline
version_added: 0.1.0
description:
  - Appends one JSON line to C(<root>/<id>/timeline.jsonl), the file the scribe callback writes the run's tasks
    into, under the same file lock. The post-mortem's timeline table is built from it.
  - Secret-looking values (tokens, C(Bearer) headers) are replaced by C(********).
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: partial
    details: The timeline is the record of the run; it is written in check mode too.
    description: Written in check mode too (no other difference).
  diff_mode:
    support: none
    description: No diff.
options:
  root:
    description: Directory holding the incident directories (C(ir_incident_root)).
    type: path
    required: true
  id:
    description: The incident id, C(INC-YYYYMMDD-NNN).
    type: str
    required: true
  kind:
    description: What the entry is.
    type: str
    choices: [note, decision, action, communication]
    default: note
  text:
    description: The entry.
    type: str
    required: true
  author:
    description: Who wrote it (defaults to the operator running the play).
    type: str
    default: ""
seealso:
  - module: virtengine.incident_response.incident_state
"""

EXAMPLES = r"""
- name: Record a decision
  virtengine.incident_response.incident_timeline:
    root: "{{ ir_incident_root }}"
    id: INC-20260127-001
    kind: decision
    text: Roll back to height 1200 rather than wait for the absent validators
    author: "{{ lookup('virtengine.incident_response.operator') }}"
  delegate_to: localhost
"""

RETURN = r"""
entry:
  description: The entry as written (C(at) is UTC).
  returned: success
  type: dict
  sample: {"at": "2026-01-27T10:02:03.000000Z", "kind": "decision", "text": "Roll back", "author": "alice"}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import (
    IncidentError,
    append_timeline,
    incident_dir,
    redact,
    stamp,
    utc_now,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            id=dict(type="str", required=True),
            kind=dict(type="str", default="note", choices=["note", "decision", "action", "communication"]),
            text=dict(type="str", required=True),
            author=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["text"].strip():
        module.fail_json(msg="text is empty: say what was noted or decided")
    try:
        directory = incident_dir(params["root"], params["id"])
    except IncidentError as exc:
        module.fail_json(msg=str(exc))
    if not os.path.isdir(directory):
        module.fail_json(msg="incident %s not found in %s: declare it first or check ir_incident_root" % (params["id"], params["root"]))
    entry = {"at": stamp(utc_now()), "kind": params["kind"], "text": params["text"], "author": params["author"]}
    append_timeline(directory, entry)
    module.exit_json(changed=True, entry=redact(entry))


if __name__ == "__main__":
    main()
