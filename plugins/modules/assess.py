#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: assess
short_description: Decide a runbook from the fleet view, print the reasons and the table, return the decision
version_added: 0.1.0
description:
  - The one controller-side entry point of the runbooks' decisions. It reads the inventory's host facts itself
    (the C(hostvars) of O(hosts), namely C(node_service_status), C(node_logs_findings), C(node_binary_facts), C(p2p_check_result),
    C(node_id), C(node_p2p_address), C(node_voting_power)) and the RPC readings of the C(fleet_probe) role, joins them
    once per node into the fleet view (C(plugins/module_utils/_fleet.py)), and calls the runbook's pure decision.
  - V(diagnose) is the read-only fleet diagnosis (healthy, degraded, halted, unknown); V(play001) PLAY-001's scenario
    (U, C, B, A, none; see docs/play001_chain_halted.md); V(play002) PLAY-002's verdict (infrastructure,
    configuration, chain_split, healthy, unknown; see docs/play002_network_partition.md).
  - Prints the verdict, the reasons and the table while the playbook runs (like M(virtengine.incident_response.catch_up_watch)'s
    progress lines), and returns the decision's fields at the top level of the result.
  - Read-only. Fails only on bad arguments (an unknown runbook, option or host, readings missing); a node's odd answer
    is that node's error in the decision.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
attributes:
  action:
    support: full
    description: Runs on the controller.
options:
  runbook:
    description: Which decision to take.
    type: str
    required: true
    choices: [diagnose, play001, play002]
  hosts:
    description: Inventory hosts whose facts are read (usually C(groups['chain_nodes']) or C(groups['validators'])).
    type: list
    elements: str
    required: true
  validators:
    description:
      - The validator hosts, in the order the decision lists them (V(play001)); they need not be in O(hosts).
      - Default the hosts C(consensus_state) matched to a validator address.
    type: list
    elements: str
  readings:
    description: The RPC readings C({chain, consensus, peers}); default the C(fleet_probe_readings) fact the C(fleet_probe) role set.
    type: dict
  options:
    description:
      - The runbook's own options. V(play001) takes C(scenario) (A, B, C or U to force one), C(restart_scope)
        (V(affected) or V(all)), C(upgrade_plan) (the M(virtengine.incident_response.upgrade_plan) result) and
        C(upgrade_sha256). V(play002) takes C(resync_stranded) (bool) and C(resync_hosts) (list). V(diagnose) takes none.
      - An option another runbook takes, or a value of the wrong type, is an error naming it.
    type: dict
    default: {}
  show:
    description: Print the verdict, the reasons and the table.
    type: bool
    default: true
seealso:
  - module: virtengine.incident_response.chain_status
  - module: virtengine.incident_response.consensus_state
  - module: virtengine.incident_response.peer_count
"""

EXAMPLES = r"""
- name: Decide between U, C, B and A, and say why
  virtengine.incident_response.assess:
    runbook: play001
    hosts: "{{ groups['validators'] }}"
    validators: "{{ groups['validators'] }}"
    options:
      scenario: "{{ play001_scenario }}"
  register: play001

- name: The fleet diagnosis, without printing
  virtengine.incident_response.assess:
    runbook: diagnose
    hosts: "{{ groups['chain_nodes'] }}"
    show: false
  register: diagnosis
"""

RETURN = r"""
runbook:
  description: The runbook decided.
  returned: always
  type: str
  sample: play001
columns:
  description: The main table's columns, in order (for the report).
  returned: always
  type: list
  elements: str
shown:
  description: The lines printed (verdict, reasons, tables).
  returned: always
  type: list
  elements: str
verdict:
  description: V(diagnose) and V(play002) - the verdict.
  returned: when runbook is diagnose or play002
  type: str
  sample: halted
scenario:
  description: V(play001) - U, C, B, A or none.
  returned: when runbook is play001
  type: str
  sample: B
why:
  description: V(play001) and V(play002) - the reasons, in plain words.
  returned: when runbook is play001 or play002
  type: list
  elements: str
findings:
  description: V(diagnose) - the findings, in plain words.
  returned: when runbook is diagnose
  type: list
  elements: str
nodes:
  description: V(diagnose) and V(play002) - one table row per node.
  returned: when runbook is diagnose or play002
  type: list
  elements: dict
validators:
  description: V(play001) - one table row per validator.
  returned: when runbook is play001
  type: list
  elements: dict
remedy:
  description: V(play001) - the gated action the scenario calls for (V(upgrade_switch), V(coordinated_restart),
    V(diverged_resync), V(state_rollback)), or null (A, none, or C without a majority state).
  returned: when runbook is play001
  type: str
  sample: coordinated_restart
restart_hosts:
  description: V(play001) - the validators scenario B restarts (the affected ones, or all with C(restart_scope=all) in O(options)).
  returned: when runbook is play001
  type: list
  elements: str
diverged_hosts:
  description: V(play001) - the validators scenario C resyncs (V(diverged_resync) only; empty otherwise).
  returned: when runbook is play001
  type: list
  elements: str
rollback_height:
  description: V(play001) - the height scenario C rolls every validator back to (V(state_rollback) only; null otherwise,
    or when a validator's log gives no committed height); the gate binds it as the plan's parameter C(height).
  returned: when runbook is play001
  type: int
unreachable_hosts:
  description: V(play001) - validator hosts that could not be reached over SSH (a remediation stops before acting).
  returned: when runbook is play001
  type: list
  elements: str
"""
