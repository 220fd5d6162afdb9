# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021 filters trust_height and trust_point (documented in trust_height.yml and trust_point.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import TrustError
from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import trust_height as _trust_height
from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import trust_point as _trust_point


def trust_height(chain, offset):
    try:
        return _trust_height(chain["nodes"], int(offset))
    except (TrustError, KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("trust_height: %s (input: a chain_status result, offset: blocks)" % exc)


def trust_point(chain, height):
    try:
        return _trust_point(chain["nodes"], int(height))
    except (TrustError, KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("trust_point: %s (input: a chain_status result read with hash_at_height)" % exc)


class FilterModule(object):
    def filters(self):
        return {"trust_height": trust_height, "trust_point": trust_point}
