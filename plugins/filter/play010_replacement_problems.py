# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play010_replacement_problems
short_description: Why PLAY-010's model replacement must be refused before anything is fetched
version_added: 0.1.0
description:
  - Pure function (C(plugins/module_utils/_veid_scoring.py) C(replacement_problems)); an empty list lets it go ahead.
  - Refuses a missing archive URL, a checksum or directory hash that is not 64 lowercase hex digits (the chain compares
    exact strings), and a directory hash other than the on-chain C(sha256_hash) unless O(allow_offchain).
options:
  _input:
    description: The on-chain C(sha256_hash) of the active model (empty when none is active).
    type: str
    required: true
  model_url:
    description: The archive's URL or path.
    type: str
    required: true
  archive_sha256:
    description: The archive's published SHA-256.
    type: str
    required: true
  expected_hash:
    description: The directory hash the model must have; empty means the on-chain one.
    type: str
    required: true
  allow_offchain:
    description: Allow a hash other than the on-chain one.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Refuse a replacement that cannot be verified
  ansible.builtin.assert:
    that: (play010.on_chain_hash | virtengine.incident_response.play010_replacement_problems(url, sha, '')) | length == 0
"""

RETURN = r"""
_value:
  description: Reasons to refuse, in plain words.
  type: list
  elements: str
"""

from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import replacement_problems


class FilterModule(object):
    def filters(self):
        return {"play010_replacement_problems": replacement_problems}
