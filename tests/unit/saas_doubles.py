# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLES of the SaaS APIs the incident process talks to: Slack Web API, PagerDuty Events API v2,
Atlassian Statuspage REST API v1 and Jira REST API v2. They are doubles, not the services.

One local HTTP server (127.0.0.1, a free port) answers the documented requests with the documented shapes:

- Slack ``POST /api/conversations.create`` ({name, is_private}) and ``POST /api/chat.postMessage`` ({channel, text})
  with ``Authorization: Bearer <token>``: HTTP 200 ``{"ok": true, "channel": {...}}`` / ``{"ok": true, "channel",
  "ts", "message"}``; errors are HTTP 200 ``{"ok": false, "error": "invalid_auth" | "name_taken" |
  "invalid_name_specials" | "channel_not_found"}``; rate limiting is HTTP 429 with ``Retry-After`` and
  ``{"ok": false, "error": "ratelimited"}``.
- PagerDuty ``POST /v2/enqueue`` ({routing_key, event_action, dedup_key, payload{summary, source, severity}}):
  HTTP 202 ``{"status": "success", "message": "Event processed", "dedup_key"}``; HTTP 400 ``{"status": "invalid event",
  "message": "Event object is invalid", "errors": [...]}``; HTTP 429.
- Statuspage ``POST /v1/pages/{page_id}/incidents`` and ``PATCH .../incidents/{incident_id}`` ({"incident": {...}})
  with ``Authorization: OAuth <key>``: HTTP 201 / 200 with the incident object (id, name, status, impact, shortlink,
  page_id, components, incident_updates); HTTP 401 ``{"error": "Could not authenticate"}``; 404 for an unknown incident.
- Jira ``POST /rest/api/2/issue`` ({"fields": {project{key}, summary, issuetype{name}, ...}}) with ``Authorization:
  Bearer <token>``: HTTP 201 ``{"id", "key", "self"}``; HTTP 400 ``{"errorMessages": [], "errors": {field: text}}``;
  HTTP 401.

