# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults that look like a partition but are not, on the handed cases 14 (tests/unit/fixtures/cases/14-genesis-chain-id-mismatch:
a node started with another network's genesis) and 21 (21-sentry-inbound-slots-full: the sentries' inbound slots full of
public peers), and variants of each kind.

Each case's nodes are served over real HTTP as CometBFT v0.38 answers (the local network's captured /status, /net_info
and /commit, moved to the case's chain id, heights, ids and peers; a live node's height advances at every /status), read
by the modules' own readers (chain_status, peer_count with compare_islands), and decided by ``assess`` with the case's
[p2p] excerpts and journals as the hosts' findings.
"""

import copy
import itertools
import json
from pathlib import Path

from ansible_collections.virtengine.incident_response.plugins.module_utils import _play001
from ansible_collections.virtengine.incident_response.plugins.module_utils._assess import assess
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import fleet_view, host_record
from ansible_collections.virtengine.incident_response.plugins.module_utils._log_signatures import scan
from ansible_collections.virtengine.incident_response.plugins.module_utils._module import parse_endpoints
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_findings import host_causes
from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import parse_peer_list
from ansible_collections.virtengine.incident_response.plugins.module_utils._rpc_reads import read_chain, read_peers
from ansible_collections.virtengine.incident_response.plugins.module_utils._toml_sections import parse
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import FixtureNode, load

CASES = Path(__file__).parent / "fixtures" / "cases"
CASE14 = CASES / "14-genesis-chain-id-mismatch"
CASE21 = CASES / "21-sentry-inbound-slots-full"


def _journal(case, journal):
    """A journal file of the case, or lines given as a list."""
    return journal if isinstance(journal, list) else (case / journal).read_text().splitlines()


class _Module(object):
    params = {"timeout": 5.0, "retries": 0, "max_workers": 8, "skip": None}


def _hash(network, height):
    return ("%s-%d" % (network, height)).encode().hex().upper()[:64].ljust(64, "0")


def _configs(case):
    return dict((path.name.split(".")[0], parse(path.read_text())["p2p"]) for path in sorted(case.glob("*.config.toml.p2p")))


def _node_ids(configs):
    """Each node's id, from the other nodes' persistent_peers (by its external address) and private_peer_ids."""
    by_address = dict((p2p["external_address"].split("://")[1], name) for name, p2p in configs.items())
    ids = {}
    for p2p in configs.values():
        for entry in parse_peer_list(p2p.get("persistent_peers")):
            ids[by_address["%s:%s" % (entry["host"], entry["port"])]] = entry["id"]
    return ids


class _Node(object):
    """One node's answers: chain id, height (advancing when live), voting power, peers ``[(id, moniker, outbound)]``."""

    def __init__(self, name, node_id, network, height, power, peers, live):
        self.name, self.node_id, self.network, self.power, self.peers = name, node_id, network, power, peers
        self.heights = itertools.count(height) if live else itertools.repeat(height)
        self.height = height

    def status(self, query):
        self.height = next(self.heights)
        document = load("healthy", "validator1_status")
        result = document["result"]
        result["node_info"].update(id=self.node_id, network=self.network, moniker=self.name)
        result["sync_info"].update(latest_block_height=str(self.height), latest_block_hash=_hash(self.network, self.height) if self.height else "",
                                   catching_up=self.height == 0)
        if self.height == 0:
            result["sync_info"]["latest_block_time"] = "1970-01-01T00:00:00Z"
        result["validator_info"]["voting_power"] = str(self.power)
        return 200, json.dumps(document), "application/json"

    def net_info(self, query):
        document = load("healthy", "validator1_net_info")
        template = document["result"]["peers"][0]
        peers = []
        for node_id, moniker, outbound in self.peers:
            peer = copy.deepcopy(template)
            peer["node_info"].update(id=node_id, moniker=moniker, network=self.network)
            peer["is_outbound"] = outbound
            peers.append(peer)
        document["result"].update(peers=peers, n_peers=str(len(peers)))
        return 200, json.dumps(document), "application/json"

    def commit(self, query):
        height = int(query["height"])
        if not 1 <= height <= self.height:
            return 500, json.dumps({"jsonrpc": "2.0", "id": -1, "error": {"code": -32603, "message": "Internal error", "data":
                                    "height %d must be less than or equal to the current blockchain height %d" % (height, self.height)}}), "application/json"
        document = load("healthy", "validator1_commit_365")
        document["result"]["signed_header"]["header"]["height"] = str(height)
        document["result"]["signed_header"]["commit"]["block_id"]["hash"] = _hash(self.network, height)
        return 200, json.dumps(document), "application/json"

    def server(self):
        return FixtureNode("healthy", "validator1", {"status": self.status, "net_info": self.net_info, "commit": self.commit})


