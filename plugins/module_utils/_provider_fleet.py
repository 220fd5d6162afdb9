# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-012 (provider daemon mass failure): pure decision logic over the fleet's health and "what changed".

Input: one record per provider as ``provider_health`` returns it (health, grpc, rpc, config, binary,
previous_binary) plus ``log_patterns`` (``_provider_logs.scan``), and the chain as the controller sees it.
Times are epoch seconds. Builds are told apart by SHA-256 (``provider-daemon version`` prints a constant).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import Counter

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import apply, cause, plan, rule, veto_text
from ansible_collections.virtengine.incident_response.plugins.module_utils._provider_logs import REJECTION_NAMES, common_causes, rejection_causes

VERDICTS = ("software_bug", "configuration_push", "chain_connectivity", "chain_rejection", "isolated_failures", "widespread_unknown", "healthy")


class FleetError(ValueError):
    """Bad input to the PLAY-012 logic, naming the bad value."""


def check_options(recent_seconds, mass_share, max_block_age_s, rollback_batch=1, max_fail_percentage=0, prefix=""):
    """PLAY-012's numbers checked, the one check of them: the role's first task (``prefix`` ``play012_``: the names the
    operator set) and the decision both call it. Returns the three numbers the decision uses as floats; FleetError
    names the first bad value and what it must be."""
    checked = []
    for name, value, low, high, what in (
            ("recent_seconds", recent_seconds, 0, None, "seconds above 0"),
            ("mass_share", mass_share, 0, 1, "a share of the providers above 0 and below 1 (0.5: more than half); at 1 no failure "
                                             "would ever be a mass failure"),
            ("max_block_age_s", max_block_age_s, 0, None, "seconds above 0"),
            ("rollback_batch", rollback_batch, 0, None, "hosts, 1 or more"),
            ("max_fail_percentage", max_fail_percentage, -1, 101, "a percentage from 0 to 100")):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise FleetError("%s%s=%r is not a number: use %s" % (prefix, name, value, what))
        if isinstance(value, bool) or number <= low or (high is not None and number >= high):
            raise FleetError("%s%s=%s must be %s" % (prefix, name, value, what))
        checked.append(number)
    return tuple(checked[:3])


def remedy_plan(action, hosts, fleet, step):
    """The gated ``action`` on ``hosts`` (one ``step % host`` line each) after the rules of the causes in the fleet's logs
    (the chain rejections: ``_provider_logs.rejection_causes``), in PLAY-001's shape.

    Returns ``{"hosts": the hosts left, "blocked": why the action is not offered at all (or None), "decision":
    {"causes", "plans", "vetoed", "planned"}}``."""
    found = [cause(name, seen, evidence) for name, seen, evidence in rejection_causes(dict((r["name"], r.get("log_patterns")) for r in fleet))]
    applied = apply([plan(action, hosts)] if hosts else [], found)
    for kept in applied["plans"]:
        # The gate shows these lines: a plan that lost hosts says which and why.
        kept["lines"] = [step % host for host in kept["hosts"]] + ["left out: %s" % veto_text(veto) for veto in applied["vetoed"]]
    left = applied["plans"][0]["hosts"] if applied["plans"] else []
    blocked = None
    if applied["vetoed"] and not left:
        blocked = "%s is not offered: %s" % (action, " ".join(veto_text(veto) for veto in applied["vetoed"]))
    return {"hosts": left, "blocked": blocked,
            "decision": {"causes": found, "plans": applied["plans"], "vetoed": applied["vetoed"],
                         "planned": dict((p["action"], p) for p in applied["plans"]), "blocked": blocked}}


def _sha(record, key):
    return ((record.get(key) or {}).get("sha256")) or None


def _mtime(record, key):
    return (record.get(key) or {}).get("mtime")


def merge(hosts, health, host_checks=None, logs=None, addresses=None):
    """One record per inventory provider: the controller's ``provider_health`` (health) joined with what each host
    reported about itself (``provider_health`` chain/config/binary, ``provider_logs``) and its on-chain address.

    ``health`` is the controller's result (``providers``); ``host_checks``, ``logs`` and ``addresses`` map a host to its
    ``provider_health`` entry, ``provider_logs`` result and ``provider_address``. A host that did not report is kept
    with nulls (its logs ``None``: unread, not clean).
    """
    by_name = dict((entry.get("name"), entry) for entry in (health or {}).get("providers") or [])
    records = []
    for host in hosts:
        own = dict((host_checks or {}).get(host) or {})
        seen = by_name.get(host) or {}
        log = (logs or {}).get(host) or {}
        record = dict((key, own.get(key)) for key in ("grpc", "rpc", "config", "binary", "previous_binary"))
        record.update(name=host, healthy=seen.get("healthy"), health=seen.get("health"), address=(addresses or {}).get(host),
                      findings=(seen.get("findings") or []) + (own.get("findings") or []),
                      log_patterns=log.get("patterns") if log and not log.get("error") else None)
        records.append(record)
    return records


