"""Peak memory of `arcsupport check` on one very big bundle (issue 12, "Big real inputs stay
cheap"): 20,000 nodes and 600,000 pods, pods.json alone about 6 GiB, must be assessed within
1.5 GiB of peak RSS, because Lists are decoded item by item and memory follows the decoded
objects, not the files.

    python bench/stream.py [--nodes 20000] [--pods 600000] [--repeat 1] [--pythonpath SRC]

The bundle is generated once under bench/out/ (bench/generate.py, about 2 minutes and 7 GiB of
disk) and reused while the generator is unchanged, as bench/run.py does. `--pythonpath` runs
another checkout's code on it (the before of a change). Exit 1 when the peak is over the
target.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from run import ADVISORIES, OUT, arcsupport_command, ensure_bundle, spawn

TARGET_MIB = 1536


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--pods", type=int, default=600_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--at", default="2025-09-15")
    parser.add_argument("--pythonpath", type=Path, help="run this source tree instead")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    bundle = ensure_bundle(args.nodes, args.pods, args.seed, False, args.regenerate)
    size = sum(path.stat().st_size for path in bundle.rglob("*.json"))
    if args.pythonpath:
        os.environ["PYTHONPATH"] = str(args.pythonpath.resolve())
        command = [sys.executable, "-m", "arcsupport"]
    else:
        command = [arcsupport_command()]
    command += ["check", str(bundle), "--output", "json", "--at", args.at]
    command += ["--advisories", str(ADVISORIES)]
    peaks = []
    for round_number in range(1, args.repeat + 1):
        code, wall, peak = spawn(command, OUT / f"check-output-{bundle.name}.json")
        print(
            f"  round {round_number}: exit {code}, {wall:.1f} s, peak {peak:,.0f} MiB", flush=True
        )
        if code not in (0, 1):
            return 2
        peaks.append(peak)
    verdict = "PASS" if max(peaks) <= TARGET_MIB else "FAIL"
    print(
        f"{args.nodes:,} nodes, {args.pods:,} pods, {size / 2**30:.2f} GiB of JSON: "
        f"peak RSS {max(peaks):,.0f} MiB (target <= {TARGET_MIB:,}) {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
