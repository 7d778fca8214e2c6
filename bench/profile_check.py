"""Where `arcsupport check` spends its time and memory, phase by phase and rule by rule.

    python bench/profile_check.py BUNDLE [--at 2025-09-15] [--cprofile N]

Runs the same steps as `arcsupport check --output json` in this process and prints, for each
step, its wall time, the RSS after it and the growth of the peak RSS. Reading is split per
file; the shared indexes of `Facts` (cached properties) are built and timed one by one before
the rules run, so each rule's row is its own cost, not that of an index it happened to build
first. `--cprofile N` adds cProfile's top N functions by cumulative time for the whole run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
_PAGE = 4096


def rss_mib() -> float:
    """The current resident set size (Linux /proc), in MiB."""
    with Path("/proc/self/statm").open() as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


rows: list[tuple[str, float, float, float]] = []
_last_peak = [0.0]


def record(label: str, seconds: float) -> None:
    peak = peak_mib()
    rows.append((label, seconds, rss_mib(), peak - _last_peak[0]))
    _last_peak[0] = peak


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    record(label, time.perf_counter() - started)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--at", default="2025-09-15")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()

    def imports() -> None:
        import arcsupport.cli.app  # noqa: F401  (what the console script imports first)

    record("python start-up (to this script)", T0 - _process_start())
    timed("import arcsupport.cli.app", imports)

    from arcsupport.engine.assess import assess
    from arcsupport.policy.loader import load_pack
    from arcsupport.report.documents.assessment import assessment_document
    from arcsupport.report.jsonout import dumps
    from arcsupport.rules.facts import Facts
    from arcsupport.rules.outcome import NotEvaluated
    from arcsupport.rules.registry import load_rules
    from arcsupport.rules.rule import Context
    from arcsupport.sources import read as bundle_module
    from arcsupport.timeutil import parse_at

    at = parse_at(args.at)
    pack = timed("load policy pack", lambda: load_pack(None))

    # Time each file's read and decode as the directory reader does them (it looks both
    # iter_directory and _route up at call time, so wrapping the module attributes works).
    original_iter = getattr(bundle_module, "iter_directory")  # noqa: B009
    original_route = getattr(bundle_module, "_route")  # noqa: B009

    def iter_directory(root: Path, names: list[str]) -> Iterator[tuple[str, bytes]]:
        files = original_iter(root, names)
        while True:
            started = time.perf_counter()
            try:
                name, data = next(files)
            except StopIteration:
                return
            record(
                f"  read bytes {name} ({len(data) / 2**20:,.1f} MiB)", time.perf_counter() - started
            )
            yield name, data

    def route(snapshot: Any, name: str, data: bytes, where: str) -> bool:
        started = time.perf_counter()
        handled: bool = original_route(snapshot, name, data, where)
        record(f"  decode {name}", time.perf_counter() - started)
        return handled

    # setattr: the module's names are not its public interface, only patched for timing.
    setattr(bundle_module, "iter_directory", iter_directory)  # noqa: B010
    setattr(bundle_module, "_route", route)  # noqa: B010
    started = time.perf_counter()
    snapshot = bundle_module.read_snapshot(args.bundle)
    record("read_snapshot (total, incl. the above)", time.perf_counter() - started)
    setattr(bundle_module, "iter_directory", original_iter)  # noqa: B010
    setattr(bundle_module, "_route", original_route)  # noqa: B010

    rules = timed("load rules", load_rules)
    facts = Facts(snapshot, pack)
    for name in sorted(
        attribute
        for attribute, value in vars(Facts).items()
        if isinstance(value, functools.cached_property)
    ):
        timed(f"  facts.{name}", functools.partial(getattr, facts, name))
    for spec in rules.values():

        def run_rule(spec: Any = spec) -> None:
            with contextlib.suppress(NotEvaluated):
                list(spec.check(Context(spec.id, facts, at)))

        timed(f"  rule {spec.id}", run_rule)
    assessment = timed(
        "assess() as check runs it (fresh Facts)", lambda: assess(snapshot, pack, at)
    )
    data = timed("assessment_document (en)", lambda: assessment_document(assessment, "en"))
    text = timed("dumps (JSON text)", lambda: dumps(data))
    total = time.perf_counter() - T0

    if profiler:
        profiler.disable()

    print(f"arcsupport check, step by step: {args.bundle} (output {len(text):,} characters)")
    print(f"{'step':52} {'seconds':>8} {'RSS MiB':>9} {'peak +MiB':>10}")
    for label, seconds, rss, grew in rows:
        print(f"{label:52} {seconds:>8.3f} {rss:>9,.0f} {grew:>10,.0f}")
    print(f"{'total (in this process)':52} {total:>8.3f} {'':>9} {peak_mib():>10,.0f} peak")
    print(
        "note: the rules and Facts rows run once more inside assess(); check itself runs them once."
    )
    if profiler:
        print()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(args.cprofile)


def _process_start() -> float:
    """When this process started, on the perf_counter clock (Linux /proc/self/stat)."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    with Path("/proc/self/stat").open() as handle:
        start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    with Path("/proc/uptime").open() as handle:
        uptime = float(handle.read().split()[0])
    age = uptime - start_ticks / ticks
    return time.perf_counter() - age


if __name__ == "__main__":
    main()
