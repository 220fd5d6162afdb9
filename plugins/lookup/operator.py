# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: operator
version_added: 0.1.0
short_description: Who is running the play (the one definition used by the gate, reports and incidents)
description:
  - The AWX or Automation Platform user (C(awx_user_name), C(tower_user_name) job variables) when set, else the
    controller user who ran C(sudo) (C($SUDO_USER)), else C($USER), else the name of the process owner.
author:
  - VirtEngine SRE Team (@virtengine)
options:
  _terms:
    description: Not used.
    required: false
"""

EXAMPLES = r"""
- name: Record who confirmed
  ansible.builtin.set_fact:
    confirmed_by: "{{ lookup('virtengine.incident_response.operator') }}"
"""

RETURN = r"""
_raw:
  description: The operator's name, as a one-element list.
  type: list
  elements: str
"""

import os
import pwd

from ansible.plugins.lookup import LookupBase


def operator_name(variables, environ):
    for name in ("awx_user_name", "tower_user_name"):
        if variables.get(name):
            return str(variables[name])
    return environ.get("SUDO_USER") or environ.get("USER") or pwd.getpwuid(os.getuid()).pw_name


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        # Job variables may be templates themselves; resolve only the two that are read.
        resolved = dict((k, self._templar.template(variables[k])) for k in ("awx_user_name", "tower_user_name") if k in variables)
        return [operator_name(resolved, os.environ)]
