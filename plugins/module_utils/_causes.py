# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a cause means for each remedy: the rules every runbook's decision applies to its plans (pure, no I/O).

A *cause* is what the evidence shows on some hosts: a signature of a log catalogue (``_log_signatures``) or a finding
of a probe (free disk space, the chain id, voting power, ...). Its :class:`Rule` says which gated remedies (names of
``_gate.GATED_ACTIONS``) it calls for (``permits``), which it rules out on the hosts it was found on and why
(``vetoes``: ``{action: because}``; the key :data:`ANY` rules out every gated action there), and what to do instead.

Shapes (all plain JSON, as the decisions return them):

- cause: ``{"cause": name, "hosts": [str], "evidence": [{host, signature/reading, line, ...}], "resolved": {host:
  reading}}``. ``resolved`` holds the hosts where the cause was seen (in a log) but a live reading shows it gone
  (the disk has free space again): they are not vetoed, and the plans they are in show the reading as a precondition
  that holds.
- plan: ``{"action", "hosts", "parameters", "preconditions": [{what, hosts, met, reading}], "lines": [str],
  "together": bool}``. ``together`` plans act on all their hosts at once (a coordinated restart, a rollback of every
  validator to one height): a veto of one host vetoes the whole plan. Other plans lose the vetoed hosts and keep the
  rest.
- veto: ``{"action", "hosts", "cause", "because", "instead", "evidence", "whole_plan"}``: the remedy that is not
  offered, on which hosts, which cause rules it out and why, what to do instead, the cause's evidence on those hosts,
  and whether the whole plan fell with them (a ``together`` plan).

:func:`apply` is the one place where causes turn into vetoes. Bad input raises :class:`CauseError` naming the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.virtengine.incident_response.plugins.module_utils._gate import GATED_ACTIONS

Rule = namedtuple("Rule", "cause meaning permits vetoes instead")

ANY = "*"

# Remedies that (re)start a node's process on its current data, and those that rewrite its data (and start it).
RESTARTS = ("coordinated_restart", "node_restart", "rolling_restart", "peer_reset", "upgrade_switch")
DATA_REWRITES = ("state_rollback", "diverged_resync", "minority_resync", "state_sync", "snapshot_restore")
NODE_REMEDIES = RESTARTS + DATA_REWRITES
RESYNCS = ("diverged_resync", "minority_resync", "state_sync", "snapshot_restore")


def _each(actions, because):
    return dict((action, because) for action in actions)


def _merge(*parts):
    merged = {}
    for part in parts:
        merged.update(part)
    return merged


# A provider daemon's remedies, and why neither changes a transaction the chain refused.
PROVIDER_REMEDIES = ("provider_restart", "provider_binary_rollback")
_PROVIDER_SAME_TX = "a restart or an older binary sends the transaction the chain refused"
_STATE_IS_FINE = "the node's state is not the fault: rewriting its data loses time and gains nothing"
_SAME_BINARY = "the same binary stops at the same height again"

