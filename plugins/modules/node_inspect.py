#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_inspect
short_description: A node's service state, log signatures, binary and host resources, read in one call on its host
version_added: 0.1.0
description:
  - Reads on the node's host, in one module run, what O(read) asks for - the service state
    (as M(virtengine.incident_response.node_service_info)), the failure signatures in the newest log lines
    (as M(virtengine.incident_response.node_log_signatures)), the binary that runs (path, SHA-256, version, and
    whether a named upgrade's binary is in cosmovisor's layout) and the host's resources (free space of the file system
    holding O(home), memory, the systemd unit's memory limit, restarts and open-file limit, the process's open files).
  - One call instead of one per reading, so a diagnosis over many nodes pays Ansible's per-task cost once per node.
    The roles C(node_service), C(node_logs) and C(node_binary) call it.
  - Every reading reports its own C(error) (no such service or log, manager absent, binary not found); the module
    fails only on bad arguments.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
  - virtengine.incident_response.service_manager
options:
  read:
    description: What to read.
    type: list
    elements: str
    choices: [service, logs, binary, resources]
    default: [service]
  service_name:
    description: The systemd unit or supervisor program.
    type: str
    default: virtengine
  log_source:
    description: V(journald) reads the journal of O(log_unit); V(file) reads the end of O(log_path).
    type: str
    choices: [journald, file]
    default: journald
  log_unit:
    description: The systemd unit whose journal is read; omitted, O(service_name).
    type: str
  log_path:
    description: The log file (required to read V(logs) with O(log_source=file)).
    type: path
  log_lines:
    description: How many of the newest log lines are searched.
    type: int
    default: 20000
  log_keep:
    description: How many of the newest matching lines are returned per signature.
    type: int
    default: 3
  binary:
    description: The node's binary, a path or a name looked up on C(PATH) (as C(command -v)).
    type: str
    default: virtengine
  upgrade_name:
    description:
      - The upgrade plan whose binary is looked for in cosmovisor's layout
        (C(<cosmovisor_dir>/upgrades/<name>/bin/<binary's file name>)).
      - Empty while V(logs) is read in the same call - the upgrade the logs name (C(upgrade_needed), else
        C(upgrade_binary_too_old)); empty otherwise - no upgrade binary is looked for.
    type: str
    default: ""
  cosmovisor_dir:
    description: Cosmovisor's directory (C(DAEMON_HOME/cosmovisor)).
    type: path
    default: ~/.virtengine/cosmovisor
  home:
    description: The node's home (C(--home)); V(resources) reads the free space of the file system holding it.
    type: path
    default: ~/.virtengine
notes:
  - The binary is checksummed in the module (hashlib), not through a separate stat task.
"""

EXAMPLES = r"""
- name: Service state, log signatures and binary of each validator, one module run per node
  virtengine.incident_response.node_inspect:
    read: [service, logs, binary]
    service_name: "{{ node_service_name }}"
    manager: supervisor
    supervisor_config: /srv/localnet/supervisord.conf
    log_source: file
    log_path: "{{ node_logs_file }}"
    binary: "{{ node_binary }}"
  register: node

- name: Call out a node that stopped at a planned upgrade without its binary
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} needs {{ node.binary.upgrade.name }} at {{ node.binary.upgrade.path }}"
  when: node.binary.upgrade.name and not node.binary.upgrade.present
"""

RETURN = r"""
service:
  description: The service's record, as each element of M(virtengine.incident_response.node_service_info)'s C(services).
  returned: when O(read) has V(service)
  type: dict
  sample: {manager: supervisor, name: validator1, state: RUNNING, sub_state: null, running: true, pid: 4242,
           started_at: 1796003412.5, started_at_iso: "2026-11-30T09:10:12.500000Z", uptime_seconds: 37.2,
           restarts: null, error: null, started_after_at_seconds: null}
logs:
  description: What the newest log lines say.
  returned: when O(read) has V(logs)
  type: dict
  contains:
    signatures:
      description: Signature name to C({count, newest, lines, fields, meaning, decision, severity}), as
        M(virtengine.incident_response.node_log_signatures) returns them; only signatures that matched.
      type: dict
    last_committed_height:
      description: Height of the newest C(committed state) line; null without one.
      type: int
    error:
      description: Why the log could not be read; null when it was.
      type: str
binary:
  description: The binary that runs, and the upgrade binary when one is named.
  returned: when O(read) has V(binary)
  type: dict
  contains:
    path:
      description: Where O(binary) was found; null when it was not.
      type: str
      sample: /usr/local/bin/virtengine
    sha256:
      description: Its SHA-256 (hex); null when it is not a readable file.
      type: str
    version:
      description: The first line C(<binary> version) printed; null when it printed nothing or did not run.
      type: str
      sample: 0.38.19
    error:
      description: C(binary <name> not found on this host), or null.
      type: str
    upgrade:
      description: C({name, path, present, sha256}) of the upgrade binary; name, path and sha256 null and present
        false when no upgrade was named.
      type: dict
resources:
  description: The host's resources; a value that could not be read is null and its reason is in C(errors).
  returned: when O(read) has V(resources)
  type: dict
  contains:
    home:
      description: O(home) as given.
      type: str
    disk_free_bytes:
      description: Free bytes for the node's (unprivileged) user on the file system holding O(home).
      type: int
    disk_total_bytes:
      description: Size of that file system.
      type: int
    disk_free_percent:
      description: Free space as a percentage of the file system.
      type: float
    mem_total_bytes:
      description: C(MemTotal) of C(/proc/meminfo).
      type: int
    mem_available_bytes:
      description: C(MemAvailable) of C(/proc/meminfo).
      type: int
    memory_current_bytes:
      description: The systemd unit's C(MemoryCurrent) (its cgroup's memory, page cache included); null under supervisor.
      type: int
    memory_max_bytes:
      description: The unit's C(MemoryMax); null when it has none (infinity) or under supervisor.
      type: int
    restarts:
      description: The unit's C(NRestarts) (automatic restarts by systemd since it was last started by hand).
      type: int
    limit_nofile:
      description: The unit's C(LimitNOFILE) (systemd), else the process's soft C(Max open files) (C(/proc/<pid>/limits)).
      type: int
    open_files:
      description: File descriptors the node's process holds now (needs O(read) V(service) for its pid, and permission).
      type: int
    errors:
      description: What could not be read, and why.
      type: list
      elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import read_node_log
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_binary import read_binary, upgrade_named_by_logs
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_resources import read_resources
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_service import SERVICE_MANAGER_SPEC, read_service


