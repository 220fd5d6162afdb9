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

display = Display()

_ARGS = dict(
    targets=dict(type="list", elements="raw", required=True),
    reference=dict(type="list", elements="raw", default=[]),
    within=dict(type="int", default=5),
    timeout=dict(type="float", default=600),
    min_samples=dict(type="int", default=3),
    poll=dict(type="float", default=10),
    rpc_timeout=dict(type="float", default=5),
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
        if args["timeout"] < 0 or args["poll"] <= 0 or args["min_samples"] < 1:
            raise AnsibleActionFail("timeout=%s must be >= 0, poll=%s > 0 and min_samples=%s >= 1" % (args["timeout"], args["poll"], args["min_samples"]))
        names = [t["name"] if isinstance(t, dict) else str(t) for t in args["targets"]]
        endpoints = list(args["reference"]) + [t for t in args["targets"] if t not in args["reference"]]
        deadline = time.monotonic() + args["timeout"]
        samples, report = [], {"done": False, "rows": [], "elapsed_seconds": 0}
        while True:
            reading = self._execute_module(
                module_name="virtengine.incident_response.chain_status",
                module_args=dict(endpoints=endpoints, halt_window=0, retries=0, timeout=args["rpc_timeout"]),
                task_vars=task_vars,
            )
            if reading.get("failed"):
                result.update(failed=True, msg="reading the heights failed: %s" % reading.get("msg"))
                return result
            samples.append({"at": time.time(), "nodes": reading["nodes"]})
            report = progress(samples, names, args["within"])
            display.display(progress_line(report))
            # A verdict of "not caught up" needs a rate over more than one interval, even on a slow or loaded controller.
            if report["done"] or (len(samples) >= args["min_samples"] and time.monotonic() + args["poll"] > deadline):
                break
            time.sleep(args["poll"])
        result.update(changed=False, samples=len(samples), **report)
        return result
