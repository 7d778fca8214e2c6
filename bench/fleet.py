"""Is `arcsupport fleet` over a 10,000-cluster Resource Graph export within 3x of merely
parsing that export with `orjson.loads`? (issue 3, "Performance")

    python bench/fleet.py [--clusters 10000] [--repeat 3] [--seed 1] [--advisories DIR]

The export is what `az graph query ... -o json` prints (the query is in
examples/build_export.py): a connected-cluster row and a provisioned-cluster-instance row per
cluster, built from the real REST examples with names, versions, connectivity and states
varied, plus the subscriptions' rows. It is generated once per parameter set under bench/out/.

Both sides run in fresh processes, alternating, best of --repeat: the baseline
(bench/baseline.py: read the file and orjson.loads it, timed inside its process, start-up
excluded, which favours it) and `arcsupport fleet EXPORT --output csv|json` (the whole command's
wall time: start-up, imports, policy pack, read, every assessment, the report).
arcsupport keeps the parsed policy pack in its cache folder, as after any earlier command; one
more run with an empty cache folder is printed for comparison, outside the ratio.
Exits 1 when the ratio is above the target.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from run import arcsupport_command, spawn

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
TARGET_RATIO = 3.0
VERSIONS = ("1.28.14", "1.29.13", "1.30.9", "1.30.14", "1.31.5", "1.31.10", "1.32.6")
STATUSES = ("Connected",) * 8 + ("Offline", "Expired")


def _builder() -> ModuleType:
    """examples/build_export.py, which shapes rows from the real REST examples."""
    path = BENCH.parent / "examples" / "build_export.py"
    spec = importlib.util.spec_from_file_location("build_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(target: Path, clusters: int, seed: int) -> None:
    build = _builder()
    chance = random.Random(seed)
    keys = list(build.SUBSCRIPTIONS)
    rows: list[dict[str, Any]] = [build.subscription_row(key) for key in keys]
    for index in range(clusters):
        key = keys[index % len(keys)]
        group = f"rg-edge-{index // 50:04d}"
        name = f"edge-{index:05d}"
        version = chance.choice(VERSIONS)
        status = chance.choice(STATUSES)
        days = chance.randint(0, 3) if status == "Connected" else chance.randint(2, 60)
        last_seen = f"2025-{9 if days < 15 else 8:02d}-{max(1, 15 - days % 15):02d}T08:00:00Z"
        nodes = chance.randint(3, 12)
        rows.append(
            build.connected_row(
                key, group, name, version=version, nodes=nodes, status=status, last_seen=last_seen
            )
        )
        rows.append(
            build.provisioned_row(
                key,
                group,
                name,
                version=version,
                pools=[("nodepool1", nodes - 1, "Standard_A4_v2")],
            )
        )
    document = {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(document))
    partial.replace(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", default="2025-09-15")
    # CSV is the format made for fleets (one row per cluster); JSON carries every cluster's
    # whole assessment (about 8 KiB each), so writing it is a cost of its own.
    # SARIF is one run for the fleet, with the lines of each row found in the export again.
    parser.add_argument("--output", choices=("csv", "json", "sarif"), default="csv")
    parser.add_argument(
        "--advisories",
        type=Path,
        help="also match these advisories (e.g. examples/advisories), as `fleet --advisories`",
    )
    args = parser.parse_args()
    matching = ["--advisories", str(args.advisories)] if args.advisories else []

    export = OUT / f"fleet-{args.clusters}-s{args.seed}.json"
    if not export.exists():
        print(f"generating {export.name} ({args.clusters:,} clusters) ...", flush=True)
        generate(export, args.clusters, args.seed)
    size = export.stat().st_size / 1024**2
    arcsupport = arcsupport_command()
    baseline: list[float] = []
    fleet: list[float] = []
    for round_number in range(1, args.repeat + 1):
        code, _, _ = spawn(
            [sys.executable, str(BENCH / "baseline.py"), str(export)], OUT / "fleet-baseline.json"
        )
        if code != 0:
            sys.exit("bench: the baseline failed")
        baseline.append(json.loads((OUT / "fleet-baseline.json").read_text())["seconds"])
        report = OUT / f"fleet-output.{args.output}"
        code, wall, peak = spawn(
            [arcsupport, "fleet", str(export), "--output", args.output, "--at", args.at, *matching],
            report,
        )
        if code not in (0, 1):
            sys.exit(f"bench: arcsupport fleet exited {code}")
        fleet.append(wall)
        print(
            f"round {round_number}: orjson.loads {baseline[-1]:.3f} s, "
            f"arcsupport fleet {wall:.3f} s ({peak:.0f} MiB)",
            flush=True,
        )
    with tempfile.TemporaryDirectory(prefix="arcsupport-cache-") as empty:
        os.environ["ARCSUPPORT_CACHE_DIR"] = empty
        try:
            code, cold, _ = spawn(
                [
                    arcsupport, "fleet", str(export), "--output", args.output, "--at", args.at,
                    *matching,
                ],
                report,
            )  # fmt: skip
        finally:
            del os.environ["ARCSUPPORT_CACHE_DIR"]
    if code not in (0, 1):
        sys.exit(f"bench: arcsupport fleet exited {code}")
    if args.output == "json":
        assessed = json.loads(report.read_text())["totals"]["clusters"]
    elif args.output == "sarif":
        assessed = json.loads(report.read_text())["runs"][0]["properties"]["clusters"]
    else:
        assessed = len(report.read_text().splitlines()) - 1  # less the header
    ratio = min(fleet) / min(baseline)
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print()
    print(f"export: {export.name}, {size:.1f} MiB, {assessed:,} clusters assessed")
    print(f"orjson.loads (best of {args.repeat}):    {min(baseline):8.3f} s")
    with_advisories = f" --advisories {args.advisories}" if args.advisories else ""
    print(
        f"arcsupport fleet -o {args.output}{with_advisories} (best of {args.repeat}): "
        f"{min(fleet):8.3f} s"
    )
    print(f"ratio fleet / orjson.loads: {ratio:.2f} (target <= {TARGET_RATIO:g}) {verdict}")
    print(
        f"with an empty cache folder (the pack parsed from YAML): {cold:.3f} s, "
        f"ratio {cold / min(baseline):.2f}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
