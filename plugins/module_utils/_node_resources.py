# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node's host has left: free space under the node's home, memory, the unit's memory limit, restarts and
open-file limit, the process's open files.

Pure parsers of the kernel's and systemd's own outputs (``/proc/meminfo``, ``/proc/<pid>/limits``, ``systemctl show``)
and :func:`read_resources`, the one place that reads them on a host (for node_inspect's ``read: [resources]``). Every
reading that cannot be taken is named in the record's ``errors``; none raises.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.virtengine.incident_response.plugins.module_utils._node_home import free_bytes
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_service import parse_systemctl_show

# systemctl show -p ... of the node's unit: its cgroup's memory now and its limit, the hard open-file limit (Go raises
# its soft limit to the hard one at start, since Go 1.19), and how often systemd restarted it (Restart=).
SYSTEMD_PROPERTIES = ("MemoryCurrent", "MemoryMax", "LimitNOFILE", "NRestarts")
# systemd prints an unset 64-bit value as this (or "[not set]", "infinity").
_UNSET = ("", "[not set]", "infinity", "18446744073709551615")

RECORD_KEYS = ("home", "disk_free_bytes", "disk_total_bytes", "disk_free_percent", "mem_total_bytes", "mem_available_bytes",
               "memory_current_bytes", "memory_max_bytes", "restarts", "limit_nofile", "open_files")


def parse_meminfo(text):
    """``/proc/meminfo`` -> ``{mem_total_bytes, mem_available_bytes}`` (None for a line that is missing)."""
    values = {}
    for line in (text or "").splitlines():
        key, _sep, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            values[key.strip()] = int(fields[0]) * (1024 if fields[1:2] == ["kB"] else 1)
    return {"mem_total_bytes": values.get("MemTotal"), "mem_available_bytes": values.get("MemAvailable")}


def parse_limits(text):
    """The soft ``Max open files`` of ``/proc/<pid>/limits`` (None when unlimited or missing)."""
    for line in (text or "").splitlines():
        if line.startswith("Max open files"):
            soft = line[len("Max open files"):].split()[:1]
            return int(soft[0]) if soft and soft[0].isdigit() else None
    return None


def _number(value):
    value = (value or "").strip()
    if value in _UNSET or not value.isdigit():
        return None
    return int(value)


def systemd_resources(text):
    """``systemctl show -p MemoryCurrent,MemoryMax,LimitNOFILE,NRestarts`` -> ``{memory_current_bytes, memory_max_bytes
    (None: no limit), limit_nofile, restarts}``."""
    props = parse_systemctl_show(text)
    return {"memory_current_bytes": _number(props.get("MemoryCurrent")), "memory_max_bytes": _number(props.get("MemoryMax")),
            "limit_nofile": _number(props.get("LimitNOFILE")), "restarts": _number(props.get("NRestarts"))}


def _read(path):
    with open(path) as handle:
        return handle.read()


def read_resources(module, home, manager="systemd", service_name="virtengine", pid=None):
    """The host's resources for the node whose home is ``home`` (run on the node's host).

    ``manager``/``service_name`` name the unit whose limits systemd reports; ``pid`` is the node's process (from the
    service reading) for its open files and, under supervisor, its open-file limit. Returns a dict with
    :data:`RECORD_KEYS` (bytes, counts; None when not read) and ``errors`` (what could not be read, and why).
    """
    record = dict((key, None) for key in RECORD_KEYS)
    record.update(home=home, errors=[])
    path = os.path.expanduser(home or "")
    if not home or not os.path.isdir(path):
        record["errors"].append("node home %s does not exist on this host: set node_home to the node's --home" % (home,))
    else:
        stats = os.statvfs(path)
        total = stats.f_blocks * stats.f_frsize
        record.update(disk_free_bytes=free_bytes(path), disk_total_bytes=total)
        record["disk_free_percent"] = round(100.0 * record["disk_free_bytes"] / total, 1) if total else None
    try:
        record.update(parse_meminfo(_read("/proc/meminfo")))
    except (IOError, OSError) as exc:
        record["errors"].append("/proc/meminfo not read: %s" % exc)
    if manager == "systemd":
        systemctl = module.get_bin_path("systemctl")
        if systemctl:
            rc, out, err = module.run_command([systemctl, "show", "-p", ",".join(SYSTEMD_PROPERTIES), "--", service_name])
            if rc == 0:
                record.update(systemd_resources(out))
            else:
                record["errors"].append("systemctl show %s failed (rc %s): %s" % (service_name, rc, (err or out).strip()))
        else:
            record["errors"].append("systemctl not found: the unit's limits are not read")
    if pid:
        try:
            if record["limit_nofile"] is None:
                record["limit_nofile"] = parse_limits(_read("/proc/%d/limits" % pid))
            record["open_files"] = len(os.listdir("/proc/%d/fd" % pid))
        except (IOError, OSError) as exc:
            record["errors"].append("open files of pid %s not read: %s" % (pid, exc))
    return record
