#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: auth_log_scan
short_description: Authentication attempts by address and user from sshd/PAM and API logs (PLAY-SEC-002)
version_added: 0.1.0
description:
  - Reads sshd and PAM authentication logs and API access logs (status 401 and 403) on the target and counts the
    failed tries in a time window by source address and by user.
  - The sshd logs are files (O(auth_logs), for example C(/var/log/auth.log) where rsyslog writes one) or the
    systemd journal of O(journal_units) (C(journalctl -u UNIT -o json) over the window; on a Debian 12 host without
    rsyslog the journal is the only authentication log). Give the journal or the file that rsyslog fills from it,
    not both, or every line is counted twice.
  - sshd of OpenSSH 7.x to 9.8+ (C(sshd) and C(sshd-session)) at the default LogLevel INFO and at VERBOSE
    (C(Failed <method>), C(Invalid user), C(maximum authentication attempts exceeded),
    C(Disconnecting ... Too many authentication failures), pre-auth C(Connection closed/reset by) and
    C(Disconnected from) an authenticating or invalid user, C(not allowed because), C(Accepted <method>)), and other
    services' PAM C(authentication failure) lines.
  - Each try is counted once. The lines of one sshd connection (one sshd pid, or address and port) are grouped; a
    connection counts its C(Failed) lines, O(max_auth_tries) when sshd cut it for too many failures, else one try
    when it tried a user and gave up or was refused. rsyslog's C(message repeated N times) counts N times. Keys
    refused before an accepted key in the same connection are not failures (an agent offering several keys).
  - An address with O(failure_threshold) failures or more is an offender. A success from an address that failed
    before is a possible compromise, reported in RV(success_after_failures), and makes RV(severity) C(SEV-1).
  - The window reads the rotations of each log that it covers (O(rotated)) - logrotate's C(auth.log.1),
    C(auth.log.2.gz) and dateext C(auth.log-20261201.gz) last written at or after O(since). Events are judged in time
    order, whatever file they came from, so a login after failures is one that came later in time.
  - Each file is read with a size bound (O(max_bytes), its newest part); a file cut is listed in RV(truncated).
  - Addresses are compared in one form (IPv6 compressed lower case; an IPv4-mapped C(::ffff:a.b.c.d) as IPv4).
  - Understood layouts, detected per line; classic syslog (no year - the latest year that puts the line before the
    window's end, so December lines read in January are last year's and 29 February the last leap year's; UTC),
    RFC 3339 (rsyslog), RFC 5424, C(journalctl -o short), C(short-precise), C(short-iso), C(short-iso-precise),
    C(short-full), C(short-unix), C(json) and C(cat), and no time at all (C(sshd -E) files). Lines without a time
    cannot be placed in the window and are always counted (RV(undated)).
  - Lines whose time is impossible (30 February) are counted as undated rather than failing the scan.
  - Read-only. A missing or unreadable file, or a journal the user may not read, is listed in RV(unreadable) and
    does not fail the task.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  auth_logs:
    description: sshd/PAM log files, for example C(/var/log/auth.log).
    type: list
    elements: path
    default: []
  rotated:
    description:
      - Also read the rotations of each O(auth_logs) and O(api_logs) file that the window covers (plain or
        gzip-compressed).
    type: bool
    default: true
  max_bytes:
    description: Bytes of text read at most from each file (its newest part); a compressed file counts decompressed.
    type: int
    default: 67108864
  journal_units:
    description:
      - systemd units whose journal records are read as JSON, for example C(ssh) (Debian, Ubuntu) or C(sshd) (RHEL);
        a unit the host does not have adds nothing.
      - The records of sshd's syslog identifiers (C(sshd), and C(sshd-session) from OpenSSH 9.8) are read too. A
        connection child that exits before journald reads its cgroup leaves records without the unit, which
        C(journalctl -u) misses (U(https://github.com/systemd/systemd/issues/2913)).
      - The user needs to read the system journal (groups C(systemd-journal) or C(adm), or become).
    type: list
    elements: str
    default: []
  api_logs:
    description: API access logs in the common or combined format.
    type: list
    elements: path
    default: []
  since:
    description: Start of the window, UTC, like C(2026-11-27T03:00:00Z). Empty means from the start of the logs.
    type: str
    default: ""
  until:
    description: End of the window, UTC. Empty means up to now.
    type: str
    default: ""
  failure_threshold:
    description: Failures from one address that make it an offender.
    type: int
    default: 5
  max_auth_tries:
    description:
      - The servers' sshd C(MaxAuthTries); a connection that sshd cut for too many authentication failures counts
        this many failed tries.
    type: int
    default: 6
  max_evidence:
    description: Log lines kept as evidence per address.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Attempts in the last hour, from sshd's journal (systemd hosts)
  virtengine.incident_response.auth_log_scan:
    journal_units: [ssh, sshd]
    since: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 3600) }}"
  register: auth_scan

- name: Attempts in the last hour
  virtengine.incident_response.auth_log_scan:
    auth_logs: [/var/log/auth.log]
    api_logs: [/var/log/nginx/access.log]
    since: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 3600) }}"
    failure_threshold: 5
  register: auth_scan
