# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of the modules that ask a node's service manager (module_utils/_node_service.SERVICE_MANAGER_SPEC).
    DOCUMENTATION = r"""
options:
  manager:
    description: The service manager that runs the node's service.
    type: str
    choices: [systemd, supervisor]
    default: systemd
  supervisor_config:
    description: With O(manager=supervisor), the configuration file for C(supervisorctl -c); omitted, its default.
    type: path
  at:
    description:
      - The agreed moment of a coordinated change (epoch seconds, the host's clock, as the C(node_service) role's
        C(node_service_at)). Each service record then says how long after it the main process started
        (C(started_after_at_seconds)), so a restart "at the same moment" can be checked on every host.
    type: float
"""
