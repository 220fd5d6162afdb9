# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incident filters: severity from signals, Slack channel names, status-update cadence, post-mortem timeline rows.

Docs in classify_severity.yml, incident_channel_name.yml, status_update_due.yml, timeline_rows.yml,
incident_duration.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.virtengine.incident_response.plugins.module_utils._severity import SeverityError, channel_name, classify, update_status

UTC_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def _epoch(text):
    for layout in UTC_FORMATS:
        try:
            return datetime.datetime.strptime(text, layout).replace(tzinfo=datetime.timezone.utc).timestamp()
        except (TypeError, ValueError):
            continue
    raise AnsibleFilterError("time %r is not UTC RFC3339 like 2026-01-27T10:00:00Z" % (text,))


def classify_severity(signals):
    try:
        return classify(signals)
    except SeverityError as exc:
        raise AnsibleFilterError("classify_severity: %s" % exc)


def incident_channel_name(incident_id, description):
    try:
        return channel_name(incident_id, description)
    except SeverityError as exc:
        raise AnsibleFilterError("incident_channel_name: %s" % exc)


def status_update_due(record, levels=None, now=None):
    """The incident's next status update: cadence from its severity's level (or the ``requirements`` recorded
    when it was declared), counted from ``last_update_at``."""
    level = (levels or {}).get(record.get("severity")) or record.get("requirements") or {}
    now_epoch = _epoch(now) if now else datetime.datetime.now(datetime.timezone.utc).timestamp()
    last = record.get("last_update_at") or record.get("declared_at") or record.get("started_at")
    due = update_status(_epoch(last), now_epoch, level.get("update_every_minutes"))
    due["last_update_at"] = last
    return due


def incident_duration(record):
    """``started_at`` to ``resolved_at`` (or now): ``{from, to, minutes, text}`` as the post-mortem template writes it."""
    start = _epoch(record.get("started_at"))
    end = _epoch(record["resolved_at"]) if record.get("resolved_at") else datetime.datetime.now(datetime.timezone.utc).timestamp()
    minutes = int((end - start) // 60)
    clock = dict((name, datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime("%H:%M"))
                 for name, moment in (("from", start), ("to", end)))
    return dict(clock, minutes=minutes, end_epoch=end,
                text="%s to %s (%d hours %d minutes)" % (clock["from"], clock["to"], minutes // 60, minutes % 60))


def _task_event(entry):
    outcome = "FAILED" if entry.get("failed") else ("unreachable" if entry.get("unreachable") else "changed")
    return "%s on %s: %s (%s)" % (outcome, entry.get("host"), entry.get("task"), entry.get("action"))


def _gate_event(entry):
    hosts = ", ".join(entry.get("hosts") or [])
    return "gate %s: %s by %s via %s (hosts %s)" % (entry.get("action"), entry.get("decision"), entry.get("by"), entry.get("via"), hosts)


EVENT_TEXT = {"task": _task_event, "gate": _gate_event}
# The incident modules write their own, clearer timeline entries.
SELF_RECORDING = ("virtengine.incident_response.incident_state", "virtengine.incident_response.incident_timeline")


def timeline_rows(entries):
    """Scribe entries -> post-mortem rows ``{time, event}``: incident events, gate decisions, notes and decisions,
    and the tasks that changed something or failed (the many read-only tasks stay in timeline.jsonl)."""
    rows = []
    for entry in sorted(entries, key=lambda e: e.get("at") or e.get("start") or ""):
        kind = entry.get("kind")
        if kind == "task" and (entry.get("action") in SELF_RECORDING
                               or not (entry.get("changed") or entry.get("failed") or entry.get("unreachable"))):
            continue
        if kind in EVENT_TEXT:
            text = EVENT_TEXT[kind](entry)
        else:
            text = ("%s: %s" % (kind, entry.get("text"))) + (" (%s)" % entry["author"] if entry.get("author") else "")
        moment = entry.get("at") or entry.get("start") or ""
        rows.append({"time": moment[11:19], "date": moment[:10], "event": text, "kind": kind})
    return rows


class FilterModule(object):
    def filters(self):
        return {
            "classify_severity": classify_severity,
            "incident_channel_name": incident_channel_name,
            "status_update_due": status_update_due,
            "timeline_rows": timeline_rows,
            "incident_duration": incident_duration,
        }
