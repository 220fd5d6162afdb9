# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/diagnose.yml end to end on the real local network."""

import json

from conftest import REPO, run_playbook

PLAYBOOK = REPO / "playbooks" / "diagnose.yml"


def _reports(report_dir):
    files = sorted(report_dir.glob("*-diagnose.json"))
    assert len(files) == 1, "exactly one JSON report: %s" % files
    markdown = files[0].with_suffix(".md")
    assert markdown.exists()
    return json.loads(files[0].read_text()), markdown.read_text()


def _changed(run):
    return dict((host, stats["changed"]) for host, stats in run.stats.items())


def test_healthy_network_report(localnet, report_dir):
    run = run_playbook(PLAYBOOK, env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-2000:]
    assert set(_changed(run).values()) == {0}, "diagnosis changes nothing"
    report, markdown = _reports(report_dir)
    assert report["verdict"] == "healthy"
    assert report["summary"]["halted"] is False and report["summary"]["island_count"] == 1
    rows = dict((r["node"], r) for r in report["data"]["diagnosis"]["nodes"])
    assert sorted(rows) == ["fullnode1", "validator1", "validator2", "validator3", "validator4"]
    assert all(r["process"] == "RUNNING" and r["advancing"] for r in rows.values())
    # Free space is read on each node's host (node_inspect read=[resources]); nothing is a cause on a healthy network.
    assert all(r["disk_free"] and r["disk_free"] != "?" for r in rows.values())
    assert report["data"]["diagnosis"]["causes"] == [] and report["data"]["diagnosis"]["outside_set"] == []
    assert "| node | height | behind |" in markdown and "| validator3 |" in markdown
    # The report is shown as a list of lines (one per line in every callback, AWX's job output included).
    shown = "\n".join(run.result("Show the report")["msg"])
    assert "Fleet diagnosis: HEALTHY" in shown and "validator4" in shown


def test_check_mode_still_reports(localnet, report_dir):
    run = run_playbook(PLAYBOOK, "--check", env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0
    report, _markdown = _reports(report_dir)
    assert report["check_mode"] is True and report["verdict"] == "healthy"


def test_halted_network_report_names_the_stopped_validators(localnet, report_dir):
    localnet.run("stop", "validator3", "validator4")
    try:
        run = run_playbook(PLAYBOOK, extra_vars={"fleet_probe_halt_window": 6, "fleet_probe_settle_time": 0},
                           env={"IR_REPORT_DIR": str(report_dir)})
        assert run.rc == 0
        report, markdown = _reports(report_dir)
        assert report["verdict"] == "halted"
        assert sorted(a["name"] for a in report["data"]["diagnosis"]["absent"]) == ["validator3", "validator4"]
        assert report["summary"]["quorum_reachable"] is False
        rows = dict((r["node"], r) for r in report["data"]["diagnosis"]["nodes"])
        assert rows["validator3"]["process"] == "STOPPED" and rows["validator1"]["process"] == "RUNNING"
        assert any("CHAIN HALTED" in f for f in report["findings"])
        assert "## Absent validators" in markdown
        # Diagnosis never restarts anything.
        assert [n["process"] for n in localnet.status()["nodes"] if n["node"] in ("validator3", "validator4")] == ["STOPPED", "STOPPED"]
    finally:
        localnet.run("start", "validator3", "validator4")
        localnet.wait_blocks("validator1", 3)


def test_unreachable_host_is_reported_and_the_rest_diagnosed(localnet, report_dir, ghost_inventory):
    run = run_playbook(PLAYBOOK, "-i", str(ghost_inventory), env={"IR_REPORT_DIR": str(report_dir)})
    assert run.rc == 0, run.raw[-2000:]
    report, _markdown = _reports(report_dir)
    rows = dict((r["node"], r) for r in report["data"]["diagnosis"]["nodes"])
    assert rows["ghost"]["process"] == "UNREACHABLE" and "connection refused" in rows["ghost"]["error"]
    assert rows["validator1"]["process"] == "RUNNING"
    assert "ghost: RPC unreachable" in report["findings"]
    assert report["verdict"] == "degraded"
