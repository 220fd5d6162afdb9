# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evidence manifest format and member verification (module_utils/_evidence.py)."""

import json

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._digest import sha256_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._evidence import (
    build_archive,
    manifest_text,
    read_manifest,
    verify_directory,
    write_private,
)


def test_manifest_round_trip_and_bad_line():
    entries = {"b": "1" * 64, "a": "2" * 64}
    assert manifest_text(entries) == "%s  a\n%s  b\n" % ("2" * 64, "1" * 64)
    assert read_manifest(manifest_text(entries)) == entries
    with pytest.raises(ValueError, match="line 1"):
        read_manifest("deadbeef a\n")


def test_member_changed_inside_an_archive_with_a_consistent_manifest(tmp_path):
    """Someone rebuilds the archive and its manifest line, but the custody record still holds the first hashes."""
    original = tmp_path / "node.log"
    original.write_text("height=1\n")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    members, missing = build_archive(str(evidence), [str(original)])
    assert missing == [] and members[0]["changed_during_capture"] is False
    write_private(str(evidence / "custody.json"), json.dumps({"members": members}).encode())
    original.write_text("height=2\n")
    (evidence / "evidence.tar.gz").unlink()
    build_archive(str(evidence), [str(original)])
    manifest = {"evidence.tar.gz": sha256_file(str(evidence / "evidence.tar.gz")), "custody.json": sha256_file(str(evidence / "custody.json"))}
    (evidence / "manifest.sha256").write_text(manifest_text(manifest))
    result = verify_directory(str(evidence))
    assert result["ok"] is False
    assert [m["name"] for m in result["mismatches"]] == ["evidence.tar.gz:files%s" % original]
