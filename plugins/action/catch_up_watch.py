# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Watch nodes catch up, printing one progress line per sample (docs in plugins/modules/catch_up_watch.py).

An action plugin, because a module cannot print while it runs and a loop of
tasks cannot stop early: this samples with the chain_status module, prints
height, gap, rate and ETA each time, and returns as soon as every node is in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import progress
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait import check_wait_arguments, wait_until

display = Display()

_ARGS = dict(
    targets=dict(type="list", elements="raw", required=True),
    reference=dict(type="list", elements="raw", default=[]),
    within=dict(type="int", default=5),
    min_samples=dict(type="int", default=3),
    rpc_timeout=dict(type="float", default=5),
    wait_timeout=dict(type="float", default=120),
    wait_sleep=dict(type="float", default=5),
)


def progress_line(report):
    parts = []
    for row in report["rows"]:
        rate = "%.2f blocks/s" % row["rate"] if row["rate"] is not None else "- blocks/s"
        eta = "ETA %d s" % row["eta_seconds"] if row["eta_seconds"] is not None else "ETA -"
        parts.append("%s: height %s of %s, %s behind, %s, %s%s" % (
            row["host"], row["height"], row["reference"], row["behind"], rate, eta, " CAUGHT UP" if row["caught_up"] else ""))
    return "[catch up %5.0fs] %s" % (report["elapsed_seconds"], "; ".join(parts))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        error = check_wait_arguments(args["wait_timeout"], args["wait_sleep"], args["min_samples"])
        if error:
            raise AnsibleActionFail("catch_up_watch: %s; nothing was watched" % error)
        names = [t["name"] if isinstance(t, dict) else str(t) for t in args["targets"]]
        endpoints = list(args["reference"]) + [t for t in args["targets"] if t not in args["reference"]]
        samples = []

        def sample():
            reading = self._execute_module(
                module_name="virtengine.incident_response.chain_status",
                module_args=dict(endpoints=endpoints, halt_window=0, retries=0, timeout=args["rpc_timeout"]),
                task_vars=task_vars,
            )
            if reading.get("failed"):
                raise AnsibleActionFail("reading the heights failed: %s" % reading.get("msg"))
            samples.append({"at": time.time(), "nodes": reading["nodes"]})
            return progress(samples, names, args["within"])

        # A verdict of "not caught up" needs a rate over more than one interval, even on a slow or loaded controller:
        # hence min_samples.
        outcome = wait_until(sample, lambda report: report["done"], args["wait_timeout"], args["wait_sleep"],
                             progress=lambda report, number, elapsed: display.display(progress_line(report)),
                             min_samples=args["min_samples"])
        result.update(changed=False, samples=outcome["samples"], **outcome["last"])
        return result
