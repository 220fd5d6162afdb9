# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EDA filter's host limit through a real ansible-rulebook: case 28's webhook (blackbox URL instances, one with an
IPv6 literal) posted to the built-in webhook source, split by the built-in event_splitter, annotated by the collection's
filter with a literal ``targets`` map, and each alert's run_playbook limited by ansible-rulebook itself. A target the map
names runs on that inventory host and localhost; one it does not name runs on the whole inventory, and the run's report
(the collection's report role, fed ``ansible_eda`` by ansible-rulebook) says why. Nothing here touches a real node: the
inventory hosts are local connections and the playbook only records where it ran."""

import json
import socket

import requests
import yaml

from conftest import REPO, wait_until
from eda_rulebook import rulebook

CASE28 = REPO / "tests" / "unit" / "fixtures" / "cases" / "28-eda-blackbox-url-instance"

RECORD = """\
- name: Record where ansible-rulebook ran this alert's playbook
  hosts: all
  gather_facts: false
  tasks:
    - name: Write the alert's host and the play's hosts
      ansible.builtin.copy:
        dest: "{{ record_dir }}/{{ ansible_eda.event.ir.incident_id }}.json"
        content: "{{ {'host': ansible_eda.event.ir.host, 'scope': ansible_eda.event.ir.scope, 'hosts': ansible_play_hosts_all | sort} | to_json }}"
        mode: "0644"
      run_once: true
      delegate_to: localhost

    - name: Write the report of the run
      ansible.builtin.include_role:
        name: virtengine.incident_response.report
      vars:
        report_name: "{{ ansible_eda.event.ir.incident_id }}"
        report_findings: []
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_case28_webhook_limits_each_run_to_its_mapped_host_or_runs_fleet_wide_and_says_why(tmp_path):
    """Case tests/unit/fixtures/cases/28-eda-blackbox-url-instance through ansible-rulebook 1.3.2: provider1's probe URL
    and provider3's IPv6 literal (written in another spelling in the map) are mapped; provider2.example.net is not."""
    port = free_port()
    records, reports = tmp_path / "records", tmp_path / "reports"
    records.mkdir()
    inventory = tmp_path / "hosts.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    inventory.write_text(json.dumps({"all": {"hosts": dict((name, local) for name in ("localhost", "provider1", "provider3", "validator1"))}}))
    (tmp_path / "record.yml").write_text(RECORD)
    rules = [{
        "name": "Case 28 targets", "hosts": "all,localhost",
        "sources": [{"name": "alertmanager", "eda.builtin.webhook": {"host": "127.0.0.1", "port": port},
                     "filters": [{"eda.builtin.event_splitter": {"splitter_key": "payload.alerts"}},
                                 {"virtengine.incident_response.alertmanager_alert": {
                                     "limit_hosts": True,
                                     "targets": {"http://provider1.example.net:8080/health": "provider1", "2001:DB8:0:7:0:0:0:3": "provider3"}}}]}],
        "rules": [{"name": "ProviderDaemonDown -> record", "condition": 'event.ir.alert == "ProviderDaemonDown"',
                   "action": {"run_playbook": {"name": "record.yml", "extra_vars": {"record_dir": str(records), "ir_report_dir": str(reports)}}}}],
    }]
    (tmp_path / "targets.yml").write_text(yaml.safe_dump(rules))
    body = json.loads((CASE28 / "webhook_providerdaemondown.json").read_text())
    with rulebook(str(tmp_path / "targets.yml"), tmp_path, inventory, {"eda_webhook_port": port}, [port]):
        assert requests.post("http://127.0.0.1:%d/alerts" % port, json=body, timeout=120).status_code == 200
        wait_until("the three runs to record where they ran", lambda: len(list(records.glob("*.json"))) == 3, 300)
        wait_until("the three reports", lambda: len(list(reports.glob("*.json"))) == 3, 120)
    ran = dict((r["host"], r) for r in (json.loads(p.read_text()) for p in records.glob("*.json")))
    assert ran["provider1.example.net"] == {"host": "provider1.example.net", "scope": "host", "hosts": ["localhost", "provider1"]}
    assert ran["2001:db8:0:7::3"] == {"host": "2001:db8:0:7::3", "scope": "host", "hosts": ["localhost", "provider3"]}
    assert ran["provider2.example.net"] == {"host": "provider2.example.net", "scope": "fleet",
                                            "hosts": ["localhost", "provider1", "provider3", "validator1"]}
    findings = [json.loads(p.read_text())["findings"][0] for p in reports.glob("*.json")]
    assert ("Started by alert ProviderDaemonDown (ProviderDaemonDown -> record): instance https://provider2.example.net/health "
            "(host provider2.example.net) matches no inventory host in the filter's targets or inventory_hosts: the run covers the "
            "whole fleet; add it to targets (docs/eda.md)") in findings
    assert "matches no inventory host" in (tmp_path / "rulebook.log").read_text(), "ansible-rulebook logged the fallback"
