# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  endpoints:
    description:
      - The CometBFT RPC endpoints to query, all at once on a thread pool.
      - Each entry is a URL string such as V(http://127.0.1.1:26657), or a dictionary with C(url), an optional
        C(name) (used in results; the inventory host name is a good choice), an optional C(node_id) (the node's
        p2p id, so that a node whose RPC is down is still named when others list it as a peer) and an optional
        C(validator_address) (so that an absent validator is named after its host even when its RPC is down).
      - The filter P(virtengine.incident_response.rpc_endpoints#filter) builds this list from inventory hosts.
      - An entry that is not a valid URL, or an endpoint that fails, is reported in that endpoint's C(error);
        it never fails the task.
    type: list
    elements: raw
    required: true
  timeout:
    description:
      - Seconds to wait for each HTTP request. C(/consensus_state) can hang on a sick node, so every call has one.
    type: float
    default: 5.0
  retries:
    description:
      - How many times to retry a call that failed to connect or got HTTP 502/503/504.
      - A call that timed out is not retried (an endpoint that accepted the connection and stayed silent rarely
        answers the next try); O(skip) spares later modules of the same run the same wait.
    type: int
    default: 1
  skip:
    description:
      - Endpoints already found unreadable in this run, by name (the C(name) in O(endpoints)), with the error seen.
        They are reported unreachable with that error and not asked again. A hung endpoint then costs one O(timeout)
        per run instead of one per module.
      - M(virtengine.incident_response.fleet_probe) does this itself between its chain reading and the two others.
    type: dict
    default: {}
  max_workers:
    description:
      - Maximum number of endpoints queried at the same time (the work is waiting on the network, so threads are cheap).
    type: int
    default: 64
requirements:
  - requests
notes:
  - The module reports what it finds and fails only on bad arguments, like M(community.postgresql.postgresql_ping);
    the playbook decides what a state means.
  - "Runs wherever the endpoints are reachable; usually the controller (C(delegate_to: localhost), C(run_once: true))."
"""
