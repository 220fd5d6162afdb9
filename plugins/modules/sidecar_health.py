#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sidecar_health
short_description: Health of VEID inference sidecars - gRPC health protocol, HTTP /health and /metrics (PLAY-010)
version_added: 0.1.0
description:
  - The runbook's C(curl localhost:8080/health) reaches the provider daemon's portal, not the scoring service. VirtEngine's
    C(inference-sidecar) serves the standard C(grpc.health.v1.Health/Check) on its C(--grpc-addr) (default C(:50051)) for
    the services C("") and C(inference.v1.InferenceService), and on C(--metrics-addr) (default C(:9090)) an HTTP C(/health)
    that always answers C(200 OK) and a Prometheus C(/metrics).
  - Every endpoint is probed at the same time on a thread pool; one sidecar's failure is that sidecar's C(error), never
    the task's. The gRPC health answer decides RV(endpoints[].state); the HTTP parts are reported beside it, with a note
    when the HTTP port is held by another server (with default flags C(:9090) is the node's Cosmos gRPC, and the sidecar
    then only logs the bind error).
  - The sidecar's own C(veid_inference_*) metrics are defined but never updated (C(veid_inference_sidecar_healthy) is a
    constant 0); they are reported, never judged.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
requirements:
  - grpcio
  - requests
