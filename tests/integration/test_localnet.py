# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/localnet itself: idempotent up, clear errors that leave nothing started, no rule survives down."""

import hashlib
import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import BASE_IP, LOCALNET, Localnet, spare_ip, wait_until


def _rules():
    return subprocess.run(["iptables", "-S"], capture_output=True, text=True, check=True).stdout


def _supervisord_running(directory):
    return any("supervisord" in command for command in _processes_of(directory).values())


def _processes_of(directory):
    """{pid: command line} of every live process whose command line names a path inside ``directory``: the network's
    supervisord (-c DIR/supervisord.conf) and nodes (--home DIR/NODE); never another checkout's."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if any(arg.startswith("%s/" % directory) for arg in argv):
                found[int(entry.name)] = " ".join(argv).strip()
    return found


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
    prefix, first = BASE_IP.rsplit(".", 1)
    assert [n["address"] for n in after["nodes"]] == ["%s.%d" % (prefix, int(first) + i) for i in range(5)]


def test_status_table_has_the_columns(localnet):
    table = localnet.run("status").stdout.splitlines()
    assert table[0].split() == ["node", "address", "height", "block", "age", "peers", "running"]
    assert len(table) >= 6 and all("RUNNING" in line for line in table[1:6])


def test_taken_port_is_a_clear_error_and_nothing_starts(tmp_path):
    net = Localnet(tmp_path / "net")
    base, taken = spare_ip(40), spare_ip(41)
    with socket.socket() as holder:
        holder.bind((taken, 26657))
        holder.listen()
        result = net.run("up", "--base-ip", base, check=False)
    assert result.returncode == 1
    assert "%s:26657" % taken in result.stderr and "not free" in result.stderr
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
    # This network's own iptables chain: the shared network's tests may partition theirs meanwhile (pytest -n 2).
    chain = "VE_LN_" + hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:8]
    powers = [50, 40, 30, 20, 10, 10, 10]
    try:
        net.run("up", "--validators", "7", "--powers", ",".join(map(str, powers)), "--base-ip", spare_ip(20))
        net.wait_blocks("validator1", 2)
        endpoints = [{"name": n["node"], "url": "http://%s:26657" % n["address"]} for n in net.status()["nodes"]]
        consensus = module_run("consensus_state", {"endpoints": endpoints})
        assert consensus["total_power"] == 170
        by_host = dict((v["host"], v["voting_power"]) for v in consensus["validators"])
        assert by_host == dict(("validator%d" % (i + 1), p) for i, p in enumerate(powers))
        assert [v["voting_power"] for v in consensus["validators"]] == sorted(powers, reverse=True), "validator index order is power order"

        net.run("partition", "validator1", "validator2,validator3,validator4,validator5,validator6,validator7,fullnode1")
        assert net.run("status").stdout.count("partition active") == 1
        assert chain in _rules()
        net.run("down")
        assert chain not in _rules(), "a partition rule survived down"
        wait_until("supervisord to exit", lambda: not _supervisord_running(directory), 30)

        config = directory / "validator2" / "config" / "config.toml"
        config.write_text(config.read_text() + "\n[broken\n")
        result = net.run("up", check=False)
        assert result.returncode == 1 and "broken config %s" % config in result.stderr
        assert not _supervisord_running(directory), "nothing may start with a broken config"
    finally:
        net.run("reset", check=False)
    assert chain not in _rules()


@pytest.mark.slow
def test_failed_or_killed_starts_leave_nothing_behind_and_the_next_up_works(tmp_path):
    """reset, up, then three ways a start goes wrong; after each, nothing of the network runs and the next up works."""
    directory = tmp_path / "lifecycle"
    net = Localnet(directory)
    sock = directory / "supervisor.sock"
    up = ("up", "--full-nodes", "0", "--base-ip", spare_ip(80))
    stale = None

    def nothing_left(after):
        assert _processes_of(directory) == {}, "left running after %s" % after
        assert not sock.exists(), "supervisord's socket left after %s" % after

    def one_network_up():
        supervisords = [pid for pid, command in _processes_of(directory).items() if "supervisord" in command]
        assert supervisords == [int((directory / "localnet-supervisord.pid").read_text())], "exactly the supervisord it started"
        assert [n["process"] for n in net.status()["nodes"]] == ["RUNNING"] * 4
        net.wait_blocks("validator1", 2)
        return supervisords[0]

    try:
        net.run("reset")
        net.run(*up)
        one_network_up()
        net.run("down")
        nothing_left("down")

        # A node that cannot start: the run fails naming it, and stops the supervisord and the nodes it started.
        key = directory / "validator2" / "config" / "priv_validator_key.json"
        good_key = key.read_text()
        key.write_text("{not json")
        failed = net.run(*up, check=False)
        key.write_text(good_key)
        assert failed.returncode == 1 and "failed to start: validator2" in failed.stderr, failed.stdout + failed.stderr
        assert "Traceback" not in failed.stderr
        nothing_left("a node failed to start")

        # The command itself killed (SIGTERM, as a test's or CI's timeout does) while it waits for the network.
        starting = subprocess.Popen(LOCALNET + ["--dir", str(directory)] + list(up), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Caught in the middle: once its first node runs, stopped there, then told to terminate.
            wait_until("a first node to be started", lambda: any("cometbft" in c for c in _processes_of(directory).values()), 300, interval=0.1)
            starting.send_signal(signal.SIGSTOP)
            starting.send_signal(signal.SIGTERM)
            starting.send_signal(signal.SIGCONT)
            out, err = starting.communicate(timeout=600)
        finally:
            if starting.poll() is None:
                starting.kill()
        assert starting.returncode == 130 and "interrupted" in err, out + err
        nothing_left("the start was interrupted")

        # A supervisord of this directory that accepts on its socket but never answers (stopped, like one that is
        # stuck): the next up finds it by its command line, stops it, and starts exactly one of its own.
        stale = subprocess.Popen(["supervisord", "--nodaemon", "-c", str(directory / "supervisord.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until("the stale supervisord's socket", sock.exists, 120)
        stale.send_signal(signal.SIGSTOP)
        recovered = net.run(*up)
        assert "stopping supervisord left over from an earlier run (pid %d)" % stale.pid in recovered.stdout
        assert stale.wait(timeout=60) is not None
        supervisord = one_network_up()

        # Its supervisord killed outright (its nodes may outlive it and hold their ports): up starts it all again.
        os.kill(supervisord, signal.SIGKILL)
        net.run(*up)
        assert one_network_up() != supervisord
        net.run("down")
        nothing_left("down")
    finally:
        if stale is not None and stale.poll() is None:
            stale.send_signal(signal.SIGCONT)
            stale.kill()
            stale.wait()
        net.run("reset", check=False)
    assert _processes_of(directory) == {}
