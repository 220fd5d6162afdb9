# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-022's pure logic: connection usage, the pool-exhaustion pattern, the PgBouncer sketch."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

IDLE_STATES = ("idle", "idle in transaction", "idle in transaction (aborted)")

PGBOUNCER_SKETCH = """\
; /etc/pgbouncer/pgbouncer.ini (sketch: size the pools from the numbers above, then load-test)
[databases]
{database} = host={host} port={port} dbname={database}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
; transaction pooling: a server connection is held only for the length of a transaction
pool_mode = transaction
max_client_conn = {max_client_conn}
default_pool_size = {default_pool_size}
reserve_pool_size = 5
; closes the sessions that hold connections idle inside a transaction
idle_transaction_timeout = 60
server_idle_timeout = 60
"""


def assess_connections(settings, by_state, raise_to=200, exhausted_ratio=0.9, target=None):
    """Usage against max_connections, whether the pool is exhausted, and what to recommend.

    ``settings``: ``{max_connections, superuser_reserved, client_connections}``; ``by_state``: rows
    ``{state, connections}``; ``target``: ``{host, port, database}`` for the PgBouncer sketch.
    """
    max_connections = int(settings["max_connections"])
    reserved = int(settings.get("superuser_reserved") or 0)
    usable = max(1, max_connections - reserved)
    total = int(settings["client_connections"])
    states = dict((row["state"], int(row["connections"])) for row in by_state)
    idle = sum(states.get(state, 0) for state in IDLE_STATES)
    active = states.get("active", 0)
    usage = float(total) / usable
    exhausted = usage >= float(exhausted_ratio)
    findings = ["%d client connections of %d usable (max_connections %d minus %d reserved for superusers): %.0f%%"
                % (total, usable, max_connections, reserved, usage * 100)]
    if exhausted:
        findings.append("connection pool EXHAUSTED (at or above %.0f%% of the usable connections)" % (float(exhausted_ratio) * 100))
    idle_share = float(idle) / total if total else 0.0
    pgbouncer_recommended = exhausted and idle_share >= 0.5
    if pgbouncer_recommended:
        findings.append("%d of %d connections (%.0f%%) are idle or idle in transaction: clients hold connections they do not use, "
                        "a pooler (PgBouncer, transaction mode) serves them with far fewer server connections" % (idle, total, idle_share * 100))
    elif exhausted:
        findings.append("most connections are active: the load is real; raise max_connections or reduce the work, a pooler alone will not help")
    target = target or {}
    sketch = PGBOUNCER_SKETCH.format(database=target.get("database", "virtengine"), host=target.get("host", "127.0.0.1"),
                                     port=target.get("port", 5432), max_client_conn=max(1000, total * 5),
                                     default_pool_size=max(10, active * 2))
    raise_to = int(raise_to)
    return {
        "max_connections": max_connections,
        "usable_connections": usable,
        "client_connections": total,
        "active": active,
        "idle": idle,
        "usage_ratio": round(usage, 4),
        "pool_exhausted": exhausted,
        "raise_limit": {"proposed": exhausted and raise_to > max_connections, "from": max_connections, "to": raise_to},
        "pgbouncer": {"recommended": pgbouncer_recommended, "idle_share": round(idle_share, 4), "sketch": sketch if pgbouncer_recommended else ""},
        "findings": findings,
    }


def split_long_running(over_threshold):
    """Sessions over the termination threshold -> (candidates, protected, plan lines), by their ``protected_by`` reason."""
    candidates = [row for row in over_threshold if not row.get("protected_by")]
    protected = [row for row in over_threshold if row.get("protected_by")]
    plan = ["terminate pid %s (user %s, application %s, running %ss): %s"
            % (row["pid"], row.get("user"), row.get("application") or "-", row.get("duration_s"), row.get("query")) for row in candidates]
    plan += ["keep pid %s (user %s, application %s): %s" % (row["pid"], row.get("user"), row.get("application") or "-", row["protected_by"])
             for row in protected]
    return candidates, protected, plan
