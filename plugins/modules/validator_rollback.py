#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: validator_rollback
short_description: Roll a stopped node's state back with C(<binary> rollback), keeping the double-sign guard
version_added: 0.1.0
description:
  - Runs C(<binary> <command...> [--hard] --home <home>) (for example C(virtengine rollback) or C(cometbft rollback))
    once per height to go back, from O(current_height) to O(target_height), or O(heights) times.
  - Refuses to act on a running node. A node is running when its data directories are locked
    (C(data/*.db/LOCK), held by the node process) or, when O(rpc_url) is given, when its port accepts connections
    or cannot be judged (a timeout counts as running, so the check fails closed; it needs no HTTP library).
  - Backs up C(config/priv_validator_key.json) and C(data/priv_validator_state.json) first, into a new directory
    under O(backup_dir) (mode 0700, files 0600). The key's contents are never read into the result.
  - A rollback never lowers the signing state (height/round/step in C(priv_validator_state.json)); if anything did,
    the backed-up file is put back unless O(allow_signing_state_reset=true). Lowering it allows double signing.
  - Without O(hard), CometBFT rolls the state back one height and keeps the block, which is re-executed at the next
    start (the usual recovery from a wrong app hash); a second rollback without O(hard) changes nothing, so going
    back more than one height needs O(hard=true), which also deletes each block.
  - Each rollback's printed height is checked against the expected one; the module stops at the first surprise.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: full
    description:
      - Checks that the node is stopped, then reports the planned rollbacks and backup without running them.
      - With O(simulated_stop=true) (the task before this one stops the node, which check mode only simulated) a running
        node is reported in RV(running) instead of refused.
  diff_mode:
    support: none
    description: No diff; RV(old_height) and RV(new_height) say what changed.
options:
  home:
    description: The node's home directory (C(--home)).
    type: path
    required: true
  binary:
    description: The node binary, e.g. C(virtengine) or C(cometbft), or its path.
    type: str
    default: virtengine
  command:
    description: The sub-command words before the flags.
    type: list
    elements: str
    default: [rollback]
  hard:
    description: Pass C(--hard) (also delete each rolled-back block).
    type: bool
    default: false
  target_height:
    description:
      - Roll back until the state is at this height. Needs O(current_height).
    type: int
  current_height:
    description:
      - The node's latest height before it was stopped (from RPC). The module cannot read the height of a stopped
        node without changing it, so the caller says where it starts.
    type: int
  heights:
    description: Roll back this many heights. Mutually exclusive with O(target_height).
    type: int
  rpc_url:
    description: The node's RPC; if its port accepts connections (or does not refuse them), the module refuses.
    type: str
  backup_dir:
    description: Directory for the signing-file backups (a timestamped directory is created in it).
    type: path
  allow_signing_state_reset:
    description:
      - Keep a signing state that ended lower than it started instead of restoring the backup. Only for an operator
        who knows the key has not signed at those heights anywhere else.
    type: bool
    default: false
  max_rollbacks:
    description: Upper bound on rollbacks in one call.
    type: int
    default: 100
  simulated_stop:
    description:
      - The caller stopped the node just before this task, and in check mode that stop was only simulated, so the node
        still runs. In check mode a running node is then reported (RV(running)) instead of refused, so that C(--check)
        of a gated rollback shows what would run. Outside check mode it changes nothing - a running node is always refused.
    type: bool
    default: false
seealso:
  - name: CometBFT rollback
    description: The command this module runs.
    link: https://docs.cometbft.com/v0.38/
"""

EXAMPLES = r"""
- name: Roll every stopped validator back to the last good height
  virtengine.incident_response.validator_rollback:
    binary: "{{ node_binary }}"
    home: "{{ node_home }}"
    current_height: "{{ last_height }}"
    target_height: "{{ last_good_height }}"
  register: rollback

- name: SDK app (app store and CometBFT state together), one height, with the RPC check
  virtengine.incident_response.validator_rollback:
    binary: virtengine
    home: /home/validator/.virtengine
    heights: 1
    rpc_url: http://127.0.0.1:26657
"""

RETURN = r"""
old_height:
  description: The state height before (O(current_height), or derived from the first rollback's output).
  returned: always
  type: int
  sample: 120
new_height:
  description: The state height after (planned height in check mode).
  returned: always
  type: int
  sample: 119
rollbacks:
  description: Rollbacks run (planned in check mode).
  returned: always
  type: int
  sample: 1
app_hash:
  description: App hash the last rollback printed.
  returned: when a rollback ran
  type: str
backup_path:
  description: Directory holding the copies of priv_validator_key.json and priv_validator_state.json.
  returned: always
  type: str
  sample: /home/validator/.virtengine/backups/rollback-20261127T001818Z
signing_state_before:
  description: Height, round and step of the signing state before.
  returned: always
  type: dict
  sample: {"height": 120, "round": 0, "step": 3}
signing_state_after:
  description: Height, round and step after (equal to before unless an operator allowed a reset).
  returned: always
  type: dict
signing_state_restored:
  description: The signing state had gone lower and the backup was put back.
  returned: always
  type: bool
running:
  description: Why the node counts as running (check mode with O(simulated_stop) only; null otherwise).
  returned: always
  type: str
outputs:
  description: What each rollback printed.
  returned: always
  type: list
  elements: str
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.virtengine.incident_response.plugins.module_utils._node_home import (
    STATE_FILE,
    backup_signing_files,
    running_reason,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._signing_state import (
    is_lower,
    parse_rollback_output,
    parse_signing_state,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            home=dict(type="path", required=True),
            binary=dict(type="str", default="virtengine"),
            command=dict(type="list", elements="str", default=["rollback"]),
            hard=dict(type="bool", default=False),
            target_height=dict(type="int"),
            current_height=dict(type="int"),
            heights=dict(type="int"),
            rpc_url=dict(type="str"),
            backup_dir=dict(type="path"),
            allow_signing_state_reset=dict(type="bool", default=False),
            max_rollbacks=dict(type="int", default=100),
            simulated_stop=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("target_height", "heights")],
        required_together=[("target_height", "current_height")],
        supports_check_mode=True,
    )
    params = module.params
    home = params["home"]
    state_path = os.path.join(home, STATE_FILE)
    if not os.path.isdir(os.path.join(home, "data")):
        module.fail_json(msg="home=%s has no data directory: is this the node's --home?" % home)
    if not os.path.isfile(state_path):
        module.fail_json(msg="%s is missing: the node would not start; restore it from a backup before any rollback" % state_path)
    binary = params["binary"] if os.path.sep in params["binary"] else module.get_bin_path(params["binary"])
    if not binary or not os.access(binary, os.X_OK):
        module.fail_json(msg="binary=%s not found or not executable: set node_binary to the node's binary" % params["binary"])

    current = params["current_height"]
    if params["target_height"] is not None:
        if params["target_height"] < 1:
            module.fail_json(msg="target_height=%d must be 1 or more" % params["target_height"])
        planned = max(0, current - params["target_height"])
    else:
        planned = 1 if params["heights"] is None else params["heights"]
    if planned < 0 or planned > params["max_rollbacks"]:
        module.fail_json(msg="%d rollbacks requested; allowed 0..max_rollbacks=%d" % (planned, params["max_rollbacks"]))
    if planned > 1 and not params["hard"]:
        module.fail_json(msg="going back %d heights needs hard=true: without --hard a second rollback changes nothing "
                             "(the block is kept and re-executed at start)" % planned)

    try:
        running = running_reason(home, params["rpc_url"])
    except ValueError as exc:
        module.fail_json(msg="%s; nothing was changed" % exc)
    if running and not (module.check_mode and params["simulated_stop"]):
        module.fail_json(msg="refusing to roll back: the node at %s is running (%s); "
                             "stop it first (node_service_action=stopped through the gate)" % (home, running))
    try:
        before_text = open(state_path).read()
        before = parse_signing_state(before_text)
    except (OSError, ValueError) as exc:
        module.fail_json(msg="cannot read the signing state %s: %s" % (state_path, to_native(exc)))
    backup_root = params["backup_dir"] or os.path.join(home, "backups")
    result = dict(changed=planned > 0, old_height=current, new_height=None if current is None else current - planned,
                  rollbacks=planned, signing_state_before=before, signing_state_after=before, signing_state_restored=False,
                  outputs=[], backup_path=os.path.join(backup_root, "rollback-<UTC time>"), running=running or None)
    if module.check_mode or planned == 0:
        module.exit_json(**result)

    try:
        result["backup_path"] = backup_signing_files(home, backup_root, "rollback")
    except OSError as exc:
        module.fail_json(msg="backup of the signing files into %s failed, nothing rolled back: %s" % (backup_root, to_native(exc)))

    argv = [binary] + params["command"] + (["--hard"] if params["hard"] else []) + ["--home", home]
    expected = None if current is None else current - 1
    result["rollbacks"] = 0
    for step in range(planned):
        rc, out, err = module.run_command(argv)
        result["outputs"].append((out + err).strip())
        printed = parse_rollback_output(out + err)
        if rc != 0 or printed is None:
            result.update(new_height=None)
            _finish_signing_check(module, state_path, result, params["allow_signing_state_reset"])
            module.fail_json(msg="%s failed at rollback %d of %d (rc=%d): %s" % (" ".join(argv), step + 1, planned, rc, (err or out).strip()[-500:]), **result)
        result["rollbacks"] += 1
        if step == 0 and current is None:
            expected = printed["height"]
            result["old_height"] = printed["height"] + 1
        if printed["height"] != expected:
            result.update(new_height=printed["height"], app_hash=printed["app_hash"])
            _finish_signing_check(module, state_path, result, params["allow_signing_state_reset"])
            module.fail_json(msg="rollback %d printed height %d, expected %d; stopped there (a rollback without --hard "
                                 "cannot go below the first one)" % (step + 1, printed["height"], expected), **result)
        result.update(new_height=printed["height"], app_hash=printed["app_hash"])
        expected = printed["height"] - 1
    _finish_signing_check(module, state_path, result, params["allow_signing_state_reset"])
    module.exit_json(**result)


def _finish_signing_check(module, state_path, result, allow_reset):
    """Put the signing state back if anything lowered it, unless the operator allowed that."""
    after = parse_signing_state(open(state_path).read())
    if is_lower(after, result["signing_state_before"]) and not allow_reset:
        shutil.copy2(os.path.join(result["backup_path"], os.path.basename(state_path)), state_path)
        after = parse_signing_state(open(state_path).read())
        result["signing_state_restored"] = True
    result["signing_state_after"] = after


if __name__ == "__main__":
    main()