options:
  endpoints:
    description:
      - The sidecars, each a dictionary with C(name) (the validator's inventory name), C(grpc_address) (C(host:port)) and
        an optional C(http_url) (C(http://host:port) of C(--metrics-addr); empty skips the HTTP checks).
    type: list
    elements: dict
    required: true
  services:
    description: The health service names to check; all must be SERVING for RV(endpoints[].state=serving).
    type: list
    elements: str
    default: ["", "inference.v1.InferenceService"]
  timeout:
    description: Seconds to wait for each gRPC or HTTP answer.
    type: float
    default: 3.0
  grpc_tls:
    description: Use TLS with the system's trusted roots for gRPC (the sidecar serves plaintext by default).
    type: bool
    default: false
  metrics:
    description: Read C(/metrics) too.
    type: bool
    default: true
  max_workers:
    description: Sidecars probed at the same time.
    type: int
    default: 64
"""

EXAMPLES = r"""
- name: Probe every validator's sidecar
  virtengine.incident_response.sidecar_health:
    endpoints:
      - {name: validator-1, grpc_address: "10.0.1.11:50051", http_url: "http://10.0.1.11:9091"}
      - {name: validator-2, grpc_address: "10.0.1.12:50051"}
  register: sidecars

- name: Name the sidecars that do not serve
  ansible.builtin.debug:
    msg: "{{ sidecars.endpoints | rejectattr('state', 'equalto', 'serving') | map(attribute='name') | list }}"
"""

RETURN = r"""
endpoints:
  description: One entry per sidecar, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The endpoint's name.
      type: str
    state:
      description: C(serving) (every service SERVING), C(not_serving) (a service NOT_SERVING, SERVICE_UNKNOWN or UNKNOWN),
        C(down) (gRPC did not answer).
      type: str
    grpc:
      description: Service name to its C(ServingStatus) name, or null when that call failed.
      type: dict
      sample: {"": SERVING, "inference.v1.InferenceService": SERVING}
    error:
      description: Why gRPC did not answer.
      type: str
    http:
      description: C({url, health_status, health_body, is_sidecar, note, metrics, error}); C(metrics) holds C(model_info)
        (list of C({version, hash})), C(sidecar_healthy), C(feature_dimension), C(inference_total_exported).
      type: dict
    seconds:
      description: Time the probe took.
      type: float
summary:
  description: C({serving, not_serving, down}) lists of names.
  returned: always
  type: dict
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import HAS_REQUESTS, fan_out, requests
from ansible_collections.virtengine.incident_response.plugins.module_utils._protowire import WireError, decode, encode_string
from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import (
    HEALTH_SERVICES,
    http_health_view,
    metric_samples,
    sidecar_metrics,
    sidecar_state,
)

try:
    import grpc
except ImportError:
    grpc = None

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
# grpc.health.v1.HealthCheckResponse.ServingStatus
SERVING_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def grpc_health(address, services, timeout, tls):
    """``({service: status name or None}, connection error or None)``; the standard server answers NOT_FOUND for an unknown service."""
    channel = grpc.secure_channel(address, grpc.ssl_channel_credentials()) if tls else grpc.insecure_channel(address)
    statuses, error = {}, None
    try:
        check = channel.unary_unary(HEALTH_CHECK)
        for service in services:
            try:
                answer = check(encode_string(1, service), timeout=timeout)
                statuses[service] = SERVING_STATUS.get((decode(answer).get(1) or [0])[-1], "UNKNOWN")
            except grpc.RpcError as failure:
                if failure.code() == grpc.StatusCode.NOT_FOUND:
                    statuses[service] = "SERVICE_UNKNOWN"
                    continue
                statuses[service] = None
                error = "gRPC %s %r at %s: %s %s" % (HEALTH_CHECK, service, address, failure.code().name, failure.details() or "")
                if failure.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    break
            except WireError as failure:
                statuses[service] = None
                error = "gRPC %s %r at %s answered bytes that are not a HealthCheckResponse: %s" % (HEALTH_CHECK, service, address, failure)
    finally:
        channel.close()
    return statuses, error


def http_parts(url, timeout, read_metrics):
    view = {"url": url, "health_status": None, "health_body": None, "metrics": None, "error": None}
    with requests.Session() as session:
        try:
            answer = session.get(url.rstrip("/") + "/health", timeout=timeout)
            view["health_status"], view["health_body"] = answer.status_code, answer.text[:200]
        except requests.exceptions.RequestException as failure:
            view["error"] = "%s/health: %s" % (url.rstrip("/"), str(failure).splitlines()[0][:300])
        view.update(http_health_view(view["health_status"], view["health_body"], view["error"]))
        if read_metrics and view["is_sidecar"]:
            try:
                answer = session.get(url.rstrip("/") + "/metrics", timeout=timeout)
                answer.raise_for_status()
                view["metrics"] = sidecar_metrics(metric_samples(answer.text, "veid_"))
            except (requests.exceptions.RequestException, ValueError) as failure:
                view["error"] = "%s/metrics: %s" % (url.rstrip("/"), str(failure).splitlines()[0][:300])
    return view


def probe(endpoint, params):
    started = time.monotonic()
    statuses, error = grpc_health(endpoint["grpc_address"], params["services"], params["timeout"], params["grpc_tls"])
    result = {"name": endpoint["name"], "grpc_address": endpoint["grpc_address"], "grpc": statuses, "error": error,
              "state": sidecar_state(statuses, error), "http": None}
    if endpoint.get("http_url"):
        result["http"] = http_parts(endpoint["http_url"], params["timeout"], params["metrics"])
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoints=dict(type="list", elements="dict", required=True),
            services=dict(type="list", elements="str", default=list(HEALTH_SERVICES)),
            timeout=dict(type="float", default=3.0),
            grpc_tls=dict(type="bool", default=False),
            metrics=dict(type="bool", default=True),
            max_workers=dict(type="int", default=64),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if grpc is None:
        module.fail_json(msg=missing_required_lib("grpcio"))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    if params["timeout"] <= 0 or params["max_workers"] < 1 or not params["services"]:
        module.fail_json(msg="timeout=%s must be positive, max_workers=%s at least 1, services=%r not empty"
                         % (params["timeout"], params["max_workers"], params["services"]))
    for position, endpoint in enumerate(params["endpoints"]):
        address = str(endpoint.get("grpc_address") or "")
        if not endpoint.get("name") or ":" not in address or not address.rsplit(":", 1)[1].isdigit():
            module.fail_json(msg="endpoints[%d]=%r needs a name and a grpc_address host:port (e.g. 10.0.1.11:50051)" % (position, endpoint))
        url = endpoint.get("http_url") or ""
        if url and not url.startswith(("http://", "https://")):
            module.fail_json(msg="endpoints[%d].http_url=%r must start with http:// or https://" % (position, url))
    results = []
    for endpoint, result, error in fan_out(lambda e: probe(e, params), params["endpoints"], params["max_workers"]):
        results.append(result or {"name": endpoint["name"], "grpc_address": endpoint["grpc_address"], "grpc": {}, "error": error,
                                  "state": "down", "http": None, "seconds": None})
    summary = dict((state, [r["name"] for r in results if r["state"] == state]) for state in ("serving", "not_serving", "down"))
    module.exit_json(changed=False, endpoints=results, summary=summary)


if __name__ == "__main__":
    main()
