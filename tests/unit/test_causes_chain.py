# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chain causes' rules (module_utils/_causes.py: validator set, restarts, resources) as pure decisions, the host
resource readings they use (module_utils/_node_resources.py), and the documentation generated from the rules."""

import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import RESTARTS, RULES, apply, cause, plan
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GATED_ACTIONS
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_findings import disk_is_full, human_bytes
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_resources import parse_limits, parse_meminfo, systemd_resources

REPO = Path(__file__).resolve().parents[2]


def _offered(action, name, hosts=("v1", "v2")):
    return apply([plan(action, list(hosts), together=action == "coordinated_restart")], [cause(name, ["v1"])])


def test_a_validator_outside_the_set_vetoes_the_coordinated_restart_and_nothing_else():
    result = _offered("coordinated_restart", "validator_out_of_set")
    (veto,) = result["vetoed"]
    assert result["plans"] == [] and veto["hosts"] == ["v1"] and "does not unjail" in veto["because"]
    assert "tx slashing unjail" in veto["instead"] and "tombstoned: never" in veto["instead"]
    # It may still need its node restarted or resynced (its downtime's cause): those stay offered.
    for action in ("node_restart", "rolling_restart", "state_sync", "diverged_resync", "upgrade_switch"):
        assert _offered(action, "validator_out_of_set")["vetoed"] == [], action
    assert RULES["validator_out_of_set"].permits == ()


def test_a_tombstoned_validator_vetoes_every_automated_remedy_on_it():
    for action in sorted(GATED_ACTIONS):
        result = _offered(action, "validator_tombstoned")
        assert [v["hosts"] for v in result["vetoed"]] == [["v1"]], action
    assert "never unjail" in RULES["validator_tombstoned"].instead and "new key" in RULES["validator_tombstoned"].instead


@pytest.mark.parametrize("name", ["validator_jailed", "service_restarting", "p2p_auth_failure"])
def test_lines_about_others_or_about_what_happened_veto_nothing_and_say_what_to_read(name):
    for action in sorted(GATED_ACTIONS):
        assert _offered(action, name)["vetoed"] == [], (name, action)
    assert RULES[name].instead.strip()


@pytest.mark.parametrize("name, instead", [("disk_full", "free or grow the disk"), ("out_of_memory", "raise the memory limit"),
                                           ("too_many_open_files", "raise LimitNOFILE")])
def test_resource_faults_veto_every_restart_of_their_host_and_name_the_precondition(name, instead):
    for action in RESTARTS:
        result = _offered(action, name)
        assert [v["hosts"] for v in result["vetoed"]] == [["v1"]], (name, action)
        assert result["vetoed"][0]["instead"].startswith(instead)


def test_meminfo_limits_and_systemd_properties_parse_as_the_kernel_and_systemd_print_them():
    meminfo = "MemTotal:       16377712 kB\nMemFree:          429444 kB\nMemAvailable:    7340032 kB\nHugePages_Total:       0\n"
    assert parse_meminfo(meminfo) == {"mem_total_bytes": 16377712 * 1024, "mem_available_bytes": 7340032 * 1024}
    assert parse_meminfo("") == {"mem_total_bytes": None, "mem_available_bytes": None}
    limits = ("Limit                     Soft Limit           Hard Limit           Units     \n"
              "Max processes             63478                63478                processes \n"
              "Max open files            1024                 524288               files     \n")
    assert parse_limits(limits) == 1024
    assert parse_limits(limits.replace("1024                 524288", "unlimited            unlimited")) is None
    assert systemd_resources("MemoryCurrent=8573157376\nMemoryMax=8589934592\nLimitNOFILE=65536\nNRestarts=12\n") == {
        "memory_current_bytes": 8573157376, "memory_max_bytes": 8589934592, "limit_nofile": 65536, "restarts": 12}
    # A unit without a limit, not running (systemd 252 prints these).
    assert systemd_resources("MemoryCurrent=[not set]\nMemoryMax=infinity\nLimitNOFILE=524288\nNRestarts=0\n") == {
        "memory_current_bytes": None, "memory_max_bytes": None, "limit_nofile": 524288, "restarts": 0}


def test_a_full_disk_is_less_than_one_gib_free_and_an_unread_one_is_unknown():
    assert disk_is_full({"disk_free_bytes": 0}) is True and disk_is_full({"disk_free_bytes": (1 << 30) - 1}) is True
    assert disk_is_full({"disk_free_bytes": 1 << 30}) is False and disk_is_full({}) is None and disk_is_full(None) is None
    assert human_bytes(0) == "0 B" and human_bytes(1536 << 20) == "1.5 GiB" and human_bytes(None) == "?"


def test_the_documented_table_of_causes_is_generated_from_the_rules():
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "causes-table")], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    text = (REPO / "docs" / "log_signatures.md").read_text()
    for name in RULES:
        assert "| `%s` |" % name in text, name


def test_node_inspect_reads_the_hosts_resources_and_names_what_it_could_not_read(run_module, tmp_path):
    from ansible_collections.virtengine.incident_response.plugins.modules import node_inspect
    result = run_module(node_inspect, {"read": ["resources"], "home": str(tmp_path), "manager": "supervisor"})
    resources = result["resources"]
    assert result["_rc"] == 0 and result["changed"] is False and resources["errors"] == []
    assert 0 < resources["disk_free_bytes"] <= resources["disk_total_bytes"] and resources["home"] == str(tmp_path)
    assert 0 < resources["mem_available_bytes"] <= resources["mem_total_bytes"]
    assert resources["memory_max_bytes"] is None and resources["restarts"] is None, "supervisor has no unit limits"
    missing = run_module(node_inspect, {"read": ["resources"], "home": str(tmp_path / "nope"), "manager": "supervisor"})["resources"]
    assert missing["disk_free_bytes"] is None and "does not exist on this host: set node_home" in missing["errors"][0]
