# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: awx_objects
short_description: The AWX job templates and approval workflows of the collection, from extensions/awx/catalogue.yml
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/awx_configure.yml); see docs/awx.md.
  - Per runbook a diagnose template (job type check, no C(ir_confirm) anywhere), a remediate template (launched by the
    workflows only) and per gated action a workflow diagnose -> approval (timeout) -> remediate (C(ir_confirm) = that
    action) -> verify -> post-incident, with deny, timeout and failure paths that post to the incident.
options:
  _input:
    description: The catalogue (C(extensions/awx/catalogue.yml)).
    type: dict
    required: true
  settings:
    description: C(organization), C(project), C(inventory) names; optional C(credentials), C(execution_environment), C(approval_timeout).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Expand the catalogue
  ansible.builtin.set_fact:
    awx_objects: "{{ lookup('ansible.builtin.file', 'extensions/awx/catalogue.yml') | from_yaml
                     | virtengine.incident_response.awx_objects({'organization': 'VirtEngine', 'project': 'ir', 'inventory': 'chain'}) }}"
"""

RETURN = r"""
_value:
  description:
    - C({job_templates, workflows, approval_nodes}).
    - C(job_templates) items are parameters of C(awx.awx.job_template).
    - C(workflows) items are parameters of C(awx.awx.workflow_job_template), their whole graph in C(workflow_nodes).
    - C(approval_nodes) items are parameters of C(awx.awx.workflow_job_template_node); playbooks/awx_configure.yml says in which order.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.module_utils._awx_catalogue import CatalogueError, expand


def awx_objects(catalogue, settings):
    try:
        return expand(catalogue, settings)
    except CatalogueError as exc:
        raise AnsibleFilterError("awx_objects: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"awx_objects": awx_objects}
