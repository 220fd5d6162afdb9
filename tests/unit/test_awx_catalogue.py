# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX catalogue as a graph: every playbook has its templates, every survey question is read, ir_confirm is set only
by a workflow node that an approval with a timeout leads to, and a deny or timeout is recorded."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.virtengine.incident_response.plugins.module_utils._awx_catalogue import CatalogueError, expand

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = yaml.safe_load((ROOT / "extensions" / "awx" / "catalogue.yml").read_text())
SETTINGS = {"organization": "VirtEngine", "project": "virtengine-incident-response", "inventory": "VirtEngine chain"}
OBJECTS = expand(CATALOGUE, SETTINGS)
TEMPLATES = dict((t["name"], t) for t in OBJECTS["job_templates"])
# Playbooks that are not jobs of the controller: awx_configure.yml configures the controller itself.
NOT_TEMPLATES = {"awx_configure.yml"}


def _reachable_text(playbook):
    """The playbook and every file of the collection's roles it uses, transitively (role names in FQCN form)."""
    texts, seen, queue = [(ROOT / "playbooks" / playbook).read_text()], set(), [(ROOT / "playbooks" / playbook).read_text()]
    while queue:
        for role in re.findall(r"virtengine\.incident_response\.(\w+)", queue.pop()):
            if role not in seen and (ROOT / "roles" / role).is_dir():
                seen.add(role)
                for path in sorted((ROOT / "roles" / role).rglob("*")):
                    if path.is_file():
                        texts.append(path.read_text())
                        queue.append(texts[-1])
    return "\n".join(texts)


def _entry(playbook):
    return next(e for e in CATALOGUE["playbooks"] if e["playbook"] == playbook)


def _questions(entry):
    return (CATALOGUE["common_survey"] if entry.get("common_survey", True) else []) + (entry.get("survey") or [])


def test_every_playbook_has_exactly_one_catalogue_entry_and_every_entry_a_playbook():
    playbooks = set(p.name for p in (ROOT / "playbooks").glob("*.yml")) - NOT_TEMPLATES
    entries = [e["playbook"] for e in CATALOGUE["playbooks"]]
    assert len(entries) == len(set(entries))
    missing = sorted(playbooks - set(entries))
    assert not missing, "playbooks without an AWX template: add them to extensions/awx/catalogue.yml: %s" % missing
    assert not sorted(set(entries) - playbooks), "catalogue entries without a playbook"
    for template in OBJECTS["job_templates"]:
        assert (ROOT / template["playbook"]).is_file()


@pytest.mark.parametrize("entry", CATALOGUE["playbooks"], ids=lambda e: e["playbook"])
def test_every_survey_variable_is_read_by_the_playbook_or_its_roles(entry):
    text = _reachable_text(entry["playbook"])
    for question in _questions(entry):
        assert re.search(r"\b%s\b" % question["variable"], text), "%s: survey variable %s is read nowhere" % (entry["playbook"], question["variable"])


@pytest.mark.parametrize("entry", [e for e in CATALOGUE["playbooks"] if e["kind"] == "runbook"], ids=lambda e: e["playbook"])
def test_the_actions_are_exactly_the_gated_actions_of_the_playbook(entry):
    text = _reachable_text(entry["playbook"])
    # The gate's require entry point names an action it checks, not one it asks for: those are not gates.
    gates = re.sub(r"tasks_from: require\s*\n\s*vars:\s*\n\s*gate_action: \S+", "", text)
    literal = set(re.findall(r"^\s*gate_action: ([a-z][a-z0-9_]*)\s*$", gates, re.M))
    assert literal <= set(entry["actions"]), "%s gates %s but the catalogue lists %s" % (entry["playbook"], sorted(literal), entry["actions"])
    for action in entry["actions"]:
        assert re.search(r"\b%s\b" % action, text), "%s: action %s does not occur in the playbook or its roles" % (entry["playbook"], action)


def test_ir_confirm_is_never_a_survey_question_nor_a_launch_variable_of_a_diagnosis():
    for item in OBJECTS["job_templates"] + OBJECTS["workflows"]:
        assert "ir_confirm" not in [q["variable"] for q in (item["survey_spec"] or {}).get("spec", [])], item["name"]
    for template in OBJECTS["job_templates"]:
        if template["job_type"] == "check" or not template["name"].endswith("| remediate"):
            assert template["ask_variables_on_launch"] is False, template["name"]
        if template["name"].endswith("| diagnose"):
            assert template["job_type"] == "check"


