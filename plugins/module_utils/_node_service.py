# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure service-manager parsing: what systemd and supervisor say about one node's service.

Inputs are the manager's own outputs (``systemctl show`` key=value lines, ``supervisorctl status`` lines) and the
kernel's process records (``/proc/stat``, ``/proc/<pid>/stat``); unit-tested on outputs captured from the real
tools (tests/unit/fixtures/node_service/). Nothing here runs a command except :func:`read_service`, the one
place that asks the manager (for node_service_info and node_inspect).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import time

# The properties node_service_info asks systemd for (systemctl show prints them in its own order).
# The options of every module that asks the service manager (documented by the service_manager doc fragment).
SERVICE_MANAGER_SPEC = dict(
    manager=dict(type="str", choices=["systemd", "supervisor"], default="systemd"),
    supervisor_config=dict(type="path"),
    at=dict(type="float"),
)
SYSTEMD_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "MainPID", "ExecMainStartTimestamp", "NRestarts")
# supervisorctl's process states (supervisor.states.ProcessStates).
SUPERVISOR_STATES = ("STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN")


def parse_systemctl_show(text):
    """``systemctl show -p ...`` output as a dict (first ``=`` splits; empty values kept as "")."""
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            props[key.strip()] = value.strip()
    return props


def parse_systemd_timestamp(value):
    """A systemd timestamp as epoch seconds, None for never ("" or "n/a").

    Accepts ``--timestamp=us+utc`` (``Mon 2026-11-30 09:02:03.123456 UTC``), ``--timestamp=utc`` (no fraction) and
    ``--timestamp=unix`` (``@1796003380``). Raises ValueError naming the value for any other form (a local time
    zone's name cannot be converted without the host's zone database).
    """
    value = (value or "").strip()
    if value in ("", "n/a"):
        return None
    if value.startswith("@"):
        return float(value[1:])
    words = value.split()
    if len(words) == 4 and words[3] == "UTC":
        fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in words[2] else "%Y-%m-%d %H:%M:%S"
        moment = datetime.datetime.strptime("%s %s" % (words[1], words[2]), fmt)
        return (moment - datetime.datetime(1970, 1, 1)).total_seconds()
    raise ValueError("unexpected systemd timestamp %r (expected 'Day YYYY-MM-DD HH:MM:SS[.UUUUUU] UTC' or '@epoch')" % value)


def systemd_service(name, rc, stdout, stderr):
    """One unit from ``systemctl show --timestamp=us+utc -p <SYSTEMD_PROPERTIES> <name>``: state fields or an error.

    Returns ``{state, sub_state, pid, started_at, restarts, error}``; ``state`` is systemd's ActiveState in capitals
    (``ACTIVE``, ``INACTIVE``, ``FAILED``, ...), ``started_at`` the main process's start (epoch seconds).
    """
    blank = {"state": "UNKNOWN", "sub_state": None, "pid": None, "started_at": None, "restarts": None, "error": None}
    if rc != 0:
        return dict(blank, error="systemctl show %s failed (rc %s): %s" % (name, rc, (stderr or stdout).strip() or "no output"))
    props = parse_systemctl_show(stdout)
    if props.get("LoadState") == "not-found":
        return dict(blank, error="no systemd unit %s on this host (LoadState=not-found): check node_service_name" % name)
    if "ActiveState" not in props:
        return dict(blank, error="systemctl show %s printed no ActiveState: %s" % (name, stdout.strip()[:200] or "no output"))
    try:
        started_at = parse_systemd_timestamp(props.get("ExecMainStartTimestamp"))
        pid = int(props.get("MainPID") or 0) or None
        restarts = int(props["NRestarts"]) if props.get("NRestarts", "").isdigit() else None
    except ValueError as exc:
        return dict(blank, error="systemctl show %s: %s" % (name, exc))
    return {"state": props["ActiveState"].upper(), "sub_state": props.get("SubState") or None, "pid": pid,
            # systemd keeps the last start of a stopped unit: it is no running process's start.
            "started_at": started_at if pid else None, "restarts": restarts, "error": None}


