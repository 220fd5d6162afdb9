#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time to a decision: ansible-playbook start to the printed verdict, diagnose.yml and PLAY-001.

Runs the playbooks as an operator would (the repository's ansible.cfg, the default callback, default
variables) against the real 4-validator local network (scripts/localnet up first), in three states:

- healthy: every node producing blocks;
- halted: validator3 and validator4 stopped, and the newest block already older than the playbooks' halt
  window (30 s) on every node when the run starts ("halted for a while", as an alert would find it);
- hung endpoint: healthy, but validator4's node_rpc_url points at a loopback socket that accepts
  connections and never answers (a second inventory overrides that one host variable).

The clock stops at the first line of the decision (diagnose: "Fleet diagnosis:", PLAY-001: "SCENARIO ");
PLAY-001 is then stopped (its later plays wait for confirmations and recovery, not part of the decision).
The slowest tasks (time from a TASK line to the next) say where the time goes. Targets (issue 13):
halted-chain decision in PLAY-001 under 10 s, healthy diagnosis under 8 s, a hung endpoint costs at most
one RPC timeout per run.

Usage: python3 benchmarks/decision_time.py [--repeat 1] [--label after] [--only diagnose-healthy,...]
    -> benchmarks/results/decision_time.{json,md} (rows of earlier labels are kept)
Environment: LOCALNET_BASE_IP as for scripts/localnet; HUNG_RPC_ADDRESS (default 127.0.0.1) for the socket.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
INVENTORY = REPO / "inventories" / "localnet" / "hosts.yml"
LOCALNET = [sys.executable, str(REPO / "scripts" / "localnet")]
HALT_WINDOW_S = 30  # the playbooks' default window
PLAYBOOKS = {
    "diagnose": (REPO / "playbooks" / "diagnose.yml", "Fleet diagnosis:"),
    "play001": (REPO / "playbooks" / "play001_chain_halted.yml", "SCENARIO "),
}
TASK_LINE = re.compile(r"^TASK \[(.*)\]")


class HungEndpoint:
    """A listening loopback socket that accepts every connection and never writes a byte."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 0))
        self.sock.listen(64)
        self.held = []
        self.url = "http://%s:%d" % self.sock.getsockname()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)  # kept open, never answered

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def localnet_status():
    out = subprocess.run(LOCALNET + ["status", "--json"], capture_output=True, text=True, check=False)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {}


def wait_halted_for(seconds, deadline_s=240):
    """Wait (condition and deadline) until the newest block on the running nodes is older than ``seconds``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        nodes = [n for n in localnet_status().get("nodes", []) if n.get("process") == "RUNNING"]
        ages = [n.get("block_age_s") for n in nodes]
        if ages and all(a is not None and a > seconds for a in ages):
            return
        print("  waiting for the newest block to be older than %ds: ages %s" % (seconds, ages), flush=True)
        time.sleep(3)
    raise SystemExit("the chain did not stay halted for %ds" % seconds)


def run_once(playbook, marker, inventories):
    """Seconds to the marker line, total seconds, and the slowest tasks until the marker."""
    command = ["ansible-playbook"] + [a for inv in inventories for a in ("-i", str(inv))] + [str(playbook)]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", IR_REPORT_DIR=tempfile.mkdtemp(prefix="ve-ir-bench-"))
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    decided, tasks, current, tail = None, [], None, []
    try:
        for line in proc.stdout:
            now = time.monotonic() - start
            tail = (tail + [line])[-40:]
            match = TASK_LINE.match(line)
            if match:
                if current:
                    tasks.append((current[0], round(now - current[1], 2)))
                current = (match.group(1), now)
            if decided is None and marker in line:
                decided = now
                if current:
                    tasks.append((current[0], round(now - current[1], 2)))
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # our own process group only
        proc.wait(60)
    if decided is None:
        raise SystemExit("no decision printed by %s:\n%s" % (playbook.name, "".join(tail)))
    slowest = sorted(tasks, key=lambda t: -t[1])[:4]
    return round(decided, 2), slowest


