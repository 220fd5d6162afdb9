# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incidents on disk: ids unique per day under real parallel processes, state updates, the timeline, redaction."""

import datetime
import json
import subprocess
import sys
import textwrap

from ansible_collections.virtengine.incident_response.plugins.module_utils import _incident_store as store
from ansible_collections.virtengine.incident_response.plugins.modules import incident_state, incident_timeline
from ansible_collections.virtengine.incident_response.tests.conftest import _TREE

DAY1 = datetime.datetime(2026, 1, 27, 10, 0, tzinfo=datetime.timezone.utc)


def test_ids_count_up_per_day_and_restart_the_next_day(tmp_path):
    first, _created = store.declare(str(tmp_path), {"title": "a"}, now=DAY1)
    second, _created = store.declare(str(tmp_path), {"title": "b"}, now=DAY1)
    next_day, _created = store.declare(str(tmp_path), {"title": "c"}, now=DAY1 + datetime.timedelta(days=1))
    assert [first["id"], second["id"], next_day["id"]] == ["INC-20260127-001", "INC-20260127-002", "INC-20260128-001"]
    assert (tmp_path / "INC-20260127-002" / "reports").is_dir()
    state = json.loads((tmp_path / "INC-20260127-001" / "state.json").read_text())
    assert state["title"] == "a" and state["status"] == "Investigating" and state["comms"] == []


def test_parallel_processes_never_get_the_same_id(tmp_path):
    """Eight real processes, each declaring five incidents at once, get forty different ids."""
    worker = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import declare
        for n in range(5):
            print(declare(sys.argv[1], {"title": "parallel"})[0]["id"], flush=True)
    """ % str(_TREE))
    processes = [subprocess.Popen([sys.executable, "-c", worker, str(tmp_path)], stdout=subprocess.PIPE, text=True) for _n in range(8)]
    ids = []
    for process in processes:
        out, _err = process.communicate(timeout=60)
        assert process.returncode == 0
        ids += out.split()
    assert len(ids) == 40 and len(set(ids)) == 40
    by_day = {}
    for incident_id in ids:
        by_day.setdefault(incident_id[4:12], []).append(int(incident_id.rsplit("-", 1)[1]))
    # No gaps and no repeats within a day (a run across midnight starts the count again).
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in by_day.values())
    assert len(list(tmp_path.glob("INC-*/state.json"))) == 40


def test_parallel_timeline_appends_keep_every_line_whole(tmp_path):
    directory = tmp_path / "INC-20260127-001"
    directory.mkdir()
    worker = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import append_timeline
        for n in range(200):
            append_timeline(sys.argv[1], {"kind": "note", "text": sys.argv[2] * 3000, "n": n})
    """ % str(_TREE))
    processes = [subprocess.Popen([sys.executable, "-c", worker, str(directory), letter]) for letter in "abcd"]
    assert all(p.wait(timeout=60) == 0 for p in processes)
    entries = store.read_timeline(str(directory))
    assert len(entries) == 800 and all(len(set(e["text"])) == 1 for e in entries)


def test_secrets_never_reach_the_state_or_the_timeline(tmp_path):
    state, _created = store.declare(str(tmp_path), {"title": "t", "slack_token": "xoxb-1-2-abc", "notes": "Bearer abcdefghijkl"}, now=DAY1)
    store.append_timeline(state["dir"], {"kind": "note", "text": "used xoxb-999-888-secret and OAuth sp-key-12345", "api_key": "k"})
    everything = (tmp_path / state["id"] / "state.json").read_text() + (tmp_path / state["id"] / "timeline.jsonl").read_text()
    for secret in ("xoxb-1-2-abc", "abcdefghijkl", "xoxb-999-888-secret", "sp-key-12345"):
        assert secret not in everything
    assert store.redact("token is hunter22", ["hunter22"]) == "token is ********"


def test_incident_state_module_declares_updates_resolves_and_reads(run_module, tmp_path):
    root = str(tmp_path)
    declared = run_module(incident_state, {"root": root, "state": "declared", "fields": {"title": "Chain halted", "severity": "SEV-1"}})
    incident_id = declared["incident"]["id"]
    assert declared["changed"] and declared["created"] and incident_id.startswith("INC-")
    again = run_module(incident_state, {"root": root, "state": "declared", "id": incident_id, "fields": {"title": "other"}})
    assert not again["created"] and again["incident"]["title"] == "Chain halted"
    updated = run_module(incident_state, {"root": root, "state": "updated", "id": incident_id, "fields": {"status": "Identified"},
                                          "comms": [{"service": "slack", "ok": False, "errors": ["slack: invalid_auth"]}]})
    assert updated["incident"]["status"] == "Identified" and updated["incident"]["comms"][0]["ok"] is False
    resolved = run_module(incident_state, {"root": root, "state": "resolved", "id": incident_id})
    assert resolved["incident"]["status"] == "Resolved" and resolved["incident"]["resolved_at"].endswith("Z")
    read = run_module(incident_state, {"root": root, "id": incident_id})
    assert [e["event"] for e in read["timeline"]] == ["declared", "updated", "resolved"]


def test_incident_state_names_a_missing_incident(run_module, tmp_path):
    result = run_module(incident_state, {"root": str(tmp_path), "id": "INC-20260127-009"})
    assert result["failed"] and "incident INC-20260127-009 not found in %s" % tmp_path in result["msg"]
    result = run_module(incident_state, {"root": str(tmp_path), "id": "20260127-9"})
    assert result["failed"] and "'20260127-9' is not INC-YYYYMMDD-NNN" in result["msg"]


def test_manual_timeline_entries(run_module, tmp_path):
    declared = run_module(incident_state, {"root": str(tmp_path), "state": "declared", "fields": {"title": "t"}})
    incident_id = declared["incident"]["id"]
    entry = run_module(incident_timeline, {"root": str(tmp_path), "id": incident_id, "kind": "decision",
                                           "text": "restart, not rollback (token xoxb-5-6-zzz)", "author": "alice"})
    assert entry["changed"] and entry["entry"]["kind"] == "decision"
    last = store.read_timeline(str(tmp_path / incident_id))[-1]
    assert last["text"] == "restart, not rollback (token ********)" and last["author"] == "alice"
    missing = run_module(incident_timeline, {"root": str(tmp_path), "id": "INC-20260127-050", "text": "x"})
    assert missing["failed"] and "declare it first" in missing["msg"]
    empty = run_module(incident_timeline, {"root": str(tmp_path), "id": incident_id, "text": "  "})
    assert empty["failed"] and "text is empty" in empty["msg"]
