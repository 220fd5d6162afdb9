#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-001 recovery benchmark on the real local network (scripts/localnet up first).

Each round halts the 4-validator network (validator3 and validator4 stopped, the chain stuck), runs
playbooks/play001_chain_halted.yml with -e ir_confirm=coordinated_restart, and reads from its report:
the time from the gate's confirmation to the first new block (polled every second), and the spread
between the restarted validators' process start times (from /proc). Targets (issue 3): <= 15 s and <= 1 s.

Usage: python3 benchmarks/play001_recovery.py [--rounds 3]   -> benchmarks/results/play001_recovery.{json,md}
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
LOCALNET = [sys.executable, str(REPO / "scripts" / "localnet")]


def localnet(*args):
    return subprocess.run(LOCALNET + list(args), check=True, capture_output=True, text=True).stdout


def heights():
    return dict((n["node"], n["height"]) for n in json.loads(localnet("status", "--json"))["nodes"])


def wait_halted(deadline_s=60):
    """Until validator1's height stays put for 3 s."""
    end = time.monotonic() + deadline_s
    last, since = None, time.monotonic()
    while time.monotonic() < end:
        height = heights()["validator1"]
        if height != last:
            last, since = height, time.monotonic()
        elif time.monotonic() - since >= 3:
            return height
        time.sleep(0.5)
    raise SystemExit("the chain did not halt")


def one_round(report_dir):
    localnet("stop", "validator3", "validator4")
    wait_halted()
    env = dict(os.environ, IR_REPORT_DIR=str(report_dir), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    command = ["ansible-playbook", str(REPO / "playbooks" / "play001_chain_halted.yml"), "-e", "ir_confirm=coordinated_restart",
               "-e", "play001_halt_window=6", "-e", "play001_verify_poll=1"]
    completed = subprocess.run(command, cwd=str(REPO), env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        localnet("up")
        raise SystemExit("PLAY-001 failed:\n%s" % completed.stdout[-3000:])
    report = json.loads(sorted(report_dir.glob("*-play001.json"))[-1].read_text())
    return {"confirmation_to_first_block_s": report["summary"]["confirmation_to_first_block_seconds"],
            "restart_spread_s": report["summary"]["restart_spread_seconds"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory() as directory:
            rounds.append(one_round(Path(directory)))
        print("round %d: confirmation -> first block %.2f s, restart spread %.3f s" % (
            number + 1, rounds[-1]["confirmation_to_first_block_s"], rounds[-1]["restart_spread_s"]), flush=True)
    first = [r["confirmation_to_first_block_s"] for r in rounds]
    spread = [r["restart_spread_s"] for r in rounds]
    summary = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count(), "rounds": rounds,
               "first_block_median_s": statistics.median(first), "first_block_max_s": max(first),
               "spread_median_s": statistics.median(spread), "spread_max_s": max(spread)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "play001_recovery.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = ["# PLAY-001 recovery benchmark", "",
             "Measured %(date)s on %(cpus)s CPUs: 4-validator local network halted by stopping 2 validators, "
             "then PLAY-001 with -e ir_confirm=coordinated_restart." % summary, "",
             "| round | confirmation -> first new block (s) | restart spread (s) |", "|---|---|---|"]
    lines += ["| %d | %.2f | %.3f |" % (i + 1, r["confirmation_to_first_block_s"], r["restart_spread_s"]) for i, r in enumerate(rounds)]
    lines += ["", "Median %.2f s to the first block (max %.2f, target <= 15); spread median %.3f s (max %.3f, target <= 1)." % (
        summary["first_block_median_s"], summary["first_block_max_s"], summary["spread_median_s"], summary["spread_max_s"])]
    (RESULTS / "play001_recovery.md").write_text("\n".join(lines) + "\n")
    print("results: %s" % (RESULTS / "play001_recovery.md").relative_to(REPO))


if __name__ == "__main__":
    main()
