# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a run's report files on the controller (docs in plugins/modules/report_write.py).

An action plugin, because reports are the controller's files (C(report_dir)): writing them here costs no module run
per file (the copy and template actions each run stat and copy), which is time before the verdict is shown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

_ARGS = dict(
    files=dict(type="list", elements="dict", required=True, options=dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True),
    )),
    mode=dict(type="str", default="0640"),
    directory_mode=dict(type="str", default="0750"),
)


def _octal(name, value):
    try:
        return int(value, 8)
    except ValueError:
        raise AnsibleActionFail("report_write: %s=%r is not an octal mode such as 0640" % (name, value))


def write_file(path, content, mode, directory_mode):
    """Write ``content`` to ``path`` whole or not at all (a temporary file renamed over it), creating its directory
    with ``directory_mode`` when missing (an existing directory's mode is left alone)."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, directory_mode)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(to_bytes(content, errors="surrogate_or_strict"))
        os.chmod(temporary, mode)
        os.rename(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        mode, directory_mode = _octal("mode", args["mode"]), _octal("directory_mode", args["directory_mode"])
        written = []
        for document in args["files"]:
            path = os.path.abspath(document["path"])
            try:
                write_file(path, document["content"], mode, directory_mode)
            except (IOError, OSError) as exc:
                raise AnsibleActionFail("report_write: cannot write %s: %s (set report_dir / IR_REPORT_DIR to a writable "
                                        "directory)" % (path, to_native(exc)))
            written.append(path)
        # A report is the run's output, not a change to a managed system.
        result.update(changed=False, paths=written)
        return result
