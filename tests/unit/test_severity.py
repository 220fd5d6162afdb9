# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Severity classification at every boundary, channel names, status-update cadence, post-mortem rows."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.incident import (
    classify_severity,
    incident_channel_name,
    incident_duration,
    status_update_due,
    timeline_rows,
)
from ansible_collections.virtengine.incident_response.plugins.module_utils._severity import FLAG_SEVERITY


@pytest.mark.parametrize("signals, severity", [
    ({"chain_halted": True}, "SEV-1"),
    ({"network_partition": True}, "SEV-1"),
    ({"data_breach": True}, "SEV-1"),
    ({"all_validators_offline": True}, "SEV-1"),
    ({"chain_halted": False}, "SEV-4"),
    ({}, "SEV-4"),
    # Error rates: < 10 % nothing, 10 % .. 50 % SEV-3 (both ends included), > 50 % SEV-2.
    ({"error_rates": {"api": 0.0}}, "SEV-4"),
    ({"error_rates": {"api": 0.0999}}, "SEV-4"),
    ({"error_rates": {"api": 0.1}}, "SEV-3"),
    ({"error_rates": {"api": 0.3}}, "SEV-3"),
    ({"error_rates": {"api": 0.5}}, "SEV-3"),
    ({"error_rates": {"api": 0.5001}}, "SEV-2"),
    ({"error_rates": {"api": 1}}, "SEV-2"),
    ({"error_rates": {"api": 0.05, "scoring": 0.7}}, "SEV-2"),
    # Providers: one offline SEV-3; exactly half still SEV-3; more than half SEV-2.
    ({"providers_offline": 0, "providers_total": 10}, "SEV-4"),
    ({"providers_offline": 1}, "SEV-3"),
    ({"providers_offline": 1, "providers_total": 10}, "SEV-3"),
    ({"providers_offline": 5, "providers_total": 10}, "SEV-3"),
    ({"providers_offline": 6, "providers_total": 10}, "SEV-2"),
    ({"providers_offline": 1, "providers_total": 1}, "SEV-2"),
    ({"identity_scoring_unavailable": True}, "SEV-2"),
    ({"marketplace_orders_stalled": True}, "SEV-2"),
    ({"slow_queries": True}, "SEV-3"),
    ({"minor_feature_unavailable": True}, "SEV-3"),
    ({"cosmetic_bug": True}, "SEV-4"),
    ({"monitoring_gap": True}, "SEV-4"),
    ({"documentation_issue": True}, "SEV-4"),
    # The most severe wins.
    ({"chain_halted": True, "error_rates": {"api": 0.9}, "providers_offline": 1}, "SEV-1"),
    ({"slow_queries": True, "error_rates": {"api": 0.6}}, "SEV-2"),
])
def test_classification(signals, severity):
    assert classify_severity(signals)["severity"] == severity


def test_every_flag_is_classified_as_documented():
    for name, severity in FLAG_SEVERITY.items():
        assert classify_severity({name: True})["severity"] == severity


def test_reasons_name_the_signals_at_the_winning_level():
    result = classify_severity({"error_rates": {"api": 0.62, "rpc": 0.2}, "providers_offline": 1})
    assert result == {"severity": "SEV-2", "reasons": ["api error rate 62% (> 50%)"]}
    assert classify_severity({})["reasons"] == ["no user-impacting signal"]


