# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks the ``assess`` action decides: each one's options, decision over the fleet view, and what it shows.

Pure (no Ansible, no I/O): ``assess(runbook, readings, host_vars, validators, options)`` returns the decision and the
lines to print. The action plugin only reads the inventory and prints; the unit tests call this directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._causes import veto_text
from ansible_collections.virtengine.incident_response.plugins.module_utils._fleet import FleetError, diagnose, fleet_view, host_record
from ansible_collections.virtengine.incident_response.plugins.module_utils._partition import play002
from ansible_collections.virtengine.incident_response.plugins.module_utils._play001 import decide as play001
from ansible_collections.virtengine.incident_response.plugins.module_utils._tables import text_table

DIAGNOSE_COLUMNS = ["node", "height", "behind", "block_age_s", "advancing", "catching_up", "peers", "island", "power", "vote", "process", "disk_free",
                    "error"]
PLAY001_COLUMNS = ["host", "ssh", "process", "rpc", "height", "hash", "vote", "power", "signatures", "app_hash", "binary", "version", "upgrade_binary",
                   "disk_free", "restarts"]
PLAY002_COLUMNS = ["host", "island", "rpc", "height", "hash", "peers", "power", "faults", "unreachable"]


def _show_diagnose(decision):
    lines = ["DIAGNOSIS %s" % decision["verdict"].upper()]
    lines += ["- %s" % finding for finding in decision["findings"]]
    return lines + [""] + text_table(decision["nodes"], DIAGNOSE_COLUMNS).split("\n")


def _show_plans(decision):
    """The plans each going through the gate, and the remedies the evidence rules out (every runbook's decision)."""
    lines = []
    if decision["plans"]:
        lines += ["", "Plans (each goes through the gate):"]
        for kept in decision["plans"]:
            lines.append("- %s on %s%s" % (kept["action"], ", ".join(kept["hosts"]), "".join(
                " %s=%s" % item for item in sorted(kept["parameters"].items()))))
            lines += ["    %d. %s" % (index, step) for index, step in enumerate(kept["lines"], start=1)]
    if decision["vetoed"]:
        lines += ["", "Vetoed (the evidence rules these out):"]
        lines += ["- %s" % veto_text(veto) for veto in decision["vetoed"]]
    return lines


def _show_play001(decision):
    lines = ["SCENARIO %s%s%s%s" % (decision["scenario"], " (forced)" if decision["forced"] else "",
                                    (" -> %s" % decision["remedy"]) if decision["remedy"] else "",
                                    " (VETOED: see below)" if decision["blocked"] else "")]
    lines += ["- %s" % reason for reason in decision["why"]]
    lines += [""] + text_table(decision["validators"], PLAY001_COLUMNS).split("\n")
    if decision["evidence"]:
        lines += ["", "Evidence (newest matching line per host and signature):"]
        lines += text_table(decision["evidence"], ["host", "signature", "count", "line"]).split("\n")
    if decision["app_hashes"]:
        lines += ["", "App hashes:"]
        lines += text_table(decision["app_hashes"], ["app_hash", "hosts", "inferred", "power", "fraction", "canonical"]).split("\n")
    lines += _show_plans(decision)
    upgrade = decision["upgrade"]
    if upgrade:
        readiness = upgrade["readiness"]
        lines += ["", "Upgrade %s at height %s (%s):" % (upgrade["name"], upgrade["height"], upgrade["info"] or "no info"),
                  "ready %s (%s power), not ready %s (%s power)" % (
                      ", ".join(readiness["ready"]) or "none", readiness["ready_power"],
                      ", ".join(readiness["not_ready"]) or "none", readiness["not_ready_power"])]
    return lines


def _show_play002(decision):
    lines = ["VERDICT %s" % decision["verdict"].upper()]
    lines += ["- %s" % reason for reason in decision["why"]]
    lines += [""] + text_table(decision["nodes"], PLAY002_COLUMNS).split("\n")
    for island in decision["islands"]:
        lines.append("%s [%s]: %s; power %s/%s, height %s, hash %s" % (
            island["id"], island["state"], ", ".join(island["members"]), island["voting_power"], decision["total_power"],
            island["max_height"], (island.get("top_hash") or "")[:12]))
    for fault in decision["config_faults"]:
        lines.append("config %s on %s: %s: %s" % (fault["severity"], fault["node"], fault["fault"], fault["detail"]))
    for pair in decision["blocked"]:
        lines.append("%s -> %s %s: %s%s" % (pair["from"], pair["to"], pair["address"], pair["error"],
                                            ("; route " + " > ".join(pair["route"])) if pair.get("route") else ""))
    return lines + _show_plans(decision)


# runbook -> (decision over the view, {option: (type, default)}, lines shown, table columns)
RUNBOOKS = {
    "diagnose": (lambda view, options: diagnose(view), {}, _show_diagnose, DIAGNOSE_COLUMNS),
    "play001": (lambda view, options: play001(view, options["scenario"], options["restart_scope"], options["upgrade_plan"],
                                              options["upgrade_sha256"], options["verify_blocks"], options["resync_method"],
                                              options["upgrade_binary_source"], options["upgrade_switch_mode"]),
                {"scenario": (str, ""), "restart_scope": (str, "affected"), "upgrade_plan": (dict, {}), "upgrade_sha256": (str, ""),
                 "verify_blocks": (int, 3), "resync_method": (str, "blocksync"), "upgrade_binary_source": (str, ""),
                 "upgrade_switch_mode": (str, "cosmovisor")},
                _show_play001, PLAY001_COLUMNS),
    "play002": (lambda view, options: play002(view, options["resync_stranded"], options["resync_hosts"]),
                {"resync_stranded": (bool, False), "resync_hosts": (list, [])}, _show_play002, PLAY002_COLUMNS),
}


def runbook_options(runbook, options):
    """``options`` checked against the runbook's and completed with its defaults; FleetError names a bad key or value."""
    if runbook not in RUNBOOKS:
        raise FleetError("runbook=%r: use one of %s" % (runbook, ", ".join(sorted(RUNBOOKS))))
    known = RUNBOOKS[runbook][1]
    unknown = sorted(set(options or {}) - set(known))
    if unknown:
        raise FleetError("options %s are not %s's (it takes %s)" % (", ".join(unknown), runbook, ", ".join(sorted(known)) or "none"))
    checked = {}
    for name, (kind, default) in known.items():
        value = (options or {}).get(name)
        value = default if value is None else value
        if not isinstance(value, kind):
            raise FleetError("options.%s=%r: expected a %s" % (name, value, kind.__name__))
        checked[name] = value
    return checked


def assess(runbook, readings, host_vars, validators=None, options=None):
    """Decide ``runbook`` over the fleet view of ``readings`` (fleet_probe_readings) and ``host_vars`` (``{host:
    hostvars[host]}``); ``validators`` names the validator hosts (PLAY-001). Returns ``(decision, lines, columns)``
    (``columns``: the main table's, for the report); raises
    FleetError (the decision modules' DecisionError is the same class) naming bad input."""
    checked = runbook_options(runbook, options)
    decide, _known, show, columns = RUNBOOKS[runbook]
    hosts = dict((name, host_record(values)) for name, values in host_vars.items())
    decision = decide(fleet_view(readings, hosts, validators), checked)
    return decision, show(decision), columns
