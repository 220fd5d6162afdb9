# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node's home directory: is the node running, and the double-sign guard's files.

Every module that changes a node's data (rollback, reset, snapshot restore,
address book) uses these helpers, so the "refuse a running node" and "back up
and keep the signing state" rules exist once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import glob
import os
import shutil
import socket
import time

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity's import test
    from urlparse import urlsplit  # type: ignore

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import RPCError, normalize_url
from ansible_collections.virtengine.incident_response.plugins.module_utils._signing_state import parse_signing_state

KEY_FILE = os.path.join("config", "priv_validator_key.json")
STATE_FILE = os.path.join("data", "priv_validator_state.json")
ADDRBOOK_FILE = os.path.join("config", "addrbook.json")


def locked_databases(home):
    """Data directories whose LOCK another process holds (goleveldb takes an flock on open)."""
    locked = []
    for lock_path in sorted(glob.glob(os.path.join(home, "data", "*.db", "LOCK"))):
        with open(lock_path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (BlockingIOError, PermissionError):
                locked.append(os.path.dirname(lock_path))
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return locked


def rpc_port_state(url, timeout=2.0):
    """``(state, where)``: whether the RPC address of ``url`` accepts TCP connections (``"open"``, ``"closed"`` when
    refused, ``"unknown"``) and ``host:port``, with the error for ``"unknown"``.

    A plain socket, so the answer never depends on an optional library being installed on the node (a check that
    silently said "not answering" without ``requests`` would weaken the running-node guard).  A timeout or any
    error other than a refusal is ``"unknown"``, and callers treat that as running: the check fails closed.
    Raises ValueError naming a malformed URL.
    """
    try:
        parts = urlsplit(normalize_url(url))
    except RPCError as exc:
        raise ValueError("rpc_url: %s" % exc)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = "%s:%d" % (parts.hostname, port)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return "open", where
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED:
            return "closed", where
        return "unknown", "%s (%s)" % (where, exc.strerror or str(exc) or exc.__class__.__name__)


def running_reason(home, rpc_url=None):
    """Why the node at ``home`` counts as running, or None when it is stopped.

    Running means: a database LOCK under ``data/`` is held, or (with ``rpc_url``) the RPC port accepts connections,
    or whether it does cannot be told (timeout, unreachable): the guard fails closed.  ValueError for a bad URL.
    """
    locked = locked_databases(home)
    if locked:
        return "%s locked by another process" % ", ".join(locked)
    if rpc_url:
        state, where = rpc_port_state(rpc_url)
        if state == "open":
            return "its RPC %s answers: %s accepts connections" % (rpc_url, where)
        if state == "unknown":
            return ("whether its RPC %s is closed cannot be told: %s; stop the node and make sure its RPC port refuses "
                    "connections, or leave rpc_url unset to rely on the database locks alone" % (rpc_url, where))
    return None


def read_signing_state(home):
    """The parsed signing state, or None when the file does not exist (a full node may have none)."""
    path = os.path.join(home, STATE_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return parse_signing_state(handle.read())


def backup_signing_files(home, backup_root, label):
    """Copy priv_validator_key.json and priv_validator_state.json into a new 0700 directory; return its path."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + ("%.6f" % (time.time() % 1))[1:] + "Z"
    path = os.path.join(backup_root, "%s-%s" % (label, stamp))
    os.makedirs(path, mode=0o700)
    os.chmod(path, 0o700)
    for relative in (KEY_FILE, STATE_FILE):
        source = os.path.join(home, relative)
        if os.path.exists(source):
            target = os.path.join(path, os.path.basename(relative))
            shutil.copy2(source, target)
            os.chmod(target, 0o600)
    return path


def restore_signing_state(home, backup_path):
    """Put the backed-up priv_validator_state.json back (creating data/ if a reset removed it)."""
    source = os.path.join(backup_path, os.path.basename(STATE_FILE))
    target = os.path.join(home, STATE_FILE)
    if not os.path.isdir(os.path.dirname(target)):
        os.makedirs(os.path.dirname(target), mode=0o700)
    shutil.copy2(source, target)
    os.chmod(target, 0o600)


def directory_bytes(path):
    """Bytes used by the files under ``path`` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def free_bytes(path):
    """Free bytes for an unprivileged writer on the file system holding ``path`` (or its nearest parent)."""
    while not os.path.exists(path):
        path = os.path.dirname(path)
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize
