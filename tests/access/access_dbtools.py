"""Direct access to the test databases, as someone with write access to them would have it.

Plain functions, imported by the tests; the fixtures are in `access_db` (a pytest plugin).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

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
