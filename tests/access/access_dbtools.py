"""Direct access to the test databases, as someone with write access to them would have it,
and commands run in parallel processes.

Plain functions, imported by the tests and by bench/access_concurrency.py; the fixtures are in
`access_db` (a pytest plugin).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from arcsupport.cli.app import main

# What the `cli` fixture returns: (exit code, stdout, stderr) of `arcsupport ARGS`.
Run = Callable[..., tuple[int, str, str]]

_SQLITE_TRIGGERS = ("audit_entry_no_update", "audit_entry_no_delete")
_POSTGRESQL_TRIGGERS = ("audit_entry_no_change", "audit_entry_no_truncate")


def sqlalchemy_url(db: str) -> URL:
    return make_url(db) if "://" in db else URL.create("sqlite", database=db)


def execute(db: str, *statements: str, drop_guards: bool = True) -> None:
    """Edit the database directly, as someone with write access to it would: the append-only
    triggers are dropped first (they stop accidents, not a determined editor)."""
    url = sqlalchemy_url(db)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if drop_guards and url.get_backend_name() == "sqlite":
                for trigger in _SQLITE_TRIGGERS:
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            elif drop_guards:
                for trigger in _POSTGRESQL_TRIGGERS:
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON audit_entry")
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextlib.contextmanager
def held_write_lock(db: str) -> Iterator[None]:
    """Another session in the middle of a write transaction: on SQLite it holds the database's
    write lock, on PostgreSQL the audit head row (what every append must lock)."""
    url = sqlalchemy_url(db)
    engine = create_engine(url)
    connection = engine.connect()
    try:
        if url.get_backend_name() == "sqlite":
            raw: Any = connection.connection.dbapi_connection
            raw.isolation_level = None
            raw.execute("BEGIN IMMEDIATE")
            yield
            raw.execute("ROLLBACK")
        else:
            transaction = connection.begin()
            connection.exec_driver_sql("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
            yield
            transaction.rollback()
    finally:
        connection.close()
        engine.dispose()


_COMMAND_MODULES = (
    "arcsupport.cli.access",
    "arcsupport.access.store",
    "arcsupport.access.rbac",
    "alembic.command",
    "alembic.config",
    "alembic.runtime.migration",
    "alembic.script",
)


def _forked_command(argv: list[str], start: Any, err_path: Path, timeout: float) -> None:
    # Closed by os._exit below, like everything else the child holds.
    sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115
    sys.stderr = err_path.open("w")
    start.wait(timeout=timeout)
    code: Any = 0
    try:
        main(argv)
    except SystemExit as exited:
        code = exited.code
    except BaseException as error:  # a traceback would go unseen: say what it was
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        code = 99
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)


def run_forked(
    commands: Sequence[list[str]], folder: Path, timeout: float = 120
) -> list[tuple[int, str]]:
    """Fork one process per command; a barrier releases them to call the CLI's main at the
    same moment. (exit code, stderr) of each; a child still running after `timeout` seconds is
    killed and counted as -1. The children start with everything the access commands import
    already loaded (Alembic too), so what they spend their time on is the command."""
    for module in _COMMAND_MODULES:
        importlib.import_module(module)
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(commands))
    children = []
    for number, command in enumerate(commands):
        err_path = folder / f"stderr-{number}.txt"
        child = context.Process(target=_forked_command, args=(command, start, err_path, timeout))
        child.start()
        children.append((child, err_path))
    results = []
    for child, err_path in children:
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
        results.append((-1 if child.exitcode is None else child.exitcode, err_path.read_text()))
    return results
