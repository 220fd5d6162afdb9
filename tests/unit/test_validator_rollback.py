# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""validator_rollback's refusals, check mode and signing-state guard on a node home in a temporary directory.

The real rollback of real nodes is in tests/integration/test_play001.py. Here the one stand-in is a
deliberately faulty "rollback" script that prints what cometbft prints and then lowers the signing
state: the case the guard exists for, which a real cometbft never produces.
"""

import fcntl
import json
import os
import socket
import stat

import pytest

from ansible_collections.virtengine.incident_response.plugins.modules import validator_rollback

STATE = {"height": "120", "round": 0, "step": 3, "signature": "c2ln", "signbytes": "AA"}
KEY = {"address": "AB" * 20, "pub_key": {"type": "tendermint/PubKeyEd25519", "value": "cHVi"},
       "priv_key": {"type": "tendermint/PrivKeyEd25519", "value": "SECRET-KEY-MATERIAL"}}


@pytest.fixture
def home(tmp_path):
    node = tmp_path / "node"
    (node / "config").mkdir(parents=True)
    (node / "data" / "blockstore.db").mkdir(parents=True)
    (node / "data" / "blockstore.db" / "LOCK").write_text("")
    (node / "config" / "priv_validator_key.json").write_text(json.dumps(KEY))
    (node / "data" / "priv_validator_state.json").write_text(json.dumps(STATE))
    return node


def _faulty_binary(tmp_path, lowered_height):
    script = tmp_path / "faulty-rollback"
    script.write_text("#!/bin/sh\n"
                      "home=\"$3\"\n"
                      "printf '{\"height\": \"%s\", \"round\": 0, \"step\": 0}' > \"$home/data/priv_validator_state.json\"\n"
                      "echo 'Rolled back state to height 119 and hash 00'\n" % lowered_height)
    script.chmod(0o755)
    return str(script)


def test_refuses_a_running_node(home, run_module):
    with open(home / "data" / "blockstore.db" / "LOCK", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what the running node holds
        result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1})
    assert result["failed"] and "is running" in result["msg"] and "blockstore.db" in result["msg"]
    assert not (home / "backups").exists()


def test_refuses_when_the_rpc_answers(home, run_module, serve):
    node = serve("healthy", "validator1")
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1, "rpc_url": node.url})
    assert result["failed"] and "is running (its RPC" in result["msg"] and "accepts connections)" in result["msg"]


def test_the_running_check_needs_no_http_library(home, run_module, serve, monkeypatch):
    """Without requests on the node the RPC half of the guard still sees a listening node (it used to say "stopped")."""
    from ansible_collections.virtengine.incident_response.plugins.module_utils import _cometbft_rpc
    node = serve("healthy", "validator1")
    monkeypatch.setattr(_cometbft_rpc, "requests", None)
    monkeypatch.setattr(_cometbft_rpc, "HAS_REQUESTS", False)
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1, "rpc_url": node.url})
    assert result["failed"] and "accepts connections" in result["msg"]


def test_an_rpc_port_that_cannot_be_judged_counts_as_running(home, run_module, monkeypatch):
    """A connect that times out (a firewall dropping packets, an overloaded host) is not proof of a stopped node."""
    from ansible_collections.virtengine.incident_response.plugins.module_utils import _node_home

    def dropped(address, timeout):
        raise socket.timeout("timed out")
    monkeypatch.setattr(_node_home.socket, "create_connection", dropped)
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1,
                                             "rpc_url": "http://127.0.0.1:26657"})
    assert result["failed"] and "cannot be told" in result["msg"] and "timed out" in result["msg"]
    assert not (home / "backups").exists()


def test_a_malformed_rpc_url_is_named(home, run_module):
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1, "rpc_url": "127.0.0.1:26657"})
    assert result["failed"] and "rpc_url" in result["msg"] and "127.0.0.1:26657" in result["msg"] and "nothing was changed" in result["msg"]


def test_more_than_one_height_needs_hard(home, run_module):
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "current_height": 120, "target_height": 117})
    assert result["failed"] and "needs hard=true" in result["msg"]


def test_check_mode_plans_and_touches_nothing(home, run_module):
    args = {"home": str(home), "binary": "/bin/true", "current_height": 120, "target_height": 117, "hard": True, "_ansible_check_mode": True}
    result = run_module(validator_rollback, args)
    assert result["changed"] is True and result["rollbacks"] == 3 and result["new_height"] == 117
    assert not (home / "backups").exists()


def test_check_mode_after_a_simulated_stop_reports_the_running_node_and_plans(home, run_module):
    """--check of a gated rollback: the stop before it was only simulated, so the node still runs (issue 24, item 4)."""
    args = {"home": str(home), "binary": "/bin/true", "current_height": 120, "target_height": 119, "simulated_stop": True}
    with open(home / "data" / "blockstore.db" / "LOCK", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        planned = run_module(validator_rollback, dict(args, _ansible_check_mode=True))
        real = run_module(validator_rollback, args)
    assert not planned.get("failed") and planned["rollbacks"] == 1 and planned["new_height"] == 119
    assert "blockstore.db" in planned["running"]
    assert real["failed"] and "is running" in real["msg"], "outside check mode a running node is always refused"
    assert not (home / "backups").exists()


def test_target_at_or_above_current_changes_nothing(home, run_module):
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "current_height": 120, "target_height": 120})
    assert result["changed"] is False and result["rollbacks"] == 0


@pytest.mark.parametrize("args, message", [
    ({"binary": "/nonexistent/virtengine", "heights": 1}, "binary=/nonexistent/virtengine not found"),
    ({"binary": "/bin/true", "target_height": 5}, "current_height"),
    ({"binary": "/bin/true", "heights": 1, "target_height": 5, "current_height": 6}, "mutually exclusive"),
])
def test_bad_arguments(home, run_module, args, message):
    result = run_module(validator_rollback, dict(args, home=str(home)))
    assert result["failed"] and message in result["msg"]


def test_missing_signing_state_is_refused(home, run_module):
    (home / "data" / "priv_validator_state.json").unlink()
    result = run_module(validator_rollback, {"home": str(home), "binary": "/bin/true", "heights": 1})
    assert result["failed"] and "priv_validator_state.json is missing" in result["msg"]


def test_a_lowered_signing_state_is_put_back_and_keys_are_backed_up(home, run_module, tmp_path, capsys):
    binary = _faulty_binary(tmp_path, lowered_height=0)
    result = run_module(validator_rollback, {"home": str(home), "binary": binary, "current_height": 120, "target_height": 119})
    assert result["_rc"] == 0 and result["new_height"] == 119 and result["old_height"] == 120
    assert result["signing_state_restored"] is True
    assert result["signing_state_after"] == {"height": 120, "round": 0, "step": 3}
    assert json.loads((home / "data" / "priv_validator_state.json").read_text()) == STATE
    backup = result["backup_path"]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(backup, "priv_validator_key.json")).st_mode) == 0o600
    assert json.loads(open(os.path.join(backup, "priv_validator_key.json")).read()) == KEY
    assert "SECRET-KEY-MATERIAL" not in json.dumps(result)


def test_a_lowered_signing_state_stays_only_when_the_operator_allows_it(home, run_module, tmp_path):
    binary = _faulty_binary(tmp_path, lowered_height=0)
    result = run_module(validator_rollback, {"home": str(home), "binary": binary, "heights": 1, "allow_signing_state_reset": True})
    assert result["signing_state_restored"] is False and result["signing_state_after"]["height"] == 0
    assert result["old_height"] == 120, "derived from the first rollback's output"


def test_an_unexpected_height_stops_the_rollbacks(home, run_module, tmp_path):
    binary = _faulty_binary(tmp_path, lowered_height=120)  # prints 119 every time, as a repeated non-hard rollback would not
    result = run_module(validator_rollback, {"home": str(home), "binary": binary, "current_height": 125, "target_height": 120, "hard": True})
    assert result["failed"] and "printed height 119, expected 124" in result["msg"]
    assert result["rollbacks"] == 1
