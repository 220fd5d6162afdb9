# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play010_decision
short_description: PLAY-010's verdict on identity scoring from the sidecars, the model hashes and the chain
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/play010_identity_scoring.yml) (logic in C(plugins/module_utils/_veid_scoring.py)).
  - C(systemic) when no sidecar serves, a governance upgrade is pending, or every validator's model differs from the
    on-chain hash; C(model_mismatch) when named validators' model directories differ from the reference (the on-chain
    C(sha256_hash), else the majority) or break their own sidecar's checks (C(--expected-hash), C(export_metadata.json));
    C(sidecar_fault) when some sidecars are down or not serving; C(healthy) otherwise. Each with its reasons.
  - The on-chain value's recipe is a convention, so the configured recipe is tried first, then the others, and the reasons
    say which one matched.
options:
  _input:
    description: Validator host names.
    type: list
    elements: str
    required: true
  sidecars:
    description: The M(virtengine.incident_response.sidecar_health) result (its C(endpoints) are named after the hosts).
    type: dict
    required: true
  host_vars:
    description: C(hostvars); each validator's C(play010_model) (the M(virtengine.incident_response.model_hash) result)
      and C(sidecar_expected_hash) are read from it. A host without C(play010_model) (unreachable) is reported as such.
    type: dict
    required: true
  chain:
    description: C({models, upgrade_plan}) from C(veid_query).
    type: dict
    required: true
  recipe:
    description: The recipe to compare with (C(content) is what the sidecar enforces).
    type: str
    default: content
  model_type:
    description: The model type the sidecar serves.
    type: str
    default: trust_score
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    play010: "{{ groups['validators'] | virtengine.incident_response.play010_decision(sidecar_health_result, hostvars, chain) }}"
"""

RETURN = r"""
_value:
  description:
    - C(verdict) (systemic, model_mismatch, sidecar_fault, healthy), C(why) (reasons), C(restart_hosts), C(replace_hosts),
      C(reference_hash), C(reference_source), C(compare_recipe), C(on_chain_hash), C(rows) (per host C(host), C(sidecar),
      C(sidecar_error), C(model_error), C(hash), C(matches) (recipes whose hash equals the reference), C(problems)).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import ScoringInputError, decide


def play010_decision(validators, sidecars, host_vars, chain, recipe="content", model_type="trust_score"):
    try:
        endpoints = dict((endpoint["name"], endpoint) for endpoint in (sidecars or {}).get("endpoints") or [])
        models = {}
        for host in validators:
            facts = host_vars[host] if host in host_vars else {}
            model = facts.get("play010_model") or {"error": "the model directory was not hashed (host unreachable?)"}
            models[host] = dict(model, expected_hash=facts.get("sidecar_expected_hash") or "")
        return decide(list(validators), endpoints, models, chain, recipe, model_type)
    except (KeyError, TypeError, AttributeError) as error:
        raise AnsibleFilterError("play010_decision: the inputs lack or mistype %s" % error)
    except ScoringInputError as error:
        raise AnsibleFilterError("play010_decision: %s" % error)


class FilterModule(object):
    def filters(self):
        return {"play010_decision": play010_decision}
