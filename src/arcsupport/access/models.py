"""The access database's tables, as typed SQLAlchemy models. The migrations in `migrations/`
create exactly this schema (a test compares them) on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Dialect, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from arcsupport.access.consent import GrantRecord

# The hash an empty log's head carries and the first entry points back to.
GENESIS_HASH = "0" * 64
# Alembic's bookkeeping under arcsupport's own name: a shared PostgreSQL database may hold other
# applications that use Alembic's default `alembic_version`.
VERSION_TABLE = "arcsupport_schema_version"
# The newest migration's revision. Every command compares the database's revision with it, which
# needs no Alembic; only a database at another revision loads Alembic to migrate. A test holds it
# equal to the migrations' head.
SCHEMA_REVISION = "0001"


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no zones; PostgreSQL `timestamp` keeps them out of the
    comparison), read back as aware UTC, so both databases give the same values."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Grant(Base):
    """An owner's consent for one engineer to act on one cluster for a bounded time."""

    __tablename__ = "access_grant"
    # SQLite would otherwise reuse the id of a deleted last row; ids are cited in the audit log.
    __table_args__ = (
        Index("ix_access_grant_lookup", "cluster_key", "engineer_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster: Mapped[str] = mapped_column(String(1024))
    cluster_key: Mapped[str] = mapped_column(String(1024))
    engineer: Mapped[str] = mapped_column(String(256))
    engineer_key: Mapped[str] = mapped_column(String(256))
    # The canonical comma-separated list (consent.parse_actions); a closed set of three names.
    actions: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(128))
    approved_by: Mapped[str] = mapped_column(String(256))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(256))
    revoke_reason: Mapped[str | None] = mapped_column(String(1000))

    def record(self) -> GrantRecord:
        return GrantRecord(
            id=self.id,
            cluster=self.cluster,
            engineer=self.engineer,
            actions=tuple(self.actions.split(",")),
            case=self.case_id,
            approved_by=self.approved_by,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            revoked_at=self.revoked_at,
            revoked_by=self.revoked_by,
            revoke_reason=self.revoke_reason,
        )


class AuditEntry(Base):
    """One link of the hash chain. Every field is text or an integer, exactly as hashed, so the
    hash can be recomputed from the stored row (or from `audit show --output json`)."""

    __tablename__ = "audit_entry"

    # Assigned by the code as head + 1, never by the database: the chain has no gaps.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Fixed width (2025-09-15T08:00:00.000000Z), so text order is time order on every database.
    recorded_at: Mapped[str] = mapped_column(String(27), index=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry's sequence number and hash, updated in the same transaction as every
    append: truncating the log's tail leaves the head pointing past the end. On PostgreSQL its
    one row is also the lock that puts concurrent write transactions in order."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
