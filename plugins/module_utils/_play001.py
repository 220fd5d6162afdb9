# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001 Chain Halted: the scenario from the fleet's readings and the nodes' log signatures (pure, no I/O).

Scenarios:

- ``U`` planned upgrade: the halt height is an upgrade plan's height (``UPGRADE "<name>" NEEDED at height: <h>`` in a
  validator's log, or the chain's ``/cosmos/upgrade/v1beta1/current_plan``). Action ``upgrade_switch``; rollback is
  never offered (re-executing the upgrade block on the old binary panics again).
- ``C`` state divergence or corruption: validators computed different application states (app-hash / results-hash
  signatures, a replay failure, a corrupted database, different block hashes at one height) or a consensus failure
  with no other cause. The diverged validators are the minority by power of the app-hash groups; when they are known
  the action is ``diverged_resync`` of only them, otherwise ``state_rollback`` of every validator, to the
  ``rollback_height``: one below the lowest height any validator last committed (its log's newest ``committed state``
  line), computed before the gate so that the approval binds it (None when a validator's height is unknown: such a
  node cannot be rolled back safely). The rollback reads it again from the logs before the stop and after it
  (``last_good_height``, the same rule) and refuses when it is not the approved height.
- ``B`` 1/3 or more of the power absent and not crash-looping on a replay error: ``coordinated_restart``.
- ``A`` less than 1/3 absent: contact their operators.
- ``none`` blocks are produced and everyone votes.

