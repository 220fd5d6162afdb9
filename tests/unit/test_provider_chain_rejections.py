# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chain refusing the provider daemons' transactions is a cause (module_utils/_provider_logs.py REJECTIONS,
_causes.RULES): case 29 (tests/unit/fixtures/cases/29-provider-insufficient-fees, sources in its CASE.md) and the
other kinds and log formats of it (tests/unit/fixtures/provider/chain_rejections.json, each line with its source):
fee (13), account sequence (32), funds (5), gas (11), mempool full (20), tx too large (21), signature (4), in the
VirtEngine daemon's [BID] lines, akash provider logfmt and TxResponse dumps, JSON tx responses and JSON logs, gRPC
broadcast errors and CometBFT's JSON-RPC errors. PLAY-011 and PLAY-012 name the cause and veto the daemons' restart
and binary rollback; the options of both runbooks are checked once, by the decision's own check."""

import json
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.filter.provider import play011_options, play012_decision, play012_options
from ansible_collections.virtengine.incident_response.plugins.module_utils import _market, _provider_fleet, _provider_logs
from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import PROVIDER_REMEDIES, RULES

FIXTURES = Path(__file__).parent / "fixtures"
CASE29 = FIXTURES / "cases" / "29-provider-insufficient-fees"
PROVIDERS = ["provider%d" % i for i in range(1, 6)]
VARIANTS = json.loads((FIXTURES / "provider" / "chain_rejections.json").read_text())
NOW = 2_000_000_000.0
# The chain as the controller reads it in case 29: live, 4 s since the last block, no upgrade plan.
LIVE = {"height": 12560, "block_age_s": 4, "error": None, "upgrade_plan": None}


def _fleet(patterns, healthy=None):
    """provider_health-shaped records (_provider_fleet.merge) for the hosts of ``patterns`` ({host: scan or None}):
    health ok, the chain's gRPC with TLS and its RPC reachable from each, binaries and configs unchanged for weeks."""
    hosts = sorted(patterns)
    health = {"providers": [{"name": h, "healthy": (healthy or {}).get(h, True), "health": {"body": "ok", "error": None, "latency_ms": 2.0},
                             "findings": []} for h in hosts]}
    old = {"sha256": "a" * 64, "mtime": NOW - 30 * 86400, "exists": True}
    checks = dict((h, {"grpc": {"target": "grpc.virtengine.example:9090", "tcp": True, "tls": True, "error": None},
                       "rpc": {"url": "http://rpc.virtengine.example:26657", "error": None, "catching_up": False},
                       "config": {"sha256": "c" * 64, "mtime": NOW - 30 * 86400}, "binary": old,
                       "previous_binary": dict(old, sha256="b" * 64, path="/usr/local/bin/provider-daemon.bak"), "findings": []})
                  for h in hosts)
    logs = dict((h, {"patterns": p, "error": None} if p is not None else {"patterns": {}, "error": "unreadable"}) for h, p in patterns.items())
    return _provider_fleet.merge(hosts, health, checks, logs, dict((h, "virtengine1" + h) for h in hosts))


def _case29_patterns():
    return dict((name, _provider_logs.scan((CASE29 / ("%s.log" % name)).read_text())) for name in PROVIDERS)


def _market_state():
    return json.loads((CASE29 / "market.json").read_text())


# --------------------------------------------------------------------------- case 29

def test_case29_every_failed_bid_is_the_chains_fee_rejection_with_the_fee_it_got_and_required():
    for name, found in _case29_patterns().items():
        fee = found["tx_insufficient_fee"]
        assert fee["count"] == found["bid_failed"]["count"] == 6, name
        assert fee["code"] == 13 and fee["fields"] == {"got": "2000uve", "required": "25000uve"}
        assert fee["numbers"] == "got 2000uve, required 25000uve"
        assert set(found) == {"tx_insufficient_fee", "bid_failed"}, "the submitted bid before the fee rose is no error"


