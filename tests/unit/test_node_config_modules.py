# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cometbft_config (on a copy of a real config.toml), node_storage, and p2p_reachability on real sockets."""

import os
import shutil
import socket
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._toml_sections import parse, set_values
from ansible_collections.virtengine.incident_response.plugins.modules import cometbft_config, node_storage, p2p_reachability

CONFIG = Path(__file__).parent / "fixtures" / "config" / "config.toml"


@pytest.fixture
def home(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "data").mkdir()
    shutil.copy(CONFIG, tmp_path / "config" / "config.toml")
    return tmp_path


def test_set_values_changes_only_the_named_lines():
    text = CONFIG.read_text()
    edited, changed = set_values(text, {"statesync": {"enable": True, "trust_height": 4200, "rpc_servers": ["http://a:26657", "http://b:26657"]}})
    assert changed == [("statesync", "enable"), ("statesync", "trust_height"), ("statesync", "rpc_servers")]
    before, after = text.splitlines(), edited.splitlines()
    assert len(before) == len(after) and sum(1 for a, b in zip(before, after) if a != b) == 3
    document = parse(edited)
    assert document["statesync"]["enable"] is True and document["statesync"]["rpc_servers"] == "http://a:26657,http://b:26657"
    assert document["p2p"] == parse(text)["p2p"]
    assert set_values(edited, {"statesync": {"enable": True}})[1] == []


def test_set_values_adds_missing_keys_and_sections():
    edited, changed = set_values(CONFIG.read_text(), {"p2p": {"brand_new": "x"}, "extra_section": {"key": 1}})
    document = parse(edited)
    assert document["p2p"]["brand_new"] == "x" and document["extra_section"] == {"key": 1}
    assert changed == [("p2p", "brand_new"), ("extra_section", "key")]


def test_reading_changes_nothing(home, run_module):
    before = (home / "config" / "config.toml").read_bytes()
    result = run_module(cometbft_config, {"home": str(home), "sections": ["p2p"]})
    assert result["changed"] is False and result["config"]["p2p"]["pex"] is True
    assert (home / "config" / "config.toml").read_bytes() == before and len(os.listdir(home / "config")) == 1


def test_check_mode_shows_the_diff_without_writing(home, run_module):
    before = (home / "config" / "config.toml").read_bytes()
    result = run_module(cometbft_config, {"home": str(home), "settings": {"p2p": {"seeds": "x@1.2.3.4:26656"}},
                                          "_ansible_check_mode": True, "_ansible_diff": True})
    assert result["changed"] is True and result["changed_keys"] == ["p2p.seeds"]
    assert 'seeds = "x@1.2.3.4:26656"' in result["diff"]["after"]
    assert (home / "config" / "config.toml").read_bytes() == before


def test_writing_keeps_a_backup_and_is_idempotent(home, run_module):
    settings = {"p2p": {"persistent_peers": "a" * 40 + "@127.0.0.1:26656"}}
    first = run_module(cometbft_config, {"home": str(home), "settings": settings})
    assert first["changed"] is True and Path(first["backup_file"]).read_bytes() == CONFIG.read_bytes()
    assert parse((home / "config" / "config.toml").read_text())["p2p"]["persistent_peers"] == settings["p2p"]["persistent_peers"]
    assert run_module(cometbft_config, {"home": str(home), "settings": settings})["changed"] is False


def test_a_home_without_config_is_a_clear_error(tmp_path, run_module):
    result = run_module(cometbft_config, {"home": str(tmp_path / "nowhere")})
    assert result["failed"] and "nowhere" in result["msg"] and "--home" in result["msg"]


def test_node_storage_measures_the_data_directory(home, run_module):
    (home / "data" / "blockstore.db").mkdir()
    (home / "data" / "blockstore.db" / "000001.ldb").write_bytes(b"x" * 4096)
    result = run_module(node_storage, {"home": str(home)})
    assert result["data_bytes"] == 4096 and result["exists"] is True
    assert 0 < result["free_bytes"] <= result["total_bytes"] and 0 < result["free_percent"] <= 100


def test_targets_are_parsed_or_named_in_the_error():
    assert p2p_reachability.parse_target("id@127.0.1.2:26656")["address"] == "127.0.1.2:26656"
    assert p2p_reachability.parse_target({"name": "v2", "address": "tcp://127.0.1.2:26656"})["name"] == "v2"
    with pytest.raises(ValueError, match="127.0.1.2"):
        p2p_reachability.parse_target("127.0.1.2")


def test_an_open_port_answers_and_a_closed_one_is_refused(run_module, refused_url):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        open_address = "127.0.0.1:%d" % listener.getsockname()[1]
        closed_address = refused_url.split("://")[1]
        result = run_module(p2p_reachability, {"targets": [{"name": "open", "address": open_address}, closed_address], "route": "none"})
    assert [r["reachable"] for r in result["results"]] == [True, False]
    assert result["results"][1]["error"] == "connection refused" and result["unreachable"] == [closed_address]
    assert result["changed"] is False


def test_probing_as_another_group_runs_in_a_child_with_that_group(run_module):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        address = "127.0.0.1:%d" % listener.getsockname()[1]
        outcome = p2p_reachability.connect_all_as(4242, [p2p_reachability.parse_target(address)], 2)
    assert outcome[0]["reachable"] is True
    assert os.getgid() != 4242, "the module's own process keeps its group"
