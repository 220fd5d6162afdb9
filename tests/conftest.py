# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make this checkout importable and runnable as virtengine.incident_response.

A private ansible_collections tree links to the checkout, so unit tests import
the plugins by their FQCN and integration runs of ansible-playbook use this
checkout, not whatever is installed in ~/.ansible/collections.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

REPO = Path(__file__).resolve().parents[1]
_TREE = Path(tempfile.mkdtemp(prefix="ve-ir-collections-"))
_LINK = _TREE / "ansible_collections" / "virtengine" / "incident_response"
_LINK.parent.mkdir(parents=True)
_LINK.symlink_to(REPO)
sys.path.insert(0, str(_TREE))
os.environ["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (_TREE, os.environ.get("ANSIBLE_COLLECTIONS_PATH", "/usr/share/ansible/collections"))
# The gate's run records, node locks and remediation budget (module_utils/_safety_limits.py) of this test process
# alone, never the operator's: the playbooks the tests run inherit it.
# pytest may import this file twice in one process (conftest modules share a basename): one directory per process.
if os.environ.get("IR_TEST_STATE_DIR_PID") != str(os.getpid()):
    os.environ["IR_TEST_STATE_DIR_PID"] = str(os.getpid())
    os.environ["IR_STATE_DIR"] = tempfile.mkdtemp(prefix="ve-ir-state-")


@pytest.fixture(autouse=True)
def fresh_remediation_budget():
    """Each test is its own incident: the confirmations of earlier tests do not spend its remediation budget."""
    (Path(os.environ["IR_STATE_DIR"]) / "budget.json").unlink(missing_ok=True)


@pytest.fixture
def run_module(capsys):
    """Run a module's main() in-process; returns its JSON result plus ``_rc``."""
    def run(module, args):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                module.main()
        result = json.loads(capsys.readouterr().out)
        result["_rc"] = exit_info.value.code
        return result
    return run