Every request is recorded (method, path, headers, parsed JSON body) so that tests assert exactly what was sent.
``fail_next(path_suffix, status, body, headers, times)`` scripts failures such as rate limiting.
"""

import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLACK_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")
PD_ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")


class SaasDoubles(object):
    def __init__(self, slack_token="xoxb-test-double-token", pagerduty_key="R0UT1NGKEY0000000000000000000000",
                 statuspage_key="sp-double-api-key", jira_token="jira-double-token"):
        self.slack_token, self.pagerduty_key, self.statuspage_key, self.jira_token = slack_token, pagerduty_key, statuspage_key, jira_token
        self.requests = []
        self.channels = {}
        self.incidents = {}
        self.issues = []
        self._script = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, path_suffix, status, body, headers=None, times=1):
        """The next ``times`` requests whose path ends with ``path_suffix`` get this answer instead."""
        with self._lock:
            self._script.append({"path": path_suffix, "status": status, "body": body, "headers": headers or {}, "times": times})

    def calls(self, path_suffix):
        return [r for r in self.requests if r["path"].endswith(path_suffix)]

    def _scripted(self, path):
        with self._lock:
            for entry in self._script:
                if path.endswith(entry["path"]) and entry["times"] > 0:
                    entry["times"] -= 1
                    return entry
        return None

    # --- the services -------------------------------------------------------------------------------
    def slack(self, method, headers, body):
        if headers.get("Authorization") != "Bearer %s" % self.slack_token:
            return 200, {"ok": False, "error": "invalid_auth"}
        if method == "conversations.create":
            name = body.get("name", "")
            if not SLACK_NAME.match(name):
                return 200, {"ok": False, "error": "invalid_name_specials"}
            if name in self.channels:
                return 200, {"ok": False, "error": "name_taken"}
            channel = {"id": "C%09d" % next(self._ids), "name": name, "name_normalized": name, "is_channel": True, "is_group": False,
                       "is_im": False, "is_member": True, "is_archived": False, "is_private": bool(body.get("is_private")),
                       "created": int(time.time()), "creator": "U0DOUBLE"}
            self.channels[name] = channel
            return 200, {"ok": True, "channel": channel}
        if method == "chat.postMessage":
            target = body.get("channel", "")
            known = [c["id"] for c in self.channels.values()] + ["#" + n for n in self.channels] + ["#incident-response"]
            if target not in known:
                return 200, {"ok": False, "error": "channel_not_found"}
            if not body.get("text"):
                return 200, {"ok": False, "error": "no_text"}
            ts = "%.6f" % time.time()
            return 200, {"ok": True, "channel": target, "ts": ts, "message": {"type": "message", "text": body["text"], "ts": ts}}
        return 404, {"ok": False, "error": "unknown_method"}

    def pagerduty(self, body):
        errors = []
        if body.get("event_action") not in PD_ACTIONS:
            errors.append("'event_action' is missing or blank")
        if body.get("event_action") == "trigger":
            payload = body.get("payload") or {}
            for field in ("summary", "source"):
                if not payload.get(field):
                    errors.append("'payload.%s' is missing or blank" % field)
            if payload.get("severity") not in PD_SEVERITIES:
                errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
        elif not body.get("dedup_key"):
            errors.append("'dedup_key' is missing or blank")
        if body.get("routing_key") != self.pagerduty_key:
            errors.append("Invalid routing key")
        if errors:
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 202, {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key") or "generated-%d" % next(self._ids)}

    def statuspage(self, method, path, headers, body):
        if headers.get("Authorization") != "OAuth %s" % self.statuspage_key:
            return 401, {"error": "Could not authenticate"}
        match = re.match(r"^/v1/pages/([^/]+)/incidents(?:/([^/]+))?$", path)
        if not match:
            return 404, {"error": "Not found"}
        page_id, incident_id = match.groups()
        fields = body.get("incident")
        if not isinstance(fields, dict):
            return 400, {"error": "incident is missing"}
        if method == "POST" and not incident_id:
            if not fields.get("name"):
                return 422, {"error": "Name can't be blank"}
            incident_id = "inc%08d" % next(self._ids)
            incident = {"id": incident_id, "page_id": page_id, "name": fields["name"], "status": fields.get("status", "investigating"),
                        "impact": fields.get("impact_override", "none"), "shortlink": "https://stspg.io/%s" % incident_id,
                        "components": [], "incident_updates": [], "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            self.incidents[incident_id] = incident
            status = 201
        elif method == "PATCH" and incident_id in self.incidents:
            incident = self.incidents[incident_id]
            incident.update((k, fields[k]) for k in ("name", "status") if k in fields)
            if fields.get("status") == "resolved":
                incident["resolved_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            status = 200
        else:
            return 404, {"error": "Incident not found"}
        incident["components"] = [{"id": cid, "status": state} for cid, state in sorted((fields.get("components") or {}).items())]
        incident["incident_updates"].append({"id": "upd%d" % next(self._ids), "status": incident["status"], "body": fields.get("body", "")})
        return status, incident

    def jira(self, headers, body):
        if headers.get("Authorization") != "Bearer %s" % self.jira_token:
            return 401, {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}}
        fields = body.get("fields") or {}
        errors = {}
        if not (fields.get("project") or {}).get("key"):
            errors["project"] = "project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "issue type is required"
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        number = len(self.issues) + 1
        key = "%s-%d" % (fields["project"]["key"], number)
        self.issues.append({"key": key, "fields": fields})
        return 201, {"id": str(10000 + number), "key": key, "self": "%s/rest/api/2/issue/%d" % (self.url, 10000 + number)}

    def route(self, method, path, headers, body):
        if path.startswith("/api/") and method == "POST":
            return self.slack(path[len("/api/"):], headers, body)
        if path == "/v2/enqueue" and method == "POST":
            return self.pagerduty(body)
        if path.startswith("/v1/pages/"):
            return self.statuspage(method, path, headers, body)
        if path.rstrip("/") == "/rest/api/2/issue" and method == "POST":
            return self.jira(headers, body)
        return 404, {"error": "no such endpoint in the double: %s %s" % (method, path)}

    def _handler(self):
        doubles = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
                headers = dict(self.headers.items())
                doubles.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body, "at": time.time()})
                scripted = doubles._scripted(self.path)
                if scripted:
                    status, answer, extra = scripted["status"], scripted["body"], scripted["headers"]
                else:
                    (status, answer), extra = doubles.route(self.command, self.path, headers, body), {}
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PATCH = do_GET = _serve

            def log_message(self, *args):
                pass

        return Handler
