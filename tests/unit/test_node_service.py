# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_service_info's parsing (module_utils/_node_service.py) on the managers' captured answers."""

import json
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._node_service import (
    parse_systemd_timestamp,
    process_start_time,
    service_record,
    supervisor_service,
    systemd_service,
)
from ansible_collections.virtengine.incident_response.plugins.modules import node_service_info

FIXTURES = Path(__file__).parent / "fixtures" / "node_service"


def answer(name):
    data = json.loads((FIXTURES / name).read_text())
    return data["argv"][-1], data["rc"], data["stdout"], data["stderr"]


def test_a_running_program_gives_state_and_pid():
    assert supervisor_service(*answer("supervisorctl_status_running.json")) == {
        "state": "RUNNING", "pid": 27284, "description": "pid 27284, uptime 0:00:03", "error": None}


@pytest.mark.parametrize("fixture, state", [
    ("supervisorctl_status_stopped.json", "STOPPED"),
    ("supervisorctl_status_not_started.json", "STOPPED"),
    ("supervisorctl_status_fatal.json", "FATAL"),
])
def test_a_program_that_does_not_run_is_an_answer_not_an_error(fixture, state):
    reading = supervisor_service(*answer(fixture))
    assert reading["state"] == state and reading["pid"] is None and reading["error"] is None
    record = service_record("supervisor", "validator1", reading, 1796029420.0)
    assert record["running"] is False and record["started_at"] is None and record["uptime_seconds"] is None


@pytest.mark.parametrize("fixture, says", [
    ("supervisorctl_status_nosuch.json", "nosuch: ERROR (no such process)"),
    ("supervisorctl_status_supervisord_down.json", "s.sock no such file"),
    ("supervisorctl_status_no_config.json", "could not find config file /srv/localnet/missing.conf"),
])
def test_no_program_or_no_supervisord_is_the_services_error(fixture, says):
    name, rc, out, err = answer(fixture)
    reading = supervisor_service(name, rc, out, err)
    assert reading["state"] == "UNKNOWN" and says in reading["error"] and ("rc %d" % rc) in reading["error"]
    assert service_record("supervisor", name, reading, 0)["running"] is None, "unknown, not 'stopped'"


def test_the_start_time_comes_from_the_kernels_record():
    started = process_start_time((FIXTURES / "proc_stat.txt").read_text(), (FIXTURES / "proc_pid_stat.txt").read_text(), 100)
    # btime 1796003380 + 2603287 ticks / 100.
    assert started == 1796029412.87


def test_a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields():
    stat = (FIXTURES / "proc_pid_stat.txt").read_text().replace("(sleep)", "(a) b (c)")
    assert process_start_time((FIXTURES / "proc_stat.txt").read_text(), stat, 100) == 1796029412.87


def test_missing_kernel_fields_are_a_value_error():
    with pytest.raises(ValueError, match="btime"):
        process_start_time("cpu 1 2 3\n", (FIXTURES / "proc_pid_stat.txt").read_text(), 100)


def test_an_active_unit_gives_state_pid_start_and_restarts():
    reading = systemd_service(*answer("systemctl_show_active.json"))
    assert reading == {"state": "ACTIVE", "sub_state": "running", "pid": 250, "started_at": 1796043205.615302,
                       "restarts": 2, "error": None}
    record = service_record("systemd", "virtengine", reading, 1796043215.615302)
    assert record["running"] is True and record["uptime_seconds"] == 10.0
    assert record["started_at_iso"] == "2026-11-30T12:53:25.615302Z"


def test_a_stopped_unit_keeps_no_start_time():
    reading = systemd_service(*answer("systemctl_show_stopped.json"))
    assert reading["state"] == "INACTIVE" and reading["pid"] is None and reading["started_at"] is None
    assert service_record("systemd", "virtengine", reading, 0)["running"] is False


def test_a_unit_that_does_not_exist_is_named():
    reading = systemd_service(*answer("systemctl_show_not_found.json"))
    assert reading["error"] == "no systemd unit virtengin on this host (LoadState=not-found): check node_service_name"


def test_systemctl_without_systemd_is_the_services_error():
    reading = systemd_service(*answer("systemctl_show_no_bus.json"))
    assert reading["state"] == "UNKNOWN" and "rc 1" in reading["error"] and "Failed to connect to bus" in reading["error"]


@pytest.mark.parametrize("value, epoch", [
    ("Mon 2026-11-30 09:10:12.503271 UTC", 1796029812.503271),
    ("Mon 2026-11-30 09:10:12 UTC", 1796029812.0),
    ("@1796029812", 1796029812.0),
    ("", None),
    ("n/a", None),
])
def test_systemd_timestamps(value, epoch):
    assert parse_systemd_timestamp(value) == epoch


def test_a_local_time_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="Thu 2026-10-08 23:33:44 IST"):
        parse_systemd_timestamp("Thu 2026-10-08 23:33:44 IST")
    reading = systemd_service("virtengine", 0, "MainPID=7\nActiveState=active\nExecMainStartTimestamp=Thu 2026-10-08 23:33:44 IST\n", "")
    assert reading["state"] == "UNKNOWN" and "IST" in reading["error"]


def test_the_agreed_moment_says_how_long_after_it_the_process_started():
    reading = systemd_service(*answer("systemctl_show_active.json"))
    assert service_record("systemd", "virtengine", reading, 1796043215.6, at=1796043205.612)["started_after_at_seconds"] == 0.003
    assert service_record("systemd", "virtengine", reading, 1796043215.6, at=1796043293.112)["started_after_at_seconds"] == -87.497, \
        "started before the moment: not restarted then"
    assert service_record("systemd", "virtengine", reading, 1796043215.6)["started_after_at_seconds"] is None


def test_the_module_reports_a_manager_that_cannot_answer_as_each_services_error(run_module, tmp_path):
    # This machine's real tools: systemctl without systemd as PID 1, supervisorctl without a configuration file.
    result = run_module(node_service_info, {"names": ["virtengine", "sidecar"]})
    assert result["_rc"] == 0 and result["changed"] is False
    assert [s["name"] for s in result["services"]] == ["virtengine", "sidecar"]
    assert all(s["state"] == "UNKNOWN" and s["running"] is None and s["error"] for s in result["services"])
    missing = str(tmp_path / "missing.conf")
    result = run_module(node_service_info, {"names": ["validator1"], "manager": "supervisor", "supervisor_config": missing})
    assert result["_rc"] == 0 and "could not find config file %s" % missing in result["services"][0]["error"]


def test_the_module_refuses_an_empty_name(run_module):
    result = run_module(node_service_info, {"names": ["validator1", " "]})
    assert result["_rc"] == 1 and "must list at least one non-empty" in result["msg"]
