# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the modules read a log on a host: a systemd journal (journalctl) or the end of a file.

Used by node_log_signatures (a node's newest lines), provider_logs (a daemon's recent lines) and auth_log_scan
(sshd's records as JSON in a time window). Read-only. Every reader returns ``(lines, error)``: ``lines`` is a list
of str (None when nothing could be read) and ``error`` says why the log was not (wholly) read, None when it was,
so a module reports an unreadable log as that host's error instead of failing or, worse, seeing an empty log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import re
import zlib

# What journalctl says on stderr when the user may not read the system journal (systemd 2xx).
_JOURNAL_NO_ACCESS = re.compile(r"not seeing messages from other users|insufficient permissions|No journal files were (?:found|opened)")


class LogReadError(ValueError):
    """A reader was asked for something that is not a log (a bad unit name, a bad limit)."""


def _journal_time(value, widen):
    """A --since/--until value: journalctl's own words (str, e.g. "30 min ago") or an aware datetime (whole seconds,
    widened by ``widen`` so the exact window stays inside)."""
    if isinstance(value, str):
        return value
    return "@%d" % (int(value.timestamp()) + widen)


def journal_argv(journalctl, units, lines=None, since=None, until=None, output="cat", fields=(), identifiers=()):
    """journalctl path, systemd units and limits -> the argv that reads them.

    ``lines``: only the newest N records; ``since``/``until``: a window (see _journal_time); ``output``: journalctl's
    ``-o`` format; ``fields``: ``--output-fields`` (for ``json``). ``identifiers``: syslog identifiers whose records are
    read as well as the units'. journald attributes a record to its unit from the sender's cgroup, which it cannot read
    once a short-lived process (an sshd connection child) has exited: such records lack ``_SYSTEMD_UNIT`` and
    ``-u`` misses them (https://github.com/systemd/systemd/issues/2913), while the identifier is the sender's own.
    LogReadError names an empty or option-like unit or identifier.
    """
    argv = [journalctl, "--no-pager", "-o", output]
    if fields:
        argv.append("--output-fields=" + ",".join(fields))
    for unit in units:
        if not str(unit).strip() or str(unit).startswith("-"):
            raise LogReadError("journal unit %r is not a systemd unit name (e.g. ssh on Debian/Ubuntu, sshd on RHEL)" % (unit,))
    for identifier in identifiers:
        if not str(identifier).strip() or str(identifier).startswith("-") or "=" in str(identifier):
            raise LogReadError("syslog identifier %r is not a program name (e.g. sshd)" % (identifier,))
    if identifiers:
        # One disjunction: (_SYSTEMD_UNIT=a OR ...) + (SYSLOG_IDENTIFIER=x OR ...); -u cannot be joined with "+".
        argv += ["_SYSTEMD_UNIT=%s" % (unit if "." in str(unit) else "%s.service" % unit) for unit in units]
        argv += (["+"] if units else []) + ["SYSLOG_IDENTIFIER=%s" % identifier for identifier in identifiers]
    else:
        for unit in units:
            argv += ["-u", str(unit)]
    if lines is not None:
        argv += ["-n", str(lines)]
    if since:
        argv += ["--since", _journal_time(since, 0)]
    if until:
        argv += ["--until", _journal_time(until, 1)]
    return argv


def journal_problem(rc, stderr):
    """journalctl's exit code and stderr -> why the journal was not (wholly) read, or None when it was."""
    said = " ".join((stderr or "").split())
    if _JOURNAL_NO_ACCESS.search(said):  # exit code 0 with a hint, or 1 when no file at all could be opened (systemd 252)
        return ("journalctl cannot read the system journal as this user (%s): add the user to the systemd-journal or adm"
                " group, or run with become" % said)
    if rc != 0:
        return "journalctl failed (%d): %s" % (rc, said or "no message")
    return None


def read_journal(module, units, instead, **options):
    """An AnsibleModule, systemd units, what to use instead when there is no journalctl, journal_argv options ->
    (lines, error). Lines are what journalctl printed, also when it warns that it could not read everything.
    A bad unit name is a bad argument: the module fails naming it."""
    journalctl = module.get_bin_path("journalctl")
    if not journalctl:
        return None, "journalctl is not installed on this host: " + instead
    try:
        argv = journal_argv(journalctl, units, **options)
    except LogReadError as error:
        module.fail_json(msg=str(error))
    rc, out, err = module.run_command(argv, errors="surrogate_or_replace")
    return (out.splitlines() if rc == 0 else None), journal_problem(rc, err)


_BLOCK = 65536


def _last_lines(handle, lines, start):
    """The raw last ``lines`` lines of an open binary file after byte ``start``, read backwards block by block, so
    the cost is the size of those lines, not of the file (a node's log grows by gigabytes)."""
    end = handle.seek(0, os.SEEK_END)
    position, data = end, b""
    # lines + 1 line breaks bound the last lines (the file's final newline is one of them)
    while position > start and data.count(b"\n") <= lines:
        step = min(_BLOCK, position - start)
        position -= step
        handle.seek(position)
        data = handle.read(step) + data
    kept = data.split(b"\n")
    if kept[-1] == b"":
        kept.pop()  # the final line break ends the last line; it does not start another
    if position > start:
        kept = kept[1:]  # the block boundary fell inside this line; it is older than the lines asked for anyway
    return kept[-lines:]


def read_tail(path, lines=None, max_bytes=None):
    """The end of a text file -> (lines, error): its last ``lines`` lines, within its last ``max_bytes`` bytes when
    given (the line the cut falls in is dropped). Memory and time follow what is returned, not the file's size.
    Undecodable bytes are replaced, never an exception."""
    if not os.path.isfile(path):
        return None, "log file %s does not exist on this host" % path
    try:
        with open(path, "rb") as handle:
            start = 0
            if max_bytes is not None:
                size = handle.seek(0, os.SEEK_END)
                if size > max_bytes:
                    handle.seek(size - max_bytes)
                    handle.readline()
                    start = handle.tell()
            if lines:
                kept = _last_lines(handle, lines, start)
            else:
                handle.seek(start)
                kept = handle.readlines()
    except (IOError, OSError) as error:
        return None, "cannot read %s: %s" % (path, error.strerror or error)
    return [raw.decode("utf-8", "replace").rstrip("\r\n") for raw in kept], None


def rotated_logs(path, entries, since=None):
    """A log's path, its directory's entries ``{name: mtime (epoch seconds)}`` and the window's start (aware datetime
    or None) -> the files that hold the window, oldest first: logrotate's rotations of the log (numbered ``auth.log.1``,
    ``auth.log.2.gz``; dateext ``auth.log-20261201``, ``.gz``) last written at or after ``since`` (an older one ends
    before the window), then the log itself (listed even when absent, so its absence is reported)."""
    directory, name = os.path.split(path)
    rotation = re.compile(r"^%s(?:\.\d+|-\d{8}(?:\d\d)?)(?:\.gz)?$" % re.escape(name))
    start = since.timestamp() if since is not None else None
    older = sorted((mtime, entry) for entry, mtime in entries.items()
                   if rotation.match(entry) and (start is None or mtime >= start))
    return [os.path.join(directory, entry) for _mtime, entry in older] + [path]


def read_bounded(path, max_bytes):
    """A plain or gzip-compressed text file -> (lines, error, cut): the lines of its last ``max_bytes`` bytes of text
    (the line the cut falls in dropped), ``cut`` the bytes left unread before them (0 when the whole file was read).
    A .gz file is decompressed as a stream, so memory stays within about ``max_bytes`` whatever it expands to."""
    if not path.endswith(".gz"):
        if not os.path.isfile(path):
            return None, "log file %s does not exist on this host" % path, 0
        size = os.path.getsize(path)
        lines, error = read_tail(path, max_bytes=max_bytes)
        return lines, error, max(0, size - max_bytes) if lines is not None else 0
    kept, total = b"", 0
    try:
        with gzip.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_BLOCK), b""):
                total += len(chunk)
                kept = (kept + chunk)[-max_bytes:]
    except (IOError, OSError, EOFError, zlib.error) as error:
        return None, "cannot read %s: %s" % (path, getattr(error, "strerror", None) or error), 0
    cut = total - len(kept)
    lines = kept.split(b"\n")
    if cut:
        lines = lines[1:]
    if lines and lines[-1] == b"":
        lines.pop()
    return [raw.decode("utf-8", "replace").rstrip("\r") for raw in lines], None, cut


def read_node_log(module, source, unit, path, lines):
    """A node's newest ``lines`` log lines from ``source`` (journald: ``unit``'s journal; file: ``path``) ->
    (lines, error), as node_log_signatures and node_inspect read them."""
    if source == "file":
        return read_tail(path, lines=lines)
    return read_journal(module, [unit], "use node_logs_source=file and node_logs_file", lines=lines)