RULES = dict((rule.cause, rule) for rule in (
    # --- planned upgrades -------------------------------------------------------------------------------------
    Rule("upgrade_binary_too_new", "the node runs the upgrade binary before the plan's height",
         (), _merge(_each(DATA_REWRITES, _STATE_IS_FINE),
                    _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"),
                          "restarted, the upgrade binary refuses the old chain again")),
         "start the old binary again until the plan's height (no rollback, no resync)"),
    Rule("upgrade_binary_too_old", "the binary has no handler for an upgrade the chain already applied",
         ("upgrade_switch",), _merge(_each(DATA_REWRITES, _STATE_IS_FINE),
                                     _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), _SAME_BINARY)),
         "install the binary of the applied upgrade (upgrade_switch)"),
    Rule("upgrade_needed", "a governance upgrade plan reached its height: the old binary halts on purpose",
         ("upgrade_switch",), _merge(_each(DATA_REWRITES, "re-executing the upgrade height on the old binary panics again"),
                                     _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), _SAME_BINARY)),
         "switch to the upgrade binary the plan names (upgrade_switch); never roll back"),
    Rule("cosmovisor_upgrade_binary_missing", "cosmovisor saw the upgrade but has no binary for it",
         ("upgrade_switch",), _merge(_each(DATA_REWRITES, _STATE_IS_FINE),
                                     _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), _SAME_BINARY)),
         "install the upgrade binary into cosmovisor/upgrades/<name>/bin (upgrade_switch)"),
    Rule("cosmovisor_upgrade", "cosmovisor is switching binaries for an upgrade", (), {}, "check cosmovisor picked the right binary"),
    # --- state divergence -------------------------------------------------------------------------------------
    Rule("replay_app_hash_mismatch", "the node's application state differs from its own block store",
         RESYNCS, _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"),
                        "it crashes at every start replaying its own data: a restart cannot help"),
         "fix the binary or data, then resync this node (diverged_resync, state_sync or snapshot_restore)"),
    Rule("replay_failure", "the node cannot replay its stored blocks into the application at start-up",
         RESYNCS + ("state_rollback",), _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"),
                                              "it fails the same replay at every start: a restart cannot help"),
         "roll back or resync this node"),
    Rule("results_hash_divergence", "the block's transaction results differ from what this node computed",
         ("diverged_resync", "minority_resync", "state_rollback"),
         _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), "a restart computes the same diverged state again"),
         "find the minority by power that diverged, fix its binary, then resync only it"),
    Rule("app_hash_divergence", "this node computed another application state than the proposer",
         ("diverged_resync", "minority_resync", "state_rollback"),
         _each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), "a restart computes the same diverged state again"),
         "find the minority by power that diverged, fix its binary, then roll back or resync only it"),
    Rule("proposal_rejected", "the node rejected a proposed block and prevoted nil", (), {},
         "read the error the rejections carry: it names the cause"),
    # --- double signing ---------------------------------------------------------------------------------------
    Rule("double_sign_self", "this validator's key signed two different votes at one height and round",
         (), {ANY: "its key is double signing: any automated start or data change can sign again"},
         "stop this validator now, find the other instance or the reset signing state; never restart it as it is"),
    Rule("double_sign_evidence", "the chain holds evidence that a validator double signed", (), {},
         "check whether the address is ours; if it is, stop every copy of that key"),
    # --- validator set (x/slashing, x/staking) ------------------------------------------------------------------
    # The jailing line is the chain's word about some validator, logged by every node: it vetoes nothing on the host
    # that logged it. The findings below are about our own validator, from the probe (its /status power, /validators)
    # and the slashing lines whose address is its own.
    Rule("validator_jailed", "the chain jailed a validator (named in the line) for missing blocks", (), {},
         "if the address is ours: fix why it missed blocks, then unjail it (tx slashing unjail) once jailed_until passed"),
    Rule("validator_out_of_set", "our validator is outside the active set (voting power 0, not in /validators): jailed or unbonded",
         (), {"coordinated_restart": "it has no voting power: restarting it brings none back, and a restart does not unjail it"},
         "find why it left the set (query slashing signing-info, query staking validator): fix that cause (downtime: the node "
         "itself), then unjail it (tx slashing unjail) once jailed_until passed; tombstoned: never"),
    Rule("validator_tombstoned", "our validator's key is tombstoned (slashed for double signing): it can never validate again",
         (), {ANY: "a tombstoned key never signs again, and another copy of it may still run: no automated action on this validator"},
         "never unjail it (the chain refuses): stop every copy of the key, find how it double signed, and create a new "
         "validator with a new key"),
    # --- signer -----------------------------------------------------------------------------------------------
    Rule("signer_regression", "the signer refuses to sign below its last signed height, round or step",
         (), {"state_rollback": "a rollback lowers the height below the signed one: the signer refuses it, and lowering the "
                                "signing state would risk double signing"},
         "wait for the chain to pass the signed height; never lower priv_validator_state.json"),
    Rule("remote_signer_error", "the validator cannot reach its remote signer", (), _each(DATA_REWRITES, _STATE_IS_FINE),
         "restore the signer connection (priv_validator_laddr, tmkms/horcrux); never switch to a local key"),
    # --- resources --------------------------------------------------------------------------------------------
    Rule("out_of_memory", "the node process was killed for lack of memory",
         (), _each(NODE_REMEDIES, "the node is killed again once it needs that memory: a restart alone loops"),
         "raise the memory limit (MemoryMax= of the unit, the machine's memory) or free memory, then restart the node"),
    Rule("disk_full", "the node's disk is full: it cannot write blocks or state",
         (), _merge(_each(RESTARTS, "a node restarted on a full disk fails at its first write again"),
                    _each(DATA_REWRITES, "a rollback or resync writes more on a full disk")),
         "free or grow the disk holding the node's home (prune, move data), then restart the node"),
    Rule("too_many_open_files", "the process hit its open-file limit (LimitNOFILE)",
         (), _each(NODE_REMEDIES, "restarted with the same limit, the node runs out of file descriptors again"),
         "raise LimitNOFILE of the node's unit (e.g. 65536), then restart the node"),
    Rule("service_restarting", "the service manager started the node again after it died", (), {},
         "read why it died (the cause before the restart): a crash loop needs its cause fixed, not another restart"),
    Rule("db_corruption", "a node database is corrupted (often after a crash or a full disk)",
         RESYNCS, _merge(_each(("coordinated_restart", "node_restart", "rolling_restart", "peer_reset"), "it reads the corrupted database again"),
                         {"state_rollback": "a rollback reads the corrupted store"}),
         "restore this node from a snapshot or state sync it"),
    Rule("db_locked", "another process holds the node's database: two instances run on one home",
         (), {ANY: "two instances of one validator may both sign: nothing automated runs until one is stopped"},
         "stop the other instance before anything else (double-sign risk)"),
    # --- p2p identity -----------------------------------------------------------------------------------------
    Rule("p2p_id_mismatch", "a peer at that address answers with another node id", ("peer_reset",), _each(DATA_REWRITES, _STATE_IS_FINE),
         "correct persistent_peers with the id the peer now has"),
    Rule("p2p_auth_failure", "a peer failed authentication: its key or node info does not match, or no CometBFT node answers there",
         (), {}, "check the peer's node key and address (persistent_peers) and what listens on its p2p port; not a consensus fault"),
    # --- the chain refuses a provider daemon's transactions (provider logs: _provider_logs.REJECTIONS) ----------
    # The chain's ante handler refuses the transaction before it is in a block: restarted or rolled back, the daemon
    # sends the same transaction and gets the same answer. What changes the answer is in "instead".
    Rule("tx_insufficient_fee", "the chain refuses the daemon's transactions: the fee is below the chain's minimum gas price (code 13)",
         (), _each(PROVIDER_REMEDIES, "the chain's minimum fee refuses the same bid again: " + _PROVIDER_SAME_TX),
         "raise the fee / gas price the daemon pays to at least the chain's minimum (the 'required' of the line; the validators' "
         "min-gas-prices or the fee market's parameters) in its configuration"),
    Rule("tx_sequence_mismatch", "the chain refuses the daemon's transactions: their account sequence is not the account's (code 32)",
         (), _each(PROVIDER_REMEDIES, "another signer using the provider's key keeps taking the sequence: " + _PROVIDER_SAME_TX),
         "find what else signs with the provider's key (a second daemon or a CLI on the same key: query the account's recent "
         "txs) and stop it, or give it its own key; only when nothing else signs is the daemon's cached sequence stale: then "
         "restart that daemon once"),
    Rule("tx_insufficient_funds", "the chain refuses the daemon's transactions: the provider's account cannot pay the fee or the "
         "bid deposit (code 5)",
         (), _each(PROVIDER_REMEDIES, "the account stays empty: " + _PROVIDER_SAME_TX),
         "fund the provider's account (query bank balances <address>) with enough for fees and bid deposits"),
    Rule("tx_out_of_gas", "the chain refuses the daemon's transactions: they need more gas than the limit they set (code 11)",
         (), _each(PROVIDER_REMEDIES, "the same gas limit runs out again: " + _PROVIDER_SAME_TX),
         "raise the gas limit or gas adjustment the daemon sets above the line's gasUsed"),
    Rule("tx_mempool_full", "the chain's mempool is full: the validators accept no new transaction (code 20)",
         (), _each(PROVIDER_REMEDIES, "the chain's mempool, not the daemon, refuses the bids: " + _PROVIDER_SAME_TX),
         "look at the chain (PLAY-001 / PLAY-021: blocks produced, mempool size, a transaction flood); the daemons' bids land "
         "once the mempool drains"),
    Rule("tx_too_large", "the chain refuses the daemon's transactions as larger than its max_tx_bytes (code 21)",
         (), _each(PROVIDER_REMEDIES, "the same transaction is as large again: " + _PROVIDER_SAME_TX),
         "make the daemon's transactions smaller (fewer messages per transaction) or raise the validators' mempool max_tx_bytes"),
    Rule("tx_unauthorized", "the chain refuses the daemon's signatures: chain id, account number or key is not the provider "
         "account's (code 4)",
         (), _each(PROVIDER_REMEDIES, "it signs with the same key and chain id again: " + _PROVIDER_SAME_TX),
         "check the daemon's chain-id, provider-key and key-dir against the provider's account on chain (a key regenerated at "
         "start without key-dir is another account)"),
    # --- p2p network: faults a peer reset cannot fix ------------------------------------------------------------
    Rule("network_mismatch", "the node runs another network (chain id, genesis.json) than the fleet: every peer refuses it",
         (), _merge(_each(RESTARTS, "CometBFT refuses every peer of another network at the handshake: a peer reset or restart "
                                    "keeps the wrong genesis.json"),
                    _each(DATA_REWRITES, "a resync keeps the node's genesis.json: no peer of this chain serves it")),
         "install the chain's genesis.json on the node whose chain id (/status node_info.network) differs from the fleet's, "
         "reset its data (it holds none of this chain's blocks), then start it"),
    Rule("p2p_version_mismatch", "the node and its peers run incompatible CometBFT p2p protocols (block version, channels)",
         (), _merge(_each(RESTARTS, "the same binary is refused by the same peers again"), _each(DATA_REWRITES, _STATE_IS_FINE)),
         "run the binary (CometBFT version) the network runs on this node"),
    Rule("inbound_peers_full", "the sentries' inbound slots are full: they drop our validator's connections",
         (), _merge(_each(("peer_reset", "node_restart", "rolling_restart", "coordinated_restart"),
                          "a peer reset or restart does not free a slot: public peers fill them again and the validator is dropped again"),
                    _each(DATA_REWRITES, _STATE_IS_FINE)),
         "on the sentries, add the validator's node id to unconditional_peer_ids (or to persistent_peers, so they dial it), "
         "or raise max_num_inbound_peers; the validator then reconnects by itself"),
    # --- generic: the cause is in another line ----------------------------------------------------------------
    Rule("consensus_failure", "consensus stopped on this node (the process and RPC stay up)", (), {},
         "another signature names the cause (upgrade, resources); without one, treat it as divergence"),
    Rule("panic", "the node process died of an error no signature of the catalogue explains",
         (), {ANY: "an unrecognised fatal error: no automated remedy is known to be safe"},
         "read the error's first line and the lines before it; fix the cause by hand, then re-run the runbook"),
))


