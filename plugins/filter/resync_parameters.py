# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter resync_parameters (documented in resync_parameters.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.module_utils._resync import ResyncError, resync_parameters as _parameters


def resync_parameters(method, trust=None, snapshot_url="", snapshot_sha256="", persistent_peers=None):
    try:
        return _parameters(method, trust, snapshot_url, snapshot_sha256, persistent_peers)
    except ResyncError as error:
        raise AnsibleFilterError("%s. Nothing was changed." % error)


class FilterModule(object):
    def filters(self):
        return {"resync_parameters": resync_parameters}
