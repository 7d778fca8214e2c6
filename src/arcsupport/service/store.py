"""The service's reads and writes. Every function that answers a request takes the caller's
tenant and filters by it: a row of another tenant is never read, so it can never be shown.

A cluster's latest assessment is copied onto its row (verdict, nearest deadline, cited clauses,
deadlines), so that listing and filtering a fleet of thousands reads one indexed table, and a
page is found by keyset (the cursor carries the last row's sort key), not by offset.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

import msgspec
from sqlalchemy import Select, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from arcsupport.engine.assess import Assessment as Judgement
from arcsupport.errors import InputError
from arcsupport.service import codec
from arcsupport.service.models import (
    NO_DEADLINE,
    Assessment,
    Cluster,
    ClusterClause,
    ClusterDeadline,
    Snapshot,
    Upload,
    VerdictChange,
)
from arcsupport.snapshot.model import Snapshot as ClusterSnapshot
from arcsupport.types import VERDICTS

# Urgency order of the list: the order VERDICTS gives, most urgent first.
VERDICT_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
MAX_PAGE = 500
Kind = Literal["bundle", "inventory"]
Cause = Literal["upload", "reassessment"]


# --- cursors -------------------------------------------------------------------------------


def encode_cursor(key: Sequence[str | int]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, shape: tuple[type, ...]) -> tuple[str | int, ...]:
    """A cursor this service wrote, or a 400: it is the client's input like any other."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = msgspec.json.decode(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, msgspec.DecodeError, UnicodeEncodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(shape)
        or not all(type(value) is kind for value, kind in zip(values, shape, strict=True))
    ):
        raise InputError("cursor", "is not a cursor this service gave; start without one")
    return tuple(values)


def page_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InputError("limit", f"must be between 1 and {MAX_PAGE}")
    return limit


# --- clusters ------------------------------------------------------------------------------


def cluster_key(snapshot: ClusterSnapshot) -> str:
    """ARM ids are case-insensitive; a cluster known only by name is known by that name."""
    return snapshot.resource_id.lower() if snapshot.resource_id else snapshot.cluster_name


def cluster_of(session: Session, tenant_id: int, cluster_id: str) -> Cluster | None:
    return session.scalars(
        select(Cluster).where(Cluster.tenant_id == tenant_id, Cluster.id == cluster_id)
    ).one_or_none()


@dataclass(frozen=True)
class ClusterFilter:
    verdict: str | None = None
    clause: str | None = None
    deadline_before: date | None = None
    text: str | None = None
    azure_local_release: str | None = None


def _filtered(query: Select[Cluster], wanted: ClusterFilter) -> Select[Cluster]:
    if wanted.verdict is not None:
        query = query.where(Cluster.verdict == wanted.verdict)
    if wanted.clause is not None:
        cited = select(ClusterClause.cluster_id).where(ClusterClause.clause == wanted.clause)
        query = query.where(Cluster.id.in_(cited))
    if wanted.deadline_before is not None:
        query = query.where(Cluster.next_deadline < wanted.deadline_before)
    if wanted.azure_local_release is not None:
        query = query.where(Cluster.azure_local_release == wanted.azure_local_release)
    if wanted.text:
        # Escaped, so that % and _ in a name are matched as themselves.
        pattern = "%" + wanted.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_"
        ) + "%"  # fmt: skip
        query = query.where(
            or_(
                func.lower(Cluster.name).like(pattern, escape="\\"),
                func.lower(func.coalesce(Cluster.resource_id, "")).like(pattern, escape="\\"),
            )
        )
    return query


_CLUSTER_CURSOR = (int, str, str, str)


def list_clusters(
    session: Session, tenant_id: int, wanted: ClusterFilter, cursor: str | None, limit: int
) -> tuple[list[Cluster], str | None]:
    """A page of clusters, most urgent first: verdict, nearest deadline, name."""
    order = (Cluster.verdict_rank, Cluster.next_deadline, Cluster.name, Cluster.id)
    query = _filtered(select(Cluster).where(Cluster.tenant_id == tenant_id), wanted)
    if cursor is not None:
        rank, day, name, last = decode_cursor(cursor, _CLUSTER_CURSOR)
        try:
            after = date.fromisoformat(str(day))
        except ValueError:
            raise InputError("cursor", "is not a cursor this service gave") from None
        query = query.where(tuple_(*order) > tuple_(rank, after, name, last))
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    end = rows[-1]
    key = (end.verdict_rank, end.next_deadline.isoformat(), end.name, end.id)
    return rows, encode_cursor(key)


