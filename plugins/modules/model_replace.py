#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: model_replace
short_description: Verify a VEID model archive, then swap it in atomically and keep the old directory (PLAY-010)
version_added: 0.1.0
description:
  - Everything is verified BEFORE the live directory is touched. The archive's SHA-256 must equal O(archive_sha256); it
    is unpacked next to the live directory (same file system); the unpacked directory's hash by O(recipe) must equal
    O(expected_hash). Any difference removes what was unpacked and fails, naming both values; nothing else changed.
  - The swap is one C(renameat2(RENAME_EXCHANGE)) of the new and the live directory, so the model path always holds a
    whole model; the old one is then kept as C(<path>.prev-<UTC time>) for a rollback. On a file system without
    exchange support the swap is two renames (RV(atomic=false)).
  - The module does not restart anything; the caller restarts the sidecar (and the node, if it loads the model too).
  - Check mode verifies the archive and the hash the same way and reports the swap without making it.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  check_mode:
    support: full
    description: Verifies everything, swaps nothing.
  diff_mode:
    support: none
    description: Directories are not diffed.
options:
  path:
    description: The live model directory (the sidecar's C(--model-path)).
    type: path
    required: true
  archive:
    description: The model archive on the host (C(.tar), C(.tar.gz), C(.tgz), C(.tar.xz) or C(.zip)), e.g. fetched by
      M(ansible.builtin.get_url) with its checksum.
    type: path
    required: true
  archive_sha256:
    description: SHA-256 of the archive, as published with it (64 hex digits).
    type: str
    required: true
  expected_hash:
    description:
      - The model directory's hash by O(recipe), lowercase hex without a C(sha256:) prefix, as the chain compares it
        (usually the on-chain C(sha256_hash) of the active model).
    type: str
    required: true
  recipe:
    description: How the directory is hashed (see M(virtengine.incident_response.model_hash)).
    type: str
    choices: [content, path_content, digest_of_digests]
    default: content
  archive_subdir:
    description: The directory inside the archive that holds the model; empty when the files are at the archive's top.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Fetch the model (get_url keeps it only when the checksum matches)
  ansible.builtin.get_url:
    url: https://models.example.net/trust_score-v1.1.0.tar.gz
    dest: /var/tmp/trust_score-v1.1.0.tar.gz
    checksum: sha256:4f0c...
    mode: "0600"

- name: Swap it in
  virtengine.incident_response.model_replace:
    path: /home/virtengine/.virtengine/models/trust_score
    archive: /var/tmp/trust_score-v1.1.0.tar.gz
    archive_sha256: 4f0c...
    expected_hash: "{{ onchain_sha256 }}"
  register: replaced
"""

RETURN = r"""
old_hash:
  description: The live directory's hash by O(recipe) before the swap (null when it was missing or unreadable).
  returned: always
  type: str
new_hash:
  description: The verified hash of the new directory.
  returned: always
  type: str
backup_path:
  description: Where the old directory was kept (null when there was none, or in check mode).
  returned: always
  type: str
atomic:
  description: Whether the swap was a single exchange.
  returned: when swapped
  type: bool
msg:
  description: What happened.
  returned: always
  type: str
"""

import ctypes
import errno
import os
import re
import shutil
import tarfile
import tempfile
import time
import zipfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._model_hash import RECIPES, ModelHashError, hash_directory

HEX64 = re.compile(r"^[0-9a-f]{64}$")
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(first, second):
    """Swap two paths in one step with renameat2(RENAME_EXCHANGE); False when the kernel or file system cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, first.encode(), AT_FDCWD, second.encode(), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), second)


def unpack(archive, target):
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                resolved = os.path.realpath(os.path.join(target, member))
                if not resolved.startswith(os.path.realpath(target) + os.sep):
                    raise ValueError("archive member %r points outside the directory" % member)
            bundle.extractall(target)
        return
    with tarfile.open(archive) as bundle:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        bundle.extractall(target, filter="data")