def test_case29a_play011_names_the_chains_fee_rejection_as_the_common_cause_and_vetoes_the_restarts():
    decision = _market.decide(_market_state(), _fleet(_case29_patterns()))
    assert decision["verdict"] == "not_bidding" and decision["marketplace_orders_stalled"]
    assert len(decision["stale"]) == 6
    first = decision["common_causes"][0]
    assert first["pattern"] == "tx_insufficient_fee" and first["providers"] == PROVIDERS and first["share"] == 1.0
    assert "insufficient fee" in first["meaning"] and first["numbers"] == "got 2000uve, required 25000uve"
    assert "common cause: the chain rejects the daemon's transactions for insufficient fee (code 13): the fee it pays is below the " \
           "chain's minimum gas price, on 5 of 5 silent providers (got 2000uve, required 25000uve)" in decision["why"]
    # Restarting the five daemons is not the remedy: the plan is vetoed, with the fee as what to do instead.
    assert decision["restart_hosts"] == [] and decision["plans"] == [] and decision["planned"] == {}
    (veto,) = decision["vetoed"]
    assert veto["action"] == "provider_restart" and veto["hosts"] == PROVIDERS and veto["cause"] == "tx_insufficient_fee"
    assert veto["instead"].startswith("raise the fee / gas price the daemon pays to at least the chain's minimum")
    assert [e["numbers"] for e in veto["evidence"]] == ["got 2000uve, required 25000uve"] * 5
    assert decision["blocked"].startswith("provider_restart is not offered: provider_restart VETOED on provider1, provider2")
    assert [(c["cause"], c["hosts"]) for c in decision["causes"]] == [("tx_insufficient_fee", PROVIDERS)]


def test_case29b_play012_is_a_chain_rejection_on_5_of_5_never_isolated():
    fleet = _fleet(_case29_patterns())
    decision = _provider_fleet.decide(fleet, LIVE, NOW)
    assert decision["verdict"] == "chain_rejection" and decision["affected"] == [] and decision["down"] == []
    why = " ".join(decision["why"])
    assert "isolated" not in why
    assert decision["why"][0].startswith("common cause on 5 of 5 providers: the chain refuses the daemon's transactions: the fee is below "
                                         "the chain's minimum gas price (code 13) (got 2000uve, required 25000uve). Instead: raise the fee")
    assert decision["rollback_hosts"] == [] and decision["vetoed"] == []
    assert [(c["cause"], c["hosts"]) for c in decision["causes"]] == [("tx_insufficient_fee", PROVIDERS)]


# --------------------------------------------------------------------------- every kind, every format

@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "%s: %s" % (v["kind"], v["source"]))
def test_each_rejection_wording_and_format_is_its_kind_with_its_numbers(variant):
    name, fields = _provider_logs.rejection(variant["line"])
    assert name == variant["kind"] and fields["code"] == _provider_logs.REJECTION_BY_CODE[fields["code"]].code
    assert _provider_logs.scan([variant["line"]])[name]["numbers"] == variant["numbers"]


@pytest.mark.parametrize("kind", [r.name for r in _provider_logs.REJECTIONS])
def test_each_kind_on_most_providers_is_the_common_cause_of_both_runbooks_and_vetoes_restart_and_rollback(kind):
    lines = [v["line"] for v in VARIANTS if v["kind"] == kind]
    patterns = {"p1": _provider_logs.scan(lines), "p2": _provider_logs.scan(lines[-1:]), "p3": _provider_logs.scan(lines[:1]), "p4": {}}
    play011 = _market.decide(_market_state(), _fleet(patterns))
    assert play011["common_causes"][0]["pattern"] == kind and play011["common_causes"][0]["providers"] == ["p1", "p2", "p3"]
    assert play011["restart_hosts"] == ["p4"], "the provider without the rejection keeps its restart"
    assert [(v["action"], v["hosts"], v["cause"]) for v in play011["vetoed"]] == [("provider_restart", ["p1", "p2", "p3"], kind)]
    assert play011["plans"][0]["lines"][0] == "restart the provider daemon on p4 and wait for its /health"
    assert play011["plans"][0]["lines"][1].startswith("left out: provider_restart VETOED on p1, p2, p3 (%s)" % kind)
    play012 = _provider_fleet.decide(_fleet(patterns), LIVE, NOW)
    assert play012["verdict"] == "chain_rejection" and play012["why"][0].startswith("common cause on 3 of 4 providers: ")
    assert RULES[kind].instead in play012["why"][0]


