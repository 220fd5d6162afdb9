#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: scoring_host
short_description: A validator host's side of identity scoring - GPU, the node's VEID_* environment and veid metrics (PLAY-010)
version_added: 0.1.0
description:
  - GPU status from C(nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total,utilization.gpu,ecc.errors.uncorrected.volatile.total
    --format=csv,noheader,nounits) where C(nvidia-smi) exists; otherwise C(gpu.mode=cpu) ("no GPU / CPU mode"), which is
    the inference sidecar's default (C(--force-cpu=true)).
  - The running node's C(VEID_*) environment (C(VEID_INFERENCE_USE_SIDECAR), C(VEID_INFERENCE_SIDECAR_ADDR),
    C(VEID_INFERENCE_MODEL_PATH), C(VEID_INFERENCE_MODEL_HASH), ...) read from C(/proc/<pid>/environ) of its main process,
    which works the same under systemd and supervisor (the main PIDs come from C(systemctl show -p MainPID) or
    C(supervisorctl pid)). Values of names that look secret are hidden.
  - The node's own view of the model, C(veid_inference_model_info{version,hash}) on its metrics page (CometBFT
    C(:26660/metrics)); it exists only when the node built a TensorFlow scorer. No C(veid_scoring_*) metric exists.
  - Reports what it cannot read in C(gpu.error) and RV(node_env_error); fails only on bad arguments.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  nvidia_smi:
    description: The C(nvidia-smi) command; not found means CPU mode.
    type: str
    default: nvidia-smi
  node_pid:
    description: PID of the node's main process; 0 reads the main PID of the C(node) entry of O(services).
    type: int
    default: 0
  services:
    description:
      - Services whose main PID to read, each C({name, manager, supervisor_config}) keyed by its role (C(node),
        C(sidecar)); C(manager) is C(systemd) (C(systemctl show -p MainPID)) or C(supervisor) (C(supervisorctl pid)).
      - The node's main PID (when O(node_pid) is 0) is where its environment is read.
    type: dict
    default: {}
  env_prefix:
    description: Only variables whose names start with this are returned.
    type: str
    default: VEID_
  node_metrics_url:
    description: The node's Prometheus metrics page, read from the host itself; empty skips it.
    type: str
    default: ""
  timeout:
    description: Seconds to wait for the metrics page.
    type: float
    default: 5.0
"""

EXAMPLES = r"""
- name: GPU, the node's scoring environment, the node's and the sidecar's main PIDs
  virtengine.incident_response.scoring_host:
    services:
      node: {name: virtengine, manager: systemd}
      sidecar: {name: inference-sidecar, manager: systemd}
    node_metrics_url: http://127.0.0.1:26660/metrics
  register: scoring_host
"""

RETURN = r"""
gpu:
  description: C({mode, gpus, error}); C(mode) is C(gpu), C(cpu) (no nvidia-smi) or C(unknown) (nvidia-smi failed); C(gpus)
    one dict per GPU with C(name), C(driver_version), C(memory_used), C(memory_total) (MiB), C(utilization_gpu) (%),
    C(ecc_errors_uncorrected_volatile_total).
  returned: always
  type: dict
services:
  description: Role to main PID (null when not running or unknown), plus C(errors).
  returned: always
  type: dict
node_env:
  description: The node's variables with the prefix (secret-looking values replaced by C(<hidden>)).
  returned: when node_pid is given and readable
  type: dict
node_env_error:
  description: Why the environment could not be read.
  returned: when it could not
  type: str
node_metrics:
  description: C({url, model_info, veid_metrics, error}); C(model_info) a list of C({version, hash}), C(veid_metrics) the
    C(veid_*) metric names present.
  returned: when node_metrics_url is given
  type: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url
from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import (
    GPU_FIELDS,
    ScoringInputError,
    metric_samples,
    parse_gpu_csv,
)

SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSPHRASE|MNEMONIC", re.IGNORECASE)