def every_cluster(session: Session, tenant_id: int) -> list[Cluster]:
    order = (Cluster.verdict_rank, Cluster.next_deadline, Cluster.name, Cluster.id)
    return list(
        session.scalars(select(Cluster).where(Cluster.tenant_id == tenant_id).order_by(*order))
    )


def latest_judgements(session: Session, tenant_id: int) -> list[Judgement]:
    """Every cluster's latest assessment, most urgent first (the fleet's CSV, SARIF, ICS)."""
    order = (Cluster.verdict_rank, Cluster.next_deadline, Cluster.name, Cluster.id)
    bodies = session.scalars(
        select(Assessment.body)
        .join(Cluster, Cluster.latest_assessment_id == Assessment.id)
        .where(Cluster.tenant_id == tenant_id)
        .order_by(*order)
    )
    return [codec.decode_assessment(body) for body in bodies]


def latest_judgement(session: Session, cluster: Cluster) -> Judgement:
    body = session.scalar(
        select(Assessment.body).where(Assessment.id == cluster.latest_assessment_id)
    )
    if body is None:  # every cluster is written with its first assessment
        raise LookupError(cluster.id)
    return codec.decode_assessment(body)


def latest_snapshot(session: Session, cluster: Cluster) -> ClusterSnapshot:
    body = session.scalar(select(Snapshot.body).where(Snapshot.id == cluster.latest_snapshot_id))
    if body is None:
        raise LookupError(cluster.id)
    return codec.decode_snapshot(body)


def verdict_counts(session: Session, tenant_id: int) -> dict[str, int]:
    """How many of the tenant's clusters have each verdict now."""
    rows = session.execute(
        select(Cluster.verdict, func.count())
        .where(Cluster.tenant_id == tenant_id)
        .group_by(Cluster.verdict)
    )
    return dict(rows.all())


def cited_clauses(session: Session, tenant_id: int) -> list[str]:
    """The clauses the tenant's latest findings cite (the values of the clause filter)."""
    return list(
        session.scalars(
            select(ClusterClause.clause)
            .join(Cluster, Cluster.id == ClusterClause.cluster_id)
            .where(Cluster.tenant_id == tenant_id)
            .distinct()
            .order_by(ClusterClause.clause)
        )
    )


def azure_local_releases(session: Session, tenant_id: int) -> list[str]:
    """The Azure Local releases the tenant's clusters run on."""
    return list(
        session.scalars(
            select(Cluster.azure_local_release)
            .where(Cluster.tenant_id == tenant_id, Cluster.azure_local_release.is_not(None))
            .distinct()
            .order_by(Cluster.azure_local_release)
        )
    )


def tenant_verdict_changes(session: Session, tenant_id: int) -> list[VerdictChange]:
    """Every verdict change of the tenant's clusters, oldest first (verdicts over time)."""
    return list(
        session.scalars(
            select(VerdictChange)
            .join(Cluster, Cluster.id == VerdictChange.cluster_id)
            .where(Cluster.tenant_id == tenant_id)
            .order_by(VerdictChange.at, VerdictChange.id)
        )
    )


# --- history -------------------------------------------------------------------------------


def history(
    session: Session, cluster: Cluster, cursor: str | None, limit: int
) -> tuple[list[tuple[Assessment, Snapshot]], list[VerdictChange], str | None]:
    """The cluster's assessments newest first (a page), and all its verdict changes."""
    query = (
        select(Assessment, Snapshot)
        .join(Snapshot, Snapshot.id == Assessment.snapshot_id)
        .where(Assessment.cluster_id == cluster.id)
    )
    if cursor is not None:
        (last,) = decode_cursor(cursor, (int,))
        query = query.where(Assessment.id < last)
    rows = [
        (assessment, snapshot)
        for assessment, snapshot in session.execute(
            query.order_by(Assessment.id.desc()).limit(limit + 1)
        )
    ]
    changes = list(
        session.scalars(
            select(VerdictChange)
            .where(VerdictChange.cluster_id == cluster.id)
            .order_by(VerdictChange.id.desc())
        )
    )
    if len(rows) <= limit:
        return rows, changes, None
    rows = rows[:limit]
    return rows, changes, encode_cursor((rows[-1][0].id,))