def test_lines_that_are_no_rejection_are_not_one():
    quiet = (FIXTURES / "provider" / "daemon.log").read_text().splitlines() + [
        "[BID] Submitted bid for order virtengine1qyqszqgpqyqszqgpqyqszqgpqyqszqgpkrkq0c/9810/1/1: provider/7",
        '{"height":"120","txhash":"AB12","codespace":"","code":0,"raw_log":"[]"}',
        'E[2023-08-04|21:07:41.990] transaction broadcast failed cmp=provider err="rpc error: code = Unknown desc = failed to execute '
        'message; message index: 0: unknown lease for bid: unknown request"',
        '{"codespace":"market","code":5,"raw_log":"bid not found"}',
        "supervisord: provider-daemon exited with code 13",
    ]
    assert [line for line in quiet if _provider_logs.rejection(line)] == []
    assert not set(_provider_logs.scan(quiet)) & set(_provider_logs.REJECTION_NAMES)


def test_the_sdk_code_decides_over_a_wrapped_wording():
    # A sequence mismatch reported as the signature failure that follows it is still code 32 when the chain says so.
    line = '{"codespace":"sdk","code":32,"raw_log":"signature verification failed; please verify account number (41), sequence (7) and chain-id (x)"}'
    assert _provider_logs.rejection(line) == ("tx_sequence_mismatch", {"code": 32})


def test_every_rejection_kind_has_a_rule_that_vetoes_the_daemons_restart_and_rollback_and_says_what_instead():
    for rejection in _provider_logs.REJECTIONS:
        rule = RULES[rejection.name]
        assert rule.permits == () and sorted(rule.vetoes) == sorted(PROVIDER_REMEDIES), rejection.name
        assert "(code %d)" % rejection.code in rule.meaning and rule.instead.strip()
    assert "fund the provider's account" in RULES["tx_insufficient_funds"].instead
    assert "restart that daemon once" in RULES["tx_sequence_mismatch"].instead


# --------------------------------------------------------------------------- some providers only, and other verdicts

def test_a_rejection_on_one_provider_keeps_the_others_restarts_and_names_that_provider():
    patterns = dict((name, {}) for name in PROVIDERS)
    patterns["provider3"] = _provider_logs.scan([v["line"] for v in VARIANTS if v["kind"] == "tx_insufficient_funds"])
    market = dict(_market_state(), bids=[])
    play011 = _market.decide(market, _fleet(patterns))
    assert play011["verdict"] == "not_bidding" and play011["common_causes"] == []
    assert play011["restart_hosts"] == ["provider1", "provider2", "provider4", "provider5"]
    assert [(v["hosts"], v["cause"]) for v in play011["vetoed"]] == [(["provider3"], "tx_insufficient_funds")]
    play012 = _provider_fleet.decide(_fleet(patterns), LIVE, NOW)
    assert play012["verdict"] == "chain_rejection"
    assert play012["why"][0].startswith("on provider3 only: the chain refuses the daemon's transactions: the provider's account cannot pay")


def test_a_software_bug_keeps_its_rollback_except_on_a_provider_the_chain_refuses():
    patterns = dict((name, {}) for name in PROVIDERS)
    patterns["provider2"] = _provider_logs.scan([v["line"] for v in VARIANTS if v["kind"] == "tx_out_of_gas"])
    fleet = _fleet(patterns, healthy={"provider1": False, "provider2": False})
    for record in fleet[:2]:
        record["binary"] = {"sha256": "d" * 64, "mtime": NOW - 120, "exists": True}
    decision = _provider_fleet.decide(fleet, LIVE, NOW)
    assert decision["verdict"] == "software_bug" and decision["rollback_hosts"] == ["provider1"]
    (veto,) = decision["vetoed"]
    assert (veto["action"], veto["hosts"], veto["cause"]) == ("provider_binary_rollback", ["provider2"], "tx_out_of_gas")
    assert decision["planned"]["provider_binary_rollback"]["lines"][-1].startswith("left out: provider_binary_rollback VETOED on provider2")


