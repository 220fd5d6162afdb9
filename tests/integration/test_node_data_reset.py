# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_data_reset with the real cometbft binary on a real node home (cometbft init), in-process.

The home is never started, so the test can hold its database lock itself to play the running node.
"""

import fcntl
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import INVENTORY
from ansible_collections.virtengine.incident_response.plugins.modules import node_data_reset

STATE = {"height": "4120", "round": 0, "step": 3, "signature": "c2ln", "signbytes": "AA"}


@pytest.fixture
def cometbft(localnet):
    """The binary scripts/localnet built (go install of the pinned version)."""
    return json.loads(INVENTORY.read_text().split("\n", 1)[1])["all"]["children"]["chain_nodes"]["vars"]["node_binary"]


@pytest.fixture
def home(tmp_path, cometbft):
    node = tmp_path / "node"
    subprocess.run([cometbft, "init", "--home", str(node)], check=True, capture_output=True)
    (node / "data" / "blockstore.db").mkdir()
    (node / "data" / "blockstore.db" / "000001.ldb").write_bytes(b"block" * 1000)
    (node / "data" / "blockstore.db" / "LOCK").write_text("")
    (node / "data" / "priv_validator_state.json").write_text(json.dumps(STATE))
    (node / "config" / "addrbook.json").write_text('{"key": "x", "addrs": []}')
    return node


def _args(home, cometbft, **extra):
    return dict({"home": str(home), "what": "data", "binary": cometbft, "command": ["unsafe-reset-all"]}, **extra)


def _archive(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_data_reset_empties_the_data_and_puts_the_signing_state_back(home, cometbft, run_module):
    state_before = (home / "data" / "priv_validator_state.json").read_bytes()
    result = run_module(node_data_reset, _args(home, cometbft))
    assert result["changed"] and result["signing_state_restored"] is True
    assert result["signing_state_after"] == result["signing_state_before"] == {"height": 4120, "round": 0, "step": 3}
    assert (home / "data" / "priv_validator_state.json").read_bytes() == state_before
    assert not (home / "data" / "blockstore.db").exists(), "unsafe-reset-all ran for real"
    assert (home / "config" / "addrbook.json").exists(), "keep_addr_book defaults to true"
    assert result["removed_bytes"] >= 5000


def test_an_operator_may_allow_the_reset_signing_state(home, cometbft, run_module):
    result = run_module(node_data_reset, _args(home, cometbft, allow_signing_state_reset=True))
    assert result["signing_state_restored"] is False and result["signing_state_after"]["height"] == 0


def test_a_running_node_is_refused_and_nothing_is_touched(home, cometbft, run_module):
    with open(home / "data" / "blockstore.db" / "LOCK", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_module(node_data_reset, _args(home, cometbft))
    assert result["failed"] and "is running" in result["msg"]
    assert (home / "data" / "blockstore.db" / "000001.ldb").exists() and not (home / "backups").exists()


def test_check_mode_and_a_space_shortfall_change_nothing(home, cometbft, run_module):
    checked = run_module(node_data_reset, _args(home, cometbft, _ansible_check_mode=True))
    assert checked["changed"] and (home / "data" / "blockstore.db").exists() and not (home / "backups").exists()
    short = run_module(node_data_reset, _args(home, cometbft, min_free_bytes=1 << 60))
    assert short["failed"] and "not enough space" in short["msg"] and "nothing was deleted" in short["msg"]
    assert (home / "data" / "blockstore.db").exists()


def test_the_address_book_is_kept_in_the_backup_and_removed(home, cometbft, run_module):
    result = run_module(node_data_reset, {"home": str(home), "what": "addrbook"})
    assert result["changed"] and not (home / "config" / "addrbook.json").exists()
    assert (home / "data" / "blockstore.db").exists()
    assert (Path(result["backup_path"]) / "addrbook.json").read_text() == '{"key": "x", "addrs": []}'
    assert run_module(node_data_reset, {"home": str(home), "what": "addrbook"})["changed"] is False


def test_a_snapshot_is_checked_before_anything_is_deleted(home, cometbft, run_module, tmp_path):
    good = tmp_path / "good.tar.gz"
    digest = _archive(good, {"blockstore.db/000009.ldb": b"restored", "cs.wal/wal": b"theirs", "priv_validator_state.json": b"{}"})
    wrong = run_module(node_data_reset, _args(home, cometbft, what="snapshot", snapshot_path=str(good), snapshot_sha256="0" * 64))
    assert wrong["failed"] and digest in wrong["msg"] and "nothing was deleted" in wrong["msg"]
    for name, members in (("escape.tar.gz", {"../outside": b"x"}), ("keys.tar.gz", {"data/x": b"1", "config/priv_validator_key.json": b"k"})):
        bad = tmp_path / name
        refused = run_module(node_data_reset, _args(home, cometbft, what="snapshot", snapshot_path=str(bad), snapshot_sha256=_archive(bad, members)))
        assert refused["failed"] and "nothing was deleted" in refused["msg"], refused["msg"]
    assert (home / "data" / "blockstore.db" / "000001.ldb").exists()

    state_before = (home / "data" / "priv_validator_state.json").read_bytes()
    restored = run_module(node_data_reset, _args(home, cometbft, what="snapshot", snapshot_path=str(good), snapshot_sha256=digest))
    assert restored["changed"] and restored["snapshot"]["sha256"] == digest
    assert (home / "data" / "blockstore.db" / "000009.ldb").read_bytes() == b"restored"
    assert not (home / "data" / "blockstore.db" / "000001.ldb").exists()
    assert sorted(restored["snapshot"]["skipped"]) == ["cs.wal/wal", "priv_validator_state.json"]
    assert (home / "data" / "priv_validator_state.json").read_bytes() == state_before


CASE10 = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "cases" / "10-snapshot-archive-layouts"


def _case10_archive(path, members_file, compress):
    """Issue 12 case 10's member list packed for real, compressed by the real lz4/zstd command; returns its SHA-256."""
    plain = path.with_suffix("")
    with tarfile.open(plain, "w") as tar:
        for line in (CASE10 / members_file).read_text().splitlines():
            if line and not line.startswith("#") and not line.endswith("/"):
                content = (CASE10 / "archive_priv_validator_state.json").read_bytes() if line.endswith("priv_validator_state.json") else b"x"
                info = tarfile.TarInfo(line)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    subprocess.run(compress(str(plain), str(path)), check=True, capture_output=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_case10_provider_snapshots_with_wasm_and_a_foreign_signing_state(home, cometbft, run_module, tmp_path):
    """10a: data/ + wasm/ (.tar.lz4) replaces <home>/wasm; 10b: data-only (.tar.zst) carrying another node's state."""
    (home / "data" / "priv_validator_state.json").write_bytes((CASE10 / "local_priv_validator_state.json").read_bytes())
    (home / "wasm" / "wasm" / "state").mkdir(parents=True)
    (home / "wasm" / "wasm" / "state" / "stale-contract").write_bytes(b"old")
    local = (home / "data" / "priv_validator_state.json").read_bytes()

    home_level = tmp_path / "provider.tar.lz4"
    digest = _case10_archive(home_level, "members_home_data_plus_wasm.txt", lambda src, dst: ["lz4", "-q", "-f", src, dst])
    restored = run_module(node_data_reset, _args(home, cometbft, what="snapshot", snapshot_path=str(home_level), snapshot_sha256=digest))
    assert restored["changed"], restored.get("msg")
    assert (restored["snapshot"]["layout"], restored["snapshot"]["roots"]) == ("home", ["data", "wasm"])
    assert (home / "data" / "application.db" / "MANIFEST-000120").is_file()
    assert (home / "wasm" / "wasm" / "cache" / "modules" / "v9-wasmer17").is_dir()
    assert not (home / "wasm" / "wasm" / "state" / "stale-contract").exists()
    assert (home / "config" / "priv_validator_key.json").exists()
    assert (home / "data" / "priv_validator_state.json").read_bytes() == local

    data_only = tmp_path / "provider-data.tar.zst"
    digest = _case10_archive(data_only, "members_data_with_stale_signing_state.txt", lambda src, dst: ["zstd", "-q", "-f", src, "-o", dst])
    restored = run_module(node_data_reset, _args(home, cometbft, what="snapshot", snapshot_path=str(data_only), snapshot_sha256=digest))
    assert restored["changed"], restored.get("msg")
    assert sorted(restored["snapshot"]["skipped"]) == ["data/cs.wal/wal", "data/priv_validator_state.json"]
    assert restored["signing_state_after"] == {"height": 8647536, "round": 41, "step": 2}
    assert (home / "data" / "priv_validator_state.json").read_bytes() == local
    assert (home / "wasm" / "wasm" / "cache").is_dir(), "a data-only archive leaves wasm/ alone"
