# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one log reader (plugins/module_utils/_log_reader.py) on a node log rebuilt from case 01's public report, and
the three modules that read logs through it (node_log_signatures, provider_logs, auth_log_scan)."""

from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils import _log_reader
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_reader import journal_argv, read_tail
from ansible_collections.virtengine.incident_response.plugins.modules import node_log_signatures, provider_logs

CASE01_LOG = Path(__file__).parent / "fixtures" / "cases" / "01-upgrade-height-halt" / "val-a.journal.log"
LINES = CASE01_LOG.read_text().splitlines()


def test_read_tail_keeps_the_newest_lines():
    assert read_tail(str(CASE01_LOG)) == (LINES, None)
    assert read_tail(str(CASE01_LOG), lines=2) == (LINES[-2:], None)
    assert read_tail(str(CASE01_LOG), lines=len(LINES) + 10) == (LINES, None)


@pytest.mark.parametrize("block", [1, 7, 64, 65536])
def test_read_tail_reads_backwards_across_block_boundaries(monkeypatch, tmp_path, block):
    """Whatever the block size, the newest lines are whole and in order; with or without a final line break."""
    monkeypatch.setattr(_log_reader, "_BLOCK", block)
    for wanted in (1, 2, 5, len(LINES), len(LINES) + 3):
        assert read_tail(str(CASE01_LOG), lines=wanted) == (LINES[-wanted:], None)
    unterminated = tmp_path / "unterminated.log"
    unterminated.write_text("first\nsecond\r\nthird")
    assert read_tail(str(unterminated), lines=2) == (["second", "third"], None)
    assert read_tail(str(unterminated), lines=2, max_bytes=9) == (["third"], None)


def test_read_tail_within_max_bytes_drops_the_cut_line():
    data = CASE01_LOG.read_bytes()
    last_two = len("\n".join(LINES[-2:]).encode()) + 1  # the two newest lines and the final newline
    # a cut inside the third newest line: it is dropped, the two newest stay whole
    assert read_tail(str(CASE01_LOG), max_bytes=last_two + 5) == (LINES[-2:], None)
    assert read_tail(str(CASE01_LOG), max_bytes=len(data)) == (LINES, None)
    assert read_tail(str(CASE01_LOG), lines=1, max_bytes=last_two + 5) == (LINES[-1:], None)


def test_read_tail_reports_what_it_cannot_read(tmp_path):
    lines, error = read_tail(str(tmp_path / "absent.log"))
    assert lines is None and error == "log file %s does not exist on this host" % (tmp_path / "absent.log")
    broken = tmp_path / "binary.log"
    broken.write_bytes(b"ok\n\xff\xfe height=5\r\n")
    assert read_tail(str(broken)) == (["ok", "\ufffd\ufffd height=5"], None)


def test_journal_argv_reads_the_newest_lines_or_a_window():
    assert journal_argv("/usr/bin/journalctl", ["virtengine"], lines=200) == [
        "/usr/bin/journalctl", "--no-pager", "-o", "cat", "-u", "virtengine", "-n", "200"]
    assert journal_argv("journalctl", ["provider-daemon"], since="30 min ago")[-2:] == ["--since", "30 min ago"]


def test_modules_fail_on_a_unit_that_is_not_one(run_module):
    for module, args in ((node_log_signatures, {"source": "journald", "unit": "--all"}),
                         (provider_logs, {"source": "journald", "unit": "-f"})):
        result = run_module(module, args)
        assert result["failed"] and "is not a systemd unit name" in result["msg"]


@pytest.mark.parametrize("max_bytes, expected", [(1, 0), (64, 1), (1048576, 3)])
def test_provider_logs_reads_files_within_max_bytes(run_module, tmp_path, max_bytes, expected):
    """Three 43-byte lines: 64 bytes end inside the second line, so only the third is whole."""
    log = tmp_path / "provider.log"
    log.write_text("[BID] Failed to bid on order o/1/1/1: boom\n" * 3)
    missing = str(tmp_path / "absent.log")
    result = run_module(provider_logs, {"source": "file", "paths": [str(log), missing], "max_bytes": max_bytes})
    assert result["lines"] == expected and result["patterns"].get("bid_failed", {}).get("count", 0) == expected
    assert result["error"] == "log file %s does not exist on this host" % missing