class CauseError(ValueError):
    """Unusable input to the rules (a bug in the calling decision)."""


def rule(name):
    """The :class:`Rule` of cause ``name``; CauseError names an unknown cause."""
    try:
        return RULES[name]
    except KeyError:
        raise CauseError("no rule for cause %r: add it to _causes.RULES (what it permits, vetoes and what to do instead)" % (name,))


def cause(name, hosts, evidence=(), resolved=None):
    """A cause record ``{cause, hosts (sorted, unique), evidence, resolved}`` for a cause with a rule."""
    rule(name)
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(h, str) and h for h in hosts):
        raise CauseError("cause %s: hosts must be a list of host names, got %r" % (name, hosts))
    return {"cause": name, "hosts": sorted(set(hosts)), "evidence": list(evidence), "resolved": dict(resolved or {})}


def plan(action, hosts, parameters=None, lines=(), preconditions=(), together=False):
    """A plan record (see the module docstring); CauseError on an action no gate asks for."""
    if action not in GATED_ACTIONS:
        raise CauseError("plan action %r is not a gated action (%s)" % (action, ", ".join(sorted(GATED_ACTIONS))))
    return {"action": action, "hosts": list(hosts), "parameters": dict(parameters or {}), "preconditions": list(preconditions),
            "lines": list(lines), "together": bool(together)}


