# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot archives in the layouts and formats providers publish, built for real in each test.

The member lists of issue 12's case 10 (tests/unit/fixtures/cases/10-snapshot-archive-layouts/) are packed with
tarfile and compressed by the real lz4 and zstd commands (Debian packages lz4, zstd), then inspected and extracted.
"""

import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._snapshot_archive import SnapshotError, extract, inspect

CASE = Path(__file__).parent / "fixtures" / "cases" / "10-snapshot-archive-layouts"


def case_members(name):
    """The case's member list -> {name: content or None for a directory}; the archive's signing state is the case's."""
    members = {}
    for line in (CASE / name).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.endswith("/"):
            members[line] = None
        elif line.endswith("priv_validator_state.json"):
            members[line] = (CASE / "archive_priv_validator_state.json").read_bytes()
        else:
            members[line] = ("content of %s" % line).encode()
    return members


def build(path, members, special=None):
    """A real archive at ``path`` (format from its suffix): files, directories and ``special`` TarInfo members."""
    tar_path = path.with_name(path.name.split(".tar")[0] + ".tar") if ".tar." in path.name else path
    with tarfile.open(tar_path, "w") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name.rstrip("/"))
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        for info in special or []:
            tar.addfile(info)
    suffix = path.name.split(".tar")[-1]
    if suffix == ".gz":
        with open(path, "wb") as out:
            subprocess.run(["gzip", "-c", str(tar_path)], check=True, stdout=out)
    elif suffix == ".lz4":
        subprocess.run(["lz4", "-q", "-f", str(tar_path), str(path)], check=True)
    elif suffix == ".zst":
        subprocess.run(["zstd", "-q", "-f", str(tar_path), "-o", str(path)], check=True)
    return path


def state(home):
    return json.loads((home / "data" / "priv_validator_state.json").read_text())


@pytest.fixture
def home(tmp_path):
    node = tmp_path / "home"
    (node / "data").mkdir(parents=True)
    (node / "config").mkdir()
    shutil.copy(CASE / "local_priv_validator_state.json", node / "data" / "priv_validator_state.json")
    return node


@pytest.mark.parametrize("suffix", [".tar.lz4", ".tar.zst", ".tar.gz"])
def test_case10a_home_level_archive_with_wasm(tmp_path, home, suffix):
    archive = build(tmp_path / ("snapshot" + suffix), case_members("members_home_data_plus_wasm.txt"))
    facts = inspect(str(archive))
    assert (facts["layout"], facts["roots"], facts["prefixed"]) == ("home", ["data", "wasm"], True)
    skipped = extract(str(archive), str(home), facts["prefixed"])
    assert skipped == []
    assert (home / "data" / "application.db" / "MANIFEST-000120").is_file()
    assert (home / "wasm" / "wasm" / "cache" / "modules" / "v9-wasmer17").is_dir()
    assert not (home / "data" / "wasm").exists()
    assert state(home)["height"] == "8647536"


def test_case10b_data_only_archive_never_brings_its_signing_state_or_wal(tmp_path, home):
    archive = build(tmp_path / "snapshot.tar.gz", case_members("members_data_with_stale_signing_state.txt"))
    facts = inspect(str(archive))
    assert (facts["layout"], facts["roots"]) == ("home", ["data"])
    skipped = extract(str(archive), str(home), facts["prefixed"])
    assert sorted(skipped) == ["data/cs.wal", "data/cs.wal/wal", "data/priv_validator_state.json"]
    assert (state(home)["height"], state(home)["round"], state(home)["step"]) == ("8647536", 41, 2)
    assert not (home / "data" / "cs.wal").exists() and (home / "data" / "state.db" / "CURRENT").is_file()


def test_archive_of_the_data_directorys_contents(tmp_path, home):
    """``tar -C ~/.node/data .``: ./-prefixed members, a wasm/ among the databases belongs to data/."""
    members = {"./": None, "./application.db/": None, "./application.db/CURRENT": b"a", "./wasm/": None,
               "./wasm/state/x": b"w", "./priv_validator_state.json": b"{}", "./cs.wal/wal": b"theirs"}
    archive = build(tmp_path / "contents.tar.zst", members)
    facts = inspect(str(archive))
    assert (facts["layout"], facts["prefixed"]) == ("data_contents", False)
    assert sorted(extract(str(archive), str(home), False)) == ["./cs.wal/wal", "./priv_validator_state.json"]
    assert (home / "data" / "wasm" / "state" / "x").read_bytes() == b"w"
    assert state(home)["height"] == "8647536"


def special(name, kind, **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info


@pytest.mark.parametrize("members, extra, message", [
    ({"data/x": b"1", "config/config.toml": b"c"}, [], "config/"),
    ({"data/x": b"1", "cosmovisor/current": b"c"}, [], "cosmovisor/"),
    ({"config/app.toml": b"c"}, [], "not a node data snapshot"),
    ({"wasm/wasm/state/x": b"w"}, [], "not a node data snapshot"),
    ({"data/x": b"1", "data/priv_validator_key.json": b"k"}, [], "key files"),
    ({"application.db/CURRENT": b"1", "node_key.json": b"k"}, [], "key files"),
    ({"data/x": b"1", "keyring-file/a.info": b"k"}, [], "key files"),
    ({"../outside": b"x"}, [], "outside"),
    ({"data/x": b"1"}, [special("/etc/cron.d/x", tarfile.REGTYPE)], "outside"),
    ({"data/x": b"1"}, [special("data/link", tarfile.SYMTYPE, linkname="/etc/passwd")], "link"),
    ({"data/x": b"1"}, [special("data/hard", tarfile.LNKTYPE, linkname="data/x")], "link"),
    ({"data/x": b"1"}, [special("data/null", tarfile.CHRTYPE, devmajor=1, devminor=3)], "device"),
    ({"data/x": b"1"}, [special("data/pipe", tarfile.FIFOTYPE)], "device or special file"),
])
def test_refused_before_anything_is_extracted(tmp_path, members, extra, message):
    archive = build(tmp_path / "bad.tar.lz4", members, extra)
    with pytest.raises(SnapshotError, match=message):
        inspect(str(archive))


def test_unknown_suffix_and_a_missing_decompressor(tmp_path):
    with pytest.raises(SnapshotError, match="unknown archive type.*tar.zst"):
        inspect(str(tmp_path / "snapshot.zip"))
    archive = build(tmp_path / "snapshot.tar.zst", {"data/x": b"1"})
    with pytest.raises(SnapshotError, match="needs the no-such-zstd command.*Debian package zstd"):
        inspect(str(archive), {"zstd": "no-such-zstd"})
    broken = tmp_path / "broken.tar.lz4"
    broken.write_bytes(b"not lz4 at all")
    with pytest.raises(SnapshotError, match="lz4"):
        inspect(str(broken))
