#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cometbft_config
short_description: Read sections of a node's config.toml, or set values in them
version_added: 0.1.0
description:
  - Reads the O(sections) of C(<home>/config/config.toml) (by default C(p2p) and C(statesync)) and returns them.
    Without O(settings) it only reads, so diagnosis can use it.
  - With O(settings), sets each C(key = value) inside its section and keeps every other line and comment. The edited
    file is parsed again before it replaces the old one (atomically); O(backup) keeps a copy.
  - The node reads config.toml only at start; restart it for a change to take effect.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: full
    description: Reports what would change (and the diff) without writing.
  diff_mode:
    support: full
    description: The changed lines of config.toml.
requirements:
  - Python 3.11 or later on the node (tomllib).
options:
  home:
    description: The node's home directory; the file is C(<home>/config/config.toml).
    type: path
    required: true
  sections:
    description: Sections to return.
    type: list
    elements: str
    default: [p2p, statesync]
  settings:
    description:
      - Values to set, by section, for example C(p2p) mapping C(persistent_peers) to C(id@host:26656). Strings, integers
        and booleans; a list becomes a comma-separated string (as CometBFT's peer lists are written).
    type: dict
    default: {}
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Read the p2p settings (read-only)
  virtengine.incident_response.cometbft_config:
    home: "{{ node_home }}"
    sections: [p2p]
  register: node_config

- name: Configure state sync (the node must be restarted, on an empty data directory)
  virtengine.incident_response.cometbft_config:
    home: "{{ node_home }}"
    settings:
      statesync:
        enable: true
        rpc_servers: ["http://rpc-1.example.net:26657", "http://rpc-2.example.net:26657"]
        trust_height: 4200000
        trust_hash: 1B0E...C3
        trust_period: 168h0m0s
"""

RETURN = r"""
path:
  description: The file.
  returned: always
  type: str
  sample: /home/validator/.virtengine/config/config.toml
config:
  description: The requested sections after the change (as they would be in check mode), by section name.
  returned: always
  type: dict
  sample: {"p2p": {"persistent_peers": "", "seeds": "", "pex": true}}
changed_keys:
  description: C(section.key) of each value that changed.
  returned: always
  type: list
  elements: str
  sample: [statesync.enable, statesync.trust_height]
backup_file:
  description: The copy made before the change.
  returned: when a change was written with O(backup=true)
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.virtengine.incident_response.plugins.module_utils._toml_sections import parse, set_values


def main():
    module = AnsibleModule(
        argument_spec=dict(
            home=dict(type="path", required=True),
            sections=dict(type="list", elements="str", default=["p2p", "statesync"]),
            settings=dict(type="dict", default={}),
            backup=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = os.path.join(module.params["home"], "config", "config.toml")
    try:
        with open(path) as handle:
            before = handle.read()
        parse(before)
    except (OSError, ValueError) as exc:
        module.fail_json(msg="cannot read %s: %s (is home=%s the node's --home?)" % (path, to_native(exc), module.params["home"]))
    for section, values in module.params["settings"].items():
        if not isinstance(values, dict):
            module.fail_json(msg="settings.%s must be a mapping of keys to values, got %r" % (section, values))
    try:
        after, changed = set_values(before, module.params["settings"])
        document = parse(after)
    except ValueError as exc:
        module.fail_json(msg="the settings would make %s unreadable (%s); nothing was written" % (path, to_native(exc)))
    result = dict(
        changed=bool(changed), path=path, changed_keys=["%s.%s" % pair for pair in changed],
        config=dict((name, document.get(name, {})) for name in module.params["sections"]),
    )
    if module._diff and changed:
        result["diff"] = dict(before=before, after=after, before_header=path, after_header=path)
    if changed and not module.check_mode:
        if module.params["backup"]:
            result["backup_file"] = module.backup_local(path)
        temporary = path + ".ansible-new"
        with open(temporary, "w") as handle:
            handle.write(after)
        module.atomic_move(temporary, path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
