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
  - Usage is client connections over the slots ordinary roles may use - C(max_connections) minus
    C(superuser_reserved_connections), C(reserved_connections) (PostgreSQL 16+) and C(rds.rds_superuser_reserved_connections)
    (Amazon RDS) - since every client backend holds a regular slot and PostgreSQL refuses ordinary roles once only the
    reserve is free. The pool is exhausted at O(exhausted_ratio) or more.
  - Recommends PgBouncer (with a configuration sketch) when the pool is exhausted and at least half the connections are idle
    or idle in transaction; proposes raising C(max_connections) to O(raise_to) when the pool is exhausted and O(raise_to)
    is higher.
  - The termination plan ends the session at the head of each chain of lock waits (C(pg_blocking_pids)), e.g. one left
    idle in transaction holding a row lock, once a session behind it has waited longer than O(terminate_after), and keeps
    its waiters; it ends active queries over the threshold that wait for nobody; it never ends protected sessions (own
    session, superuser, replication, autovacuum and other background processes, allow-listed), and says which it kept and why.
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
  terminate_after:
    description: Seconds a session must have waited behind a blocker before the blocker is ended.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Assess
  ansible.builtin.set_fact:
    assessment: "{{ {'settings': s, 'by_state': st, 'over_threshold': o} | virtengine.incident_response.play022_assessment(raise_to=200) }}"
"""

RETURN = r"""
_value:
  description:
    - C(max_connections), C(reserved_connections) (setting name -> count, the non-zero reserves), C(usable_connections),
      C(client_connections), C(reserved_role_connections), C(active), C(idle), C(usage_ratio), C(pool_exhausted),
      C(raise_limit) (C(proposed), C(from), C(to)), C(pgbouncer) (C(recommended), C(idle_share), C(sketch)), C(findings).
    - C(termination_candidates) (rows with C(terminate_reason) C(blocker) or C(long query)), C(termination_sessions)
      (C({pid, backend_start, reason}) of each, what the gate fingerprints and the termination matches), C(protected_sessions),
      C(termination_plan) (one line per session, for the gate).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.virtengine.incident_response.plugins.module_utils._db_connections import assess_connections, plan_terminations


def play022_assessment(diagnosis, raise_to=200, exhausted_ratio=0.9, target=None, terminate_after=300):
    try:
        assessment = assess_connections(diagnosis["settings"], diagnosis["by_state"], raise_to, exhausted_ratio, target,
                                        diagnosis.get("by_client"))
        candidates, kept, plan, findings = plan_terminations(diagnosis.get("over_threshold") or [], diagnosis.get("lock_waits") or [],
                                                             int(terminate_after))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("play022_assessment: the diagnosis lacks or mistypes %s" % exc)
    assessment["findings"] += findings
    assessment.update(termination_candidates=candidates, protected_sessions=kept, termination_plan=plan,
                      termination_sessions=[{"pid": row["pid"], "backend_start": row.get("backend_start"), "reason": row["terminate_reason"]}
                                            for row in candidates])
    return assessment


class FilterModule(object):
    def filters(self):
        return {"play022_assessment": play022_assessment}
