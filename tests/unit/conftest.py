# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

import json
import socket
from contextlib import ExitStack

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import FixtureNode


@pytest.fixture
def serve():
    """Start captured nodes: ``serve(state, node[, overrides]) -> FixtureNode`` (stopped after the test)."""
    with ExitStack() as stack:
        yield lambda state, node, overrides=None: stack.enter_context(FixtureNode(state, node, overrides))


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


@pytest.fixture
def refused_url():
    """A URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % probe.getsockname()[1]
