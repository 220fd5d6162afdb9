# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 23 with real firewalls: PLAY-SEC-002 blocks an IPv6 and an IPv4 offender with ufw and with ip6tables/iptables
inside the fleet lab's machines (never on the host), re-runs change nothing, and the rules are undone by their comment.

fullnode1: ufw as the lab enables it (IPv4 and IPv6 rules for 22 and 26656-26660/tcp); validator4: ufw reset, an empty
rule set (ufw inactive, so the controller's SSH stays open); validator3: the iptables backend (iptables and ip6tables).
"""

import json
import os

import pytest
from conftest import REPO, run_playbook
from test_fleetlab import Lab
from test_playsec002 import case23_auth_log

PLAYBOOK = REPO / "playbooks" / "playsec002_unauthorized_access.yml"
HOSTS = ("fullnode1", "validator4", "validator3")
LOG = "/var/tmp/case23-auth.log"
V4, V6 = "203.0.113.45", "2001:db8:4:7::15"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the fleet lab needs root: run the tests through scripts/run-tests as root")
    lab = Lab(tmp_path_factory.mktemp("fleet") / "lab")
    try:
        lab.run("up")
        yield lab
    finally:
        lab.run("down", check=False)


def _in(lab, node, *argv):
    return lab.run("exec", node, *argv).stdout


def _ufw_rules(lab, node):
    return [line for line in _in(lab, node, "ufw", "status", "numbered").splitlines() if line.startswith("[")]


def _run(lab, tmp_path, report_dir):
    backends = tmp_path / "backends.json"
    backends.write_text(json.dumps({"all": {"hosts": {"validator3": {"host_firewall_backend": "iptables"}}}}))
    return run_playbook(PLAYBOOK, "-i", str(backends), inventory=lab.dir / "hosts.yml",
                        extra_vars={"playsec002_hosts": ":".join(HOSTS), "playsec002_auth_source": "file",
                                    "playsec002_auth_logs": [LOG], "ir_report_dir": str(report_dir), "ir_confirm": "block_addresses"},
                        env={"IR_INCIDENT_ROOT": str(report_dir / "incidents")})


def test_case23_ipv6_and_ipv4_offenders_blocked_for_real_with_ufw_and_ip6tables_then_undone_by_comment(lab, tmp_path, report_dir):
    text = case23_auth_log()
    for node in HOSTS:
        _in(lab, node, "python3", "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", LOG, text)
    _in(lab, "validator4", "ufw", "--force", "reset")
    assert "Status: inactive" in _in(lab, "validator4", "ufw", "status")

    first = _run(lab, tmp_path, report_dir)
    assert first.rc == 0, first.raw[-4000:]
    (report,) = [json.loads(path.read_text()) for path in report_dir.glob("*-playsec002.json")]
    assert report["data"]["findings"]["block_plan"] == dict((node, [V6, V4]) for node in HOSTS)
    comment = "virtengine-ir PLAY-SEC-002 %s" % report["summary"]["incident"]

    # ufw with rules of both families: each deny is first in its family's list (IPv6 rules are numbered after IPv4's).
    rules = _ufw_rules(lab, "fullnode1")
    v6_first = [line for line in rules if "(v6)" in line][0]
    assert V4 in rules[0] and "DENY IN" in rules[0] and comment in rules[0], rules
    assert V6 in v6_first and "DENY IN" in v6_first, rules
    assert "-s %s/128 -j DROP" % V6 in _in(lab, "fullnode1", "ip6tables", "-S", "ufw6-user-input")
    assert "-s %s/32 -j DROP" % V4 in _in(lab, "fullnode1", "iptables", "-S", "ufw-user-input")
    # ufw on an empty rule set: both rules added (insert 1 would have failed with "Invalid position '1'").
    added = _in(lab, "validator4", "ufw", "show", "added")
    assert "ufw deny from %s comment '%s'" % (V4, comment) in added and "ufw deny from %s comment '%s'" % (V6, comment) in added, added
    # The iptables backend: IPv4 with iptables, IPv6 with ip6tables, each at the top of INPUT.
    assert _in(lab, "validator3", "iptables", "-S", "INPUT").splitlines()[1].startswith("-A INPUT -s %s/32 " % V4)
    assert _in(lab, "validator3", "ip6tables", "-S", "INPUT").splitlines()[1].startswith("-A INPUT -s %s/128 " % V6)

    # A re-run (a new incident, so another comment) changes nothing.
    second = _run(lab, tmp_path, report_dir)
    assert second.rc == 0, second.raw[-4000:]
    denied = dict(second.results("Deny incoming traffic from each offending address"))
    dropped = dict(second.results("Drop incoming traffic from each offending address"))
    assert (denied["fullnode1"]["changed"], denied["validator4"]["changed"], dropped["validator3"]["changed"]) == (False, False, False)
    assert "skipped" not in denied["fullnode1"], denied["fullnode1"]
    assert _ufw_rules(lab, "fullnode1") == rules

    # Undo by comment, with the commands docs/playsec002_unauthorized_access.md gives.
    undo_ufw = ("ufw show added | grep -F \"comment '%s'\" | sed -e 's/^ufw //' -e \"s/ comment '.*'$//\" "
                "| while read -r rule; do ufw delete $rule; done" % comment)
    undo_iptables = ("for tool in iptables ip6tables; do $tool -S INPUT | grep -F -- '--comment \"%s\"' | sed 's/^-A /-D /' "
                     "| while read -r rule; do eval $tool $rule; done; done" % comment)
    for node, undo in (("fullnode1", undo_ufw), ("validator4", undo_ufw), ("validator3", undo_iptables)):
        _in(lab, node, "sh", "-c", undo)
    assert not [line for line in _ufw_rules(lab, "fullnode1") if "virtengine-ir" in line]
    assert len(_ufw_rules(lab, "fullnode1")) == 4  # the lab's own 22 and 26656:26660 rules, both families
    assert "virtengine-ir" not in _in(lab, "validator4", "ufw", "show", "added")
    assert "virtengine-ir" not in _in(lab, "validator3", "iptables", "-S") + _in(lab, "validator3", "ip6tables", "-S")
