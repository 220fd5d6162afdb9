# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of provider-daemon STAND-INS (tests/doubles/provider_daemon.py) under a private supervisord, for PLAY-011/012.

Each provider has a directory with its "binary" (a wrapper script of the stand-in whose ``--mode`` is its build, so
builds differ by SHA-256), the kept previous binary ``provider-daemon.bak``, a flat-key ``provider-daemon.yaml``
(listen on a free loopback port, ``node`` = the real local network's RPC, ``waldur-chain-grpc`` = the plaintext gRPC
stand-in) and its stdout/stderr logs. ``inventory()`` writes the Ansible inventory (group ``providers``, local
connection, supervisor service). Everything lives under one temporary directory and supervisord is stopped by pid.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import wait_until as wait

DAEMON = Path(__file__).resolve().parents[1] / "doubles" / "provider_daemon.py"
LAB_HOST = os.environ.get("TEST_PROVIDER_HOST", "127.0.0.1")


def free_port():
    with socket.socket() as probe:
        probe.bind((LAB_HOST, 0))
        return probe.getsockname()[1]


class ProviderLab(object):
    def __init__(self, root, count, node_rpc, grpc_endpoint, addresses=None):
        self.root = Path(root)
        self.names = ["provider%d" % (i + 1) for i in range(count)]
        self.node_rpc = node_rpc
        self.grpc = grpc_endpoint
        self.ports = dict((name, free_port()) for name in self.names)
        self.addresses = addresses or dict((name, "virtengine1%s" % name) for name in self.names)
        self.conf = self.root / "supervisord.conf"
        self.process = None

    def dir(self, name):
        return self.root / name

    def binary(self, name):
        return self.dir(name) / "provider-daemon"

    def write_binary(self, name, mode, mtime=None):
        """A build of the daemon: a script running the stand-in in ``mode``; ``mtime`` backdates it (epoch seconds)."""
        path = self.binary(name)
        # The same build has the same bytes on every provider: the orders file is found next to the script.
        path.write_text("#!/bin/sh\n# provider-daemon build: %s\nexec %s %s --mode %s --orders-file \"$(dirname \"$0\")/orders.txt\" \"$@\"\n"
                        % (mode, sys.executable, DAEMON, mode))
        path.chmod(0o755)
        if mtime:
            os.utime(path, (mtime, mtime))

    def set_orders(self, order_ids):
        for name in self.names:
            (self.dir(name) / "orders.txt").write_text("".join("%s\n" % o for o in order_ids))

    def __enter__(self):
        program = []
        for name in self.names:
            self.dir(name).mkdir(parents=True)
            (self.dir(name) / "orders.txt").write_text("")
            (self.dir(name) / "provider-daemon.yaml").write_text(
                "# provider-daemon.yaml (flat keys, as cmd/provider-daemon reads them)\nchain-id: localnet\nnode: tcp://%s\n"
                "listen: %s:%d\nwaldur-chain-grpc: %s\nprovider-key: %s\nbid-rate-limit-minute: 10\nbid-rate-limit-hour: 100\n"
                "# The repository's docs show nested blocks like this one; the daemon ignores them.\nbidding:\n  enabled: true\n  max_concurrent: 5\n"
                % (self.node_rpc.split("://", 1)[-1], LAB_HOST, self.ports[name], self.grpc, name))
            self.write_binary(name, "healthy", mtime=time.time() - 2 * 86400)
            program += ["[program:%s]" % name, "command=%s start --config %s" % (self.binary(name), self.dir(name) / "provider-daemon.yaml"),
                        "autostart=false", "autorestart=false", "startsecs=1", "startretries=0", "stopsignal=TERM", "stopwaitsecs=10",
                        "stdout_logfile=%s" % (self.dir(name) / "stdout.log"), "stderr_logfile=%s" % (self.dir(name) / "stderr.log"), ""]
        self.conf.write_text("\n".join([
            "[unix_http_server]", "file=%s" % (self.root / "supervisor.sock"), "chmod=0700", "",
            "[supervisord]", "logfile=%s" % (self.root / "supervisord.log"), "pidfile=%s" % (self.root / "supervisord.pid"), "nodaemon=true", "",
            "[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
            "[supervisorctl]", "serverurl=unix://%s" % (self.root / "supervisor.sock"), ""] + program))
        self.process = subprocess.Popen(["supervisord", "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait("the provider lab's supervisord", lambda: self.ctl("status").returncode in (0, 3), 30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc):
        if self.process and self.process.poll() is None:
            self.ctl("stop", "all")
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def ctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", str(self.conf)] + list(args), capture_output=True, text=True, timeout=60, check=False)

    def state(self, name):
        fields = self.ctl("status", name).stdout.split()
        return fields[1] if len(fields) > 1 else "UNKNOWN"

    def pid(self, name):
        out = self.ctl("pid", name).stdout.strip()
        return int(out) if out.isdigit() and out != "0" else None

    def healthy(self, name):
        """One HTTP/1.0 ``GET /health``: True when the whole answer's body is ``ok``.

        The answer is read until the daemon closes the connection: the headers and the body may arrive in separate
        segments (the stand-in writes them separately), so one ``recv`` could see the headers alone.
        """
        try:
            with socket.create_connection((LAB_HOST, self.ports[name]), timeout=2) as connection:
                connection.sendall(b"GET /health HTTP/1.0\r\n\r\n")
                answer = b""
                while len(answer) < 65536:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                return answer.split(b"\r\n\r\n", 1)[-1] == b"ok"
        except OSError:
            return False

    def start(self, names, expect_healthy=True):
        """Start (or restart) these programs and wait until each is healthy or, for failing builds, has exited."""
        for name in names:
            self.ctl("restart", name)
        for name in names:
            if expect_healthy:
                wait("%s to answer /health" % name, lambda: self.healthy(name), 60)
            else:
                wait("%s to fail" % name, lambda: self.state(name) in ("FATAL", "EXITED", "BACKOFF"), 60)

    def deploy(self, names, mode):
        """A release: keep the current binary as provider-daemon.bak, install a build in ``mode``."""
        for name in names:
            self.binary(name).replace(self.dir(name) / "provider-daemon.bak")
            self.write_binary(name, mode)

    def inventory(self, path, extra=None):
        hosts = {}
        for name in self.names:
            hosts[name] = {
                "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "provider_health_url": "http://%s:%d/health" % (LAB_HOST, self.ports[name]),
                "provider_config": str(self.dir(name) / "provider-daemon.yaml"),
                "provider_binary": str(self.binary(name)), "provider_address": self.addresses[name],
                "provider_service_manager": "supervisor", "provider_service_name": name, "provider_supervisor_config": str(self.conf),
                "provider_log_source": "file", "provider_log_paths": [str(self.dir(name) / "stdout.log"), str(self.dir(name) / "stderr.log")],
            }
            hosts[name].update((extra or {}).get(name, {}))
        Path(path).write_text(json.dumps({"all": {
            "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
            "children": {"providers": {"hosts": hosts}}}}))
        return path