def supervisor_service(name, rc, stdout, stderr):
    """One program from ``supervisorctl status <name>``: ``{state, pid, description, error}``.

    supervisorctl exits 3 for a program that is not running: that is an answer, not a failure. A line that is not
    ``<name> <STATE> ...`` (no such program, supervisord down, no configuration file) is this service's error.
    """
    for line in (stdout or "").splitlines():
        fields = line.split(None, 2)
        if len(fields) >= 2 and fields[0] == name and fields[1] in SUPERVISOR_STATES:
            description = fields[2].strip() if len(fields) > 2 else ""
            pid = None
            if fields[1] == "RUNNING" and description.startswith("pid "):
                pid = int(description[4:].split(",")[0])
            return {"state": fields[1], "pid": pid, "description": description, "error": None}
    said = " ".join(part.strip() for part in (stdout, stderr) if part and part.strip()) or "no output"
    return {"state": "UNKNOWN", "pid": None, "description": None,
            "error": "supervisorctl status %s (rc %s): %s" % (name, rc, said)}


def process_start_time(proc_stat, pid_stat, clock_ticks):
    """A process's start (epoch seconds) from ``/proc/stat`` (btime) and ``/proc/<pid>/stat`` (starttime, field 22).

    The command name in ``/proc/<pid>/stat`` may hold spaces and parentheses: fields are counted after the last ``)``.
    Raises ValueError when either text lacks its field.
    """
    boot = [line.split()[1] for line in proc_stat.splitlines() if line.startswith("btime ")]
    fields = pid_stat.rpartition(")")[2].split()
    if not boot or len(fields) < 20:
        raise ValueError("no btime in /proc/stat or no starttime in /proc/<pid>/stat")
    # fields[0] is field 3 (state), so field 22 (starttime, in clock ticks since boot) is fields[19].
    return round(int(boot[0]) + int(fields[19]) / float(clock_ticks), 3)


def service_record(manager, name, reading, now, at=None):
    """The record node_service_info returns for one service: the manager's reading plus running, times, uptime.

    ``reading`` is :func:`systemd_service` or :func:`supervisor_service`'s result (``started_at`` filled in for
    supervisor from /proc). ``now``: epoch seconds on the host. ``at``: the agreed moment of a coordinated change
    (epoch seconds, the host's clock), or None; ``started_after_at_seconds`` is then how long after it the main
    process started (negative: it started before, so it did not restart at that moment).
    """
    started_at = reading.get("started_at")
    # An error with a known state (the process ended between two reads) still says whether it runs.
    running = None if reading["state"] == "UNKNOWN" else reading["state"] in ("RUNNING", "ACTIVE")
    iso = None
    if started_at is not None:
        moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=started_at)
        iso = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "manager": manager, "name": name, "state": reading["state"], "sub_state": reading.get("sub_state"),
        "running": running, "pid": reading.get("pid"), "started_at": started_at, "started_at_iso": iso,
        "uptime_seconds": round(now - started_at, 3) if started_at is not None and running else None,
        "restarts": reading.get("restarts"), "error": reading.get("error"),
        "started_after_at_seconds": round(started_at - at, 3) if at is not None and started_at is not None else None,
    }


def _read_text(path):
    with open(path) as handle:
        return handle.read()


def _read_systemd(module, name, supervisor_config):
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return {"state": "UNKNOWN", "error": "systemctl not found on this host: is systemd its service manager (node_service_manager)?"}
    rc, out, err = module.run_command([systemctl, "show", "--timestamp=us+utc", "-p", ",".join(SYSTEMD_PROPERTIES), "--", name])
    return systemd_service(name, rc, out, err)


def _read_supervisor(module, name, supervisor_config):
    supervisorctl = module.get_bin_path("supervisorctl")
    if not supervisorctl:
        return {"state": "UNKNOWN", "error": "supervisorctl not found on this host: is supervisor its service manager (node_service_manager)?"}
    config = ["-c", supervisor_config] if supervisor_config else []
    rc, out, err = module.run_command([supervisorctl] + config + ["status", name])
    reading = supervisor_service(name, rc, out, err)
    if reading["pid"]:
        try:
            reading["started_at"] = process_start_time(_read_text("/proc/stat"), _read_text("/proc/%d/stat" % reading["pid"]),
                                                       os.sysconf("SC_CLK_TCK"))
        except (IOError, OSError, ValueError) as exc:
            # The process may have ended between the two reads: its start is unknown, the state still stands.
            reading["error"] = "start time of pid %s not read: %s" % (reading["pid"], exc)
    return reading


def read_service(module, manager, name, supervisor_config=None, at=None):
    """Ask ``manager`` (systemd or supervisor) about one service on this host -> :func:`service_record`'s record.

    ``module`` is the running AnsibleModule (its run_command and get_bin_path); a manager that is absent or does not
    answer is the record's ``error``, never an exception.
    """
    read = _read_systemd if manager == "systemd" else _read_supervisor
    return service_record(manager, name, read(module, name, supervisor_config), time.time(), at)
