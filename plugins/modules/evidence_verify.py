#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: evidence_verify
short_description: Verify an evidence directory written by evidence_capture (hashes of every file and archive member)
version_added: 0.1.0
description:
  - Recomputes the SHA-256 of every file named in C(manifest.sha256) and of every member of C(evidence.tar.gz)
    against the chain-of-custody record. Any difference fails the task and is listed in RV(mismatches).
  - Read-only. Run it on the controller after fetching the evidence.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  directory:
    description: The evidence directory (with C(manifest.sha256), C(custody.json), C(evidence.tar.gz)).
    type: path
    required: true
seealso:
  - module: virtengine.incident_response.evidence_capture
"""

EXAMPLES = r"""
- name: Verify the fetched evidence on the controller
  virtengine.incident_response.evidence_verify:
    directory: "{{ incident_dir }}/evidence/{{ inventory_hostname }}"
  delegate_to: localhost
"""

RETURN = r"""
ok:
  description: Every hash matched.
  returned: always
  type: bool
checked:
  description: Number of hashes recomputed.
  returned: always
  type: int
mismatches:
  description: Each C({name, expected, actual}) that differed (actual null when missing).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._evidence import verify_directory


def main():
    module = AnsibleModule(argument_spec=dict(directory=dict(type="path", required=True)), supports_check_mode=True)
    try:
        result = verify_directory(module.params["directory"])
    except (IOError, OSError, ValueError) as error:
        module.fail_json(msg="evidence in %s cannot be verified: %s" % (module.params["directory"], error), ok=False, checked=0, mismatches=[])
    if not result["ok"]:
        module.fail_json(msg="evidence in %s does not match its manifest: %s" % (
            module.params["directory"], ", ".join(m["name"] for m in result["mismatches"])), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
