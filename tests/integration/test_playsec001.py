# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001 audit and revocation against the stand-in chain: the CLI double (virtengine_standin.py: Cosmos SDK
tx sign / broadcast / query tx / query txs, the real MsgRevokeRecipientKey{sender, key_fingerprint}) and the gRPC
double of virtengine.encryption.v1.Query (virtengine_grpc_standin.py, the chain's field numbers over real gRPC)."""

import json
import time
from pathlib import Path

import pytest
from conftest import REPO, assert_refused_before_anything_ran, run_playbook
from virtengine_standin import StandinChain

PLAYBOOK = REPO / "playbooks" / "playsec001_key_compromise.yml"
PASSPHRASE = "correct horse battery staple 7"
FINGERPRINT = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
OTHER_KEY = "2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"
OWNER = "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
SIGNING = [["tx", "sign"], ["tx", "broadcast"]]


@pytest.fixture
def chain(tmp_path):
    """The owner registered the key 30 days ago and a second key since; three transfers: 2 days, 2 hours, 1 minute ago."""
    now = int(time.time())
    with StandinChain(tmp_path, PASSPHRASE) as standin:
        standin.add_key(FINGERPRINT, OWNER, now - 30 * 86400, label="ops")
        standin.add_key(OTHER_KEY, OWNER, now - 86400)
        standin.transfers = [standin.add_transfer(OWNER, height, now - age) for height, age in ((100, 2 * 86400), (200, 7200), (300, 60))]
        yield standin


def _run(chain, report_dir, *args, **extra):
    values = {"playsec001_key_fingerprint": FINGERPRINT, "playsec001_from_key": "admin", "playsec001_keyring_passphrase": PASSPHRASE,
              "playsec001_binary": str(chain.binary), "playsec001_home": str(chain.home), "playsec001_grpc_endpoint": chain.grpc_endpoint,
              "playsec001_chain_id": "virtengine-local", "ir_report_dir": str(report_dir),
              # The suspected compromise began a day ago: the transfer of two days ago is outside the window.
              "playsec001_compromised_since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))}
    values.update(extra)
    return run_playbook(PLAYBOOK, *args, extra_vars=values, env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})


def _no_secret(run, report_dir):
    texts = [run.raw, run.stderr] + [p.read_text(errors="replace") for p in Path(report_dir).rglob("*") if p.is_file()]
    assert not any(PASSPHRASE in text for text in texts)


def _report(report_dir):
    (path,) = sorted(report_dir.glob("*-playsec001.json"))
    return json.loads(path.read_text())


def test_audit_then_confirmed_revocation(chain, report_dir):
    run = _run(chain, report_dir, ir_confirm="revoke_key")
    assert run.rc == 0, run.raw[-3000:]
    (audit,) = run.result("Audit: what the chain knows")["results"]
    assert audit["state"] == "active" and audit["key"]["label"] == "ops" and audit["owner"] == OWNER
    assert audit["exposure"]["basis"] == "compromised_since" and audit["exposure"]["open"] is True
    assert [tx["txhash"] for tx in audit["transactions"]] == chain.transfers[1:]
    assert sorted(k["key_fingerprint"] for k in audit["owner_keys"]) == sorted([FINGERPRINT, OTHER_KEY])

    (revocation,) = run.result("Revoke the key on chain")["results"]
    assert revocation["committed"] is True and revocation["height"] == 42
    stored = json.loads((chain.home / "txs" / (revocation["txhash"] + ".json")).read_text())
    assert stored["tx"]["body"]["messages"] == [{"@type": "/virtengine.encryption.v1.MsgRevokeRecipientKey", "sender": OWNER,
                                                 "key_fingerprint": FINGERPRINT}]
    (check,) = run.result("Check on chain that every revoked key")["results"]
    assert check["state"] == "revoked" and check["exposure"]["open"] is False
    revoked = {k["key_fingerprint"]: k["revoked_at"] for k in chain.keys()}
    assert revoked[FINGERPRINT] > 0 and revoked[OTHER_KEY] == 0
    assert chain.calls()[-3:-1] == SIGNING and chain.calls()[-1] == ["query", "tx"]

    report = _report(report_dir)
    assert report["verdict"] == "revoked"
    assert report["data"]["summary"]["keys"][0]["after"] == "revoked"
    assert [n["who"] for n in report["data"]["summary"]["notify"]] == [OWNER]
    assert OTHER_KEY in report["data"]["summary"]["notify"][0]["why"]
    _no_secret(run, report_dir)


def test_nothing_revoked_without_confirmation(chain, report_dir):
    run = _run(chain, report_dir)
    assert run.rc == 0, run.raw[-3000:]
    assert not [c for c in chain.calls() if c in SIGNING]
    assert all(k["revoked_at"] == 0 for k in chain.keys())
    assert run.result("Revoke the key on chain").get("skipped") is True
    report = _report(report_dir)
    assert report["verdict"] == "NOT revoked (chain says active)"
    assert len(report["data"]["summary"]["transactions"]) == 2
    _no_secret(run, report_dir)


def test_check_mode_builds_the_transaction_and_sends_nothing(chain, report_dir):
    run = _run(chain, report_dir, "--check", ir_confirm="revoke_key")
    assert run.rc == 0, run.raw[-3000:]
    (revocation,) = run.result("Revoke the key on chain")["results"]
    assert revocation["committed"] is False and revocation["unsigned_tx"]["body"]["messages"][0]["key_fingerprint"] == FINGERPRINT
    assert not [c for c in chain.calls() if c in SIGNING]
    assert all(k["revoked_at"] == 0 for k in chain.keys())


def test_already_revoked_and_unknown_keys_are_left_alone(chain, report_dir):
    first = _run(chain, report_dir, ir_confirm="revoke_key")
    assert first.rc == 0, first.raw[-3000:]
    signed = len([c for c in chain.calls() if c in SIGNING])
    again = _run(chain, report_dir, ir_confirm="revoke_key")
    assert again.rc == 0, again.raw[-3000:]
    (plan,) = again.result("Plan the revocation")["ansible_facts"]["key_compromise_plan"]
    assert plan["action"] == "skip" and plan["why"].startswith("already revoked on chain at ")
    unknown = _run(chain, report_dir, ir_confirm="revoke_key", playsec001_key_fingerprint="00" * 32)
    assert unknown.rc == 0, unknown.raw[-3000:]
    (plan,) = unknown.result("Plan the revocation")["ansible_facts"]["key_compromise_plan"]
    assert plan["action"] == "skip" and plan["why"] == "the chain has no key with this fingerprint"
    assert len([c for c in chain.calls() if c in SIGNING]) == signed


def test_unreachable_node_without_owner_refuses_and_revokes_nothing(chain, report_dir):
    run = _run(chain, report_dir, ir_confirm="revoke_key", playsec001_grpc_endpoint="127.0.0.1:1")
    assert run.rc != 0
    (audit,) = run.result("Audit: what the chain knows")["results"]
    assert audit["state"] == "unknown" and "UNAVAILABLE" in audit["error"]
    assert "no owner was given: add owner" in run.result("Refuse a plan")["msg"]
    assert not [c for c in chain.calls() if c in SIGNING]


def test_wrong_passphrase_fails_without_showing_it(chain, report_dir):
    run = _run(chain, report_dir, ir_confirm="revoke_key", playsec001_keyring_passphrase="wrong-pass-123")
    assert run.rc != 0
    (revocation,) = run.result("Revoke the key on chain")["results"]
    assert "incorrect passphrase" in revocation["msg"]
    assert all(k["revoked_at"] == 0 for k in chain.keys())
    assert "wrong-pass-123" not in run.raw


def test_malformed_fingerprint_is_refused_before_anything(chain, report_dir):
    run = _run(chain, report_dir, ir_confirm="revoke_key", playsec001_key_fingerprint="not-hex")
    assert run.rc != 0
    assert '"fingerprint": "not-hex"' in run.result("Check the keys")["msg"]
    assert chain.calls() == []


def test_bad_setting_is_refused_by_the_argument_spec_before_anything_is_declared(report_dir):
    # The runbook role's argument spec runs first, on localhost: no SEV-1 is declared, the chain is not asked.
    assert_refused_before_anything_ran(PLAYBOOK, {"playsec001_key_fingerprint": FINGERPRINT, "playsec001_keyring_backend": "vault"},
                                       report_dir, ["playsec001_keyring_backend must be one of", "got: vault"],
                                       ["Declare:", "Audit: what the chain knows"])
