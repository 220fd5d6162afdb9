# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No false alarms: the log catalogue over the real local network's logs, healthy and with nodes stopped and started.

CometBFT logs ``auth failure: secret conn failed: ...: connection reset by peer`` (and EOF, connection refused) while
a peer is down or restarting; a peer that is only unreachable is no identity fault and no failure signature.
"""

from pathlib import Path

from conftest import wait_until

from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan


def _logs(localnet):
    directory = Path(localnet.status()["dir"]) / "logs"
    return dict((node["node"], directory / ("%s.log" % node["node"])) for node in localnet.status()["nodes"])


def _offsets(localnet):
    """Where each node's log ends now: the lines this test judges are the ones written after it (the logs of the
    shared network also hold the faults earlier tests made on purpose, e.g. PLAY-002's full inbound slots)."""
    return dict((node, path.stat().st_size) for node, path in _logs(localnet).items())


def _since(path, offsets, node):
    with open(path, "rb") as stream:
        stream.seek(offsets.get(node, 0))
        return stream.read().decode(errors="replace")


def _alarms(localnet, offsets):
    """Every node's signatures other than the informational ones since ``offsets``: ``{node: {name: newest line}}``."""
    found = {}
    for node, path in _logs(localnet).items():
        signatures = scan(_since(path, offsets, node).splitlines())["signatures"]
        alarms = dict((name, entry["newest"]) for name, entry in signatures.items() if entry["severity"] != "info")
        if alarms:
            found[node] = alarms
    return found


def _peer_errors(localnet, offsets):
    """How many lines of the nodes' logs since ``offsets`` report a peer's transport error (the lines that used to alarm)."""
    count = 0
    for node, path in _logs(localnet).items():
        text = _since(path, offsets, node)
        count += sum(1 for line in text.splitlines() if "auth failure" in line or "connection refused" in line or "err=EOF" in line)
    return count


def test_healthy_network_and_restarted_nodes_raise_no_signature(localnet):
    offsets = _offsets(localnet)
    localnet.wait_blocks("validator1", 3)
    assert _alarms(localnet, offsets) == {}, "the healthy network's logs"
    before = _peer_errors(localnet, offsets)
    localnet.run("stop", "validator3", "fullnode1")
    try:
        # The other nodes notice: they log the dropped connection and the refused redials.
        wait_until("the peers of the stopped nodes to log their transport errors", lambda: _peer_errors(localnet, offsets) > before, 60)
    finally:
        localnet.run("start", "validator3", "fullnode1")
    localnet.wait_blocks("validator3", 3)
    localnet.wait_blocks("fullnode1", 1)
    # A restart with a node killed mid-handshake: stop and start at once, then wait until it signs again.
    localnet.run("stop", "validator3")
    localnet.run("start", "validator3")
    localnet.wait_blocks("validator3", 3)
    assert _peer_errors(localnet, offsets) > before, "the logs hold the peer errors this test is about"
    assert _alarms(localnet, offsets) == {}, "a peer that was down or restarting is no failure and no identity fault"
