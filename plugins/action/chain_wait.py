# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for a named chain condition, one progress line per sample (docs in plugins/modules/chain_wait.py).

An action plugin, because a module cannot print while it runs: each sample is one call of the chain_status
module where the task runs, the predicate comes from module_utils/_chain.py and the loop from module_utils/_wait.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import all_reachable, chain_recovered
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait import check_wait_arguments, timeout_message, wait_until

display = Display()

_ARGS = dict(
    endpoints=dict(type="list", elements="raw", required=True),
    condition=dict(type="str", required=True, choices=["chain_recovered", "reachable"]),
    blocks=dict(type="int", default=1),
    same_height=dict(type="bool", default=False),
    start_height=dict(type="int"),
    rpc_timeout=dict(type="float", default=5),
    wait_timeout=dict(type="float", default=120),
    wait_sleep=dict(type="float", default=5),
)


def describe(condition, start_height, blocks, same_height):
    """What is awaited, in words (for the progress lines and the timeout message)."""
    if condition == "reachable":
        return "every node's RPC to answer"
    return "height %s (%d new blocks above %s)%s" % (
        (start_height or 0) + blocks, blocks, start_height, ", every node at one height and hash" if same_height else "")


def node_word(node):
    if not node.get("reachable"):
        return "%s unreachable (%s)" % (node.get("name"), node.get("error") or "no answer")
    return "%s %s %s" % (node.get("name"), node.get("height"), (node.get("latest_block_hash") or "-")[:8])


def progress_line(condition, reading, number, elapsed, met):
    """One line per sample: condition, sample number, seconds, each node's height and block hash (or its error)."""
    return "[%s %5.0fs #%d] %s%s" % (condition, elapsed, number, "; ".join(node_word(n) for n in reading.get("nodes") or []),
                                     " MET" if met else "")


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
        state = {"start_height": args["start_height"], "advanced_at": None}

        def sample():
            reading = self._execute_module(
                module_name="virtengine.incident_response.chain_status",
                module_args=dict(endpoints=args["endpoints"], halt_window=0, retries=0, timeout=args["rpc_timeout"]),
                task_vars=task_vars,
            )
            if reading.get("failed"):
                raise AnsibleActionFail("reading the heights failed: %s" % reading.get("msg"))
            if state["start_height"] is None:
                # No start given: the first sample is the start.
                state["start_height"] = (reading.get("summary") or {}).get("max_height") or 0
            if state["advanced_at"] is None and chain_recovered(reading, state["start_height"], 1):
                state["advanced_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return reading

        def done(reading):
            if condition == "reachable":
                return all_reachable(reading)
            return chain_recovered(reading, state["start_height"], args["blocks"], args["same_height"])

        def progress(reading, number, elapsed):
            display.display(progress_line(condition, reading, number, elapsed, done(reading)))

        outcome = wait_until(sample, done, args["wait_timeout"], args["wait_sleep"], progress=progress)
        reading = outcome.pop("last")
        what = describe(condition, state["start_height"], args["blocks"], args["same_height"])
        result.update(changed=False, condition=condition, start_height=state["start_height"],
                      first_new_block_at=state["advanced_at"], nodes=reading.get("nodes"), summary=reading.get("summary"), **outcome)
        if not outcome["done"]:
            result.update(failed=True, msg=timeout_message(what, outcome, "; ".join(node_word(n) for n in reading.get("nodes") or [])))
        return result