def _decide(case, nodes, total_power, runbook="play002", journals=(), configs=None, options=None):
    """fleet_probe's readings of ``nodes`` (served) and the hosts' findings, decided by ``assess``."""
    readings, host_vars = _probe(case, nodes, total_power, journals, configs)
    decision, lines, _columns = assess(runbook, readings, host_vars, [n.name for n in nodes if n.power], options or {})
    return decision, lines


def _probe(case, nodes, total_power, journals=(), configs=None):
    """fleet_probe's readings of ``nodes`` (served over HTTP) and the hosts' variables (findings of the case files)."""
    configs = configs if configs is not None else _configs(case)
    ids = dict((n.name, n.node_id) for n in nodes)
    servers = [(n, n.server()) for n in nodes]
    for _node, server in servers:
        server.__enter__()
    try:
        endpoints = parse_endpoints([{"name": n.name, "url": s.url, "node_id": n.node_id} for n, s in servers])
        chain_nodes, chain_summary = read_chain(_Module(), endpoints, halt_window=1.5, poll_interval=0.2)
        peer_nodes, peer_summary = read_peers(_Module(), endpoints, min_peers=2, compare_islands=True)
    finally:
        for _node, server in servers:
            server.__exit__(None, None, None)
    readings = {"chain": {"nodes": chain_nodes, "summary": chain_summary}, "consensus": {"total_power": total_power, "validators": []},
                "peers": {"nodes": peer_nodes, "summary": peer_summary}}
    host_vars = {}
    for node in nodes:
        p2p = configs.get(node.name)
        others = [o for o in nodes if o is not node and configs.get(o.name)]
        host_vars[node.name] = {
            "group_names": ["chain_nodes", "validators" if node.power else "full_nodes"],
            "node_service_status": {"state": "ACTIVE", "running": True},
            "node_id": node.node_id,
            "node_p2p_address": configs[node.name]["external_address"].split("://")[1] if p2p else None,
            "node_logs_findings": scan(_journal(case, journals[node.name])) if node.name in dict(journals) else {},
            # The check's TCP listeners answer on every node's p2p address.
            "p2p_check_result": {"p2p": p2p, "reachability": [
                {"name": o.name, "address": configs[o.name]["external_address"].split("://")[1], "reachable": True, "error": None, "route": None}
                for o in others]} if p2p else {},
        }
    assert all(ids[name] for name in ids)
    return readings, host_vars


# --------------------------------------------------------------------------- case 14: another network's genesis

def _case14(odd_network="virtengine-1", logs=True):
    fleet = json.loads((CASE14 / "fleet.json").read_text())
    ids = _node_ids(_configs(CASE14))
    validators = sorted(fleet["validators"])
    tip, network = fleet["chain"]["tip_height"], fleet["chain"]["network"]
    nodes = [_Node(name, ids[name], network, tip, fleet["validators"][name]["power"],
                   [(ids[o], o, o < name) for o in validators if o != name], live=True) for name in validators]
    sentry = fleet["full_nodes"]["sentry-1"]
    nodes.append(_Node("sentry-1", ids["sentry-1"], odd_network or sentry["network"], sentry["height"], 0, [], live=False))
    return nodes, {"sentry-1": sentry["log"]} if logs else {}


def test_case14a_diagnose_names_the_chain_id_mismatch_of_sentry_1():
    nodes, journals = _case14()
    decision, lines = _decide(CASE14, nodes, 100, "diagnose", journals)
    text = "\n".join(decision["findings"])
    assert "sentry-1 runs another network: chain id virtengine-1, the fleet's virtengine-2" in text
    assert "genesis.json" in text
    assert "NETWORK PARTITION" not in text, "a node of another network is not a partition"
    assert not any("sentry-1 is" in f and "blocks behind" in f for f in decision["findings"]), "its height is another chain's"
    assert [c["hosts"] for c in decision["causes"] if c["cause"] == "network_mismatch"] == [["sentry-1"]]


