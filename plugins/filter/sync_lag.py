# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-021 filter sync_lag (documented in sync_lag.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._sync import lag_rows


def sync_lag(chain, targets, storage=None, peers=None, threshold=100):
    return lag_rows(chain["nodes"], targets, storage, peers, int(threshold))


class FilterModule(object):
    def filters(self):
        return {"sync_lag": sync_lag}
