# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evidence (PLAY-003): archive, SHA-256 manifest, chain-of-custody record, and their verification.

The originals are only ever opened for reading. The manifest is in ``sha256sum`` format, so
``sha256sum -c manifest.sha256`` in the evidence directory verifies it without this code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import json
import os
import tarfile

from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file

ARCHIVE = "evidence.tar.gz"
MANIFEST = "manifest.sha256"
CUSTODY = "custody.json"


def _files_under(path):
    if os.path.isdir(path):
        for root, _dirs, names in os.walk(path):
            for name in sorted(names):
                yield os.path.join(root, name)
    else:
        yield path


def write_private(path, data):
    """Create ``path`` with mode 0600 whatever the umask (the evidence directory is 0700)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def build_archive(directory, paths, extra_members=None):
    """Archive the files (directories walked) into ``directory/evidence.tar.gz``, read-only on the originals.

    Returns ``(members, missing)``: each member ``{path, member, sha256, size, changed_during_capture}``, where
    the hash is the one of the bytes archived and ``changed_during_capture`` says the original's hash differed
    before and after (a log being written to). ``extra_members`` maps member names to bytes (journald export).
    """
    members, missing = [], []
    descriptor = os.open(os.path.join(directory, ARCHIVE), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for given in paths:
            if not os.path.exists(given):
                missing.append(given)
                continue
            for path in _files_under(given):
                before = sha256_file(path)
                with open(path, "rb") as handle:
                    data = handle.read()
                info = archive.gettarinfo(path, arcname="files" + os.path.abspath(path))
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                archived = hashlib.sha256(data).hexdigest()
                members.append({"path": path, "member": info.name, "sha256": archived, "size": len(data),
                                "changed_during_capture": before != archived or sha256_file(path) != archived})
        for name, data in sorted((extra_members or {}).items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
            members.append({"path": None, "member": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                            "changed_during_capture": False})
    return members, missing


def manifest_text(entries):
    """``{name: sha256}`` -> sha256sum text (two spaces, sorted)."""
    return "".join("%s  %s\n" % (digest, name) for name, digest in sorted(entries.items()))


def read_manifest(text):
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64:
            raise ValueError("manifest line %d is not '<sha256>  <name>': %r" % (number, line))
        entries[name] = digest
    return entries


def verify_directory(directory):
    """Recompute every hash of an evidence directory -> ``{ok, checked, mismatches}``.

    Checks the files named in the manifest (archive, custody record, core dumps), then, when the archive and the
    custody record are intact, every archive member against the custody record's member hashes.
    """
    with open(os.path.join(directory, MANIFEST)) as handle:
        entries = read_manifest(handle.read())
    mismatches, checked = [], 0
    for name, digest in sorted(entries.items()):
        path = os.path.join(directory, name)
        actual = sha256_file(path) if os.path.isfile(path) else None
        checked += 1
        if actual != digest:
            mismatches.append({"name": name, "expected": digest, "actual": actual})
    with open(os.path.join(directory, CUSTODY)) as handle:
        custody = json.load(handle)
    expected_members = dict((m["member"], m["sha256"]) for m in custody.get("members", []))
    if not mismatches and os.path.isfile(os.path.join(directory, ARCHIVE)):
        with tarfile.open(os.path.join(directory, ARCHIVE), "r:gz") as archive:
            for info in archive.getmembers():
                checked += 1
                actual = hashlib.sha256(archive.extractfile(info).read()).hexdigest() if info.isfile() else None
                if expected_members.get(info.name) != actual:
                    mismatches.append({"name": "%s:%s" % (ARCHIVE, info.name), "expected": expected_members.get(info.name), "actual": actual})
    return {"ok": not mismatches, "checked": checked, "mismatches": mismatches}
