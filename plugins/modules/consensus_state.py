#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: consensus_state
short_description: Who is voting, who is absent, and whether the validator set can reach quorum
version_added: 0.1.0
description:
  - Reads C(/consensus_state) (height/round/step and the votes of each round), the validator set of that height from
    C(/validators) (every page) and C(/status) of every endpoint (to name validators), and reports for every
    validator whether its prevote and precommit were received, as V(block), V(nil) or V(absent).
  - Follows CometBFT v0.38 exactly. The votes of round R are the vote-set entry whose C(round) is R (not the last
    entry, since a node also tracks round R+1). Entry I of a vote list is validator index I of the set at that height.
    C(nil-Vote) means no vote was received (absent); a received vote for block hash C(000000000000) is a vote for nil.
  - Which votes tell who is absent depends on the moment (RV(source)). A chain that sits in one height for
    O(settle_time) seconds after prevoting (a halted chain) is judged on the current round. When round R > 0 has
    started, round R-1 is complete and is used. On a live chain in round 0 the new round's votes are still arriving,
    so the last canonical commit (the precommits block H-1 recorded for H-2) says who signed.
  - One node's "not received" can also mean that node is cut off. With O(merge=true) the views of every node at the
    highest height and round are merged, and a vote any of them received counts.
  - Absent power and its fraction are voting power, not counts. A block needs more than 2/3 of the power, so
    RV(quorum_reachable) is false once the absent power reaches 1/3.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.rpc
  - virtengine.incident_response.read_only
options:
  merge:
    description:
      - Merge the views of all nodes at the same height and round. With V(false) only the first endpoint that
        answered is used.
    type: bool
    default: true
  settle_time:
    description:
      - Seconds a height must have lasted, with the node past the Propose step, before the current round's votes are
        taken as the truth about who is absent.
    type: float
    default: 10
  validator_names:
    description:
      - Extra names for validator addresses that are not among the endpoints (for example other operators'
        validators), as a mapping of address (uppercase hex) to name. Endpoints' own addresses are learned from
        their C(/status).
    type: dict
    default: {}
seealso:
  - module: virtengine.incident_response.chain_status
  - name: CometBFT consensus RPC
    description: The round state and vote encoding this module reads.
    link: https://docs.cometbft.com/v0.38/rpc/
"""

EXAMPLES = r"""
- name: Who is absent, merged across every node that answers
  virtengine.incident_response.consensus_state:
    endpoints: "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
  register: consensus
  delegate_to: localhost
  run_once: true

- name: Show the absent validators and the power they hold
  ansible.builtin.debug:
    msg: >-
      {{ consensus.absent | map(attribute='name') | join(', ') }} absent,
      {{ (consensus.absent_fraction * 100) | round(1) }}% of the power;
      quorum {{ 'reachable' if consensus.quorum_reachable else 'UNREACHABLE' }}

- name: Name validators run by other operators
  virtengine.incident_response.consensus_state:
    endpoints:
      - http://127.0.0.1:26657
    validator_names:
      C7D16A0F9E89F9C5FA840B4FE37031BDE4A9EF52: partner-validator-1
"""

RETURN = r"""
reachable_count:
  description: Endpoints whose consensus state was read.
  returned: always
  type: int
  sample: 3
height:
  description: The height being decided (one above the latest block), from the reference view.
  returned: always
  type: int
  sample: 54
round:
  description: The round at that height.
  returned: always
  type: int
  sample: 0
step:
  description: The step code (1 NewHeight ... 8 Commit).
  returned: always
  type: int
  sample: 4
step_name:
  description: The step's name.
  returned: always
  type: str
  sample: Prevote
seconds_in_height:
  description: Seconds since the height's start time (negative while C(timeout_commit) runs).
  returned: always
  type: float
  sample: 42.7
source:
  description: Which votes were judged, V(round), V(previous_round) or V(last_commit) (see the description).
  returned: always
  type: str
  sample: round
source_height:
  description: The height of the judged votes (H for a round, H-2 for the last commit).
  returned: always
  type: int
source_round:
  description: The judged round (null for the last commit).
  returned: always
  type: int
proposer:
  description: The proposer of the current round, with its name when known.
  returned: always
  type: dict
  sample: {"address": "B4F4D3AC6B31227584685F0786D40ECC1D4BFEDC", "index": 1, "name": "validator3", "moniker": "validator3"}
validators:
  description: Every validator in index order.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: Validator index (the position in the vote lists).
      type: int
    address:
      description: Validator address.
      type: str
    voting_power:
      description: Voting power.
      type: int
    name:
      description: Endpoint name (inventory host), O(validator_names) entry, moniker, or the address.
      type: str
    host:
      description: The endpoint whose node has this validator address, if any.
      type: str
    moniker:
      description: The moniker of that node, if known.
      type: str
    prevote:
      description: "V(block), V(nil), V(absent), or V(unknown) (a commit holds precommits only)."
      type: str
    precommit:
      description: "V(block), V(nil) or V(absent)."
      type: str
    present:
      description: Any vote of this validator was received.
      type: bool
absent:
  description: The validators with no vote received, as in RV(validators).
  returned: always
  type: list
  elements: dict
total_power:
  description: Total voting power.
  returned: always
  type: int
  sample: 40
present_power:
  description: Power of the validators that voted.
  returned: always
  type: int
  sample: 20
absent_power:
  description: Power of the absent validators.
  returned: always
  type: int
  sample: 20
absent_fraction:
  description: Absent power over total power.
  returned: always
  type: float
  sample: 0.5
absent_count:
  description: Number of absent validators.
  returned: always
  type: int
  sample: 2
quorum_reachable:
  description: More than 2/3 of the voting power is present. Null when nothing could be read.
  returned: always
  type: bool
  sample: false
merged_from:
  description: Names of the endpoints whose views were merged.
  returned: always
  type: list
  elements: str
views:
  description: One entry per endpoint; what it saw, or its error.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Endpoint name.
      type: str
    url:
      description: RPC URL.
      type: str
    reachable:
      description: The consensus state was read.
      type: bool
    error:
      description: Why not.
      type: str
    height:
      description: Height being decided.
      type: int
    round:
      description: Round.
      type: int
    step:
      description: Step code.
      type: int
    source:
      description: Which votes this view judged.
      type: str
    merged:
      description: The view is part of the result.
      type: bool
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import check_rpc_arguments, parse_endpoints, rpc_argument_spec
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import CONSENSUS_SPEC, read_consensus


def main():
    module = AnsibleModule(argument_spec=rpc_argument_spec(merge=dict(type="bool", default=True), **CONSENSUS_SPEC), supports_check_mode=True)
    check_rpc_arguments(module)
    params = module.params
    module.exit_json(changed=False, **read_consensus(module, parse_endpoints(params["endpoints"]), params["settle_time"],
                                                     params["validator_names"], params["merge"]))


if __name__ == "__main__":
    main()
