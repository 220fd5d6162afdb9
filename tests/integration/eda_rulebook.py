# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real ansible-rulebook process for the tests: started with the collection's rulebook, stopped in ``finally``."""

import os
import signal
import socket
import subprocess
from contextlib import contextmanager

from conftest import wait_until

JAVA_HOME = os.environ.get("IR_TEST_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")


def listening(host, port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


@contextmanager
def rulebook(name, workdir, inventory, variables, ports, env=None, extra_args=()):
    """Run ``ansible-rulebook -r <name>`` in ``workdir`` (no ansible.cfg there) until every webhook port listens."""
    vars_file = workdir / "eda-vars.yml"
    vars_file.write_text("".join("%s: %s\n" % item for item in sorted(variables.items())))
    environment = dict(os.environ, JAVA_HOME=JAVA_HOME, **(env or {}))
    environment.pop("ANSIBLE_CONFIG", None)
    log = open(workdir / "rulebook.log", "wb")
    process = subprocess.Popen(["ansible-rulebook", "-r", name, "-i", str(inventory), "--vars", str(vars_file), "-v"] + list(extra_args),
                               cwd=str(workdir), env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_until("ansible-rulebook to listen on %s" % (ports,), lambda: process.poll() is None and all(listening("127.0.0.1", p) for p in ports)
                   or (process.poll() is not None and "exited %s: %s" % (process.returncode, (workdir / "rulebook.log").read_text()[-2000:])), 180)
        assert process.poll() is None, (workdir / "rulebook.log").read_text()[-3000:]
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        log.close()
