# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-022 against a real PostgreSQL 15 (scripts/test-services): real sessions, real termination.

Sessions held by psql clients: long pg_sleep queries by an ordinary user, an allow-listed user, an
allow-listed application, a superuser, a role with REPLICATION and another session of the playbook itself; a fresh query under
the threshold; an idle-in-transaction session. Only the first may ever be terminated.
"""

import json
import os
import subprocess
import time

import psycopg
import pytest

from conftest import REPO, assert_refused_before_anything_ran, run_playbook, wait_until

PLAYBOOK = REPO / "playbooks" / "play022_database_connections.yml"
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