def chain_failures(record):
    """What fails between this provider and the chain, in words (empty: nothing)."""
    failures = []
    grpc, rpc = record.get("grpc") or {}, record.get("rpc") or {}
    if grpc.get("tcp") and not grpc.get("tls"):
        failures.append("gRPC %s is plaintext, the daemon dials TLS" % grpc.get("target"))
    elif grpc.get("error"):
        failures.append("gRPC %s: %s" % (grpc.get("target"), grpc["error"]))
    if rpc.get("error"):
        failures.append("RPC: %s" % rpc["error"])
    elif rpc.get("catching_up"):
        failures.append("RPC %s catching up" % rpc.get("url"))
    return failures


def what_changed(fleet, now, recent_seconds):
    """Rows ``{provider, what, detail}``: binaries unlike the fleet's majority or changed within ``recent_seconds``,
    configs changed within it."""
    counts = Counter(_sha(r, "binary") for r in fleet if _sha(r, "binary"))
    majority, majority_count = counts.most_common(1)[0] if counts else (None, 0)
    rows = []
    for record in fleet:
        sha, mtime = _sha(record, "binary"), _mtime(record, "binary")
        if sha and len(counts) > 1 and sha != majority:
            rows.append({"provider": record["name"], "what": "binary differs from the fleet majority",
                         "detail": "sha256 %s, %d of %d run %s" % (sha[:12], majority_count, sum(counts.values()), majority[:12])})
        if mtime is not None and now - mtime <= recent_seconds:
            rows.append({"provider": record["name"], "what": "binary changed recently",
                         "detail": "sha256 %s, %d s ago (previous kept: %s)"
                         % (sha[:12] if sha else "?", now - mtime, (_sha(record, "previous_binary") or "none")[:12])})
        config_mtime = _mtime(record, "config")
        if config_mtime is not None and now - config_mtime <= recent_seconds:
            rows.append({"provider": record["name"], "what": "config changed recently", "detail": "%d s ago" % (now - config_mtime)})
    return rows


