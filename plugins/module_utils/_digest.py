# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one SHA-256 of a file (evidence manifests, snapshot checksums)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib


def sha256_file(path):
    """Hex SHA-256 of a file, read in 1 MiB blocks (snapshots and core dumps can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
