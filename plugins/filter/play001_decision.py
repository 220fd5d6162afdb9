# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play001_decision
short_description: PLAY-001's scenario (U, C, B, A or none) from the fleet readings and log signatures, with the evidence
version_added: 0.1.0
description:
  - Thin wrapper over C(plugins/module_utils/_play001.py) (C(decide)), the pure decision behind
    C(playbooks/play001_chain_halted.yml); see docs/play001_chain_halted.md.
  - V(U) when the halt height is an upgrade plan's height (log signature C(upgrade_needed) or the REST C(current_plan)).
  - V(C) when validators computed different app hashes (the minority by power is named and resynced alone), crash on
    start-up replay, logged C(CONSENSUS FAILURE) without another cause, or report different block hashes at one height.
  - V(B) when at least 1/3 of the voting power is absent; V(A) otherwise; V(none) on a healthy chain.
options:
  _input:
    description: C(fleet_probe_readings) (C(chain), C(consensus), C(peers)).
    type: dict
    required: true
  validators:
    description: Inventory names of the validators.
    type: list
    elements: str
    required: true
  hosts:
    description:
      - Per validator host, C({service, logs, reachable, binary, upgrade_binary}) (the node_service, node_logs and
        node_binary facts, and whether SSH worked).
    type: dict
    required: true
  forced:
    description: V(A), V(B), V(C) or V(U) to override the decision (the operator knows better); empty to decide.
    type: str
    default: ""
  restart_scope:
    description: V(affected) restarts absent or stopped validators in scenario B; V(all) restarts every validator (the runbook's literal step).
    type: str
    default: affected
  upgrade_plan:
    description: The C(upgrade_plan) module's result (C({plan, applied})), or empty when no REST gateway was asked.
    type: dict
    default: {}
  upgrade_sha256:
    description: The upgrade binary's published SHA-256; a validator is ready only when its binary has it. Empty to accept any.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    play001: "{{ fleet_probe_readings | virtengine.incident_response.play001_decision(groups['validators'], host_state) }}"
"""

RETURN = r"""
_value:
  description:
    - C({scenario, forced, remedy, why, evidence, halted, halt_height, absent, absent_fraction, contact, checklist,
      restart_hosts, diverged_hosts, rollback_height, crash_looping, app_hashes, canonical_app_hash, binaries, upgrade,
      upgrade_hosts, unreachable_hosts, validators}).
    - C(rollback_height) (scenario C, C(state_rollback) only, else null) is one below the lowest height any validator
      last committed, from its logs; null when one validator's height is unknown.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.module_utils._play001 import DecisionError, decide


def play001_decision(readings, validators, hosts, forced="", restart_scope="affected", upgrade_plan=None, upgrade_sha256=""):
    try:
        return decide(readings, validators, hosts, forced, restart_scope, upgrade_plan or {}, upgrade_sha256)
    except DecisionError as exc:
        raise AnsibleFilterError("play001_decision: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"play001_decision": play001_decision}
