# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible end to end, all real: the local network halts, Prometheus (the collection's rules) fires
ChainHalted, Alertmanager posts it, ansible-rulebook runs PLAY-001's diagnosis through the collection's rulebook.
Nothing is remediated: the validators stay stopped until the test starts them again in ``finally``."""

import json
import os

import requests

from conftest import INVENTORY, wait_until
from eda_rulebook import rulebook

WEBHOOK_PORT = int(os.environ.get("TEST_EDA_WEBHOOK_PORT", "5000"))


def _processes(localnet):
    return dict((n["node"], n["process"]) for n in localnet.status()["nodes"])


def test_chain_halted_alert_runs_the_play001_diagnosis_and_remediates_nothing(localnet, test_services, tmp_path):
    services = test_services("prometheus", "alertmanager")
    reports, incidents = tmp_path / "reports", tmp_path / "incidents"
    env = {"IR_REPORT_DIR": str(reports), "IR_INCIDENT_ROOT": str(incidents),
           # The scribe is not in Ansible's defaults: this is how docs/eda.md turns it on for the rulebook's runs.
           "ANSIBLE_CALLBACKS_ENABLED": "virtengine.incident_response.scribe"}
    with rulebook("virtengine.incident_response.alertmanager_cli", tmp_path, INVENTORY,
                  {"eda_webhook_host": "127.0.0.1", "eda_webhook_port": WEBHOOK_PORT}, [WEBHOOK_PORT], env=env):
        localnet.run("stop", "validator3", "validator4")
        try:
            alert = wait_until("Prometheus to fire ChainHalted", lambda: [a for a in requests_alerts(services["prometheus"])
                                                                          if a["labels"]["alertname"] == "ChainHalted" and a["state"] == "firing"], 600)
            report_file = wait_until("the rulebook's PLAY-001 run to write its report",
                                     lambda: sorted(reports.glob("*-play001.json")) and "PLAY-001" in (tmp_path / "rulebook.log").read_text()
                                     and sorted(reports.glob("*-play001.json"))[0], 1200)
            wait_until("the playbook run to end", lambda: "Ansible runner rc" in (tmp_path / "rulebook.log").read_text()
                       or "PLAY RECAP" in (tmp_path / "rulebook.log").read_text(), 600)
            report = json.loads(report_file.read_text())
            assert report["summary"]["scenario"] == "B"
            assert [(c["action"], c["decision"]) for c in report["data"]["confirmations"]] == [("coordinated_restart", "refused")]
            confirmation = report["data"]["confirmations"][0]
            assert confirmation["job"]["eda_rule"] == "Runbook diagnosis on Alertmanager alerts / ChainHalted -> PLAY-001 diagnosis"
            # The incident is the one the alert names (same id for its repeats and its resolution).
            incident_dirs = sorted(p.name for p in incidents.iterdir() if p.is_dir())
            assert incident_dirs == [report["summary"]["incident"]], incident_dirs
            assert incident_dirs[0].startswith("INC-%s-" % alert[0]["activeAt"][:10].replace("-", ""))
            timeline = [json.loads(line) for line in (incidents / incident_dirs[0] / "timeline.jsonl").read_text().splitlines()]
            assert any(e["kind"] == "gate" and e["decision"] == "refused" for e in timeline)
            assert any(e["kind"] == "task" for e in timeline), "the scribe wrote the run's tasks"
            # Nothing was remediated.
            assert _processes(localnet)["validator3"] == "STOPPED" and _processes(localnet)["validator4"] == "STOPPED"
            assert report["verdict"] == "not recovered"
        finally:
            localnet.run("start", "validator3", "validator4")
            localnet.wait_blocks("validator1", 3)


def requests_alerts(prometheus):
    try:
        return requests.get(prometheus + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    except (requests.RequestException, ValueError, KeyError):
        return []
