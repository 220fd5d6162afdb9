# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-010 (identity scoring) without I/O: what the sidecar's answers, the chain's answers and the model hashes mean.

Sources (virtengine-wave2.md part A): the inference sidecar serves the standard ``grpc.health.v1.Health`` for ``""`` and
``inference.v1.InferenceService`` and an HTTP ``/health`` that always answers ``200 OK``; ``query veid model-version``
errors with "no active model for model type" (codespace veid, code 6025) instead of ``found: false``; the chain compares
``sha256_hash`` as an exact string; several ``veid`` queries answer gRPC ``Unimplemented``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.virtengine.incident_response.plugins.module_utils._model_hash import RECIPES

HEALTH_SERVICES = ("", "inference.v1.InferenceService")
MODEL_TYPES = ("trust_score", "face_verification", "liveness", "gan_detection", "ocr")
NO_ACTIVE_MODEL = "no active model for model type"
UNIMPLEMENTED = "code = Unimplemented"
SIDECAR_HEALTH_BODY = "OK"
# nvidia-smi --query-gpu fields, in this order, --format=csv,noheader,nounits
GPU_FIELDS = ("name", "driver_version", "memory.used", "memory.total", "utilization.gpu", "ecc.errors.uncorrected.volatile.total")


class ScoringInputError(ValueError):
    """Input of the wrong shape; the message names the record and the field."""


def sidecar_state(statuses, error):
    """``serving`` when every health service says SERVING, ``down`` when gRPC did not answer, else ``not_serving``.

    ``statuses`` maps service name -> ServingStatus name (SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN, or None when that
    service's call failed); ``error`` is the connection error, if any.
    """
    if error or not statuses or all(value is None for value in statuses.values()):
        return "down"
    return "serving" if all(value == "SERVING" for value in statuses.values()) else "not_serving"


def http_health_view(status_code, body, error):
    """What the HTTP ``/health`` answer says: ``{"is_sidecar", "note"}``.

    The sidecar answers ``200`` with the body ``OK``; anything else on that port is another server (by default the
    sidecar's ``--metrics-addr :9090`` is the node's Cosmos gRPC port, and the sidecar then only logs the bind error).
    """
    if error:
        if "BadStatusLine" in error or "RemoteDisconnected" in error or "Connection aborted" in error:
            return {"is_sidecar": False, "note": "the port answers, but not as HTTP/1.1: a gRPC server holds it (the node's :9090?)"}
        return {"is_sidecar": False, "note": "HTTP not reachable (the sidecar only logs a failed bind of --metrics-addr)"}
    text = (body or "").strip()
    if status_code == 200 and text == SIDECAR_HEALTH_BODY:
        return {"is_sidecar": True, "note": None}
    return {"is_sidecar": False,
            "note": "HTTP %s with body %r: another server holds this port, not the sidecar (its /health answers 200 OK)" % (status_code, text[:60])}


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def metric_samples(text, prefix=""):
    """``[(name, labels, value)]`` of the Prometheus text exposition format lines whose name starts with ``prefix``.

    Comments and other metrics are skipped; a sample line that does not parse is skipped too (it is another
    exporter's business); label values are unescaped (backslash, double quote, newline).
    """
    samples = []
    for line in (text or "").splitlines():
        if not line.startswith(prefix) or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            continue
        name, raw_labels, raw_value = match.groups()
        labels = {}
        for key, value in _LABEL.findall(raw_labels or ""):
            labels[key] = value.replace("\\\\", "\x00").replace('\\"', '"').replace("\\n", "\n").replace("\x00", "\\")
        try:
            samples.append((name, labels, float(raw_value)))
        except ValueError:
            continue
    return samples


def sidecar_metrics(samples):
    """The sidecar-side ``veid_inference_*`` values from ``[(name, labels, value)]`` samples of a /metrics page.

    Returns ``{"model_info": [{"version", "hash"}], "sidecar_healthy", "feature_dimension", "inference_total_exported"}``.
    The Go code never updates ``sidecar_healthy`` (a constant 0) and exports ``veid_inference_total`` only once it has a
    child, which never happens: they are reported, never judged.
    """
    view = {"model_info": [], "sidecar_healthy": None, "feature_dimension": None, "inference_total_exported": False}
    for name, labels, value in samples:
        if name == "veid_inference_model_info":
            view["model_info"].append({"version": labels.get("version"), "hash": labels.get("hash")})
        elif name == "veid_inference_sidecar_healthy":
            view["sidecar_healthy"] = value
        elif name == "veid_inference_feature_dimension":
            view["feature_dimension"] = value
        elif name == "veid_inference_total":
            view["inference_total_exported"] = True
    return view


