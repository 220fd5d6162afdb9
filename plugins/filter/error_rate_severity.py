# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: error_rate_severity
short_description: The runbook's severity (SEV-2, SEV-3, SEV-4) for an error ratio
version_added: 0.1.0
description:
  - Above 50% is V(SEV-2), 10% to 50% is V(SEV-3), below 10% is V(SEV-4); an unknown ratio (no request counter) is V(SEV-3),
    the severity the runbook gives PLAY-020.
  - The incident process's classifier (P(virtengine.incident_response.classify_severity#filter)) applied to one service's error ratio.
options:
  _input:
    description: Errors divided by requests (0 to 1), or null when unknown.
    type: float
    required: true
"""

EXAMPLES = r"""
- name: Classify the worst service
  ansible.builtin.debug:
    msg: "{{ (0.27 | virtengine.incident_response.error_rate_severity).severity }}"  # SEV-3
"""

RETURN = r"""
_value:
  description: C(severity) (V(SEV-2), V(SEV-3) or V(SEV-4)) and C(rule), the rule that applied in words.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._severity import classify_error_ratio


def error_rate_severity(ratio):
    try:
        return classify_error_ratio(ratio)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("error_rate_severity: %r is not an error ratio between 0 and 1 (%s)" % (ratio, exc))


class FilterModule(object):
    def filters(self):
        return {"error_rate_severity": error_rate_severity}
