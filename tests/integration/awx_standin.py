# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""STAND-IN for the AWX / Automation Controller REST API (api/v2), for the awx_configure.yml and EDA controller tests.
It is a double, not AWX (AWX runs only on Kubernetes). It follows the API's JSON for what the awx.awx modules and
ansible-rulebook use:

- ``GET /api/v2/ping/``, ``/api/v2/me/``, ``/api/v2/config/`` (``version``); every answer carries the
  ``X-API-Product-Name: AWX`` and ``X-API-Product-Version`` headers the collection checks.
- Collections ``organizations``, ``inventories``, ``projects``, ``credentials``, ``job_templates``,
  ``workflow_job_templates``, ``workflow_job_template_nodes``, ``workflow_approval_templates``, ``labels``: list views
  ``{count, next, previous, results}`` filtered by query fields (``name``, ``identifier``, ``workflow_job_template``,
  ``type``, ``organization``; ``or__id`` / ``or__name`` as the modules send them), ``POST`` creates (201), ``GET`` /
  ``PATCH`` / ``DELETE`` ``<collection>/<id>/``. Objects carry ``id``, ``type``, ``url``, ``related`` and
  ``summary_fields.organization``.
- ``unified_job_templates``: the job templates, workflows and approval templates together, by ``type``.
- ``<template>/survey_spec/`` (``{}`` when none), association lists ``credentials/``, ``success_nodes/``,
  ``failure_nodes/``, ``always_nodes/`` (``POST {"id": N}`` associates, ``{"id": N, "disassociate": true}`` removes),
  ``workflow_job_template_nodes/<id>/create_approval_template/``; an approval template keeps only ``name``,
  ``description`` and ``timeout`` of what it is sent (AWX's serializer ignores other fields).
- ``POST job_templates/<id>/launch/`` records the launch and creates a ``jobs/<id>/`` that is ``successful``;
  ``POST workflow_job_templates/<id>/launch/`` creates a ``workflow_jobs/<id>/`` that stays ``running``, as a workflow
  waiting at its approval node does.

Every write and launch is appended to ``requests`` (method, path, body) for the tests to inspect.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

COLLECTIONS = ("organizations", "inventories", "projects", "credentials", "job_templates", "workflow_job_templates",
               "workflow_job_template_nodes", "workflow_approval_templates", "labels", "jobs", "workflow_jobs")
TYPES = {"organizations": "organization", "inventories": "inventory", "projects": "project", "credentials": "credential",
         "job_templates": "job_template", "workflow_job_templates": "workflow_job_template",
         "workflow_job_template_nodes": "workflow_job_template_node", "workflow_approval_templates": "workflow_approval_template",
         "labels": "label", "jobs": "job", "workflow_jobs": "workflow_job"}
ASSOCIATIONS = ("credentials", "success_nodes", "failure_nodes", "always_nodes", "labels", "instance_groups",
                "notification_templates_started", "notification_templates_success", "notification_templates_error")
VERSION = "24.6.1"
# Collections whose serializer accepts only these fields (AWX ignores any other field of a POST or PATCH, as Django
# REST framework does): an approval template has no identifier, node or workflow of its own.
WRITABLE = {"workflow_approval_templates": ("name", "description", "timeout")}


class AwxStandin:
    def __init__(self):
        self.objects = dict((c, {}) for c in COLLECTIONS)
        self.surveys = {}
        self.links = {}
        self.requests = []
        self.next_id = 1
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ store

    def add(self, collection, fields):
        """Create an object as AWX would (also used to seed organizations, inventories, projects, credentials)."""
        with self.lock:
            identifier, self.next_id = self.next_id, self.next_id + 1
        url = "/api/v2/%s/%d/" % (collection, identifier)
        item = dict(self._writable(collection, fields), id=identifier, type=TYPES[collection], url=url)
        related = dict((name, url + name + "/") for name in ASSOCIATIONS + ("survey_spec", "launch"))
        item["related"] = related
        if collection == "workflow_job_template_nodes":
            item.setdefault("unified_job_template", None)
            item.setdefault("extra_data", {})
        self._summarise(item)
        self.objects[collection][identifier] = item
        return item

    @staticmethod
    def _writable(collection, fields):
        if collection not in WRITABLE:
            return dict(fields)
        return dict((k, v) for k, v in fields.items() if k in WRITABLE[collection])

    def _summarise(self, item):
        organization = self.objects["organizations"].get(item.get("organization"))
        item["summary_fields"] = {"organization": {"id": organization["id"], "name": organization["name"]}} if organization else {}
        if item.get("unified_job_template"):
            item["related"]["unified_job_template"] = self._unified_url(item["unified_job_template"])

    def _unified_url(self, identifier):
        for collection in ("job_templates", "workflow_job_templates", "workflow_approval_templates"):
            if identifier in self.objects[collection]:
                return "/api/v2/%s/%d/" % (collection, identifier)
        return None

    def find(self, collection, **fields):
        return [o for o in self.objects[collection].values() if all(o.get(k) == v for k, v in fields.items())]

    def _unified(self):
        return [o for c in ("job_templates", "workflow_job_templates", "workflow_approval_templates") for o in self.objects[c].values()]

    # ------------------------------------------------------------------ HTTP

    def handle(self, method, path, query, body):
        """Return (status, json)."""
        if method != "GET":
            self.requests.append({"method": method, "path": path, "body": body})
        parts = [p for p in path.split("/") if p]
        if parts[:2] != ["api", "v2"]:
            return 404, {"detail": "Not found."}
        parts = parts[2:]
        if parts in (["ping"],):
            return 200, {"ha": False, "version": VERSION, "active_node": "standin", "install_uuid": "00000000-0000-0000-0000-000000000000"}
        if parts == ["me"]:
            return 200, {"count": 1, "next": None, "previous": None, "results": [{"id": 1, "type": "user", "username": "admin", "is_superuser": True}]}
        if parts == ["config"]:
            return 200, {"version": VERSION, "license_info": {}, "analytics_status": "off"}
        if not parts:
            return 200, {"ping": "/api/v2/ping/", "me": "/api/v2/me/"}
        collection = parts[0]
        if collection == "unified_job_templates" and method == "GET":
            return 200, self._page(self._filter(self._unified(), query))
        if collection not in self.objects:
            return 404, {"detail": "Not found."}
        if len(parts) == 1:
            if method == "GET":
                return 200, self._page(self._filter(list(self.objects[collection].values()), query))
            if method == "POST":
                return 201, self.add(collection, body)
        identifier = int(parts[1]) if parts[1].isdigit() else None
        item = self.objects[collection].get(identifier)
        if item is None:
            return 404, {"detail": "Not found."}
        if len(parts) == 2:
            if method == "GET":
                return 200, item
            if method == "PATCH":
                item.update(self._writable(collection, body))
                self._summarise(item)
                return 200, item
            if method == "DELETE":
                del self.objects[collection][identifier]
                return 204, {}
        sub = parts[2]
        if sub == "survey_spec":
            if method == "GET":
                return 200, self.surveys.get(item["url"], {})
            if method == "POST":
                self.surveys[item["url"]] = body
                return 200, {}
            if method == "DELETE":
                self.surveys.pop(item["url"], None)
                return 200, {}
        if sub in ASSOCIATIONS:
            linked = self.links.setdefault((item["url"], sub), [])
            if method == "GET":
                target = "workflow_job_template_nodes" if sub.endswith("_nodes") else sub
                return 200, self._page([self.objects.get(target, {}).get(i, {"id": i}) for i in linked])
            if body.get("disassociate"):
                linked.remove(body["id"])
            elif body["id"] not in linked:
                linked.append(body["id"])
            return 204, {}
        if sub == "create_approval_template" and method == "POST":
            approval = self.add("workflow_approval_templates", body)
            item["unified_job_template"] = approval["id"]
            self._summarise(item)
            return 201, approval
        if sub == "launch" and method == "POST":
            kind = "jobs" if collection == "job_templates" else "workflow_jobs"
            job = self.add(kind, {"name": item["name"], "status": "successful" if kind == "jobs" else "running",
                                  "unified_job_template": item["id"], "extra_vars": json.dumps(body.get("extra_vars", {})),
                                  "limit": body.get("limit", "")})
            job["job"] = job["id"]
            job["workflow_job"] = job["id"]
            return 201, job
        return 404, {"detail": "Not found."}

    def _filter(self, items, query):
        ors = dict((k[4:], v) for k, v in query.items() if k.startswith("or__"))
        plain = dict((k, v) for k, v in query.items() if not k.startswith("or__") and k not in ("page", "page_size", "order_by"))
        found = []
        for item in items:
            if any(str(item.get(k)) != v for k, v in plain.items() if not (k == "type" and v == "workflow_approval")):
                continue
            if plain.get("type") == "workflow_approval" and item["type"] != "workflow_approval_template":
                continue
            if ors and not any(str(item.get(k)) == v for k, v in ors.items()):
                continue
            found.append(item)
        return found

    @staticmethod
    def _page(results):
        return {"count": len(results), "next": None, "previous": None, "results": results}

    def serve(self, host="127.0.0.1", port=0):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method):
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                query = dict((k, v[-1]) for k, v in parse_qs(parsed.query).items())
                with standin.lock:
                    status, document = standin.handle(method, re.sub("/+", "/", parsed.path), query, body)
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-API-Product-Name", "AWX")
                self.send_header("X-API-Product-Version", VERSION)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._reply("GET")

            def do_POST(self):
                self._reply("POST")

            def do_PATCH(self):
                self._reply("PATCH")

            def do_DELETE(self):
                self._reply("DELETE")

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return server
