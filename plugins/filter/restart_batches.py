# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: restart_batches
short_description: Rolling-restart batches of validators that never take 1/3 of the voting power offline
version_added: 0.1.0
description:
  - Orders validators by voting power, highest first, and packs them into batches so that the power offline at
    any moment (the batch plus what is already absent) stays strictly below 1/3 of the total; a block needs more than
    2/3, so the chain keeps producing blocks during the restart (the quorum guard).
  - A validator that cannot be restarted without reaching 1/3 makes the plan unsafe; it is reported in C(refused)
    with the reason, and its batch is only planned when O(allow_quorum_loss) is true.
options:
  _input:
    description: Validators to restart, each C({name, power}) or, as consensus_state returns them, C({host, voting_power}).
    type: list
    elements: dict
    required: true
  total_power:
    description: Total voting power of the validator set.
    type: int
    required: true
  offline_power:
    description: Power already absent (validators that are down and not in the list).
    type: int
    default: 0
  max_batch:
    description: Upper bound on validators per batch (0 for no bound).
    type: int
    default: 0
  allow_quorum_loss:
    description: Plan a batch that would halt the chain anyway (operator override).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the rolling restart
  ansible.builtin.set_fact:
    plan: "{{ validators | virtengine.incident_response.restart_batches(consensus.total_power, consensus.absent_power) }}"
"""

RETURN = r"""
_value:
  description: C({batches, sizes, order, safe, refused}); C(batches) lists names, C(sizes) fits the C(serial) keyword.
  type: dict
"""

from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import halts_without


def restart_batches(validators, total_power, offline_power=0, max_batch=0, allow_quorum_loss=False):
    total = int(total_power)
    offline = int(offline_power)
    entries = [{"name": v.get("name") or v.get("host"), "power": int(v.get("power", v.get("voting_power")))} for v in validators]
    ordered = sorted(entries, key=lambda v: (-v["power"], v["name"]))
    batches, refused, current, current_power = [], [], [], 0
    for validator in ordered:
        power = validator["power"]
        if halts_without(offline + power, total):
            refused.append({"name": validator["name"], "power": power,
                            "reason": "restarting it takes %d of %d power offline (>= 1/3): the chain would halt" % (offline + power, total)})
            if not allow_quorum_loss:
                continue
            if current:
                batches.append(current)
            batches.append([validator["name"]])
            current, current_power = [], 0
            continue
        fits = not halts_without(offline + current_power + power, total) and (not max_batch or len(current) < int(max_batch))
        if current and not fits:
            batches.append(current)
            current, current_power = [], 0
        current.append(validator["name"])
        current_power += power
    if current:
        batches.append(current)
    return {
        "batches": batches,
        "sizes": [len(b) for b in batches],
        "order": [name for batch in batches for name in batch],
        "safe": not refused,
        "refused": refused,
    }


class FilterModule(object):
    def filters(self):
        return {"restart_batches": restart_batches}
