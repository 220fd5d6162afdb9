#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: upgrade_plan
short_description: The chain's scheduled and applied software upgrades, from the Cosmos SDK REST gateway
version_added: 0.1.0
description:
  - Asks each REST endpoint (the node's API server, port 1317) for C(/cosmos/upgrade/v1beta1/current_plan) and, for each
    name in O(names), C(/cosmos/upgrade/v1beta1/applied_plan/<name>) (the x/upgrade module's queries; C(virtengine query
    upgrade plan) is not registered in the VirtEngine CLI, the REST route is).
  - The first endpoint that answers gives RV(plan) and RV(applied); every endpoint's answer or error is in RV(endpoints).
    A halted chain's API server often still answers from the last committed state. Read-only; an endpoint that does not
    answer is that endpoint's error, never a failure.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  endpoints:
    description: REST base URLs (C(http://host:1317)) or C({name, url}) entries.
    type: list
    elements: raw
    required: true
  names:
    description: Upgrade names whose applied height is asked (e.g. the name in the logs' C(UPGRADE "<name>" NEEDED)).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds per request.
    type: float
    default: 5.0
"""

EXAMPLES = r"""
- name: Is an upgrade scheduled?
  virtengine.incident_response.upgrade_plan:
    endpoints: ["http://10.0.0.5:1317"]
    names: [v2.12]
  register: upgrade
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
plan:
  description:
    - The scheduled plan as the SDK returns it (C(name), C(time), C(height) as a string, C(info), C(upgraded_client_state)).
    - Null when none is scheduled or no endpoint answered.
  returned: always
  type: dict
  sample: {name: v2.12, time: "0001-01-01T00:00:00Z", height: "11860000", info: "{}", upgraded_client_state: null}
applied:
  description: Upgrade name to the height it was applied at (0 when it was not applied).
  returned: always
  type: dict
  sample: {v2.11: 10500000, v2.12: 0}
answered_by:
  description: The endpoint whose answer is in RV(plan) and RV(applied); null when none answered.
  returned: always
  type: str
endpoints:
  description: Per endpoint C({name, url, plan, applied, error}).
  returned: always
  type: list
  elements: dict
error:
  description: Why no endpoint answered; null when one did.
  returned: always
  type: str
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

CURRENT = "/cosmos/upgrade/v1beta1/current_plan"
APPLIED = "/cosmos/upgrade/v1beta1/applied_plan/"


def _get(url, timeout):
    try:
        response = open_url(url, method="GET", timeout=timeout, headers={"Accept": "application/json"})
        body = response.read()
    except HTTPError as exc:
        raise ValueError("HTTP %s from %s: is this the REST API (api.enable = true, port 1317)?" % (exc.code, url))
    except (URLError, IOError, OSError) as exc:
        raise ValueError("%s: %s (is the API server enabled and reachable?)" % (url, getattr(exc, "reason", exc)))
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError("%s answered something that is not JSON: is this the REST API port?" % url)


def read_endpoint(url, names, timeout):
    """``{plan, applied}`` from one REST endpoint; ``ValueError`` with a readable message on any odd answer."""
    answer = _get(url.rstrip("/") + CURRENT, timeout)
    if not isinstance(answer, dict) or "plan" not in answer:
        raise ValueError("unsupported current_plan answer from %s: no 'plan' key" % url)
    plan = answer["plan"]
    if plan is not None and (not isinstance(plan, dict) or "name" not in plan or "height" not in plan):
        raise ValueError("unsupported current_plan answer from %s: plan has no name/height" % url)
    applied = {}
    for name in names:
        done = _get(url.rstrip("/") + APPLIED + quote(name, safe=""), timeout)
        try:
            applied[name] = int(done["height"])
        except (TypeError, KeyError, ValueError):
            raise ValueError("unsupported applied_plan answer from %s for %s: %r" % (url, name, done))
    return {"plan": plan, "applied": applied}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoints=dict(type="list", elements="raw", required=True),
            names=dict(type="list", elements="str", default=[]),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["endpoints"]:
        module.fail_json(msg="endpoints is empty: give at least one REST API URL, e.g. http://10.0.0.5:1317 (node_rest_url)")
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout=%s must be a positive number of seconds" % params["timeout"])
    endpoints = []
    for raw in params["endpoints"]:
        entry = raw if isinstance(raw, dict) else {"url": raw}
        url = str(entry.get("url") or "")
        if not url.startswith(("http://", "https://")):
            module.fail_json(msg="endpoint %r has no http(s) URL: give the REST API base, e.g. http://10.0.0.5:1317" % (raw,))
        endpoints.append({"name": str(entry.get("name") or url), "url": url, "plan": None, "applied": {}, "error": None})
    answered = None
    for endpoint in endpoints:
        try:
            endpoint.update(read_endpoint(endpoint["url"], params["names"], params["timeout"]))
        except ValueError as exc:
            endpoint["error"] = str(exc)
            continue
        answered = answered or endpoint
    module.exit_json(changed=False, plan=answered["plan"] if answered else None, applied=answered["applied"] if answered else {},
                     answered_by=answered["name"] if answered else None, endpoints=endpoints,
                     error=None if answered else "no REST endpoint answered: %s" % "; ".join(e["error"] for e in endpoints))


if __name__ == "__main__":
    main()
