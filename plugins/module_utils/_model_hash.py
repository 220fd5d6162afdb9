# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three directory hashes of a VEID model that VirtEngine's code uses (virtengine-wave2.md A4).

The chain never hashes files: ``sha256_hash`` of a registered model is an opaque 64-hex string, and which of these
recipes produced it is a governance convention. Every recipe walks the directory (files only), sorts by full path as
Go's ``sort.Strings`` does (byte order, which is code-point order for UTF-8), and returns lowercase hex:

- ``content`` (``pkg/inference/model_loader.go``): SHA-256 of the file bytes one after another, skipping only
  ``export_metadata.json``. What the inference sidecar checks ``--expected-hash`` and ``export_metadata.json``'s
  ``model_hash`` against; equal to ``find DIR -type f ! -name export_metadata.json | LC_ALL=C sort | xargs cat | sha256sum``.
- ``path_content`` (``x/veid/keeper/model_hash_governance.go``, ``ml/training/train_ci.py``): for each file its path
  relative to the directory (``/`` separators) then its bytes, skipping ``export_metadata.json``, ``MODEL_HASH.txt``
  and ``manifest.json``.
- ``digest_of_digests`` (``scripts/compute_model_hash.go``, what ``tx veid register-model`` points to): SHA-256 of the
  concatenated lowercase hex SHA-256 of each model file (extensions pb, h5, tflite, onnx, savedmodel, pt, pth, bin,
  safetensors) whose base name contains none of readme, license, changelog, manifest, checksum, metadata. For a
  SavedModel this leaves out ``variables/*`` and ``keras_metadata.pb``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file

RECIPES = ("content", "path_content", "digest_of_digests")
_SKIP = {
    "content": ("export_metadata.json",),
    "path_content": ("export_metadata.json", "MODEL_HASH.txt", "manifest.json"),
}
MODEL_EXTENSIONS = ("pb", "h5", "tflite", "onnx", "savedmodel", "pt", "pth", "bin", "safetensors")
NOT_MODEL_WORDS = ("readme", "license", "changelog", "manifest", "checksum", "metadata")
_BLOCK = 1 << 20


class ModelHashError(ValueError):
    """The directory cannot be hashed (missing, not a directory, unreadable entry); the message names the path."""


def _files(directory):
    """Full paths of every non-directory entry under ``directory``, sorted as Go's sort.Strings sorts them."""
    if not os.path.isdir(directory):
        raise ModelHashError("%s is not a directory (missing model directory?)" % directory)
    found = []

    def walk_error(error):
        raise ModelHashError("cannot read %s: %s" % (error.filename, error.strerror))

    for root, dirs, files in os.walk(directory, onerror=walk_error):
        # filepath.Walk does not descend into symlinked directories and would then fail to read them as files.
        for name in dirs:
            if os.path.islink(os.path.join(root, name)):
                raise ModelHashError("%s is a symbolic link to a directory; the VirtEngine loaders cannot read it" % os.path.join(root, name))
        found.extend(os.path.join(root, name) for name in files)
    return sorted(found)


def _feed(digest, path):
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
    except (IOError, OSError) as error:
        raise ModelHashError("cannot read %s: %s" % (path, error.strerror or error))


def is_model_file(name):
    """``digest_of_digests``'s choice of files, by base name."""
    lower = name.lower()
    extension = lower.rsplit(".", 1)[-1] if "." in lower else ""
    return extension in MODEL_EXTENSIONS and not any(word in lower for word in NOT_MODEL_WORDS)


def hash_directory(directory, recipe):
    """``(hex digest, [relative paths hashed])`` of ``directory`` by ``recipe`` (one of RECIPES); ModelHashError."""
    if recipe not in RECIPES:
        raise ModelHashError("recipe %r is not one of %s" % (recipe, ", ".join(RECIPES)))
    directory = os.path.abspath(directory)
    paths = _files(directory)
    digest = hashlib.sha256()
    used = []
    for path in paths:
        name = os.path.basename(path)
        relative = os.path.relpath(path, directory).replace(os.sep, "/")
        if recipe == "digest_of_digests":
            if not is_model_file(name):
                continue
            try:
                digest.update(sha256_file(path).encode("ascii"))
            except (IOError, OSError) as error:
                raise ModelHashError("cannot read %s: %s" % (path, error.strerror or error))
        else:
            if name in _SKIP[recipe]:
                continue
            if recipe == "path_content":
                digest.update(relative.encode("utf-8"))
            _feed(digest, path)
        used.append(relative)
    return digest.hexdigest(), used


def export_metadata(directory):
    """``export_metadata.json`` as the sidecar's loader reads it: the parent directory's first, then the directory's.

    Returns ``{"path", "model_hash", "version", "error"}``, or None when neither file exists.
    """
    directory = os.path.abspath(directory)
    for candidate in (os.path.join(os.path.dirname(directory), "export_metadata.json"), os.path.join(directory, "export_metadata.json")):
        if os.path.isfile(candidate):
            try:
                with open(candidate) as handle:
                    document = json.load(handle)
                if not isinstance(document, dict):
                    raise ValueError("not a JSON object")
            except (IOError, OSError, ValueError) as error:
                return {"path": candidate, "model_hash": None, "version": None, "error": "cannot read %s: %s" % (candidate, error)}
            return {"path": candidate, "model_hash": document.get("model_hash"), "version": document.get("version"), "error": None}
    return None
