#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: prometheus_query
short_description: Run a PromQL instant or range query against Prometheus
version_added: 0.1.0
description:
  - Runs one PromQL query through the Prometheus HTTP API (C(/api/v1/query) or C(/api/v1/query_range)) and returns the
    samples as plain lists of label sets and numbers.
  - An empty result is a success with RV(empty=true), so a playbook can tell "no such series" from a failure.
  - A failure (Prometheus unreachable, access denied, a PromQL error) fails the task with a message that names the URL or
    the query and the cause. A PromQL error carries the parser's text, e.g. C(1:5 parse error unexpected end of input).
  - Read-only; it never changes anything, so check mode runs the query too.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  url:
    description: Base URL of Prometheus, without C(/api/v1).
    type: str
    required: true
  query:
    description: The PromQL expression.
    type: str
    required: true
  type:
    description: V(instant) evaluates at one time; V(range) returns a series of samples between O(start) and O(end).
    type: str
    choices: [instant, range]
    default: instant
  time:
    description:
      - Evaluation time of an instant query. Epoch seconds, an RFC3339 time, V(now), or relative such as V(-10m).
      - Defaults to the server's current time.
    type: raw
  start:
    description: Start of a range query (same formats as O(time)); required for O(type=range).
    type: raw
  end:
    description: End of a range query (same formats as O(time)).
    type: raw
    default: now
  step:
    description: Resolution of a range query, a Prometheus duration (V(15s)) or seconds.
    type: str
    default: 15s
  timeout:
    description: Seconds to wait for the answer.
    type: float
    default: 10
  bearer_token:
    description: Token sent as C(Authorization Bearer); mutually exclusive with O(username).
    type: str
  username:
    description: User for HTTP basic authentication.
    type: str
  password:
    description: Password for HTTP basic authentication.
    type: str
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: CA bundle to verify the server's certificate with.
    type: path
  client_cert:
    description: Client certificate (PEM) for mutual TLS.
    type: path
  client_key:
    description: Key of O(client_cert) when it is not in the same file.
    type: path
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Nothing to compare.
seealso:
  - name: Prometheus HTTP API
    description: The API this module calls.
    link: https://prometheus.io/docs/prometheus/latest/querying/api/
"""

EXAMPLES = r"""
- name: Top 10 error sources over 5 minutes (PLAY-020)
  virtengine.incident_response.prometheus_query:
    url: http://127.0.0.1:9090
    query: topk(10, sum(rate(virtengine_errors_total[5m])) by (module, code))
  register: top_errors

- name: Error rate over the last hour, one point a minute
  virtengine.incident_response.prometheus_query:
    url: https://prometheus.example.com
    query: sum(rate(virtengine_errors_total[5m]))
    type: range
    start: -1h
    step: 1m
    bearer_token: "{{ prometheus_token }}"
    ca_path: /etc/ssl/certs/internal-ca.pem
  register: error_history

- name: Stop when the series does not exist at all
  ansible.builtin.assert:
    that: not top_errors.empty
    fail_msg: No virtengine_errors_total series in Prometheus; is the node scraped?
"""

RETURN = r"""
result_type:
  description: The API's result type.
  returned: success
  type: str
  sample: vector
result:
  description:
    - For V(vector) and V(scalar), one entry per sample with C(metric) (label set), C(value) (a number; null for NaN or
      infinity) and C(timestamp) (epoch seconds).
    - For V(matrix) (range queries), one entry per series with C(metric) and C(values), a list of C([timestamp, value]).
  returned: success
  type: list
  elements: dict
  sample: [{"metric": {"module": "market", "code": "1101"}, "value": 4.2, "timestamp": 1795746730.4}]
empty:
  description: The query matched nothing (not a failure).
  returned: success
  type: bool
  sample: false
series_count:
  description: Number of entries in RV(result).
  returned: success
  type: int
  sample: 10
warnings_from_server:
  description: Warnings the server attached to the answer.
  returned: success
  type: list
  elements: str
  sample: []
query:
  description: The query that ran.
  returned: always
  type: str
  sample: sum(rate(virtengine_errors_total[5m]))
error_kind:
  description: On failure, V(unreachable), V(auth), V(promql) or V(answer).
  returned: failure
  type: str
  sample: promql
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.virtengine.incident_response.plugins.module_utils._prometheus import PrometheusClient, PrometheusError, resolve_time


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            query=dict(type="str", required=True),
            type=dict(type="str", choices=["instant", "range"], default="instant"),
            time=dict(type="raw"),
            start=dict(type="raw"),
            end=dict(type="raw", default="now"),
            step=dict(type="str", default="15s"),
            timeout=dict(type="float", default=10.0),
            bearer_token=dict(type="str", no_log=True),
            username=dict(type="str"),
            password=dict(type="str", no_log=True),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            client_cert=dict(type="path"),
            client_key=dict(type="path"),
        ),
        required_if=[("type", "range", ("start",))],
        mutually_exclusive=[("bearer_token", "username")],
        required_together=[("username", "password")],
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    if not params["query"].strip():
        module.fail_json(msg="query is empty: give a PromQL expression", query=params["query"])
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout=%s must be a positive number of seconds" % params["timeout"], query=params["query"])
    started = time.time()
    try:
        client = PrometheusClient(params["url"], timeout=params["timeout"], bearer_token=params["bearer_token"], username=params["username"],
                                  password=params["password"], validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                                  client_cert=params["client_cert"], client_key=params["client_key"])
        try:
            if params["type"] == "range":
                result_type, result, warnings = client.query_range(params["query"], resolve_time(params["start"], started),
                                                                   resolve_time(params["end"], started), params["step"])
            else:
                result_type, result, warnings = client.query(params["query"], resolve_time(params["time"], started))
        finally:
            client.close()
    except PrometheusError as exc:
        module.fail_json(msg=str(exc), error_kind=exc.kind, query=params["query"])
    except ValueError as exc:
        module.fail_json(msg="bad time option: %s" % exc, error_kind="answer", query=params["query"])
    module.exit_json(changed=False, query=params["query"], result_type=result_type, result=result, empty=not result,
                     series_count=len(result), warnings_from_server=warnings)


if __name__ == "__main__":
    main()
