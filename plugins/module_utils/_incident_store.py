# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Incidents on the controller: one directory per incident (state.json, timeline.jsonl, reports/, outbox.jsonl).

Every write takes an ``fcntl.flock`` so that two runs declaring, updating or appending at once never
share an id or interleave a line. Used by the incident modules and by the scribe callback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fcntl
import json
import os
import re
import tempfile
from contextlib import contextmanager

ID_PATTERN = re.compile(r"^INC-(\d{8})-(\d{3,})$")
STATE_FILE = "state.json"
TIMELINE_FILE = "timeline.jsonl"
OUTBOX_FILE = "outbox.jsonl"
# Keys whose values are never written (tokens, keys, passwords), at any depth.
SECRET_KEY = re.compile(r"(token|secret|password|passwd|api_key|apikey|routing_key|authorization|private_key|priv_key)", re.I)
# Values that look like credentials, wherever they appear in text.
SECRET_VALUE = re.compile(r"(xox[abposr]-[A-Za-z0-9-]+|(?:Bearer|OAuth|Basic)\s+[A-Za-z0-9._~+/=-]{6,})")
REDACTED = "********"


class IncidentError(Exception):
    """A clear, operator-facing problem with the incident store."""


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def redact(value, secrets=()):
    """A copy of ``value`` without secret-named keys, credential-looking strings or the given secret strings."""
    if isinstance(value, dict):
        return dict((k, REDACTED if SECRET_KEY.search(str(k)) else redact(v, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret and len(secret) >= 4:
                value = value.replace(secret, REDACTED)
        return SECRET_VALUE.sub(REDACTED, value)
    return value


@contextmanager
def locked(path):
    """Hold an exclusive lock on ``path`` (created if missing) for the block."""
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_json(path, document):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".state-")
    with os.fdopen(handle, "w") as out:
        json.dump(document, out, indent=2, sort_keys=True)
        out.write("\n")
    os.chmod(temporary, 0o640)
    os.replace(temporary, path)


def incident_dir(root, incident_id):
    if not ID_PATTERN.match(str(incident_id)):
        raise IncidentError("incident id %r is not INC-YYYYMMDD-NNN (e.g. INC-20260127-001)" % (incident_id,))
    return os.path.join(root, incident_id)


def declare(root, fields, now=None, incident_id=None):
    """Create the incident's directory and state; the next free INC-<today>-NNN unless ``incident_id`` is given."""
    now = now or utc_now()
    try:
        os.makedirs(root, mode=0o750, exist_ok=True)
    except OSError as exc:
        raise IncidentError("cannot create the incident directory %s: %s (set ir_incident_root to a writable directory)" % (root, exc))
    with locked(os.path.join(root, ".lock")):
        if incident_id:
            directory = incident_dir(root, incident_id)
            if os.path.exists(os.path.join(directory, STATE_FILE)):
                return load(root, incident_id), False
        else:
            day = now.strftime("%Y%m%d")
            numbers = [int(m.group(2)) for m in (ID_PATTERN.match(n) for n in os.listdir(root)) if m and m.group(1) == day]
            incident_id = "INC-%s-%03d" % (day, max(numbers + [0]) + 1)
            directory = incident_dir(root, incident_id)
        os.makedirs(os.path.join(directory, "reports"), mode=0o750, exist_ok=True)
        state = dict(fields)
        state.update(id=incident_id, dir=directory, declared_at=stamp(now), status=fields.get("status") or "Investigating",
                     last_update_at=stamp(now), comms=[])
        state.setdefault("started_at", stamp(now))
        _write_json(os.path.join(directory, STATE_FILE), redact(state))
    append_timeline(directory, {"kind": "incident", "event": "declared", "at": stamp(now),
                                "text": "%s declared: %s (%s), IC %s" % (incident_id, state.get("title", ""), state.get("severity", ""),
                                                                         (state.get("roles") or {}).get("incident_commander", "-"))})
    return state, True


def load(root, incident_id):
    path = os.path.join(incident_dir(root, incident_id), STATE_FILE)
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError):
        raise IncidentError("incident %s not found in %s: check ir_incident_id and ir_incident_root" % (incident_id, root))


def update(root, incident_id, changes, comms=(), now=None):
    """Merge ``changes`` into the state and append ``comms`` records, under the incident's lock."""
    directory = incident_dir(root, incident_id)
    with locked(os.path.join(directory, ".lock")):
        state = load(root, incident_id)
        state.update(changes)
        state["comms"] = state.get("comms", []) + list(comms)
        _write_json(os.path.join(directory, STATE_FILE), redact(state))
    return state


def append_timeline(directory, entry):
    """Append one JSON line (redacted) to the incident's timeline; safe with concurrent writers."""
    line = json.dumps(redact(entry), sort_keys=True) + "\n"
    path = os.path.join(directory, TIMELINE_FILE)
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_timeline(directory):
    path = os.path.join(directory, TIMELINE_FILE)
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def append_outbox(path, request):
    """Dry run: what would have been sent, one JSON line per request (there is no token to leak)."""
    if not path:
        return
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            handle.write(json.dumps(redact(request), sort_keys=True) + "\n")
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
