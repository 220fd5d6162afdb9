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


# The settings that keep the last free regular slots from ordinary roles: PostgreSQL's own (superuser_reserved_connections;
# reserved_connections, PostgreSQL 16+, for roles with privileges of pg_use_reserved_connections) and Amazon RDS's
# (rds.rds_superuser_reserved_connections, for rds_superuser, on RDS for PostgreSQL 15 and older).
RESERVES = (("superuser_reserved", "superuser_reserved_connections"), ("reserved", "reserved_connections"),
            ("managed_reserved", "rds.rds_superuser_reserved_connections"))


def assess_connections(settings, by_state, raise_to=200, exhausted_ratio=0.9, target=None, by_client=None):
    """Usage of the slots ordinary roles may use, whether the pool is exhausted, and what to recommend.

    ``settings``: ``{max_connections, superuser_reserved, client_connections}`` and, when the server has them,
    ``reserved`` (reserved_connections) and ``managed_reserved`` (rds.rds_superuser_reserved_connections), counts;
    ``by_state``: rows ``{state, connections}``; ``by_client``: rows ``{user, connections, may_use_reserved}`` (optional);
    ``target``: ``{host, port, database}`` for the PgBouncer sketch.

    PostgreSQL refuses an ordinary role once no more than the reserved number of regular slots is free (postinit.c:
    "The last few regular connection slots are reserved for superusers and roles with privileges of
    pg_use_reserved_connections"). Every client backend holds a regular slot whatever its role, so usage is all client
    connections over max_connections minus every reserve; sessions of roles that may use the reserve are shown apart.
    """
    max_connections = int(settings["max_connections"])
    reserves = [(name, int(settings.get(key) or 0)) for key, name in RESERVES]
    reserves = [(name, count) for name, count in reserves if count > 0]
    reserved_total = sum(count for _name, count in reserves)
    usable = max(1, max_connections - reserved_total)
    total = int(settings["client_connections"])
    states = dict((row["state"], int(row["connections"])) for row in by_state)
    idle = sum(states.get(state, 0) for state in IDLE_STATES)
    active = states.get("active", 0)
    privileged = sum(int(row["connections"]) for row in (by_client or []) if row.get("may_use_reserved"))
    usage = float(total) / usable
    exhausted = usage >= float(exhausted_ratio)
    findings = ["%d client connections of %d usable by ordinary roles (max_connections %d%s): %.0f%%"
                % (total, usable, max_connections, "".join(" minus %d %s" % (count, name) for name, count in reserves), usage * 100)]
    if total >= usable:
        findings.append("no regular slot is left for ordinary roles: applications are refused (\"remaining connection slots are reserved "
                        "for ...\") while only roles that may use the reserve still get in")
    if privileged:
        findings.append("%d of the %d are sessions of roles that may use the reserved slots (superusers, members of "
                        "pg_use_reserved_connections or the service's reserved roles): they hold regular slots like any session"
                        % (privileged, total))
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
    proposed = exhausted and raise_to > max_connections
    if proposed:
        findings.append("max_connections %d would leave %d slots to ordinary roles (the reserves stay)" % (raise_to, raise_to - reserved_total))
    return {
        "max_connections": max_connections,
        "reserved_connections": dict(reserves),
        "usable_connections": usable,
        "client_connections": total,
        "reserved_role_connections": privileged,
        "active": active,
        "idle": idle,
        "usage_ratio": round(usage, 4),
        "pool_exhausted": exhausted,
        "raise_limit": {"proposed": proposed, "from": max_connections, "to": raise_to},
        "pgbouncer": {"recommended": pgbouncer_recommended, "idle_share": round(idle_share, 4), "sketch": sketch if pgbouncer_recommended else ""},
        "findings": findings,
    }


def _who(row):
    return "user %s, application %s" % (row.get("user") or "-", row.get("application") or "-")


def _doing(row):
    """What a session is doing, in the words of pg_stat_activity."""
    if (row.get("state") or "").startswith("idle in transaction"):
        return "%s for %ss, transaction open %ss" % (row["state"], row.get("state_s"), row.get("transaction_s"))
    return "%s, running %ss" % (row.get("state") or row.get("backend_type") or "unknown", row.get("duration_s"))


def _pids(pids):
    return ", ".join(str(pid) for pid in sorted(pids))


def lock_analysis(lock_waits):
    """Who blocks whom, from rows ``{pid, blocked_by, blocking, wait_s, ...}`` (pg_blocking_pids of every lock waiter).

    Returns ``{roots: [{pid, waiters, longest_wait_s}], cycle: [pids]}``: a root blocks others and waits for nobody
    (the head of a chain); ``waiters`` are every session queued behind it, directly or through other blockers; ``cycle``
    are waiters no root leads to (a deadlock that PostgreSQL's detector resolves after deadlock_timeout).
    """
    rows = dict((row["pid"], row) for row in lock_waits)
    blocking = dict((pid, set(row.get("blocking") or [])) for pid, row in rows.items())
    roots, reached = [], set()
    for pid in sorted(pid for pid, row in rows.items() if blocking[pid] and not row.get("blocked_by")):
        waiters, queue = set(), list(blocking[pid])
        while queue:
            waiter = queue.pop()
            if waiter not in waiters:
                waiters.add(waiter)
                queue.extend(blocking.get(waiter, ()))
        reached |= waiters
        longest = max([rows[w].get("wait_s") or 0 for w in waiters if w in rows] or [0])
        roots.append({"pid": pid, "waiters": sorted(waiters), "longest_wait_s": longest})
    cycle = sorted(pid for pid, row in rows.items() if row.get("blocked_by") and pid not in reached)
    return {"roots": roots, "cycle": cycle}


