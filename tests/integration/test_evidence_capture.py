# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""evidence_capture and evidence_verify through ansible-playbook on this machine: archive, manifest, custody
record, 0700/0600, a real gcore of a running process, originals unchanged, tampering detected."""

import hashlib
import json
import os
import stat
import subprocess
import tarfile

import pytest


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def originals(tmp_path):
    logs = tmp_path / "originals" / "logs"
    logs.mkdir(parents=True)
    (logs / "node.log").write_text("I[2026-11-27|03:00:00.000] committed state height=10\n" * 200)
    (logs / "auth.log").write_text("Nov 27 03:00:01 node1 sshd[1]: Invalid user x from 203.0.113.7 port 4000\n")
    config = tmp_path / "originals" / "config.toml"
    config.write_text('moniker = "validator1"\n')
    return tmp_path / "originals"


def test_capture_verify_and_tamper(module_run, originals, tmp_path):
    before = dict((str(p), (_sha(p), p.stat().st_mtime_ns, p.stat().st_mode)) for p in originals.rglob("*") if p.is_file())
    sleeper = subprocess.Popen(["sleep", "120"])
    try:
        result = module_run("evidence_capture", {
            "paths": [str(originals / "logs"), str(originals / "config.toml"), str(tmp_path / "absent.log")],
            "dest": str(tmp_path / "evidence"), "incident_id": "INC-20261127-001", "collected_by": "alice",
            "core_dump_pid": sleeper.pid})
        assert sleeper.poll() is None, "gcore must leave the process running"
    finally:
        sleeper.kill()
        sleeper.wait()
    assert result.get("failed") is not True, result
    directory = result["directory"]
    after = dict((str(p), (_sha(p), p.stat().st_mtime_ns, p.stat().st_mode)) for p in originals.rglob("*") if p.is_file())
    assert after == before, "the originals must not change"
    assert result["missing"] == [str(tmp_path / "absent.log")]
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    names = sorted(os.listdir(directory))
    assert names == sorted(["evidence.tar.gz", "manifest.sha256", "custody.json", "core.%d" % sleeper.pid])
    assert all(stat.S_IMODE(os.stat(os.path.join(directory, n)).st_mode) == 0o600 for n in names)
    custody = json.loads(open(os.path.join(directory, "custody.json")).read())
    assert (custody["collected_by"], custody["incident_id"], custody["host"]) == ("alice", "INC-20261127-001", os.uname()[1])
    archived = dict((m["path"], m["sha256"]) for m in custody["members"])
    assert archived == dict((path, value[0]) for path, value in before.items())
    with tarfile.open(os.path.join(directory, "evidence.tar.gz")) as archive:
        assert sorted(archive.getnames()) == sorted("files" + path for path in before)
    # sha256sum itself accepts the manifest.
    assert subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=directory, capture_output=True, check=False).returncode == 0

    assert module_run("evidence_verify", {"directory": directory})["ok"] is True

    with open(os.path.join(directory, "evidence.tar.gz"), "r+b") as handle:
        handle.seek(-40, os.SEEK_END)
        handle.write(b"\x00" * 8)
    tampered = module_run("evidence_verify", {"directory": directory})
    assert tampered["failed"] is True
    assert "evidence.tar.gz" in tampered["msg"]
    assert [m["name"] for m in tampered["mismatches"]][0] == "evidence.tar.gz"


def test_custody_record_tampering_detected(module_run, originals, tmp_path):
    result = module_run("evidence_capture", {"paths": [str(originals / "config.toml")], "dest": str(tmp_path / "evidence"),
                                             "incident_id": "INC-20261127-002", "collected_by": "bob"})
    custody = os.path.join(result["directory"], "custody.json")
    record = json.loads(open(custody).read())
    record["collected_by"] = "mallory"
    with open(custody, "w") as handle:
        json.dump(record, handle)
    tampered = module_run("evidence_verify", {"directory": result["directory"]})
    assert tampered["failed"] is True and [m["name"] for m in tampered["mismatches"]] == ["custody.json"]


def test_bad_pid_is_refused_and_nothing_written(module_run, originals, tmp_path):
    result = module_run("evidence_capture", {"paths": [str(originals)], "dest": str(tmp_path / "evidence"),
                                             "incident_id": "INC-20261127-003", "collected_by": "bob", "core_dump_pid": 999999})
    assert result["failed"] is True and "core_dump_pid=999999" in result["msg"]
    assert not (tmp_path / "evidence").exists()
