"""The access database: where it is, opening it, and the operations on grants.

Commands run in one of two kinds of transaction (docs/support-access.md, "Concurrency"):

- `write_transaction` (grant, revoke, check): one short transaction that holds the write lock
  (SQLite's BEGIN IMMEDIATE; on PostgreSQL the audit head row) only around the command's rows
  and audit entry. Imports, connecting and the schema check all come before it.
- `read_transaction` (list, audit show, audit verify): a snapshot that takes no write lock and
  needs no write access to the database.

Either checks the schema revision with one small query. Alembic is loaded, and a migration run
in a transaction of its own, only when the database is new or older than this arcsupport.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from sqlalchemy import Engine, String, column, create_engine, event, inspect, select, table
from sqlalchemy.engine import URL, Connection, RootTransaction, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, configure_mappers
from sqlalchemy.pool import NullPool

from arcsupport.access import audit
from arcsupport.access.consent import (
    Decision,
    GrantRecord,
    GrantRequest,
    cluster_key,
    decide,
    identity_key,
    iso,
)
from arcsupport.access.models import SCHEMA_REVISION, VERSION_TABLE, Grant
from arcsupport.errors import InputError

if TYPE_CHECKING:  # Alembic is imported only when a schema needs migrating
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# How long a command waits for the write lock (on PostgreSQL, for any lock) before giving up with
# one line. A write transaction holds the lock for milliseconds of work, but on a loaded machine
# (two cores, dozens of runnable processes) those take half a second of wall time, and twenty
# commands queued behind one another need ten: the wait is sized for such a queue. A stuck
# process is still reported, not waited for without end.
BUSY_TIMEOUT_SECONDS = 30.0

MIGRATIONS = Path(__file__).parent / "migrations"
_BACKENDS = ("sqlite", "postgresql")
# Execution option of a SQLite connection whose next transaction takes the write lock at BEGIN.
_WRITE = "arcsupport_write"
# The Alembic version tables of arcsupport's schemas (access, and the service's beside it).
_ARCSUPPORT_VERSION = re.compile(r"arcsupport_\w+_version")


def default_database_path() -> Path:
    return platformdirs.user_data_path("arcsupport") / "access.db"


def database_url(option: str | None) -> URL:
    """`--db` (or ARCSUPPORT_DB, which the option reads): a file path or a SQLAlchemy URL."""
    if option is None:
        path = default_database_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(str(path.parent), exc.strerror or str(exc)) from None
        return URL.create("sqlite", database=str(path))
    text = option.strip()
    if not text:
        raise InputError("--db", "is empty; give a file path or a database URL")
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        if path.is_dir():
            raise InputError(str(path), "is a folder; give the database file's path")
        if not path.parent.is_dir():
            raise InputError(str(path), "its folder does not exist")
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(text)
    except ArgumentError:
        raise InputError("--db", "is not a database URL (postgresql+psycopg://...)") from None
    if url.get_backend_name() not in _BACKENDS:
        raise InputError(describe(url), "only SQLite and PostgreSQL databases are supported")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise InputError(describe(url), "an in-memory database would keep nothing; give a file")
    return url


def describe(url: URL) -> str:
    """How errors name the database: a file's path, or the URL without its password."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def _connect_sqlite(path: str, *, read_only: bool) -> sqlite3.Connection:
    """A driver connection in autocommit mode: transactions are begun by `_sqlite_engine`'s hook,
    which decides whether they take the write lock at BEGIN."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        if not read_only:
            use_write_ahead_log(connection)
            return connection
        # SQLite itself refuses any write on this connection.
        connection.execute("PRAGMA query_only=ON")
        # Opened lazily: this read is where a WAL reader finds out whether it can create its
        # shared-memory file beside the database.
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError as error:
        connection.close()
        # What SQLite says when the shared-memory file does not exist and the folder is
        # read-only to this user, so that it cannot be created.
        if not read_only or error.sqlite_errorname != "SQLITE_READONLY_DIRECTORY":
            raise
    # No process has the database open (its shared-memory file would exist), and the last one
    # to close it moved all it had committed into the file: the file alone is the database.
    uri = Path(path).as_uri() + "?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)


def use_write_ahead_log(connection: sqlite3.Connection) -> None:
    """Write-ahead logging: readers never wait for the writer, nor the writer for them. The
    mode is kept in the file; once set, this is a no-op. Setting it on a new database needs the
    file to itself, and while another command holds the write lock SQLite answers "database is
    locked" at once instead of calling the busy handler; so this waits as the handler would."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.001
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorname != "SQLITE_BUSY" or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_engine(path: str, *, read_only: bool) -> Engine:
    engine = create_engine(
        "sqlite://",
        creator=lambda: _connect_sqlite(path, read_only=read_only),
        poolclass=NullPool,
    )

    # pysqlite would begin transactions itself, lazily and deferred; a deferred transaction that
    # later needs to write fails at once instead of waiting. A write transaction takes the lock
    # at BEGIN, so concurrent writers queue (up to the busy timeout); a read stays deferred and,
    # in WAL mode, reads one snapshot without locking anyone out.
    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgresql_engine(url: URL) -> Engine:
    milliseconds = int(BUSY_TIMEOUT_SECONDS * 1000)
    try:
        return create_engine(
            url,
            poolclass=NullPool,
            # Pinned whatever the server's default: under REPEATABLE READ or SERIALIZABLE, a
            # transaction that waited for a lock still reads from before its wait, so a first
            # command would not see the schema the one before it created, and an append that
            # waited for the head would fail instead of extending it (see audit.lock_head).
            isolation_level="READ COMMITTED",
            connect_args={"options": f"-c lock_timeout={milliseconds}", "connect_timeout": 10},
        )
    except ModuleNotFoundError:
        raise InputError(
            describe(url), "PostgreSQL needs the psycopg driver: pip install 'psycopg[binary]'"
        ) from None


