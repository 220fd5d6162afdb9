# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook's severity rules, incident names and status-update cadence: pure logic, no I/O."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")

# Signals that are SEV-1 / SEV-2 / SEV-3 / SEV-4 by themselves when true (the runbook's examples).
FLAG_SEVERITY = {
    "chain_halted": "SEV-1",
    "network_partition": "SEV-1",
    "data_breach": "SEV-1",
    "all_validators_offline": "SEV-1",
    "identity_scoring_unavailable": "SEV-2",
    "marketplace_orders_stalled": "SEV-2",
    "slow_queries": "SEV-3",
    "minor_feature_unavailable": "SEV-3",
    "cosmetic_bug": "SEV-4",
    "monitoring_gap": "SEV-4",
    "documentation_issue": "SEV-4",
}
# Error rates: more than 50 % is SEV-2; from 10 % to 50 % (both included) SEV-3; below 10 % no signal.
ERROR_RATE_SEV2_ABOVE = 0.5
ERROR_RATE_SEV3_FROM = 0.1
# Providers: one or more offline is SEV-3; more than half offline is a widespread failure, SEV-2.
PROVIDERS_WIDESPREAD_ABOVE = 0.5
NUMERIC_SIGNALS = ("error_rates", "providers_offline", "providers_total")

SLACK_CHANNEL_MAX = 80


class SeverityError(ValueError):
    """Bad input to the severity rules, with what to do about it."""


def _fraction(name, value):
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        raise SeverityError("%s=%r is not a number: give the error rate as a fraction from 0 to 1 (0.25 = 25 %%)" % (name, value))
    if not 0 <= fraction <= 1:
        raise SeverityError("%s=%r is outside 0..1: give the error rate as a fraction (0.25 = 25 %%), not a percentage" % (name, value))
    return fraction


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SeverityError("%s=%r must be a whole number, 0 or more" % (name, value))
    return value


def classify(signals):
    """Signals -> ``{"severity", "reasons"}``; the most severe rule that matches wins.

    ``signals`` holds flags (``chain_halted: true`` ...), ``error_rates`` ({service: fraction 0..1}) and
    ``providers_offline`` / ``providers_total`` counts. No matching signal is SEV-4 (no user impact).
    """
    if not isinstance(signals, dict):
        raise SeverityError("signals must be a dictionary such as {'chain_halted': true}, got %r" % (signals,))
    unknown = sorted(set(signals) - set(FLAG_SEVERITY) - set(NUMERIC_SIGNALS))
    if unknown:
        raise SeverityError("unknown signal(s) %s: use one of %s" % (", ".join(unknown), ", ".join(sorted(FLAG_SEVERITY) + list(NUMERIC_SIGNALS))))
    found = []
    for name, severity in FLAG_SEVERITY.items():
        if signals.get(name):
            found.append((severity, name.replace("_", " ")))
    rates = signals.get("error_rates") or {}
    if not isinstance(rates, dict):
        raise SeverityError("error_rates must map a service to its error rate, e.g. {'api': 0.3}, got %r" % (rates,))
    for service, value in sorted(rates.items()):
        rate = _fraction("error_rates.%s" % service, value)
        if rate > ERROR_RATE_SEV2_ABOVE:
            found.append(("SEV-2", "%s error rate %.0f%% (> 50%%)" % (service, rate * 100)))
        elif rate >= ERROR_RATE_SEV3_FROM:
            found.append(("SEV-3", "%s error rate %.0f%% (10-50%%)" % (service, rate * 100)))
    offline = _count("providers_offline", signals.get("providers_offline", 0))
    total = _count("providers_total", signals.get("providers_total", 0))
    if offline:
        if total and offline > total:
            raise SeverityError("providers_offline=%d is more than providers_total=%d" % (offline, total))
        if total and offline / total > PROVIDERS_WIDESPREAD_ABOVE:
            found.append(("SEV-2", "%d of %d providers offline (widespread)" % (offline, total)))
        else:
            found.append(("SEV-3", "%d provider(s) offline" % offline))
    if not found:
        return {"severity": "SEV-4", "reasons": ["no user-impacting signal"]}
    severity = min(level for level, _reason in found)
    return {"severity": severity, "reasons": [reason for level, reason in sorted(found) if level == severity]}


def channel_name(incident_id, description):
    """``INC-20260127-003`` + ``Chain halted`` -> ``inc-20260127-chain-halted`` (Slack: a-z 0-9 - _, <= 80)."""
    match = re.match(r"^INC-(\d{8})-\d{3,}$", str(incident_id))
    if not match:
        raise SeverityError("incident id %r is not INC-YYYYMMDD-NNN" % (incident_id,))
    slug = re.sub(r"[^a-z0-9_]+", "-", str(description).lower()).strip("-_") or "incident"
    return ("inc-%s-%s" % (match.group(1), slug))[:SLACK_CHANNEL_MAX].rstrip("-_")


def update_status(last_update_epoch, now_epoch, cadence_minutes):
    """When the next status update is due: ``{"cadence_minutes", "due_in_minutes", "overdue"}`` (no cadence: never due)."""
    if not cadence_minutes:
        return {"cadence_minutes": None, "due_in_minutes": None, "overdue": False}
    due_in = cadence_minutes - (now_epoch - last_update_epoch) / 60.0
    return {"cadence_minutes": cadence_minutes, "due_in_minutes": round(due_in, 1), "overdue": due_in < 0}


def classify_error_ratio(ratio, service="the service"):
    """One service's error ratio (0..1, or None when no request counter exists) -> ``{"severity", "rule"}`` (PLAY-020).

    The rule is ``classify``'s; an unknown ratio is SEV-3, the severity the runbook gives PLAY-020 and HighErrorRate.
    """
    if ratio is None:
        return {"severity": "SEV-3", "rule": "error ratio unknown (no request counter): PLAY-020's own severity"}
    verdict = classify({"error_rates": {service: ratio}})
    rule = "; ".join(verdict["reasons"]) if verdict["severity"] != "SEV-4" else "%s error rate %.1f%% (below 10%%)" % (service, float(ratio) * 100)
    return {"severity": verdict["severity"], "rule": rule}
