# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-022 against a real PostgreSQL 15 (scripts/test-services): real sessions, real termination.

Sessions held by psql clients: long pg_sleep queries by an ordinary user, an allow-listed user, an
allow-listed application, a superuser, a role with REPLICATION and another session of the playbook itself; a fresh query under
the threshold; an idle-in-transaction session. Only the first may ever be terminated.

Issue 25's cases: 26 (PostgreSQL 16's reserved_connections; the settings query evaluated on this PostgreSQL 15 against the
case's captured PostgreSQL 16 state, and on PostgreSQL 15's own, which has no such setting) and 27 (the pool queued
behind one session idle in transaction, built live from the case's scenario.sql), with a chain of two blockers and a
superuser blocker as variants.
"""

import json
import os
import subprocess
import time

import jinja2
import psycopg
import pytest
import yaml

from conftest import REPO, assert_refused_before_anything_ran, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "play022_database_connections.yml"
ROLE_VARS = yaml.safe_load((REPO / "roles" / "db_connections" / "vars" / "main.yml").read_text())
CASES = REPO / "tests" / "unit" / "fixtures" / "cases"
PASSWORDS = {"ir_operator": "ir-operator-test", "ve_app": "ve-app-test", "ve_batch": "ve-batch-test", "ve_replica": "ve-replica-test"}
# Long sessions are older than this when the playbook runs; the fresh one must stay younger for the whole run (ansible's
# start-up on a loaded 2-core machine took more than 5 s: the fresh query then counted as long).
THRESHOLD_S = 15


@pytest.fixture(scope="module")
def postgres(test_services):
    return test_services("postgres")["postgres"]


def admin(postgres, sql):
    """Run ``sql`` as the operator and return all rows (the test's view of the server)."""
    host, port = postgres
    with psycopg.connect(host=host, port=port, user="ir_operator", password=PASSWORDS["ir_operator"], dbname="virtengine",
                         application_name="test-observer", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


class Sessions:
    """psql clients holding server sessions; every one is killed in ``close``."""

    def __init__(self, postgres):
        self.host, self.port = postgres
        self.clients = {}

    def hold(self, name, user, application, sql, superuser=False):
        env = dict(os.environ, PGAPPNAME=application, PGCONNECT_TIMEOUT="5")
        if superuser:
            command = ["psql", "-h", str(REPO / ".test-services" / "postgres"), "-p", str(self.port), "-U", "postgres", "-d", "virtengine"]
            kwargs = {"user": "postgres"}
        else:
            env["PGPASSWORD"] = PASSWORDS[user]
            command = ["psql", "-h", self.host, "-p", str(self.port), "-U", user, "-d", "virtengine"]
            kwargs = {}
        client = subprocess.Popen(command + ["-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env, text=True, **kwargs)
        client.stdin.write(sql + "\n")
        client.stdin.flush()
        self.clients[name] = (client, application)
        return client

    def pid(self, application):
        rows = admin((self.host, self.port), "SELECT pid FROM pg_stat_activity WHERE application_name = '%s'" % application)
        return rows[0][0] if rows else None

    def alive(self):
        rows = admin((self.host, self.port), "SELECT application_name FROM pg_stat_activity WHERE backend_type = 'client backend'")
        return set(r[0] for r in rows)

    def close(self):
        """Kill the clients, then end their server backends: a backend in pg_sleep does not notice a dead client."""
        for client, _app in self.clients.values():
            client.kill()
            client.wait(timeout=10)
        applications = ",".join("'%s'" % app for _client, app in self.clients.values())
        subprocess.run(["psql", "-h", str(REPO / ".test-services" / "postgres"), "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-qAtc",
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name IN (%s)" % applications],
                       user="postgres", capture_output=True, timeout=30, check=True)


@pytest.fixture
def sessions(postgres):
    held = Sessions(postgres)
    try:
        sleep = "SELECT pg_sleep(600);"
        held.hold("victim", "ve_app", "ve-api", sleep)
        held.hold("allowed_user", "ve_batch", "ve-batch", sleep)
        held.hold("allowed_app", "ve_app", "ve-reporting", sleep)
        held.hold("superuser", "postgres", "ve-admin", sleep, superuser=True)
        held.hold("own", "ve_app", "virtengine-ir-play022", sleep)
        held.hold("replication", "ve_replica", "ve-standby", sleep)
        held.hold("idle_tx", "ve_app", "ve-idle", "BEGIN; SELECT count(*) FROM pg_class;")
        wait_until("the long sessions to run longer than %ss" % THRESHOLD_S, lambda: admin(postgres, (
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%%' "
            "AND now() - query_start > interval '%d seconds'" % (THRESHOLD_S + 1)))[0][0] == 6, 60)
        wait_until("the idle-in-transaction session", lambda: admin(postgres, (
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = 've-idle'"))[0][0] == 1, 30)
        held.hold("fresh", "ve_app", "ve-fresh", sleep)
        wait_until("the fresh query to be active", lambda: held.pid("ve-fresh"), 30)
        yield held
    finally:
        held.close()


def play022(postgres, localhost_inventory, report_dir, *args, **extra):
    host, port = postgres
    variables = {
        "db_connections_login_host": host, "db_connections_login_port": port, "db_connections_login_user": "ir_operator",
        "db_connections_login_password": PASSWORDS["ir_operator"], "db_connections_login_db": "virtengine",
        "db_connections_long_query_seconds": 2, "db_connections_terminate_after_seconds": THRESHOLD_S,
        "db_connections_allow_users": ["ve_batch"], "db_connections_allow_applications": ["ve-reporting"],
        "ir_report_dir": str(report_dir),
    }
    variables.update(extra)
    started = time.monotonic()
    run = run_playbook(PLAYBOOK, *args, inventory=localhost_inventory, extra_vars=variables)
    run.seconds = time.monotonic() - started
    return run


def report(report_dir):
    files = sorted(report_dir.glob("*-play022.json"))
    assert files, "no PLAY-022 report in %s" % report_dir
    return json.loads(files[-1].read_text())


EVERYONE = {"ve-api", "ve-batch", "ve-reporting", "ve-admin", "virtengine-ir-play022", "ve-standby", "ve-idle", "ve-fresh"}


def test_diagnosis_reports_the_sessions_and_terminates_nothing_without_confirmation(postgres, sessions, localhost_inventory, report_dir):
    run = play022(postgres, localhost_inventory, report_dir)
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir)
    diagnosis = doc["data"]["diagnosis"]
    long_apps = set(row["application"] for row in diagnosis["long_running"])
    # The superuser's query text is visible to the operator through pg_read_all_stats.
    assert {"ve-api", "ve-batch", "ve-reporting", "ve-admin", "virtengine-ir-play022", "ve-standby"} <= long_apps
    assert all(row["duration_s"] >= 2 and row["query"].startswith("SELECT pg_sleep") for row in diagnosis["long_running"])
    assert [row["application"] for row in diagnosis["idle_in_transaction"]] == ["ve-idle"]
    # PostgreSQL 15 has no reserved_connections and this is no RDS: the settings query reads 0 for both, without error.
    settings = diagnosis["settings"]
    assert settings["server_version_num"] // 10000 == 15 and (settings["reserved"], settings["managed_reserved"]) == (0, 0)
    assert doc["data"]["assessment"]["usable_connections"] == settings["max_connections"] - settings["superuser_reserved"] == 97
    assert doc["summary"]["usable_connections"] == 97 and diagnosis["lock_waits"] == []
    assert any(row["user"] == "postgres" and row["may_use_reserved"] for row in diagnosis["by_client"])
    assert not any(row["user"] == "ve_app" and row["may_use_reserved"] for row in diagnosis["by_client"])
    states = dict((row["state"], row["connections"]) for row in diagnosis["by_state"])
    assert states["active"] >= 8 and states["idle in transaction"] == 1
    assert any(row["user"] == "ve_batch" and row["connections"] == 1 for row in diagnosis["by_client"])
    protected = dict((row["application"], row["protected_by"]) for row in diagnosis["over_threshold"])
    assert protected == {"ve-api": None, "ve-batch": "allow-listed user", "ve-reporting": "allow-listed application",
                         "ve-admin": "superuser", "virtengine-ir-play022": "this playbook's own session", "ve-standby": "replication"}
    assert doc["data"]["terminated"] == []
    assert [(e["action"], e["decision"]) for e in doc["data"]["confirmations"]] == [("terminate_queries", "refused")]
    assert "-e ir_confirm=terminate_queries" in run.raw
    assert EVERYONE <= sessions.alive()
    assert PASSWORDS["ir_operator"] not in run.raw and PASSWORDS["ir_operator"] not in json.dumps(doc)


def test_check_mode_with_confirmation_terminates_nothing(postgres, sessions, localhost_inventory, report_dir):
    run = play022(postgres, localhost_inventory, report_dir, "--check", ir_confirm="terminate_queries")
    assert run.rc == 0, run.raw[-3000:]
    assert report(report_dir)["data"]["terminated"] == []
    assert EVERYONE <= sessions.alive()


def test_confirmed_termination_ends_only_the_unprotected_long_query(postgres, sessions, localhost_inventory, report_dir):
    victim = sessions.pid("ve-api")
    run = play022(postgres, localhost_inventory, report_dir, ir_confirm="terminate_queries")
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir)
    assert [(row["pid"], row["terminated"]) for row in doc["data"]["terminated"]] == [(victim, True)]
    assert "terminated 1 session(s): pid %d" % victim in doc["findings"]
    alive = sessions.alive()
    assert "ve-api" not in alive
    assert EVERYONE - {"ve-api"} <= alive
    assert [e["decision"] for e in doc["data"]["confirmations"]] == ["confirmed"]


def test_wrong_password_fails_clearly_and_changes_nothing(postgres, sessions, localhost_inventory, report_dir):
    run = play022(postgres, localhost_inventory, report_dir, ir_confirm="terminate_queries", db_connections_login_password="not-the-password")
    assert run.rc != 0
    failure = run.result("Read connections")
    assert failure["failed"] and 'password authentication failed for user "ir_operator"' in failure["msg"]
    assert "not-the-password" not in run.raw
    assert EVERYONE <= sessions.alive()
    assert not list(report_dir.glob("*-play022.json"))


def test_bad_threshold_is_refused_before_connecting(postgres, localhost_inventory, report_dir):
    run = play022(postgres, localhost_inventory, report_dir, db_connections_terminate_after_seconds=0)
    assert run.rc != 0
    assert "terminate_after_seconds=0" in run.raw and "Nothing was queried or changed" in run.raw


def test_bad_setting_is_refused_by_the_argument_spec_before_connecting(localhost_inventory, report_dir):
    # The runbook role's argument spec runs first, on localhost: no server is connected to, nothing is reported.
    assert_refused_before_anything_ran(PLAYBOOK, {"db_connections_platform": "bare-metal"}, report_dir,
                                       ["db_connections_platform must be one of", "got: bare-metal"], ["Read connections"],
                                       inventory=localhost_inventory)


def test_exhausted_pool_gets_the_confirmed_limit_through_alter_system(postgres, sessions, localhost_inventory, report_dir):
    try:
        run = play022(postgres, localhost_inventory, report_dir, ir_confirm="raise_connection_limit", db_connections_exhausted_ratio=0.05,
                      db_connections_raise_to=150)
        assert run.rc == 0, run.raw[-3000:]
        doc = report(report_dir)
        assessment = doc["data"]["assessment"]
        assert assessment["pool_exhausted"] is True and assessment["raise_limit"] == {"proposed": True, "from": 100, "to": 150}
        assert doc["data"]["limit_change"]["changed"] is True and doc["data"]["limit_change"]["restart_required"] is True
        assert admin(postgres, "SELECT setting, pending_restart FROM pg_settings WHERE name = 'max_connections'") == [("100", True)]
        assert "max_connections 100 -> 150 (vm), takes effect after a PostgreSQL restart" in doc["findings"]
    finally:
        admin(postgres, "ALTER SYSTEM RESET max_connections")
        admin(postgres, "SELECT pg_reload_conf()")


def role_sql(name):
    """The role's query ``name`` with its SQL fragments filled in (vars/main.yml nests them as Jinja variables)."""
    text = ROLE_VARS[name]
    while "{{" in text:
        text = jinja2.Template(text).render(**ROLE_VARS)
    return text


def superuser(postgres, sql, params=None):
    """Run ``sql`` (with ``params``) as the postgres superuser over the cluster's socket (local connections are trusted)."""
    with psycopg.connect(host=str(REPO / ".test-services" / "postgres"), port=postgres[1], user="postgres", dbname="virtengine",
                         autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_case26_settings_query_reads_reserved_connections_from_the_captured_pg16_state(postgres):
    """Case tests/unit/fixtures/cases/26-pg16-reserved-connections, with the role's own settings and by-state queries run
    by this PostgreSQL 15 against the case's PostgreSQL 16 state: pg_settings, pg_stat_activity and current_setting() are
    shadowed, inside a transaction that is rolled back, by the captured values (a schema before pg_catalog in search_path).
    reserved_connections reads 12, ordinary roles have 85 slots, all taken: the pool is exhausted."""
    from ansible_collections.virtengine.incident_response.plugins.filter.play022_assessment import play022_assessment
    pg_settings = json.loads((CASES / "26-pg16-reserved-connections" / "pg_settings.json").read_text())
    activity = json.loads((CASES / "26-pg16-reserved-connections" / "pg_stat_activity.json").read_text())["rows"]
    with psycopg.connect(host=str(REPO / ".test-services" / "postgres"), port=postgres[1], user="postgres", dbname="virtengine") as conn:
        try:
            conn.execute("CREATE SCHEMA case26")
            conn.execute("CREATE TABLE case26.pg_settings (name text, setting text)")
            conn.cursor().executemany("INSERT INTO case26.pg_settings VALUES (%s, %s)",
                                      [(k, v) for k, v in pg_settings.items() if k != "comment"])
            conn.execute("CREATE TABLE case26.pg_stat_activity (pid int, backend_type text, usename name, application_name text, "
                         "datname name, state text)")
            conn.cursor().executemany("INSERT INTO case26.pg_stat_activity VALUES (%(pid)s, %(backend_type)s, %(usename)s, "
                                      "%(application_name)s, %(datname)s, %(state)s)", activity)
            conn.execute("CREATE FUNCTION case26.current_setting(text) RETURNS text LANGUAGE sql "
                         "AS $$ SELECT setting FROM case26.pg_settings WHERE name = $1 $$")
            conn.execute("SET LOCAL search_path = case26, pg_catalog")
            cursor = conn.execute(role_sql("db_connections_sql_settings"))
            settings = dict(zip([c.name for c in cursor.description], cursor.fetchone()))
            cursor = conn.execute(role_sql("db_connections_sql_by_state"))
            by_state = [dict(zip([c.name for c in cursor.description], row)) for row in cursor.fetchall()]
        finally:
            conn.rollback()
    assert (settings["max_connections"], settings["superuser_reserved"], settings["reserved"], settings["managed_reserved"]) == (100, 3, 12, 0)
    assert settings["client_connections"] == 86 and settings["server_version_num"] == 160004
    assert by_state == [{"state": "active", "connections": 59}, {"state": "idle", "connections": 27}]
    result = play022_assessment({"settings": settings, "by_state": by_state, "over_threshold": []}, raise_to=200, exhausted_ratio=0.9)
    assert result["usable_connections"] == 85 and result["pool_exhausted"] is True and result["raise_limit"]["proposed"] is True
    assert superuser(postgres, "SELECT count(*) FROM pg_namespace WHERE nspname = 'case26'") == [(0,)], "rolled back"


@pytest.fixture
def orders(postgres):
    """The table of case 27's scenario.sql (its role and database are the test services' own), dropped afterwards."""
    statements = [s.strip() for s in (CASES / "27-pg-idle-in-transaction-blocker" / "scenario.sql").read_text().split(";")]
    statements = [s for s in ("\n".join(l for l in s.splitlines() if not l.startswith("--")).strip() for s in statements) if s]
    assert [s.split()[1] for s in statements[:2]] == ["ROLE", "DATABASE"]
    assert superuser(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = 've_app'") == [(1,)]
    try:
        for statement in statements[2:]:
            superuser(postgres, statement)
        superuser(postgres, "CREATE TABLE orders_audit (id int PRIMARY KEY, note text); ALTER TABLE orders_audit OWNER TO ve_app")
        yield
    finally:
        superuser(postgres, "DROP TABLE IF EXISTS orders, orders_audit")


def waiting(postgres, applications, seconds):
    """pids of the sessions of ``applications`` waiting for a lock for longer than ``seconds``, when all of them do."""
    rows = superuser(postgres, "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
                               "WHERE a.application_name = ANY(%s) AND now() - l.waitstart > make_interval(secs => %s)", (list(applications), seconds))
    return sorted(r[0] for r in rows) if len(rows) == len(applications) else None


def backend_start(postgres, pid):
    return superuser(postgres, "SELECT to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM pg_stat_activity "
                               "WHERE pid = %s", (pid,))[0][0]


def gate_entry(doc):
    (entry,) = [e for e in doc["data"]["confirmations"] if e["action"] == "terminate_queries"]
    return entry


CASE27_WAITERS = ("waiter-1", "waiter-2", "waiter-3")


@pytest.fixture
def case27(postgres, orders):
    """Case 27 built live: ve_app's BEGIN; UPDATE ... WHERE id = 1 left idle in transaction, three UPDATEs of the same
    row waiting for it, eleven idle pool sessions."""
    held = Sessions(postgres)
    try:
        held.hold("blocker", "ve_app", "virtengine-api", "BEGIN; UPDATE orders SET state = 'shipped', updated_at = now() WHERE id = 1;")
        wait_until("the blocker to sit idle in transaction", lambda: superuser(postgres, (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'virtengine-api' AND state = 'idle in transaction'"))[0][0] == 1, 30)
        for name in CASE27_WAITERS:
            held.hold(name, "ve_app", name, "UPDATE orders SET state = 'shipped', updated_at = now() WHERE id = 1;")
        for index in range(11):
            held.hold("pool-%d" % index, "ve_app", "ve-pool-%d" % index, "SELECT 1;")
        wait_until("the three waiters to wait for longer than 6s", lambda: waiting(postgres, CASE27_WAITERS, 6), 60)
        yield held
    finally:
        held.close()


def test_case27_the_plan_ends_the_idle_in_transaction_blocker_not_its_waiters(postgres, case27, localhost_inventory, report_dir):
    """Case tests/unit/fixtures/cases/27-pg-idle-in-transaction-blocker: 27a the termination plan ends the session
    pg_blocking_pids names for the waiters (idle in transaction, holding the row lock); 27b it is not the waiters.
    Without ir_confirm nothing is terminated; confirmed, only the blocker ends and the waiters' UPDATEs go through."""
    blocker = case27.pid("virtengine-api")
    waiters = waiting(postgres, CASE27_WAITERS, 0)
    # PostgreSQL queues the later UPDATEs of the row behind the first waiter (its tuple lock), so pg_blocking_pids names
    # the blocker and waiters ahead in the queue: the blocker is the one session among them that waits for nobody.
    blocking = set(r[0] for r in superuser(postgres, "SELECT DISTINCT unnest(pg_blocking_pids(pid)) FROM pg_stat_activity "
                                                     "WHERE pid = ANY(%s)", (waiters,)))
    assert blocker in blocking and blocking - {blocker} <= set(waiters)
    run = play022(postgres, localhost_inventory, report_dir, db_connections_terminate_after_seconds=5, db_connections_long_query_seconds=5)
    assert run.rc == 0, run.raw[-3000:]
    entry = gate_entry(report(report_dir))
    assert entry["decision"] == "refused"
    assert entry["parameters"]["pids"] == [blocker]                                                   # 27a
    assert entry["parameters"]["sessions"] == [{"pid": blocker, "backend_start": backend_start(postgres, blocker), "reason": "blocker"}]
    assert entry["plan"][0].startswith("terminate pid %d (user ve_app, application virtengine-api, idle in transaction" % blocker)
    assert not any(line.startswith("terminate pid %d " % w) for w in waiters for line in entry["plan"])  # 27b
    assert sorted(int(line.split()[2]) for line in entry["plan"] if line.startswith("keep")) == waiters
    assert waiting(postgres, CASE27_WAITERS, 0) == waiters and case27.pid("virtengine-api") == blocker
    run = play022(postgres, localhost_inventory, report_dir, ir_confirm="terminate_queries", db_connections_terminate_after_seconds=5,
                  db_connections_long_query_seconds=5)
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir)
    assert [(row["pid"], row["reason"], row["terminated"]) for row in doc["data"]["terminated"]] == [(blocker, "blocker", True)]
    wait_until("the waiters' UPDATEs to go through", lambda: superuser(postgres, (
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY(%s) AND state = 'idle'"), (list(CASE27_WAITERS),))[0][0] == 3, 30)
    assert case27.pid("virtengine-api") is None and superuser(postgres, "SELECT state FROM orders WHERE id = 1") == [("shipped",)]


def test_a_chain_of_two_blockers_ends_its_head_and_a_superuser_blocker_is_spared(postgres, orders, localhost_inventory, report_dir):
    """Variants of case 27: A holds row 1 idle in transaction; B holds row 2 and waits for row 1; C waits for row 2 (a
    chain: only A is ended, B and C go on). A superuser's maintenance session holds orders_audit and D waits: neither
    is ended, and the plan says why. A stale start time (a reused pid) terminates nothing."""
    held = Sessions(postgres)
    try:
        held.hold("a", "ve_app", "chain-a", "BEGIN; UPDATE orders SET state = 'a' WHERE id = 1;")
        held.hold("s", "postgres", "maintenance", "BEGIN; LOCK TABLE orders_audit IN ACCESS EXCLUSIVE MODE;", superuser=True)
        wait_until("A and the superuser to sit idle in transaction", lambda: superuser(postgres, (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('chain-a', 'maintenance') AND state = 'idle in transaction'"))[0][0] == 2, 30)
        held.hold("b", "ve_app", "chain-b", "BEGIN; UPDATE orders SET state = 'b' WHERE id = 2; UPDATE orders SET state = 'b' WHERE id = 1; COMMIT;")
        wait_until("B to wait", lambda: waiting(postgres, ["chain-b"], 0), 30)
        held.hold("c", "ve_app", "chain-c", "UPDATE orders SET state = 'c' WHERE id = 2;")
        held.hold("d", "ve_app", "audit-d", "INSERT INTO orders_audit VALUES (1, 'd');")
        wait_until("B, C and D to wait for longer than 6s", lambda: waiting(postgres, ["chain-b", "chain-c", "audit-d"], 6), 60)
        pids = dict((app, held.pid(app)) for app in ("chain-a", "chain-b", "chain-c", "maintenance", "audit-d"))
        # A stale start for A's pid (as if the pid had been reused): the termination matches nothing.
        stale = superuser(postgres, role_sql("db_connections_sql_terminate"), {
            "sessions": json.dumps([{"pid": pids["chain-a"], "backend_start": "2000-01-01T00:00:00.000000Z", "reason": "blocker"}]),
            "terminate_after": 5, "own_application": "virtengine-ir-play022", "allow_users": "[]", "allow_applications": "[]"})
        assert stale == [] and held.pid("chain-a") == pids["chain-a"]

        run = play022(postgres, localhost_inventory, report_dir, ir_confirm="terminate_queries", db_connections_terminate_after_seconds=5,
                      db_connections_long_query_seconds=5)
        assert run.rc == 0, run.raw[-3000:]
        doc = report(report_dir)
        entry = gate_entry(doc)
        assert entry["parameters"]["pids"] == [pids["chain-a"]] and entry["decision"] == "confirmed"
        plan = "\n".join(entry["plan"])
        assert "keep pid %d (user postgres, application maintenance" % pids["maintenance"] in plan and "never ended: superuser" in plan
        assert "keep pid %d (user ve_app, application chain-b" % pids["chain-b"] in plan and "and blocks pid %d itself" % pids["chain-c"] in plan
        assert "keep pid %d (user ve_app, application audit-d" % pids["audit-d"] in plan
        assert [(row["pid"], row["terminated"]) for row in doc["data"]["terminated"]] == [(pids["chain-a"], True)]
        wait_until("B and C to go through", lambda: superuser(postgres, "SELECT state FROM orders WHERE id IN (1, 2) ORDER BY id")
                   == [("b",), ("c",)], 30)
        assert held.pid("maintenance") == pids["maintenance"] and waiting(postgres, ["audit-d"], 0) == [pids["audit-d"]]
    finally:
        held.close()
