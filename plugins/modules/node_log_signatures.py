#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_log_signatures
short_description: The failure signatures in a node's newest log lines (journald or a file)
version_added: 0.1.0
description:
  - Reads the newest O(lines) lines of the node's log and matches them against the collection's catalogue of failure
    signatures (planned upgrades, app-hash divergence, replay failures, consensus failures and panics, double signing,
    out of memory, full disk, open-file limit, database corruption, signer refusals, p2p identity faults; see
    docs/log_signatures.md).
  - Understands CometBFT v0.34-v0.38 and Cosmos SDK plain text, zerolog console (with ANSI colours), JSON lines and
    journald prefixes.
  - Reports, per signature found, how many lines matched, the newest one and the fields it states (upgrade name and
    height, expected/got app hash, height, peer ids), plus the node's last committed height. Read-only.
  - A log that cannot be read is reported in RV(error), never a failure (the node's state is what is asked).
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  source:
    description: V(journald) reads C(journalctl -u O(unit) -n O(lines) -o cat); V(file) reads the end of O(path).
    type: str
    choices: [journald, file]
    default: journald
  unit:
    description: The systemd unit whose journal is read (O(source=journald)).
    type: str
    default: virtengine
  path:
    description: The log file (O(source=file)).
    type: path
  lines:
    description: How many of the newest lines are searched.
    type: int
    default: 20000
  keep:
    description: How many of the newest matching lines are returned per signature.
    type: int
    default: 3
"""

EXAMPLES = r"""
- name: What the node's log says
  virtengine.incident_response.node_log_signatures:
    source: journald
    unit: virtengine
  register: logs

- name: Call out a planned upgrade
  ansible.builtin.debug:
    msg: "upgrade {{ logs.signatures.upgrade_needed.fields.upgrade_name }} at {{ logs.signatures.upgrade_needed.fields.upgrade_height }}"
  when: "'upgrade_needed' in logs.signatures"
"""

RETURN = r"""
signatures:
  description:
    - Signature name to C({count, newest, lines, fields, meaning, decision, severity}); only signatures that matched.
  returned: always
  type: dict
  sample:
    upgrade_needed:
      count: 2
      newest: 'panic: UPGRADE "v2.12" NEEDED at height: 11860000: {}'
      lines: ['...']
      fields: {upgrade_name: v2.12, upgrade_height: 11860000, upgrade_info: "{}"}
      meaning: a governance upgrade plan reached its height
      decision: "U: switch to the upgrade binary named by the plan (never roll back)"
      severity: critical
last_committed_height:
  description: Height of the newest C(committed state) line (the node's state height, readable while it is stopped); null without one.
  returned: always
  type: int
lines_read:
  description: How many lines were read.
  returned: always
  type: int
error:
  description: Why the log could not be read; null when it was.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import read_node_log
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=["journald", "file"], default="journald"),
            unit=dict(type="str", default="virtengine"),
            path=dict(type="path"),
            lines=dict(type="int", default=20000),
            keep=dict(type="int", default=3),
        ),
        required_if=[("source", "file", ["path"])],
        supports_check_mode=True,
    )
    params = module.params
    if params["lines"] < 1:
        module.fail_json(msg="lines=%s must be 1 or more" % params["lines"])
    if params["keep"] < 0:
        module.fail_json(msg="keep=%s must be 0 or more" % params["keep"])
    lines, error = read_node_log(module, params["source"], params["unit"], params["path"], params["lines"])
    found = scan(lines or [], params["keep"])
    module.exit_json(changed=False, signatures=found["signatures"], last_committed_height=found["last_committed_height"],
                     lines_read=len(lines or []), error=error)


if __name__ == "__main__":
    main()
