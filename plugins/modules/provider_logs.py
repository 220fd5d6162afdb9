#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: provider_logs
short_description: The provider daemon's error patterns on this host, counted, with the newest example of each
version_added: 0.1.0
description:
  - Reads the daemon's plain-text log from journald (production, C(journalctl -u UNIT --since ...)) or from files (a
    supervisor or Docker log), and counts each pattern of the catalogue in C(module_utils/_provider_logs.py) with the
    newest matching line.
  - "The patterns: C([BID] Failed to bid on order), C(Warning: Failed to create event subscriber), TLS handshake errors,
    rate-limit hits, the portal API stopping (C([PORTAL] API server stopped)), stdlib C(log) lines reporting errors."
  - "The chain refusing the daemon's transactions, one kind per line, in any of the formats a provider's log carries
    them (the daemon's C([BID]) lines, broadcast results, JSON, Akash-style logs, gRPC errors): C(tx_insufficient_fee)
    (code 13), C(tx_sequence_mismatch) (32), C(tx_insufficient_funds) (5), C(tx_out_of_gas) (11), C(tx_mempool_full)
    (20), C(tx_too_large) (21), C(tx_unauthorized) (4); docs/log_signatures.md lists their wordings."
  - The filters P(virtengine.incident_response.play011_decision#filter) and
    P(virtengine.incident_response.play012_decision#filter) name a pattern seen on most providers as the common cause.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  source:
    description: Where the log is.
    type: str
    choices: [journald, file]
    default: journald
  unit:
    description: The systemd unit (journald). The repository's docs say C(provider-daemon), its own Ansible playbook C(virtengine-provider).
    type: str
    default: provider-daemon
  since:
    description: C(journalctl --since) value (journald). Files have no timestamps on most lines, so their tail is read instead.
    type: str
    default: 30 min ago
  paths:
    description: Log files (file), e.g. the stdout and stderr logs of a supervisor program.
    type: list
    elements: path
    default: []
  max_bytes:
    description: How much of the end of each file to read.
    type: int
    default: 1048576
"""

EXAMPLES = r"""
- name: Error patterns of the last 30 minutes
  virtengine.incident_response.provider_logs:
    unit: provider-daemon
    since: 30 min ago
  register: provider_log_patterns
"""

RETURN = r"""
patterns:
  description: >-
    For each pattern seen, C({count, newest}) under its name; absent patterns are not listed. A chain rejection's entry
    also has C(code) (the SDK code), C(fields) (the numbers of its newest line, e.g. C(got), C(required)) and
    C(numbers) (those fields in words, e.g. C(got 2000uve, required 25000uve)).
  returned: always
  type: dict
lines:
  description: How many lines were read.
  returned: always
  type: int
error:
  description: Why the log could not be read (null when it was).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import read_journal, read_tail
from ansible_collections.virtengine.incident_response.plugins.module_utils._provider_logs import scan


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=["journald", "file"], default="journald"),
            unit=dict(type="str", default="provider-daemon"),
            since=dict(type="str", default="30 min ago"),
            paths=dict(type="list", elements="path", default=[]),
            max_bytes=dict(type="int", default=1048576),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["source"] == "file" and not params["paths"]:
        module.fail_json(msg="source=file needs paths: the daemon's log files (e.g. a supervisor program's stdout/stderr logs)")
    if params["max_bytes"] < 1:
        module.fail_json(msg="max_bytes=%s must be 1 or more" % params["max_bytes"])
    lines, errors = [], []
    if params["source"] == "journald":
        read, error = read_journal(module, [params["unit"]], "use source=file with the daemon's log files", since=params["since"])
        lines.extend(read or [])
        errors.append(error)
    else:
        for path in params["paths"]:
            read, error = read_tail(path, max_bytes=params["max_bytes"])
            lines.extend(read or [])
            errors.append(error)
    module.exit_json(changed=False, patterns=scan(lines), lines=len(lines), error="; ".join(error for error in errors if error) or None)


if __name__ == "__main__":
    main()
