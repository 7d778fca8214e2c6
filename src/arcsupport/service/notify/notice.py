"""Which notifications are due, made into delivery rows: one per event and channel.

Events are found from what the service already keeps: the tenant's deadlines (the latest
assessments' `service_cluster_deadline` rows) and its verdict changes. A deadline is due for a
reminder once it is N days away or nearer, for the smallest of the tenant's N it is within: a
deadline first seen 20 days ahead gets the 30-day reminder, then the 7-day one, never the 90
after the 30. A verdict change is news to channels made before it, for a week.

Each row is inserted under the delivery key, and a key already there is skipped by the
database (ON CONFLICT DO NOTHING): two workers planning at once make each row once. The event
is fixed into the row as a `Notice`, so that retries send the same thing, whatever happens to
the cluster meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from arcsupport.i18n.message import Message
from arcsupport.service import codec
from arcsupport.service.models import (
    Assessment,
    Cluster,
    ClusterDeadline,
    NotifyChannel,
    NotifyDelivery,
    Tenant,
    VerdictChange,
)
from arcsupport.service.notify.settings import NotifySettings, tenant_settings
from arcsupport.service.store import Cause
from arcsupport.types import SEVERITY_RANK, VERDICTS, Lang, Severity, Verdict

Event = Literal["deadline", "verdict"]
# A verdict change older than this is no longer news (the service was down longer).
CHANGE_NEWS = timedelta(days=7)
# The findings a verdict change's notice names, most severe first.
REASONS = 5
_ENCODER = msgspec.msgpack.Encoder()


class Reason(msgspec.Struct, frozen=True):
    severity: Severity
    clauses: tuple[str, ...]
    message: Message


class DeadlineEvent(msgspec.Struct, frozen=True, tag="deadline"):
    day: date
    days_left: int
    threshold: int
    clauses: tuple[str, ...]
    what: Message


class VerdictEvent(msgspec.Struct, frozen=True, tag="verdict"):
    change_id: int
    at: datetime
    from_verdict: Verdict | None
    to_verdict: Verdict
    cause: Cause
    reasons: tuple[Reason, ...]


class Notice(msgspec.Struct, frozen=True):
    """One event about one cluster, as every channel is told it. `key` names the event the
    same for every channel, so a receiver can tell a repeat."""

    key: str
    tenant: str
    lang: Lang
    cluster_id: str
    cluster_name: str
    resource_id: str | None
    kubernetes_version: str | None
    verdict: Verdict
    detected_at: datetime
    event: DeadlineEvent | VerdictEvent


_NOTICE = msgspec.msgpack.Decoder(Notice)


def encode_notice(notice: Notice) -> bytes:
    return _ENCODER.encode(notice)


def decode_notice(data: bytes) -> Notice:
    return _NOTICE.decode(data)


def threshold(days_left: int, days: tuple[int, ...]) -> int | None:
    """The reminder a deadline `days_left` away is due for: the smallest N it is within."""
    if days_left < 0:
        return None
    within = [day for day in days if days_left <= day]
    return min(within) if within else None


def _verdict(value: str) -> Verdict:
    for verdict in VERDICTS:
        if value == verdict:
            return verdict
    raise ValueError(value)


def _notice(
    tenant: Tenant,
    settings: NotifySettings,
    cluster: Cluster,
    event: DeadlineEvent | VerdictEvent,
    subject: str,
    level: int,
    now: datetime,
) -> Notice:
    return Notice(
        key=f"{tenant.name}/{cluster.id}/{event_name(event)}/{subject}/{level}",
        tenant=tenant.name,
        lang=settings.lang,
        cluster_id=cluster.id,
        cluster_name=cluster.name,
        resource_id=cluster.resource_id,
        kubernetes_version=cluster.kubernetes_version,
        verdict=_verdict(cluster.verdict),
        detected_at=now,
        event=event,
    )


def event_name(event: DeadlineEvent | VerdictEvent) -> Event:
    return "deadline" if isinstance(event, DeadlineEvent) else "verdict"


def _deadline_events(
    session: Session, tenant: Tenant, settings: NotifySettings, now: datetime
) -> list[tuple[Cluster, DeadlineEvent, str, int]]:
    today = now.date()
    horizon = today + timedelta(days=max(settings.days))
    rows = session.execute(
        select(ClusterDeadline, Cluster)
        .join(Cluster, Cluster.id == ClusterDeadline.cluster_id)
        .where(
            ClusterDeadline.tenant_id == tenant.id,
            Cluster.tenant_id == tenant.id,
            ClusterDeadline.day >= today,
            ClusterDeadline.day <= horizon,
        )
        .order_by(ClusterDeadline.day, ClusterDeadline.cluster_id, ClusterDeadline.position)
    )
    events = []
    for deadline, cluster in rows:
        days_left = (deadline.day - today).days
        level = threshold(days_left, settings.days)
        if level is None:
            continue
        what = codec.decode_message(deadline.what)
        clauses = tuple(deadline.clauses.split())
        # The day, the clauses and what is due name a deadline across re-assessments (its
        # position among the cluster's deadlines may change).
        subject = f"{deadline.day.isoformat()} {deadline.clauses} {what.key}"[:300]
        event = DeadlineEvent(deadline.day, days_left, level, clauses, what)
        events.append((cluster, event, subject, level))
    return events


def _reasons(body: bytes) -> tuple[Reason, ...]:
    findings = sorted(
        codec.decode_assessment(body).findings,
        key=lambda finding: -SEVERITY_RANK.get(finding.severity, 0),
    )
    return tuple(
        Reason(finding.severity, finding.clauses, finding.message) for finding in findings[:REASONS]
    )


def _verdict_events(
    session: Session, tenant: Tenant, since: int, now: datetime
) -> list[tuple[Cluster, VerdictEvent, str, int]]:
    rows = session.execute(
        select(VerdictChange, Cluster, Assessment.body)
        .join(Cluster, Cluster.id == VerdictChange.cluster_id)
        .join(Assessment, Assessment.id == VerdictChange.assessment_id)
        .where(
            Cluster.tenant_id == tenant.id,
            VerdictChange.id > since,
            VerdictChange.at >= now - CHANGE_NEWS,
        )
        .order_by(VerdictChange.id)
    )
    events = []
    for change, cluster, body in rows:
        event = VerdictEvent(
            change_id=change.id,
            at=change.at,
            from_verdict=None if change.from_verdict is None else _verdict(change.from_verdict),
            to_verdict=_verdict(change.to_verdict),
            cause="upload" if change.cause == "upload" else "reassessment",
            reasons=_reasons(body),
        )
        events.append((cluster, event, str(change.id), 0))
    return events


def _known(
    session: Session, tenant_id: int, oldest: datetime
) -> set[tuple[str, str, str, int, int]]:
    """The delivery keys the tenant's recent events already have (so that only new ones are
    made into notices); the unique key still decides between two planners at once."""
    rows = session.execute(
        select(
            NotifyDelivery.cluster_id,
            NotifyDelivery.event,
            NotifyDelivery.subject,
            NotifyDelivery.threshold,
            NotifyDelivery.channel_id,
        ).where(NotifyDelivery.tenant_id == tenant_id, NotifyDelivery.created_at >= oldest)
    )
    return {
        (cluster, event, subject, level, channel)
        for cluster, event, subject, level, channel in rows
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(NotifyDelivery).on_conflict_do_nothing(
        index_elements=[
            "tenant_id",
            "cluster_id",
            "event",
            "subject",
            "threshold",
            "channel_id",
        ]
    )
    # A row met by a conflict returns no id: the count is of the rows really made.
    made = session.connection().execute(statement.returning(NotifyDelivery.id), rows)
    return len(made.all())


def plan(session: Session, now: datetime) -> int:
    """Make the delivery rows of every event now due; how many were new."""
    channels: dict[int, list[NotifyChannel]] = defaultdict(list)
    for channel in session.scalars(
        select(NotifyChannel).where(NotifyChannel.removed_at.is_(None)).order_by(NotifyChannel.id)
    ):
        channels[channel.tenant_id].append(channel)
    made = 0
    for tenant in session.scalars(select(Tenant).where(Tenant.id.in_(list(channels)))):
        settings = tenant_settings(tenant)
        own = channels[tenant.id]
        oldest = now - max(CHANGE_NEWS, timedelta(days=max(settings.days) + 1))
        known = _known(session, tenant.id, oldest)
        since = min(channel.since_change_id for channel in own)
        events: list[tuple[Cluster, DeadlineEvent | VerdictEvent, str, int]] = [
            *_deadline_events(session, tenant, settings, now),
            *_verdict_events(session, tenant, since, now),
        ]
        rows = []
        for cluster, event, subject, level in events:
            name = event_name(event)
            body: bytes | None = None
            for channel in own:
                if isinstance(event, VerdictEvent) and event.change_id <= channel.since_change_id:
                    continue
                if (cluster.id, name, subject, level, channel.id) in known:
                    continue
                if body is None:
                    body = encode_notice(
                        _notice(tenant, settings, cluster, event, subject, level, now)
                    )
                rows.append(
                    {
                        "tenant_id": tenant.id,
                        "cluster_id": cluster.id,
                        "event": name,
                        "subject": subject,
                        "threshold": level,
                        "channel_id": channel.id,
                        "notice": body,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                )
        made += _insert(session, rows)
    return made
