#!/usr/bin/env python3
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fleet lab costs: a cold image build, then `up` and `down` of 4 validators + 1 full node.

Each round runs scripts/fleetlab up and down on a lab of its own (a temporary directory, so the Molecule
scenario's lab is not touched). With --cold, the first round builds the Debian 12 image into a temporary
image cache (FLEETLAB_IMAGES), which is deleted afterwards; otherwise the cached image is used.

Usage: python3 benchmarks/fleetlab_lifecycle.py [--rounds 2] [--cold]   -> benchmarks/results/fleetlab_lifecycle.{json,md}
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FLEETLAB = [sys.executable, str(REPO / "scripts" / "fleetlab")]


def timed(args, env):
    start = time.monotonic()
    completed = subprocess.run(FLEETLAB + args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        raise SystemExit("scripts/fleetlab %s failed:\n%s%s" % (" ".join(args), completed.stdout[-3000:], completed.stderr[-3000:]))
    return round(time.monotonic() - start, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="build the image from scratch in the first round")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fleetlab-bench-") as scratch:
        env = dict(os.environ)
        if args.cold:
            env["FLEETLAB_IMAGES"] = str(Path(scratch) / "images")
        for index in range(args.rounds):
            lab = ["--dir", str(Path(scratch) / ("lab%d" % index))]
            try:
                up = timed(lab + ["up"], env)
            finally:
                down = timed(lab + ["down"], env)
            rows.append({"round": index + 1, "cold_image": args.cold and index == 0, "up_s": up, "down_s": down})
            print(rows[-1], flush=True)
        shutil.rmtree(Path(scratch) / "images", ignore_errors=True)
    load = os.getloadavg()[0]
    measured = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    result = {"measured_at": measured, "cpus": os.cpu_count(), "load_average_1m": load, "rounds": rows}
    (RESULTS / "fleetlab_lifecycle.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# Fleet lab lifecycle benchmark", "",
             "Measured %s on %d CPUs (load average %.1f at the end): scripts/fleetlab up (4 validators + 1 full node,"
             " until every node is at height 2) and down (nothing left)." % (measured, os.cpu_count(), load), "",
             "| round | image | up (s) | down (s) |", "|---|---|---|---|"]
    lines += ["| %d | %s | %.1f | %.1f |" % (r["round"], "built (cold)" if r["cold_image"] else "cached", r["up_s"], r["down_s"]) for r in rows]
    (RESULTS / "fleetlab_lifecycle.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
