"""Verdicts that move with time: every cluster's latest snapshot judged again at a given
moment, without a new upload. A cluster that has crossed a deadline, or that a changed policy
judges otherwise, gets a new assessment and a verdict change; one judged the same has its latest
assessment confirmed at the new time.

Called by the scheduler (jobs.py) daily and when the policy's digest changes; batches are read
in one short transaction, judged outside any, and written in another, so uploads go on meanwhile.
A cluster that an upload moved on between the two is left to that upload's judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import msgspec
from sqlalchemy import select

from arcsupport.engine.assess import Assessment as Judgement
from arcsupport.service import codec, store
from arcsupport.service.db import Database
from arcsupport.service.ingest import judge
from arcsupport.service.metrics import Metrics
from arcsupport.service.models import Tenant
from arcsupport.service.policy import Policy

BATCH = 200


@dataclass(frozen=True)
class Reassessed:
    clusters: int
    changed: int  # clusters whose judgement changed (a new assessment row)
    verdicts_changed: int


def day_start(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time(0), tzinfo=UTC)


def due(database: Database, policy: Policy, at: datetime) -> int:
    """How many clusters were last judged before today, or by another policy."""
    with database.reading() as session:
        return store.due_for_reassessment(session, policy.digest, day_start(at))


def reassess_all(
    database: Database, policy: Policy, at: datetime, metrics: Metrics, batch: int = BATCH
) -> Reassessed:
    clusters = changed = verdicts = 0
    last = ""
    while True:
        with database.reading() as session:
            rows = store.clusters_after(session, last, batch)
            tenants = dict(session.execute(select(Tenant.id, Tenant.name)).all())
        if not rows:
            return Reassessed(clusters, changed, verdicts)
        last = rows[-1][0]
        judged = []
        for cluster_id, tenant_id, snapshot_id, snapshot_body, previous_body in rows:
            snapshot = codec.decode_snapshot(snapshot_body)
            judgement = judge(snapshot, policy, at, tenants.get(tenant_id, ""), metrics)
            judged.append(
                (cluster_id, snapshot_id, codec.decode_assessment(previous_body), judgement)
            )
        with database.writing() as session:
            found = store.clusters_named(session, [cluster_id for cluster_id, *_ in judged])
            confirmed = []
            renewed = []
            for cluster_id, snapshot_id, previous, judgement in judged:
                cluster = found.get(cluster_id)
                if cluster is None or cluster.latest_snapshot_id != snapshot_id:
                    continue  # an upload got there first, with a newer snapshot
                clusters += 1
                if _same(previous, judgement):
                    confirmed.append((cluster, judgement))
                    continue
                verdicts += previous.verdict != judgement.verdict
                renewed.append((cluster, snapshot_id, judgement))
            changed += len(renewed)
            store.confirm_judgements(session, confirmed, policy.digest)
            if renewed:
                store.record_judgements(session, renewed, policy.digest, "reassessment")


def _same(previous: Judgement, judgement: Judgement) -> bool:
    """The same judgement, whenever it was made."""
    same: bool = msgspec.structs.replace(previous, evaluated_at=judgement.evaluated_at) == judgement
    return same
