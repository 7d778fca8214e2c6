"""The service's tables, as typed SQLAlchemy models; `migrations/` creates exactly this schema
(a test compares them) on SQLite and on PostgreSQL, beside the access tables.

Everything a tenant owns hangs off `service_tenant`: every query of a request filters by the
caller's tenant (store.py), so the schema itself keeps no row visible across tenants.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from arcsupport.access.models import UTCDateTime

# Alembic's bookkeeping for these tables, beside the access tables' `arcsupport_schema_version`.
VERSION_TABLE = "arcsupport_service_version"
# A cluster without any deadline sorts after every dated one (and is shown without a date).
NO_DEADLINE = date(9999, 12, 31)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "service_tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How the tenant is told (notify/settings.py, as JSON): days before a deadline, language.
    # Null: the defaults.
    notify_settings: Mapped[str | None] = mapped_column(Text)


class Token(Base):
    """An API token: only its SHA-256 is kept (the token is 32 random bytes, so a plain hash
    is as good as a slow one and lets a request find its token with one indexed lookup)."""

    __tablename__ = "service_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Upload(Base):
    """One request body, known by its SHA-256 per tenant: the same bytes again are answered
    from what they produced the first time. The bytes themselves are not kept."""

    __tablename__ = "service_upload"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256", name="uq_service_upload_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # bundle | inventory
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A Resource Graph export that is one page of a longer result (its skip_token is set).
    partial: Mapped[bool] = mapped_column(Boolean, default=False)


class Cluster(Base):
    """A cluster of a tenant, known by its connected cluster's ARM id (lower-cased), else its
    name. The columns after `last_seen` repeat the latest assessment, so that listing and
    filtering a fleet reads one table."""

    __tablename__ = "service_cluster"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", name="uq_service_cluster_key"),
        # The list's order (most urgent first) and its cursor.
        Index(
            "ix_service_cluster_urgency", "tenant_id", "verdict_rank", "next_deadline", "name", "id"
        ),
        # The newest custom location offering of a tenant's release (service/offerings.py).
        Index(
            "ix_service_cluster_offering",
            "tenant_id",
            "azure_local_release",
            "offering_collected",
            "latest_snapshot_id",
        ),
    )

    # Random, not a sequence: an id says nothing about how many clusters other tenants have.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"))
    key: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(String(256))
    resource_id: Mapped[str | None] = mapped_column(String(1024))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    latest_snapshot_id: Mapped[int | None] = mapped_column(Integer)
    latest_assessment_id: Mapped[int | None] = mapped_column(Integer)
    kubernetes_version: Mapped[str | None] = mapped_column(String(64))
    # The Azure Local release (YYMM) of the host the latest snapshot shows, if it shows one.
    azure_local_release: Mapped[str | None] = mapped_column(String(8))
    # The day the custom location offering the latest snapshot carries was collected (its
    # bundle's azure/kubernetes-versions.json), when it carries one its release can share.
    offering_collected: Mapped[date | None] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(16))
    verdict_rank: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    next_deadline: Mapped[date] = mapped_column(Date)
    # When the latest assessment was made (or last confirmed by re-assessment).
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClusterClause(Base):
    """The clauses the latest assessment's findings cite (the list's `clause` filter)."""

    __tablename__ = "service_cluster_clause"

    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("service_cluster.id", ondelete="CASCADE"), primary_key=True
    )
    clause: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ClusterDeadline(Base):
    """The latest assessment's deadlines, in its order; `what` is the message as msgpack (a
    catalog key and arguments, rendered in the reader's language)."""

    __tablename__ = "service_cluster_deadline"
    __table_args__ = (Index("ix_service_cluster_deadline_day", "tenant_id", "day"),)

    cluster_id: Mapped[str] = mapped_column(
        ForeignKey("service_cluster.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    clauses: Mapped[str] = mapped_column(String(256))  # space-separated
    what: Mapped[bytes] = mapped_column(LargeBinary)


class Snapshot(Base):
    """A cluster as one upload showed it: the decoded Snapshot as msgpack (codec.py), which
    re-assessment reads back in a fraction of the time the original upload took to read."""

    __tablename__ = "service_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("service_upload.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # bundle | inventory
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # What later scans of the cluster compare with, and the facts derived up to this one
    # (history.py): the next upload reads this row alone, never the cluster's whole past.
    history: Mapped[bytes | None] = mapped_column(LargeBinary)


class Assessment(Base):
    """A snapshot judged: the engine's Assessment as msgpack (rendered into any document and
    language on request), its verdict and the pack it was judged by. Re-assessment adds a row
    when the judgement changed and otherwise moves the latest row's `evaluated_at` on."""

    __tablename__ = "service_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("service_snapshot.id"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pack_digest: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class VerdictChange(Base):
    """A cluster's verdict moved: on an upload, or on re-assessment as time or the policy
    moved (issue 14 notifies from these)."""

    __tablename__ = "service_verdict_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_verdict: Mapped[str | None] = mapped_column(String(16))
    to_verdict: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(16))  # upload | reassessment
    assessment_id: Mapped[int] = mapped_column(ForeignKey("service_assessment.id"))


class TenantGrant(Base):
    """Which tenant (and which of its clusters) an access grant was given for. The grant
    itself is the access module's (arcsupport.access), with its audit entries."""

    __tablename__ = "service_tenant_grant"

    grant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"), index=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"))


