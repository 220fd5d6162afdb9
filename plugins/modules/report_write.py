#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: report_write
short_description: Write a run's report files on the controller, each whole or not at all
version_added: 0.1.0
description:
  - Writes each of O(files) on the controller (where C(ansible-playbook) runs), through a temporary file renamed over
    the target, so a reader never sees half a report. A missing directory is created with O(directory_mode); an
    existing one is left as it is.
  - The C(report) role's writer. It runs in the controller's process - no module run per file, as the copy and
    template actions need - because the report's files are the controller's.
  - Writes in check mode too and reports no change - a report describes the run and changes no managed system.
  - Fails, naming the path, when a file cannot be written.
author:
  - VirtEngine SRE Team (@virtengine)
attributes:
  action:
    support: full
    description: Runs on the controller.
  check_mode:
    support: none
    description: The report is the run's output; it is written in check mode too.
  diff_mode:
    support: none
    description: No diff is shown.
options:
  files:
    description: The files to write, in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: The file's path on the controller.
        type: path
        required: true
      content:
        description: Its whole content.
        type: str
        required: true
  mode:
    description: Permissions of each file written (octal).
    type: str
    default: "0640"
  directory_mode:
    description: Permissions of a directory it creates (octal).
    type: str
    default: "0750"
"""

EXAMPLES = r"""
- name: Write the JSON and Markdown reports
  virtengine.incident_response.report_write:
    files:
      - path: /var/lib/virtengine-ir/reports/20261130T091500Z-diagnose.json
        content: "{{ report | to_nice_json(indent=2) }}\n"
      - path: /var/lib/virtengine-ir/reports/20261130T091500Z-diagnose.md
        content: "{{ lookup('ansible.builtin.template', 'report.md.j2') }}"
"""

RETURN = r"""
paths:
  description: The absolute paths written, in the order of O(files).
  returned: always
  type: list
  elements: str
  sample: [/var/lib/virtengine-ir/reports/20261130T091500Z-diagnose.json]
"""
