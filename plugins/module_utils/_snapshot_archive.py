# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node data snapshots as providers publish them: checksum, inspection, extraction.

Formats: ``.tar.lz4`` (through the ``lz4`` command), ``.tar.zst`` / ``.tar.zstd`` (the ``zstd`` command),
``.tar.gz`` / ``.tgz``, ``.tar.bz2``, ``.tar.xz`` and ``.tar`` (Python's tarfile).

Layouts (``inspect`` returns which one):

- ``data_contents``: members relative to the data directory (``application.db/...``, as made by
  ``tar -C ~/.node/data .``), extracted into ``<home>/data``;
- ``home``: members under ``data/`` and, on CosmWasm chains, ``wasm/`` (wasmd keeps contract code in
  ``<home>/wasm``; made by ``tar -C ~/.node data wasm``), extracted into the home. ``roots`` lists which of the two.

An archive is read twice: once to check every member and add up the size (before anything is deleted), once to
extract. Refused: absolute names, ``..``, anything but plain files and directories (links, devices, fifos), key
files and keyrings anywhere, and any other top-level entry of a home-level archive (``config/``, ...), so an archive
can never replace keys or configuration. Never taken from an archive (skipped): the data directory's
``priv_validator_state.json`` (another node's signing state; this node keeps its own) and ``cs.wal``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import subprocess
import tarfile

# (suffix, how to read it): a tarfile stream mode, or the decompressing command's option key.
FORMATS = ((".tar.lz4", "lz4"), (".tar.zst", "zstd"), (".tar.zstd", "zstd"), (".tar.gz", "r|gz"), (".tgz", "r|gz"),
           (".tar.bz2", "r|bz2"), (".tar.xz", "r|xz"), (".tar", "r|"))
# The top-level directories of a home-level archive that are node data.
HOME_ROOTS = ("data", "wasm")
# Never taken from an archive: the signing state is this node's own (kept by the caller), and another node's
# consensus WAL would replay that node's consensus messages here.
SKIPPED = ("priv_validator_state.json", "cs.wal")
KEY_FILES = ("priv_validator_key.json", "node_key.json")


class SnapshotError(Exception):
    pass


def archive_format(path):
    """The archive's reader from its name; SnapshotError naming the accepted suffixes otherwise."""
    for suffix, kind in FORMATS:
        if path.endswith(suffix):
            return kind
    raise SnapshotError("%s: unknown archive type; expected one of %s" % (path, ", ".join(s for s, _kind in FORMATS)))


class _Stream:
    """A streaming tarfile over the archive; lz4 and zstd through their commands (``binaries``: kind -> command)."""

    def __init__(self, path, binaries):
        kind = archive_format(path)
        self.process, self.command = None, None
        if kind in ("lz4", "zstd"):
            self.command = binaries.get(kind) or kind
            try:
                self.process = subprocess.Popen([self.command, "-dc", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            except OSError as exc:
                raise SnapshotError("%s needs the %s command to decompress (%s): install it (Debian package %s)"
                                    % (path, self.command, exc, kind))
            self.tar = tarfile.open(fileobj=self.process.stdout, mode="r|")
        else:
            self.tar = tarfile.open(path, mode=kind)

    def __enter__(self):
        return self.tar

    def __exit__(self, *exc_info):
        self.tar.close()
        if self.process:
            self.process.stdout.close()
            stderr = self.process.stderr.read().decode("utf-8", "replace").strip()
            if self.process.wait() != 0 and exc_info[0] is None:
                raise SnapshotError("%s could not decompress the archive: %s" % (self.command, stderr))


def _path_parts(name):
    """The member's path as a list of names (``./`` and empty parts dropped)."""
    return [p for p in posixpath.normpath(name).split("/") if p not in ("", ".")]


def _check_member(path, member):
    if member.name.startswith("/") or ".." in member.name.split("/"):
        raise SnapshotError("%s: member %r points outside the node's directories; refusing the archive" % (path, member.name))
    if not (member.isfile() or member.isdir()):
        raise SnapshotError("%s: member %r is a %s, not a plain file or directory; refusing the archive"
                            % (path, member.name, "link" if member.issym() or member.islnk() else "device or special file"))
    parts = _path_parts(member.name)
    if any(part in KEY_FILES or part.startswith("keyring-") for part in parts):
        raise SnapshotError("%s carries key files (%s): a snapshot must not replace this node's keys" % (path, member.name))
    return parts


def _layout(path, files):
    """``(layout, roots)`` from the members' paths; SnapshotError for a layout that is not node data only."""
    tops = sorted(set(parts[0] for parts in files))
    if "data" not in tops:
        # Relative to the data directory; a wasm/ among the databases is <home>/data/wasm (chains that keep it there).
        if "config" in tops or tops == ["wasm"]:
            raise SnapshotError("%s has %s at the top and no data/: not a node data snapshot (expected data/ [+ wasm/], "
                                "or the data directory's contents)" % (path, ", ".join(top + "/" for top in tops)))
        return "data_contents", []
    others = [top for top in tops if top not in HOME_ROOTS]
    if others:
        raise SnapshotError("%s has data/ and also %s at the top: only %s may be restored from a home-level archive"
                            % (path, ", ".join(top + "/" for top in others), " and ".join(root + "/" for root in HOME_ROOTS)))
    return "home", tops


def inspect(path, binaries=None):
    """Check every member -> ``{members, bytes, layout, roots, prefixed}``; SnapshotError on anything refused.

    ``binaries`` maps ``lz4``/``zstd`` to their commands. ``bytes`` is the unpacked size; ``prefixed`` is true for
    the ``home`` layout (members start with ``data/`` or ``wasm/`` and are extracted into the home).
    """
    members = []
    try:
        with _Stream(path, binaries or {}) as tar:
            for member in tar:
                members.append((_check_member(path, member), member.size if member.isfile() else 0))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SnapshotError("%s is not a readable archive: %s" % (path, exc))
    files = [parts for parts, _size in members if parts]
    if not files:
        raise SnapshotError("%s is empty" % path)
    layout, roots = _layout(path, files)
    return {"members": len(files), "bytes": sum(size for _parts, size in members), "layout": layout, "roots": roots,
            "prefixed": layout == "home"}


def _skipped(parts, prefixed):
    """True for the data directory's signing state and consensus WAL (and what is under the WAL)."""
    if prefixed:
        return len(parts) > 1 and parts[0] == "data" and parts[1] in SKIPPED
    return bool(parts) and parts[0] in SKIPPED


def extract(path, home, prefixed, binaries=None):
    """Extract into ``home`` (home layout) or ``home/data``, leaving out SKIPPED; return the members left out."""
    target = home if prefixed else os.path.join(home, "data")
    if not os.path.isdir(target):
        os.makedirs(target, mode=0o700)
    skipped = []
    try:
        with _Stream(path, binaries or {}) as tar:
            for member in tar:
                parts = _check_member(path, member)
                if _skipped(parts, prefixed):
                    skipped.append(member.name)
                    continue
                tar.extract(member, target, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SnapshotError("extracting %s into %s failed: %s" % (path, target, exc))
    return skipped