def parse_gpu_csv(text):
    """``nvidia-smi --query-gpu=<GPU_FIELDS> --format=csv,noheader,nounits`` -> one dict per GPU.

    Numbers as numbers (MiB, percent, count); ``[N/A]`` and ``[Not Supported]`` as None. ScoringInputError for a line
    with another number of columns.
    """
    gpus = []
    for index, line in enumerate(line for line in (text or "").splitlines() if line.strip()):
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != len(GPU_FIELDS):
            raise ScoringInputError("nvidia-smi line %d has %d columns, expected %d (%s): %r"
                                    % (index + 1, len(cells), len(GPU_FIELDS), ",".join(GPU_FIELDS), line))
        gpu = {"index": index}
        for field, cell in zip(GPU_FIELDS, cells):
            key = field.replace(".", "_")
            if cell.startswith("["):
                gpu[key] = None
            elif field in ("name", "driver_version"):
                gpu[key] = cell
            else:
                try:
                    gpu[key] = float(cell) if "." in cell else int(cell)
                except ValueError:
                    raise ScoringInputError("nvidia-smi line %d: %s=%r is not a number" % (index + 1, field, cell))
        gpus.append(gpu)
    return gpus


def cli_json(text, command):
    """A ``-o json`` answer as a dict; ScoringInputError naming the command otherwise."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ScoringInputError("%s did not answer JSON (was -o json honoured?): %r" % (command, (text or "")[:200]))
    if not isinstance(document, dict):
        raise ScoringInputError("%s answered JSON that is not an object: %r" % (command, (text or "")[:200]))
    return document


def model_version_view(model_type, text, error):
    """``query veid model-version TYPE`` -> ``{"model_type", "active", "model", "finding", "error"}``.

    The chain answers an error instead of ``found: false`` when no model is active: that is a finding, not a failure.
    """
    view = {"model_type": model_type, "active": False, "model": None, "finding": None, "error": None}
    if error:
        if NO_ACTIVE_MODEL in error:
            view["finding"] = "no active %s model on chain" % model_type
        elif UNIMPLEMENTED in error:
            view["error"] = "the node does not implement this query: %s" % error
        else:
            view["error"] = error
        return view
    document = cli_json(text, "query veid model-version %s" % model_type)
    model = document.get("model_info")
    view["active"] = bool(document.get("found")) and isinstance(model, dict)
    view["model"] = model if view["active"] else None
    if not view["active"]:
        view["finding"] = "no active %s model on chain" % model_type
    return view


def verify_model_view(account, text, error):
    """``query veid verify-model ACCOUNT`` -> ``{"account", "reported", "is_synced", "model_versions", "mismatched_models", "error"}``."""
    view = {"account": account, "reported": False, "is_synced": False, "model_versions": {}, "mismatched_models": [],
            "reported_at": None, "error": error}
    if error:
        return view
    document = cli_json(text, "query veid verify-model %s" % account)
    report = document.get("report")
    view["is_synced"] = bool(document.get("is_synced"))
    if isinstance(report, dict):
        view.update(reported=True, model_versions=report.get("model_versions") or {}, mismatched_models=report.get("mismatched_models") or [],
                    reported_at=report.get("reported_at"))
    return view


def backlog_estimate(requested, updated, from_height, to_height):
    """Verification requests not followed by a status update in the window, from transaction counts (an ESTIMATE).

    There is no pending-score query or metric; requests (``MsgRequestVerification``) minus status updates
    (``MsgUpdateVerificationStatus``) in ``[from_height, to_height]`` is a lower bound of what was asked and not answered
    in that window; it ignores requests made before the window and answered inside it (floored at 0).
    """
    for name, value in (("requested", requested), ("updated", updated), ("from_height", from_height), ("to_height", to_height)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ScoringInputError("backlog_estimate: %s=%r must be a non-negative integer" % (name, value))
    return {"estimate": True, "from_height": from_height, "to_height": to_height, "requested": requested, "status_updates": updated,
            "pending_estimate": max(0, requested - updated),
            "label": "ESTIMATE from transaction counts in heights %d-%d (no pending-score query exists)" % (from_height, to_height)}


def _field(record, key, host, what):
    if not isinstance(record, dict):
        raise ScoringInputError("%s for %s is %r, expected a dict" % (what, host, record))
    return record.get(key)


def _majority(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    best = sorted(counts.items(), key=lambda item: -item[1])
    if best and best[0][1] * 2 > len(values):
        return best[0][0]
    return None


def _reference(hashes_by_host, on_chain, recipe):
    """The hash every validator should have, the recipe to compare with, and where the reference comes from."""
    if on_chain:
        # The on-chain value's recipe is a governance convention: the configured recipe first, then the others.
        for candidate in (recipe,) + tuple(r for r in RECIPES if r != recipe):
            matching = [h for h, hashes in hashes_by_host.items() if hashes.get(candidate) == on_chain]
            if matching and len(matching) * 2 > len(hashes_by_host):
                return on_chain, candidate, "on-chain sha256_hash"
        return on_chain, recipe, "on-chain sha256_hash"
    return _majority([hashes.get(recipe) for hashes in hashes_by_host.values()]), recipe, "majority of the validators"


def decide(validators, sidecars, models, chain, recipe="content", model_type="trust_score"):
    """PLAY-010's verdict, said with its reasons.

    - ``validators``: host names checked.
    - ``sidecars``: ``{host: {"state": serving|not_serving|down, "error", ...}}`` (the ``sidecar_health`` module's endpoints).
    - ``models``: ``{host: {"hashes": {recipe: hex}, "metadata": {"model_hash", "version"} or None, "expected_hash",
      "error"}}`` (the ``model_hash`` module per host, plus the sidecar's configured ``--expected-hash``).
    - ``chain``: ``{"models": {type: MLModelInfo or None}, "upgrade_plan": plan or None}`` (the ``veid_query`` module).

    Verdicts, first that applies: ``systemic`` (every sidecar down or not serving, a governance upgrade pending, or every
    validator's model differing from the on-chain hash), ``model_mismatch`` (named validators' model directories differ
    from the reference, or break what their own sidecar checks), ``sidecar_fault`` (some sidecars down), ``healthy``.
    Returns ``{"verdict", "why", "restart_hosts", "replace_hosts", "reference_hash", "reference_source",
    "compare_recipe", "rows"}``; ScoringInputError on input of the wrong shape.
    """
    if recipe not in RECIPES:
        raise ScoringInputError("recipe %r is not one of %s" % (recipe, ", ".join(RECIPES)))
    if not isinstance(validators, (list, tuple)) or not validators:
        raise ScoringInputError("validators must be a non-empty list of host names, got %r" % (validators,))
    for what, mapping in (("sidecars", sidecars), ("models", models), ("chain", chain)):
        if not isinstance(mapping, dict):
            raise ScoringInputError("%s must be a dict, got %r" % (what, type(mapping).__name__))
    why = []
    chain_models = chain.get("models") or {}
    active = chain_models.get(model_type) or {}
    on_chain = active.get("sha256_hash") or None
    hashes_by_host = {}
    rows = []
    replace = []
    for host in validators:
        model = models.get(host) or {"error": "no model hash was read"}
        error = _field(model, "error", host, "models")
        if not error and (model.get("unreachable") or model.get("failed")):
            # A registered task result of a host that could not be reached or whose task failed.
            error = model.get("msg") or "the model hash task did not run"
        hashes = _field(model, "hashes", host, "models") or {}
        if not isinstance(hashes, dict):
            raise ScoringInputError("models[%s].hashes is %r, expected {recipe: hex}" % (host, hashes))
        sidecar = sidecars.get(host) or {"state": "down", "error": "not probed"}
        state = _field(sidecar, "state", host, "sidecars")
        if state not in ("serving", "not_serving", "down"):
            raise ScoringInputError("sidecars[%s].state is %r, expected serving, not_serving or down" % (host, state))
        row = {"host": host, "sidecar": state, "sidecar_error": sidecar.get("error"), "model_error": error,
               "hash": hashes.get(recipe), "matches": [], "problems": []}
        if error:
            row["problems"].append("model directory unreadable: %s" % error)
        else:
            hashes_by_host[host] = hashes
            metadata = model.get("metadata") or {}
            content = hashes.get("content")
            if metadata.get("model_hash") and content and metadata["model_hash"] != content:
                row["problems"].append("export_metadata.json model_hash %s differs from the content hash %s: the sidecar refuses to load it"
                                       % (metadata["model_hash"][:12], content[:12]))
            expected = model.get("expected_hash")
            if expected and content and expected != content:
                row["problems"].append("the sidecar's --expected-hash %s differs from the content hash %s: it refuses to start"
                                       % (expected[:12], content[:12]))
        rows.append(row)
    reference, compare_recipe, source = _reference(hashes_by_host, on_chain, recipe) if hashes_by_host else (on_chain, recipe, "on-chain sha256_hash")
    if on_chain and compare_recipe != recipe:
        why.append("the on-chain %s hash matches the %s recipe, not %s: compared with %s" % (model_type, compare_recipe, recipe, compare_recipe))
    if not on_chain:
        why.append("no active %s model on chain: the validators are compared with each other (%s recipe)" % (model_type, recipe))
    for row in rows:
        hashes = hashes_by_host.get(row["host"])
        if hashes is None:
            continue
        row["matches"] = [r for r in RECIPES if reference and hashes.get(r) == reference]
        if reference is None:
            row["problems"].append("no majority hash among the validators to compare with")
        elif hashes.get(compare_recipe) != reference:
            row["problems"].append("%s hash %s differs from the %s %s%s" % (
                compare_recipe, (hashes.get(compare_recipe) or "?")[:12], source, reference[:12],
                (" (matches it by the %s recipe)" % ", ".join(row["matches"])) if row["matches"] else ""))
    for row in rows:
        if row["problems"]:
            replace.append(row["host"])
            why.append("%s: %s" % (row["host"], "; ".join(row["problems"])))
    down = [row["host"] for row in rows if row["sidecar"] != "serving"]
    plan = chain.get("upgrade_plan")
    every_differs_from_chain = bool(on_chain) and bool(hashes_by_host) and all(
        hashes_by_host[h].get(compare_recipe) != on_chain for h in hashes_by_host) and len(hashes_by_host) == len(validators)
    if plan:
        why.insert(0, "governance upgrade %r pending at height %s: coordinate the model change with it" % (plan.get("name"), plan.get("height")))
    if len(down) == len(validators):
        why.insert(0, "no sidecar is serving (%s)" % ", ".join(down))
    elif down:
        why.append("sidecar not serving on %s" % ", ".join(
            "%s (%s%s)" % (row["host"], row["sidecar"], (": " + row["sidecar_error"]) if row["sidecar_error"] else "") for row in rows if row["host"] in down))
    if every_differs_from_chain:
        why.insert(0, "every validator's %s model differs from the on-chain hash %s: a model update is due fleet-wide" % (model_type, on_chain[:12]))
    if plan or len(down) == len(validators) or every_differs_from_chain:
        verdict = "systemic"
    elif replace:
        verdict = "model_mismatch"
    elif down:
        verdict = "sidecar_fault"
    else:
        verdict = "healthy"
        why.append("every sidecar serving; every model directory matches the %s %s" % (source, (reference or "?")[:12]))
    return {"verdict": verdict, "why": why, "restart_hosts": [h for h in down if h not in replace] if verdict != "systemic" else [],
            # Systemic because every model differs from the chain: the fix is still a (governance-approved) model per validator.
            "replace_hosts": replace if verdict == "model_mismatch" or (every_differs_from_chain and not plan) else [],
            "reference_hash": reference, "reference_source": source,
            "compare_recipe": compare_recipe, "on_chain_hash": on_chain, "rows": rows}


def replacement_problems(on_chain_hash, model_url, archive_sha256, expected_hash, allow_offchain=False):
    """Why a model replacement must be refused before anything is fetched (empty list: it may go ahead).

    ``expected_hash`` is the directory hash the new model must have (empty: the on-chain ``sha256_hash``). The chain
    compares hashes as exact strings, so only 64 lowercase hex digits pass; a hash other than the on-chain one is
    refused unless ``allow_offchain`` (governance is changing the model).
    """
    problems = []
    hex64 = re.compile(r"^[0-9a-f]{64}$")
    expected = expected_hash or on_chain_hash or ""
    if not model_url:
        problems.append("no model archive: set play010_model_url (https://, file:// or a path on the validator)")
    if not hex64.match(archive_sha256 or ""):
        problems.append("play010_model_sha256=%r is not the archive's SHA-256 (64 lowercase hex digits)" % (archive_sha256,))
    if not hex64.match(expected):
        problems.append("no directory hash to verify the model against: the chain has no active model and "
                        "play010_model_expected_hash=%r is not 64 lowercase hex digits (no 'sha256:' prefix)" % (expected_hash,))
    elif expected != on_chain_hash and not allow_offchain:
        problems.append("the expected hash %s is not the on-chain sha256_hash %s: the chain would not accept this model "
                        "(set play010_allow_offchain_hash=true only while governance is changing the model)" % (expected, on_chain_hash or "(none)"))
    return problems
