"""What the service's generic webhook receives (`arcsupport.notification/v1`): one event about
one cluster, a deadline coming near or a verdict that changed, with the words a person reads
(in the tenant's language) beside the facts a program reads. And what an admin reads of the
tenant's notifications (`arcsupport.notifications/v1`): its settings, channels (without their
secrets) and latest deliveries.

`id` names the event, the same on every try and for every channel: a receiver that sees an id
twice has been told twice (a worker that died after sending and before recording it) and may
drop the repeat."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from arcsupport.report.documents.base import ClauseId, Document, IsoDate, Timestamp
from arcsupport.report.documents.service import ClusterId
from arcsupport.types import Lang, Severity, Verdict


class NotifiedClusterDoc(Document, frozen=True):
    id: ClusterId
    name: str
    resource_id: str | None
    kubernetes_version: str | None
    verdict: Verdict


class DeadlineNoticeDoc(Document, frozen=True):
    """`threshold_days` is the tenant's reminder this is (90, 30, 7 by default);
    `days_left` is how far the deadline was when the event was found."""

    date: IsoDate
    days_left: int
    threshold_days: int
    clauses: list[ClauseId]
    what: str


class ReasonDoc(Document, frozen=True):
    severity: Severity
    clauses: list[ClauseId]
    title: str


class NotifiedChangeDoc(Document, frozen=True, rename={"from_": "from"}):
    """`from` is null for a cluster's first verdict; `cause` says whether a new upload or a
    re-assessment (time or the policy moved) changed it."""

    change_id: int
    at: Timestamp
    from_: Verdict | None
    to: Verdict
    cause: Literal["upload", "reassessment"]
    reasons: list[ReasonDoc]


class NotificationDoc(Document, frozen=True):
    """One event about one cluster (arcsupport.notification/v1): `deadline` is set for a
    deadline reminder, `verdict_change` for a verdict change."""

    schema: Literal["arcsupport.notification/v1"]
    id: str
    event: Literal["deadline", "verdict-change"]
    tenant: str
    lang: Lang
    detected_at: Timestamp
    title: str
    text: str
    cluster: NotifiedClusterDoc
    deadline: DeadlineNoticeDoc | None
    verdict_change: NotifiedChangeDoc | None


ReminderDays = Annotated[
    list[Annotated[int, msgspec.Meta(ge=1, le=366)]],
    msgspec.Meta(min_length=1, max_length=10, description="Days before a deadline to remind at"),
]


class NotifySettingsDoc(Document, frozen=True):
    """When the tenant is reminded (days before each deadline; every verdict change is told)
    and in which language."""

    days: ReminderDays
    lang: Lang


class ChannelDoc(Document, frozen=True):
    """A channel, by where it goes: its URL or password is never shown."""

    id: int
    kind: Literal["webhook", "slack", "teams", "email"]
    where: str
    created_at: Timestamp


class DeliveryDoc(Document, frozen=True):
    """One event for one channel: `pending` (waiting for its next attempt), `sending`,
    `sent`, `failed` (after the last attempt, or at once when retrying cannot help) or
    `cancelled` (its channel was removed)."""

    id: int
    channel_id: int
    cluster_id: ClusterId
    event: Literal["deadline", "verdict-change"]
    subject: str
    threshold_days: int | None
    status: Literal["pending", "sending", "sent", "failed", "cancelled"]
    attempts: int
    last_error: str | None
    created_at: Timestamp
    next_attempt_at: Timestamp | None
    sent_at: Timestamp | None


class NotificationsDoc(Document, frozen=True):
    """The tenant's notifications (arcsupport.notifications/v1): settings, channels, and the
    latest deliveries, newest first."""

    schema: Literal["arcsupport.notifications/v1"]
    settings: NotifySettingsDoc
    channels: list[ChannelDoc]
    deliveries: list[DeliveryDoc]
