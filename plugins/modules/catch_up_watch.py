#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: catch_up_watch
short_description: Watch nodes catch up with the chain, printing height, gap, rate and ETA at every sample
version_added: 0.1.0
description:
  - Samples heights with M(virtengine.incident_response.chain_status) every O(wait_sleep) seconds and prints one progress line
    per sample (height, reference height, blocks behind, catch-up rate, ETA) until every target is within O(within)
    blocks of the reference and advancing, or O(wait_timeout) passes. It returns as soon as they are in.
  - It takes at least O(min_samples) samples before it gives up, however short O(wait_timeout) is and however slow the
    nodes answer, so a watch that ends "not caught up" always has a rate measured over more than one interval.
  - The reference is the endpoint named C(reference) in O(reference) when it answers (a public RPC), else the highest
    height among O(reference) and O(targets).
  - The rate is how fast the gap shrinks, so a node that only keeps pace with the chain has rate 0 and no ETA.
  - Read-only. Runs on the controller (an action plugin); it does not fail when the nodes do not catch up, RV(done) says so.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
  - virtengine.incident_response.wait
attributes:
  action:
    support: full
    description: Runs on the controller.
options:
  targets:
    description: Endpoints to follow, as M(virtengine.incident_response.chain_status) takes them (C({name, url}) or URLs).
    type: list
    elements: raw
    required: true
  reference:
    description: Endpoints whose highest height is the reference; one named C(reference) overrides the others.
    type: list
    elements: raw
    default: []
  within:
    description: Blocks from the reference that count as caught up.
    type: int
    default: 5
  min_samples:
    description: Samples to take before giving up, at least 1.
    type: int
    default: 3
  rpc_timeout:
    description: Seconds per RPC request.
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: Watch fullnode1 catch up for up to 10 minutes
  virtengine.incident_response.catch_up_watch:
    targets: "{{ ['fullnode1'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    reference: "{{ groups['validators'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
    wait_timeout: 600
    wait_sleep: 10
  register: watch
"""

RETURN = r"""
done:
  description: Every target caught up before the timeout.
  returned: always
  type: bool
rows:
  description: The last sample, one row per target.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: Target name.
      type: str
    height:
      description: Its height.
      type: int
    reference:
      description: The reference height.
      type: int
    behind:
      description: Blocks behind the reference.
      type: int
    rate:
      description: Blocks per second the gap shrank since the first sample; null before a second sample.
      type: float
    eta_seconds:
      description: Seconds to catch up at that rate; null when the gap does not shrink.
      type: int
    catching_up:
      description: The node's own catching_up flag (true only in block or state sync).
      type: bool
    caught_up:
      description: Within O(within) blocks and advancing.
      type: bool
elapsed_seconds:
  description: Seconds between the first and the last sample.
  returned: always
  type: float
samples:
  description: Samples taken.
  returned: always
  type: int
"""