def decide(fleet, chain, now, recent_seconds=3600, mass_share=0.5, max_block_age_s=60, log_share=0.5):
    """PLAY-012's verdict with reasons.

    ``fleet``: ``[{"name", "healthy", "health", "grpc", "rpc", "config", "binary", "previous_binary", "log_patterns"}]``;
    ``chain``: ``{"height", "block_age_s", "error", "upgrade_plan": {"name", "height"} or None}`` from the controller.
    Returns ``{"verdict", "why", "side", "down", "affected", "changes", "common_causes", "rollback_hosts",
    "providers_offline", "providers_total", "rows"}``; ``side`` (chain connectivity) is ``chain`` or ``providers_config``;
    and, in PLAY-001's shape (``_causes``), ``causes`` (the chain rejections in each provider's log), ``plans`` (the
    ``provider_binary_rollback`` of a software bug, less the vetoed hosts: ``rollback_hosts``), ``vetoed``, ``planned``
    and ``blocked``. ``chain_rejection``: the daemons run and reach the chain but it refuses their transactions (fee,
    sequence, funds, gas, mempool, size, signature), on most providers (a common cause) or on some.
    """
    if not isinstance(fleet, list) or any(not isinstance(r, dict) or not r.get("name") for r in fleet):
        raise FleetError("fleet must be a list of provider_health records with a name each, got %r" % (fleet,))
    recent_seconds, mass_share, max_block_age_s = check_options(recent_seconds, mass_share, max_block_age_s)
    chain = chain or {}
    names = [r["name"] for r in fleet]
    down = [r["name"] for r in fleet if r.get("healthy") is False]
    cut_off = dict((r["name"], chain_failures(r)) for r in fleet if chain_failures(r))
    causes = common_causes(dict((r["name"], r.get("log_patterns")) for r in fleet), log_share)
    rejected = rejection_causes(dict((r["name"], r.get("log_patterns")) for r in fleet))
    changes = what_changed(fleet, now, recent_seconds)
    affected = sorted(set(down) | set(cut_off))
    healthy_shas = set(_sha(r, "binary") for r in fleet if r.get("healthy") and _sha(r, "binary"))
    by_name = dict((r["name"], r) for r in fleet)

    def binary_suspect(name):
        record = by_name[name]
        sha, mtime = _sha(record, "binary"), _mtime(record, "binary")
        return bool(sha) and ((mtime is not None and now - mtime <= recent_seconds) or (healthy_shas and sha not in healthy_shas))

    def config_pushed(name):
        mtime = _mtime(by_name[name], "config")
        return mtime is not None and now - mtime <= recent_seconds

    why, side, rollback = [], None, []
    bad_binary = [n for n in down if binary_suspect(n)]
    pushed = [n for n in down if config_pushed(n) and n not in bad_binary]
    upgrade = chain.get("upgrade_plan") or None
    chain_side = bool(chain.get("error")) or (chain.get("block_age_s") or 0) > max_block_age_s or bool(upgrade)
    if down:
        why.append("%d of %d provider daemon(s) fail their health check: %s" % (len(down), len(fleet), ", ".join(down)))
    if not affected and not causes and not rejected:
        verdict = "healthy"
        why.append("every provider daemon answers and reaches the chain")
    elif down and len(bad_binary) * 2 >= len(down):
        verdict = "software_bug"
        shas = sorted(set(_sha(by_name[n], "binary")[:12] for n in bad_binary))
        unlike = (", unlike the healthy providers' %s" % ", ".join(sorted(s[:12] for s in healthy_shas))) if healthy_shas else ""
        why.append("binary change: %s run build(s) %s%s" % (", ".join(bad_binary), ", ".join(shas), unlike))
        for name in bad_binary:
            record = by_name[name]
            previous = record.get("previous_binary") or {}
            if previous.get("exists") and previous.get("sha256") != _sha(record, "binary"):
                rollback.append(name)
            else:
                why.append("%s: no kept previous binary different from the current one (%s), cannot roll back"
                           % (name, previous.get("path") or "not configured"))
    elif down and len(pushed) * 2 >= len(down):
        verdict = "configuration_push"
        why.append("configuration push: the config of %s changed within %d s" % (", ".join(pushed), recent_seconds))
    elif cut_off and len(cut_off) * 2 >= max(1, len(affected)):
        verdict = "chain_connectivity"
        side = "chain" if chain_side else "providers_config"
        why.extend("%s: %s" % (name, "; ".join(failures)) for name, failures in sorted(cut_off.items()))
        if chain.get("error"):
            why.append("the chain's RPC fails from the controller too: %s" % chain["error"])
        elif (chain.get("block_age_s") or 0) > max_block_age_s:
            why.append("the chain's last block is %s s old: the chain, not the providers" % chain["block_age_s"])
        if upgrade:
            why.append("chain upgrade %s planned at height %s" % (upgrade.get("name"), upgrade.get("height")))
        if side == "providers_config":
            why.append("the chain answers the controller: the providers' configured endpoints are wrong (node, waldur-chain-grpc)")
    elif rejected:
        verdict = "chain_rejection"
        for name, seen, evidence in rejected:
            common = [c for c in causes if c["pattern"] == name]
            why.append("%s: %s%s. Instead: %s" % (
                "common cause on %d of %d providers" % (len(seen), len(fleet)) if common else "on %s only" % ", ".join(seen),
                rule(name).meaning, (" (%s)" % evidence[-1]["numbers"]) if evidence[-1]["numbers"] else "", rule(name).instead))
        why.append("the daemons run and reach the chain; the chain refuses their transactions: a restart or a binary rollback "
                   "sends the same transactions again")
    elif len(affected) <= mass_share * len(fleet) and not causes:
        verdict = "isolated_failures"
        why.append("isolated: %s, no shared change or error pattern" % (", ".join(affected) or "no daemon down"))
    else:
        verdict = "widespread_unknown"
        why.append("%s, and no binary change, config push or chain failure explains it" % (
            "most providers are affected" if len(affected) > mass_share * len(fleet)
            else "the same error pattern is on most providers (below)"))
    for found in causes:
        if found["pattern"] not in REJECTION_NAMES or verdict != "chain_rejection":
            why.append("common error pattern on %d of %d providers: %s (newest: %s)" % (
                len(found["providers"]), len(fleet), found["meaning"], found["newest"]))
    if upgrade and verdict != "chain_connectivity":
        why.append("chain upgrade %s planned at height %s" % (upgrade.get("name"), upgrade.get("height")))
    rows = []
    for record in fleet:
        rows.append({"provider": record["name"], "healthy": record.get("healthy"),
                     "health": (record.get("health") or {}).get("error") or (record.get("health") or {}).get("body"),
                     "latency_ms": (record.get("health") or {}).get("latency_ms"), "chain": "; ".join(cut_off.get(record["name"], [])) or "ok",
                     "binary_sha256": (_sha(record, "binary") or "")[:12], "previous_sha256": (_sha(record, "previous_binary") or "")[:12]})
    gated = remedy_plan("provider_binary_rollback", [n for n in names if n in rollback], fleet,
                        "on %s: stop the daemon, keep the current binary as <binary>.replaced-<sha256>, copy the kept previous binary in "
                        "place and verify its SHA-256, start, wait for /health")
    if gated["blocked"]:
        why.append(gated["blocked"])
    return dict(gated["decision"], verdict=verdict, why=why, side=side, down=down, affected=affected, changes=changes, common_causes=causes,
                rollback_hosts=gated["hosts"], rollback_parameters=rollback_parameters(by_name, gated["hosts"]),
                providers_offline=len(down), providers_total=len(fleet), rows=rows)


def rollback_parameters(by_name, hosts):
    """What a ``provider_binary_rollback`` plan binds for each host: the binary's path, the kept previous binary's path
    and SHA-256 as detection read them (the rollback refuses a previous binary that is not that build)."""
    return {"by_host": dict((name, {"binary": (by_name[name].get("binary") or {}).get("path"),
                                    "previous_binary": (by_name[name].get("previous_binary") or {}).get("path"),
                                    "previous_sha256": _sha(by_name[name], "previous_binary")}) for name in hosts)} if hosts else {}
