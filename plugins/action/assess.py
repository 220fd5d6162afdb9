# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide a runbook on the controller from the inventory's host facts (docs in plugins/modules/assess.py).

An action plugin, because the decision needs every host's facts (``hostvars``), which a module cannot see, and
because it prints the reasons and the table while the playbook runs. The decision itself is pure code in
``module_utils/_assess.py`` (over the fleet view of ``module_utils/_fleet.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.virtengine.incident_response.plugins.module_utils._assess import RUNBOOKS, assess
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import FleetError

display = Display()

_ARGS = dict(
    runbook=dict(type="str", required=True, choices=sorted(RUNBOOKS)),
    hosts=dict(type="list", elements="str", required=True),
    validators=dict(type="list", elements="str"),
    readings=dict(type="dict"),
    options=dict(type="dict", default={}),
    show=dict(type="bool", default=True),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        task_vars = task_vars or {}
        hostvars = task_vars.get("hostvars") or {}
        unknown = [h for h in args["hosts"] + (args["validators"] or []) if h not in hostvars]
        if unknown:
            raise AnsibleActionFail("assess: hosts %s are not in the inventory: check the group or list given to hosts/validators"
                                    % ", ".join(unknown))
        readings = args["readings"] if args["readings"] is not None else task_vars.get("fleet_probe_readings")
        if readings is None:
            raise AnsibleActionFail("assess: no readings: run the fleet_probe role first (it sets fleet_probe_readings) or pass readings")
        host_vars = dict((host, hostvars[host]) for host in args["hosts"])
        try:
            decision, lines, columns = assess(args["runbook"], readings, host_vars, args["validators"], args["options"])
        except FleetError as exc:
            raise AnsibleActionFail("assess %s: %s" % (args["runbook"], exc))
        if args["show"]:
            for line in lines:
                display.display(line)
        result.update(decision)
        result.update(changed=False, runbook=args["runbook"], columns=columns, shown=lines)
        return result
