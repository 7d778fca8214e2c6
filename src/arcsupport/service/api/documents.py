"""Stored rows as the service's documents (report/documents/service.py)."""

from __future__ import annotations

from collections.abc import Sequence

from arcsupport.i18n import Lang, render
from arcsupport.report.documents.base import policy_doc
from arcsupport.report.documents.service import (
    ClusterSummaryDoc,
    HistoryAssessmentDoc,
    HistoryFactsDoc,
    MetadataDriftDoc,
    NodeDriftDoc,
    PoolDriftDoc,
    SnapshotRefDoc,
    StateRunDoc,
    TenantDeadlineDoc,
    VerdictChangeDoc,
)
from arcsupport.service import codec
from arcsupport.service.history import ScanRecord
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


def history_facts(record: ScanRecord) -> HistoryFactsDoc:
    facts = record.facts
    return HistoryFactsDoc(
        at=iso_time(record.summary.at),
        scans=facts.scans,
        previous_scan=None if facts.previous_scan is None else iso_time(facts.previous_scan),
        runs=[
            StateRunDoc(
                clock=clock,  # type: ignore[arg-type]
                state=run.state,
                since=iso_time(run.since),
                not_before=None if run.not_before is None else iso_time(run.not_before),
                last_seen=iso_time(run.last_seen),
                scans=run.scans,
            )
            for clock, run in sorted(facts.runs.items())
        ],
        metadata_drift=[
            MetadataDriftDoc(
                node=change.node,
                kind=change.kind,  # type: ignore[arg-type]
                key=change.key,
                before=change.before,
                after=change.after,
            )
            for change in facts.metadata_changes
        ],
        node_drift=[
            NodeDriftDoc(
                node=change.node,
                field=change.field,  # type: ignore[arg-type]
                before=change.before,
                after=change.after,
            )
            for change in facts.node_changes
        ],
        pool_drift=[
            PoolDriftDoc(pool=change.pool, joined=list(change.joined), left=list(change.left))
            for change in facts.pool_changes
        ],
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
