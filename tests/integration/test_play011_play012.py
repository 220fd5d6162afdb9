# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-011 and PLAY-012 on real processes: five provider-daemon stand-ins under supervisord (tests/doubles/
provider_daemon.py), the chain CLI stand-in's market queries and its plaintext gRPC (virtengine_standin.py), the real
local network for heights and block time. One lab for the module; each test puts the daemons in the state it needs.
"""

import hashlib
import json

import pytest
import requests

from conftest import REPO, assert_refused_before_anything_ran, run_playbook, wait_until as wait
from provider_lab import ProviderLab
from virtengine_standin import MarketState, StandinChain

PLAY011 = REPO / "playbooks" / "play011_marketplace_orders.yml"
PLAY012 = REPO / "playbooks" / "play012_provider_daemon_failure.yml"
OWNER = "virtengine1qyqszqgpqyqszqgpqyqszqgpqyqszqgpkrkq0c"
WEST = [{"key": "region", "value": "us-west-1"}, {"key": "tier", "value": "community"}]


def group_spec(cpu="1000", memory="536870912", storage="1073741824", count=1, attributes=None):
    """A deployment/v1beta5 GroupSpec as the CLI prints it (Int values as strings inside {"val"})."""
    return {"name": "web", "requirements": {"signed_by": {"all_of": [], "any_of": []}, "attributes": attributes or [WEST[0]]},
            "resources": [{"resource": {"id": 1, "cpu": {"units": {"val": cpu}, "attributes": []},
                                        "memory": {"size": {"val": memory}, "attributes": []},
                                        "storage": [{"name": "default", "size": {"val": storage}, "attributes": []}],
                                        "gpu": {"units": {"val": "0"}, "attributes": []}, "endpoints": []},
                           "count": count, "prices": [{"denom": "uve", "amount": "1000.000000000000000000"}]}]}


def order(dseq, created_at, spec=None, state="open"):
    return {"id": {"owner": OWNER, "dseq": str(dseq), "gseq": 1, "oseq": 1}, "state": state, "spec": spec or group_spec(),
            "created_at": str(created_at)}


def chain_provider(address):
    return {"owner": address, "host_uri": "https://%s.example.net:8443" % address[-9:], "attributes": WEST,
            "info": {"email": "ops@example.net", "website": ""}}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lab(localnet, tmp_path_factory):
    root = tmp_path_factory.mktemp("providers")
    with StandinChain(root / "chain", "lab-passphrase") as chain:
        with ProviderLab(root / "fleet", 5, localnet.url("validator1"), chain.grpc_endpoint) as fleet:
            fleet.chain = chain
            fleet.market = MarketState(chain.home)
            fleet.market.write({"orders": [], "bids": [], "providers": [chain_provider(fleet.addresses[n]) for n in fleet.names],
                                "upgrade_plan": None})
            fleet.hosts = fleet.inventory(root / "hosts.json")
            yield fleet


def play(lab, playbook, report_dir, *args, **extra):
    variables = {"provider_chain_node": lab_node(lab), "provider_chain_cli": str(lab.chain.binary), "provider_chain_cli_home": str(lab.chain.home),
                 "ir_report_dir": str(report_dir), "provider_verify_delay": 1}
    variables.update(extra)
    return run_playbook(playbook, *args, inventory=lab.hosts, extra_vars=variables)


def lab_node(lab):
    return "http://" + lab.node_rpc.split("://", 1)[-1]


def report(report_dir, name):
    files = sorted(report_dir.glob("*-%s.json" % name))
    assert files, "no %s report in %s" % (name, report_dir)
    return json.loads(files[-1].read_text())


def height(localnet, at_least=1):
    """validator1's height once it is ``at_least`` (a young chain cannot hold orders older than its height)."""
    def reached():
        now = localnet.height("validator1")
        return now if now and now >= at_least else None

    return wait("height %d or more on validator1" % at_least, reached, 180)


@pytest.fixture
def unreachable_providers(tmp_path):
    """localhost and a group providers whose one host SSH cannot reach: a bad value must stop the run before it is tried."""
    path = tmp_path / "hosts.json"
    path.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                                "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
                                        "children": {"providers": {"hosts": {"provider1": {"ansible_host": "127.0.0.1", "ansible_port": 1}}}}}}))
    return path


@pytest.mark.parametrize("playbook, bad, said", [
    (PLAY011, {"play011_spec_limits": {"max_cpu": 4}}, ["play011_spec_limits.max_cpu", "Supported parameters include: max_count"]),
    (PLAY012, {"play012_rollback_batch": "all"}, ["play012_rollback_batch", "'all'"]),
    (PLAY012, {"play012_mass_share": 2.5}, ["play012_mass_share=2.5 must be a share of the providers above 0 and below 1"]),
    # The role used to accept 1 (at most 1) and the decision refused it after the fleet was probed: one check now.
    (PLAY012, {"play012_mass_share": 1}, ["play012_mass_share=1", "above 0 and below 1"]),
    (PLAY011, {"play011_stale_blocks": 0}, ["play011_stale_blocks=0 must be 1 or more"]),
])
def test_bad_input_fails_before_anything_is_probed_or_declared(playbook, bad, said, unreachable_providers, report_dir):
    # The runbook role's argument spec runs first: a typo must not read the chain, probe the daemons or declare a SEV-2.
    assert_refused_before_anything_ran(playbook, bad, report_dir, said, ["Read open orders", "Check every provider daemon's health at once (", "Declare:"],
                                       inventory=unreachable_providers)


