#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: p2p_reachability
short_description: Can this host open a TCP connection to other nodes' p2p ports, and by which route
version_added: 0.1.0
description:
  - The runbook's C(nc -zv validator-2 26656) and C(traceroute validator-2), from the host the module runs on, to every
    target at once (in parallel, each bounded by O(timeout)).
  - A refused connection, a timeout and a name that does not resolve are told apart in RV(results[].error).
  - The route comes from C(tracepath -n) (or C(traceroute -n)) when one of them is installed; otherwise RV(results[].route)
    is null and RV(route_tool) says so.
  - Egress firewalls can match the process owner (C(iptables -m owner)); O(probe_gid) makes the connections from a
    process with the node's group id, so the probe meets the same rules as the node.
  - Read-only. It never fails because a target is unreachable; that is a finding.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  targets:
    description:
      - Where to connect, each C(host:port), C(tcp://host:port), C(node_id@host:port), or a dict with C(address) and an
        optional C(name).
    type: list
    elements: raw
    required: true
  timeout:
    description: Seconds to wait for each connection.
    type: float
    default: 3
  probe_gid:
    description: Connect from a child process running with this group id (the node's), not the module's.
    type: int
  route:
    description: Also trace the route to each target that does not answer (C(all) for every target, C(none) for none).
    type: str
    choices: [unreachable, all, none]
    default: unreachable
  max_hops:
    description: Hops to trace at most.
    type: int
    default: 8
"""

EXAMPLES = r"""
- name: From each node, its peers' p2p ports (nc -zv), as the node's group
  virtengine.incident_response.p2p_reachability:
    targets: "{{ groups['chain_nodes'] | difference([inventory_hostname]) | map('extract', hostvars, 'node_p2p_address') }}"
    probe_gid: "{{ node_process_gid | default(omit) }}"
  register: reachability
"""

RETURN = r"""
results:
  description: One entry per target, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The target's name, or its address.
      type: str
      sample: validator2
    address:
      description: C(host:port) connected to.
      type: str
      sample: "127.0.1.2:26656"
    reachable:
      description: The TCP connection opened.
      type: bool
    error:
      description: Why not (refused, timed out, does not resolve, ...); null when it opened.
      type: str
      sample: connection refused
    seconds:
      description: Time to connect or to fail.
      type: float
    route:
      description: Hops (address or C(?)) the route trace printed, null when it was not traced.
      type: list
      elements: str
unreachable:
  description: Names of the targets that did not answer.
  returned: always
  type: list
  elements: str
route_tool:
  description: The route tracer used, or null when neither tracepath nor traceroute is installed.
  returned: always
  type: str
  sample: tracepath
"""

import errno
import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

_HOP = re.compile(r"^\s*(\d+)\??:\s+(\S+)")


def parse_target(raw):
    """``{"name", "host", "port", "address"}`` from a string or dict; ValueError naming the bad value."""
    name = None
    if isinstance(raw, dict):
        name, raw = raw.get("name"), raw.get("address")
    text = str(raw or "").strip()
    address = text.split("://", 1)[-1].rsplit("@", 1)[-1]
    host, _sep, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("target %r is not host:port (or tcp://host:port, id@host:port)" % (raw,))
    host = host.strip("[]")
    return {"name": name or address, "host": host, "port": int(port), "address": "%s:%s" % (host, port)}


def connect(target, timeout):
    started = time.monotonic()
    error = None
    try:
        with socket.create_connection((target["host"], target["port"]), timeout=timeout):
            pass
    except socket.timeout:
        error = "timed out after %ss" % timeout
    except socket.gaierror as exc:
        error = "does not resolve (%s)" % exc.strerror
    except OSError as exc:
        error = {errno.ECONNREFUSED: "connection refused", errno.ECONNRESET: "connection reset",
                 errno.EHOSTUNREACH: "no route to host", errno.ENETUNREACH: "network unreachable"}.get(exc.errno, str(exc))
    return {"reachable": error is None, "error": error, "seconds": round(time.monotonic() - started, 3)}


def connect_all(targets, timeout):
    with ThreadPoolExecutor(max_workers=min(32, max(1, len(targets)))) as pool:
        return list(pool.map(lambda t: connect(t, timeout), targets))


def connect_all_as(gid, targets, timeout):
    """Run connect_all in a forked child with ``gid`` (and no supplementary groups), so owner-matching rules apply."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        status = 0
        try:
            os.setgroups([])
            os.setgid(gid)
            payload = json.dumps(connect_all(targets, timeout))
        except Exception as exc:  # pylint: disable=broad-except
            payload, status = json.dumps({"error": str(exc)}), 1
        with os.fdopen(write_end, "w") as handle:
            handle.write(payload)
        os._exit(status)  # pylint: disable=protected-access
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        payload = json.loads(handle.read() or "{}")
    os.waitpid(pid, 0)
    if isinstance(payload, dict):
        raise OSError("cannot probe as group %d: %s" % (gid, payload.get("error")))
    return payload


def trace(module, tool, host, max_hops):
    argv = [tool, "-n", "-m", str(max_hops), host]
    rc, out, _err = module.run_command(argv)
    hops = [match.group(2) for match in map(_HOP.match, out.splitlines()) if match]
    return hops if rc == 0 or hops else None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            targets=dict(type="list", elements="raw", required=True),
            timeout=dict(type="float", default=3),
            probe_gid=dict(type="int"),
            route=dict(type="str", choices=["unreachable", "all", "none"], default="unreachable"),
            max_hops=dict(type="int", default=8),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        targets = [parse_target(raw) for raw in params["targets"]]
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    try:
        outcomes = connect_all_as(params["probe_gid"], targets, params["timeout"]) if params["probe_gid"] is not None \
            else connect_all(targets, params["timeout"])
    except OSError as exc:
        module.fail_json(msg="%s (probe_gid needs root on the host: become: true)" % exc)
    tool = module.get_bin_path("tracepath") and "tracepath" or module.get_bin_path("traceroute") and "traceroute"
    results = []
    for target, outcome in zip(targets, outcomes):
        entry = dict(name=target["name"], address=target["address"], route=None, **outcome)
        if tool and (params["route"] == "all" or (params["route"] == "unreachable" and not entry["reachable"])):
            entry["route"] = trace(module, tool, target["host"], params["max_hops"])
        results.append(entry)
    module.exit_json(changed=False, results=results, unreachable=[r["name"] for r in results if not r["reachable"]],
                     route_tool=tool or None)


if __name__ == "__main__":
    main()
