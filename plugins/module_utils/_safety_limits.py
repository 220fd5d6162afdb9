# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safety limits beyond the prompt, kept in the controller's state dir beside the gate's run records (controller only).

EDA starts diagnoses from alerts, AWX runs workflows and operators run playbooks at a terminal: without limits two
runs can change one validator at the same time, and an alert storm can approve one remediation after another. The
gate applies three limits, each stored under ``<state dir>`` (``_run_record.state_dir``) where no Ansible variable
reaches it:

- **the pause switch**: a file ``<state dir>/PAUSE`` (its text is the reason) or the variable ``ir_pause`` (true or a
  reason). While paused every gated action is refused at its gate and before each change; diagnosis still runs.
  A variable can only pause, never lift the file's pause.
- **one operation per node**: the required check before a change takes ``<state dir>/locks/<node>.json`` (the node
  or target name URL-quoted)
  (``{node, run, action, by, since, expires, controller}``) for the run; another run's change of that node is refused
  while the lock is held, naming who holds it, for which action, since when and until when. A lock is stale once it
  expired (``ttl`` seconds after it was taken, ``ir_lock_ttl``, default 1800) or its run ended on this controller
  (the run id is the playbook process's pid and start time); a stale lock is taken over and the take-over is
  reported with the old holder.
- **a remediation budget**: at most ``limit`` confirmed changing actions (``ir_remediation_budget``, default 6) per
  ``window`` seconds (``ir_remediation_window``, default 3600) across the fleet, counted in
  ``<state dir>/budget.json``; a confirmation past it is refused with the time the budget frees up.

Times are UNIX seconds (float). Errors: :class:`LimitError` (the message names the limit, the holder or count, and
what to do).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import fcntl
import json
import os
import socket
import tempfile
import time

from urllib.parse import quote

from ansible_collections.virtengine.incident_response.plugins.module_utils import _run_record

PAUSE_NAME = "PAUSE"
LOCKS_NAME = "locks"
BUDGET_NAME = "budget.json"
DEFAULT_LOCK_TTL = 1800
DEFAULT_BUDGET = 6
DEFAULT_WINDOW = 3600


class LimitError(RuntimeError):
    """A safety limit refuses the action (the message says which and what to do)."""


def _when(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _controller():
    """This controller: host name and boot id, so that a run id is only judged alive where it was taken."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as stream:
            boot = stream.read().strip()
    except (IOError, OSError):
        boot = ""
    return "%s/%s" % (socket.gethostname(), boot)


def run_alive(run, controller, here=None):
    """Whether the run that took a lock still runs: known only on the controller that took it (else True)."""
    if controller != (here if here is not None else _controller()):
        return True
    pid, _sep, ticks = str(run).partition("-")
    try:
        return str(_run_record._start_ticks(int(pid))) == ticks
    except ValueError:
        return False


def positive(name, value, default):
    """``value`` as a positive int (``default`` when unset); LimitError naming ``name`` otherwise."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number <= 0 or str(number) != str(value).strip():
        raise LimitError("%s=%r must be a positive whole number" % (name, value))
    return number


def paused(pause_variable=None, directory=None):
    """Why gated actions are paused now (a sentence), or None.

    ``pause_variable`` is ``ir_pause``: false/None/"" does not pause, true pauses, any other text pauses with that reason.
    """
    path = os.path.join(directory or _run_record.state_dir(), PAUSE_NAME)
    try:
        with open(path) as stream:
            reason = stream.read(2000).strip()
        return "the pause switch %s is on (%s); remove the file to resume" % (path, reason or "no reason given")
    except (IOError, OSError) as error:
        if error.errno != errno.ENOENT:
            return "the pause switch %s cannot be read (%s): paused until it can" % (path, error.strerror)
    if pause_variable in (None, False, "") or str(pause_variable).strip().lower() in ("false", "no", "0", "off"):
        return None
    reason = "" if pause_variable is True or str(pause_variable).strip().lower() in ("true", "yes", "1", "on") else str(pause_variable)
    return "ir_pause is set (%s)" % (reason or "no reason given")


def _read_json(path):
    try:
        with open(path) as stream:
            return json.load(stream)
    except (IOError, OSError):
        return None
    except ValueError:
        return {}


def _write_json(path, data):
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".limit-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream, sort_keys=True)
    os.replace(temporary, path)


class _Guard(object):
    """An exclusive flock on ``<folder>/.guard`` while locks or the budget are read and written (runs race)."""

    def __init__(self, folder):
        self.folder = folder

    def __enter__(self):
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            self.stream = open(os.path.join(self.folder, ".guard"), "a")
        except (IOError, OSError) as error:
            raise LimitError("cannot use the safety limits' directory %s (%s): make it writable or set IR_STATE_DIR" % (self.folder, error))
        fcntl.flock(self.stream, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.stream, fcntl.LOCK_UN)
        self.stream.close()


def take_lock(node, run, action, by, ttl=DEFAULT_LOCK_TTL, directory=None, now=None, here=None):
    """Take (or renew) this run's lock on ``node`` before a change; returns ``{lock, took_over}``.

    ``took_over`` is the stale lock replaced (or None). Raises LimitError when another live run holds an unexpired lock.
    """
    if not isinstance(node, str) or not node.strip():
        raise LimitError("cannot lock %r: name the node (or target) the change is about to touch" % (node,))
    now = time.time() if now is None else now
    here = _controller() if here is None else here
    folder = os.path.join(directory or _run_record.state_dir(), LOCKS_NAME)
    # A target may be a host, host:port or context/namespace/deployment: one file name each.
    path = os.path.join(folder, "%s.json" % quote(node, safe=""))
    with _Guard(folder):
        held = _read_json(path)
        took_over = None
        if isinstance(held, dict) and held.get("run") and held.get("run") != run:
            expired = float(held.get("expires") or 0) <= now
            if not expired and run_alive(held["run"], held.get("controller"), here):
                raise LimitError(
                    "%s on %s refused: the node is locked by run %s (%s, %s) since %s until %s; one operation per node at a "
                    "time. Wait for that run to end, or if it is gone from another controller remove %s" % (
                        action, node, held.get("run"), held.get("by"), held.get("action"), _when(float(held.get("since") or 0)),
                        _when(float(held.get("expires") or 0)), path))
            took_over = dict(held, stale="expired" if expired else "its run ended")
        lock = {"node": node, "run": run, "action": action, "by": by, "since": now, "expires": now + ttl, "controller": here}
        if isinstance(held, dict) and held.get("run") == run:
            lock["since"] = held.get("since", now)
        _write_json(path, lock)
    return {"lock": lock, "took_over": took_over}


def charge_budget(run, action, hosts, limit=DEFAULT_BUDGET, window=DEFAULT_WINDOW, directory=None, now=None):
    """Count one confirmed changing action against the fleet's budget; returns ``{used, limit, window, resets_at}``.

    An action is counted once per run. Raises LimitError (nothing counted) when ``limit`` actions were confirmed in
    the last ``window`` seconds, naming them and when the oldest leaves the window.
    """
    now = time.time() if now is None else now
    folder = directory or _run_record.state_dir()
    path = os.path.join(folder, BUDGET_NAME)
    with _Guard(folder):
        spent = _read_json(path)
        spent = [item for item in (spent if isinstance(spent, list) else [])
                 if isinstance(item, dict) and float(item.get("at") or 0) > now - window]
        counted = any(item.get("run") == run and item.get("action") == action for item in spent)
        if not counted:
            if len(spent) >= limit:
                oldest = min(float(item["at"]) for item in spent)
                raise LimitError(
                    "the remediation budget is spent: %d changing actions were confirmed in the last %d s (%s); %s is refused "
                    "until %s. Look at why remediations repeat; a team that must go on raises ir_remediation_budget" % (
                        len(spent), window, ", ".join("%s at %s" % (item.get("action"), _when(float(item["at"]))) for item in spent),
                        action, _when(oldest + window)))
            spent.append({"at": now, "run": run, "action": action, "hosts": list(hosts)})
            _write_json(path, spent)
    oldest = min(float(item["at"]) for item in spent)
    return {"used": len(spent), "limit": limit, "window": window, "resets_at": _when(oldest + window)}
