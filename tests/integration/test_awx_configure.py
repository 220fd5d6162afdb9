# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/awx_configure.yml with the real awx.awx modules against the AWX API stand-in (tests/integration/awx_standin.py,
a double: AWX runs only on Kubernetes): check mode writes nothing, a real run creates every catalogue object, a second
run and a check run after it change nothing."""

import json

import pytest
import yaml

from awx_standin import AwxStandin
from conftest import REPO, run_playbook
from ansible_collections.virtengine.incident_response.plugins.module_utils._awx_catalogue import expand

PLAYBOOK = REPO / "playbooks" / "awx_configure.yml"
CATALOGUE = yaml.safe_load((REPO / "extensions" / "awx" / "catalogue.yml").read_text())


@pytest.fixture(scope="module")
def controller():
    standin = AwxStandin()
    organization = standin.add("organizations", {"name": "VirtEngine"})
    standin.add("inventories", {"name": "VirtEngine chain", "organization": organization["id"]})
    # The project exists (check mode cannot create what the templates then name); configured as the playbook wants it.
    standin.add("projects", {"name": "virtengine-incident-response", "organization": organization["id"], "scm_type": "git",
                             "scm_url": "https://github.com/virtengine/incident_response.git", "scm_branch": "main",
                             "scm_update_on_launch": False})
    server = standin.serve()
    try:
        yield standin, "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()


def _configure(url, localhost_inventory, *args):
    # The token is a secret: it must never appear in the output.
    return run_playbook(PLAYBOOK, *args, inventory=localhost_inventory,
                        extra_vars={"awx_controller_host": url, "awx_controller_token": "standin-secret-token"})


def _changed(run, task):
    return [r.get("changed") for _h, r in run.results(task)]


def test_check_then_apply_then_nothing_to_do(controller, localhost_inventory):
    standin, url = controller
    objects = expand(CATALOGUE, {"organization": "VirtEngine", "project": "virtengine-incident-response", "inventory": "VirtEngine chain"})
    checked = _configure(url, localhost_inventory, "--check")
    assert checked.rc == 0, checked.raw[-3000:]
    assert standin.requests == [], "check mode wrote to the controller"
    assert "standin-secret-token" not in checked.raw

    applied = _configure(url, localhost_inventory)
    assert applied.rc == 0, applied.raw[-3000:]
    assert sorted(t["name"] for t in standin.objects["job_templates"].values()) == sorted(t["name"] for t in objects["job_templates"])
    assert sorted(w["name"] for w in standin.objects["workflow_job_templates"].values()) == sorted(w["name"] for w in objects["workflows"])
    assert all(t["job_type"] == "check" for t in standin.objects["job_templates"].values() if t["name"].endswith("| diagnose"))
    approvals = list(standin.objects["workflow_approval_templates"].values())
    assert len(approvals) == len(objects["workflows"]) and all(a["timeout"] == CATALOGUE["approval_timeout"] for a in approvals)
    remediate_nodes = [n for n in standin.objects["workflow_job_template_nodes"].values() if n.get("identifier") == "remediate"]
    assert sorted(n["extra_data"]["ir_confirm"] for n in remediate_nodes) == sorted(w["name"].rsplit("| ", 1)[1].split(" ")[0] for w in objects["workflows"])

    writes = len(standin.requests)
    again = _configure(url, localhost_inventory)
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, json.dumps(again.stats)
    assert len(standin.requests) == writes, standin.requests[writes:][:5]
    rechecked = _configure(url, localhost_inventory, "--check")
    assert rechecked.rc == 0 and rechecked.stats["localhost"]["changed"] == 0
