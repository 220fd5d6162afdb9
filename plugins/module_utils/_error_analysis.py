# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-020's pure logic: when the errors rose, what changed before, and the likely cause."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

from ansible_collections.virtengine.incident_response.plugins.module_utils._severity import classify_error_ratio

CAUSE_ORDER = ("deployment", "resource exhaustion", "external dependency")


def utc(epoch):
    return None if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def onset_of_elevation(points, min_rate):
    """``points`` [[t, rate]] -> (onset time or None, threshold used).

    The threshold is twice the quietest rate of the window, at least ``min_rate``; the onset is the
    first point of the trailing run above it (None when the rate is not above it now).
    """
    values = [(t, v) for t, v in points if v is not None]
    if not values:
        return None, float(min_rate)
    threshold = max(float(min_rate), 2.0 * min(v for _t, v in values))
    onset = None
    for t, v in reversed(values):
        if v <= threshold:
            break
        onset = t
    return onset, threshold


def parse_commits(lines):
    """``git log --format=%H%x09%ct%x09%an%x09%s`` lines -> change rows."""
    changes = []
    for line in lines:
        parts = line.split("\t", 3)
        if len(parts) == 4 and parts[1].isdigit():
            changes.append({"kind": "commit", "at": float(parts[1]), "what": "%s %s (%s)" % (parts[0][:10], parts[3], parts[2])})
    return changes


def parse_replicasets(replicasets):
    """A deployment's ReplicaSets (kubectl get rs -o json items) -> rollout change rows."""
    changes = []
    for replicaset in replicasets:
        metadata = replicaset["metadata"]
        created = calendar.timegm(time.strptime(metadata["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ"))
        revision = (metadata.get("annotations") or {}).get("deployment.kubernetes.io/revision", "?")
        changes.append({"kind": "rollout", "at": float(created), "what": "revision %s (%s)" % (revision, metadata["name"])})
    return changes


def resource_findings(resources):
    """``[(query spec {name, threshold}, vector result)]`` -> one row per instance, ``exhausted`` at or above the threshold."""
    rows = []
    for spec, result in resources:
        for sample in result:
            if sample["value"] is not None:
                rows.append({"name": spec["name"], "instance": sample["metric"].get("instance", "-"), "value": round(sample["value"], 4),
                             "threshold": spec["threshold"], "exhausted": sample["value"] >= float(spec["threshold"])})
    return rows


def analyse_errors(readings, min_rate=1.0, change_window_s=1800, grace_s=60, external_categories=("external",)):
    """Everything PLAY-020 reports and decides, from the readings the role gathered (see play020_analysis's docs)."""
    top = [{"module": s["metric"].get("module", "-"), "code": s["metric"].get("code", "-"), "errors_per_s": s["value"]} for s in readings["top"]]
    categories = sorted(({"category": s["metric"].get("category", "-"), "errors_per_s": s["value"] or 0.0} for s in readings["categories"]),
                        key=lambda row: -row["errors_per_s"])
    ratios = sorted(({"service": s["metric"].get("job", "-"), "error_ratio": s["value"]} for s in readings["ratios"] if s["value"] is not None),
                    key=lambda row: -row["error_ratio"])
    worst = ratios[0]["error_ratio"] if ratios else None
    history = readings["history"][0]["values"] if readings["history"] else []
    onset, threshold = onset_of_elevation(history, min_rate)
    current = history[-1][1] if history else None

    changes = parse_commits(readings.get("commits") or []) + parse_replicasets(readings.get("replicasets") or [])
    changes += [{"kind": "restart", "at": float(r["started_at"]), "what": "%s started" % r["host"]} for r in readings.get("restarts") or []
                if r.get("started_at")]
    changes.sort(key=lambda row: -row["at"])
    for change in changes:
        change["at_utc"] = utc(change["at"])
        change["seconds_before_onset"] = None if onset is None else int(round(onset - change["at"]))

    causes = []
    suspects = [c for c in changes if onset is not None and onset - change_window_s <= c["at"] <= onset + grace_s]
    if suspects:
        evidence = ["%s %s at %s, %ss before the errors rose" % (c["kind"], c["what"], c["at_utc"], c["seconds_before_onset"]) for c in suspects]
        causes.append({"cause": "deployment", "evidence": evidence})
    resources = resource_findings(readings.get("resources") or [])
    exhausted = [r for r in resources if r["exhausted"]]
    if exhausted:
        evidence = ["%s at %s on %s (threshold %s)" % (r["name"], r["value"], r["instance"], r["threshold"]) for r in exhausted]
        causes.append({"cause": "resource exhaustion", "evidence": evidence})
    if categories and categories[0]["errors_per_s"] > 0 and categories[0]["category"] in external_categories:
        total = sum(c["errors_per_s"] for c in categories)
        evidence = ["most errors are in category %s (%.2f/s of %.2f/s)" % (categories[0]["category"], categories[0]["errors_per_s"], total)]
        causes.append({"cause": "external dependency", "evidence": evidence})
    severity = classify_error_ratio(worst)
    findings = ["severity %s: %s" % (severity["severity"], severity["rule"])]
    if onset is not None:
        findings.append("errors rose at %s (above %.2f/s); now %.2f/s" % (utc(onset), threshold, current))
    elif history:
        findings.append("the error rate is not elevated now (%.2f/s, threshold %.2f/s)" % (current or 0.0, threshold))
    else:
        findings.append("no virtengine_errors_total series in the lookback window")
    if top:
        findings.append("top error source: module %s code %s at %.2f/s" % (top[0]["module"], top[0]["code"], top[0]["errors_per_s"] or 0.0))
    likely = causes[0]["cause"] if causes else "unknown"
    findings.append("likely cause: %s%s" % (likely, (" (%s)" % causes[0]["evidence"][0]) if causes else
                                            ": no change, exhausted resource or dominant external category found; check the dependencies' status pages"))
    return {"top": top, "categories": categories, "ratios": ratios, "worst_error_ratio": worst, "severity": severity["severity"],
            "severity_rule": severity["rule"], "onset_at": onset, "onset_at_utc": utc(onset), "threshold_per_s": threshold,
            "current_per_s": current, "changes": changes, "resources": resources, "causes": causes, "likely_cause": likely, "findings": findings}
