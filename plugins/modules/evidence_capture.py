#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: evidence_capture
short_description: Archive logs and configuration as evidence with a SHA-256 manifest and a chain-of-custody record (PLAY-003)
version_added: 0.1.0
description:
  - Archives the given files and directories (node, provider daemon and auth logs, configuration) into a new
    directory C(<dest>/<incident_id>-<host>-<UTC time>/) created with mode C(0700); every file in it is C(0600).
  - The originals are only opened for reading; nothing is changed or deleted on them. A file whose hash changed while
    it was archived (a log being written to) is flagged in RV(members).
  - Optionally exports the journal of the window (C(journalctl -o export)) into the archive when journald runs on the
    host, and writes a core dump of a process with C(gcore) (the process keeps running).
  - Writes C(custody.json) (who, when, host, what, every hash) and C(manifest.sha256) (C(sha256sum) format, so
    C(sha256sum -c manifest.sha256) verifies it). M(virtengine.incident_response.evidence_verify) verifies a copy.
  - In check mode nothing is written; RV(members) lists what would be archived.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  paths:
    description: Files and directories to archive (directories are walked).
    type: list
    elements: path
    required: true
  dest:
    description: Directory on the host under which the evidence directory is created.
    type: path
    required: true
  incident_id:
    description: The incident the evidence belongs to, for the directory name and the custody record.
    type: str
    required: true
  collected_by:
    description: Who collects (the operator), for the custody record.
    type: str
    required: true
  journald_since:
    description: Export the journal since this time (C(journalctl --since) syntax, for example C(2026-11-27 03:00:00)) when journald runs. Empty skips it.
    type: str
    default: ""
  core_dump_pid:
    description: Process id to dump with C(gcore) (for example the node's). 0 skips it.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Capture the node's evidence
  virtengine.incident_response.evidence_capture:
    paths: [/var/log/auth.log, /home/virtengine/.virtengine/config]
    dest: /var/lib/virtengine-ir/evidence
    incident_id: "{{ incident_record.id }}"
    collected_by: "{{ lookup('virtengine.incident_response.operator') }}"
    journald_since: "2026-11-27 03:00:00"
  register: evidence
"""

RETURN = r"""
directory:
  description:
    - The evidence directory on the host, C(<incident>-<host name>-<UTC time>-<random>) under O(dest), mode 0700, new on
      every capture (several inventory hosts may share one machine).
  returned: success, not in check mode
  type: str
  sample: /var/lib/virtengine-ir/evidence/INC-20261130-001-validator1-20261130T170501Z-k2j4x9
files:
  description: Names of the files in it (archive, manifest, custody record, core dump).
  returned: success, not in check mode
  type: list
  elements: str
manifest:
  description: File name to SHA-256, as in C(manifest.sha256).
  returned: success, not in check mode
  type: dict
members:
  description: What was archived.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The original (null for the journald export).
      type: str
    member:
      description: Name in the archive.
      type: str
    sha256:
      description: Hash of the archived bytes.
      type: str
    size:
      description: Bytes.
      type: int
    changed_during_capture:
      description: The original changed while it was archived.
      type: bool
missing:
  description: Paths that did not exist.
  returned: always
  type: list
  elements: str
custody:
  description: The chain-of-custody record (also in C(custody.json)).
  returned: success, not in check mode
  type: dict
"""

import datetime
import json
import os
import socket
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._evidence import (
    ARCHIVE,
    CUSTODY,
    MANIFEST,
    build_archive,
    manifest_text,
    write_private,
)


def journal_export(module, since):
    if not since or not os.path.isdir("/run/systemd/journal") or not module.get_bin_path("journalctl"):
        return {}
    rc, out, err = module.run_command([module.get_bin_path("journalctl"), "--since", since, "-o", "export", "--no-pager"],
                                      binary_data=True, encoding=None)
    if rc != 0:
        module.fail_json(msg="journalctl --since %r failed: %s" % (since, err))
    return {"journald.export": out}


def core_dump(module, directory, pid):
    gcore = module.get_bin_path("gcore", required=True)
    prefix = os.path.join(directory, "core")
    rc, out, err = module.run_command([gcore, "-o", prefix, str(pid)])
    path = "%s.%d" % (prefix, pid)
    if rc != 0 or not os.path.isfile(path):
        module.fail_json(msg="gcore of pid %d failed (rc %s): %s" % (pid, rc, (err or out).strip()[-500:]))
    os.chmod(path, 0o600)
    return os.path.basename(path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", required=True),
            dest=dict(type="path", required=True),
            incident_id=dict(type="str", required=True),
            collected_by=dict(type="str", required=True),
            journald_since=dict(type="str", default=""),
            core_dump_pid=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["paths"]:
        module.fail_json(msg="paths is empty: give the logs and configuration to archive, e.g. /var/log/auth.log")
    if params["core_dump_pid"] and not os.path.exists("/proc/%d" % params["core_dump_pid"]):
        module.fail_json(msg="core_dump_pid=%d is not a running process; give the node's pid or 0" % params["core_dump_pid"])
    missing = [path for path in params["paths"] if not os.path.exists(path)]
    if module.check_mode:
        module.exit_json(changed=True, members=[{"path": p, "member": None, "sha256": None, "size": None, "changed_during_capture": False}
                                                for p in params["paths"] if p not in missing], missing=missing)
    now = datetime.datetime.now(datetime.timezone.utc)
    host = socket.gethostname()
    os.makedirs(params["dest"], mode=0o700, exist_ok=True)
    # A new directory every time, mode 0700: several inventory hosts on one machine (containers, a local network) or a
    # second capture within the same second must not meet an existing one.
    directory = tempfile.mkdtemp(prefix="%s-%s-%s-" % (params["incident_id"], host, now.strftime("%Y%m%dT%H%M%SZ")), dir=params["dest"])
    members, missing = build_archive(directory, params["paths"], journal_export(module, params["journald_since"]))
    manifest = {ARCHIVE: sha256_file(os.path.join(directory, ARCHIVE))}
    if params["core_dump_pid"]:
        core = core_dump(module, directory, params["core_dump_pid"])
        manifest[core] = sha256_file(os.path.join(directory, core))
    custody = {
        "incident_id": params["incident_id"], "collected_by": params["collected_by"],
        "collected_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "host": host, "directory": directory,
        "tool": "virtengine.incident_response.evidence_capture", "paths": params["paths"], "missing": missing,
        "members": members, "files": dict(manifest),
    }
    write_private(os.path.join(directory, CUSTODY), json.dumps(custody, indent=2, sort_keys=True).encode())
    manifest[CUSTODY] = sha256_file(os.path.join(directory, CUSTODY))
    write_private(os.path.join(directory, MANIFEST), manifest_text(manifest).encode())
    module.exit_json(changed=True, directory=directory, files=sorted(manifest) + [MANIFEST], manifest=manifest,
                     members=members, missing=missing, custody=custody)


if __name__ == "__main__":
    main()
