"""How long does a short command take, against a bare interpreter in the same run? (issue 12,
section 6: `check` on examples/healthy within 0.15 s)

    python bench/startup.py [--runs 20] [--other /work/main/.venv/bin/python] [--target 0.15]

Times whole processes from outside, as a user waits for them: `python -c pass` (the floor),
then `arcsupport check examples/healthy --at 2025-09-15` (table to a pipe), `--help` and
`--version`, started in turn (A B C ... A B C ...) so that background load falls on all of
them alike, each checkout with a cache folder of its own, filled by a first run. Each line
gives the minimum and the median of wall and CPU (user + system, the child's own rusage)
seconds and the ratio of the minimum to the bare interpreter's minimum; on a shared machine
the minimum is the figure to compare, the median shows the noise. One more `check` runs with
an empty cache folder each time (the policy pack and the catalogs parsed from YAML and TOML,
as on a first run after an install or an upgrade), outside the target.

`--other PYTHON` times the same commands with another checkout's interpreter (e.g. main's
virtual environment) in the same rounds. Every checkout's `src` is compiled first and the
children run without PYTHONDONTWRITEBYTECODE, since an install carries its bytecode; a
command that cannot find its bytecode pays for compiling every module on every run.
Exits 1 when check's minimum wall time is above --target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ["check", "examples/healthy", "--at", "2025-09-15"]


def run(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run; exits on a code a command should not give."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read() if process.stderr else b""
    if process.stderr:
        process.stderr.close()
    if code not in (0, 1):
        sys.exit(f"bench: {' '.join(command)} exited {code}: {stderr.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def compile_sources(python: str, environment: dict[str, str]) -> None:
    """The package's bytecode, where that interpreter imports it from."""
    where = "import arcsupport, pathlib; print(pathlib.Path(arcsupport.__file__).parent)"
    found = subprocess.run(
        [python, "-c", where], env=environment, capture_output=True, text=True, check=True
    )
    package = found.stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", package], env=environment, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--other", help="another checkout's python, timed in the same rounds")
    parser.add_argument("--target", type=float, default=0.15, help="check's minimum wall, s")
    args = parser.parse_args()

    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    pythons = {"this": sys.executable}
    if args.other:
        pythons["other"] = args.other
    commands: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    for label, python in pythons.items():
        compile_sources(python, environment)
        script = str(Path(python).with_name("arcsupport"))
        commands[f"{label}: check"] = [script, *CHECK]
        commands[f"{label}: check, empty cache"] = [script, *CHECK]
        commands[f"{label}: --help"] = [script, "--help"]
        commands[f"{label}: --version"] = [script, "--version"]

    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    with tempfile.TemporaryDirectory(prefix="arcsupport-startup-") as scratch:
        # Each checkout its own cache folder: in the shared one, other checkouts' packs could
        # push this one's out between two runs.
        def cache(label: str, round_number: int) -> dict[str, str]:
            checkout = label.split(":")[0]
            folder = f"empty-{round_number}" if label.endswith("empty cache") else "kept"
            return {**environment, "ARCSUPPORT_CACHE_DIR": f"{scratch}/{checkout}-{folder}"}

        for label, command in commands.items():  # warm-up: caches filled, files in memory
            run(command, cache(label, -1))
        for round_number in range(args.runs):
            for label, command in commands.items():
                times[label].append(run(command, cache(label, round_number)))

    floor = min(wall for wall, _ in times["python -c pass"])
    print(f"{args.runs} rounds; seconds: min / median; ratio: min over the bare interpreter's min")
    print(f"{'command':<28} {'wall':>15} {'cpu':>15} {'ratio':>7}")
    for label, measured in times.items():
        walls = [wall for wall, _ in measured]
        cpus = [cpu for _, cpu in measured]
        print(
            f"{label:<28} {min(walls):6.3f} / {statistics.median(walls):6.3f} "
            f"{min(cpus):6.3f} / {statistics.median(cpus):6.3f} {min(walls) / floor:6.1f}x"
        )
    best = min(wall for wall, _ in times["this: check"])
    verdict = "PASS" if best <= args.target else "MISS"
    print(f"check: {best:.3f} s at best, target {args.target:.3f} s: {verdict}")
    sys.exit(0 if best <= args.target else 1)


if __name__ == "__main__":
    main()
