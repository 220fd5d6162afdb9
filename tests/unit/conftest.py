# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

import socket
from contextlib import ExitStack

import pytest

from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import FixtureNode


@pytest.fixture
def serve():
    """Start captured nodes: ``serve(state, node[, overrides]) -> FixtureNode`` (stopped after the test)."""
    with ExitStack() as stack:
        yield lambda state, node, overrides=None: stack.enter_context(FixtureNode(state, node, overrides))


@pytest.fixture
def refused_url():
    """A URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % probe.getsockname()[1]