Input is the fleet view (``_fleet.fleet_view``: the ``fleet_probe`` readings joined with each validator's host record
``{service, logs: {signatures, last_committed_height}, reachable, binary: {sha256, version, error}, upgrade_binary:
{name, present, sha256, path}}``) and the upgrade plan as the REST gateway answered (``upgrade_plan`` module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import apply, plan, veto_text
from ansible_collections.virtengine.incident_response.plugins.module_utils._consensus import commits, halts_without
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import FleetError
from ansible_collections.virtengine.incident_response.plugins.module_utils._node_findings import (
    host_causes,
    human_bytes,
    outside_set,
    outside_set_text,
    reading_text,
)

CHECKLIST = (
    ("network_partition", "Network partition?"),
    ("common_infrastructure", "Common infrastructure failure?"),
    ("software_bug", "Software bug?"),
    ("coordinated_attack", "Coordinated attack?"),
)

SCENARIOS = ("none", "A", "B", "C", "U")
VERDICTS = {"none": "healthy", "A": "minority_absent", "B": "quorum_lost", "C": "state_divergence", "U": "planned_upgrade"}
UPGRADE_SIGNATURES = ("upgrade_needed", "upgrade_binary_too_old", "cosmovisor_upgrade_binary_missing")
DIVERGENCE_SIGNATURES = ("app_hash_divergence", "results_hash_divergence", "replay_app_hash_mismatch")
# A validator with one of these cannot come back by a restart: its own data or state is wrong.
CRASH_LOOP_SIGNATURES = ("replay_app_hash_mismatch", "replay_failure", "db_corruption")
RESOURCE_SIGNATURES = ("out_of_memory", "disk_full", "too_many_open_files", "db_locked")
SOFTWARE_SIGNATURES = ("consensus_failure", "panic", "app_hash_divergence", "results_hash_divergence",
                       "replay_app_hash_mismatch", "replay_failure", "proposal_rejected", "db_corruption")
DOUBLE_SIGN_SIGNATURES = ("double_sign_self", "double_sign_evidence")


# Bad input to the view and to the decision is one kind of error.
DecisionError = FleetError


def _signatures(state):
    logs = state.get("logs") or {}
    found = logs.get("signatures")
    return found if isinstance(found, dict) else {}


def _evidence(host, name, entry):
    return {"host": host, "signature": name, "count": entry.get("count"), "line": entry.get("newest"),
            "fields": entry.get("fields") or {}, "severity": entry.get("severity")}


def _rows(view):
    rows = []
    for name in view["fleet"]["validators"]:
        node = view["nodes"][name]
        rpc, vote, state = node["rpc"], node["vote"], node["host"]
        service = state.get("service") or {}
        found = _signatures(state)
        binary = state.get("binary") or {}
        upgrade = state.get("upgrade_binary") or {}
        resources = state.get("resources") or {}
        restarts = resources.get("restarts")
        if restarts is None:
            restarts = ((found.get("service_restarting") or {}).get("fields") or {}).get("restarts")
        # Only consensus-time lines form app-hash groups: a node that fails its own replay diverged whatever its power
        # (the blocks it replays came from the chain), so its hash never competes for the canonical one.
        own = [(e.get("fields") or {}).get("own_app_hash") for n, e in found.items() if n == "app_hash_divergence"]
        own = [h for h in own if h]
        rows.append({
            "host": name,
            "ssh": "ok" if state.get("reachable", True) else "UNREACHABLE",
            "process": service.get("state"),
            "rpc": "ok" if rpc.get("reachable") else "DOWN",
            "catching_up": rpc.get("catching_up"),
            "height": rpc.get("height"),
            "hash": (rpc.get("latest_block_hash") or "")[:12] or None,
            "vote": None if vote is None else ("present" if vote.get("present") else "ABSENT"),
            "prevote": vote.get("prevote") if vote else None,
            "power": vote.get("voting_power") if vote else None,
            "signatures": ", ".join(sorted(found)) or "-",
            "app_hash": (own[0][:12] if own else None),
            "binary": ((binary.get("sha256") or "")[:12] or None) if not binary.get("error") else "?",
            "version": binary.get("version"),
            "upgrade_binary": None if not upgrade.get("name") else ("ready" if upgrade.get("present") else "MISSING"),
            "disk_free": human_bytes(resources["disk_free_bytes"]) if resources.get("disk_free_bytes") is not None else None,
            "restarts": restarts,
            "_full_hash": rpc.get("latest_block_hash"),
            "_own_app_hash": own[0] if own else None,
            "_signatures": found,
            "_upgrade_sha256": upgrade.get("sha256"),
        })
    return rows


def _diverging_blocks(rows):
    by_height = {}
    for row in rows:
        if row["height"] is not None and row["_full_hash"]:
            by_height.setdefault(row["height"], set()).add(row["_full_hash"])
    return sorted(h for h, hashes in by_height.items() if len(hashes) > 1)


def app_hash_groups(rows, total_power):
    """Group validators by the application hash they computed (from their divergence log lines).

    A node's own hash is the ``Expected`` of its ``wrong Block.Header.AppHash`` line (the hash it computed; ``got`` is
    the proposer's). Validators with no such line are put in the group of the one hash the others saw proposed, when
    exactly one such hash is not already a group (``inferred``). Returns ``{"groups": [...], "canonical", "diverged"}``:
    groups sorted by power (largest first) with ``{app_hash, hosts, inferred, power, fraction}``; ``canonical`` is the
    hash of the largest group when it is strictly larger than every other, else None; ``diverged`` the hosts outside it.
    """
    power = dict((r["host"], r["power"] or 0) for r in rows)
    groups = {}
    others = set()
    for row in rows:
        if row["_own_app_hash"]:
            groups.setdefault(row["_own_app_hash"], {"hosts": [], "inferred": []})["hosts"].append(row["host"])
        for name, entry in row["_signatures"].items():
            other = (entry.get("fields") or {}).get("other_app_hash") if name in DIVERGENCE_SIGNATURES else None
            if other and not other.startswith("["):
                others.add(other)
    unseen = sorted(others - set(groups))
    if not groups:
        return {"groups": [], "canonical": unseen[0] if len(unseen) == 1 else None, "diverged": []}
    if len(unseen) == 1:
        silent = [r["host"] for r in rows if not r["_own_app_hash"] and r["vote"] == "present"
                  and not any(n in CRASH_LOOP_SIGNATURES for n in r["_signatures"])]
        if silent:
            groups[unseen[0]] = {"hosts": silent, "inferred": list(silent)}
    table = []
    for app_hash, group in groups.items():
        group_power = sum(power.get(h, 0) for h in group["hosts"])
        table.append({"app_hash": app_hash, "hosts": sorted(group["hosts"]), "inferred": sorted(group["inferred"]), "power": group_power,
                      "fraction": round(float(group_power) / total_power, 4) if total_power else None})
    table.sort(key=lambda g: (-g["power"], g["app_hash"]))
    canonical = table[0]["app_hash"] if len(table) == 1 or table[0]["power"] > table[1]["power"] else None
    diverged = sorted(h for g in table if canonical and g["app_hash"] != canonical for h in g["hosts"])
    for group in table:
        group["canonical"] = group["app_hash"] == canonical
    return {"groups": table, "canonical": canonical, "diverged": diverged}


def binary_groups(rows):
    """Validators grouped by (binary sha256, version); more than one group means the fleet runs different binaries."""
    groups = {}
    for row in rows:
        if row["binary"] in (None, "?"):
            continue
        groups.setdefault((row["binary"], row["version"]), []).append(row["host"])
    return [{"sha256": k[0], "version": k[1], "hosts": sorted(v)} for k, v in sorted(groups.items(), key=lambda i: (-len(i[1]), i[0]))]


def upgrade_finding(rows, halt_height, plan=None):
    """The upgrade plan the halt matches, or None.

    ``plan`` is the REST ``current_plan`` answer's ``plan`` (``{"name", "height" (string), "info"}``) or None. The
    log's ``UPGRADE "<name>" NEEDED at height: <h>`` counts as much as the REST plan. The plan matches when its height
    is the halt height or the next one (the upgrade block may or may not be in a node's block store yet).
    """
    candidates = []
    if isinstance(plan, dict) and plan.get("name"):
        try:
            height = int(plan.get("height") or 0)
        except (TypeError, ValueError):
            raise DecisionError("upgrade plan height %r is not a number: pass the REST current_plan answer's plan" % (plan.get("height"),))
        candidates.append({"name": plan["name"], "height": height, "info": plan.get("info") or None, "source": "rest", "hosts": []})
    for row in rows:
        for name in UPGRADE_SIGNATURES:
            entry = row["_signatures"].get(name)
            if not entry:
                continue
            fields = entry.get("fields") or {}
            known = next((c for c in candidates if c["name"] == fields.get("upgrade_name")), None)
            if known is None and fields.get("upgrade_name"):
                known = {"name": fields["upgrade_name"], "height": fields.get("upgrade_height"), "info": fields.get("upgrade_info"),
                         "source": "log", "hosts": []}
                candidates.append(known)
            if known is not None:
                known["height"] = known["height"] or fields.get("upgrade_height")
                known["info"] = known["info"] or fields.get("upgrade_info")
                if row["host"] not in known["hosts"]:
                    known["hosts"].append(row["host"])
    for candidate in candidates:
        if halt_height is not None and candidate["height"] is not None and candidate["height"] in (halt_height, halt_height + 1):
            return candidate
    return None


def _readiness(rows, upgrade, total_power, expected_sha256):
    ready, missing = [], []
    for row in rows:
        if row["upgrade_binary"] == "ready" and (not expected_sha256 or row["_upgrade_sha256"] == expected_sha256.lower()):
            ready.append(row["host"])
        else:
            missing.append(row["host"])
    power = dict((r["host"], r["power"] or 0) for r in rows)
    ready_power = sum(power[h] for h in ready)
    return {"ready": ready, "not_ready": missing, "ready_power": ready_power, "not_ready_power": sum(power[h] for h in missing),
            "ready_fraction": round(float(ready_power) / total_power, 4) if total_power else None,
            # The chain resumes once more than 2/3 of the power runs the upgrade binary.
            "enough_to_resume": commits(ready_power, total_power)}


def last_good_height(committed):
    """The state rollback's target: one below the lowest last committed height in ``committed`` ({node: height});
    None when a node's height is unknown (None: such a node cannot be rolled back safely) or there is no node.

    Heights are ints or their decimal strings (as read from a ``committed state`` log line). DecisionError names the
    node whose height is neither.
    """
    if not isinstance(committed, dict):
        raise DecisionError("the last committed heights must be a mapping {node: height}, got %r" % (committed,))
    heights = []
    for name in sorted(committed):
        height = committed[name]
        if height is None:
            return None
        try:
            heights.append(int(height))
        except (TypeError, ValueError):
            raise DecisionError("%s: last_committed_height %r is not a height: pass the node_logs findings" % (name, height))
    return min(heights) - 1 if heights else None


def rollback_height(validators, hosts):
    """``last_good_height`` of ``validators`` over ``logs.last_committed_height`` in ``hosts`` ({name:
    _fleet.host_record})."""
    return last_good_height(dict((name, ((hosts.get(name) or {}).get("logs") or {}).get("last_committed_height"))
                                 for name in validators))


def _plan_lines(action, kept, decision, options):
    """The steps the gate shows for a kept plan: the preconditions a live reading shows met, then what runs."""
    lines = []
    for condition in kept["preconditions"]:
        shown = "; ".join("%s: %s" % (host, reading_text("disk_full", reading) if "disk_free_bytes" in reading else reading)
                          for host, reading in sorted(condition["reading"].items()))
        lines.append("precondition met (%s): %s" % (shown, condition["what"]))
    hosts = ", ".join(kept["hosts"])
    if action == "upgrade_switch":
        upgrade = decision["upgrade"]
        source = options["upgrade_binary_source"]
        lines.append("%s %s" % (
            "install the upgrade binary %s (sha256 %s) on %s" % (source, decision["upgrade_sha256"] or "?", hosts) if source
            else "use the upgrade binary already in place on %s" % hosts,
            "in cosmovisor/upgrades/%s/bin and point cosmovisor/current at it" % upgrade["name"] if options["upgrade_switch_mode"] == "cosmovisor"
            else "over %s" % (options["binary"] or "the node's binary")))
        lines.append("restart %s on it; the chain resumes once more than 2/3 of the power runs it" % hosts)
        lines.append("no rollback: re-executing height %s on the old binary panics again" % upgrade["height"])
    elif action == "coordinated_restart":
        lines.append("restart %s all at the same time (%s)" % (hosts, options["service_manager"] or "systemd"))
        lines.append("wait for at least %s new blocks and every validator at the same height and hash" % options["verify_blocks"])
    elif action == "state_rollback":
        height = kept["parameters"].get("height")
        lines.append("stop every validator at the same time: %s" % hosts)
        lines.append("roll back to height %s: one below the lowest height a validator last committed (from the logs); read again before the "
                     "stop and after it, the rollback refuses if it moved" % (
                         height if height is not None else "UNKNOWN (a validator has no committed height in its logs: the rollback will refuse)"))
        lines.append("back up priv_validator_key.json and priv_validator_state.json, then roll each back to that height (%s rollback; --hard "
                     "only for nodes more than one height above)" % (options["binary"] or "virtengine"))
        lines.append("check every validator is at the same height, never lowering a signing state")
        lines.append("start every validator at the same time, then wait for new blocks")
    elif action == "diverged_resync":
        lines.append("first fix the cause on %s (binary/version: see the binaries table)" % hosts)
        lines.append("%s of %s (node_resync: stop, back up the signing files, reset the data, keep the signing state, start); nothing else "
                     "is touched" % (options["resync_method"], hosts))
        lines.append("the canonical app hash is %s" % (decision["canonical_app_hash"] or "the one of the chain (their blocks came from it)"))
    return lines


def decide(view, forced="", restart_scope="affected", upgrade_plan=None, upgrade_sha256="", verify_blocks=3, resync_method="blocksync",
           upgrade_binary_source="", upgrade_switch_mode="cosmovisor"):
    """PLAY-001's decision over the fleet view (``_fleet.fleet_view`` with the validators named); see the module
    docstring. Besides the scenario and its tables it returns the shape every runbook's decision has: ``verdict``,
    ``why``, ``causes`` (each validator's log signatures and resource readings, the validators outside the active set:
    ``_node_findings``), ``plans`` (the scenario's remedy after ``_causes.apply``, with the gate's lines) and ``vetoed``
    (the remedies a cause rules out, with what to do instead), plus ``planned`` ({action: plan}) and ``blocked`` (why
    the scenario's remedy is not offered, or None). The remaining options only word the plans' lines. Raises
    DecisionError on unusable input."""
    if forced and forced not in SCENARIOS[1:]:
        raise DecisionError("play001_scenario=%r: use one of A, B, C, U (or leave it empty to decide)" % forced)
    if restart_scope not in ("affected", "all"):
        raise DecisionError("play001_restart_scope=%r: use affected or all" % restart_scope)
    validators = view["fleet"]["validators"]
    summary, consensus = view["fleet"]["chain"], view["fleet"]["consensus"]
    rows = _rows(view)
    halted = summary.get("halted")
    halt_height = summary.get("max_height")
    absent = [v["name"] for v in consensus.get("absent") or []]
    fraction = consensus.get("absent_fraction") or 0.0
    total_power = consensus.get("total_power") or sum(r["power"] or 0 for r in rows)
    absent_power = consensus.get("absent_power")
    if absent_power is None:
        absent_power = sum(v.get("voting_power") or 0 for v in consensus.get("absent") or [])
    why, evidence = [], []

    def cite(names, hosts_only=None):
        for row in rows:
            if hosts_only is not None and row["host"] not in hosts_only:
                continue
            for name in names:
                if name in row["_signatures"]:
                    evidence.append(_evidence(row["host"], name, row["_signatures"][name]))

    if halted and summary.get("method") == "stale":
        why.append("every node's newest block was older than the window, and none came in a confirmation sample")
    elif halted:
        why.append("no new block within the sampling window (judged by height)")
    elif halted is None:
        why.append("no node answered: the chain's state is unknown")
    if absent:
        why.append("%s absent, %.1f%% of the voting power (%s" % (
            ", ".join(absent), 100 * fraction, ">= 1/3): no block can commit, a block needs more than 2/3" if halts_without(absent_power, total_power)
            else "< 1/3): the others still hold more than 2/3"))

    causes = host_causes(view, validators)
    outside = outside_set(view, validators)
    causes += outside["causes"]
    out_of_set = [v["host"] for v in outside["validators"]]
    for validator in outside["validators"]:
        why.append(outside_set_text(validator))
    # A consensus failure on a host with a resource fault is that fault's (the WAL could not be written), not divergence.
    resource_hosts = set(h for c in causes if c["cause"] in RESOURCE_SIGNATURES for h in c["hosts"])

    upgrade = upgrade_finding(rows, halt_height, (upgrade_plan or {}).get("plan") if isinstance(upgrade_plan, dict) else None)
    hash_split = app_hash_groups(rows, total_power)
    diverging = _diverging_blocks(rows)
    binaries = binary_groups(rows)
    crash_looping = [r["host"] for r in rows if any(n in CRASH_LOOP_SIGNATURES for n in r["_signatures"])]
    failures = [r["host"] for r in rows if "consensus_failure" in r["_signatures"] and r["host"] not in resource_hosts]
    canonical_hosts = set(hash_split["groups"][0]["hosts"]) if hash_split["canonical"] and hash_split["groups"] else set()
    diverged = sorted((set(hash_split["diverged"]) | set(crash_looping)) - canonical_hosts)

    if upgrade:
        why.append('upgrade plan "%s" at height %s (%s) and the chain stopped at %s%s' % (
            upgrade["name"], upgrade["height"], "REST current_plan" if upgrade["source"] == "rest" else "log of %s" % ", ".join(upgrade["hosts"]),
            halt_height, "" if halted else " (blocks still move)"))
        cite(UPGRADE_SIGNATURES)
    if len(hash_split["groups"]) > 1 or hash_split["diverged"]:
        why.append("validators computed different app hashes: %s" % "; ".join(
            "%s… on %s (%d power, %.0f%%)" % (g["app_hash"][:12], ",".join(g["hosts"]), g["power"], 100 * (g["fraction"] or 0))
            for g in hash_split["groups"]))
        if hash_split["canonical"] is None:
            why.append("no app-hash group holds more power than the others: the canonical state cannot be told from the fleet")
        cite(DIVERGENCE_SIGNATURES)
    if crash_looping:
        why.append("%s crash on start-up replaying their own data (a restart cannot help)" % ", ".join(crash_looping))
        cite(CRASH_LOOP_SIGNATURES, crash_looping)
    if failures and not upgrade:
        why.append("CONSENSUS FAILURE in the logs of %s" % ", ".join(failures))
        cite(("consensus_failure",), failures)
    if diverging:
        why.append("validators report different block hashes at height(s) %s" % ", ".join(map(str, diverging)))
    if len(binaries) > 1:
        why.append("the validators run different binaries: %s" % "; ".join(
            "%s (%s) on %s" % (b["sha256"], b["version"] or "version ?", ",".join(b["hosts"])) for b in binaries))
    cite(RESOURCE_SIGNATURES + DOUBLE_SIGN_SIGNATURES + ("panic",))

    if forced:
        scenario = forced
        why.append("scenario %s forced by the operator (play001_scenario)" % forced)
    elif upgrade and halted is not False:
        scenario = "U"
    elif diverged or len(hash_split["groups"]) > 1:
        scenario = "C"
    elif not halted:
        # Producing blocks: nothing to restart, but absent validators still need their operators.
        scenario = "A" if absent else "none"
    elif failures or diverging:
        scenario = "C"
    elif not consensus.get("quorum_reachable"):
        scenario = "B"
    else:
        scenario = "A"

    if len(hash_split["groups"]) > 1 and hash_split["canonical"] is None:
        # An even split: rolling everyone back or resyncing either side needs the operator's knowledge of the right state.
        divergence_remedy = None
    elif diverged:
        divergence_remedy = "diverged_resync"
    else:
        divergence_remedy = "state_rollback"
    remedy = {"none": None, "A": None, "B": "coordinated_restart", "U": "upgrade_switch", "C": divergence_remedy}[scenario]
    if scenario == "C" and remedy == "diverged_resync":
        why.append("diverged (to resync, nothing else touched): %s" % ", ".join(diverged))

    # A validator outside the active set has no power to bring back: it is never part of the restart (its finding
    # says what to do instead).
    lagging = [r["host"] for r in rows if (r["vote"] == "ABSENT" or r["process"] not in ("RUNNING", "ACTIVE") or r["rpc"] != "ok")
               and r["host"] not in out_of_set]
    restart_hosts = [h for h in validators if h not in out_of_set] if restart_scope == "all" else lagging
    islands = view["fleet"]["islands"]
    down = [r["host"] for r in rows if r["process"] not in ("RUNNING", "ACTIVE")]
    resources = [e for e in evidence if e["signature"] in RESOURCE_SIGNATURES]
    software = [(r["host"], sorted(n for n in r["_signatures"] if n in SOFTWARE_SIGNATURES)) for r in rows]
    double_signs = [e for e in evidence if e["signature"] in DOUBLE_SIGN_SIGNATURES]
    checklist = [
        {"question": CHECKLIST[0][1], "suspect": len(islands) > 1,
         "found": "%d islands: %s" % (len(islands), " | ".join(",".join(i["members"]) for i in islands)) if len(islands) > 1 else "one island"},
        {"question": CHECKLIST[1][1], "suspect": len(down) > 1 or any(r["ssh"] != "ok" for r in rows) or bool(resource_hosts),
         "found": "; ".join(filter(None, [("processes not running on %s" % ", ".join(down)) if down else "every validator process runs"]
                                   + ["%s: %s%s" % (e["host"], c["cause"], (" (%s)" % e["numbers"]) if e.get("numbers") else "")
                                      for c in causes if c["cause"] in RESOURCE_SIGNATURES for e in c["evidence"]]))},
        {"question": CHECKLIST[2][1], "suspect": any(found for _h, found in software),
         "found": "; ".join("%s: %s" % (h, ", ".join(found)) for h, found in software if found) or "no consensus failure, panic or divergence in the logs"},
        {"question": CHECKLIST[3][1], "suspect": bool(double_signs),
         "found": "; ".join("%s: %s" % (e["host"], e["signature"]) for e in double_signs) or "no double signing in the logs"},
    ]
    upgrade_report = None
    if upgrade:
        upgrade_report = dict(upgrade, readiness=_readiness(rows, upgrade, total_power, upgrade_sha256),
                              applied=(upgrade_plan or {}).get("applied") if isinstance(upgrade_plan, dict) else None)
    for row in rows:
        for key in [k for k in row if k.startswith("_")]:
            del row[key]
    rollback_to = rollback_height(validators, dict((name, node["host"]) for name, node in view["nodes"].items())) \
        if scenario == "C" and remedy == "state_rollback" else None
    upgrade_hosts = list(validators) if scenario == "U" else []
    decision = {
        "scenario": scenario,
        "verdict": VERDICTS[scenario],
        "forced": bool(forced),
        "remedy": remedy,
        "why": why,
        "evidence": evidence,
        "halted": halted,
        "halt_height": halt_height,
        "absent": absent,
        "absent_fraction": fraction,
        "absent_power": absent_power,
        "contact": absent,
        "checklist": checklist,
        "restart_hosts": restart_hosts,
        "diverged_hosts": diverged if scenario == "C" and remedy == "diverged_resync" else [],
        "rollback_height": rollback_to,
        "crash_looping": crash_looping,
        "app_hashes": hash_split["groups"],
        "canonical_app_hash": hash_split["canonical"],
        "binaries": binaries,
        "upgrade": upgrade_report,
        "upgrade_hosts": upgrade_hosts,
        "upgrade_sha256": upgrade_sha256 or None,
        "unreachable_hosts": [r["host"] for r in rows if r["ssh"] != "ok"],
        "outside_set": outside["validators"],
        "validators": rows,
    }

    proposed = []
    if remedy == "upgrade_switch" and upgrade_report and upgrade_hosts:
        proposed.append(plan("upgrade_switch", upgrade_hosts))
    elif remedy == "coordinated_restart" and restart_hosts:
        proposed.append(plan("coordinated_restart", restart_hosts, together=True))
    elif remedy == "state_rollback":
        proposed.append(plan("state_rollback", validators, {"height": rollback_to}, together=True))
    elif remedy == "diverged_resync" and decision["diverged_hosts"]:
        proposed.append(plan("diverged_resync", decision["diverged_hosts"]))
    applied = apply(proposed, causes)
    options = {"verify_blocks": verify_blocks, "resync_method": resync_method, "upgrade_binary_source": upgrade_binary_source,
               "upgrade_switch_mode": upgrade_switch_mode,
               "service_manager": next((((view["nodes"][h]["host"].get("service") or {}).get("manager")) for h in validators
                                        if (view["nodes"][h]["host"].get("service") or {}).get("manager")), None),
               "binary": next(((view["nodes"][h]["host"].get("binary") or {}).get("path") for h in validators
                               if (view["nodes"][h]["host"].get("binary") or {}).get("path")), None)}
    for kept in applied["plans"]:
        # A plan that lost hosts to a veto says so in its own lines, the ones the gate shows.
        kept["lines"] = _plan_lines(kept["action"], kept, decision, options) + [
            "left out: %s" % veto_text(veto) for veto in applied["vetoed"] if veto["action"] == kept["action"]]
    left = set(p["action"] for p in applied["plans"])
    gone = [v for v in applied["vetoed"] if v["action"] not in left]
    decision.update(causes=causes, plans=applied["plans"], vetoed=applied["vetoed"], planned=dict((p["action"], p) for p in applied["plans"]),
                    blocked="%s is not offered: %s. Do that first, then run PLAY-001 again." % (
                        gone[0]["action"], " ".join("On %s: %s (%s). Instead: %s" % (", ".join(v["hosts"]), v["because"], v["cause"], v["instead"])
                                                    for v in gone)) if gone else None)
    return decision
