# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: last_good_height
short_description: The height a PLAY-001 scenario C state rollback goes back to
version_added: 0.1.0
description:
  - One below the lowest height any node last committed (the newest C(committed state) line of its log, as the
    C(node_log_signatures) module reads it into C(last_committed_height)).
  - C(None) when a node's height is unknown (C(None)), since such a node cannot be rolled back safely; C(None) for no
    node.
  - The same rule as the C(assess) action's C(rollback_height) for PLAY-001, which the gate shows and binds before
    confirmation; the C(chain_recovery) role reads the heights again before and after the stop and refuses when this
    value is not the approved one.
options:
  _input:
    description: Each node's last committed height (an int, its decimal string, or C(None) when unknown).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Where the rollback goes
  ansible.builtin.debug:
    msg: "{{ {'validator1': 1042, 'validator2': '1041'} | virtengine.incident_response.last_good_height }}"  # 1040
"""

RETURN = r"""
_value:
  description: The target height, or C(None).
  type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._play001 import DecisionError, last_good_height


def _last_good_height(committed):
    try:
        return last_good_height(committed)
    except DecisionError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"last_good_height": _last_good_height}