@pytest.mark.parametrize("signals, words", [
    ({"chain_stopped": True}, "unknown signal(s) chain_stopped"),
    ({"error_rates": {"api": 50}}, "error_rates.api=50 is outside 0..1"),
    ({"error_rates": {"api": -0.1}}, "outside 0..1"),
    ({"error_rates": {"api": "many"}}, "error_rates.api='many' is not a number"),
    ({"error_rates": [0.2]}, "error_rates must map a service"),
    ({"providers_offline": 3, "providers_total": 2}, "providers_offline=3 is more than providers_total=2"),
    ({"providers_offline": -1}, "providers_offline=-1 must be a whole number"),
    ({"providers_offline": True}, "providers_offline=True must be a whole number"),
    ("chain_halted", "signals must be a dictionary"),
])
def test_bad_signals_are_named(signals, words):
    with pytest.raises(AnsibleFilterError, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        classify_severity(signals)


@pytest.mark.parametrize("incident_id, description, name", [
    ("INC-20260127-001", "Chain halted", "inc-20260127-chain-halted"),
    ("INC-20260127-012", "  Provider v2.3 down!! (eu-west)  ", "inc-20260127-provider-v2-3-down-eu-west"),
    ("INC-20260127-001", "identity_scoring", "inc-20260127-identity_scoring"),
    ("INC-20260127-001", "...", "inc-20260127-incident"),
    ("INC-20260127-1000", "x" * 200, "inc-20260127-" + "x" * 67),
    ("INC-20260127-001", "a" * 66 + " b", "inc-20260127-" + "a" * 66),
])
def test_channel_names_are_valid_for_slack(incident_id, description, name):
    result = incident_channel_name(incident_id, description)
    assert result == name
    assert len(result) <= 80 and result == result.lower() and " " not in result and "." not in result


def test_channel_name_needs_an_incident_id():
    with pytest.raises(AnsibleFilterError, match="'INC-2026-1' is not INC-YYYYMMDD-NNN"):
        incident_channel_name("INC-2026-1", "x")


LEVELS = {"SEV-1": {"update_every_minutes": 15}, "SEV-2": {"update_every_minutes": 30}, "SEV-3": {"update_every_minutes": None}}


@pytest.mark.parametrize("severity, now, due_in, overdue", [
    ("SEV-1", "2026-01-27T10:14:59Z", 0.0, False),
    ("SEV-1", "2026-01-27T10:15:00Z", 0.0, False),
    ("SEV-1", "2026-01-27T10:15:06Z", -0.1, True),
    ("SEV-2", "2026-01-27T10:29:00Z", 1.0, False),
    ("SEV-2", "2026-01-27T10:31:00Z", -1.0, True),
    ("SEV-3", "2026-01-27T18:00:00Z", None, False),
])
def test_status_update_cadence(severity, now, due_in, overdue):
    record = {"severity": severity, "last_update_at": "2026-01-27T10:00:00.000000Z"}
    due = status_update_due(record, LEVELS, now)
    assert (due["due_in_minutes"], due["overdue"]) == (due_in, overdue)


def test_cadence_defaults_to_the_requirements_recorded_at_declaration():
    record = {"severity": "SEV-1", "last_update_at": "2026-01-27T10:00:00Z", "requirements": {"update_every_minutes": 15}}
    assert status_update_due(record, None, "2026-01-27T10:20:00Z")["overdue"] is True


def test_duration_and_timeline_rows():
    record = {"started_at": "2026-01-27T10:02:00Z", "resolved_at": "2026-01-27T11:40:30.000000Z"}
    duration = incident_duration(record)
    assert duration["text"] == "10:02 to 11:40 (1 hours 38 minutes)" and duration["minutes"] == 98
    entries = [
        {"kind": "task", "start": "2026-01-27T10:05:00.1Z", "host": "v1", "task": "read", "action": "chain_status", "changed": False},
        {"kind": "task", "start": "2026-01-27T10:06:00.1Z", "host": "v3", "task": "restart", "action": "supervisorctl", "changed": True},
        {"kind": "task", "start": "2026-01-27T10:06:30.1Z", "host": "localhost", "task": "x",
         "action": "virtengine.incident_response.incident_state", "changed": True},
        {"kind": "gate", "at": "2026-01-27T10:05:30.1Z", "action": "coordinated_restart", "decision": "confirmed", "by": "alice",
         "via": "ir_confirm", "hosts": ["v3", "v4"]},
        {"kind": "incident", "at": "2026-01-27T10:02:01.0Z", "text": "INC-20260127-001 declared"},
        {"kind": "decision", "at": "2026-01-27T10:04:00.0Z", "text": "restart, not rollback", "author": "bob"},
    ]
    assert [(r["time"], r["event"]) for r in timeline_rows(entries)] == [
        ("10:02:01", "incident: INC-20260127-001 declared"),
        ("10:04:00", "decision: restart, not rollback (bob)"),
        ("10:05:30", "gate coordinated_restart: confirmed by alice via ir_confirm (hosts v3, v4)"),
        ("10:06:00", "changed on v3: restart (supervisorctl)"),
    ]
