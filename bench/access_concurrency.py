"""Many `arcsupport access` commands at once on one database: how many succeed, and how long.

    python bench/access_concurrency.py [--scenario NAME ...] [--repeat 3] [--fork]

Each run starts every command as its own process of the installed console script
(`.venv/bin/arcsupport`), all at once, waits for all of them, then runs `audit verify` and
counts the grants. Each of those processes spends about a second of CPU starting up (imports),
which on a loaded machine dominates the wall time; with `--fork` the processes are forked from
this one instead, with every module the commands need already loaded, and released together by
a barrier: the wall time is then the commands' own, lock waits included. Scenarios (issue 12,
section 4):

| name | what |
|---|---|
| sqlite-fresh-20 | 20 grants on a file that does not exist yet |
| sqlite-existing-20 | 20 grants on a file that already holds the schema and one grant |
| sqlite-mixed-30-10 | 30 grants and 10 `access list` on a file that does not exist yet |
| postgresql-50 | 50 grants on a new database of a throwaway PostgreSQL server |

The PostgreSQL server is the tests' (tests/access/access_db.py: Debian's binaries, loopback).
Exits 1 when any command of any run failed, the chain did not verify, or a grant is missing or
doubled.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "access")]

from access_db import PostgresServer  # noqa: E402
from access_dbtools import run_forked  # noqa: E402

ARCSUPPORT = str(Path(sys.executable).parent / "arcsupport")
CLUSTER = "edge-07"


def grant_args(db: str, number: int) -> list[str]:
    return [
        "access", "grant", "--cluster", CLUSTER,
        "--engineer", f"engineer{number}@support.example", "--actions", "view-logs",
        "--for", "8h", "--case", f"CASE-{number}", "--approved-by", "owner@contoso.example",
        "--at", "2025-09-15T08:00:00Z", "--output", "json", "--db", db,
    ]  # fmt: skip


def list_args(db: str) -> list[str]:
    return ["access", "list", "--output", "json", "--db", db]


@dataclass(frozen=True)
class Outcome:
    grants: int
    lists: int
    exit_codes: Counter[int]
    errors: Counter[str]
    seconds: float
    verify_code: int
    granted: list[str]

    def succeeded(self) -> int:
        return self.exit_codes[0]

    def sound(self) -> bool:
        """Every command succeeded, the chain verifies, every grant is there once."""
        expected = sorted(f"CASE-{number}" for number in range(self.grants))
        return (
            self.succeeded() == self.grants + self.lists
            and self.verify_code == 0
            and sorted(self.granted) == expected
        )


def run_console_scripts(commands: list[list[str]]) -> list[tuple[int, str]]:
    children = [
        subprocess.Popen(
            [ARCSUPPORT, *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    results = []
    for child in children:
        _, err = child.communicate()
        results.append((child.returncode, err))
    return results


def storm(db: str, grants: int, lists: int, fork: bool) -> Outcome:
    commands = [grant_args(db, number) for number in range(grants)]
    # Lists are spread among the grants, so that they start while grants are in flight.
    for index in range(lists):
        commands.insert((index * len(commands)) // max(lists, 1) + index, list_args(db))
    started = time.perf_counter()
    if fork:
        with tempfile.TemporaryDirectory(prefix="arcsupport-bench-") as folder:
            results = run_forked(commands, Path(folder), timeout=600)
    else:
        results = run_console_scripts(commands)
    seconds = time.perf_counter() - started
    errors = Counter(
        err.strip().replace(db, "DB")[:120] for code, err in results if code != 0 and err
    )
    verify = subprocess.run(
        [ARCSUPPORT, "audit", "verify", "--output", "json", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    listed = subprocess.run(
        [ARCSUPPORT, *list_args(db)], capture_output=True, text=True, check=False
    )
    granted = (
        [item["case"] for item in json.loads(listed.stdout)["grants"]]
        if listed.returncode == 0
        else []
    )
    return Outcome(
        grants,
        lists,
        Counter(code for code, _ in results),
        errors,
        seconds,
        verify.returncode,
        # The existing file's one earlier grant is not part of the storm.
        [case for case in granted if case != "CASE-EARLIER"],
    )


def _prepared_sqlite(folder: Path) -> str:
    db = str(folder / "access.db")
    earlier = grant_args(db, 0)
    earlier[earlier.index("CASE-0")] = "CASE-EARLIER"
    subprocess.run([ARCSUPPORT, *earlier], check=True, capture_output=True)
    return db


def run_scenario(name: str, server: Callable[[], PostgresServer], fork: bool) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="arcsupport-bench-") as folder:
        if name == "sqlite-fresh-20":
            return storm(str(Path(folder) / "access.db"), 20, 0, fork)
        if name == "sqlite-existing-20":
            return storm(_prepared_sqlite(Path(folder)), 20, 0, fork)
        if name == "sqlite-mixed-30-10":
            return storm(str(Path(folder) / "access.db"), 30, 10, fork)
        with server().new_database() as url:
            return storm(url.render_as_string(hide_password=False), 50, 0, fork)


SCENARIOS = ("sqlite-fresh-20", "sqlite-existing-20", "sqlite-mixed-30-10", "postgresql-50")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--fork", action="store_true", help="fork the commands from here: no start-up cost"
    )
    options = parser.parse_args()
    chosen = options.scenario or list(SCENARIOS)
    started: list[PostgresServer] = []
    # The server's folder when not root; as root the server makes its own (see PostgresServer).
    base = Path(tempfile.mkdtemp(prefix="arcsupport-bench-pg-"))

    def server() -> PostgresServer:
        if not started:
            started.append(PostgresServer(base))
            started[0].start()
        return started[0]

    sound = True
    try:
        for name in chosen:
            outcomes = [run_scenario(name, server, options.fork) for _ in range(options.repeat)]
            for outcome in outcomes:
                sound = sound and outcome.sound()
            total = outcomes[0].grants + outcomes[0].lists
            succeeded = ", ".join(f"{outcome.succeeded()}/{total}" for outcome in outcomes)
            seconds = [outcome.seconds for outcome in outcomes]
            verified = ", ".join(str(outcome.verify_code) for outcome in outcomes)
            counted = ", ".join(str(len(outcome.granted)) for outcome in outcomes)
            print(
                f"{name}: succeeded {succeeded}; wall {min(seconds):.2f}-{max(seconds):.2f} s "
                f"(median {statistics.median(seconds):.2f}); verify exit {verified}; "
                f"grants stored {counted}"
            )
            errors: Counter[str] = Counter()
            for outcome in outcomes:
                errors.update(outcome.errors)
            for message, times in errors.most_common(3):
                print(f"    {times} x {message}")
    finally:
        if started:
            started[0].stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main())
