"""The access database: where it is, opening it (migrated to the current schema), and the
operations on grants. Every command runs in one transaction, together with the migration that
opening may apply and the audit entries it appends: it is all written, or nothing is.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session
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
from arcsupport.access.models import VERSION_TABLE, Grant
from arcsupport.errors import InputError

# How long a command waits for another writer before giving up with one line: long enough for
# another arcsupport command to finish, short enough that a stuck process is reported, not hung.
BUSY_TIMEOUT_SECONDS = 5.0

MIGRATIONS = Path(__file__).parent / "migrations"
_BACKENDS = ("sqlite", "postgresql")
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


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    # pysqlite would begin transactions itself, lazily and deferred; a deferred transaction that
    # later needs to write fails at once instead of waiting. Taking the write lock at BEGIN makes
    # concurrent commands queue (up to the busy timeout) and keeps DDL inside the transaction.
    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(url: URL) -> Engine:
    milliseconds = int(BUSY_TIMEOUT_SECONDS * 1000)
    try:
        return create_engine(
            url,
            poolclass=NullPool,
            connect_args={"options": f"-c lock_timeout={milliseconds}", "connect_timeout": 10},
        )
    except ModuleNotFoundError:
        raise InputError(
            describe(url), "PostgreSQL needs the psycopg driver: pip install 'psycopg[binary]'"
        ) from None


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
    return f"database error: {first}; nothing was written"


def migrate(
    connection: Connection,
    where: str,
    migrations: Path = MIGRATIONS,
    version_table: str = VERSION_TABLE,
) -> None:
    """Bring the schema to the newest revision this arcsupport knows, inside the transaction.
    The service (arcsupport.service.db) runs its own migrations through this too, after these,
    on the same database and in the same transaction."""
    # Alembic is imported here: only commands that open the database pay for it.
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    # The option is interpolated by configparser: a `%` in an install path must be doubled.
    config.set_main_option("script_location", str(migrations).replace("%", "%%"))
    config.attributes["connection"] = connection
    script = ScriptDirectory.from_config(config)
    if connection.dialect.name == "sqlite":
        # A file is arcsupport's alone; a PostgreSQL database may be shared with other schemas.
        tables = inspect(connection).get_table_names()
        if tables and not any(_ARCSUPPORT_VERSION.fullmatch(table) for table in tables):
            raise InputError(where, "holds another application's tables; choose another file")
    context = MigrationContext.configure(connection, opts={"version_table": version_table})
    current = set(context.get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    newer = sorted(current - known)
    if newer:
        raise InputError(
            where,
            f"was written by a newer arcsupport (schema revision {', '.join(newer)}; this one "
            f"knows up to {script.get_current_head()}); upgrade arcsupport to use it",
        )
    if current == set(script.get_heads()):
        return
    if connection.dialect.name == "postgresql":
        # Two first commands on a new database would both create the tables and one would fail:
        # the second waits here for the first to commit, then finds nothing left to do. (SQLite's
        # BEGIN IMMEDIATE has already serialised them.)
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('arcsupport-schema'))")
        if set(context.get_current_heads()) == set(script.get_heads()):
            return
    command.upgrade(config, "head")


@contextmanager
def transaction(url: URL) -> Iterator[Session]:
    """A session on the migrated database, in one transaction committed when the block ends
    without an exception and rolled back otherwise. Database failures become InputError."""
    where = describe(url)
    backend = url.get_backend_name()
    engine = _sqlite_engine(url) if backend == "sqlite" else _postgresql_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            migrate(connection, where)
            with Session(bind=connection) as session:
                yield session
                session.flush()
    except DBAPIError as error:
        raise InputError(where, explain(error, backend)) from None
    except audit.HeadMissing:
        raise InputError(
            where,
            "the audit log's head record is missing: the database was edited outside "
            "arcsupport (run `arcsupport audit verify`); nothing was written",
        ) from None
    finally:
        engine.dispose()


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