def scenario_runs(name, state, repeat, only, rows, label, extra_inventory=None):
    for runbook, (playbook, marker) in PLAYBOOKS.items():
        key = "%s-%s" % (runbook, state)
        if only and key not in only:
            continue
        inventories = [INVENTORY] + ([extra_inventory] if extra_inventory else [])
        walls, slowest, load = [], None, os.getloadavg()[0]
        for _run in range(repeat):
            wall, slowest = run_once(playbook, marker, inventories)
            walls.append(wall)
        row = {"label": label, "runbook": runbook, "state": state, "decision_s": round(statistics.median(walls), 2),
               "runs_s": walls, "load_1min": round(load, 1), "slowest_tasks": ["%s %.1fs" % t for t in slowest]}
        rows.append(row)
        print("%-8s %-8s %-13s decision %.2fs  (slowest: %s)" % (label, runbook, state, row["decision_s"], "; ".join(row["slowest_tasks"])), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--label", default="after", help="names the code measured, e.g. before / after")
    parser.add_argument("--only", default="", help="comma-separated runbook-state keys, e.g. play001-halted")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    if not INVENTORY.exists():
        raise SystemExit("no local network inventory: run scripts/localnet up")
    # Against a network that is down every playbook decides at once ("no node answered"): not a measurement.
    down = [n.get("node") for n in localnet_status().get("nodes", []) if n.get("process") != "RUNNING"]
    if down or not localnet_status().get("nodes"):
        raise SystemExit("the local network is not fully up (%s): run scripts/localnet up" % (", ".join(down) or "no nodes"))

    rows = []
    scenario_runs("healthy", "healthy", args.repeat, only, rows, args.label)

    hung = HungEndpoint(os.environ.get("HUNG_RPC_ADDRESS", "127.0.0.1"))
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as override:
            json.dump({"all": {"children": {"chain_nodes": {"children": {"validators": {"hosts": {
                "validator4": {"node_rpc_url": hung.url}}}}}}}}, override)
        scenario_runs("hung", "hung-endpoint", args.repeat, only, rows, args.label, Path(override.name))
    finally:
        hung.close()
        os.unlink(override.name)

    if not only or any(k.endswith("-halted") for k in only):
        subprocess.run(LOCALNET + ["stop", "validator3", "validator4"], check=True)
        try:
            wait_halted_for(HALT_WINDOW_S + 2)
            scenario_runs("halted", "halted", args.repeat, only, rows, args.label)
        finally:
            subprocess.run(LOCALNET + ["start", "validator3", "validator4"], check=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    store = RESULTS / "decision_time.json"
    previous = json.loads(store.read_text())["rows"] if store.exists() else []
    measured = set((r["label"], r["runbook"], r["state"]) for r in rows)
    rows = [r for r in previous if (r["label"], r["runbook"], r["state"]) not in measured] + rows
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(), "repeat": args.repeat,
            "validators": 4, "halt_window_s": HALT_WINDOW_S}
    store.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = ["# Time to a decision", "",
             "ansible-playbook start to the first line of the printed decision on the 4-validator local network "
             "(default variables; halted = 2 of 4 validators stopped, newest block older than %(halt_window_s)s s before the run; "
             "hung endpoint = validator4's RPC accepts connections and never answers). Last run %(date)s on %(cpus)s CPUs, "
             "median of %(repeat)s run(s). Written by benchmarks/decision_time.py." % meta, "",
             "The machine is shared: the 1-minute load average before each measurement is shown; compare rows measured at "
             "similar load.", "",
             "| code | runbook | state | decision (s) | load | slowest tasks until then |", "|---|---|---|---|---|---|"]
    row_format = "| %s | %s | %s | %.2f | %s | %s |"
    lines += [row_format % (r["label"], r["runbook"], r["state"], r["decision_s"], r.get("load_1min", "?"), "; ".join(r["slowest_tasks"]))
              for r in sorted(rows, key=lambda r: (r["runbook"], r["state"], r["label"] != "before"))]
    (RESULTS / "decision_time.md").write_text("\n".join(lines) + "\n")
    print("results: %s" % (RESULTS / "decision_time.md").relative_to(REPO))


if __name__ == "__main__":
    main()
