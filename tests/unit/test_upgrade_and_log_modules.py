# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules around the catalogue and the upgrade decision: node_log_signatures (a real log file, a missing
journal) and upgrade_plan (against the x/upgrade REST double, tests/doubles/upgrade_rest.py)."""

from pathlib import Path

from ansible_collections.virtengine.incident_response.plugins.modules import node_log_signatures, upgrade_plan
from ansible_collections.virtengine.incident_response.tests.doubles.upgrade_rest import UpgradeRest, plan_json

CASE01_LOG = Path(__file__).parent / "fixtures" / "cases" / "01-upgrade-height-halt" / "val-a.journal.log"


def test_node_log_signatures_reads_the_end_of_a_file(run_module, tmp_path):
    log = tmp_path / "node.log"
    log.write_text("8:00AM INF committed state height=11859998 module=state\n" * 3 + CASE01_LOG.read_text())
    result = run_module(node_log_signatures, {"source": "file", "path": str(log), "lines": 200})
    assert result["error"] is None and result["changed"] is False and result["lines_read"] == 3 + len(CASE01_LOG.read_text().splitlines())
    assert result["signatures"]["upgrade_needed"]["fields"]["upgrade_name"] == "v2.12"
    assert result["last_committed_height"] == 11859998
    tail = run_module(node_log_signatures, {"source": "file", "path": str(log), "lines": 1})
    assert tail["lines_read"] == 1 and list(tail["signatures"]) == ["upgrade_needed"] and tail["last_committed_height"] is None


def test_node_log_signatures_reports_what_it_cannot_read(run_module, tmp_path, monkeypatch):
    missing = run_module(node_log_signatures, {"source": "file", "path": str(tmp_path / "nope.log")})
    assert missing["_rc"] == 0 and "does not exist" in missing["error"] and missing["signatures"] == {}
    monkeypatch.setenv("PATH", str(tmp_path))
    journal = run_module(node_log_signatures, {"source": "journald", "unit": "virtengine"})
    assert journal["_rc"] == 0 and "journalctl is not installed" in journal["error"]
    bad = run_module(node_log_signatures, {"source": "file", "path": str(tmp_path / "x"), "lines": 0})
    assert bad["failed"] and "lines=0" in bad["msg"]


def test_upgrade_plan_reads_the_plan_and_applied_heights(run_module):
    state = {"plan": plan_json("v2.12", 11860000, '{"binaries":{}}'), "applied": {"v2.11": 10500000}}
    with UpgradeRest(state) as rest:
        result = run_module(upgrade_plan, {"endpoints": ["http://127.0.0.1:9", {"name": "val-a", "url": rest.url}], "names": ["v2.11", "v2.12"],
                                           "timeout": 2})
    assert result["error"] is None and result["answered_by"] == "val-a"
    assert result["plan"]["name"] == "v2.12" and result["plan"]["height"] == "11860000"
    assert result["applied"] == {"v2.11": 10500000, "v2.12": 0}
    assert result["endpoints"][0]["error"] and "reachable" in result["endpoints"][0]["error"]


def test_upgrade_plan_without_a_plan_and_with_no_rest(run_module):
    with UpgradeRest({"plan": None}) as rest:
        assert run_module(upgrade_plan, {"endpoints": [rest.url]})["plan"] is None
        wrong = run_module(upgrade_plan, {"endpoints": [rest.url + "/not-rest"]})
    assert wrong["plan"] is None and "no REST endpoint answered" in wrong["error"] and "HTTP 501" in wrong["error"]
    bad = run_module(upgrade_plan, {"endpoints": ["10.0.0.5:1317"]})
    assert bad["failed"] and "10.0.0.5:1317" in bad["msg"]