@pytest.mark.parametrize("workflow", OBJECTS["workflows"], ids=lambda w: w["name"])
def test_the_approval_node_parameters_are_the_graph_s_approval_with_only_template_fields(workflow):
    approvals = [n for n in workflow["workflow_nodes"] if n["unified_job_template"]["type"] == "workflow_approval"]
    params = [p for p in OBJECTS["approval_nodes"] if p["workflow_job_template"] == workflow["name"]]
    assert len(approvals) == 1 and len(params) == 1
    (approval,), (param,) = approvals, params
    # Only what AWX's approval template keeps: anything else would be re-sent, and reported as a change, every run.
    assert param["approval_node"] == dict((k, approval["unified_job_template"][k]) for k in ("name", "description", "timeout"))
    assert param["identifier"] == approval["identifier"] and param["organization"] == workflow["organization"]
    for kind in ("success_nodes", "failure_nodes", "always_nodes"):
        assert param[kind] == [n["identifier"] for n in approval["related"][kind]]


@pytest.mark.parametrize("workflow", OBJECTS["workflows"], ids=lambda w: w["name"])
def test_remediation_is_reachable_only_through_an_approval_with_a_timeout(workflow):
    nodes = dict((n["identifier"], n) for n in workflow["workflow_nodes"])
    parents = dict((i, []) for i in nodes)
    for identifier, node in nodes.items():
        for kind in ("success_nodes", "failure_nodes", "always_nodes"):
            for child in node["related"][kind]:
                assert child["identifier"] in nodes
                parents[child["identifier"]].append((identifier, kind))
    roots = [i for i, p in parents.items() if not p]
    assert roots == ["diagnose"]
    action = workflow["name"].rsplit("| ", 1)[1].split(" ")[0]
    changing = [i for i, n in nodes.items() if n["unified_job_template"]["type"] == "job_template"
                and TEMPLATES[n["unified_job_template"]["name"]]["job_type"] == "run"
                and TEMPLATES[n["unified_job_template"]["name"]]["ask_variables_on_launch"]]
    assert changing == ["remediate"]
    assert nodes["remediate"]["extra_data"] == {"ir_confirm": action}
    assert [n for i, n in nodes.items() if "ir_confirm" in (n.get("extra_data") or {})] == [nodes["remediate"]]
    for identifier in changing:
        for parent, kind in parents[identifier]:
            approval = nodes[parent]["unified_job_template"]
            assert approval["type"] == "workflow_approval" and kind == "success_nodes"
            assert approval["timeout"] > 0 and action in approval["description"]

    # Every path from the root to the remediation passes the approval (no other way round it).
    def paths_avoiding(target, avoid, node="diagnose"):
        if node == avoid:
            return False
        if node == target:
            return True
        return any(paths_avoiding(target, avoid, c["identifier"]) for kind in ("success_nodes", "failure_nodes", "always_nodes")
                   for c in nodes[node]["related"][kind])
    assert not paths_avoiding("remediate", "approve")
    # Deny and timeout are the approval's failure path: recorded in the incident, nothing else runs.
    refusal = [nodes[c["identifier"]] for c in nodes["approve"]["related"]["failure_nodes"]]
    assert [n["unified_job_template"]["name"] for n in refusal] == ["VirtEngine IR | Incident status update"]
    assert "not approved" in refusal[0]["extra_data"]["ir_update"]
    assert all(nodes[c["identifier"]]["unified_job_template"]["name"] == "VirtEngine IR | Incident status update"
               for i in ("diagnose", "remediate", "verify") for c in nodes[i]["related"]["failure_nodes"])
    assert [nodes[c["identifier"]]["unified_job_template"]["name"] for c in nodes["verify"]["related"]["success_nodes"]] == ["VirtEngine IR | Post-incident"]


@pytest.mark.parametrize("change, message", [
    (lambda c: c["common_survey"].append({"variable": "ir_confirm", "type": "text"}), "ir_confirm may never be a survey question"),
    (lambda c: c["playbooks"][3].update(kind="remediation"), "kind 'remediation' is not one of"),
    (lambda c: c["playbooks"][3].update(actions=["Restart All"]), "action 'Restart All' is not a gate action name"),
    (lambda c: c["playbooks"][3].update(actions=[]), "a runbook entry needs its gated actions"),
    (lambda c: c.update(approval_timeout=0), "approval_timeout must be a positive number"),
    (lambda c: c["playbooks"][3]["survey"].append({"variable": "x", "type": "date"}), "survey question x has type 'date'"),
    (lambda c: c["playbooks"].append(copy.deepcopy(c["playbooks"][3])), "is used twice"),
])
def test_a_bad_catalogue_is_a_clear_error(change, message):
    catalogue = copy.deepcopy(CATALOGUE)
    change(catalogue)
    with pytest.raises(CatalogueError, match=re.escape(message)):
        expand(catalogue, SETTINGS)


def test_missing_controller_settings_are_named():
    with pytest.raises(CatalogueError, match="awx_inventory"):
        expand(CATALOGUE, {"organization": "o", "project": "p"})
