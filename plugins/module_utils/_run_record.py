# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's record of one ansible-playbook run, kept where no Ansible variable reaches it (controller only).

Extra variables outrank every fact and registered result, so an approval kept in a variable can be forged with
``-e``. The gate's decisions are therefore written to a file of the run, and the required check before a change
reads them from there:

- the *run* is the ``ansible-playbook`` process that runs the plugins (every action plugin runs in a worker process
  forked from it): its pid and its start time (``/proc/<pid>/stat``, clock ticks since boot), so that a record of an
  earlier run, or of another run on the same controller, never counts;
- the record is ``<state dir>/runs/<run id>/gate.json``, ``{"run", "begun_at", "decisions": [entry, ...]}``, written
  atomically (a temporary file renamed over it), directories mode 0700. The state dir is ``$IR_STATE_DIR``, else
  ``$XDG_STATE_HOME/virtengine-ir``, else ``~/.local/state/virtengine-ir``: the controller's environment, which no
  playbook variable sets.

Variables a caller must never pass (:func:`forged_variables`): the collection's private ones (``_x``), the gate's
(``gate_x``), the approved flags (``x_approved``), and every variable the collection computes itself
(``register`` results, ``set_fact`` facts, roles' ``vars/main.yml``: decisions, plans and their records), read from the
collection's own roles and playbooks (:func:`computed_variables`) so that the list never falls behind the code.
The
artifacts the gate publishes (``ir_gate``, ``ir_plans``) are not among them: an AWX workflow passes every artifact to its
next nodes as extra variables; the gate never reads ``ir_gate``, and ``ir_plans`` can only refuse a plan, never approve one.

Errors: :class:`RecordError` with a message naming the file and what to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import shutil
import tempfile
import time

try:
    import yaml
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:  # pragma: no cover - ansible-core needs PyYAML on the controller
    yaml = None

PRIVATE = re.compile(r"^(?:_|gate_)|_approved$")
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECORD_NAME = "gate.json"
# Run directories of runs that ended are removed after this long (their decisions are in the reports).
KEEP_SECONDS = 7 * 24 * 3600


class RecordError(RuntimeError):
    """The run's record cannot be read or written."""


def state_dir(environ=None):
    """The controller's state directory for this collection (see the module docstring)."""
    environ = os.environ if environ is None else environ
    if environ.get("IR_STATE_DIR"):
        return environ["IR_STATE_DIR"]
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "virtengine-ir")


def _start_ticks(pid):
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or None without /proc."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            # The command name (field 2) is in parentheses and may hold spaces: count from the last ")".
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (IOError, OSError, IndexError, ValueError):
        return None


def run_id(pid=None):
    """``"<pid>-<start ticks>"`` of the ansible-playbook process (the parent of the worker this runs in)."""
    pid = os.getppid() if pid is None else pid
    ticks = _start_ticks(pid)
    return "%d-%s" % (pid, ticks if ticks is not None else "0")


def record_path(run, directory=None):
    return os.path.join(directory or state_dir(), "runs", run, RECORD_NAME)


def _write(path, data):
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".gate-", suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, sort_keys=True)
        os.replace(temporary, path)
    except (IOError, OSError) as error:
        raise RecordError("cannot write the gate's record %s (%s): make the state directory writable or set IR_STATE_DIR" % (path, error))


def begin(run, directory=None, now=None):
    """Start the run's record with no decision (a runbook starts here); returns the record."""
    record = {"run": run, "begun_at": now if now is not None else time.time(), "decisions": []}
    _write(record_path(run, directory), record)
    _prune(directory or state_dir(), run)
    return record


def read(run, directory=None):
    """The run's record, or ``{"run": run, "decisions": []}`` when the gate never ran in this run."""
    path = record_path(run, directory)
    try:
        with open(path) as stream:
            record = json.load(stream)
    except (IOError, OSError):
        return {"run": run, "decisions": []}
    except ValueError as error:
        raise RecordError("the gate's record %s is not JSON (%s): it was changed outside the gate; run the runbook again" % (path, error))
    if not isinstance(record, dict) or record.get("run") != run or not isinstance(record.get("decisions"), list):
        raise RecordError("the gate's record %s is not this run's (%s): run the runbook again" % (path, run))
    return record


def append(run, entry, directory=None):
    """Add one gate decision to the run's record; returns the record."""
    record = read(run, directory)
    record["decisions"].append(entry)
    _write(record_path(run, directory), record)
    return record


def last_decision(record, action):
    """The last decision of ``action`` in the record, or None."""
    found = [entry for entry in record.get("decisions") or [] if isinstance(entry, dict) and entry.get("action") == action]
    return found[-1] if found else None


def _prune(directory, keep):
    """Remove the run directories older than KEEP_SECONDS, except ``keep``."""
    cutoff = time.time() - KEEP_SECONDS
    for path in glob.glob(os.path.join(directory, "runs", "*")):
        try:
            if os.path.basename(path) != keep and os.path.getmtime(path) < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _names(data):
    """Variable names a task list, play list or task defines for later tasks: ``register`` and ``set_fact`` keys."""
    names = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "register" and isinstance(value, str):
                names.add(value)
            elif key in ("set_fact", "ansible.builtin.set_fact") and isinstance(value, dict):
                names.update(name for name in value if name != "cacheable")
            else:
                names.update(_names(value))
    elif isinstance(data, list):
        for item in data:
            names.update(_names(item))
    return names


def computed_variables(root=COLLECTION_ROOT):
    """Every variable the collection computes: ``register`` and ``set_fact`` names in its roles and playbooks, and the
    keys of its roles' ``vars/main.yml`` (a set of names)."""
    names = set()
    files = glob.glob(os.path.join(root, "roles", "*", "tasks", "*.yml")) + glob.glob(os.path.join(root, "playbooks", "*.yml"))
    for path in files:
        with open(path) as stream:
            names.update(_names(yaml.load(stream, Loader=_Loader)))
    for path in glob.glob(os.path.join(root, "roles", "*", "vars", "main.yml")):
        with open(path) as stream:
            names.update((yaml.load(stream, Loader=_Loader) or {}).keys())
    return names


def forged_variables(extra_vars, computed=None):
    """The names in ``extra_vars`` (a dict or names) a caller must never pass, sorted (see the module docstring)."""
    computed = computed_variables() if computed is None else computed
    return sorted(name for name in extra_vars if PRIVATE.search(str(name)) or name in computed)
