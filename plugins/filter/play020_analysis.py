# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play020_analysis
short_description: PLAY-020's analysis of elevated error rates, lined up against recent changes
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/play020_elevated_error_rates.yml) (logic in C(plugins/module_utils/_error_analysis.py)).
  - The onset is the first point of the trailing run of the error-rate history above twice its quietest point (at least O(min_rate)).
  - A commit, rollout or restart from O(change_window) seconds before the onset up to a minute after makes the likely cause
    V(deployment); an exhausted resource makes it V(resource exhaustion); errors mostly in one of O(external_categories) make it
    V(external dependency); in that order. Otherwise V(unknown).
  - The severity comes from the worst service's error ratio through the incident process's classifier (C(error_rate_severity)).
options:
  _input:
    description:
      - C(top), C(categories), C(ratios) (vector results of M(virtengine.incident_response.prometheus_query)), C(history) (its matrix result),
        C(commits) (lines of C(git log --format=%H%x09%ct%x09%an%x09%s)), C(replicasets) (the deployment's items of C(kubectl get rs -o json)),
        C(restarts) (rows C(host), C(started_at)), C(resources) (pairs of a query spec C(name), C(threshold) and its vector result).
    type: dict
    required: true
  min_rate:
    description: Errors per second below which the rate never counts as elevated.
    type: float
    default: 1.0
  change_window:
    description: Seconds before the onset in which a change is a suspect.
    type: int
    default: 1800
  external_categories:
    description: Values of the C(category) label that mean a dependency outside the service.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Analyse
  ansible.builtin.set_fact:
    analysis: "{{ readings | virtengine.incident_response.play020_analysis(min_rate=1.0, change_window=1800) }}"
"""

RETURN = r"""
_value:
  description:
    - C(top), C(categories), C(ratios), C(worst_error_ratio), C(severity), C(severity_rule), C(onset_at), C(onset_at_utc),
      C(threshold_per_s), C(current_per_s), C(changes), C(resources), C(causes) (each C(cause) and C(evidence)), C(likely_cause), C(findings).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._error_analysis import analyse_errors


def play020_analysis(readings, min_rate=1.0, change_window=1800, external_categories=None):
    try:
        return analyse_errors(readings, float(min_rate), int(change_window), external_categories=tuple(external_categories or ("external",)))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise AnsibleFilterError("play020_analysis: the readings lack or mistype %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"play020_analysis": play020_analysis}
