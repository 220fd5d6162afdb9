# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""chain_status, consensus_state and peer_count against the real local network."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import wait_until

FLEET = "{{ groups['chain_nodes'] | virtengine.incident_response.rpc_endpoints(hostvars) }}"
VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]
ALL = VALIDATORS + ["fullnode1"]


def test_healthy_network_reads_healthy(localnet, module_run):
    chain = module_run("chain_status", {"endpoints": FLEET, "halt_window": 30})
    assert chain["summary"]["halted"] is False
    assert sorted(chain["summary"]["advancing"]) == sorted(ALL)
    assert chain["summary"]["chain_id"] == "virtengine-localnet"
    assert all(n["reachable"] and n["advanced_by"] >= 1 for n in chain["nodes"])

    consensus = module_run("consensus_state", {"endpoints": FLEET})
    assert consensus["quorum_reachable"] is True
    assert consensus["absent_fraction"] < 1 / 3
    assert sorted(v["host"] for v in consensus["validators"]) == VALIDATORS
    assert consensus["total_power"] == 40

    peers = module_run("peer_count", {"endpoints": FLEET, "min_peers": 2})
    assert peers["summary"]["island_count"] == 1
    assert peers["summary"]["islands"][0]["members"] == sorted(ALL)
    assert peers["summary"]["below_min"] == []


def test_two_of_four_stopped_halts_and_names_exactly_them(localnet, module_run):
    localnet.run("stop", "validator3", "validator4")
    try:
        chain = module_run("chain_status", {"endpoints": FLEET, "halt_window": 6, "retries": 0})
        assert chain["summary"]["halted"] is True
        assert sorted(chain["summary"]["unreachable"]) == ["validator3", "validator4"]
        assert chain["summary"]["advancing"] == []

        def settled():
            result = module_run("consensus_state", {"endpoints": FLEET, "settle_time": 3, "retries": 0})
            return result if result["source"] == "round" else None

        consensus = wait_until("the halted round to settle", settled, deadline_s=60, interval=1)
        assert sorted(a["name"] for a in consensus["absent"]) == ["validator3", "validator4"]
        assert consensus["quorum_reachable"] is False
        assert consensus["absent_power"] == 20 and consensus["absent_fraction"] == 0.5
        assert consensus["step"] >= 4
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_partition_gives_two_islands_and_heal_one(localnet, module_run):
    localnet.run("partition", "validator1,validator2", "validator3,validator4,fullnode1")
    try:
        def two_islands():
            result = module_run("peer_count", {"endpoints": FLEET})
            return result if result["summary"]["island_count"] == 2 else None

        peers = wait_until("two islands", two_islands, deadline_s=90, interval=2)
        assert [i["members"] for i in peers["summary"]["islands"]] == [["fullnode1", "validator3", "validator4"], ["validator1", "validator2"]]
        # Neither side has more than 2/3 of the power: the chain halts.
        chain = module_run("chain_status", {"endpoints": FLEET, "halt_window": 6})
        assert chain["summary"]["halted"] is True
    finally:
        localnet.run("heal")

    def one_island():
        result = module_run("peer_count", {"endpoints": FLEET})
        return result if result["summary"]["island_count"] == 1 else None

    peers = wait_until("one island after heal", one_island, deadline_s=120, interval=2)
    assert peers["summary"]["islands"][0]["members"] == sorted(ALL)
    localnet.wait_blocks("validator1", 2)


class _Garbage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"jsonrpc": "2.0", "result": {"sync_info": '  # cut short: not JSON
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def garbage_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("module", ["chain_status", "consensus_state", "peer_count"])
def test_bad_endpoints_are_reported_per_endpoint(localnet, module_run, garbage_server, module):
    endpoints = [
        {"name": "good", "url": localnet.url("validator1")},
        {"name": "unreachable", "url": "http://127.0.0.1:1"},
        {"name": "garbage", "url": garbage_server},
        {"name": "wrong_port", "url": localnet.url("validator1").replace(":26657", ":26660")},  # its Prometheus metrics
        {"name": "invalid", "url": "htp:/127.0.1.1"},
    ]
    args = {"endpoints": endpoints, "retries": 0}
    if module == "chain_status":
        args["halt_window"] = 3
    result = module_run(module, args)
    assert not result.get("failed") and "exception" not in result and "module_stderr" not in result
    views = result["views"] if module == "consensus_state" else result["nodes"]
    errors = dict((v["name"], v["error"]) for v in views)
    assert errors["good"] is None
    assert "connection refused" in errors["unreachable"]
    assert "not JSON" in errors["garbage"]
    assert "not JSON" in errors["wrong_port"] and "is this a CometBFT RPC port?" in errors["wrong_port"]
    assert "invalid RPC URL" in errors["invalid"]
    for message in errors.values():
        assert message is None or "Traceback" not in message
