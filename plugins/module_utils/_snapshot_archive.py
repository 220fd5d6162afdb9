# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node data snapshots (.tar.lz4, .tar.gz, .tar): checksum, inspection, extraction.

An archive is read twice: once to check every member and add up the size
(before anything is deleted), once to extract.  Members may be relative to the
data directory (``application.db/...``, as in ``tar -C ~/.virtengine/data``) or
carry a leading ``data/`` (archives made from the home directory); nothing
outside ``data/`` is accepted, so an archive can never replace keys or config.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import subprocess
import tarfile

FORMATS = ((".tar.lz4", "lz4"), (".tar.gz", "gz"), (".tgz", "gz"), (".tar", "tar"))
# Never taken from an archive: the signing state is this node's own (kept by the caller), and another node's
# consensus WAL would replay that node's consensus messages here.
SKIPPED = ("priv_validator_state.json", "cs.wal")


class SnapshotError(Exception):
    pass


def archive_format(path):
    for suffix, kind in FORMATS:
        if path.endswith(suffix):
            return kind
    raise SnapshotError("%s: unknown archive type; expected one of %s" % (path, ", ".join(s for s, _kind in FORMATS)))


class _Stream:
    """A streaming tarfile over the archive (lz4 through the lz4 command)."""

    def __init__(self, path, lz4_binary="lz4"):
        self.kind = archive_format(path)
        self.process = None
        if self.kind == "lz4":
            self.process = subprocess.Popen([lz4_binary, "-dc", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.tar = tarfile.open(fileobj=self.process.stdout, mode="r|")
        else:
            self.tar = tarfile.open(path, mode="r|gz" if self.kind == "gz" else "r|")

    def __enter__(self):
        return self.tar

    def __exit__(self, *exc_info):
        self.tar.close()
        if self.process:
            self.process.stdout.close()
            stderr = self.process.stderr.read().decode("utf-8", "replace").strip()
            if self.process.wait() != 0 and exc_info[0] is None:
                raise SnapshotError("lz4 could not decompress the archive: %s" % stderr)


def _path_parts(name):
    """The member's path as a list of names (``./`` and empty parts dropped)."""
    return [p for p in posixpath.normpath(name).split("/") if p not in ("", ".")]


def inspect(path, lz4_binary="lz4"):
    """Check every member; return ``{"members", "bytes", "prefixed"}`` (prefixed: members start with data/)."""
    members = []
    try:
        with _Stream(path, lz4_binary) as tar:
            for member in tar:
                if os.path.isabs(member.name) or ".." in member.name.split("/"):
                    raise SnapshotError("%s: member %r points outside the data directory; refusing the archive" % (path, member.name))
                if not (member.isfile() or member.isdir()):
                    raise SnapshotError("%s: member %r is not a plain file or directory; refusing the archive" % (path, member.name))
                members.append((_path_parts(member.name), member.size if member.isfile() else 0))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SnapshotError("%s is not a readable archive: %s" % (path, exc))
    files = [parts for parts, _size in members if parts]
    if not files:
        raise SnapshotError("%s is empty" % path)
    prefixed = all(parts[0] == "data" for parts in files)
    if not prefixed and any(parts[0] in ("config", "data") for parts in files):
        raise SnapshotError("%s mixes data/ with other top-level entries (config/?): only node data may be restored" % path)
    if any(parts[-1] in ("priv_validator_key.json", "node_key.json") for parts in files):
        raise SnapshotError("%s carries key files: a snapshot must not replace this node's keys" % path)
    return {"members": len(files), "bytes": sum(size for _parts, size in members), "prefixed": prefixed}


def extract(path, home, prefixed, lz4_binary="lz4"):
    """Extract into ``home`` (prefixed archives) or ``home/data``, leaving out SKIPPED; return the members left out."""
    target = home if prefixed else os.path.join(home, "data")
    if not os.path.isdir(target):
        os.makedirs(target, mode=0o700)
    skipped = []
    try:
        with _Stream(path, lz4_binary) as tar:
            for member in tar:
                parts = _path_parts(member.name)
                if any(part in SKIPPED for part in parts[1 if prefixed else 0:][:1]):
                    skipped.append(member.name)
                    continue
                tar.extract(member, target, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SnapshotError("extracting %s into %s failed: %s" % (path, target, exc))
    return skipped
