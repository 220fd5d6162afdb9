# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for a named condition, one progress line per sample (docs in plugins/modules/chain_wait.py).

An action plugin, because a module cannot print while it runs: each sample is one call of the condition's sampling
module where the task runs (module_utils/_wait_conditions.py), and the loop is module_utils/_wait.py's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import chain_recovered
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait import check_wait_arguments, timeout_message, wait_until
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait_conditions import PREDICATES, SAMPLERS, target_words

display = Display()

_ARGS = dict(
    endpoints=dict(type="list", elements="raw", required=True),
    condition=dict(type="str", required=True, choices=sorted(SAMPLERS)),
    sample_args=dict(type="dict", default={}),
    blocks=dict(type="int", default=1),
    same_height=dict(type="bool", default=False),
    start_height=dict(type="int"),
    wait_timeout=dict(type="float", default=120),
    wait_sleep=dict(type="float", default=5),
)
# What the sampling module's result carries that is not the sample itself.
_NOT_THE_SAMPLE = ("changed", "failed", "msg", "invocation", "_ansible_no_log", "warnings", "deprecations")


def describe(condition, start_height, blocks, same_height):
    """What is awaited, in words (for the timeout message)."""
    if condition == "chain_recovered":
        return "height %s (%d new blocks above %s)%s" % (
            (start_height or 0) + blocks, blocks, start_height, ", every node at one height and hash" if same_height else "")
    return {"reachable": "every node's RPC to answer", "provider_healthy": "every provider's checks to pass",
            "sidecar_serving": "every sidecar to serve (gRPC health SERVING)"}[condition]


def progress_line(condition, reading, number, elapsed, met):
    """One line per sample: condition, seconds, sample number, then each target's state (or its error)."""
    return "[%s %5.0fs #%d] %s%s" % (condition, elapsed, number, "; ".join(target_words(condition, reading)), " MET" if met else "")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        error = check_wait_arguments(args["wait_timeout"], args["wait_sleep"])
        if args["blocks"] < 1:
            error = "blocks=%s must be 1 or more" % args["blocks"]
        if error:
            raise AnsibleActionFail("chain_wait: %s; nothing was awaited" % error)
        condition = args["condition"]
        module, targets_option, fixed = SAMPLERS[condition]
        module_args = dict(args["sample_args"], **fixed)
        module_args[targets_option] = args["endpoints"]
        state = {"start_height": args["start_height"], "advanced_at": None}

        def sample():
            reading = self._execute_module(module_name="virtengine.incident_response." + module, module_args=module_args, task_vars=task_vars)
            if reading.get("failed"):
                raise AnsibleActionFail("chain_wait: sampling with %s failed: %s" % (module, reading.get("msg")))
            if condition == "chain_recovered":
                if state["start_height"] is None:
                    # No start given: the first sample is the start.
                    state["start_height"] = (reading.get("summary") or {}).get("max_height") or 0
                if state["advanced_at"] is None and chain_recovered(reading, state["start_height"], 1):
                    state["advanced_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return reading

        def done(reading):
            if condition == "chain_recovered":
                return chain_recovered(reading, state["start_height"], args["blocks"], args["same_height"])
            return PREDICATES[condition](reading)

        def progress(reading, number, elapsed):
            display.display(progress_line(condition, reading, number, elapsed, done(reading)))

        outcome = wait_until(sample, done, args["wait_timeout"], args["wait_sleep"], progress=progress)
        reading = outcome.pop("last")
        result.update((key, value) for key, value in reading.items() if key not in _NOT_THE_SAMPLE and not key.startswith("_ansible"))
        result.update(changed=False, condition=condition, **outcome)
        if condition == "chain_recovered":
            result.update(start_height=state["start_height"], first_new_block_at=state["advanced_at"])
        if not outcome["done"]:
            what = describe(condition, state["start_height"], args["blocks"], args["same_height"])
            result.update(failed=True, msg=timeout_message(what, outcome, "; ".join(target_words(condition, reading))))
        return result
