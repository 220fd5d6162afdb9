# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021's own step that takes the state sync trust point (role node_resync, tasks_from trust, what roles/node_sync
runs with play021_trust_offset), run by ansible-playbook against case 15's RPC servers
(tests/unit/fixtures/cases/15-statesync-trust-height-pruned: block stores beginning 1400 and 1100 blocks below the tip,
served as CometBFT v0.38 answers with the case's pruned error below them)."""

import json

from conftest import run_playbook

from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load
from ansible_collections.virtengine.incident_response.tests.unit.test_play021_cases import _case, _server, _servers


def _run(tmp_path, servers, offset):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": dict(
        [("localhost", {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"})]
        + [(name, {"node_rpc_url": server.url}) for name, server in servers])}}))
    playbook = tmp_path / "trust.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "take the trust point", "ansible.builtin.include_role": {"name": "virtengine.incident_response.node_resync", "tasks_from": "trust"},
         "vars": {"node_resync_trusted_hosts": [name for name, _server in servers], "node_resync_trust_offset": offset}},
        {"name": "show the trust point", "ansible.builtin.debug": {"var": "node_resync_trust"}}]}]))
    return run_playbook(playbook, inventory=inventory)


def test_case15_the_role_takes_a_trust_height_both_servers_store(tmp_path):
    case = _case()
    tip = case["chain"]["tip_height"]
    servers = _servers(case)
    with servers[0][1], servers[1][1]:
        run = _run(tmp_path, servers, case["trust_offset"])
    assert run.rc == 0, run.raw[-3000:]
    trust = run.result("show the trust point")["node_resync_trust"]
    assert tip - 1100 <= int(trust["height"]) <= tip
    assert trust["hash"] == load("healthy", "validator1_commit_365")["result"]["signed_header"]["commit"]["block_id"]["hash"]
    assert trust["rpc_servers"] == [server.url for _name, server in servers]
    assert "not stored by every RPC server" in json.dumps(run.result("Say why the trust height moved"))


def test_servers_without_a_common_height_stop_the_run_naming_their_stores(tmp_path):
    servers = [("full-1", _server(5000, 4990)), ("full-2", _server(4980, 100))]
    with servers[0][1], servers[1][1]:
        run = _run(tmp_path, servers, 2000)
    assert run.rc != 0
    message = run.result("Check that the RPC servers store a common trust height")["msg"]
    assert "store no common height (full-1 4990-5000, full-2 100-4980)" in message and "PLAY-002" not in message