# --- deadlines -----------------------------------------------------------------------------

_DEADLINE_CURSOR = (str, str, int)


def deadlines(
    session: Session, tenant_id: int, before: date | None, cursor: str | None, limit: int
) -> tuple[list[tuple[ClusterDeadline, Cluster]], str | None]:
    """The tenant's deadlines, soonest first."""
    order = (ClusterDeadline.day, ClusterDeadline.cluster_id, ClusterDeadline.position)
    query = (
        select(ClusterDeadline, Cluster)
        .join(Cluster, Cluster.id == ClusterDeadline.cluster_id)
        .where(ClusterDeadline.tenant_id == tenant_id, Cluster.tenant_id == tenant_id)
    )
    if before is not None:
        query = query.where(ClusterDeadline.day < before)
    if cursor is not None:
        day, cluster_id, position = decode_cursor(cursor, _DEADLINE_CURSOR)
        try:
            after = date.fromisoformat(str(day))
        except ValueError:
            raise InputError("cursor", "is not a cursor this service gave") from None
        query = query.where(tuple_(*order) > tuple_(after, cluster_id, position))
    rows = [
        (deadline, cluster)
        for deadline, cluster in session.execute(query.order_by(*order).limit(limit + 1))
    ]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    end = rows[-1][0]
    return rows, encode_cursor((end.day.isoformat(), end.cluster_id, end.position))


# --- writing -------------------------------------------------------------------------------


def upload_named(session: Session, tenant_id: int, sha256: str) -> Upload | None:
    return session.scalars(
        select(Upload).where(Upload.tenant_id == tenant_id, Upload.sha256 == sha256)
    ).one_or_none()


def snapshots_of(session: Session, upload: Upload) -> list[tuple[Snapshot, Cluster]]:
    rows = session.execute(
        select(Snapshot, Cluster)
        .join(Cluster, Cluster.id == Snapshot.cluster_id)
        .where(Snapshot.upload_id == upload.id)
        .order_by(Snapshot.id)
    )
    return [(snapshot, cluster) for snapshot, cluster in rows]


