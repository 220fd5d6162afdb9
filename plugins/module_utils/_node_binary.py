# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which binary a node runs, and whether a named upgrade's binary is in place in cosmovisor's layout.

The pure parts (:func:`version_line`, :func:`upgrade_binary_path`, :func:`upgrade_named_by_logs`,
:func:`binary_record`) are unit-tested on a real binary's output and real logs (tests/unit/fixtures/node_binary/,
tests/unit/fixtures/cases/); :func:`read_binary` is the one place that looks at the host (for node_inspect, which
the node_binary and node_service roles call).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import shutil

_CHUNK = 1024 * 1024


def version_line(stdout, stderr):
    """The first line ``<binary> version`` printed (stdout, else stderr: some builds print there), or None."""
    text = ("%s\n%s" % (stdout or "", stderr or "")).strip()
    return text.split("\n")[0].strip() or None


def upgrade_binary_path(cosmovisor_dir, upgrade_name, binary):
    """Where cosmovisor keeps the upgrade's binary: ``<cosmovisor_dir>/upgrades/<name>/bin/<binary's file name>``."""
    return "%s/upgrades/%s/bin/%s" % (cosmovisor_dir.rstrip("/"), upgrade_name, os.path.basename(binary))


def upgrade_named_by_logs(signatures):
    """The upgrade plan's name the log signatures state (``upgrade_needed``, else ``upgrade_binary_too_old``), or None.

    ``signatures``: node_log_signatures' ``signatures`` (signature name -> ``{fields: {upgrade_name, ...}, ...}``).
    Raises ValueError when it is not a mapping.
    """
    if not isinstance(signatures, dict):
        raise ValueError("log signatures must be a mapping of signature name to finding, got %r" % (signatures,))
    for name in ("upgrade_needed", "upgrade_binary_too_old"):
        fields = (signatures.get(name) or {}).get("fields") or {}
        if fields.get("upgrade_name"):
            return fields["upgrade_name"]
    return None


def binary_record(binary, path, sha256, version, upgrade=None):
    """The node_binary_facts record ``{path, sha256, version, error, upgrade: {name, path, present, sha256}}``.

    ``binary``: the name or path asked for (node_binary); ``path``: where it was found, or None; ``upgrade``: None
    when no upgrade was named, else ``{name, path, present, sha256}``.
    """
    return {
        "path": path or None, "sha256": sha256, "version": version,
        "error": None if path else "binary %s not found on this host" % binary,
        "upgrade": upgrade or {"name": None, "path": None, "present": False, "sha256": None},
    }


def _sha256(path):
    """SHA-256 of a regular file (links followed), None when it is not one or cannot be read."""
    if not os.path.isfile(path):
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except (IOError, OSError):
        return None
    return digest.hexdigest()


def read_binary(module, binary, upgrade_name=None, cosmovisor_dir=None):
    """Find ``binary`` on this host (``command -v``'s rule: a path, or a name on PATH), checksum it, ask its version,
    and look for ``upgrade_name``'s binary under ``cosmovisor_dir`` -> :func:`binary_record`'s record.

    Nothing that goes wrong here is an exception: a binary that is absent is the record's ``error``, one that does
    not run has no version.
    """
    path = shutil.which(binary)
    version = None
    if path:
        try:
            _rc, out, err = module.run_command([path, "version"], handle_exceptions=False, errors="surrogate_or_replace")
            version = version_line(out, err)
        except (IOError, OSError):
            version = None
    upgrade = None
    if upgrade_name:
        where = upgrade_binary_path(cosmovisor_dir, upgrade_name, binary)
        upgrade = {"name": upgrade_name, "path": where, "present": os.path.lexists(where), "sha256": _sha256(where)}
    return binary_record(binary, path if path and os.path.exists(path) else None, _sha256(path) if path else None, version, upgrade)