def _engine(url: URL, *, read_only: bool) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(str(url.database), read_only=read_only)
    return _postgresql_engine(url)


def explain(error: DBAPIError, backend: str) -> str:
    """One line for a database failure, in the words a user can act on."""
    original = error.orig
    message = (str(original) if original is not None else str(error)).strip()
    first = message.splitlines()[0] if message else type(error).__name__
    lowered = message.lower()
    if "database is locked" in lowered or getattr(original, "sqlstate", None) == "55P03":
        return (
            f"the database is locked by another process (waited {BUSY_TIMEOUT_SECONDS:g}s); "
            "nothing was written, try again"
        )
    if backend == "sqlite" and ("not a database" in lowered or "malformed" in lowered):
        return f"is not a usable SQLite database ({first}); nothing was written"
    if backend == "sqlite" and "readonly database" in lowered:
        return (
            "cannot be written (a read-only file or folder); grant, revoke and check write to "
            "it (every check is audited), as does creating or upgrading its schema; nothing "
            "was written"
        )
    return f"database error: {first}; nothing was written"


def _schema_revisions(
    connection: Connection, version_table: str = VERSION_TABLE
) -> set[str] | None:
    """The revisions the database is at, or None when it has no such schema yet. Two small
    queries: this runs at the start of every command."""
    if not inspect(connection).has_table(version_table):
        return None
    version = column("version_num", String)
    return set(connection.scalars(select(version).select_from(table(version_table))))


def _scripts(migrations: Path) -> tuple[Config, ScriptDirectory]:
    # Alembic is imported here: only a database that needs migrating pays for it.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    # The option is interpolated by configparser: a `%` in an install path must be doubled.
    config.set_main_option("script_location", str(migrations).replace("%", "%%"))
    return config, ScriptDirectory.from_config(config)