def test_play011_backlog_with_no_healthy_provider(lab, localnet, report_dir):
    # Orders 80-82 blocks old need height 83: on a freshly started network they would be clamped to height 1 and
    # be younger than play011_stale_blocks, and the verdict would rightly be "healthy".
    now = height(localnet, 83)
    lab.market.write(dict(lab.market.read(), orders=[order(100 + i, max(1, now - 80 - i)) for i in range(3)], bids=[]))
    for name in lab.names:
        lab.write_binary(name, "down")
    lab.start(lab.names, expect_healthy=False)
    run = play(lab, PLAY011, report_dir, provider_market_page_limit=2)
    assert run.rc != 0, run.raw[-3000:]
    doc = report(report_dir, "play011")
    decision = doc["data"]["decision"]
    assert decision["verdict"] == "no_provider_healthy"
    assert decision["restart_hosts"] == lab.names
    assert [o["order"] for o in decision["orders"]] == ["%s/%d/1/1" % (OWNER, 102), "%s/%d/1/1" % (OWNER, 101), "%s/%d/1/1" % (OWNER, 100)]
    oldest = decision["oldest"]
    assert oldest["age_blocks"] >= 82 and oldest["age_s"] == pytest.approx(oldest["age_blocks"] * decision["block_time_s"], abs=0.2)
    assert 0.3 < decision["block_time_s"] < 5
    assert doc["data"]["severity"]["severity"] == "SEV-2" and doc["data"]["incident"]["severity"] == "SEV-2"
    assert [(e["action"], e["decision"]) for e in doc["data"]["confirmations"]] == [("provider_restart", "refused")]
    assert all(lab.state(n) in ("FATAL", "EXITED", "BACKOFF") for n in lab.names)
    # Every page (2 per page: pages 1 and 2) of every group and order: the CLI stand-in logs its argv.
    argvs = [json.loads(line) for line in (lab.chain.home / "calls.jsonl").read_text().splitlines()]
    listed = [a for a in argvs if a[:4] == ["query", "market", "order", "list"]]
    assert [a[a.index("--page") + 1] for a in listed] == ["1", "2"]
    assert all(a[a.index(flag) + 1] == value for a in listed for flag, value in (("--state", "open"), ("--gseq", "0"), ("--oseq", "0")))


def test_play011_providers_up_but_failing_bids_and_a_malformed_order(lab, localnet, report_dir):
    now = height(localnet)
    orders = [order(200, now - 120), order(201, now - 90),
              order(202, now - 150, group_spec(memory="0", attributes=[{"key": "region", "value": "mars-1"}]))]
    lab.market.write(dict(lab.market.read(), orders=orders, bids=[]))
    lab.set_orders(["%s/%d/1/1" % (OWNER, o) for o in (200, 201)])
    for name in lab.names:
        lab.write_binary(name, "failing_bids")
    lab.start(lab.names)
    wait("bid failures in every log", lambda: all("[BID] Failed to bid" in (lab.dir(n) / "stdout.log").read_text() for n in lab.names), 30)
    pids = dict((n, lab.pid(n)) for n in lab.names)
    run = play(lab, PLAY011, report_dir, ir_confirm="provider_restart", provider_max_failures=0)
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir, "play011")
    decision = doc["data"]["decision"]
    assert decision["verdict"] == "not_bidding"
    assert decision["stale"] == ["%s/200/1/1" % OWNER, "%s/201/1/1" % OWNER]
    causes = dict((c["pattern"], c) for c in decision["common_causes"])
    assert causes["bid_failed"]["providers"] == lab.names and "[BID] Failed to bid on order" in causes["bid_failed"]["newest"]
    assert "event_subscriber_failed" in causes
    why = " ".join(decision["why"])
    assert "plaintext while the daemon always dials it with TLS" in why and "nested block 'bidding' is ignored" in why
    malformed = decision["malformed"]
    assert [m["order"] for m in malformed] == ["%s/202/1/1" % OWNER]
    assert "resource 1: no memory" in malformed[0]["reasons"] and "requires region=mars-1, which no provider offers" in malformed[0]["reasons"]
    # The gated restart: one at a time, each health-checked, every daemon restarted.
    assert [(e["action"], e["decision"], e["hosts"]) for e in doc["data"]["confirmations"]] == [("provider_restart", "confirmed", lab.names)]
    assert [(r["host"], r["ok"]) for r in doc["data"]["restarts"]] == [(n, True) for n in lab.names]
    assert all(lab.pid(n) and lab.pid(n) != pids[n] for n in lab.names)
    waited = [h for h, r in run.results("Wait until the daemon answers its health check") if not r.get("skipped")]
    assert waited == lab.names


