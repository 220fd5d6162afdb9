# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet diagnosis on the modules' real outputs, the table filters, rpc_endpoints."""

import importlib
from pathlib import Path

import pytest
import yaml

from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import diagnose, fleet_view
from ansible_collections.virtengine.incident_response.plugins.filter.rpc_endpoints import rpc_endpoints
from ansible_collections.virtengine.incident_response.plugins.filter.tables import markdown_table, text_table
from ansible_collections.virtengine.incident_response.plugins.modules import chain_status, consensus_state, peer_count
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import load

LIVE = ("validator1", "validator2", "fullnode1")
STOPPED = ("validator3", "validator4")


@pytest.fixture
def halted_readings(serve, run_module, refused_url):
    endpoints = [{"name": n, "url": serve("halted", n).url} for n in LIVE]
    endpoints += [{"name": n, "url": refused_url, "validator_address": load("healthy", "%s_status" % n)["result"]["validator_info"]["address"]}
                  for n in STOPPED]
    common = {"endpoints": endpoints, "retries": 0}
    return (run_module(chain_status, dict(common, halt_window=0.6, poll_interval=0.2)),
            run_module(peer_count, common), run_module(consensus_state, common))


def test_diagnosis_of_the_halted_network(halted_readings):
    chain, peers, consensus = halted_readings
    services = {"validator3": {"state": "STOPPED", "running": False}, "validator4": {"state": "STOPPED", "running": False},
                "validator1": {"state": "RUNNING", "running": True}}
    hosts = dict((name, {"service": service}) for name, service in services.items())
    diagnosis = diagnose(fleet_view({"chain": chain, "peers": peers, "consensus": consensus}, hosts))
    assert diagnosis["verdict"] == "halted"
    findings = "\n".join(diagnosis["findings"])
    assert "CHAIN HALTED at height" in findings
    assert "2 validator(s) absent, 50.0% of the voting power: validator3, validator4; quorum UNREACHABLE" in findings
    assert "validator3: service STOPPED" in findings and "validator4: RPC unreachable" in findings
    rows = dict((r["node"], r) for r in diagnosis["nodes"])
    assert rows["validator3"]["vote"] == "ABSENT" and rows["validator1"]["vote"] == "present"
    assert rows["fullnode1"]["vote"] is None and rows["validator3"]["process"] == "STOPPED"
    assert diagnosis["summary"]["quorum_reachable"] is False


def test_diagnosis_unknown_when_nothing_answers():
    chain = {"nodes": [{"name": "a", "error": "refused"}], "summary": {"halted": None, "unreachable": ["a"]}}
    diagnosis = diagnose(fleet_view({"chain": chain, "peers": {"nodes": [], "summary": {}}, "consensus": {}}))
    assert diagnosis["verdict"] == "unknown" and diagnosis["findings"][0].startswith("NO NODE ANSWERED")


def test_text_and_markdown_tables():
    rows = [{"node": "validator1", "height": 12, "ok": True, "age": 1.26, "peers": None, "islands": ["a", "b"]},
            {"node": "v|2", "height": 3, "ok": False, "age": 0.0, "peers": 4, "islands": []}]
    assert text_table(rows).splitlines() == [
        "node        height  ok   age  peers  islands",
        "validator1  12      yes  1.3  -      a, b",
        "v|2         3       no   0.0  4      -",
    ]
    assert markdown_table(rows, ["node", "ok"]).splitlines() == ["| node | ok |", "|---|---|", "| validator1 | yes |", "| v\\|2 | no |"]
    assert text_table([], ["a"]) == "a"


def test_rpc_endpoints_from_hostvars():
    hostvars = {"v1": {"node_rpc_url": "http://127.0.1.1:26657", "node_id": "abc", "node_validator_address": "AA"},
                "v2": {"ansible_host": "10.0.0.2"}, "v3": {}}
    assert rpc_endpoints(["v1", "v2", "v3"], hostvars) == [
        {"name": "v1", "url": "http://127.0.1.1:26657", "node_id": "abc", "validator_address": "AA"},
        {"name": "v2", "url": "http://10.0.0.2:26657", "node_id": None, "validator_address": None},
        {"name": "v3", "url": "http://v3:26657", "node_id": None, "validator_address": None},
    ]


def test_every_filter_shows_its_own_documentation():
    # ansible-doc reads a filter's documentation from the Python file that registers it; a YAML file of the same name is
    # used only when that Python file has none. A documented file registering a second filter shows its own text for both
    # (as play002_decision.py did for partition_node), so a documented file registers exactly the filter it documents.
    filters = Path(__file__).resolve().parents[2] / "plugins" / "filter"
    for path in sorted(filters.glob("*.py")):
        module = importlib.import_module("ansible_collections.virtengine.incident_response.plugins.filter.%s" % path.stem)
        names = set(module.FilterModule().filters())
        documented = getattr(module, "DOCUMENTATION", None)
        if documented:
            assert names == {yaml.safe_load(documented)["name"]}, "%s documents one filter but registers %s" % (path.name, sorted(names))
        else:
            missing = sorted(n for n in names if not (filters / ("%s.yml" % n)).exists())
            assert not missing, "%s registers %s without a documentation file %s.yml" % (path.name, missing, missing[0])