def test_a_common_error_pattern_without_a_known_cause_is_never_called_isolated():
    failing = _provider_logs.scan(["[BID] Failed to bid on order o/1/1/1: rpc error: code = Unimplemented desc = unknown service"])
    decision = _provider_fleet.decide(_fleet(dict((name, failing) for name in PROVIDERS)), LIVE, NOW)
    assert decision["verdict"] == "widespread_unknown" and "isolated" not in " ".join(decision["why"])
    assert decision["why"][0] == "the same error pattern is on most providers (below), and no binary change, config push or chain failure explains it"
    assert decision["why"][1].startswith("common error pattern on 5 of 5 providers: bid submissions fail")


# --------------------------------------------------------------------------- one check of the options, before anything runs

PLAY012_OK = {"play012_recent_seconds": 3600, "play012_mass_share": 0.5, "play012_max_block_age_s": 60, "play012_rollback_batch": 1,
              "play012_max_fail_percentage": 0}
PLAY011_OK = {"play011_stale_blocks": 50, "play011_recent_blocks": 100, "play011_spec_limits": {}, "play011_show_orders": 20}


@pytest.mark.parametrize("bad, said", [
    ({"play012_mass_share": 1}, "play012_mass_share=1 must be a share of the providers above 0 and below 1"),
    ({"play012_mass_share": 0}, "play012_mass_share=0 must be"),
    ({"play012_mass_share": "half"}, "play012_mass_share='half' is not a number"),
    ({"play012_recent_seconds": 0}, "play012_recent_seconds=0 must be seconds above 0"),
    ({"play012_max_block_age_s": -5}, "play012_max_block_age_s=-5 must be seconds above 0"),
    ({"play012_rollback_batch": 0}, "play012_rollback_batch=0 must be hosts, 1 or more"),
    ({"play012_max_fail_percentage": 101}, "play012_max_fail_percentage=101 must be a percentage from 0 to 100"),
])
def test_play012_options_refuse_what_the_decision_refuses_naming_the_variable(bad, said):
    with pytest.raises(AnsibleFilterError, match="^%s" % said.replace("(", r"\(").replace(")", r"\)")) as refused:
        play012_options(dict(PLAY012_OK, **bad))
    assert "Nothing was probed or declared." in str(refused.value)
    assert play012_options(dict(PLAY012_OK, play012_max_fail_percentage=100))["mass_share"] == 0.5


def test_the_decision_refuses_mass_share_1_with_the_same_check():
    # Before: the role accepted 1 (at most 1) and the decision refused it after the fleet was probed.
    with pytest.raises(AnsibleFilterError, match="play012_decision: mass_share=1.0 must be a share of the providers above 0 and below 1"):
        play012_decision({"providers": []}, [], {}, {}, {}, LIVE, NOW, mass_share=1)


@pytest.mark.parametrize("bad, said", [
    ({"play011_stale_blocks": 0}, "play011_stale_blocks=0 must be 1 or more (blocks)"),
    ({"play011_recent_blocks": "x"}, "play011_recent_blocks='x' is not an integer"),
    ({"play011_show_orders": -1}, "play011_show_orders=-1 must be 0 or more"),
    ({"play011_spec_limits": {"max_cpu_millicores": 0}}, "play011_spec_limits.max_cpu_millicores=0 must be 1 or more"),
    ({"play011_spec_limits": {"max_cpu": 4}}, "play011_spec_limits.max_cpu is not a limit: use max_count"),
])
def test_play011_options_refuse_what_the_decision_refuses_naming_the_variable(bad, said):
    with pytest.raises(AnsibleFilterError, match="^%s" % said.replace("(", r"\(").replace(")", r"\)")):
        play011_options(dict(PLAY011_OK, **bad))
    with pytest.raises(AnsibleFilterError, match="play011_recent_blocks is missing"):
        play011_options({"play011_stale_blocks": 50})
