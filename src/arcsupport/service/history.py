"""History for an upload: the newest earlier scan of the same cluster (its summary and the
facts derived up to it) is read, and the pure `engine.history.derive` adds the new scan to it.

Each stored snapshot keeps its own `ScanRecord`, so an upload reads one row whatever the
cluster's age. A bundle sent late (collected before one already stored) is compared with the
scan before it; the scans stored after it keep the facts they were judged with.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcsupport.engine.history import compared_next, derive, summarize
from arcsupport.policy.model import Pack
from arcsupport.service.models import Cluster, Snapshot
from arcsupport.snapshot.history import HistoryFacts, ScanSummary
from arcsupport.snapshot.model import Snapshot as ClusterSnapshot


class ScanRecord(msgspec.Struct, frozen=True, gc=False):
    """What the next scan of the cluster compares with (`engine.history.compared_next`),
    and the facts derived up to this scan."""

    summary: ScanSummary
    facts: HistoryFacts


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(ScanRecord)


def encode(record: ScanRecord) -> bytes:
    return _ENCODER.encode(record)


def decode(data: bytes) -> ScanRecord:
    return _DECODER.decode(data)


def previous_scan(
    session: Session, tenant_id: int, key: str, before: datetime
) -> ScanRecord | None:
    """The record of the cluster's newest scan taken before `before`, if any."""
    moment = func.coalesce(Snapshot.collected_at, Snapshot.received_at)
    data = session.scalar(
        select(Snapshot.history)
        .join(Cluster, Cluster.id == Snapshot.cluster_id)
        .where(
            Cluster.tenant_id == tenant_id,
            Cluster.key == key,
            Snapshot.history.is_not(None),
            moment < before,
        )
        .order_by(moment.desc(), Snapshot.id.desc())
        .limit(1)
    )
    return None if data is None else decode(data)


def newest_scan(session: Session, cluster: Cluster) -> ScanRecord | None:
    """The record of the cluster's newest scan: the facts its history page shows."""
    moment = func.coalesce(Snapshot.collected_at, Snapshot.received_at)
    data = session.scalar(
        select(Snapshot.history)
        .where(Snapshot.cluster_id == cluster.id, Snapshot.history.is_not(None))
        .order_by(moment.desc(), Snapshot.id.desc())
        .limit(1)
    )
    return None if data is None else decode(data)


def with_history(
    snapshot: ClusterSnapshot, previous: ScanRecord | None, pack: Pack, received_at: datetime
) -> ScanRecord:
    """Sets `snapshot.history` from the scans before it; returns the record to store."""
    summary = summarize(snapshot, pack, received_at)
    facts = derive(
        summary,
        previous.summary if previous is not None else None,
        previous.facts if previous is not None else None,
    )
    snapshot.history = facts
    return ScanRecord(
        compared_next(summary, previous.summary if previous is not None else None), facts
    )