def copy_owner(reference, tree):
    """Give the new model the old directory's owner, so the sidecar's user can read it."""
    stat = os.stat(reference)
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(tree):
        for name in [root] + [os.path.join(root, entry) for entry in dirs + files]:
            os.lchown(name, stat.st_uid, stat.st_gid)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            archive=dict(type="path", required=True),
            archive_sha256=dict(type="str", required=True),
            expected_hash=dict(type="str", required=True),
            recipe=dict(type="str", choices=list(RECIPES), default="content"),
            archive_subdir=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = os.path.abspath(params["path"]).rstrip("/")
    for name in ("archive_sha256", "expected_hash"):
        if not HEX64.match(params[name]):
            module.fail_json(msg="%s=%r must be 64 lowercase hex digits without a 'sha256:' prefix (the chain compares the exact "
                             "string). Nothing was changed." % (name, params[name]))
    if not os.path.isfile(params["archive"]):
        module.fail_json(msg="archive %s does not exist on this host. Nothing was changed." % params["archive"])
    if os.path.isabs(params["archive_subdir"]) or ".." in params["archive_subdir"].split("/"):
        module.fail_json(msg="archive_subdir=%r must be a relative path inside the archive. Nothing was changed." % params["archive_subdir"])
    actual = sha256_file(params["archive"])
    if actual != params["archive_sha256"]:
        module.fail_json(msg="archive %s has SHA-256 %s, not the published %s: refusing it. Nothing was changed."
                         % (params["archive"], actual, params["archive_sha256"]), archive_sha256=actual)
    try:
        old_hash = hash_directory(path, params["recipe"])[0]
    except ModelHashError:
        old_hash = None
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        module.fail_json(msg="the model directory's parent %s does not exist. Nothing was changed." % parent)
    staging = tempfile.mkdtemp(prefix=".%s.new-" % os.path.basename(path), dir=parent)
    result = dict(changed=False, old_hash=old_hash, new_hash=None, backup_path=None)
    try:
        try:
            unpack(params["archive"], staging)
        except (tarfile.TarError, zipfile.BadZipFile, ValueError, OSError) as error:
            module.fail_json(msg="cannot unpack %s: %s. Nothing was changed." % (params["archive"], error), **result)
        source = os.path.join(staging, params["archive_subdir"]) if params["archive_subdir"] else staging
        try:
            new_hash = hash_directory(source, params["recipe"])[0]
        except ModelHashError as error:
            module.fail_json(msg="the unpacked model cannot be hashed: %s. Nothing was changed." % error, **result)
        result["new_hash"] = new_hash
        if new_hash != params["expected_hash"]:
            module.fail_json(msg="the model in %s hashes to %s by the %s recipe, not the expected %s: refusing it. Nothing was changed."
                             % (params["archive"], new_hash, params["recipe"], params["expected_hash"]), **result)
        if old_hash == new_hash:
            module.exit_json(msg="%s already holds this model (%s %s); nothing to do" % (path, params["recipe"], new_hash), **result)
        if module.check_mode:
            result["changed"] = True
            module.exit_json(msg="would swap %s (%s) for the verified model %s and keep the old one"
                             % (path, old_hash or "missing", new_hash), **result)
        backup = "%s.prev-%s" % (path, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        if os.path.isdir(path):
            copy_owner(path, source)
            os.chmod(source, os.stat(path).st_mode & 0o7777)
            atomic = exchange(source, path)
            if atomic:
                os.rename(source, backup)
            else:
                os.rename(path, backup)
                os.rename(source, path)
            result["backup_path"] = backup
        else:
            os.chmod(source, 0o755)
            os.rename(source, path)
            atomic = True
        result.update(changed=True, atomic=atomic)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    module.exit_json(msg="%s now holds the model %s; the old one is kept in %s" % (path, result["new_hash"], result["backup_path"] or "-"), **result)


if __name__ == "__main__":
    main()
