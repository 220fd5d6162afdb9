# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/localnet itself: idempotent up, clear errors that leave nothing started, no rule survives down."""

import json
import socket
import subprocess

import pytest

from conftest import Localnet, wait_until


def _rules():
    return subprocess.run(["iptables", "-S"], capture_output=True, text=True, check=True).stdout


def _supervisord_running(directory):
    return subprocess.run(["pgrep", "-f", "supervisord -c %s" % (directory / "supervisord.conf")], capture_output=True, check=False).returncode == 0


def test_up_is_idempotent_and_keeps_the_chain(localnet):
    before = localnet.status()
    ids_before = json.loads(localnet.run("status", "--json").stdout)
    second = localnet.run("up")
    assert "generating" not in second.stdout
    after = localnet.status()
    assert [n["node"] for n in after["nodes"]] == ["validator1", "validator2", "validator3", "validator4", "fullnode1"]
    assert all(n["process"] == "RUNNING" for n in after["nodes"])
    assert after["nodes"][0]["height"] >= before["nodes"][0]["height"], "the chain was not regenerated"
    assert [n["address"] for n in after["nodes"]] == [n["address"] for n in ids_before["nodes"]]
    assert [n["address"] for n in after["nodes"]] == ["127.0.1.%d" % i for i in range(1, 6)]


def test_status_table_has_the_columns(localnet):
    table = localnet.run("status").stdout.splitlines()
    assert table[0].split() == ["node", "address", "height", "block", "age", "peers", "running"]
    assert len(table) >= 6 and all("RUNNING" in line for line in table[1:6])


def test_taken_port_is_a_clear_error_and_nothing_starts(tmp_path):
    net = Localnet(tmp_path / "net")
    with socket.socket() as holder:
        holder.bind(("127.0.3.2", 26657))
        holder.listen()
        result = net.run("up", "--base-ip", "127.0.3.1", check=False)
    assert result.returncode == 1
    assert "127.0.3.2:26657" in result.stderr and "not free" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "net" / "network.json").exists()
    assert not _supervisord_running(tmp_path / "net")


def test_missing_binary_is_a_clear_error(tmp_path):
    result = Localnet(tmp_path / "net").run("up", "--binary", "/nonexistent/cometbft", check=False)
    assert result.returncode == 1 and "/nonexistent/cometbft is not an executable file" in result.stderr


@pytest.mark.slow
def test_seven_unequal_validators_partition_down_and_broken_config(tmp_path, module_run):
    directory = tmp_path / "net7"
    net = Localnet(directory)
    powers = [50, 40, 30, 20, 10, 10, 10]
    try:
        net.run("up", "--validators", "7", "--powers", ",".join(map(str, powers)), "--base-ip", "127.0.4.1")
        net.wait_blocks("validator1", 2)
        endpoints = [{"name": n["node"], "url": "http://%s:26657" % n["address"]} for n in net.status()["nodes"]]
        consensus = module_run("consensus_state", {"endpoints": endpoints})
        assert consensus["total_power"] == 170
        by_host = dict((v["host"], v["voting_power"]) for v in consensus["validators"])
        assert by_host == dict(("validator%d" % (i + 1), p) for i, p in enumerate(powers))
        assert [v["voting_power"] for v in consensus["validators"]] == sorted(powers, reverse=True), "validator index order is power order"

        net.run("partition", "validator1", "validator2,validator3,validator4,validator5,validator6,validator7,fullnode1")
        assert net.run("status").stdout.count("partition active") == 1
        assert "VE_LN_" in _rules()
        net.run("down")
        assert "VE_LN_" not in _rules(), "a partition rule survived down"
        wait_until("supervisord to exit", lambda: not _supervisord_running(directory), 30)

        config = directory / "validator2" / "config" / "config.toml"
        config.write_text(config.read_text() + "\n[broken\n")
        result = net.run("up", check=False)
        assert result.returncode == 1 and "broken config %s" % config in result.stderr
        assert not _supervisord_running(directory), "nothing may start with a broken config"
    finally:
        net.run("reset", check=False)
    assert "VE_LN_" not in _rules()
