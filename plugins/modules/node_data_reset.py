#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_data_reset
short_description: Reset a stopped node's peers or data (optionally from a snapshot), keeping its signing state
version_added: 0.1.0
description:
  - O(what=addrbook) removes C(config/addrbook.json) (the real form of the runbook's C(unsafe-reset-peers), which does
    not exist), after copying it into the backup directory.
  - O(what=data) runs C(<binary> <command...> [--keep-addr-book] --home <home>) (C(virtengine tendermint unsafe-reset-all)
    or C(cometbft unsafe-reset-all)), so that the node syncs again from its peers (block sync) or by state sync.
  - O(what=snapshot) does the same reset and then extracts a data snapshot (C(.tar.lz4), C(.tar.zst), C(.tar.gz),
    C(.tgz), C(.tar.bz2), C(.tar.xz) or C(.tar)). The archive's SHA-256 is checked and every member inspected
    B(before anything is deleted).
  - Snapshot layouts as providers publish them, recognised from the members - the data directory's contents
    (C(application.db/...)), extracted into C(<home>/data); or C(data/) plus, on CosmWasm chains, C(wasm/) (contract code
    kept in C(<home>/wasm)), extracted into the home. When the archive carries C(wasm/), the node's C(<home>/wasm) is
    replaced by it (removed after the backup of the signing files, like the reset removes C(data/)).
  - Refused, before anything is deleted - absolute names, C(..), links, device and special files, key files
    (C(priv_validator_key.json), C(node_key.json), C(keyring-*)) anywhere, and any other top-level entry next to
    C(data/) (C(config/), ...). C(data/priv_validator_state.json) (another node's signing state) and C(data/cs.wal)
    in an archive are left out.
  - Refuses to act on a running node. A node is running when its data directories are locked
    (C(data/*.db/LOCK), held by the node process) or, when O(rpc_url) is given, when its port accepts connections
    or cannot be judged (a timeout counts as running, so the check fails closed; it needs no HTTP library).
  - Before a data reset, C(config/priv_validator_key.json) and C(data/priv_validator_state.json) are copied into a new
    directory under O(backup_dir) (mode 0700, files 0600). C(unsafe-reset-all) rewrites the signing state to height 0
    and a snapshot may carry another node's; either would let a validator sign twice at a height it already signed,
    so the backed-up signing state is put back afterwards, unless O(allow_signing_state_reset=true).
  - Checks free space before deleting anything. The data directory's current size counts as reclaimable.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: full
    description: Checks that the node is stopped, the checksum, the archive and the free space; changes nothing.
  diff_mode:
    support: none
    description: No diff; the result says what was removed, restored and kept.
options:
  home:
    description: The node's home directory (C(--home)).
    type: path
    required: true
  what:
    description: What to reset.
    type: str
    choices: [addrbook, data, snapshot]
    required: true
  binary:
    description: The node binary, e.g. C(virtengine) or C(cometbft), or its path (O(what=data) and O(what=snapshot)).
    type: str
    default: virtengine
  command:
    description: The reset sub-command words before the flags.
    type: list
    elements: str
    default: [tendermint, unsafe-reset-all]
  keep_addr_book:
    description: Pass C(--keep-addr-book) to the reset.
    type: bool
    default: true
  snapshot_path:
    description: The archive on the node's host (O(what=snapshot)).
    type: path
  snapshot_sha256:
    description: The archive's expected SHA-256 (hex), as published with the snapshot. Required with O(what=snapshot).
    type: str
  min_free_bytes:
    description:
      - Bytes the data directory needs after the reset (for example a state-synced node's size). For a snapshot, the
        archive's unpacked size is used when it is larger.
    type: int
    default: 0
  rpc_url:
    description: The node's RPC; if its port accepts connections (or does not refuse them), the module refuses.
    type: str
  backup_dir:
    description: Directory for the backups (a timestamped directory is created in it). Default C(<home>/backups).
    type: path
  allow_signing_state_reset:
    description:
      - Keep the signing state the reset (or snapshot) left instead of putting the backed-up one back. Only for an
        operator who knows the key has not signed at those heights anywhere else.
    type: bool
    default: false
  lz4_binary:
    description: The lz4 command for C(.tar.lz4) archives (Debian package C(lz4)).
    type: str
    default: lz4
  zstd_binary:
    description: The zstd command for C(.tar.zst) archives (Debian package C(zstd)).
    type: str
    default: zstd
seealso:
  - module: virtengine.incident_response.validator_rollback
  - name: CometBFT unsafe-reset-all
    description: What the reset removes and keeps.
    link: https://docs.cometbft.com/v0.38/
"""

EXAMPLES = r"""
- name: Peer reset (the node must be stopped)
  virtengine.incident_response.node_data_reset:
    home: "{{ node_home }}"
    what: addrbook

- name: Empty the data directory for state sync, keeping the signing state
  virtengine.incident_response.node_data_reset:
    home: "{{ node_home }}"
    what: data
    binary: virtengine
    rpc_url: "{{ node_rpc_url }}"
    min_free_bytes: "{{ 50 * 1024 ** 3 }}"

- name: Restore a verified snapshot
  virtengine.incident_response.node_data_reset:
    home: /home/validator/.virtengine
    what: snapshot
    snapshot_path: /var/tmp/latest.tar.lz4
    snapshot_sha256: 9f2c...e1
"""

RETURN = r"""
what:
  description: What was (or, in check mode, would be) reset.
  returned: always
  type: str
  sample: data
backup_path:
  description: Directory holding the copies made before the change (signing files, or the address book).
  returned: when something was to be changed
  type: str
  sample: /home/validator/.virtengine/backups/reset-20261127T031500.123456Z
signing_state_before:
  description: Height, round and step of the signing state before; null when the node has none.
  returned: always
  type: dict
  sample: {"height": 4120, "round": 0, "step": 3}
signing_state_after:
  description: Height, round and step after; equal to before unless an operator allowed a reset.
  returned: always
  type: dict
signing_state_restored:
  description: The reset or the snapshot changed the signing state and the backed-up file was put back.
  returned: always
  type: bool
removed_bytes:
  description: Bytes the data directory held before the reset.
  returned: always
  type: int
disk:
  description: The free-space check.
  returned: always
  type: dict
  contains:
    free_bytes:
      description: Free bytes on the data directory's file system before.
      type: int
    reclaimable_bytes:
      description: Bytes of the data directory that the reset frees.
      type: int
    required_bytes:
      description: Bytes needed after the reset.
      type: int
snapshot:
  description: The archive checks.
  returned: with O(what=snapshot)
  type: dict
  contains:
    sha256:
      description: The archive's SHA-256, as computed.
      type: str
    members:
      description: Files and directories in the archive.
      type: int
    bytes:
      description: Unpacked size.
      type: int
    layout:
      description:
        - C(home) (members under C(data/) and C(wasm/), extracted into the home directory) or C(data_contents)
          (members relative to the data directory, extracted into C(data/)).
      type: str
    roots:
      description: The home-level directories the archive restores (C(data), C(wasm)); empty for C(data_contents).
      type: list
      elements: str
    prefixed:
      description: The C(home) layout.
      type: bool
    skipped:
      description:
        - Members left out, never taken from an archive, namely another node's C(priv_validator_state.json) (this node
          keeps its own) and C(cs.wal) (another node's consensus messages).
      type: list
      elements: str
output:
  description: What the reset command printed.
  returned: when it ran
  type: str
"""

import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_home import (
    ADDRBOOK_FILE,
    STATE_FILE,
    backup_signing_files,
    directory_bytes,
    free_bytes,
    read_signing_state,
    restore_signing_state,
    running_reason,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._snapshot_archive import (
    SnapshotError,
    extract,
    inspect,
)

# Unpacking needs a little more than the archive's content (directory blocks, database growth at start).
_UNPACK_MARGIN = 1.05


def _check_snapshot(module, params):
    path, expected = params["snapshot_path"], (params["snapshot_sha256"] or "").strip().lower()
    if not path or not os.path.isfile(path):
        module.fail_json(msg="snapshot_path=%s is not a file on this host: download it first" % path)
    if not re.match(r"^[0-9a-f]{64}$", expected):
        module.fail_json(msg="snapshot_sha256=%r is not a SHA-256 in hex: pass the checksum published with the snapshot"
                             % params["snapshot_sha256"])
    actual = sha256_file(path)
    if actual != expected:
        module.fail_json(msg="%s has SHA-256 %s, expected %s: corrupt or wrong file; nothing was deleted" % (path, actual, expected))
    try:
        facts = inspect(path, _binaries(params))
    except SnapshotError as exc:
        module.fail_json(msg="%s; nothing was deleted" % to_native(exc))
    facts["sha256"] = actual
    return facts


def _binaries(params):
    return {"lz4": params["lz4_binary"], "zstd": params["zstd_binary"]}


def _reset_data(module, params, binary, home, result):
    argv = [binary] + params["command"] + (["--keep-addr-book"] if params["keep_addr_book"] else []) + ["--home", home]
    rc, out, err = module.run_command(argv)
    result["output"] = (out + err).strip()
    if rc != 0:
        _keep_signing_state(module, home, result, params["allow_signing_state_reset"])
        module.fail_json(msg="%s failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()[-500:]), **result)


def _keep_signing_state(module, home, result, allow_reset):
    """Put our own signing state back after anything that rewrote it, unless the operator allowed otherwise."""
    before = result["signing_state_before"]
    if before is None:
        return
    try:
        after = read_signing_state(home)
    except (OSError, ValueError):
        after = None
    if after != before and not allow_reset:
        restore_signing_state(home, result["backup_path"])
        after = read_signing_state(home)
        result["signing_state_restored"] = True
    result["signing_state_after"] = after


def main():
    module = AnsibleModule(
        argument_spec=dict(
            home=dict(type="path", required=True),
            what=dict(type="str", choices=["addrbook", "data", "snapshot"], required=True),
            binary=dict(type="str", default="virtengine"),
            command=dict(type="list", elements="str", default=["tendermint", "unsafe-reset-all"]),
            keep_addr_book=dict(type="bool", default=True),
            snapshot_path=dict(type="path"),
            snapshot_sha256=dict(type="str"),
            min_free_bytes=dict(type="int", default=0),
            rpc_url=dict(type="str"),
            backup_dir=dict(type="path"),
            allow_signing_state_reset=dict(type="bool", default=False),
            lz4_binary=dict(type="str", default="lz4"),
            zstd_binary=dict(type="str", default="zstd"),
        ),
        required_if=[("what", "snapshot", ("snapshot_path", "snapshot_sha256"))],
        supports_check_mode=True,
    )
    params = module.params
    home, what = params["home"], params["what"]
    data_dir = os.path.join(home, "data")
    if not os.path.isdir(os.path.join(home, "config")):
        module.fail_json(msg="home=%s has no config directory: is this the node's --home?" % home)

    try:
        running = running_reason(home, params["rpc_url"])
    except ValueError as exc:
        module.fail_json(msg="%s; nothing was changed" % exc)
    if running:
        module.fail_json(msg="refusing to reset %s: the node at %s is running (%s); stop it first "
                             "(node_service_action=stopped through the gate)" % (what, home, running))
    try:
        before = read_signing_state(home)
    except (OSError, ValueError) as exc:
        module.fail_json(msg="cannot read the signing state %s: %s" % (os.path.join(home, STATE_FILE), to_native(exc)))

    reclaimable = directory_bytes(data_dir) if what != "addrbook" else 0
    result = dict(changed=False, what=what, signing_state_before=before, signing_state_after=before,
                  signing_state_restored=False, removed_bytes=reclaimable,
                  disk=dict(free_bytes=free_bytes(data_dir), reclaimable_bytes=reclaimable, required_bytes=0))
    backup_root = params["backup_dir"] or os.path.join(home, "backups")

    if what == "addrbook":
        addrbook = os.path.join(home, ADDRBOOK_FILE)
        result["changed"] = os.path.exists(addrbook)
        if result["changed"] and not module.check_mode:
            result["backup_path"] = backup_signing_files(home, backup_root, "addrbook")
            shutil.copy2(addrbook, os.path.join(result["backup_path"], "addrbook.json"))
            os.remove(addrbook)
        module.exit_json(**result)

    binary = params["binary"] if os.path.sep in params["binary"] else module.get_bin_path(params["binary"])
    if not binary or not os.access(binary, os.X_OK):
        module.fail_json(msg="binary=%s not found or not executable: set node_binary to the node's binary" % params["binary"])
    required = params["min_free_bytes"]
    wasm_dir = os.path.join(home, "wasm")
    if what == "snapshot":
        result["snapshot"] = _check_snapshot(module, params)
        required = max(required, int(result["snapshot"]["bytes"] * _UNPACK_MARGIN))
        if "wasm" in result["snapshot"]["roots"] and os.path.isdir(wasm_dir):
            reclaimable += directory_bytes(wasm_dir)
            result["removed_bytes"] = result["disk"]["reclaimable_bytes"] = reclaimable
    result["disk"]["required_bytes"] = required
    if result["disk"]["free_bytes"] + reclaimable < required:
        module.fail_json(msg="not enough space for the %s: %d bytes free + %d reclaimable < %d needed under %s; "
                             "free some space (or set min_free_bytes lower if the estimate is wrong); nothing was deleted"
                             % (what, result["disk"]["free_bytes"], reclaimable, required, data_dir), **result)

    result["changed"] = True
    result["backup_path"] = os.path.join(backup_root, "reset-<UTC time>")
    if module.check_mode:
        module.exit_json(**result)
    try:
        result["backup_path"] = backup_signing_files(home, backup_root, "reset")
    except OSError as exc:
        module.fail_json(msg="backup of the signing files into %s failed, nothing was reset: %s" % (backup_root, to_native(exc)))
    _reset_data(module, params, binary, home, result)
    if what == "snapshot":
        try:
            if "wasm" in result["snapshot"]["roots"] and os.path.isdir(wasm_dir):
                shutil.rmtree(wasm_dir)
            result["snapshot"]["skipped"] = extract(params["snapshot_path"], home, result["snapshot"]["prefixed"], _binaries(params))
        except (SnapshotError, OSError) as exc:
            _keep_signing_state(module, home, result, params["allow_signing_state_reset"])
            module.fail_json(msg="%s; the data directory is reset (empty): restore another snapshot or let the node sync"
                                 % to_native(exc), **result)
    _keep_signing_state(module, home, result, params["allow_signing_state_reset"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