class TenantAuditEntry(Base):
    """The audit entries appended on a tenant's behalf (its grants, revocations, checks)."""

    __tablename__ = "service_tenant_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"), index=True)


class NotifyChannel(Base):
    """Where a tenant's notifications go. `target` is JSON (notify/settings.py) and holds
    secrets (a webhook URL is its own credential; an SMTP password): it is read to send and
    never shown or logged whole. A removed channel keeps its row for its deliveries' record."""

    __tablename__ = "service_notify_channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # webhook | slack | teams | email
    target: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Verdict changes up to this id happened before the channel existed: not news to send it.
    since_change_id: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotifyDelivery(Base):
    """One event for one channel. The unique key is what makes a notification go out once:
    whichever worker inserts the row first owns the event, and a worker sends only a row it
    has claimed (status `sending` with its own `claim`) in a committed transaction.

    `subject` names the event: a deadline's day and clauses (`2026-03-31 VER-1`), or a verdict
    change's id; `threshold` is the reminder's N days (0 for a verdict change). `notice` is the
    event as msgpack (notify/notice.py), fixed when the row is made, so every retry sends the
    same thing."""

    __tablename__ = "service_notify_delivery"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "cluster_id",
            "event",
            "subject",
            "threshold",
            "channel_id",
            name="uq_service_notify_delivery_event",
        ),
        Index("ix_service_notify_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"))
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"))
    event: Mapped[str] = mapped_column(String(16))  # deadline | verdict
    subject: Mapped[str] = mapped_column(String(300))
    threshold: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[int] = mapped_column(ForeignKey("service_notify_channel.id"), index=True)
    notice: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who is sending it and until when: a worker that died mid-send leaves a claim that
    # lapses, and the delivery is tried again.
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotifyAttempt(Base):
    """Each try of a delivery: when, and what went wrong (null: it was received)."""

    __tablename__ = "service_notify_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("service_notify_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(500))


class GrantRequest(Base):
    """A support engineer's request for access to one of the tenant's clusters, pending until
    an admin approves it (which records the grant, as the access module records every grant)
    or declines it. Each step is an audit entry; the row keeps where the request stands."""

    __tablename__ = "service_grant_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("service_tenant.id"), index=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("service_cluster.id"))
    engineer: Mapped[str] = mapped_column(String(256))
    actions: Mapped[str] = mapped_column(String(64))  # as consent.parse_actions writes them
    minutes: Mapped[int] = mapped_column(Integer)  # how long the grant runs once approved
    case_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(1000))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # pending | approved | declined
    decided_by: Mapped[str | None] = mapped_column(String(256))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    grant_id: Mapped[int | None] = mapped_column(Integer)  # the grant an approval recorded
