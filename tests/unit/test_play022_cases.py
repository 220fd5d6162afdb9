# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-022 as PostgreSQL refuses: the reserves of every version and service (case 26), and the termination plan that
ends the session others queue behind (case 27), on rows shaped as the role's queries return them.

The same queries run on a real PostgreSQL 15 in tests/integration/test_play022.py (case 26's query on 15, case 27 built
live, a chain of two blockers, a superuser blocker)."""

import json
from pathlib import Path

import pytest
from test_alert_rule_namespaces import promtool_test

from ansible_collections.virtengine.incident_response.plugins.filter.play022_assessment import play022_assessment

CASES = Path(__file__).parent / "fixtures" / "cases"
CASE26 = CASES / "26-pg16-reserved-connections"


def captured_diagnosis(pg_settings, activity, superusers=("postgres",)):
    """What db_connections_sql_settings / _by_state / _by_client return on a captured server state: settings read from
    pg_settings (a reserve the server lacks reads 0), client backends counted, by state and by user."""
    clients = [row for row in activity if row["backend_type"] == "client backend"]
    settings = {"max_connections": int(pg_settings["max_connections"]),
                "superuser_reserved": int(pg_settings["superuser_reserved_connections"]),
                "reserved": int(pg_settings.get("reserved_connections", 0)),
                "managed_reserved": int(pg_settings.get("rds.rds_superuser_reserved_connections", 0)),
                "client_connections": len(clients)}
    states, users = {}, {}
    for row in clients:
        states[row["state"]] = states.get(row["state"], 0) + 1
        users[row["usename"]] = users.get(row["usename"], 0) + 1
    return {"settings": settings, "by_state": [{"state": s, "connections": n} for s, n in sorted(states.items())],
            "by_client": [{"user": u, "connections": n, "may_use_reserved": u in superusers} for u, n in sorted(users.items())],
            "over_threshold": [], "lock_waits": []}


def test_case26_pg16_reserved_connections_leave_ordinary_roles_no_slot():
    """Case tests/unit/fixtures/cases/26-pg16-reserved-connections: PostgreSQL 16, max_connections 100,
    superuser_reserved_connections 3, reserved_connections 12; ordinary roles may use 85 slots and ve_app holds all 85:
    the pool is exhausted and raising max_connections is proposed (the product said 86 of 97, not exhausted)."""
    pg_settings = json.loads((CASE26 / "pg_settings.json").read_text())
    activity = json.loads((CASE26 / "pg_stat_activity.json").read_text())["rows"]
    result = play022_assessment(captured_diagnosis(pg_settings, activity), raise_to=200, exhausted_ratio=0.9)
    assert result["usable_connections"] == 85
    assert result["reserved_connections"] == {"superuser_reserved_connections": 3, "reserved_connections": 12}
    assert result["client_connections"] == 86 and result["reserved_role_connections"] == 1
    assert result["pool_exhausted"] is True and result["usage_ratio"] >= 1
    assert result["raise_limit"] == {"proposed": True, "from": 100, "to": 200}
    assert result["findings"][0] == ("86 client connections of 85 usable by ordinary roles (max_connections 100 minus 3 "
                                     "superuser_reserved_connections minus 12 reserved_connections): 101%")
    assert any(f.startswith("no regular slot is left for ordinary roles") for f in result["findings"])
    assert "max_connections 200 would leave 185 slots to ordinary roles (the reserves stay)" in result["findings"]
    # The refusals of the case are PostgreSQL 16's wording for exactly this state.
    assert all('reserved for roles with privileges of the "pg_use_reserved_connections" role' in line
               for line in (CASE26 / "postgresql.log").read_text().splitlines())


def test_case26_alert_fires_when_applications_can_no_longer_connect(tmp_path):
    """Case tests/unit/fixtures/cases/26-pg16-reserved-connections, 26b: postgres_exporter's series of the case's server
    (86 sessions, max_connections 100, 3 + 12 reserved) with the shipped rules: PostgresConnectionPoolExhausted fires at
    86/85 (the product divided by max_connections: 86%, silent). Variants (PostgreSQL 15 without the setting, a mixed
    fleet, Amazon RDS's reserve) are in extensions/prometheus/tests/virtengine-alerts.test.yml."""
    result = promtool_test(tmp_path, CASE26 / "pool_exhausted_pg16.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_case26_minimal_reproduction_with_the_reserve():
    """Case 26's minimal reproduction, with the reserve the fixed settings query reads."""
    result = play022_assessment({"settings": {"max_connections": 100, "superuser_reserved": 3, "reserved": 12, "client_connections": 86},
                                 "by_state": [{"state": "active", "connections": 59}, {"state": "idle", "connections": 27}],
                                 "over_threshold": []})
    assert result["usable_connections"] == 85 and result["pool_exhausted"] is True and result["raise_limit"]["proposed"] is True


def test_pg15_has_no_reserved_connections_and_the_same_sessions_are_not_exhausted():
    """Variant: the same sessions on PostgreSQL 15 (no reserved_connections): 86 of 97, below the 90% threshold."""
    pg_settings = {"max_connections": "100", "superuser_reserved_connections": "3"}
    activity = json.loads((CASE26 / "pg_stat_activity.json").read_text())["rows"]
    result = play022_assessment(captured_diagnosis(pg_settings, activity))
    assert result["usable_connections"] == 97 and result["reserved_connections"] == {"superuser_reserved_connections": 3}
    assert result["pool_exhausted"] is False and result["usage_ratio"] == round(86 / 97, 4)


def test_managed_service_reserve_rds_superuser_counts_too():
    """Variant, Amazon RDS for PostgreSQL 15 ("remaining connection slots are reserved for non-replication superuser and
    rds_superuser connections"): usable = max_connections - superuser_reserved_connections -
    rds.rds_superuser_reserved_connections = 100 - 3 - 2 = 95, and rds_superuser sessions are counted apart."""
    pg_settings = {"max_connections": "100", "superuser_reserved_connections": "3", "rds.rds_superuser_reserved_connections": "2"}
    activity = ([{"backend_type": "client backend", "usename": "ve_app", "state": "idle"}] * 93
                + [{"backend_type": "client backend", "usename": "rdsadmin", "state": "active"}] * 2)
    result = play022_assessment(captured_diagnosis(pg_settings, activity, superusers=("rdsadmin",)))
    assert result["usable_connections"] == 95 and result["client_connections"] == 95 and result["reserved_role_connections"] == 2
    assert result["findings"][0] == ("95 client connections of 95 usable by ordinary roles (max_connections 100 minus 3 "
                                     "superuser_reserved_connections minus 2 rds.rds_superuser_reserved_connections): 100%")
    assert result["pool_exhausted"] is True


def test_sessions_of_reserve_roles_hold_regular_slots_like_any_other():
    """Variant: 70 application sessions and 15 of roles with pg_use_reserved_connections on the case's server. PostgreSQL
    refuses ordinary roles when no more than the 15 reserved slots are free, whoever holds the others: 85 of 85."""
    pg_settings = json.loads((CASE26 / "pg_settings.json").read_text())
    activity = ([{"backend_type": "client backend", "usename": "ve_app", "state": "active"}] * 70
                + [{"backend_type": "client backend", "usename": "ops_monitor", "state": "idle"}] * 15)
    result = play022_assessment(captured_diagnosis(pg_settings, activity, superusers=("ops_monitor",)))
    assert result["pool_exhausted"] is True and result["client_connections"] == 85 and result["reserved_role_connections"] == 15
    assert any(f.startswith("15 of the 85 are sessions of roles that may use the reserved slots") for f in result["findings"])


def session(pid, state="active", user="ve_app", application="virtengine-api", blocked_by=(), blocking=(), wait_s=None, protected_by=None,
            backend_type="client backend", duration_s=40, query="UPDATE orders SET state = 'shipped' WHERE id = 1"):
    """One row of db_connections_sql_lock_waits."""
    return {"pid": pid, "backend_start": "2025-07-21T18:40:%02d.123456Z" % (pid % 60), "user": user, "application": application,
            "backend_type": backend_type, "state": state, "duration_s": duration_s, "transaction_s": duration_s + 5, "state_s": duration_s,
            "wait_s": wait_s, "blocked_by": list(blocked_by), "blocking": list(blocking), "query": query, "protected_by": protected_by}


def over(row):
    """The same session as db_connections_sql_over_threshold lists it (active and over the threshold)."""
    return dict((k, row[k]) for k in ("pid", "backend_start", "user", "application", "backend_type", "state", "duration_s", "query", "protected_by"))


def blocked_diagnosis(lock_waits, over_threshold=()):
    return {"settings": {"max_connections": 20, "superuser_reserved": 3, "client_connections": 16},
            "by_state": [{"state": "idle", "connections": 11}, {"state": "active", "connections": 4}, {"state": "idle in transaction", "connections": 1}],
            "over_threshold": list(over_threshold), "lock_waits": lock_waits}


def test_case27_the_idle_in_transaction_blocker_is_ended_not_its_waiters():
    """Case tests/unit/fixtures/cases/27-pg-idle-in-transaction-blocker on the rows the lock query returns: pid 4101 is
    idle in transaction holding the row lock, 4102-4104 wait for it (and are over the threshold themselves). The plan
    ends 4101 (pid and start fingerprinted) and keeps the waiters; the live case is in tests/integration/test_play022.py."""
    waiters = [session(pid, blocked_by=[4101], wait_s=11, duration_s=11) for pid in (4102, 4103, 4104)]
    blocker = session(4101, state="idle in transaction", blocking=[4102, 4103, 4104], duration_s=14)
    result = play022_assessment(blocked_diagnosis([blocker] + waiters, [over(w) for w in waiters]), terminate_after=5)
    assert result["termination_sessions"] == [{"pid": 4101, "backend_start": "2025-07-21T18:40:21.123456Z", "reason": "blocker"}]
    assert [row["pid"] for row in result["termination_candidates"]] == [4101]
    assert sorted(row["pid"] for row in result["protected_sessions"]) == [4102, 4103, 4104]
    assert result["termination_plan"][0].startswith("terminate pid 4101 (user ve_app, application virtengine-api, idle in transaction for 14s, "
                                                    "transaction open 19s, started 2025-07-21T18:40:21.123456Z): 3 session(s) wait for its locks "
                                                    "(pid 4102, 4103, 4104), the longest for 11s; last query: UPDATE orders")
    assert result["termination_plan"][1:] == [
        "keep pid %d (user ve_app, application virtengine-api, active, running 11s): waits for a lock behind pid 4101; it goes on once pid 4101 ends" % pid
        for pid in (4102, 4103, 4104)]
    assert any("idle_in_transaction_session_timeout" in f for f in result["findings"])


def test_a_chain_of_two_blockers_ends_only_its_head():
    """Variant: 5001 idle in transaction holds row 1; 5002 holds row 2 and waits for row 1; 5003 and 5004 wait for row 2."""
    rows = [session(5001, state="idle in transaction", blocking=[5002]),
            session(5002, blocked_by=[5001], blocking=[5003, 5004], wait_s=30),
            session(5003, blocked_by=[5002], wait_s=20), session(5004, blocked_by=[5002], wait_s=25)]
    result = play022_assessment(blocked_diagnosis(rows, [over(r) for r in rows[1:]]), terminate_after=5)
    assert [s["pid"] for s in result["termination_sessions"]] == [5001]
    assert "wait for its locks (pid 5002, 5003, 5004), the longest for 30s" in result["termination_plan"][0]
    assert ("keep pid 5002 (user ve_app, application virtengine-api, active, running 40s): waits for a lock and blocks pid 5003, 5004 itself "
            "behind pid 5001; it goes on once pid 5001 ends") in result["termination_plan"]


@pytest.mark.parametrize("protected_by, backend_type, user", [
    ("superuser", "client backend", "postgres"), ("autovacuum", "autovacuum worker", None),
    ("replication (walsender)", "walsender", "replicator"), ("allow-listed application", "client backend", "ve_app")])
def test_a_protected_blocker_is_never_ended_and_the_plan_says_why(protected_by, backend_type, user):
    """Variant: the head of the queue is a superuser's maintenance session, autovacuum, a walsender or allow-listed."""
    rows = [session(6001, user=user, backend_type=backend_type, protected_by=protected_by, blocking=[6002], query="ALTER TABLE orders ADD COLUMN note text"),
            session(6002, blocked_by=[6001], wait_s=400, duration_s=400)]
    result = play022_assessment(blocked_diagnosis(rows, [over(rows[1])]), terminate_after=300)
    assert result["termination_sessions"] == [] and result["termination_plan"][0].startswith("keep pid 6001")
    assert ("but never ended: %s; end it yourself only if you know what it is doing" % protected_by) in result["termination_plan"][0]
    assert "keep pid 6002" in result["termination_plan"][1] and "waits for a lock behind pid 6001" in result["termination_plan"][1]


def test_a_short_wait_a_prepared_transaction_and_a_deadlock_end_nobody():
    short = [session(7001, state="idle in transaction", blocking=[7002]), session(7002, blocked_by=[7001], wait_s=3, duration_s=3)]
    result = play022_assessment(blocked_diagnosis(short), terminate_after=5)
    assert result["termination_sessions"] == [] and any("not yet for longer than 5s" in f for f in result["findings"])
    prepared = [dict(session(0, blocking=[7102]), backend_type=None, user=None, application=None, state=None, backend_start=None),
                session(7102, blocked_by=[0], wait_s=60)]
    result = play022_assessment(blocked_diagnosis(prepared), terminate_after=5)
    assert result["termination_sessions"] == [] and "ROLLBACK PREPARED" in result["termination_plan"][0]
    deadlock = [session(7201, blocked_by=[7202], blocking=[7202], wait_s=2), session(7202, blocked_by=[7201], blocking=[7201], wait_s=2)]
    result = play022_assessment(blocked_diagnosis(deadlock, [over(r) for r in deadlock]), terminate_after=1)
    assert result["termination_sessions"] == [] and any("deadlock detector" in f for f in result["findings"])


def test_long_queries_that_wait_for_nobody_are_still_ended_and_one_that_waits_is_not():
    lone = session(8001, duration_s=400, query="SELECT pg_sleep(600)")
    waiting = session(8002, blocked_by=[8003], wait_s=10, duration_s=400)
    holder = session(8003, blocking=[8002], duration_s=2, state="active")
    result = play022_assessment(blocked_diagnosis([waiting, holder], [over(lone), over(waiting)]), terminate_after=300)
    assert result["termination_sessions"] == [{"pid": 8001, "backend_start": lone["backend_start"], "reason": "long query"}]
    assert "keep pid 8002 (user ve_app, application virtengine-api, running 400s): it waits for a lock (pid 8003), ending it would not help" \
        in result["termination_plan"]
