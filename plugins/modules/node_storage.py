#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_storage
short_description: Size of a node's data directory and free space on its file system
version_added: 0.1.0
description:
  - The runbook's C(df -h ~/.virtengine/data), plus the data directory's own size (what a reset would free).
  - Read-only.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  home:
    description: The node's home directory; the data directory is C(<home>/data).
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Free space in the data directory
  virtengine.incident_response.node_storage:
    home: "{{ node_home }}"
  register: storage
"""

RETURN = r"""
data_dir:
  description: The data directory.
  returned: always
  type: str
  sample: /home/validator/.virtengine/data
exists:
  description: Whether it exists.
  returned: always
  type: bool
data_bytes:
  description: Bytes in the data directory.
  returned: always
  type: int
  sample: 52613349376
free_bytes:
  description: Free bytes (for an unprivileged writer) on its file system.
  returned: always
  type: int
total_bytes:
  description: Size of that file system.
  returned: always
  type: int
free_percent:
  description: Free space as a percentage of the file system.
  returned: always
  type: float
  sample: 41.7
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._node_home import directory_bytes, free_bytes


def main():
    module = AnsibleModule(argument_spec=dict(home=dict(type="path", required=True)), supports_check_mode=True)
    home = module.params["home"]
    if not os.path.isdir(home):
        module.fail_json(msg="home=%s does not exist on this host: set node_home to the node's --home" % home)
    data_dir = os.path.join(home, "data")
    existing = data_dir if os.path.isdir(data_dir) else home
    stats = os.statvfs(existing)
    total = stats.f_blocks * stats.f_frsize
    free = free_bytes(existing)
    module.exit_json(changed=False, data_dir=data_dir, exists=os.path.isdir(data_dir), data_bytes=directory_bytes(data_dir),
                     free_bytes=free, total_bytes=total, free_percent=round(100.0 * free / total, 1) if total else None)


if __name__ == "__main__":
    main()
