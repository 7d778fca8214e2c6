"""Stored rows as the service's documents (report/documents/service.py)."""

from __future__ import annotations

from collections.abc import Sequence

from arcsupport.i18n import Lang, render
from arcsupport.report.documents.base import policy_doc
from arcsupport.report.documents.service import (
    ClusterSummaryDoc,
    HistoryAssessmentDoc,
    SnapshotRefDoc,
    TenantDeadlineDoc,
    VerdictChangeDoc,
)
from arcsupport.service import codec
from arcsupport.service.models import (
    NO_DEADLINE,
    Assessment,
    Cluster,
    ClusterDeadline,
    Snapshot,
    VerdictChange,
)
from arcsupport.timeutil import iso_time


def cluster_summary(cluster: Cluster) -> ClusterSummaryDoc:
    return ClusterSummaryDoc(
        id=cluster.id,
        name=cluster.name,
        resource_id=cluster.resource_id,
        kubernetes_version=cluster.kubernetes_version,
        verdict=cluster.verdict,  # type: ignore[arg-type]
        complete=cluster.complete,
        next_deadline=None
        if cluster.next_deadline == NO_DEADLINE
        else cluster.next_deadline.isoformat(),
        last_seen=iso_time(cluster.last_seen),
        evaluated_at=iso_time(cluster.evaluated_at),
    )


def history_entry(assessment: Assessment, snapshot: Snapshot) -> HistoryAssessmentDoc:
    judgement = codec.decode_assessment(assessment.body)
    return HistoryAssessmentDoc(
        evaluated_at=iso_time(assessment.evaluated_at),
        verdict=judgement.verdict,
        policy=policy_doc(judgement.policy),
        snapshot=SnapshotRefDoc(
            kind=snapshot.kind,  # type: ignore[arg-type]
            received_at=iso_time(snapshot.received_at),
            collected_at=None if snapshot.collected_at is None else iso_time(snapshot.collected_at),
        ),
    )


def verdict_change(change: VerdictChange) -> VerdictChangeDoc:
    return VerdictChangeDoc(
        at=iso_time(change.at),
        from_verdict=change.from_verdict,  # type: ignore[arg-type]
        to_verdict=change.to_verdict,  # type: ignore[arg-type]
        cause=change.cause,  # type: ignore[arg-type]
    )


def tenant_deadlines(
    rows: Sequence[tuple[ClusterDeadline, Cluster]], lang: Lang
) -> list[TenantDeadlineDoc]:
    return [
        TenantDeadlineDoc(
            cluster_id=cluster.id,
            cluster=cluster.name,
            date=deadline.day.isoformat(),
            clauses=tuple(deadline.clauses.split()),
            what=render(lang, codec.decode_message(deadline.what)),
        )
        for deadline, cluster in rows
    ]