def _current_heads(
    connection: Connection, where: str, script: ScriptDirectory, version_table: str
) -> set[str]:
    """The revisions the database is at; refuses what this arcsupport must not migrate."""
    from alembic.runtime.migration import MigrationContext

    if connection.dialect.name == "sqlite":
        # A file is arcsupport's alone; a PostgreSQL database may hold other schemas.
        tables = inspect(connection).get_table_names()
        if tables and not any(_ARCSUPPORT_VERSION.fullmatch(name) for name in tables):
            raise InputError(where, "holds another application's tables; choose another file")
    context = MigrationContext.configure(connection, opts={"version_table": version_table})
    current = set(context.get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    newer = sorted(current - known)
    if newer:
        raise InputError(
            where,
            f"was written by a newer arcsupport (schema revision {', '.join(newer)}; this "
            f"one knows up to {script.get_current_head()}); upgrade arcsupport to use it",
        )
    return current


def migrate(
    connection: Connection,
    where: str,
    migrations: Path = MIGRATIONS,
    version_table: str = VERSION_TABLE,
) -> None:
    """Bring one of arcsupport's schemas to the newest revision this arcsupport knows, inside
    the caller's write transaction. The service (arcsupport.service.db) runs the access
    migrations and its own through this, on the same database and in one transaction."""
    from alembic import command

    config, script = _scripts(migrations)
    heads = set(script.get_heads())
    if connection.dialect.name == "postgresql":
        # The row locks of a schema that does not exist yet cannot order two first commands on
        # a new database; this lock does, until the first commits.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('arcsupport-schema'))")
    # The cheap check first: commands that queued here behind the one that migrated hold the
    # lock for two small queries.
    if _schema_revisions(connection, version_table) == heads:
        return
    if _current_heads(connection, where, script, version_table) != heads:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _migrate(url: URL, where: str) -> None:
    """Bring the access schema to the newest revision, in a transaction of its own. Alembic is
    loaded and its scripts read before the write lock is taken; under the lock the revision is
    read again, because another command may have migrated in the meantime."""
    _, script = _scripts(MIGRATIONS)
    engine = _engine(url, read_only=False)
    try:
        with engine.connect() as connection:
            # Refused without the write lock: a database that cannot be migrated stops nobody.
            with connection.begin():
                if _current_heads(connection, where, script, VERSION_TABLE) == set(
                    script.get_heads()
                ):
                    return
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                migrate(connection, where)
    finally:
        engine.dispose()


def _begin_on_current_schema(
    connection: Connection, url: URL, where: str, *, write: bool
) -> RootTransaction:
    """A transaction on a database at SCHEMA_REVISION: migrated first if it is not."""
    if connection.dialect.name == "sqlite":
        connection.execution_options(**{_WRITE: write})
    transaction = connection.begin()
    if _schema_revisions(connection) == {SCHEMA_REVISION}:
        return transaction
    transaction.rollback()
    _migrate(url, where)
    transaction = connection.begin()
    if _schema_revisions(connection) != {SCHEMA_REVISION}:
        # Only another arcsupport, migrating this very moment, gets here.
        raise InputError(where, "its schema changed while this command started; try again")
    return transaction


@contextmanager
def _explained(url: URL) -> Iterator[None]:
    """Database failures and a missing audit head become one-line InputErrors."""
    try:
        yield
    except DBAPIError as error:
        raise InputError(describe(url), explain(error, url.get_backend_name())) from None
    except audit.HeadMissing:
        raise InputError(
            describe(url),
            "the audit log's head record is missing: the database was edited outside "
            "arcsupport (run `arcsupport audit verify`); nothing was written",
        ) from None


@contextmanager
def _connected(url: URL, *, read_only: bool) -> Iterator[Connection]:
    engine = _engine(url, read_only=read_only)
    try:
        # Before the first transaction: none of SQLAlchemy's set-up happens under a lock.
        configure_mappers()
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def write_transaction(url: URL) -> Iterator[Session]:
    """A session in one write transaction, committed when the block ends without an exception
    and rolled back otherwise. It begins by locking the audit head, so write transactions
    follow one another in the audit chain's order and each sees all that came before it. The
    block should do nothing but the command's reads and writes: the lock lasts as long."""
    where = describe(url)
    with _explained(url), _connected(url, read_only=False) as connection:
        transaction = _begin_on_current_schema(connection, url, where, write=True)
        with transaction, Session(bind=connection) as session:
            audit.lock_head(session)
            yield session
            session.flush()


@contextmanager
def read_transaction(url: URL) -> Iterator[Session]:
    """A session on one consistent snapshot of the database that takes no write lock and needs
    no write access. A database that does not exist yet, or has an older schema, is migrated
    first (that part writes)."""
    where = describe(url)
    with _explained(url):
        if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
            _migrate(url, where)
        with _connected(url, read_only=True) as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            transaction = _begin_on_current_schema(connection, url, where, write=False)
            with transaction, Session(bind=connection) as session:
                yield session


def create_grant(session: Session, request: GrantRequest, now: datetime) -> GrantRecord:
    grant = Grant(
        cluster=request.cluster,
        cluster_key=cluster_key(request.cluster),
        engineer=request.engineer,
        engineer_key=identity_key(request.engineer),
        actions=",".join(request.actions),
        case_id=request.case,
        approved_by=request.approved_by,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
    )
    session.add(grant)
    session.flush()
    record = grant.record()
    audit.append(session, now, request.approved_by, audit.GRANT, record.data())
    return record


def revoke_grant(
    session: Session, grant_id: int, by: str, reason: str | None, at: datetime, now: datetime
) -> GrantRecord:
    grant = session.get(Grant, grant_id, with_for_update=True)
    if grant is None:
        raise InputError(f"grant {grant_id}", "no such grant")
    if grant.revoked_at is not None:
        raise InputError(
            f"grant {grant_id}",
            f"already revoked at {iso(grant.revoked_at)} by {grant.revoked_by}",
        )
    grant.revoked_at = at
    grant.revoked_by = by
    grant.revoke_reason = reason
    session.flush()
    record = grant.record()
    audit.append(
        session,
        now,
        by,
        audit.REVOKE,
        {
            "id": grant_id,
            "revoked_at": iso(at),
            "revoked_by": by,
            "revoke_reason": reason,
        },
    )
    return record


def check_access(
    session: Session,
    cluster: str,
    engineer: str,
    action: str,
    at: datetime,
    now: datetime,
    within: Collection[int] | None = None,
) -> Decision:
    """The decision, and its audit entry whichever way it went. `within` limits the grants
    that count to those ids (the service's tenant: another tenant's cluster may share a name)."""
    query = select(Grant).where(
        Grant.cluster_key == cluster_key(cluster), Grant.engineer_key == identity_key(engineer)
    )
    if within is not None:
        query = query.where(Grant.id.in_(within))
    grants = session.scalars(query)
    decision = decide([grant.record() for grant in grants], action, at)
    audit.append(
        session,
        now,
        engineer,
        audit.CHECK,
        {
            "cluster": cluster,
            "engineer": engineer,
            "action": action,
            "at": iso(at),
            "allowed": decision.allowed,
            "reason": decision.reason,
            "grant": None if decision.grant is None else decision.grant.id,
        },
    )
    return decision


def list_grants(
    session: Session,
    cluster: str | None,
    active_at: datetime | None,
    within: Collection[int] | None = None,
) -> list[GrantRecord]:
    query = select(Grant).order_by(Grant.id)
    if within is not None:
        query = query.where(Grant.id.in_(within))
    if cluster is not None:
        query = query.where(Grant.cluster_key == cluster_key(cluster))
    records = [grant.record() for grant in session.scalars(query)]
    if active_at is None:
        return records
    return [record for record in records if record.state_at(active_at)[0] == "active"]
