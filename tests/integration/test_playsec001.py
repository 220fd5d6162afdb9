# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001 revocation against the stand-in chain CLI (virtengine_standin.py, a documented double that follows
the Cosmos SDK CLI and the real MsgRevokeRecipientKey{sender, key_fingerprint})."""

import json
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_playbook

PLAYBOOK = REPO / "playbooks" / "playsec001_key_compromise.yml"
STANDIN = Path(__file__).parent / "virtengine_standin.py"
PASSPHRASE = "correct horse battery staple 7"
FINGERPRINT = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
OWNER = "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"


@pytest.fixture
def chain_home(tmp_path):
    home = tmp_path / "cli-home"
    home.mkdir()
    (home / "passphrase").write_text(PASSPHRASE)
    binary = tmp_path / "virtengine"
    binary.write_text('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, STANDIN))
    binary.chmod(0o700)
    return home


def _vars(home, report_dir, **extra):
    values = {"playsec001_key_fingerprint": FINGERPRINT, "playsec001_key_owner": OWNER, "playsec001_from_key": "admin",
              "playsec001_keyring_passphrase": PASSPHRASE, "playsec001_binary": str(home.parent / "virtengine"), "playsec001_home": str(home),
              "playsec001_chain_id": "virtengine-local", "ir_report_dir": str(report_dir)}
    values.update(extra)
    return values


def _no_secret(run, report_dir):
    texts = [run.raw, run.stderr] + [p.read_text(errors="replace") for p in Path(report_dir).rglob("*") if p.is_file()]
    assert not any(PASSPHRASE in text for text in texts)


def test_revocation_confirmed(chain_home, report_dir):
    run = run_playbook(PLAYBOOK, extra_vars=_vars(chain_home, report_dir, ir_confirm="revoke_key"),
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    result = run.result("Revoke the key on chain")
    assert result["committed"] is True and result["height"] == 42
    (stored,) = list((chain_home / "txs").glob("*.json"))
    message = json.loads(stored.read_text())["tx"]["body"]["messages"][0]
    assert message == {"@type": "/virtengine.encryption.v1.MsgRevokeRecipientKey", "sender": OWNER, "key_fingerprint": FINGERPRINT}
    calls = [json.loads(line)[:2] for line in (chain_home / "calls.jsonl").read_text().splitlines()]
    assert calls[:2] == [["tx", "sign"], ["tx", "broadcast"]] and calls[-1] == ["query", "tx"]
    _no_secret(run, report_dir)


def test_nothing_revoked_without_confirmation(chain_home, report_dir):
    run = run_playbook(PLAYBOOK, extra_vars=_vars(chain_home, report_dir), env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-3000:]
    assert not (chain_home / "calls.jsonl").exists()
    assert run.result("Revoke the key on chain").get("skipped") is True
    _no_secret(run, report_dir)


def test_wrong_passphrase_fails_without_showing_it(chain_home, report_dir):
    run = run_playbook(PLAYBOOK, extra_vars=_vars(chain_home, report_dir, ir_confirm="revoke_key", playsec001_keyring_passphrase="wrong-pass-123"),
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc != 0
    assert "incorrect passphrase" in run.result("Revoke the key on chain")["msg"]
    assert not (chain_home / "txs").exists()
    assert "wrong-pass-123" not in run.raw
