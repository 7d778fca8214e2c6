"""Many `arcsupport access` commands at once on one database, as separate processes: every one
succeeds, every grant is stored once, and the audit chain verifies afterwards. Reads take no
write lock and need no write access; migrations stay out of the commands' way.

Most storms fork this process and call the CLI's main in each child, all at one moment (a
barrier): cheap enough to start forty at once on two cores, and the most contention there can
be. The parent has loaded every module the commands need, Alembic included, so the children
spend their time on the database, not on imports. One storm runs the installed console script
instead, each process importing everything itself as users' processes do (the write lock was
once held while Alembic loaded).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from access_dbtools import Run, execute, held_write_lock, run_forked, sqlalchemy_url
from sqlalchemy import create_engine

from arcsupport.access import audit, store
from arcsupport.access.models import VERSION_TABLE
from helpers import at

pytest_plugins = ["access_db"]

OWNER = "owner@contoso.example"
CHECKER = "checker@support.example"
# Far more than any storm here needs on an idle machine; reached only if a command hangs.
STORM_TIMEOUT = 120


def grant_args(db: str, number: int) -> list[str]:
    return [
        "access", "grant", "--cluster", "edge-07",
        "--engineer", f"engineer{number}@support.example", "--actions", "view-logs",
        "--for", "8h", "--case", f"CASE-{number}",
        "--approved-by", OWNER, "--at", "2025-09-15T08:00:00Z", "--output", "json", "--db", db,
    ]  # fmt: skip


def check_args(db: str) -> list[str]:
    return [
        "access", "check", "--cluster", "edge-07", "--engineer", CHECKER, "--action",
        "view-logs", "--at", "2025-09-15T09:00:00Z", "--db", db,
    ]  # fmt: skip


def list_args(db: str) -> list[str]:
    return ["access", "list", "--output", "json", "--db", db]


def console_script() -> str:
    script = Path(sys.executable).parent / "arcsupport"
    if not script.exists():
        pytest.fail(f"the arcsupport console script is not installed beside {sys.executable}")
    return str(script)


def run_console_scripts(commands: Sequence[list[str]]) -> list[tuple[int, str]]:
    """Start every command as its own `arcsupport` process at once; (exit code, stderr) each."""
    script = console_script()
    children = [
        subprocess.Popen(
            [script, *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    results = []
    for child in children:
        _, err = child.communicate(timeout=STORM_TIMEOUT)
        results.append((child.returncode, err))
    return results


def assert_all_succeeded(results: list[tuple[int, str]]) -> None:
    failed = [(code, err.strip()) for code, err in results if code != 0]
    assert failed == [], f"{len(failed)} of {len(results)} failed: {failed[:3]}"


def stored_cases(cli: Run, db: str) -> list[str]:
    code, out, err = cli(*list_args(db))
    assert (code, err) == (0, "")
    return sorted(grant["case"] for grant in json.loads(out)["grants"])


def audit_entries(cli: Run, db: str) -> list[dict[str, Any]]:
    code, out, _ = cli("audit", "show", "--output", "json", "--db", db)
    assert code == 0
    entries: list[dict[str, Any]] = json.loads(out)["entries"]
    return entries


def verified_entries(cli: Run, db: str) -> int:
    code, out, err = cli("audit", "verify", "--output", "json", "--db", db)
    document = json.loads(out)
    assert (code, err, document["problem"]) == (0, "", None)
    entries: int = document["entries"]
    return entries


# --- storms ------------------------------------------------------------------------------------


def interleaved(grants: list[list[str]], others: list[list[str]]) -> list[list[str]]:
    """The other commands spread evenly among the grants, so they start while grants run."""
    commands = list(grants)
    for index, command in enumerate(others):
        commands.insert(index * (len(grants) // len(others) + 1) + 1, command)
    return commands


def test_thirty_grants_and_ten_lists_on_a_new_sqlite_file(cli: Run, tmp_path: Path) -> None:
    """The file does not exist: every process finds no schema, one creates it, the others wait
    for it and go on; the lists read without waiting for the grants."""
    db = str(tmp_path / "access.db")
    grants = [grant_args(db, number) for number in range(30)]
    assert_all_succeeded(run_forked(interleaved(grants, [list_args(db)] * 10), tmp_path))
    assert stored_cases(cli, db) == sorted(f"CASE-{number}" for number in range(30))
    assert verified_entries(cli, db) == 30
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_grants_lists_and_checks_on_an_existing_sqlite_file(cli: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "access.db")
    before = grant_args(db, 99)
    before[before.index("--engineer") + 1] = CHECKER
    assert cli(*before)[0] == 0
    grants = [grant_args(db, number) for number in range(20)]
    others = [list_args(db), check_args(db)] * 5
    # The checks are allowed (the checker's grant came first): every exit code is 0.
    assert_all_succeeded(run_forked(interleaved(grants, others), tmp_path))
    assert stored_cases(cli, db) == sorted([*(f"CASE-{number}" for number in range(20)), "CASE-99"])
    actions = [entry["action"] for entry in audit_entries(cli, db)]
    assert (actions.count(audit.GRANT), actions.count(audit.CHECK)) == (21, 5)
    assert verified_entries(cli, db) == 26


def test_the_console_script_in_parallel_on_a_new_sqlite_file(cli: Run, tmp_path: Path) -> None:
    """The same as real users start it: each process imports everything itself, Alembic
    included for the migration, while the others wait for or hold the lock."""
    db = str(tmp_path / "access.db")
    grants = [grant_args(db, number) for number in range(3)]
    assert_all_succeeded(run_console_scripts(interleaved(grants, [list_args(db)])))
    assert stored_cases(cli, db) == sorted(f"CASE-{number}" for number in range(3))
    assert verified_entries(cli, db) == 3


def test_fifty_parallel_grants_on_postgresql(
    cli: Run, postgres_server: Any, tmp_path: Path
) -> None:
    """Fifty appends race for the chain's head: none fails, none forks the chain, and grant ids
    follow the chain's order (each write transaction runs whole after the one before)."""
    with postgres_server.new_database() as url:
        db = url.render_as_string(hide_password=False)
        assert cli(*list_args(db))[0] == 0  # the schema exists: this storm is about appends
        results = run_forked([grant_args(db, number) for number in range(50)], tmp_path)
        assert_all_succeeded(results)
        assert stored_cases(cli, db) == sorted(f"CASE-{number}" for number in range(50))
        assert verified_entries(cli, db) == 50
        entries = audit_entries(cli, db)
        assert [entry["seq"] for entry in entries] == list(range(1, 51))
        granted = [entry["details"]["id"] for entry in entries]
        assert granted == sorted(granted)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_first_commands_on_a_new_database_create_one_schema(
    cli: Run, request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    """Six processes reach an empty database at the same moment, each finds no schema: the
    migration runs once, the others see it done, and all six commands succeed."""
    with _new_database(request, tmp_path, backend) as db:
        commands = [grant_args(db, number) for number in range(4)] + [list_args(db)] * 2
        assert_all_succeeded(run_forked(commands, tmp_path))
        engine = create_engine(sqlalchemy_url(db))
        with engine.connect() as connection:
            versions = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
            assert versions.all() == [("0001",)]
        engine.dispose()
        assert verified_entries(cli, db) == 4


@contextmanager
def _new_database(request: pytest.FixtureRequest, folder: Path, backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield str(folder / "access.db")
        return
    server = request.getfixturevalue("postgres_server")
    with server.new_database() as url:
        yield url.render_as_string(hide_password=False)


def test_appends_stay_ordered_when_the_server_defaults_to_serializable(
    postgres_server: Any,
) -> None:
    """Under REPEATABLE READ or SERIALIZABLE, a command that waited for a lock reads from before
    its wait: the first commands on a new database would each try to create the schema, and an
    append that waited for the head would fail. store pins READ COMMITTED whatever the server's
    default is."""
    with postgres_server.new_database() as url:
        db = url.render_as_string(hide_password=False)
        execute(
            db,
            f"ALTER DATABASE {url.database} SET default_transaction_isolation TO 'serializable'",
            drop_guards=False,
        )
        failures: list[BaseException] = []

        def worker(number: int) -> None:
            try:
                for round_ in range(4):
                    with store.write_transaction(url) as session:
                        store.check_access(
                            session, "edge-07", f"eng{number}", "view-logs",
                            at("2025-09-15"), at(f"2025-09-15T10:0{round_}:0{number}Z"),
                        )  # fmt: skip
            except BaseException as error:  # reported below
                failures.append(error)

        threads = [threading.Thread(target=worker, args=(number,)) for number in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with store.read_transaction(url) as session:
            result = audit.verify(session)
        assert (result.problem, result.entries) == (None, 24)


# --- reads -------------------------------------------------------------------------------------


def test_reads_do_not_wait_for_a_writer(
    cli: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another session holds the write lock, list, audit show and audit verify answer at
    once (a wait would end in the 0.3 s timeout); a check, which writes, does wait."""
    assert cli(*grant_args(db_url, 1))[0] == 0
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 0.3)
    with held_write_lock(db_url):
        assert stored_cases(cli, db_url) == ["CASE-1"]
        assert [entry["action"] for entry in audit_entries(cli, db_url)] == [audit.GRANT]
        assert verified_entries(cli, db_url) == 1
        code, _, err = cli(*check_args(db_url))
        assert code == 2 and "locked by another process" in err


def test_a_new_database_waits_for_a_writer_before_it_switches_to_wal(
    cli: Run, tmp_path: Path
) -> None:
    """Switching a database to write-ahead logging needs it to itself, and SQLite refuses at
    once, without its busy handler, while another connection holds the write lock: the first
    commands on a new file used to fail "locked" in a race. Now they wait like any writer."""
    path = tmp_path / "access.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    result: list[tuple[int, str, str]] = []
    command = threading.Thread(target=lambda: result.append(cli(*grant_args(str(path), 1))))
    command.start()
    command.join(0.3)
    assert command.is_alive(), "the command did not wait for the write lock"
    holder.execute("ROLLBACK")
    holder.close()
    command.join(STORM_TIMEOUT)
    assert [(code, err) for code, _, err in result] == [(0, "")]
    assert stored_cases(cli, str(path)) == ["CASE-1"]


def test_the_commands_load_alembic_only_to_migrate(cli: Run, tmp_path: Path) -> None:
    """The schema check needs no Alembic: a grant, a check and a list on an existing database
    leave it unloaded, and only a command on a new file loads it (which shows the probe sees
    it). One fresh interpreter runs the four in that order."""
    existing = str(tmp_path / "access.db")
    assert cli(*grant_args(existing, 1))[0] == 0
    commands = [
        grant_args(existing, 2),
        check_args(existing),
        list_args(existing),
        grant_args(str(tmp_path / "new.db"), 3),
    ]
    probe = (
        "import sys, json\n"
        "from arcsupport.cli.app import main\n"
        "for argv in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exited:\n"
        "        print('RESULT', exited.code, 'alembic' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(commands)],
        capture_output=True,
        text=True,
        check=True,
        timeout=STORM_TIMEOUT,
    )
    results = [line for line in ran.stdout.splitlines() if line.startswith("RESULT")]
    # The check is denied (no grant for the checker): exit 1.
    assert results == ["RESULT 0 False", "RESULT 1 False", "RESULT 0 False", "RESULT 0 True"]


@contextmanager
def read_only(folder: Path, database: Path, *, folder_mode: int, file_mode: int) -> Iterator[None]:
    """The folder and file with these modes, seen by a user the modes apply to: root ignores
    them, so as root the block runs with the effective user `nobody`."""
    folder.chmod(folder_mode)
    database.chmod(file_mode)
    as_root = os.geteuid() == 0
    try:
        if as_root:
            os.setegid(65534)
            os.seteuid(65534)
        yield
    finally:
        if as_root:
            os.seteuid(0)
            os.setegid(0)
        folder.chmod(0o700)
        database.chmod(0o600)


@pytest.mark.parametrize(
    ("folder_mode", "file_mode"),
    [(0o777, 0o444), (0o555, 0o666), (0o555, 0o444)],
    ids=["read-only-file", "read-only-folder", "both"],
)
def test_reads_need_no_write_access(cli: Run, folder_mode: int, file_mode: int) -> None:
    """list, audit show and audit verify work on a database the user may only read; check,
    which records to the audit log, says in one line that it cannot, and nothing changes."""
    # A folder of its own under the system temporary folder: pytest's are private to their
    # owner, and `nobody` must be able to reach this one.
    folder = Path(tempfile.mkdtemp(prefix="arcsupport-readonly-"))
    try:
        database = folder / "access.db"
        db = str(database)
        for number in range(3):
            assert cli(*grant_args(db, number))[0] == 0
        content = database.read_bytes()
        files = sorted(path.name for path in folder.iterdir())
        with read_only(folder, database, folder_mode=folder_mode, file_mode=file_mode):
            assert stored_cases(cli, db) == ["CASE-0", "CASE-1", "CASE-2"]
            assert len(audit_entries(cli, db)) == 3
            assert verified_entries(cli, db) == 3
            code, out, err = cli(*check_args(db))
            assert (code, out) == (2, "") and err.count("\n") == 1
            assert "cannot be written (a read-only file or folder)" in err
        assert database.read_bytes() == content
        if folder_mode == 0o555:
            assert sorted(path.name for path in folder.iterdir()) == files
    finally:
        folder.chmod(0o700)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def test_a_file_from_before_wal_is_switched_to_it_by_the_next_write(
    cli: Run, tmp_path: Path
) -> None:
    """Files written by an earlier arcsupport use SQLite's rollback journal, where a reader
    and the writer wait for each other; the first write after the upgrade switches the file."""
    db = str(tmp_path / "access.db")
    assert cli(*grant_args(db, 1))[0] == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    assert stored_cases(cli, db) == ["CASE-1"]  # a read leaves the file as it is
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert cli(*grant_args(db, 2))[0] == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert verified_entries(cli, db) == 2
