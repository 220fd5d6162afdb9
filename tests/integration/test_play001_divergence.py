# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001 on a real app-hash divergence of the local network.

A second network (e2e app, which keeps its application state on disk; 4 validators x 10, no full node) is made
beside the default one, and ``scripts/localnet diverge validator4`` changes validator4's application state for real:
at the next height it computes another app hash and rejects the canonical proposal (the real ``prevote step:
consensus deems this block invalid ... wrong Block.Header.AppHash`` line), then stops in a real ``CONSENSUS FAILURE``
when the other 30 of 40 commit the block. PLAY-001 must choose C, name validator4 (the minority by power), resync only
it through the gate, bring it back to the canonical chain, and never lower its signing state.

Why the minority keeps the chain alive here: with 1/3 or more of the power diverged the chain halts with everyone
voting (case 02, covered by the unit tests), and a resynced validator then needs many rounds to reach the round the
others sit at, since it never signs below its signing state; that wait is too long for CI (docs/play001_chain_halted.md).
"""

import base64
import json
import os
from pathlib import Path

import pytest
import requests

from conftest import REPO, Localnet, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "play001_chain_halted.yml"
VALIDATORS = ["validator1", "validator2", "validator3", "validator4"]


def _base_ip():
    """TEST_DIVERGE_BASE_IP, else 20 addresses after LOCALNET_BASE_IP (so it never meets the default network)."""
    if os.environ.get("TEST_DIVERGE_BASE_IP"):
        return os.environ["TEST_DIVERGE_BASE_IP"]
    prefix, last = os.environ.get("LOCALNET_BASE_IP", "127.0.1.1").rsplit(".", 1)
    return "%s.%d" % (prefix, int(last) + 20)


@pytest.fixture(scope="module")
def diverged_net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("diverge-net")
    net = Localnet(directory)
    net.inventory = directory / "hosts.yml"
    try:
        net.run("up", "--app", "e2e", "--full-nodes", "0", "--base-ip", _base_ip())
        net.run("diverge", "validator4")
        yield net
    finally:
        net.run("reset", check=False)


def _signing_state(net, node):
    document = json.loads((Path(net.status()["dir"]) / node / "data" / "priv_validator_state.json").read_text())
    return int(document["height"]), int(document["round"]), int(document["step"])


def _rpc_result(url, path):
    try:
        return requests.get(url + path, timeout=3).json()["result"]
    except (requests.RequestException, ValueError, KeyError):
        return None


def _app_views(urls):
    """Each validator's application (height, app hash) at one common height, as each node's own application answered.

    The common height is the lowest of the applications' last heights (/abci_info); each node's hash there is the one
    its application returned from FinalizeBlock for that height (/block_results app_hash, which every node keeps).
    Sampling every node's latest /abci_info at the same instant is not possible on a chain making a block a second.
    {node: (height, APP_HASH hex) or None}.
    """
    heights = {}
    for node, url in urls.items():
        height = ((_rpc_result(url, "/abci_info") or {}).get("response") or {}).get("last_block_height")
        heights[node] = int(height) if height else None
    if None in heights.values():
        return heights
    common = min(heights.values())
    views = {}
    for node, url in urls.items():
        results = _rpc_result(url, "/block_results?height=%d" % common)
        views[node] = (common, base64.b64decode(results["app_hash"]).hex().upper()) if results and results.get("app_hash") else None
    return views


def test_real_divergence_is_c_naming_the_minority_and_the_gated_resync_brings_it_back(diverged_net, report_dir):
    net = diverged_net
    before = _signing_state(net, "validator4")
    start = net.height("validator1")
    run = run_playbook(PLAYBOOK, inventory=net.inventory,
                       extra_vars={"play001_halt_window": 6, "play001_verify_timeout": 240, "ir_confirm": "diverged_resync"},
                       env={"IR_REPORT_DIR": str(report_dir)})
    report = json.loads(sorted(report_dir.glob("*-play001.json"))[-1].read_text())
    decision = report["data"]["decision"]
    assert decision["scenario"] == "C" and decision["remedy"] == "diverged_resync", decision["why"]
    assert decision["diverged_hosts"] == ["validator4"]
    canonical = [g for g in decision["app_hashes"] if g["canonical"]]
    assert len(canonical) == 1 and canonical[0]["hosts"] == ["validator1", "validator2", "validator3"] and canonical[0]["power"] == 30
    cited = [e for e in decision["evidence"] if e["host"] == "validator4" and e["signature"] == "app_hash_divergence"]
    assert cited and "wrong Block.Header.AppHash" in cited[0]["line"], "the real node's real line is the evidence"
    assert [(c["action"], c["decision"], c["hosts"]) for c in report["data"]["confirmations"]] == [("diverged_resync", "confirmed", ["validator4"])]
    assert [r["host"] for r in report["data"]["resyncs"]] == ["validator4"], "only the diverged validator is touched"
    assert run.rc == 0 and report["verdict"] == "recovered", run.raw[-4000:]
    assert net.height("validator4") > start

    after = _signing_state(net, "validator4")
    assert after >= before, "validator4's signing state went down: %s -> %s" % (before, after)

    # Resolved once: each `scripts/localnet status` takes a second or more, longer than a block.
    urls = dict((node, net.url(node)) for node in VALIDATORS)

    def one_state():
        views = _app_views(urls)
        return None not in views.values() and len(set(views.values())) == 1 and views

    # Back on the canonical chain: the same application hash as the others at the same height.
    wait_until("every validator's application at one height and hash", one_state, 120, interval=0.2)
