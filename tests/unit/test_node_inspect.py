# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_inspect (one module run per node): the binary's parsing in module_utils/_node_binary.py on a real binary's
answers and a real upgrade-halt log, and the module on this machine's files and tools."""

import hashlib
import json
import os
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.action.report_write import write_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import read_tail
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_binary import (
    binary_record,
    upgrade_binary_path,
    upgrade_named_by_logs,
    version_line,
)
from ansible_collections.virtengine.incident_response.plugins.modules import node_inspect

FIXTURES = Path(__file__).parent / "fixtures"
UPGRADE_LOG = FIXTURES / "cases" / "01-upgrade-height-halt" / "val-a.journal.log"


def answer(name):
    data = json.loads((FIXTURES / "node_binary" / name).read_text())
    return data["stdout"], data["stderr"]


def test_the_version_is_the_first_line_the_binary_printed():
    assert version_line(*answer("cometbft_version.json")) == "0.38.19"


def test_a_binary_that_prints_only_on_stderr_gives_that_line():
    assert version_line(*answer("cometbft_version_bad_flag.json")) == "ERROR: unknown flag: --bogus"
    assert version_line("", "") is None and version_line(None, None) is None


def test_the_upgrade_binary_lives_in_cosmovisors_layout_under_the_binarys_file_name():
    assert upgrade_binary_path("/home/ve/.virtengine/cosmovisor/", "v2.12", "/usr/local/bin/virtengine") == \
        "/home/ve/.virtengine/cosmovisor/upgrades/v2.12/bin/virtengine"


def test_the_upgrade_named_by_a_real_upgrade_halt_log():
    lines, error = read_tail(str(UPGRADE_LOG))
    assert error is None
    assert upgrade_named_by_logs(scan(lines, 3)["signatures"]) == "v2.12"


def test_no_upgrade_in_the_logs_names_none_and_bad_input_is_a_clear_error():
    assert upgrade_named_by_logs({}) is None
    assert upgrade_named_by_logs({"upgrade_needed": {"fields": {}}}) is None
    with pytest.raises(ValueError, match="must be a mapping"):
        upgrade_named_by_logs(["upgrade_needed"])


def test_a_binary_that_is_not_found_is_the_records_error():
    record = binary_record("virtengine", None, None, None)
    assert record == {"path": None, "sha256": None, "version": None, "error": "binary virtengine not found on this host",
                      "upgrade": {"name": None, "path": None, "present": False, "sha256": None}}


@pytest.fixture
def node_files(tmp_path):
    """A binary that answers `version` as the real one did, a cosmovisor layout with the v2.12 binary in place."""
    binary = tmp_path / "bin" / "virtengine"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\nprintf '%s'\n" % answer("cometbft_version.json")[0].strip())
    binary.chmod(0o755)
    upgrade = tmp_path / "cosmovisor" / "upgrades" / "v2.12" / "bin" / "virtengine"
    upgrade.parent.mkdir(parents=True)
    upgrade.write_bytes(b"upgrade binary")
    return binary, upgrade


def test_one_run_reads_service_logs_and_the_binary_of_the_upgrade_the_logs_name(run_module, node_files, tmp_path):
    binary, upgrade = node_files
    missing = str(tmp_path / "missing.conf")
    result = run_module(node_inspect, {
        "read": ["service", "logs", "binary"], "service_name": "validator1", "manager": "supervisor",
        "supervisor_config": missing, "log_source": "file", "log_path": str(UPGRADE_LOG),
        "binary": str(binary), "cosmovisor_dir": str(tmp_path / "cosmovisor")})
    assert result["_rc"] == 0 and result["changed"] is False
    # supervisor without its configuration file: the service's error, not the module's failure
    assert result["service"]["state"] == "UNKNOWN" and "could not find config file %s" % missing in result["service"]["error"]
    assert "upgrade_needed" in result["logs"]["signatures"] and result["logs"]["error"] is None
    assert result["binary"] == {
        "path": str(binary), "sha256": hashlib.sha256(binary.read_bytes()).hexdigest(), "version": "0.38.19", "error": None,
        "upgrade": {"name": "v2.12", "path": str(upgrade), "present": True, "sha256": hashlib.sha256(b"upgrade binary").hexdigest()}}


def test_a_named_upgrade_wins_over_the_logs_and_only_what_is_asked_is_read(run_module, node_files, tmp_path):
    binary, _upgrade = node_files
    result = run_module(node_inspect, {"read": ["binary"], "binary": str(binary), "upgrade_name": "v3",
                                       "cosmovisor_dir": str(tmp_path / "cosmovisor")})
    assert result["_rc"] == 0 and "service" not in result and "logs" not in result
    assert result["binary"]["upgrade"] == {"name": "v3", "path": str(tmp_path / "cosmovisor/upgrades/v3/bin/virtengine"),
                                           "present": False, "sha256": None}


def test_missing_log_and_binary_are_each_readings_error(run_module, tmp_path):
    result = run_module(node_inspect, {"read": ["logs", "binary"], "log_source": "file", "log_path": str(tmp_path / "none.log"),
                                       "binary": str(tmp_path / "virtengine")})
    assert result["_rc"] == 0
    assert result["logs"] == {"signatures": {}, "last_committed_height": None,
                              "error": "log file %s does not exist on this host" % (tmp_path / "none.log")}
    assert result["binary"]["error"] == "binary %s not found on this host" % (tmp_path / "virtengine")


@pytest.mark.parametrize("args, says", [
    ({"read": []}, "read=[] reads nothing"),
    ({"read": ["logs"], "log_source": "file"}, "log_source=file needs log_path"),
    ({"read": ["logs"], "log_source": "file", "log_path": "/x", "log_lines": 0}, "log_lines=0 must be 1 or more"),
    ({"read": ["binary"], "binary": " "}, "binary=' ' must be the node's binary"),
])
def test_bad_arguments_fail_naming_the_value(run_module, args, says):
    result = run_module(node_inspect, args)
    assert result["_rc"] == 1 and says in result["msg"]


def test_a_report_file_is_written_whole_and_its_new_directory_gets_the_mode(tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    write_file(str(existing / "a.json"), "{}\n", 0o640, 0o750)
    assert (existing / "a.json").read_text() == "{}\n" and (existing / "a.json").stat().st_mode & 0o777 == 0o640
    assert existing.stat().st_mode & 0o777 == 0o755, "an existing directory's mode is left alone"
    write_file(str(tmp_path / "new" / "reports" / "a.md"), "# Report\n", 0o640, 0o750)
    assert (tmp_path / "new" / "reports").stat().st_mode & 0o777 == 0o750 & ~_umask()
    write_file(str(existing / "a.json"), "{\"v\": 2}\n", 0o640, 0o750)
    assert (existing / "a.json").read_text() == "{\"v\": 2}\n"
    assert sorted(os.listdir(str(existing))) == ["a.json"], "no temporary file left behind"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
