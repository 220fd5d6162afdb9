# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who is running the play (the gate's ``by``, the incident's ``declared_by``): AWX's user first, then the shell's."""

import os
import pwd

import pytest

from ansible_collections.virtengine.incident_response.plugins.lookup.operator import operator_name

SHELL = {"SUDO_USER": "carol", "USER": "root"}


@pytest.mark.parametrize("variables, environ, expected", [
    # AWX injects both names (UnifiedJob.awx_meta_vars); a job spawned by a workflow carries the workflow's launcher.
    ({"awx_user_name": "approver-alice", "tower_user_name": "approver-alice"}, SHELL, "approver-alice"),
    ({"tower_user_name": "tower-dave"}, SHELL, "tower-dave"),
    # A scheduled job has no user (AWX sets no user variables): the account that runs the job is named.
    ({"awx_user_name": ""}, SHELL, "carol"),
    ({}, {"USER": "erin"}, "erin"),
])
def test_the_controller_user_wins_over_the_shell(variables, environ, expected):
    assert operator_name(variables, environ) == expected


def test_without_any_name_the_process_owner_is_used():
    assert operator_name({}, {}) == pwd.getpwuid(os.getuid()).pw_name
