# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: play022_assessment
short_description: PLAY-022's verdict on PostgreSQL connections from the diagnosis queries
version_added: 0.1.0
description:
  - Pure function behind C(playbooks/play022_database_connections.yml) (logic in C(plugins/module_utils/_db_connections.py)).
  - Usage is client connections over the usable ones (C(max_connections) minus C(superuser_reserved_connections)); the pool
    is exhausted at O(exhausted_ratio) or more.
  - Recommends PgBouncer (with a configuration sketch) when the pool is exhausted and at least half the connections are idle
    or idle in transaction; proposes raising C(max_connections) to O(raise_to) when the pool is exhausted and O(raise_to)
    is higher.
  - Splits the sessions over the termination threshold into candidates and protected ones (own session, superuser,
    replication, allow-listed), by their C(protected_by) column.
options:
  _input:
    description: C({settings, by_state, over_threshold}), rows of the role C(db_connections)'s queries.
    type: dict
    required: true
  raise_to:
    description: The connection limit to propose.
    type: int
    default: 200
  exhausted_ratio:
    description: Usage at which the pool counts as exhausted.
    type: float
    default: 0.9
  target:
    description: C({host, port, database}) for the PgBouncer sketch.
    type: dict
"""

EXAMPLES = r"""
- name: Assess
  ansible.builtin.set_fact:
    assessment: "{{ {'settings': s, 'by_state': st, 'over_threshold': o} | virtengine.incident_response.play022_assessment(raise_to=200) }}"
"""

RETURN = r"""
_value:
  description:
    - C(max_connections), C(usable_connections), C(client_connections), C(active), C(idle), C(usage_ratio), C(pool_exhausted),
      C(raise_limit) (C(proposed), C(from), C(to)), C(pgbouncer) (C(recommended), C(idle_share), C(sketch)), C(findings),
      C(termination_candidates), C(protected_sessions), C(termination_plan) (one line per session, for the gate).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._db_connections import assess_connections, split_long_running


def play022_assessment(diagnosis, raise_to=200, exhausted_ratio=0.9, target=None):
    try:
        assessment = assess_connections(diagnosis["settings"], diagnosis["by_state"], raise_to, exhausted_ratio, target)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("play022_assessment: the diagnosis lacks or mistypes %s" % exc)
    candidates, protected, plan = split_long_running(diagnosis.get("over_threshold") or [])
    assessment.update(termination_candidates=candidates, protected_sessions=protected, termination_plan=plan)
    return assessment


class FilterModule(object):
    def filters(self):
        return {"play022_assessment": play022_assessment}
