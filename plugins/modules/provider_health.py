#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: provider_health
short_description: Health of many VirtEngine provider daemons at once, the chain as they dial it, their config and binary
version_added: 0.1.0
description:
  - For every provider, on a thread pool; one provider's failure is that provider's C(error), never the task's.
  - C(health) - plain HTTP C(GET) of the daemon's health URL (C(http://HOST:8080/health); C(/api/v1/health) answers
    the same) - status, body, latency. Healthy is HTTP 200 with the body O(expect_body). The endpoint does not reflect
    the chain or the bid engine.
  - C(chain) - from where the module runs (run it on the provider host), a TLS handshake with the daemon's chain gRPC
    endpoint (config key C(waldur-chain-grpc)), which the daemon always dials with TLS, so a plaintext endpoint is
    reported in C(findings); and CometBFT RPC C(/status) of its C(node) (C(tcp://) read as C(http://)).
  - C(config) - the daemon's YAML config (C(provider-daemon.yaml), flat keys), the bid and chain keys it acts on, with
    its defaults for absent keys, and the nested blocks it ignores (such as C(bidding)). Tokens in the file are never
    returned.
  - C(binary) - SHA-256, size and modification time of the daemon's binary and of the kept previous binary
    (C(provider-daemon version) prints a constant, so builds are told apart by checksum).
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  providers:
    description:
      - One dictionary per provider. C(name) (the inventory host), C(health_url), C(config) (path of the daemon's
        YAML config), C(binary), C(previous_binary) (the kept previous build), and optional C(chain_grpc) /
        C(chain_rpc) overriding the config's C(waldur-chain-grpc) / C(node).
      - The filter P(virtengine.incident_response.provider_targets#filter) builds it from the inventory.
      - Checks whose input is missing are skipped for that provider (their result is null).
    type: list
    elements: dict
    required: true
  checks:
    description: Which checks to run.
    type: list
    elements: str
    choices: [health, chain, config, binary]
    default: [health, chain, config, binary]
  expect_body:
    description: The body of a healthy answer (the daemon answers C(ok)); empty accepts any body with HTTP 200.
    type: str
    default: ok
  timeout:
    description: Seconds to wait for each HTTP request, TCP connection and TLS handshake.
    type: float
    default: 5.0
  max_workers:
    description: Maximum number of providers probed at the same time.
    type: int
    default: 64
requirements:
  - requests
  - PyYAML
notes:
  - Reports and fails only on bad arguments; the playbook decides what a state means.
seealso:
  - module: virtengine.incident_response.provider_logs
"""

EXAMPLES = r"""
- name: Health of the whole fleet, from the controller
  virtengine.incident_response.provider_health:
    providers: "{{ groups['providers'] | virtengine.incident_response.provider_targets(hostvars) }}"
    checks: [health]
  delegate_to: localhost
  run_once: true
  register: fleet

- name: Chain connectivity, config and binary, seen from each provider host
  virtengine.incident_response.provider_health:
    providers: "{{ [inventory_hostname] | virtengine.incident_response.provider_targets(hostvars) }}"
    checks: [chain, config, binary]
  register: provider_host
"""

RETURN = r"""
providers:
  description: One entry per provider, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Provider (inventory host) name.
      type: str
    healthy:
      description: The health check passed (null when not run).
      type: bool
    health:
      description: C({url, status, body, latency_ms, healthy, error}).
      type: dict
    grpc:
      description: C({target, tcp, tls, version, error}) of the TLS handshake with the chain gRPC endpoint.
      type: dict
    rpc:
      description: C({url, height, catching_up, network, error}) of the CometBFT RPC the daemon uses.
      type: dict
    config:
      description: C({path, exists, sha256, mtime, effective, ignored, findings, error}).
      type: dict
    binary:
      description: C({path, exists, sha256, mtime, size, error}) of the daemon's binary.
      type: dict
    previous_binary:
      description: The same for the kept previous binary.
      type: dict
    findings:
      description: What is wrong, in words (empty when nothing is).
      type: list
      elements: str
    error:
      description: A bad entry (no name); null otherwise.
      type: str
summary:
  description: C({healthy, unhealthy, unchecked}) provider names.
  returned: always
  type: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, fan_out
from ansible_collections.virtengine.incident_response.plugins.module_utils import _provider_probe as probe

try:
    import yaml

    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()


def read_config(path):
    facts = probe.file_facts(path)
    facts.update(effective=None, ignored=[], findings=[])
    if not facts["exists"]:
        facts["error"] = facts["error"] or "%s does not exist (the daemon reads --config, else $HOME/.virtengine/provider-daemon.yaml)" % path
        return facts
    try:
        with open(path) as handle:
            document = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        facts["error"] = "cannot parse %s: %s" % (path, str(exc).splitlines()[0])
        return facts
    facts.update(probe.config_findings(document))
    return facts


def check(provider, checks, params):
    result = {"name": provider["name"], "healthy": None, "health": None, "grpc": None, "rpc": None, "config": None,
              "binary": None, "previous_binary": None, "findings": [], "error": None}
    if "health" in checks and provider.get("health_url"):
        result["health"] = probe.health(provider["health_url"], params["timeout"], params["expect_body"])
        result["healthy"] = result["health"]["healthy"]
        if not result["healthy"]:
            result["findings"].append("health %s: %s" % (provider["health_url"], result["health"]["error"]))
    effective = probe.DAEMON_DEFAULTS
    if ("config" in checks or "chain" in checks) and provider.get("config"):
        result["config"] = read_config(provider["config"])
        effective = result["config"]["effective"] or effective
        if "config" in checks:
            result["findings"].extend(result["config"]["findings"] + ([result["config"]["error"]] if result["config"]["error"] else []))
    if "chain" in checks:
        grpc = provider.get("chain_grpc") or effective["waldur-chain-grpc"]
        result["grpc"] = probe.tls_handshake(grpc, params["timeout"])
        if result["grpc"]["tcp"] and not result["grpc"]["tls"]:
            result["findings"].append("chain gRPC %s is plaintext while the daemon always dials it with TLS: %s" % (grpc, result["grpc"]["error"]))
        elif result["grpc"]["error"]:
            result["findings"].append("chain gRPC %s: %s" % (grpc, result["grpc"]["error"]))
        result["rpc"] = probe.chain_rpc_status(provider.get("chain_rpc") or effective["node"], params["timeout"])
        if result["rpc"]["error"]:
            result["findings"].append("chain RPC: %s" % result["rpc"]["error"])
        elif result["rpc"]["catching_up"]:
            result["findings"].append("chain RPC %s is catching up (height %s)" % (result["rpc"]["url"], result["rpc"]["height"]))
    if "binary" in checks and provider.get("binary"):
        result["binary"] = probe.file_facts(provider["binary"])
        result["previous_binary"] = probe.file_facts(provider.get("previous_binary") or "")
        if not result["binary"]["exists"]:
            result["findings"].append("binary %s not found" % provider["binary"])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            providers=dict(type="list", elements="dict", required=True),
            checks=dict(type="list", elements="str", choices=["health", "chain", "config", "binary"],
                        default=["health", "chain", "config", "binary"]),
            expect_body=dict(type="str", default="ok"),
            timeout=dict(type="float", default=5.0),
            max_workers=dict(type="int", default=64),
        ),
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    params = module.params
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout=%s must be a positive number of seconds" % params["timeout"])
    if params["max_workers"] < 1:
        module.fail_json(msg="max_workers=%s must be 1 or more" % params["max_workers"])
    bad = [p for p in params["providers"] if not p.get("name")]
    if bad:
        module.fail_json(msg="every provider needs a 'name' (the inventory host), got %r; build the list with the provider_targets filter" % bad[0])
    checks = set(params["checks"])
    outcome = fan_out(lambda provider: check(provider, checks, params), params["providers"], params["max_workers"])
    providers = []
    for provider, result, error in outcome:
        if error:
            result = {"name": provider["name"], "healthy": None, "findings": [error], "error": error}
        providers.append(result)
    summary = {
        "healthy": [p["name"] for p in providers if p.get("healthy") is True],
        "unhealthy": [p["name"] for p in providers if p.get("healthy") is False],
        "unchecked": [p["name"] for p in providers if p.get("healthy") is None],
    }
    module.exit_json(changed=False, providers=providers, summary=summary)


if __name__ == "__main__":
    main()