def vetoes_of(name, action):
    """Why cause ``name`` rules ``action`` out (a string), or None when it does not."""
    found = rule(name).vetoes
    return found.get(action) or found.get(ANY)


def apply(plans, causes):
    """Apply every cause's rule to the plans a decision proposes.

    Returns ``{"plans": [...], "vetoed": [...]}``: each plan without the hosts a cause rules it out on (a ``together``
    plan vetoed whole when any of its hosts is; a plan left with no host is dropped), with a precondition that holds
    for each host whose cause a live reading shows gone (``resolved``); and one veto per (plan, cause) with the hosts,
    ``because`` (the rule's reason) and ``instead`` (the rule's remedy). Order is kept (plans, then causes).
    """
    kept, vetoed = [], []
    for proposed in plans:
        if not isinstance(proposed, dict) or proposed.get("action") not in GATED_ACTIONS:
            raise CauseError("a plan must be a dict with a gated action, got %r" % (proposed,))
        action, hosts = proposed["action"], list(proposed.get("hosts") or [])
        ruled_out, preconditions = set(), list(proposed.get("preconditions") or [])
        for found in causes:
            if not isinstance(found, dict) or "cause" not in found:
                raise CauseError("a cause must be a dict from _causes.cause(), got %r" % (found,))
            because = vetoes_of(found["cause"], action)
            if not because:
                continue
            resolved = found.get("resolved") or {}
            on = [h for h in hosts if h in found.get("hosts", ()) and h not in resolved]
            if on:
                ruled_out.update(on)
                vetoed.append({"action": action, "hosts": on, "cause": found["cause"], "because": because,
                               "instead": rule(found["cause"]).instead, "whole_plan": bool(proposed.get("together")),
                               "evidence": [e for e in found.get("evidence") or () if isinstance(e, dict) and e.get("host") in on]})
            held = [h for h in hosts if h in resolved]
            if held:
                preconditions.append({"what": rule(found["cause"]).instead, "hosts": held, "met": True,
                                      "reading": dict((h, resolved[h]) for h in held)})
        if ruled_out and proposed.get("together"):
            continue
        left = [h for h in hosts if h not in ruled_out]
        if left:
            parameters = dict(proposed.get("parameters") or {})
            if isinstance(parameters.get("by_host"), dict):
                # The approval binds only the hosts that act: a vetoed host's values leave the plan with it.
                parameters["by_host"] = dict((h, v) for h, v in parameters["by_host"].items() if h in left)
            kept.append(dict(proposed, hosts=left, parameters=parameters, preconditions=preconditions))
    return {"plans": kept, "vetoed": vetoed}


def veto_text(veto):
    """One line for a veto: the remedy, the hosts, why, the numbers read, and what to do instead."""
    numbers = "; ".join("%s: %s" % (e["host"], e["numbers"]) for e in veto["evidence"] if e.get("numbers"))
    return "%s VETOED on %s (%s%s): %s%s. Instead: %s" % (
        veto["action"], ", ".join(veto["hosts"]), veto["cause"], ", the whole plan" if veto["whole_plan"] else "", veto["because"],
        (" [%s]" % numbers) if numbers else "", veto["instead"])
