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
import ipaddress
import logging
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

DOCUMENTATION = r"""
---
short_description: Add C(ir) (alert, status, host, inventory host, scope, target, incident id) to one Alertmanager alert
description:
  - C(ir.alert) is the alert name, C(ir.status) C(firing) or C(resolved).
  - C(ir.host) is the host of the C(instance) label, whatever shape Prometheus gave it - C(host:port)
    (C(10.0.0.5:26660) -> C(10.0.0.5)), C([v6]:port) or a bare IPv6 address (C([fd00::5]:26660) -> C(fd00::5)), the URL
    of a blackbox probe (C(http://provider1.example.net:8080/health) -> C(provider1.example.net), also https, tcp, grpc,
    with user info or an IPv6 literal), or a relabelled name (C(validator-1)); C("") when the alert has no instance.
    IP addresses are written in their canonical form, a DNS name's final dot is dropped.
  - C(ir.inventory_host) is the inventory host the run is limited to, C(ir.scope) C(host) or C(fleet) and
    C(ir.scope_reason) says why. With O(targets) or O(inventory_hosts), the host must match one of them, else the run
    is fleet-wide (the ruleset's hosts) and the reason names the instance that matched nothing. Without either, the
    host is taken as the inventory name unchecked (inventories that name hosts as Prometheus does).
  - C(ir.target) groups throttling: the inventory host, else the host, else the C(chain_id), else C(job)/C(module), else C(-).
  - C(ir.incident_id) names the incident the alert opens, C(INC-<startsAt date>-<number from the fingerprint>):
    the same alert (firing, repeated, resolved) always maps to the same incident.
  - C(ir.started_at) is C(startsAt) in UTC (C(YYYY-MM-DDTHH:MM:SSZ)).
  - With I(limit_hosts) and an inventory host, C(meta.hosts) becomes C([inventory host, localhost]): ansible-rulebook
    limits the playbook or job to that node and the controller (the runbooks read the chain from localhost).
  - ansible-rulebook 1.3.2 does not template filter arguments: write O(targets) and O(inventory_hosts) literally in the
    rulebook (a C({{ ... }}) value is refused with an error).
options:
  limit_hosts:
    description: Limit the action to the alert's inventory host (and localhost).
    type: bool
    default: true
  targets:
    description:
      - Map of an C(instance) label value, or of the host it resolves to, to the inventory host (or list of hosts) it
        belongs to, e.g. C({"http://10.0.4.7:8080/health": provider1, "10.0.1.5": validator1, "validator-1": validator1}).
      - Names and IP addresses match whatever their case or IPv6 spelling.
    type: dict
  inventory_hosts:
    description: Inventory host names that Prometheus uses as they are (the host of the instance is the inventory name).
    type: list
    elements: str
"""

EXAMPLES = r"""
filters:
  - eda.builtin.event_splitter:
      splitter_key: payload.alerts
  - virtengine.incident_response.alertmanager_alert:
      limit_hosts: true
      # optional: without a match the run is fleet-wide and says why
      targets:
        "http://203.0.113.7:8080/health": provider1
        10.0.1.5: validator1
      inventory_hosts: [validator2, validator3]
"""

LOGGER = logging.getLogger("virtengine.incident_response.alertmanager_alert")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BRACKETED = re.compile(r"^\[(?P<host>[^\]]*)\](?::(?P<port>[^:]*))?$")
_HOST_PORT = re.compile(r"^(?P<host>[^:]*):(?P<port>\d*)$")


def _canonical(host: str) -> str:
    """An IP address in its canonical form (IPv6 compressed, lower case), a DNS name without its final dot."""
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host[:-1] if host.endswith(".") else host


def instance_host(instance: Any) -> str:
    """The host of a Prometheus ``instance`` label, '' for none.

    ``host[:port]``, ``[ipv6][:port]``, a bare IPv6 address (with or without a zone), a URL with any scheme
    (``http://user@[2001:db8::3]:8080/health`` -> ``2001:db8::3``) or a target without scheme but with a path
    (``provider1.example.net:8080/health``), or a relabelled name (returned as it is).
    """
    text = str(instance or "").strip()
    if _SCHEME.match(text):
        text = text.split("://", 1)[1]
    # The authority ends at the path, query or fragment; user info ends at the last '@' (RFC 3986 section 3.2).
    text = re.split(r"[/?#]", text, maxsplit=1)[0].rsplit("@", 1)[-1]
    bracketed = _BRACKETED.match(text)
    if bracketed:
        return _canonical(unquote(bracketed.group("host")))
    host_port = _HOST_PORT.match(text)
    return _canonical(host_port.group("host") if host_port else text)


def _key(name: str) -> str:
    return _canonical(str(name).strip()).lower()


