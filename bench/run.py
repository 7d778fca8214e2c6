"""`make bench`: is `arcsupport check` cheaper than merely parsing its input with orjson?

    python bench/run.py [--nodes 5000] [--pods 150000] [--seed 1] [--repeat 3] [--quick]
                        [--indent] [--regenerate] [--profile]

1. Generates the reference bundle under bench/out/ (bench/generate.py), or reuses it when the
   parameters and the generator's source are unchanged.
2. Measures, each run in its own fresh process, rounds interleaved so that background load
   hits every contender alike:
   - the baseline: bench/baseline.py reads every *.json file of the bundle and
     `orjson.loads` it, with default GC settings (what a user's script does) and, for
     reference, with the collector disabled; its time is the read+parse time it reports
     itself (interpreter start-up and teardown excluded, which favours the baseline);
   - `arcsupport check BUNDLE --output json --at DATE` through the installed console script;
     its time is the whole command's wall time (start-up, imports, policy pack, read,
     assess, render), measured from here.
   Peak memory on both sides is the whole process's peak RSS (ru_maxrss of the child from
   os.wait4), so interpreter and imports count on both sides.
3. Prints the table and the two ratios against the issue's targets (time <= 0.5, memory
   <= 0.33, both against the GC-on baseline); exits 1 when a target is missed. Time ratios use
   the best run of each side; the memory ratio uses check's highest peak over its best
   run's, so noise can only make check look worse.

Results also go to bench/out/results-<parameters>.json. `--profile` then runs
bench/profile_check.py on the same bundle: where check's time and memory go, phase by phase
and rule by rule.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
# Every rule runs in the benchmark, the advisory matching (SEC-2) included.
ADVISORIES = BENCH.parent / "examples" / "advisories"
OUT = BENCH / "out"
TIME_TARGET = 0.5
MEMORY_TARGET = 0.33
FULL = (5000, 150_000)
QUICK = (500, 15_000)


@dataclass
class Run:
    seconds: float
    peak_mib: float


@dataclass
class Contender:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def best_seconds(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def best_peak(self) -> float:
        return min(run.peak_mib for run in self.runs)

    @property
    def worst_peak(self) -> float:
        return max(run.peak_mib for run in self.runs)


def spawn(command: list[str], stdout: Path | None = None) -> tuple[int, float, float]:
    """Run a command; return (exit code, wall seconds, peak RSS of that process in MiB).

    os.wait4 reports the rusage of exactly this child, so nothing else running on the machine
    (or earlier children) is counted."""
    sink = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.stderr:
            process.stderr.close()
    finally:
        if stdout:
            sink.close()  # type: ignore[union-attr]
    if stderr.strip():
        sys.stderr.write(stderr)
    # Linux reports ru_maxrss in KiB.
    return process.returncode, wall, usage.ru_maxrss / 1024


def generator_digest() -> str:
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:16]


def ensure_bundle(nodes: int, pods: int, seed: int, indent: bool, regenerate: bool) -> Path:
    """The bundle for these parameters, generated unless an identical one is already there."""
    name = f"n{nodes}-p{pods}-s{seed}" + ("-indent" if indent else "")
    bundle = OUT / name
    stamp = bundle / ".generated"
    key = f"{generator_digest()} nodes={nodes} pods={pods} seed={seed} indent={indent}\n"
    if not regenerate and stamp.is_file() and stamp.read_text() == key:
        print(f"bundle: {bundle.relative_to(BENCH.parent)} (reused)")
        return bundle
    if bundle.exists():
        shutil.rmtree(bundle)
    print(f"bundle: generating {bundle.relative_to(BENCH.parent)} ...", flush=True)
    command = [sys.executable, str(BENCH / "generate.py"), str(bundle)]
    command += ["--nodes", str(nodes), "--pods", str(pods), "--seed", str(seed)]
    if indent:
        command.append("--indent")
    # A separate process: the generator's memory must not inflate later children's peaks.
    subprocess.run(command, check=True)
    stamp.write_text(key)
    return bundle


def arcsupport_command() -> str:
    beside = Path(sys.executable).with_name("arcsupport")
    found = str(beside) if beside.exists() else shutil.which("arcsupport")
    if not found:
        sys.exit("bench: the `arcsupport` console script is not installed (run `make bench`)")
    return found


def summarize_check(output: Path, code: int) -> dict[str, Any]:
    """What the measured check said, so the figures can be read against the rule set."""
    try:
        data = json.loads(output.read_bytes())
        coverage = data["coverage"]
    except (ValueError, KeyError, TypeError):
        data = None
    if code not in (0, 1) or data is None:
        sys.exit(
            f"bench: arcsupport check exited with {code} without a valid JSON assessment; "
            "see its message above"
        )
    return {
        "exit_code": code,
        "verdict": data["verdict"],
        "findings": len(data["findings"]),
        "rules_evaluated": len(coverage["evaluated"]),
        "rules_not_evaluated": [gap["rule"] for gap in coverage["not_evaluated"]],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="arcsupport check vs orjson.loads")
    parser.add_argument("--nodes", type=int)
    parser.add_argument("--pods", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (best counts)")
    parser.add_argument(
        "--quick", action="store_true", help=f"a 10x smaller bundle ({QUICK[0]} nodes, "
        f"{QUICK[1]} pods) for a fast sanity run",
    )  # fmt: skip
    parser.add_argument("--indent", action="store_true", help="indented JSON, as kubectl prints")
    parser.add_argument("--regenerate", action="store_true", help="generate even if cached")
    parser.add_argument("--at", default="2025-09-15", help="evaluation date passed to check")
    parser.add_argument(
        "--profile", action="store_true", help="then break check down by phase and rule"
    )
    args = parser.parse_args()
    default_nodes, default_pods = QUICK if args.quick else FULL
    nodes = args.nodes or default_nodes
    pods = args.pods or default_pods

    OUT.mkdir(exist_ok=True)
    bundle = ensure_bundle(nodes, pods, args.seed, args.indent, args.regenerate)
    files = sorted(bundle.rglob("*.json"))
    total_bytes = sum(path.stat().st_size for path in files)
    arcsupport = arcsupport_command()
    output = OUT / f"check-output-{bundle.name}.json"

    gc_on = Contender("orjson.loads, GC on (baseline)")
    gc_off = Contender("orjson.loads, GC off (reference)")
    check = Contender("arcsupport check --output json")
    baseline = [sys.executable, str(BENCH / "baseline.py")]
    file_args = [str(path) for path in files]
    summary: dict[str, Any] = {}
    print(
        f"measuring: {len(files)} JSON files, {total_bytes / 2**20:,.0f} MiB; "
        f"{args.repeat} rounds, each contender in a fresh process",
        flush=True,
    )
    for round_number in range(1, args.repeat + 1):
        # check first: a broken checkout fails in seconds, not after minutes of baseline.
        code, wall, peak = spawn(
            [
                arcsupport,
                "check",
                str(bundle),
                "--output",
                "json",
                "--at",
                args.at,
                "--advisories",
                str(ADVISORIES),
            ],
            output,
        )
        summary = summarize_check(output, code)
        check.runs.append(Run(wall, peak))
        for contender, gc_mode in ((gc_on, "on"), (gc_off, "off")):
            report = OUT / "baseline-output.json"
            code, _, peak = spawn([*baseline, "--gc", gc_mode, *file_args], report)
            if code != 0:
                sys.exit(f"bench: the baseline failed with exit code {code}")
            contender.runs.append(Run(json.loads(report.read_bytes())["seconds"], peak))
        print(
            f"  round {round_number}: "
            + ", ".join(
                f"{c.label.split(' (')[0]} {c.runs[-1].seconds:.2f} s "
                f"{c.runs[-1].peak_mib:,.0f} MiB"
                for c in (gc_on, gc_off, check)
            ),
            flush=True,
        )
    _, empty_wall, empty_peak = spawn([sys.executable, "-c", "pass"])

    time_ratio = check.best_seconds / gc_on.best_seconds
    memory_ratio = check.worst_peak / gc_on.best_peak
    time_ok = time_ratio <= TIME_TARGET
    memory_ok = memory_ratio <= MEMORY_TARGET

    print()
    print(
        f"arcsupport benchmark: {nodes:,} nodes, {pods:,} pods (seed {args.seed}), "
        f"{total_bytes / 2**20:,.0f} MiB of JSON in {len(files)} files"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at end "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(
        f"check: verdict {summary['verdict']}, {summary['findings']} findings, exit "
        f"{summary['exit_code']}; {summary['rules_evaluated']} rules evaluated, "
        f"{len(summary['rules_not_evaluated'])} not evaluated"
        + (
            f" ({', '.join(summary['rules_not_evaluated'])})"
            if summary["rules_not_evaluated"]
            else ""
        )
    )
    print()
    print(f"{'':36} {'best time':>10} {'peak RSS':>13}   all runs (s / MiB)")
    for contender in (gc_on, gc_off, check):
        peak = contender.worst_peak if contender is check else contender.best_peak
        runs = "  ".join(f"{run.seconds:.2f}/{run.peak_mib:,.0f}" for run in contender.runs)
        print(f"{contender.label:36} {contender.best_seconds:>8.2f} s {peak:>9,.0f} MiB   {runs}")
    print(f"{'(an empty python -c pass)':36} {empty_wall:>8.2f} s {empty_peak:>9,.0f} MiB")
    print()
    verdict = {True: "PASS", False: "FAIL"}
    print(
        f"check / orjson GC on:  time   {time_ratio:.3f}  (target <= {TIME_TARGET})   "
        f"{verdict[time_ok]}"
    )
    print(
        f"                       memory {memory_ratio:.3f}  (target <= {MEMORY_TARGET})  "
        f"{verdict[memory_ok]}"
    )
    print(
        f"check / orjson GC off: time   {check.best_seconds / gc_off.best_seconds:.3f}, "
        f"memory {check.worst_peak / gc_off.best_peak:.3f}  (reference only)"
    )
    if args.quick:
        print(
            "note: --quick is a sanity run; check's fixed start-up cost weighs 10x more here. "
            "The targets are stated for 5,000 nodes / 150,000 pods."
        )

    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "bundle": {
            "path": str(bundle),
            "nodes": nodes,
            "pods": pods,
            "seed": args.seed,
            "indent": args.indent,
            "json_files": len(files),
            "json_bytes": total_bytes,
        },
        "check": summary,
        "contenders": {c.label: [asdict(run) for run in c.runs] for c in (gc_on, gc_off, check)},
        "ratios": {
            "time": time_ratio,
            "memory": memory_ratio,
            "time_vs_gc_off": check.best_seconds / gc_off.best_seconds,
            "memory_vs_gc_off": check.worst_peak / gc_off.best_peak,
        },
        "pass": {"time": time_ok, "memory": memory_ok},
    }
    results_path = OUT / f"results-{bundle.name}.json"
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {results_path.relative_to(BENCH.parent)}")

    if args.profile:
        print()
        subprocess.run(
            [sys.executable, str(BENCH / "profile_check.py"), str(bundle), "--at", args.at],
            check=True,
        )
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
