# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: newest_matches
short_description: The newest lines that match an extended regular expression
version_added: 0.1.0
description:
  - Used by the C(node_logs) role to keep the last few C(CONSENSUS FAILURE), C(panic) or C(conflicting vote) lines.
options:
  _input:
    description: The regular expression (Python syntax, which covers grep -E patterns used here).
    type: str
    required: true
  lines:
    description: Log lines, oldest first.
    type: list
    elements: str
    required: true
  keep:
    description: How many of the newest matching lines to return.
    type: int
    default: 5
"""

EXAMPLES = r"""
- name: Last consensus failures
  ansible.builtin.debug:
    msg: "{{ 'CONSENSUS FAILURE' | virtengine.incident_response.newest_matches(log_lines, 3) }}"
"""

RETURN = r"""
_value:
  description: Matching lines, oldest first, at most O(keep).
  type: list
  elements: str
"""

import re


def newest_matches(pattern, lines, keep=5):
    expression = re.compile(pattern)
    found = [line for line in lines or [] if expression.search(line)]
    return found[-int(keep):] if keep else []


class FilterModule(object):
    def filters(self):
        return {"newest_matches": newest_matches}
