# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-003 end to end on a host in a network namespace (netns_lab): breach report in the incident directory,
evidence fetched and verified on the controller, isolation only when confirmed, and never cutting the controller."""

import hashlib
import json
import time

import pytest
from conftest import REPO, assert_refused_before_anything_ran, run_playbook
from netns_lab import ATTACKER_IP, CONTROLLER_IP, running_lab
from virtengine_standin import StandinChain

PLAYBOOK = REPO / "playbooks" / "play003_data_breach.yml"


@pytest.fixture
def lab(tmp_path):
    with running_lab(tmp_path) as setup:
        yield setup


def _vars(lab, report_dir, tmp_path, **extra):
    values = {"play003_hosts": "target", "play003_evidence_paths": [str(lab.log), str(lab.config)],
              "play003_evidence_dest": str(tmp_path / "evidence-on-host"), "play003_detected_by": "IDS alert 4711",
              "play003_observations": ["outbound transfer from provider1 at 03:02"],
              "ir_report_dir": str(report_dir), "ir_controller_addresses": [CONTROLLER_IP]}
    values.update(extra)
    return values


def _run(lab, report_dir, tmp_path, **extra):
    run = run_playbook(PLAYBOOK, inventory=lab.inventory(tmp_path / "inventory.json"), extra_vars=_vars(lab, report_dir, tmp_path, **extra),
                       env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
    assert run.rc == 0, run.raw[-4000:]
    return run


def test_bad_input_fails_before_anything_is_declared_or_captured(report_dir):
    # An unexpanded shell substitution: the argument spec names it in the first play; no SEV-1 page, no evidence run.
    assert_refused_before_anything_ran(PLAYBOOK, {"play003_core_dump_pid": "$(pidof virtengine)"}, report_dir,
                                       ["play003_core_dump_pid", "$(pidof virtengine)"], ["Declare:", "Capture the evidence"])


def test_report_and_evidence_without_isolation(lab, report_dir, tmp_path):
    before = dict((p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (lab.log, lab.config))
    _run(lab, report_dir, tmp_path, play003_isolation_allow=[CONTROLLER_IP])
    (incident,) = sorted((report_dir / "incidents").glob("INC-*"))
    report = (incident / "breach-report.md").read_text()
    assert "Detected by: IDS alert 4711" in report and "Affected systems: target" in report
    assert "- outbound transfer from provider1 at 03:02" in report and "## Recovery checklist" in report
    fetched = incident / "evidence" / "target"
    assert sorted(p.name for p in fetched.iterdir()) == ["custody.json", "evidence.tar.gz", "manifest.sha256"]
    custody = json.loads((fetched / "custody.json").read_text())
    assert custody["incident_id"] == incident.name
    assert dict((m["path"], m["sha256"]) for m in custody["members"]) == dict((str(p), h) for p, h in before.items())
    assert dict((p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (lab.log, lab.config)) == before
    (markdown,) = sorted(report_dir.glob("*-play003.md"))
    assert "EVIDENCE CAPTURED, NOT ISOLATED" in markdown.read_text()
    assert "custody.json evidence.tar.gz manifest.sha256" in markdown.read_text()
    # Not confirmed: nothing isolated.
    assert "-P INPUT ACCEPT" in lab.rules()
    assert lab.reachable(ATTACKER_IP) and lab.reachable(CONTROLLER_IP)


def test_isolation_keeps_the_allowed_addresses(lab, report_dir, tmp_path):
    _run(lab, report_dir, tmp_path, play003_isolation_allow=[CONTROLLER_IP], ir_confirm="isolate_hosts")
    assert "-P INPUT DROP" in lab.rules()
    # IPv6 is closed too (an iptables policy alone leaves every IPv6 connection open), loopback kept.
    ipv6 = lab.rules("ip6tables")
    assert "-P INPUT DROP" in ipv6 and "-A INPUT -i lo " in ipv6, ipv6
    assert lab.reachable(CONTROLLER_IP)
    assert not lab.reachable(ATTACKER_IP)


def test_isolation_that_would_cut_the_controller_is_refused(lab, report_dir, tmp_path):
    run = _run(lab, report_dir, tmp_path, play003_isolation_allow=["10.77.1.0/24"], ir_confirm="isolate_hosts")
    refused = run.result("Refuse an isolation that would cut the controller")["ansible_facts"]["play003_isolation_refused"]
    assert "the controller would be cut" in refused and CONTROLLER_IP in refused
    assert "-P INPUT ACCEPT" in lab.rules() and "DROP" not in lab.rules()
    assert lab.reachable(ATTACKER_IP) and lab.reachable(CONTROLLER_IP)


def test_credential_revocation_hook_is_gated_on_its_own(lab, report_dir, tmp_path):
    """The SEC-001 hook: revoke_key confirmed revokes the key (stand-in chain); isolation, not confirmed, stays off."""
    fingerprint, owner, passphrase = "AB" * 32, "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "breach-vault-pass"
    with StandinChain(tmp_path / "chain", passphrase) as chain:
        chain.add_key(fingerprint, owner, int(time.time()) - 86400)
        run = _run(lab, report_dir, tmp_path, play003_isolation_allow=[CONTROLLER_IP], ir_confirm="revoke_key",
                   play003_revoke_keys=[{"fingerprint": fingerprint}], key_compromise_from_key="security-admin",
                   key_compromise_keyring_passphrase=passphrase, key_compromise_binary=str(chain.binary),
                   key_compromise_home=str(chain.home), key_compromise_grpc_endpoint=chain.grpc_endpoint)
        assert chain.keys()[0]["revoked_at"] > 0
        (revocation,) = run.result("Revoke the key on chain")["results"]
        assert revocation["committed"] is True
    (markdown,) = sorted(report_dir.glob("*-play003.md"))
    assert "Compromised keys" in markdown.read_text() and "revoked" in markdown.read_text()
    assert passphrase not in run.raw and passphrase not in markdown.read_text()
    decisions = {row["action"]: row["decision"] for row in json.loads(sorted(report_dir.glob("*-play003.json"))[0].read_text())["data"]["confirmations"]}
    assert decisions == {"isolate_hosts": "refused", "revoke_key": "confirmed"}
    assert "-P INPUT ACCEPT" in lab.rules() and lab.reachable(ATTACKER_IP)


def test_check_mode_confirmed_changes_nothing(lab, report_dir, tmp_path):
    """--check with both containment actions confirmed: no isolation, no evidence written on the host, no revocation."""
    passphrase = "breach-vault-pass"
    with StandinChain(tmp_path / "chain", passphrase) as chain:
        chain.add_key("CD" * 32, "virtengine1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", int(time.time()) - 86400)
        run = run_playbook(PLAYBOOK, "--check", inventory=lab.inventory(tmp_path / "inventory.json"),
                           extra_vars=_vars(lab, report_dir, tmp_path, play003_isolation_allow=[CONTROLLER_IP], ir_confirm="isolate_hosts,revoke_key",
                                            play003_revoke_keys=[{"fingerprint": "CD" * 32}], key_compromise_from_key="security-admin",
                                            key_compromise_keyring_passphrase=passphrase, key_compromise_binary=str(chain.binary),
                                            key_compromise_home=str(chain.home), key_compromise_grpc_endpoint=chain.grpc_endpoint),
                           env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})
        assert run.rc == 0, run.raw[-4000:]
        assert chain.keys()[0]["revoked_at"] == 0
        assert not [c for c in chain.calls() if c[0] == "tx"]
    assert "-P INPUT ACCEPT" in lab.rules() and "DROP" not in lab.rules()
    assert lab.reachable(ATTACKER_IP) and lab.reachable(CONTROLLER_IP)
    assert not (tmp_path / "evidence-on-host").exists()