def plan_terminations(over_threshold, lock_waits=(), terminate_after=300):
    """The termination plan: end the sessions that hold the locks others queue behind, and long queries that wait for nobody.

    ``over_threshold``: active sessions running longer than ``terminate_after`` seconds, ``lock_waits``: every session
    that waits for a lock or holds one somebody waits for; both with ``pid``, ``backend_start``, ``user``,
    ``application``, ``protected_by`` (why it may never be ended, or None). A root blocker is ended when a session
    behind it has waited longer than ``terminate_after``; its waiters and the blockers in the middle of its chain are
    kept (they go on once it ends; ending them frees a slot for seconds, then the retries queue again). Protected
    sessions are never ended, whatever they block; the plan says which and why.

    Returns ``(candidates, kept, plan, findings)``; every candidate has ``terminate_reason`` (``blocker`` or ``long query``).
    """
    rows = dict((row["pid"], row) for row in lock_waits)
    analysis = lock_analysis(lock_waits)
    candidates, kept, plan, findings, decided = [], [], [], [], set()
    for root in analysis["roots"]:
        pid, waiters = root["pid"], root["waiters"]
        row = rows[pid]
        queue = "%d session(s) wait for its locks (pid %s), the longest for %ss" % (len(waiters), _pids(waiters), root["longest_wait_s"])
        if not row.get("backend_type"):
            reason = "a prepared transaction holds the lock (pg_prepared_xacts): COMMIT PREPARED or ROLLBACK PREPARED it; no session to end"
            findings.append("pid %s: %s; %s" % (pid, reason, queue))
            kept.append(dict(row, protected_by=reason))
            plan.append("keep pid %s: %s" % (pid, reason))
        elif row.get("protected_by"):
            findings.append("pid %s (%s, %s) blocks others: %s; it is never ended (%s)" % (pid, _who(row), _doing(row), queue, row["protected_by"]))
            kept.append(row)
            plan.append("keep pid %s (%s, %s): %s, but never ended: %s; end it yourself only if you know what it is doing"
                        % (pid, _who(row), _doing(row), queue, row["protected_by"]))
        elif root["longest_wait_s"] > int(terminate_after):
            findings.append("pid %s (%s, %s) holds the locks others queue behind: %s" % (pid, _who(row), _doing(row), queue))
            candidates.append(dict(row, terminate_reason="blocker"))
            plan.append("terminate pid %s (%s, %s, started %s): %s; last query: %s"
                        % (pid, _who(row), _doing(row), row.get("backend_start"), queue, row.get("query")))
        else:
            findings.append("pid %s (%s, %s) blocks others, not yet for longer than %ss: %s" % (pid, _who(row), _doing(row), terminate_after, queue))
            continue
        decided.add(pid)
        for waiter in waiters:
            if waiter in rows and waiter not in decided:
                decided.add(waiter)
                middle = rows[waiter].get("blocking")
                kept.append(dict(rows[waiter], protected_by="waits for pid %s" % pid))
                plan.append("keep pid %s (%s, %s): waits for a lock%s behind pid %s; it goes on once pid %s ends"
                            % (waiter, _who(rows[waiter]), _doing(rows[waiter]), " and blocks pid %s itself" % _pids(middle) if middle else "", pid, pid))
    idle_users = sorted(set(rows[root["pid"]].get("user") for root in analysis["roots"]
                            if (rows[root["pid"]].get("state") or "").startswith("idle in transaction")))
    if idle_users:
        findings.append("sessions left idle in transaction hold locks: fix the client that leaves its transaction open, and bound it "
                        "with idle_in_transaction_session_timeout (e.g. ALTER ROLE %s SET idle_in_transaction_session_timeout = '60s')"
                        % idle_users[0])
    if analysis["cycle"]:
        findings.append("pid %s wait for each other (a deadlock): PostgreSQL's deadlock detector ends one of them after deadlock_timeout"
                        % _pids(analysis["cycle"]))
        decided |= set(analysis["cycle"])
    for row in over_threshold:
        if row["pid"] in decided:
            continue
        if row["pid"] in rows and rows[row["pid"]].get("blocked_by"):
            kept.append(dict(row, protected_by="waits for a lock"))
            plan.append("keep pid %s (%s, running %ss): it waits for a lock (pid %s), ending it would not help"
                        % (row["pid"], _who(row), row.get("duration_s"), _pids(rows[row["pid"]]["blocked_by"])))
        elif row.get("protected_by"):
            kept.append(row)
            plan.append("keep pid %s (%s): %s" % (row["pid"], _who(row), row["protected_by"]))
        else:
            candidates.append(dict(row, terminate_reason="long query"))
            plan.append("terminate pid %s (%s, running %ss): %s" % (row["pid"], _who(row), row.get("duration_s"), row.get("query")))
    # Terminations first, in the order of the plan; the kept sessions after them.
    plan = [line for line in plan if line.startswith("terminate")] + [line for line in plan if not line.startswith("terminate")]
    return candidates, kept, plan, findings
