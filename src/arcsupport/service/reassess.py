"""Verdicts that move with time: every cluster's latest snapshot judged again at a given
moment, without a new upload. A cluster that has crossed a deadline, or that a changed policy
judges otherwise, gets a new assessment and a verdict change; one judged the same has its latest
assessment confirmed at the new time. Each is judged, as on upload, with the newest custom
location offering of its tenant's clusters on its Azure Local release (offerings.py).

Called by the scheduler (jobs.py) daily and when the policy's digest changes, and for one
tenant's release by the upload that changed the offering its clusters share (ingest.py);
batches are read in one short transaction, judged outside any, and written in another, so
uploads go on meanwhile. A cluster that an upload moved on between the two is left to that
upload's judgement, and so is one judged with an offering that an upload has since outdated.
"""

from __future__ import annotations

import time as clock
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time

import msgspec
from sqlalchemy import select

from arcsupport.engine.assess import Assessment as Judgement
from arcsupport.engine.assess import assess
from arcsupport.lifecycle.learn import Offering
from arcsupport.service import codec, store
from arcsupport.service.db import Database
from arcsupport.service.metrics import Metrics
from arcsupport.service.models import Tenant
from arcsupport.service.offerings import SharedOfferings
from arcsupport.service.policy import Policy
from arcsupport.service.store import Release
from arcsupport.snapshot.model import Snapshot

BATCH = 200


@dataclass(frozen=True)
class Reassessed:
    clusters: int
    changed: int  # clusters whose judgement changed (a new assessment row)
    verdicts_changed: int


def judge(
    snapshot: Snapshot,
    policy: Policy,
    at: datetime,
    tenant: str,
    metrics: Metrics,
    offering: Offering | None = None,
) -> Judgement:
    """`offering`: the newest one the tenant's clusters on the same release carry
    (offerings.py)."""
    started = clock.perf_counter()
    judgement = assess(snapshot, policy.pack, at, offering=offering)
    metrics.assessed(tenant, clock.perf_counter() - started)
    return judgement


def day_start(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time(0), tzinfo=UTC)


def due(database: Database, policy: Policy, at: datetime) -> int:
    """How many clusters were last judged before today, or by another policy."""
    with database.reading() as session:
        return store.due_for_reassessment(session, policy.digest, day_start(at))


def reassess_all(
    database: Database, policy: Policy, at: datetime, metrics: Metrics, batch: int = BATCH
) -> Reassessed:
    return _reassess(database, policy, at, metrics, batch, None, None, frozenset())


def reassess_release(
    database: Database,
    policy: Policy,
    at: datetime,
    metrics: Metrics,
    release: Release,
    *,
    only: Collection[str] | None = None,
    settled: Collection[str] = (),
    batch: int = BATCH,
) -> Reassessed:
    """The clusters of one tenant's release (those of `only`, when given; not those
    `settled`) judged again: the offering they share changed."""
    return _reassess(database, policy, at, metrics, batch, release, only, frozenset(settled))


@dataclass(frozen=True)
class _Judged:
    cluster_id: str
    snapshot_id: int
    previous: Judgement
    judgement: Judgement
    release: Release | None
    carrier: store.Carrier | None  # whose offering it was judged with


def _reassess(
    database: Database,
    policy: Policy,
    at: datetime,
    metrics: Metrics,
    batch: int,
    release: Release | None,
    only: Collection[str] | None,
    settled: frozenset[str],
) -> Reassessed:
    clusters = changed = verdicts = 0
    last = ""
    while True:
        with database.reading() as session:
            rows = store.clusters_after(session, last, batch, release, only)
            tenants = dict(session.execute(select(Tenant.id, Tenant.name)).all())
            # Read again for each batch: an upload may have brought a newer one meanwhile.
            shared = SharedOfferings(policy.pack)
            offered = [shared.of(session, row.release) for row in rows]
        if not rows:
            return Reassessed(clusters, changed, verdicts)
        last = rows[-1].cluster_id
        judged = [
            _Judged(
                row.cluster_id,
                row.snapshot_id,
                codec.decode_assessment(row.assessment),
                judge(
                    codec.decode_snapshot(row.snapshot),
                    policy,
                    at,
                    tenants.get(row.tenant_id, ""),
                    metrics,
                    found.offering,
                ),
                row.release,
                found.carrier,
            )
            for row, found in zip(rows, offered, strict=True)
            if row.cluster_id not in settled
        ]
        with database.writing() as session:
            carriers = {
                where: store.offering_carrier(session, where)
                for where in {item.release for item in judged}
                if where is not None
            }
            found = store.clusters_named(session, [item.cluster_id for item in judged])
            confirmed = []
            renewed = []
            for item in judged:
                cluster = found.get(item.cluster_id)
                if cluster is None or cluster.latest_snapshot_id != item.snapshot_id:
                    continue  # an upload got there first, with a newer snapshot
                if item.release is not None and carriers[item.release] != item.carrier:
                    # Another snapshot carries the release's newest offering since it was
                    # read: the upload that brought it judges the release again.
                    continue
                clusters += 1
                if _same(item.previous, item.judgement):
                    confirmed.append((cluster, item.judgement))
                    continue
                verdicts += item.previous.verdict != item.judgement.verdict
                renewed.append((cluster, item.snapshot_id, item.judgement))
            changed += len(renewed)
            store.confirm_judgements(session, confirmed, policy.digest)
            if renewed:
                store.record_judgements(session, renewed, policy.digest, "reassessment")


def _same(previous: Judgement, judgement: Judgement) -> bool:
    """The same judgement, whenever it was made."""
    same: bool = msgspec.structs.replace(previous, evaluated_at=judgement.evaluated_at) == judgement
    return same