def judgement_of(session: Session, snapshot: Snapshot) -> Judgement | None:
    """The newest assessment of a snapshot (none when it was never the cluster's latest)."""
    body = session.scalar(
        select(Assessment.body)
        .where(Assessment.snapshot_id == snapshot.id)
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    return None if body is None else codec.decode_assessment(body)


def find_or_add_cluster(
    session: Session, tenant_id: int, snapshot: ClusterSnapshot, now: datetime
) -> tuple[Cluster, bool]:
    key = cluster_key(snapshot)
    # Locked until the upload commits: two uploads of one cluster decide in turn which of
    # them is its latest (on SQLite, BEGIN IMMEDIATE has already put them in turn).
    cluster = session.scalars(
        select(Cluster).where(Cluster.tenant_id == tenant_id, Cluster.key == key).with_for_update()
    ).one_or_none()
    if cluster is not None:
        cluster.last_seen = now
        return cluster, False
    cluster = Cluster(
        id=uuid.uuid4().hex,
        tenant_id=tenant_id,
        key=key,
        name=snapshot.cluster_name,
        resource_id=snapshot.resource_id or None,
        first_seen=now,
        last_seen=now,
        verdict="unsupported",
        verdict_rank=0,
        complete=False,
        next_deadline=NO_DEADLINE,
        evaluated_at=now,
    )
    session.add(cluster)
    session.flush()
    return cluster, True


def supersedes(session: Session, cluster: Cluster, kind: Kind, observed_at: datetime) -> bool:
    """Whether a new snapshot becomes the cluster's latest. A bundle shows far more than
    Resource Graph rows do, so rows stand in only for a cluster no bundle has shown; among
    bundles, the one collected last wins (an old bundle sent late does not undo a newer)."""
    if cluster.latest_snapshot_id is None:
        return True
    current = session.get(Snapshot, cluster.latest_snapshot_id)
    if current is None:
        return True
    if current.kind == "bundle" and kind == "inventory":
        return False
    if current.kind == "inventory" and kind == "bundle":
        return True
    return observed_at >= (current.collected_at or current.received_at)


def add_snapshot(
    session: Session,
    cluster: Cluster,
    upload: Upload,
    kind: Kind,
    body: bytes,
    history: bytes,
    collected_at: datetime | None,
    now: datetime,
) -> Snapshot:
    row = Snapshot(
        cluster_id=cluster.id,
        upload_id=upload.id,
        kind=kind,
        received_at=now,
        collected_at=collected_at,
        body=body,
        history=history,
    )
    session.add(row)
    session.flush()
    return row


def record_judgement(
    session: Session,
    cluster: Cluster,
    snapshot_id: int,
    judgement: Judgement,
    digest: str,
    cause: Cause,
) -> None:
    """A new latest assessment: stored, copied onto the cluster's row, and its verdict change
    recorded (from nothing, for a cluster's first)."""
    record_judgements(session, [(cluster, snapshot_id, judgement)], digest, cause)


def record_judgements(
    session: Session,
    judged: Sequence[tuple[Cluster, int, Judgement]],
    digest: str,
    cause: Cause,
) -> None:
    """`record_judgement` for many clusters at once, in a few statements (re-assessment)."""
    rows = [
        Assessment(
            cluster_id=cluster.id,
            snapshot_id=snapshot_id,
            evaluated_at=judgement.evaluated_at,
            pack_digest=digest,
            verdict=judgement.verdict,
            body=codec.encode_assessment(judgement),
        )
        for cluster, snapshot_id, judgement in judged
    ]
    session.add_all(rows)
    session.flush()  # the rows' ids, which the clusters and the verdict changes cite
    for (cluster, snapshot_id, judgement), row in zip(judged, rows, strict=True):
        previous = None if cluster.latest_assessment_id is None else cluster.verdict
        if previous != judgement.verdict:
            session.add(
                VerdictChange(
                    cluster_id=cluster.id,
                    at=judgement.evaluated_at,
                    from_verdict=previous,
                    to_verdict=judgement.verdict,
                    cause=cause,
                    assessment_id=row.id,
                )
            )
        cluster.latest_snapshot_id = snapshot_id
        cluster.latest_assessment_id = row.id
        cluster.name = judgement.cluster_name or cluster.name
        cluster.resource_id = judgement.resource_id or cluster.resource_id
        cluster.kubernetes_version = judgement.kubernetes_version
        cluster.verdict = judgement.verdict
        cluster.verdict_rank = VERDICT_RANK[judgement.verdict]
        cluster.complete = judgement.complete
        cluster.next_deadline = judgement.deadlines[0].date if judgement.deadlines else NO_DEADLINE
        cluster.evaluated_at = judgement.evaluated_at
    _copy_details(session, [(cluster, judgement) for cluster, _, judgement in judged])


def confirm_judgements(
    session: Session, confirmed: Sequence[tuple[Cluster, Judgement]], digest: str
) -> None:
    """Re-assessment found the same judgements: each latest row now says when it was
    confirmed, instead of a new row each day that says the same."""
    if not confirmed:
        return
    session.execute(
        update(Assessment),
        [
            {
                "id": cluster.latest_assessment_id,
                "evaluated_at": judgement.evaluated_at,
                "pack_digest": digest,
                "body": codec.encode_assessment(judgement),
            }
            for cluster, judgement in confirmed
        ],
    )
    for cluster, judgement in confirmed:
        cluster.evaluated_at = judgement.evaluated_at


def _copy_details(session: Session, judged: Sequence[tuple[Cluster, Judgement]]) -> None:
    """The cited clauses and the deadlines of each cluster's latest judgement, replaced."""
    ids = [cluster.id for cluster, _ in judged]
    with session.no_autoflush:
        session.execute(delete(ClusterClause).where(ClusterClause.cluster_id.in_(ids)))
        session.execute(delete(ClusterDeadline).where(ClusterDeadline.cluster_id.in_(ids)))
    clauses = [
        {"cluster_id": cluster.id, "clause": clause}
        for cluster, judgement in judged
        for clause in sorted({c for finding in judgement.findings for c in finding.clauses})
    ]
    deadlines = [
        {
            "cluster_id": cluster.id,
            "position": position,
            "tenant_id": cluster.tenant_id,
            "day": deadline.date,
            "clauses": " ".join(deadline.clauses),
            "what": codec.encode_message(deadline.what),
        }
        for cluster, judgement in judged
        for position, deadline in enumerate(judgement.deadlines)
    ]
    if clauses:
        session.execute(insert(ClusterClause), clauses)
    if deadlines:
        session.execute(insert(ClusterDeadline), deadlines)


def clusters_named(session: Session, ids: Sequence[str]) -> dict[str, Cluster]:
    """The clusters of these ids, locked until the transaction ends (re-assessment's batch)."""
    query = select(Cluster).where(Cluster.id.in_(ids)).with_for_update()
    return {cluster.id: cluster for cluster in session.scalars(query)}


def due_for_reassessment(session: Session, digest: str, day_start: datetime) -> int:
    """Clusters whose latest assessment is from before today or by another pack."""
    count = session.scalar(
        select(func.count())
        .select_from(Cluster)
        .join(Assessment, Assessment.id == Cluster.latest_assessment_id)
        .where(or_(Assessment.pack_digest != digest, Assessment.evaluated_at < day_start))
    )
    return int(count or 0)


@dataclass(frozen=True)
class Release:
    """One tenant's clusters on one Azure Local release."""

    tenant_id: int
    name: str


@dataclass(frozen=True)
class Latest:
    """A cluster's latest snapshot and assessment, as re-assessment reads them."""

    cluster_id: str
    tenant_id: int
    snapshot_id: int
    snapshot: bytes
    assessment: bytes
    release: Release | None  # its Azure Local release, the tenant's


def clusters_after(
    session: Session,
    last_id: str,
    limit: int,
    release: Release | None = None,
    ids: Collection[str] | None = None,
) -> list[Latest]:
    """A batch of clusters in id order, across tenants (re-assessment) or of one `release`
    (those of `ids` only, when given)."""
    query = (
        select(
            Cluster.id,
            Cluster.tenant_id,
            Snapshot.id,
            Snapshot.body,
            Assessment.body,
            Cluster.azure_local_release,
        )
        .join(Snapshot, Snapshot.id == Cluster.latest_snapshot_id)
        .join(Assessment, Assessment.id == Cluster.latest_assessment_id)
        .where(Cluster.id > last_id)
    )
    if release is not None:
        query = query.where(
            Cluster.tenant_id == release.tenant_id, Cluster.azure_local_release == release.name
        )
    if ids is not None:
        query = query.where(Cluster.id.in_(ids))
    rows = session.execute(query.order_by(Cluster.id).limit(limit))
    return [
        Latest(
            cluster_id,
            tenant_id,
            snapshot_id,
            snapshot,
            assessment,
            None if name is None else Release(tenant_id, name),
        )
        for cluster_id, tenant_id, snapshot_id, snapshot, assessment, name in rows
    ]


# --- offerings -----------------------------------------------------------------------------


class Carrier(NamedTuple):
    """The cluster whose latest snapshot carries a release's newest offering."""

    cluster_id: str
    snapshot_id: int
    collected: date  # the offering's day


def offering_carrier(session: Session, release: Release) -> Carrier | None:
    """The cluster of the release whose latest snapshot carries the newest custom location
    offering; of those collected the same day, the one stored first (as `arcsupport fleet`
    takes the first given): the clusters pushing their bundles on one day leave the first
    one's in place, instead of each having the release judged again."""
    row = session.execute(
        select(Cluster.id, Cluster.latest_snapshot_id, Cluster.offering_collected)
        .where(
            Cluster.tenant_id == release.tenant_id,
            Cluster.azure_local_release == release.name,
            Cluster.offering_collected.is_not(None),
        )
        .order_by(Cluster.offering_collected.desc(), Cluster.latest_snapshot_id)
        .limit(1)
    ).first()
    if row is None or row[1] is None or row[2] is None:
        return None
    return Carrier(row[0], row[1], row[2])


def snapshot_body(session: Session, snapshot_id: int) -> bytes:
    body = session.scalar(select(Snapshot.body).where(Snapshot.id == snapshot_id))
    if body is None:
        raise LookupError(snapshot_id)
    return body
