"""The service's database: where it is, its engine, sessions to read and to write, and its
migrations (the access tables' and the service's, on the same database, in one transaction).

SQLite runs in WAL mode, so that requests read while an upload writes; a writing session takes
the write lock when it begins (BEGIN IMMEDIATE), so that two writers queue instead of one failing
halfway. PostgreSQL is reached through psycopg 3, with connections checked before use, so that a
restarted server costs the next request a reconnect rather than an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from arcsupport.access import store as access_store
from arcsupport.access.models import VERSION_TABLE as ACCESS_VERSION_TABLE
from arcsupport.errors import InputError
from arcsupport.service.models import VERSION_TABLE

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_SECONDS = access_store.BUSY_TIMEOUT_SECONDS


def default_database_path() -> Path:
    return platformdirs.user_data_path("arcsupport") / "service.db"


def database_url(option: str | None) -> URL:
    """`--db` (or ARCSUPPORT_SERVICE_DB): a SQLite file path or a SQLAlchemy URL; the
    default is service.db in the user's data folder."""
    if option is None:
        path = default_database_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(str(path.parent), exc.strerror or str(exc)) from None
        return URL.create("sqlite", database=str(path))
    return access_store.database_url(option)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would begin transactions itself, lazily and deferred; BEGIN is ours (below).
        dbapi_connection.isolation_level = None
        access_store.use_write_ahead_log(dbapi_connection)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("writing") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _postgresql_engine(url: URL) -> Engine:
    milliseconds = int(BUSY_TIMEOUT_SECONDS * 1000)
    try:
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=8,
            max_overflow=8,
            connect_args={"options": f"-c lock_timeout={milliseconds}", "connect_timeout": 10},
        )
    except ModuleNotFoundError:
        raise InputError(
            access_store.describe(url),
            "PostgreSQL needs the psycopg driver: pip install 'psycopg[binary]'",
        ) from None


def _job_queue_schema(connection: Connection) -> None:
    """procrastinate's tables (the job queue of jobs.py), made once, in the migrations'
    transaction. procrastinate ships its schema as one script of its own, not as Alembic
    revisions; a later procrastinate that changes it brings its migration scripts."""
    from procrastinate.schema import SchemaManager

    if connection.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is None:
        # Sent with (empty) parameters, so its `%` are written as psycopg's `%%`.
        connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


class DatabaseError(Exception):
    """The database failed (unreachable, locked too long): the request is answered 503."""


class Database:
    def __init__(self, url: URL) -> None:
        self.url = url
        self.where = access_store.describe(url)
        self.backend = url.get_backend_name()
        self.engine = _sqlite_engine(url) if self.backend == "sqlite" else _postgresql_engine(url)
        self._writer = self.engine.execution_options(writing=True)

    @contextmanager
    def _session(self, bind: Engine) -> Iterator[Session]:
        try:
            with (
                bind.connect() as connection,
                connection.begin(),
                Session(bind=connection, expire_on_commit=False) as session,
            ):
                yield session
                session.flush()
        except IntegrityError:
            # A constraint a concurrent request met first (the same upload twice at once): the
            # caller knows what it means.
            raise
        except DBAPIError as error:
            raise DatabaseError(access_store.explain(error, self.backend)) from error

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that reads (on SQLite, beside a writer)."""
        with self._session(self.engine) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that writes, committed when the block ends without an exception."""
        with self._session(self._writer) as session:
            yield session

    def upgrade(self) -> None:
        """The access migrations, then the service's: both or neither."""
        try:
            with self._writer.connect() as connection, connection.begin():
                access_store.migrate(connection, self.where)
                access_store.migrate(connection, self.where, MIGRATIONS, VERSION_TABLE)
                if self.backend == "postgresql":
                    _job_queue_schema(connection)
        except DBAPIError as error:
            raise InputError(self.where, access_store.explain(error, self.backend)) from None

    def schema_current(self) -> bool:
        """Both schemas at the newest revision this arcsupport knows (`/readyz`)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as connection:
            for folder, table in (
                (access_store.MIGRATIONS, ACCESS_VERSION_TABLE),
                (MIGRATIONS, VERSION_TABLE),
            ):
                script = ScriptDirectory(str(folder))
                context = MigrationContext.configure(connection, opts={"version_table": table})
                if set(context.get_current_heads()) != set(script.get_heads()):
                    return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def migrated(option: str | None) -> Iterator[Database]:
    """The database a command's `--db` names (else the default), brought to the newest schema
    and closed when the block ends: what every command on the service's database does."""
    database = Database(database_url(option))
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()