def main():
    module = AnsibleModule(
        argument_spec=dict(
            read=dict(type="list", elements="str", choices=["service", "logs", "binary", "resources"], default=["service"]),
            service_name=dict(type="str", default="virtengine"),
            log_source=dict(type="str", choices=["journald", "file"], default="journald"),
            log_unit=dict(type="str"),
            log_path=dict(type="path"),
            log_lines=dict(type="int", default=20000),
            log_keep=dict(type="int", default=3),
            binary=dict(type="str", default="virtengine"),
            upgrade_name=dict(type="str", default=""),
            cosmovisor_dir=dict(type="path", default="~/.virtengine/cosmovisor"),
            home=dict(type="path", default="~/.virtengine"),
            **SERVICE_MANAGER_SPEC
        ),
        supports_check_mode=True,
    )
    params = module.params
    read = params["read"]
    if not read:
        module.fail_json(msg="read=[] reads nothing: give one or more of service, logs, binary, resources")
    if not params["service_name"].strip():
        module.fail_json(msg="service_name=%r must name the systemd unit or supervisor program" % params["service_name"])
    if "logs" in read:
        if params["log_lines"] < 1:
            module.fail_json(msg="log_lines=%s must be 1 or more" % params["log_lines"])
        if params["log_keep"] < 0:
            module.fail_json(msg="log_keep=%s must be 0 or more" % params["log_keep"])
        if params["log_source"] == "file" and not params["log_path"]:
            module.fail_json(msg="log_source=file needs log_path, the node's log file (node_logs_file)")
    if "binary" in read and not params["binary"].strip():
        module.fail_json(msg="binary=%r must be the node's binary, a path or a name on PATH (node_binary)" % params["binary"])

    result = dict(changed=False)
    if "service" in read:
        result["service"] = read_service(module, params["manager"], params["service_name"], params["supervisor_config"], params["at"])
    upgrade_name = params["upgrade_name"]
    if "logs" in read:
        lines, error = read_node_log(module, params["log_source"], params["log_unit"] or params["service_name"],
                                     params["log_path"], params["log_lines"])
        found = scan(lines or [], params["log_keep"])
        result["logs"] = {"signatures": found["signatures"], "last_committed_height": found["last_committed_height"], "error": error}
        upgrade_name = upgrade_name or upgrade_named_by_logs(found["signatures"])
    if "binary" in read:
        result["binary"] = read_binary(module, params["binary"], upgrade_name, params["cosmovisor_dir"])
    if "resources" in read:
        result["resources"] = read_resources(module, params["home"], params["manager"], params["service_name"],
                                             (result.get("service") or {}).get("pid"))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
