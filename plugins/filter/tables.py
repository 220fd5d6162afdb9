# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table filters (docs in text_table.yml, markdown_table.yml); the code is in module_utils/_tables.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._tables import markdown_table, text_table


class FilterModule(object):
    def filters(self):
        return {"text_table": text_table, "markdown_table": markdown_table}