"""

RETURN = r"""
by_source:
  description: Per source address, most failures first.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The address (C(unknown) when the line names none).
      type: str
    failures:
      description: Failed tries, each counted once.
      type: int
    attempts:
      description: Connections (or API requests) from the address with at least one failed try.
      type: int
    successes:
      description: Successful logins.
      type: int
    users:
      description: User names tried.
      type: list
      elements: str
    evidence:
      description: The log lines, up to O(max_evidence).
      type: list
      elements: str
by_user:
  description: Per user name, most failures first, with the addresses that tried it.
  returned: always
  type: list
  elements: dict
offenders:
  description: Addresses at or above O(failure_threshold) failures.
  returned: always
  type: list
  elements: str
  sample: [10.77.0.10]
success_after_failures:
  description: Successful logins from an address that failed before (source, user, failures_before, line).
  returned: always
  type: list
  elements: dict
severity:
  description: C(SEV-1) after a success after failures, C(SEV-3) with offenders only (runbook), else null.
  returned: always
  type: str
failures:
  description: Failed attempts in the window.
  returned: always
  type: int
successes:
  description: Successful logins in the window.
  returned: always
  type: int
undated:
  description: Connections known only from lines without a time (counted whatever the window).
  returned: always
  type: int
failure_threshold:
  description: The threshold used.
  returned: always
  type: int
max_auth_tries:
  description: The MaxAuthTries used.
  returned: always
  type: int
truncated:
  description: Files read only in part because of O(max_bytes) (path, unread_bytes); raise O(max_bytes) to read them whole.
  returned: always
  type: list
  elements: dict
unreadable:
  description:
    - Files, or the journal (C(path) is then the journalctl command, like C(journalctl -u ssh)), that could not be
      (wholly) read, with the reason.
  returned: always
  type: list
  elements: dict
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import (
    read_bounded,
    read_journal as read_journal_lines,
    rotated_logs,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._auth_log import (
    AuthLogError,
    analyse,
    journal_options,
    parse_api_line,
    parse_auth_log,
    parse_time,
)


def log_files(paths, rotated, since):
    """The files to read for the given logs: each one's rotations that the window covers, then the log."""
    files = []
    for path in paths:
        if not rotated:
            files.append(path)
            continue
        directory = os.path.dirname(path) or "."
        try:
            entries = dict((name, os.stat(os.path.join(directory, name)).st_mtime) for name in os.listdir(directory)
                           if name.startswith(os.path.basename(path)))
        except (IOError, OSError):
            entries = {}  # the log's own read reports why
        files.extend(rotated_logs(path, entries, since))
    return files


def read_attempts(paths, parse, max_bytes, unreadable, truncated):
    attempts = []
    for path in paths:
        lines, error, cut = read_bounded(path, max_bytes)
        if error:
            unreadable.append({"path": path, "error": error})
        if cut:
            truncated.append({"path": path, "unread_bytes": cut})
        attempts.extend(parse(lines or []))
    return attempts


def read_journal(module, units, since, until, reference, unreadable):
    """The auth events of the units' journal records in the window; a journal that cannot be read goes to unreadable."""
    lines, problem = read_journal_lines(module, units, "give the sshd log file in auth_logs", **journal_options(since, until))
    if problem:
        unreadable.append({"path": "journalctl " + " ".join("-u %s" % unit for unit in units), "error": problem})
    return list(parse_auth_log(lines or [], reference))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            auth_logs=dict(type="list", elements="path", default=[]),
            journal_units=dict(type="list", elements="str", default=[]),
            api_logs=dict(type="list", elements="path", default=[]),
            since=dict(type="str", default=""),
            until=dict(type="str", default=""),
            rotated=dict(type="bool", default=True),
            max_bytes=dict(type="int", default=64 * 1024 * 1024),
            failure_threshold=dict(type="int", default=5),
            max_auth_tries=dict(type="int", default=6),
            max_evidence=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not (params["auth_logs"] or params["journal_units"] or params["api_logs"]):
        module.fail_json(msg="auth_logs, journal_units and api_logs are all empty: give at least one log, e.g. journal_units=[ssh]"
                             " or auth_logs=[/var/log/auth.log]")
    if params["max_bytes"] < 1:
        module.fail_json(msg="max_bytes=%r must be 1 or more (bytes read at most from each log file)" % params["max_bytes"])
    try:
        since = parse_time(params["since"]) if params["since"] else None
        until = parse_time(params["until"]) if params["until"] else None
        reference = until or datetime.datetime.now(datetime.timezone.utc)
        unreadable, truncated = [], []
        attempts = read_attempts(log_files(params["auth_logs"], params["rotated"], since), lambda lines: parse_auth_log(lines, reference),
                                 params["max_bytes"], unreadable, truncated)
        if params["journal_units"]:
            attempts += read_journal(module, params["journal_units"], since, until, reference, unreadable)
        attempts += read_attempts(log_files(params["api_logs"], params["rotated"], since),
                                  lambda lines: (found for found in map(parse_api_line, lines) if found),
                                  params["max_bytes"], unreadable, truncated)
        findings = analyse(attempts, since, until, params["failure_threshold"], params["max_evidence"], params["max_auth_tries"])
    except AuthLogError as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=False, unreadable=unreadable, truncated=truncated, **findings)


if __name__ == "__main__":
    main()