def test_case14b_play002_names_it_and_vetoes_the_peer_reset_of_sentry_1():
    nodes, journals = _case14()
    decision, lines = _decide(CASE14, nodes, 100, "play002", journals)
    assert decision["chain_id"] == "virtengine-2" and decision["other_network"] == {"sentry-1": "virtengine-1"}
    assert "sentry-1" not in decision["peer_reset_hosts"]
    veto = [v for v in decision["vetoed"] if v["action"] == "peer_reset"]
    assert veto and veto[0]["hosts"] == ["sentry-1"] and veto[0]["cause"] == "network_mismatch"
    assert "genesis.json" in veto[0]["instead"]
    assert decision["canonical_members"] == ["val-a", "val-b", "val-c"] and decision["chain_live"] is True
    assert not any("halted" in w for w in decision["why"])
    assert any("VETOED" in line and "sentry-1" in line for line in lines)
    states = dict((i["members"][0], i["state"]) for i in decision["islands"])
    assert states["sentry-1"] == "other_network"


def test_case14_without_its_log_the_chain_ids_alone_name_it():
    nodes, _journals = _case14(logs=False)
    decision, _lines = _decide(CASE14, nodes, 100, "play002")
    assert decision["other_network"] == {"sentry-1": "virtengine-1"} and decision["peer_reset_hosts"] == []


def test_case14_a_fleet_node_refusing_a_stranger_is_not_the_odd_one():
    """The validators' side of the same handshake (Got virtengine-1, expected virtengine-2), in CometBFT's JSON log."""
    line = json.dumps({"level": "info", "module": "p2p", "_msg": "Inbound Peer rejected",
                       "err": "incompatible: peer is on a different network. Got virtengine-1, expected virtengine-2", "numPeers": 2})
    from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import network_causes
    nodes = {"val-a": {"chain_id": "virtengine-2", "voting_power": 40, "logs": scan([line])},
             "val-b": {"chain_id": "virtengine-2", "voting_power": 35}}
    fleet, odd, causes, findings = network_causes(nodes)
    assert fleet == "virtengine-2" and odd == {} and causes == []
    assert findings == ["val-a refuses a peer of another network (virtengine-1; this node runs virtengine-2): that peer runs another genesis.json"]
    # Unread chain ids: the node whose own network is not the fleet's is told by its log alone.
    nodes = {"old": {"logs": scan(['E[2024-11-02|10:01:02.123] Error dialing seed module=p2p err="incompatible: peer is on a different '
                                   'network. Got xian-network-1, expected xian-network"'])}}
    _fleet, _odd, causes, _findings = network_causes(nodes)
    assert [(c["cause"], c["hosts"]) for c in causes] == [("network_mismatch", ["old"])]


def test_case14_play001_causes_are_on_the_odd_node_never_on_the_validators_that_refuse_it():
    """PLAY-001 reads every validator's log: the validators' side of the handshake (CometBFT v0.38's switch, "Inbound
    Peer rejected", Got the stranger's network) vetoes nothing on them; sentry-1's chain id is its cause, log or not."""
    nodes, journals = _case14()
    refusal = ('11:02AM INF Inbound Peer rejected err="incompatible: peer is on a different network. Got virtengine-1, expected '
               'virtengine-2" module=p2p numPeers=2')
    readings, host_vars = _probe(CASE14, nodes, 100, {"val-a": [refusal], "val-b": [refusal]})
    view = fleet_view(readings, dict((name, host_record(values)) for name, values in host_vars.items()), ["val-a", "val-b", "val-c"])
    causes = host_causes(view, ["val-a", "val-b", "val-c", "sentry-1"])
    assert [(c["cause"], c["hosts"]) for c in causes] == [("network_mismatch", ["sentry-1"])]
    assert causes[0]["evidence"][0]["numbers"] == "chain id virtengine-1, the fleet's virtengine-2"
    decision = _play001.decide(view, "B", restart_scope="all")
    assert decision["vetoed"] == [] and decision["planned"]["coordinated_restart"]["hosts"] == ["val-a", "val-b", "val-c"]


# --------------------------------------------------------------------------- case 21: sentries' inbound slots full

