# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-SEC-001 filters: what to revoke, and the audit's summary. Docs in revocation_plan.yml and compromise_summary.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._encryption_query import compromise_summary, revocation_plan


class FilterModule(object):
    def filters(self):
        return {"revocation_plan": revocation_plan, "compromise_summary": compromise_summary}