def _checked_options(targets: Any, inventory_hosts: Any) -> tuple[dict, list]:
    """The filter's map and list, validated: ansible-rulebook hands them over exactly as the rulebook wrote them."""
    if targets is None:
        targets = {}
    if inventory_hosts is None:
        inventory_hosts = []
    if not isinstance(targets, dict) or not all(isinstance(v, (str, list)) for v in targets.values()):
        raise ValueError("alertmanager_alert: targets must map an instance or host to an inventory host (or a list of them), got %r"
                         % (targets,))
    if not isinstance(inventory_hosts, list) or not all(isinstance(h, str) for h in inventory_hosts):
        raise ValueError("alertmanager_alert: inventory_hosts must be a list of inventory host names, got %r" % (inventory_hosts,))
    values = [str(k) for k in targets] + [h for v in targets.values() for h in (v if isinstance(v, list) else [v])] + inventory_hosts
    templated = [v for v in values if "{{" in v or "{%" in v]
    if templated:
        raise ValueError("alertmanager_alert: %r is a template, and ansible-rulebook does not template filter arguments: "
                         "write the targets map and inventory_hosts literally in the rulebook (docs/eda.md)" % templated[0])
    return targets, inventory_hosts


def resolve_scope(instance: Any, targets: Any = None, inventory_hosts: Any = None) -> dict:
    """``{host, inventory_hosts, scope, reason}`` for one alert's ``instance`` label.

    ``targets``: {instance label or host: inventory host or [hosts]}; ``inventory_hosts``: names Prometheus uses as they
    are. Without either, the host is taken as the inventory name unchecked. Raises ValueError on a malformed map.
    """
    targets, inventory_hosts = _checked_options(targets, inventory_hosts)
    label = str(instance or "").strip()
    host = instance_host(label)
    if not host:
        reason = ("instance %s names no host" % label) if label else "the alert has no instance label"
        return {"host": "", "inventory_hosts": [], "scope": "fleet", "reason": reason + ": the run covers the whole fleet"}
    if not targets and not inventory_hosts:
        return {"host": host, "inventory_hosts": [host], "scope": "host",
                "reason": "limited to %s, the host of instance %s (not checked against the inventory: the filter has no targets "
                          "or inventory_hosts)" % (host, label)}
    by_key = dict((_key(k), v) for k, v in targets.items())
    mapped = targets.get(label) or by_key.get(_key(label)) or by_key.get(_key(host))
    if mapped:
        names = mapped if isinstance(mapped, list) else [mapped]
        return {"host": host, "inventory_hosts": names, "scope": "host",
                "reason": "limited to %s: instance %s maps to it in the filter's targets" % (", ".join(names), label)}
    known = dict((_key(h), h) for h in inventory_hosts)
    if _key(host) in known:
        return {"host": host, "inventory_hosts": [known[_key(host)]], "scope": "host",
                "reason": "limited to %s, the inventory host named by instance %s" % (known[_key(host)], label)}
    return {"host": host, "inventory_hosts": [], "scope": "fleet",
            "reason": "instance %s (host %s) matches no inventory host in the filter's targets or inventory_hosts: the run covers "
                      "the whole fleet; add it to targets (docs/eda.md)" % (label, host)}


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


def annotate(alert: dict, limit_hosts: bool = True, targets: Any = None, inventory_hosts: Any = None) -> dict:
    """The alert with ``ir`` added (and ``meta.hosts`` when limited); raises ValueError on a non-alert or a bad map."""
    labels = alert.get("labels")
    if not isinstance(labels, dict) or not labels.get("alertname"):
        raise ValueError("event has no labels.alertname: is eda.builtin.event_splitter (splitter_key: payload.alerts) before this filter?")
    scope = resolve_scope(labels.get("instance"), targets, inventory_hosts)
    if not limit_hosts and scope["scope"] == "host":
        scope.update(inventory_hosts=[], scope="fleet", reason="limit_hosts is false: the run covers the whole fleet")
    if scope["scope"] == "fleet" and scope["host"]:
        LOGGER.warning("%s: %s", labels["alertname"], scope["reason"])
    inventory_host = ",".join(scope["inventory_hosts"])
    host = scope["host"]
    target = inventory_host or host or labels.get("chain_id") or "/".join(str(labels[k]) for k in ("job", "module") if labels.get(k)) or "-"
    event = dict(alert)
    event["ir"] = {
        "alert": labels["alertname"],
        "status": alert.get("status", "firing"),
        "host": host,
        "inventory_host": inventory_host,
        "scope": scope["scope"],
        "scope_reason": scope["reason"],
        "target": target,
        "runbook": labels.get("runbook", ""),
        "severity": labels.get("severity", ""),
        "incident_id": incident_id(alert),
        "started_at": started_at(alert.get("startsAt")),
        "summary": (alert.get("annotations") or {}).get("summary", ""),
    }
    if scope["scope"] == "host":
        event["meta"] = dict(alert.get("meta") or {}, hosts=scope["inventory_hosts"] + ["localhost"])
    return event


def main(event: dict[str, Any], limit_hosts: bool = True, targets: Any = None, inventory_hosts: Any = None) -> dict[str, Any]:
    """ansible-rulebook's filter entry point (the rulebook's filter arguments as keywords)."""
    return annotate(event, limit_hosts, targets, inventory_hosts)