def gpu_status(module):
    binary = module.get_bin_path(module.params["nvidia_smi"])
    if not binary:
        return {"mode": "cpu", "gpus": [], "error": None, "note": "no nvidia-smi: no GPU / CPU mode (the sidecar's default --force-cpu=true)"}
    rc, out, err = module.run_command([binary, "--query-gpu=" + ",".join(GPU_FIELDS), "--format=csv,noheader,nounits"])
    if rc != 0:
        return {"mode": "unknown", "gpus": [], "error": "nvidia-smi failed (rc %d): %s" % (rc, (err or out).strip()[-300:])}
    try:
        return {"mode": "gpu", "gpus": parse_gpu_csv(out), "error": None}
    except ScoringInputError as error:
        return {"mode": "unknown", "gpus": [], "error": str(error)}


def main_pid(module, manager, name, config):
    """The service's main PID, or None when it is not running; (pid, error)."""
    if manager == "systemd":
        argv = [module.get_bin_path("systemctl") or "systemctl", "show", "-p", "MainPID", "--value", name]
    else:
        argv = [module.get_bin_path("supervisorctl") or "supervisorctl"] + (["-c", config] if config else []) + ["pid", name]
    rc, out, err = module.run_command(argv)
    text = out.strip()
    if text.isdigit():
        return int(text) or None, None
    # supervisorctl answers "ERROR (no such process)" / "ERROR (not running)" (rc 1 or 0 by version).
    if "not running" in text:
        return None, None
    return None, "%s: %s" % (" ".join(argv[-2:]), (text or err).strip()[-200:])


def node_environment(pid, prefix):
    with open("/proc/%d/environ" % pid, "rb") as handle:
        entries = handle.read().split(b"\0")
    found = {}
    for entry in entries:
        name, _sep, value = entry.decode("utf-8", "replace").partition("=")
        if name.startswith(prefix):
            found[name] = "<hidden>" if SECRET_NAME.search(name) else value
    return found


def node_metrics(url, timeout):
    view = {"url": url, "model_info": [], "veid_metrics": [], "error": None}
    try:
        text = open_url(url, timeout=timeout).read().decode("utf-8", "replace")
    except Exception as error:  # open_url raises URLError, HTTPError, socket errors: all are this page's error
        view["error"] = "%s: %s" % (url, error)
        return view
    samples = metric_samples(text, "veid_")
    view["model_info"] = [{"version": labels.get("version"), "hash": labels.get("hash")} for name, labels, _v in samples
                          if name == "veid_inference_model_info"]
    view["veid_metrics"] = sorted(set(name for name, _l, _v in samples))
    return view


def main():
    module = AnsibleModule(
        argument_spec=dict(
            nvidia_smi=dict(type="str", default="nvidia-smi"),
            node_pid=dict(type="int", default=0),
            services=dict(type="dict", default={}),
            env_prefix=dict(type="str", default="VEID_"),
            node_metrics_url=dict(type="str", default=""),
            timeout=dict(type="float", default=5.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["node_pid"] < 0 or params["timeout"] <= 0:
        module.fail_json(msg="node_pid=%s must be a process id (or 0 to skip the environment) and timeout=%s positive"
                         % (params["node_pid"], params["timeout"]))
    for role, service in params["services"].items():
        if not isinstance(service, dict) or not service.get("name") or (service.get("manager") or "systemd") not in ("systemd", "supervisor"):
            module.fail_json(msg="services.%s=%r needs a name and a manager systemd or supervisor" % (role, service))
    if params["node_metrics_url"] and not params["node_metrics_url"].startswith(("http://", "https://")):
        module.fail_json(msg="node_metrics_url=%r must start with http:// or https://" % params["node_metrics_url"])
    result = dict(changed=False, gpu=gpu_status(module), services={"errors": []})
    for role, service in params["services"].items():
        pid, error = main_pid(module, service.get("manager") or "systemd", service["name"], service.get("supervisor_config") or "")
        result["services"][role] = pid
        if error:
            result["services"]["errors"].append(error)
    pid = params["node_pid"] or result["services"].get("node")
    if pid:
        try:
            result["node_env"] = node_environment(pid, params["env_prefix"])
        except (IOError, OSError) as error:
            result["node_env_error"] = "cannot read /proc/%d/environ: %s (needs the node's user or root)" % (pid, error.strerror or error)
    if params["node_metrics_url"]:
        result["node_metrics"] = node_metrics(params["node_metrics_url"], params["timeout"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