def _case21(limit=None):
    fleet = json.loads((CASE21 / "fleet.json").read_text())
    configs = _configs(CASE21)
    ids = _node_ids(configs)
    ids["val-a"] = next(iter(configs["sentry-1"]["private_peer_ids"].split(",")))
    tip, network = fleet["chain"]["tip_height"], fleet["chain"]["network"]
    public = [(peer_id, name, outbound) for name, peer_id, _ip, outbound in fleet["public_inbound_peers_per_sentry"]]
    nodes = [
        _Node("sentry-1", ids["sentry-1"], network, tip, 0, [(ids["sentry-2"], "sentry-2", True)] + public[:limit], live=True),
        _Node("sentry-2", ids["sentry-2"], network, tip, 0, [(ids["sentry-1"], "sentry-1", True)] + public[:limit], live=True),
        _Node("val-a", ids["val-a"], network, fleet["validators"]["val-a"]["stuck_height"], fleet["validators"]["val-a"]["power"], [], live=False),
    ]
    total = sum(v["power"] for v in fleet["validators"].values())
    return nodes, configs, {"sentry-1": "sentry-1.journal.log", "val-a": "val-a.journal.log"}, total


def test_case21a_the_fault_is_on_the_sentries_and_no_peer_reset_is_offered():
    nodes, configs, journals, total = _case21()
    decision, lines = _decide(CASE21, nodes, total, "play002", journals, configs)
    faults = dict(((f["node"], f["fault"]), f) for f in decision["config_faults"])
    for sentry in ("sentry-1", "sentry-2"):
        assert "inbound slots full (40/40)" in faults[(sentry, "inbound_full")]["detail"]
        assert decision["unconditional_peer_fixes"][sentry] == nodes[2].node_id
    assert decision["peer_reset_hosts"] == []
    veto = [v for v in decision["vetoed"] if v["action"] == "peer_reset"][0]
    assert veto["cause"] == "inbound_peers_full" and veto["hosts"] == ["sentry-1", "sentry-2", "val-a"]
    assert "unconditional_peer_ids" in veto["instead"]
    assert [c["hosts"] for c in decision["causes"] if c["cause"] == "inbound_peers_full"] == [["sentry-1", "sentry-2", "val-a"]]


def test_case21b_the_sentries_island_at_the_tip_is_canonical_and_the_chain_is_live():
    nodes, configs, journals, total = _case21()
    decision, _lines = _decide(CASE21, nodes, total, "play002", journals, configs)
    assert decision["canonical_members"] == ["sentry-1", "sentry-2"] and decision["chain_live"] is True
    assert decision["canonical_has_quorum"] is True
    assert not any("halted" in w for w in decision["why"])
    states = dict((tuple(i["members"]), i["state"]) for i in decision["islands"])
    assert states[("val-a",)] == "stranded"
    assert not set(decision["resync_hosts"]) & {"sentry-1", "sentry-2"}


def test_case21_full_slots_read_live_without_the_sentry_log():
    """The other sentry logs nothing; its live inbound count (peer_count) shows the full slots all the same."""
    nodes, configs, _journals, total = _case21()
    decision, _lines = _decide(CASE21, nodes, total, "play002", {}, configs)
    assert set(f["node"] for f in decision["config_faults"] if f["fault"] == "inbound_full") == {"sentry-1", "sentry-2"}
    assert decision["peer_reset_hosts"] == []


def test_case21_reserved_validator_is_no_inbound_fault_and_free_slots_only_warn():
    nodes, configs, _journals, total = _case21()
    reserved = dict((name, dict(p2p, unconditional_peer_ids=nodes[2].node_id) if name.startswith("sentry") else p2p) for name, p2p in configs.items())
    decision, _lines = _decide(CASE21, nodes, total, "play002", {}, reserved)
    assert not [f for f in decision["config_faults"] if f["fault"].startswith("inbound")]
    nodes, configs, _journals, total = _case21(limit=10)
    decision, _lines = _decide(CASE21, nodes, total, "play002", {}, configs)
    assert not [f for f in decision["config_faults"] if f["fault"] == "inbound_full"]
    warned = [f for f in decision["config_faults"] if f["fault"] == "inbound_not_reserved"]
    assert set(f["node"] for f in warned) == {"sentry-1", "sentry-2"} and all(f["severity"] == "warning" for f in warned)
