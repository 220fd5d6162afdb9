# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook event filter: one Alertmanager alert -> the keys the incident-response rulebooks match on.

Runs after ``eda.builtin.event_splitter`` (``splitter_key: payload.alerts``), so each event is one alert of
Alertmanager's webhook payload (version 4: ``status``, ``labels``, ``annotations``, ``startsAt``, ``endsAt``,
``fingerprint``; https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). Stdlib only: the
filter is loaded by ansible-rulebook from the collection's ``extensions/eda/plugins/event_filter``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any

DOCUMENTATION = r"""
---
short_description: Add C(ir) (alert, status, host, target, incident id) to one Alertmanager alert
description:
  - C(ir.alert) is the alert name, C(ir.status) C(firing) or C(resolved).
  - C(ir.host) is the C(instance) label with its port stripped (C(10.0.0.5:26660) -> C(10.0.0.5),
    C([fd00::5]:26660) -> C(fd00::5)), or C("") when the alert has no instance.
  - C(ir.target) groups throttling: the host, else the C(chain_id), else C(job)/C(module), else C(-).
  - C(ir.incident_id) names the incident the alert opens, C(INC-<startsAt date>-<number from the fingerprint>):
    the same alert (firing, repeated, resolved) always maps to the same incident.
  - C(ir.started_at) is C(startsAt) in UTC (C(YYYY-MM-DDTHH:MM:SSZ)).
  - With I(limit_hosts) and a host, C(meta.hosts) becomes C([host, localhost]): ansible-rulebook limits the
    playbook or job to that node and the controller (the runbooks read the chain from localhost).
options:
  limit_hosts:
    description: Limit the action to the alert's host (and localhost).
    type: bool
    default: true
"""

EXAMPLES = r"""
filters:
  - eda.builtin.event_splitter:
      splitter_key: payload.alerts
  - virtengine.incident_response.alertmanager_alert:
      limit_hosts: true
"""

_BRACKETED = re.compile(r"^\[(?P<host>[^\]]+)\](?::\d+)?$")
_HOST_PORT = re.compile(r"^(?P<host>[^:]+):\d+$")


def instance_host(instance: Any) -> str:
    """``host[:port]``, ``[ipv6]:port`` or a bare IPv6 address -> the host without the port ('' for none)."""
    text = str(instance or "").strip()
    for pattern in (_BRACKETED, _HOST_PORT):
        match = pattern.match(text)
        if match:
            return match.group("host")
    return text


def started_at(value: Any) -> str:
    """Alertmanager's RFC 3339 ``startsAt`` (nanoseconds, any offset) -> ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    text = str(value or "")
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$", text)
    if not match:
        raise ValueError("alert startsAt %r is not an RFC 3339 time: is this an Alertmanager webhook payload?" % (value,))
    offset = "+00:00" if match.group(2) == "Z" else match.group(2)
    moment = datetime.fromisoformat(match.group(1) + offset).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def incident_id(alert: dict) -> str:
    """``INC-<YYYYMMDD of startsAt>-<decimal of 6 hex digits of the fingerprint>`` (fingerprint: Alertmanager's hash
    of the label set; a hash of the sorted labels when absent)."""
    fingerprint = str(alert.get("fingerprint") or "")
    if not re.match(r"^[0-9a-fA-F]{6,}$", fingerprint):
        labels = sorted((alert.get("labels") or {}).items())
        fingerprint = hashlib.sha256(repr(labels).encode()).hexdigest()
    return "INC-%s-%03d" % (started_at(alert.get("startsAt"))[:10].replace("-", ""), int(fingerprint[:6], 16))


def annotate(alert: dict, limit_hosts: bool = True) -> dict:
    """The alert with ``ir`` added (and ``meta.hosts`` when limited); raises ValueError on a non-alert."""
    labels = alert.get("labels")
    if not isinstance(labels, dict) or not labels.get("alertname"):
        raise ValueError("event has no labels.alertname: is eda.builtin.event_splitter (splitter_key: payload.alerts) before this filter?")
    host = instance_host(labels.get("instance"))
    target = host or labels.get("chain_id") or "/".join(str(labels[k]) for k in ("job", "module") if labels.get(k)) or "-"
    event = dict(alert)
    event["ir"] = {
        "alert": labels["alertname"],
        "status": alert.get("status", "firing"),
        "host": host,
        "target": target,
        "runbook": labels.get("runbook", ""),
        "severity": labels.get("severity", ""),
        "incident_id": incident_id(alert),
        "started_at": started_at(alert.get("startsAt")),
        "summary": (alert.get("annotations") or {}).get("summary", ""),
    }
    if limit_hosts and host:
        event["meta"] = dict(alert.get("meta") or {}, hosts=[host, "localhost"])
    return event


def main(event: dict[str, Any], limit_hosts: bool = True) -> dict[str, Any]:
    """ansible-rulebook's filter entry point."""
    return annotate(event, limit_hosts)
