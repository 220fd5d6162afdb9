#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_service_info
short_description: State, main pid, start time, restarts and uptime of a node's service under systemd or supervisor
version_added: 0.1.0
description:
  - Asks the service manager about each service in O(names) and returns one record per service in RV(services).
  - systemd - C(systemctl show --timestamp=us+utc) with C(LoadState), C(ActiveState), C(SubState), C(MainPID),
    C(ExecMainStartTimestamp) (the main process's start, to the microsecond) and C(NRestarts).
  - supervisor - C(supervisorctl status <name>); supervisor keeps no start time to the second, so the main process's
    start is read from the kernel (C(/proc/stat) boot time plus the start ticks in C(/proc/<pid>/stat)). supervisor
    counts no restarts (RV(services[].restarts) is null).
  - A service that does not exist, a manager that is absent or does not answer, is that service's RV(services[].error);
    the module fails only on bad arguments.
  - Read-only; start times compare across hosts (epoch seconds of each host's clock), so a coordinated restart's
    spread can be measured.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
  - virtengine.incident_response.service_manager
options:
  names:
    description: The systemd units or supervisor programs to read.
    type: list
    elements: str
    required: true
    aliases: [name]
notes:
  - Reading a unit's properties needs no privileges under systemd; supervisor's socket may belong to one user.
"""

EXAMPLES = r"""
- name: Read the node's systemd service
  virtengine.incident_response.node_service_info:
    names: [virtengine]
  register: service

- name: Read a local network's programs under supervisor
  virtengine.incident_response.node_service_info:
    names: [validator1, validator2]
    manager: supervisor
    supervisor_config: /srv/localnet/supervisord.conf
  register: services

- name: After a restart at an agreed moment, how long after it each node started
  virtengine.incident_response.node_service_info:
    names: [virtengine]
    at: "{{ hostvars['localhost'].coordinated_restart_at }}"
  register: restarted

- name: Stop when the node is not running
  ansible.builtin.assert:
    that: service.services[0].running
    fail_msg: "{{ service.services[0].name }} is {{ service.services[0].state }}: {{ service.services[0].error }}"
"""

RETURN = r"""
services:
  description: One record per name in O(names), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    manager:
      description: O(manager).
      type: str
      sample: systemd
    name:
      description: The unit or program name.
      type: str
      sample: virtengine
    state:
      description:
        - systemd's C(ActiveState) or supervisor's state, in capitals (C(ACTIVE), C(INACTIVE), C(FAILED), C(RUNNING),
          C(STOPPED), C(FATAL), ...); C(UNKNOWN) with RV(services[].error) when the manager gave no state.
      type: str
      sample: ACTIVE
    sub_state:
      description: systemd's C(SubState) (C(running), C(dead), ...); null under supervisor.
      type: str
      sample: running
    running:
      description: The service runs (C(ACTIVE) or C(RUNNING)); null when its state could not be read.
      type: bool
    pid:
      description: The main process id; null when none runs.
      type: int
      sample: 4242
    started_at:
      description: When the main process started, epoch seconds (the host's clock); null when none runs.
      type: float
      sample: 1796003412.503271
    started_at_iso:
      description: RV(services[].started_at) as RFC 3339 UTC.
      type: str
      sample: "2026-11-30T09:10:12.503271Z"
    uptime_seconds:
      description: Seconds since RV(services[].started_at); null when not running.
      type: float
      sample: 37.2
    restarts:
      description: systemd's C(NRestarts) (automatic restarts since the unit was loaded); null under supervisor.
      type: int
      sample: 0
    error:
      description: Why the service could not be read (no such unit or program, manager absent or not answering); null otherwise.
      type: str
    started_after_at_seconds:
      description:
        - Seconds from O(at) to RV(services[].started_at); negative when the process started before O(at) (it was
          not restarted at that moment). Null without O(at) or without a start time.
      type: float
      sample: 0.012
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_service import SERVICE_MANAGER_SPEC, read_service


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True, aliases=["name"]),
            **SERVICE_MANAGER_SPEC
        ),
        supports_check_mode=True,
    )
    names = module.params["names"]
    if not names or any(not name.strip() for name in names):
        module.fail_json(msg="names=%s must list at least one non-empty unit or program name" % names)
    params = module.params
    services = [read_service(module, params["manager"], name, params["supervisor_config"], params["at"]) for name in names]
    module.exit_json(changed=False, services=services)


if __name__ == "__main__":
    main()
