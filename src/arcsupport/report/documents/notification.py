"""What the service's generic webhook receives (`arcsupport.notification/v1`): one event about
one cluster, a deadline coming near or a verdict that changed, with the words a person reads
(in the tenant's language) beside the facts a program reads.

`id` names the event, the same on every try and for every channel: a receiver that sees an id
twice has been told twice (a worker that died after sending and before recording it) and may
drop the repeat."""

from __future__ import annotations

from typing import Literal

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


class VerdictChangeDoc(Document, frozen=True, rename={"from_": "from"}):
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
    verdict_change: VerdictChangeDoc | None
