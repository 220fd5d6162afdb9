# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each cause means for each remedy (module_utils/_causes.py): the table and the one place it is applied."""

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import (
    ANY, RULES, CauseError, apply, cause, plan, vetoes_of)
from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GATED_ACTIONS
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import SIGNATURES


def test_every_catalogue_signature_has_a_rule():
    missing = sorted(s.name for s in SIGNATURES if s.name not in RULES)
    assert not missing, "signatures without a remedy rule: %s" % missing


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_names_gated_actions_and_says_what_to_do_instead(name):
    found = RULES[name]
    assert set(found.permits) <= GATED_ACTIONS
    assert set(found.vetoes) - {ANY} <= GATED_ACTIONS
    assert not set(found.permits) & set(found.vetoes), "a rule cannot permit what it vetoes"
    assert found.instead.strip() and found.meaning.strip()
    assert all(because.strip() for because in found.vetoes.values())


def test_a_full_disk_vetoes_the_restart_of_its_host_and_keeps_the_others():
    plans = [plan("coordinated_restart", ["val-b", "val-c", "val-d"])]
    evidence = [{"host": "val-b", "signature": "disk_full", "line": "no space left on device"}]
    result = apply(plans, [cause("disk_full", ["val-b"], evidence)])
    assert [p["hosts"] for p in result["plans"]] == [["val-c", "val-d"]]
    (veto,) = result["vetoed"]
    assert veto["action"] == "coordinated_restart" and veto["hosts"] == ["val-b"] and veto["cause"] == "disk_full"
    assert "full disk" in veto["because"] and veto["instead"].startswith("free or grow the disk")
    assert veto["evidence"] == evidence and veto["whole_plan"] is False


def test_a_together_plan_falls_whole_with_one_vetoed_host():
    plans = [plan("state_rollback", ["v1", "v2", "v3"], {"height": 41}, together=True)]
    result = apply(plans, [cause("disk_full", ["v2"])])
    assert result["plans"] == []
    assert result["vetoed"][0]["hosts"] == ["v2"] and result["vetoed"][0]["whole_plan"] is True


def test_a_cause_a_live_reading_shows_gone_is_a_precondition_that_holds():
    reading = {"free_bytes": 40 * 2 ** 30, "free_fraction": 0.41}
    result = apply([plan("coordinated_restart", ["val-b"])], [cause("disk_full", ["val-b"], resolved={"val-b": reading})])
    assert result["vetoed"] == []
    (kept,) = result["plans"]
    assert kept["preconditions"] == [{"what": RULES["disk_full"].instead, "hosts": ["val-b"], "met": True, "reading": {"val-b": reading}}]


def test_an_unrecognised_fatal_error_vetoes_every_automated_remedy_on_its_host():
    for action in sorted(GATED_ACTIONS):
        assert vetoes_of("panic", action), action
    result = apply([plan("node_restart", ["n1", "n2"]), plan("state_sync", ["n1"])], [cause("panic", ["n1"])])
    assert [p["hosts"] for p in result["plans"]] == [["n2"]]
    assert [(v["action"], v["hosts"]) for v in result["vetoed"]] == [("node_restart", ["n1"]), ("state_sync", ["n1"])]


def test_a_cause_on_other_hosts_and_a_remedy_it_permits_change_nothing():
    plans = [plan("diverged_resync", ["v3"]), plan("upgrade_switch", ["v1", "v2"])]
    result = apply(plans, [cause("disk_full", ["v9"]), cause("replay_app_hash_mismatch", ["v3"]), cause("upgrade_needed", ["v1", "v2"])])
    assert [p["hosts"] for p in result["plans"]] == [["v3"], ["v1", "v2"]] and result["vetoed"] == []


@pytest.mark.parametrize("call", [
    lambda: cause("no_such_cause", ["h"]),
    lambda: cause("disk_full", "h"),
    lambda: plan("restart_everything", ["h"]),
    lambda: apply([{"action": "nope", "hosts": []}], []),
    lambda: apply([plan("node_restart", ["h"])], ["disk_full"]),
])
def test_bad_input_is_named(call):
    with pytest.raises(CauseError):
        call()