def test_play012_three_of_five_down_after_a_binary_change_then_gated_rollback(lab, report_dir):
    for name in lab.names:
        lab.write_binary(name, "healthy", mtime=1700000000)
    lab.set_orders([])
    lab.start(lab.names)
    released = lab.names[:3]
    lab.deploy(released, "broken")
    lab.start(released, expect_healthy=False)
    before = dict((n, sha256(lab.binary(n))) for n in lab.names)
    kept = dict((n, sha256(lab.dir(n) / "provider-daemon.bak")) for n in released)

    # 1. Diagnose; the rollback is refused without ir_confirm.
    run = play(lab, PLAY012, report_dir)
    assert run.rc != 0, run.raw[-3000:]
    decision = report(report_dir, "play012")["data"]["decision"]
    assert decision["verdict"] == "software_bug" and decision["down"] == released and decision["rollback_hosts"] == released
    assert [c["provider"] for c in decision["changes"] if c["what"] == "binary changed recently"] == released
    # The new build runs on the majority (3 of 5), so the two healthy providers are the ones unlike the majority.
    assert [c["provider"] for c in decision["changes"] if c["what"] == "binary differs from the fleet majority"] == lab.names[3:]
    assert any(n in " ".join(decision["why"]) for n in released) and "binary change" in decision["why"][1]
    assert report(report_dir, "play012")["data"]["severity"]["severity"] == "SEV-2"
    assert [(e["action"], e["decision"]) for e in report(report_dir, "play012")["data"]["confirmations"]] == [("provider_binary_rollback", "refused")]
    assert dict((n, sha256(lab.binary(n))) for n in lab.names) == before

    # 2. --check with the confirmation: the plan runs in check mode and nothing changes.
    run = play(lab, PLAY012, report_dir, "--check", ir_confirm="provider_binary_rollback")
    assert run.rc == 0, run.raw[-3000:]
    assert dict((n, sha256(lab.binary(n))) for n in lab.names) == before
    assert not list(lab.root.glob("*/provider-daemon.replaced-*"))
    assert all(lab.state(n) != "RUNNING" for n in released)

    # 3. Confirmed: serial batches of one, the previous build back by checksum, the replaced one kept.
    run = play(lab, PLAY012, report_dir, ir_confirm="provider_binary_rollback")
    assert run.rc == 0, run.raw[-3000:]
    doc = report(report_dir, "play012")
    rollbacks = doc["data"]["rollbacks"]
    assert [(r["host"], r["ok"]) for r in rollbacks] == [(n, True) for n in released]
    assert [r["at"] for r in rollbacks] == sorted(r["at"] for r in rollbacks)
    for name in released:
        assert sha256(lab.binary(name)) == kept[name] == before["provider4"]
        replaced = lab.dir(name) / ("provider-daemon.replaced-%s" % before[name][:12])
        assert replaced.exists() and sha256(replaced) == before[name]
        assert lab.healthy(name) and lab.state(name) == "RUNNING"
    assert dict((n, sha256(lab.binary(n))) for n in lab.names[3:]) == dict((n, before[n]) for n in lab.names[3:])
    batches = [p for p in run.doc["plays"] if "Roll the binary back" in p["play"]["name"]]
    assert len(batches) == len(lab.names), "expected one play run per serial batch of one host"


def test_provider_alerts_fire_on_blackbox_probes_of_the_stand_ins(test_services, tmp_path):
    """provider-alerts.yml live: the real blackbox exporter probes two stand-ins' /health (service="provider-daemon")."""
    services = test_services("blackbox", "prometheus")
    url, targets = services["prometheus"], services["blackbox_targets"] / "blackbox_http_2xx.json"

    def alerts(name):
        listed = requests.get(url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
        return set(a["labels"].get("instance", "-") for a in listed if a["labels"]["alertname"] == name and a["state"] == "firing")

    def probes_up():
        result = requests.get(url + "/api/v1/query", params={"query": 'sum(probe_success{service="provider-daemon"})'}, timeout=5).json()
        return float(result["data"]["result"][0]["value"][1]) if result["data"]["result"] else None

    with ProviderLab(tmp_path / "fleet", 2, "tcp://127.0.0.1:1", "127.0.0.1:1") as fleet:
        fleet.start(fleet.names)
        health = dict((n, "http://127.0.0.1:%d/health" % fleet.ports[n]) for n in fleet.names)
        try:
            targets.write_text(json.dumps([{"targets": list(health.values()), "labels": {"service": "provider-daemon"}}]))
            wait("both daemons probed as up", lambda: probes_up() == 2, 90)
            assert alerts("ProviderDaemonDown") == set() and alerts("MarketOrderBacklog") == set()
            fleet.ctl("stop", "provider2")
            wait("ProviderDaemonDown for provider2", lambda: alerts("ProviderDaemonDown") == {health["provider2"]}, 120)
            assert alerts("MarketOrderBacklog") == set()
            fleet.ctl("stop", "provider1")
            wait("MarketOrderBacklog once no daemon is healthy", lambda: alerts("MarketOrderBacklog") == {"-"}, 120)
            assert alerts("ProviderDaemonDown") == set(health.values())
        finally:
            targets.write_text("[]\n")
