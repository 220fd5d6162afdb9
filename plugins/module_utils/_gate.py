# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's pure logic: plan records, plan fingerprints, what ``ir_confirm`` approves, and the required check.

A *plan* is ``{"action": str, "hosts": [str], "parameters": {str: JSON value}}``: the gated action (a lower-case word
such as ``state_rollback``), what it touches (inventory host names, or targets such as ``db.example:5432`` or
``deployment/api (context c, namespace n)``) and the values it acts with (e.g. ``{"height": 1041}``). Parameters that
differ per host go under the key ``by_host`` (``{"by_host": {"host1": {"addresses": [...]}}}``); the check of one host
sees the shared parameters with that host's entry merged in.

Its *fingerprint* is the first 16 hex digits of the SHA-256 of the canonical JSON of the plan (keys sorted, no spaces,
ASCII; hosts sorted and without repeats, so the order of a plan's steps never changes it). The same plan always gives
the same fingerprint on any controller and Python version; any change of action, host set or parameter changes it.

``ir_confirm`` (an extra variable) names the approved actions: a string, a comma-separated string or a list, each
entry ``action`` (approves whatever plan the run computes: terminals and simple runs) or ``action@fingerprint``
(approves only the plan with that fingerprint: AWX approvals, EDA).

Bad input raises :class:`GateError` with a message naming the value and what to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

FINGERPRINT_LENGTH = 16
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FINGERPRINT_RE = re.compile(r"^[0-9a-f]{%d}$" % FINGERPRINT_LENGTH)
BY_HOST = "by_host"


# Every action a gate of this collection asks to confirm (tests/unit/test_gate.py checks this list against the roles
# and playbooks both ways). An ir_confirm entry naming anything else is a typo, and a typo approves nothing.
GATED_ACTIONS = frozenset((
    "block_addresses", "coordinated_restart", "diverged_resync", "isolate_hosts", "minority_resync", "model_replace",
    "node_restart", "peer_reset", "provider_binary_rollback", "provider_restart", "raise_auth_logging",
    "raise_connection_limit", "revoke_key", "rollback_binary", "rollback_deployment", "rolling_restart",
    "sidecar_restart", "snapshot_restore", "state_rollback", "state_sync", "terminate_queries", "upgrade_switch",
))


class GateError(ValueError):
    """Unusable input to the gate (a bug in the caller or a malformed ir_confirm / ir_plans)."""


def _plain(value, where):
    """``value`` as plain JSON types (lists, dicts with str keys, str, int, float, bool, None), or GateError."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except (TypeError, ValueError) as error:
        raise GateError("%s is not JSON data (%s): pass plain strings, numbers, lists and dicts" % (where, error))


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def plan_record(action, hosts, parameters=None):
    """The canonical plan ``{"action", "hosts" (sorted, unique), "parameters"}``; GateError on a bad field."""
    if not isinstance(action, str) or not ACTION_RE.match(action):
        raise GateError("gate action %r must be a lower-case word such as coordinated_restart" % (action,))
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(h, str) and h for h in hosts):
        raise GateError("gate hosts for %s must be a list of non-empty names, got %r" % (action, hosts))
    parameters = {} if parameters is None else parameters
    if not isinstance(parameters, dict):
        raise GateError("gate parameters for %s must be a dict (name: value), got %r" % (action, parameters))
    parameters = _plain(parameters, "gate parameters for %s" % action)
    if BY_HOST in parameters and not isinstance(parameters[BY_HOST], dict):
        raise GateError("gate parameters for %s: by_host must map a host to its parameters, got %r" % (action, parameters[BY_HOST]))
    return {"action": action, "hosts": sorted(set(hosts)), "parameters": parameters}


def plan_fingerprint(action, hosts, parameters=None):
    """16 hex digits identifying the plan (see the module docstring for what is hashed)."""
    return hashlib.sha256(_canonical(plan_record(action, hosts, parameters)).encode("ascii")).hexdigest()[:FINGERPRINT_LENGTH]


def parse_confirmations(ir_confirm):
    """``{action: fingerprint or None}`` from an ``ir_confirm`` value (None, a string, a comma list or a list).

    An entry ``action`` approves any plan (None); ``action@fingerprint`` only that plan. Naming one action twice with
    two different fingerprints, or a fingerprint that is not 16 hex digits, raises GateError.
    """
    if ir_confirm is None:
        return {}
    if isinstance(ir_confirm, str):
        entries = ir_confirm.split(",")
    elif isinstance(ir_confirm, (list, tuple)):
        entries = [str(entry) for entry in ir_confirm]
    else:
        raise GateError("ir_confirm=%r: give action names as a string (a,b) or a list, each optionally action@fingerprint" % (ir_confirm,))
    confirmed = {}
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        action, _sep, fingerprint = entry.partition("@")
        action, fingerprint = action.strip(), fingerprint.strip().lower() or None
        if fingerprint is not None and not FINGERPRINT_RE.match(fingerprint):
            raise GateError("ir_confirm entry %r: the fingerprint after @ must be the %d hex digits the gate showed" % (entry, FINGERPRINT_LENGTH))
        if action in confirmed and confirmed[action] != fingerprint:
            raise GateError("ir_confirm names %s twice with different plans (%s and %s): name it once" % (
                action, confirmed[action] or "any plan", fingerprint or "any plan"))
        confirmed[action] = fingerprint
    return confirmed


def check_known(confirmations):
    """Raise GateError naming the entries of ``confirmations`` (``{action: fingerprint}``) no gate asks for."""
    unknown = sorted(set(confirmations) - GATED_ACTIONS)
    if unknown:
        raise GateError("ir_confirm names %s, which no gate of this collection asks for (a typo approves nothing, so the run "
                        "would ask again or stop): the gated actions are %s" % (", ".join(unknown), ", ".join(sorted(GATED_ACTIONS))))


def _flatten(value, prefix=""):
    """``{"a.b": leaf}`` for nested dicts (lists and scalars are leaves)."""
    if isinstance(value, dict) and value:
        flat = {}
        for key, item in value.items():
            flat.update(_flatten(item, "%s.%s" % (prefix, key) if prefix else str(key)))
        return flat
    return {prefix: value}


def plan_changes(approved, current):
    """What changed from the ``approved`` plan to the ``current`` one, one line each (empty when they are equal).

    Both are ``{"hosts": [...], "parameters": {...}}`` (extra keys ignored). Lines read ``hosts added: a, b``,
    ``hosts removed: c``, ``parameter height: 1040 -> 1041`` (nested parameters dotted: ``by_host.h1.addresses``),
    ``parameter x: added (5)`` / ``removed (was 5)``.
    """
    for name, plan in (("approved", approved), ("current", current)):
        if not isinstance(plan, dict):
            raise GateError("the %s plan must be a dict {hosts, parameters}, got %r" % (name, plan))
    lines = []
    before, after = set(approved.get("hosts") or []), set(current.get("hosts") or [])
    if after - before:
        lines.append("hosts added: %s" % ", ".join(sorted(after - before)))
    if before - after:
        lines.append("hosts removed: %s" % ", ".join(sorted(before - after)))
    old = _flatten(_plain(approved.get("parameters") or {}, "the approved parameters"))
    new = _flatten(_plain(current.get("parameters") or {}, "the current parameters"))
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append("parameter %s: removed (was %s)" % (key, _canonical(old[key])))
        elif key not in old:
            lines.append("parameter %s: added (%s)" % (key, _canonical(new[key])))
        elif _canonical(old[key]) != _canonical(new[key]):
            lines.append("parameter %s: %s -> %s" % (key, _canonical(old[key]), _canonical(new[key])))
    return lines


def gate_verdict(ir_confirm, action, hosts, parameters=None, approved_plans=None):
    """Whether ``ir_confirm`` approves the plan ``(action, hosts, parameters)`` the run just computed.

    ``approved_plans`` is the ``ir_plans`` extra variable, ``{action: {hosts, parameters, fingerprint}}`` as the gate
    published it when the plan was shown (AWX passes it on as an artifact), or None. A plain action name in
    ``ir_confirm`` is bound to ``approved_plans[action]`` when that is given: in an AWX workflow the approver approved
    the plan the diagnosis showed, and the remediation gets that plan as an artifact. Returns
    ``{"plan": canonical plan, "fingerprint", "named": whether ir_confirm names the action, "approved_fingerprint":
    the fingerprint ir_confirm named (None for a plain name), "confirmed": named and the plan is the approved one,
    "refusals": [why not], "changes": [what changed since the approved plan, when it is known]}``.
    """
    plan = plan_record(action, hosts, parameters)
    fingerprint = plan_fingerprint(action, hosts, parameters)
    confirmations = parse_confirmations(ir_confirm)
    if approved_plans is not None and not isinstance(approved_plans, dict):
        raise GateError("ir_plans must map an action to its approved plan {hosts, parameters, fingerprint}, got %r" % (approved_plans,))
    approved = (approved_plans or {}).get(action)
    if approved is not None and not (isinstance(approved, dict) and FINGERPRINT_RE.match(str(approved.get("fingerprint")))):
        raise GateError("ir_plans.%s must be the plan a gate published ({hosts, parameters, fingerprint}), got %r" % (action, approved))
    named = action in confirmations
    approved_fingerprint = confirmations.get(action)
    via_plans = named and approved_fingerprint is None and approved is not None
    if via_plans:
        approved_fingerprint = approved["fingerprint"]
    refusals, changes = [], []
    if approved_fingerprint is not None and approved_fingerprint != fingerprint:
        refusals.append("%s approved %s@%s, but the plan computed now is %s@%s" % (
            "ir_plans (the plan shown when ir_confirm was given)" if via_plans else "ir_confirm", action, approved_fingerprint, action, fingerprint))
        if approved is not None and approved["fingerprint"] == approved_fingerprint:
            changes = plan_changes(approved, plan)
        elif approved is not None:
            refusals.append("ir_plans holds a plan for %s with fingerprint %s, not the approved one: what changed is unknown" % (
                action, approved["fingerprint"]))
        else:
            refusals.append("What changed is unknown (pass the approved plan as ir_plans to see it)")
    return {"plan": plan, "fingerprint": fingerprint, "named": named, "approved_fingerprint": approved_fingerprint,
            "confirmed": named and not refusals, "refusals": refusals, "changes": changes}


def host_parameters(parameters, host):
    """The parameters one host acts with: the shared ones, with ``parameters["by_host"][host]`` merged in."""
    shared = dict((k, v) for k, v in (parameters or {}).items() if k != BY_HOST)
    shared.update(((parameters or {}).get(BY_HOST) or {}).get(host) or {})
    return shared


def check_approval(approved_entry, action, host, parameters=None):
    """Why ``action`` may not change ``host`` with ``parameters`` now (an empty list: it may).

    ``approved_entry`` is the gate's record of ``action`` in this run (``{action, decision, hosts, parameters,
    fingerprint, ...}``, the last ``gate_log`` entry of that action) or None when the gate never decided it.
    ``parameters`` are the values the changing task is about to use for ``host`` (without ``by_host``): each must be
    in the approved plan (for that host) with the same value. Approved parameters the task does not use are not its
    concern (a service restart inside a rollback does not know the rollback height; the rollback task checks it).
    """
    if not isinstance(action, str) or not ACTION_RE.match(action):
        raise GateError("the required check needs the gated action's name (a lower-case word), got %r" % (action,))
    if not isinstance(host, str) or not host:
        raise GateError("the required check for %s needs the host or target it changes, got %r" % (action, host))
    if approved_entry is None:
        return ["%s was not confirmed through the gate role (the gate did not decide it in this run)" % action]
    if not isinstance(approved_entry, dict):
        raise GateError("the gate record of %s must be a dict, got %r" % (action, approved_entry))
    reasons = []
    if approved_entry.get("action") != action:
        reasons.append("the gate record is for %r, not %s" % (approved_entry.get("action"), action))
    if approved_entry.get("decision") != "confirmed":
        reasons.append("%s was not confirmed through the gate role (decision: %s)" % (action, approved_entry.get("decision")))
    approved_hosts = approved_entry.get("hosts") or []
    if host not in approved_hosts:
        reasons.append("%s is not among the approved hosts (%s)" % (host, ", ".join(approved_hosts) or "none"))
    given = _plain(parameters or {}, "the parameters of %s" % action)
    if not isinstance(given, dict):
        raise GateError("the parameters of %s must be a dict (name: value), got %r" % (action, parameters))
    approved = host_parameters(_plain(approved_entry.get("parameters") or {}, "the approved parameters"), host)
    approved = dict((name, value) for name, value in approved.items() if name in given)
    for line in plan_changes({"parameters": approved}, {"parameters": given}):
        reasons.append("%s differs from the approved plan" % line)
    return reasons
