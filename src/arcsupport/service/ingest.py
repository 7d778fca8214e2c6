"""An upload becomes stored clusters: the body (already spooled to a file, size-checked and
hashed) is read by the hardened readers of sources/, each cluster is judged, and everything is
written in one transaction: an upload is stored whole or not at all.

Each cluster is judged with the newest custom location offering among the latest snapshots of
the tenant's clusters on its Azure Local release, as `arcsupport fleet` judges a fleet
(offerings.py). An upload that changes which snapshot carries a release's newest offering (it
brings a newer one, or its cluster no longer carries the newest, or leaves the release) has the
tenant's clusters on that release judged again (reassess.py `reassess_release`) once it is
committed and before it is answered: not in its own transaction, where judging a release's
clusters would hold the database's write lock, and not left to the scheduler's next look,
which would show the fleet judged two ways until then. A cluster of the upload judged with an
offering that another upload outdated between its judgement and its commit is judged again too
(the other upload judges the rest), and the answer says what is stored. A cluster whose own
offering is as new as the release's newest is left as judged: the clusters of a site pushing
the same day's bundles at once judge nothing twice. Should the process end in between, the
next day's re-assessment judges the release with the shared offering.

The same bytes from the same tenant are answered from what they stored the first time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arcsupport.engine.assess import Assessment as Judgement
from arcsupport.engine.fleet import azure_local_release
from arcsupport.errors import InputError
from arcsupport.service import codec, history, offerings, store
from arcsupport.service.db import Database
from arcsupport.service.metrics import Metrics
from arcsupport.service.models import Cluster, Upload
from arcsupport.service.models import Snapshot as StoredSnapshot
from arcsupport.service.offerings import Shared, SharedOfferings
from arcsupport.service.policy import Policy
from arcsupport.service.reassess import judge, reassess_release
from arcsupport.service.store import Kind, Release
from arcsupport.service.tokens import Caller
from arcsupport.snapshot.model import Part, Snapshot
from arcsupport.sources.archive import ArchiveLimits

_ATTEMPTS = 3


class _AlreadyStored(Exception):
    """Another request stored the same bytes between the first look and the write."""


@dataclass(frozen=True)
class Received:
    """A request body on disk: its path (named after its hash, which names a cluster whose
    bundle does not) and its SHA-256."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Stored:
    """One cluster an upload named, and the judgement of what the upload showed of it;
    `latest` is false when a newer bundle of the cluster is stored (its verdict then stands)."""

    cluster: Cluster
    judgement: Judgement
    latest: bool


@dataclass(frozen=True)
class Outcome:
    created: bool
    sha256: str
    clusters: list[Stored]
    partial: bool


def _relative(received: Received, text: str) -> str:
    """Names as the client knows them: the upload's file name, not the spool folder."""
    return text.replace(f"{received.path.parent}/", "")


def _without_spool(received: Received, snapshot: Snapshot) -> Snapshot:
    snapshot.source = _relative(received, snapshot.source)
    snapshot.parts = {
        name: Part(part.name, _relative(received, part.path), part.provenance)
        for name, part in snapshot.parts.items()
    }
    return snapshot


def read_upload(
    received: Received, kind: Kind, limits: ArchiveLimits
) -> tuple[list[Snapshot], bool]:
    """The clusters the body holds, through the same readers as the CLI's; an error names
    the upload, never the spool folder."""
    from arcsupport.sources.inventory import read_inventory
    from arcsupport.sources.read import collector_paused, read_snapshot

    try:
        if kind == "bundle":
            return [_without_spool(received, read_snapshot(received.path, limits))], False
        with collector_paused():
            inventory = read_inventory(received.path)
        return [_without_spool(received, item) for item in inventory.clusters], inventory.partial
    except InputError as error:
        # The same kind of error (a size limit stays a 413), naming the upload.
        raise type(error)(_relative(received, error.where), error.problem) from None


@dataclass(frozen=True)
class _Prepared:
    snapshot: Snapshot
    body: bytes
    history: bytes
    judgement: Judgement
    azure_local_release: str | None
    offering_collected: date | None  # of the offering it carries itself
    shared: Shared  # what the judgement learned from the release's clusters


@dataclass(frozen=True)
class _Known:
    """What the database tells of a snapshot before it is judged."""

    previous: history.ScanRecord | None
    release: str | None
    shared: Shared


def _prepare(
    snapshot: Snapshot, known: _Known, policy: Policy, now: datetime, tenant: str, metrics: Metrics
) -> _Prepared:
    """With the facts the scans before it tell, stored as msgpack, and judged as read back
    from it: what re-assessment will read is what the first judgement was made on. Judged
    before the write transaction begins, so that the database's write lock is held only for
    writing."""
    record = history.with_history(snapshot, known.previous, policy.pack, now)
    body = codec.encode_snapshot(snapshot)
    stored = codec.decode_snapshot(body)
    return _Prepared(
        stored,
        body,
        history.encode(record),
        judge(stored, policy, now, tenant, metrics, known.shared.offering),
        known.release,
        offerings.collected(stored, known.release, policy.pack),
        known.shared,
    )


def _known(
    database: Database, tenant_id: int, snapshots: list[Snapshot], policy: Policy, now: datetime
) -> list[_Known]:
    shared = SharedOfferings(policy.pack)
    known = []
    with database.reading() as session:
        for snapshot in snapshots:
            release = azure_local_release(snapshot, policy.pack)
            known.append(
                _Known(
                    history.previous_scan(
                        session,
                        tenant_id,
                        store.cluster_key(snapshot),
                        snapshot.collected_at or now,
                    ),
                    release,
                    shared.of(session, None if release is None else Release(tenant_id, release)),
                )
            )
    return known


def ingest(
    database: Database,
    caller: Caller,
    kind: Kind,
    received: Received,
    policy: Policy,
    limits: ArchiveLimits,
    clock: Callable[[], datetime],
    metrics: Metrics,
) -> Outcome:
    started = time.perf_counter()
    with database.reading() as session:
        known = store.upload_named(session, caller.tenant_id, received.sha256)
        if known is not None:
            return _stored(session, known, policy, clock(), caller.tenant, metrics)
    snapshots, partial = read_upload(received, kind, limits)
    now = clock()
    prepared = [
        _prepare(snapshot, known, policy, now, caller.tenant, metrics)
        for snapshot, known in zip(
            snapshots, _known(database, caller.tenant_id, snapshots, policy, now), strict=True
        )
    ]
    for attempt in range(_ATTEMPTS):
        try:
            outcome, left = _write(
                database, caller, kind, received, prepared, partial, policy.digest, now
            )
        except (IntegrityError, _AlreadyStored):
            with database.reading() as session:
                known = store.upload_named(session, caller.tenant_id, received.sha256)
                if known is not None:
                    # The same bytes arrived twice at once; the other request stored them.
                    return _stored(session, known, policy, now, caller.tenant, metrics)
            # Another upload added one of these clusters meanwhile (PostgreSQL lets both
            # look, then refuses the second row): written again, the cluster is found.
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        again = _share_offerings(database, caller, prepared, outcome, left, policy, now, metrics)
        if again:
            outcome = _as_stored_now(database, outcome, again)
        metrics.ingested(caller.tenant, kind, time.perf_counter() - started)
        return outcome
    raise AssertionError("unreachable: the last attempt returns or raises")


def _share_offerings(
    database: Database,
    caller: Caller,
    prepared: list[_Prepared],
    outcome: Outcome,
    left: set[str],
    policy: Policy,
    now: datetime,
    metrics: Metrics,
) -> set[str]:
    """After the commit, against each release's carrier now: a release whose carrier this
    upload changed (or whose carrier's cluster left it) judged again, but for the upload's
    clusters whose judgement holds; the upload's clusters judged with an offering that another
    upload outdated meanwhile judged again (that upload judges the others). The upload's
    clusters judged again."""
    by_release: dict[str, list[tuple[_Prepared, Cluster]]] = {}
    for item, kept in zip(prepared, outcome.clusters, strict=True):
        if kept.latest and item.azure_local_release is not None:
            by_release.setdefault(item.azure_local_release, []).append((item, kept.cluster))
    changed: dict[str, set[str]] = {name: set() for name in left}  # each with its settled
    alone: dict[str, set[str]] = {}  # releases where only the upload's stale clusters are
    outdated: set[str] = set()
    with database.reading() as session:
        for name, items in by_release.items():
            carrier = store.offering_carrier(session, Release(caller.tenant_id, name))
            holding = {cluster.id for item, cluster in items if _holds(item, carrier)}
            stale = {cluster.id for _, cluster in items} - holding
            outdated |= stale
            if any(_changes(item, cluster, carrier) for item, cluster in items):
                changed[name] = holding
            elif stale:
                alone[name] = stale
    for name, settled in sorted(changed.items()):
        release = Release(caller.tenant_id, name)
        reassess_release(database, policy, now, metrics, release, settled=settled)
    for name, stale in sorted(alone.items()):
        release = Release(caller.tenant_id, name)
        reassess_release(database, policy, now, metrics, release, only=stale)
    return outdated


def _holds(item: _Prepared, carrier: store.Carrier | None) -> bool:
    """Whether the judgement is the one the release's carrier gives now: made with it, or
    with the cluster's own offering, as new as both (which the calendar then learns from)."""
    if carrier == item.shared.carrier:
        return True
    own = item.offering_collected
    days = [found.collected for found in (carrier, item.shared.carrier) if found is not None]
    return own is not None and all(own >= day for day in days)


def _changes(item: _Prepared, cluster: Cluster, carrier: store.Carrier | None) -> bool:
    """Whether this upload changed the release's carrier: its snapshot carries the newest
    offering now, or its cluster carried it and does no more."""
    before = item.shared.carrier
    if _carried_by(carrier, cluster):
        return before != carrier
    return before is not None and before.cluster_id == cluster.id and before != carrier


def _carried_by(carrier: store.Carrier | None, cluster: Cluster) -> bool:
    """Whether the cluster's latest snapshot is the carrier."""
    return (
        carrier is not None
        and carrier.cluster_id == cluster.id
        and carrier.snapshot_id == cluster.latest_snapshot_id
    )


def _as_stored_now(database: Database, outcome: Outcome, ids: set[str]) -> Outcome:
    """The upload's answer with the clusters that were judged again after its commit as they
    are stored now, so that it says what the service holds."""
    clusters = []
    with database.reading() as session:
        for kept in outcome.clusters:
            if kept.cluster.id in ids:
                cluster = store.cluster_of(session, kept.cluster.tenant_id, kept.cluster.id)
                if cluster is not None:
                    kept = Stored(cluster, store.latest_judgement(session, cluster), kept.latest)
            clusters.append(kept)
    return dataclasses.replace(outcome, clusters=clusters)


def _stored(
    session: Session, upload: Upload, policy: Policy, now: datetime, tenant: str, metrics: Metrics
) -> Outcome:
    shared = SharedOfferings(policy.pack)
    clusters = [
        Stored(
            cluster, *_judgement_of(session, snapshot, upload, shared, policy, now, tenant, metrics)
        )
        for snapshot, cluster in store.snapshots_of(session, upload)
    ]
    return Outcome(False, upload.sha256, clusters, upload.partial)


def _judgement_of(
    session: Session,
    snapshot: StoredSnapshot,
    upload: Upload,
    shared: SharedOfferings,
    policy: Policy,
    now: datetime,
    tenant: str,
    metrics: Metrics,
) -> tuple[Judgement, bool]:
    """The stored judgement of a snapshot that became its cluster's latest; one that never
    did (a bundle collected before the latest) is judged again, as it was when it came."""
    stored = store.judgement_of(session, snapshot)
    if stored is not None:
        return stored, True
    cluster = codec.decode_snapshot(snapshot.body)
    release = azure_local_release(cluster, policy.pack)
    where = None if release is None else Release(upload.tenant_id, release)
    offering = shared.of(session, where).offering
    return judge(cluster, policy, now, tenant, metrics, offering), False


def _write(
    database: Database,
    caller: Caller,
    kind: Kind,
    received: Received,
    prepared: list[_Prepared],
    partial: bool,
    digest: str,
    now: datetime,
) -> tuple[Outcome, set[str]]:
    """What was stored, and the releases whose offering a cluster carried as it left them."""
    left: set[str] = set()
    with database.writing() as session:
        known = store.upload_named(session, caller.tenant_id, received.sha256)
        if known is not None:
            # Stored by another request since the first look: the 200 answer is built then.
            raise _AlreadyStored
        upload = Upload(
            tenant_id=caller.tenant_id,
            sha256=received.sha256,
            kind=kind,
            size=received.size,
            received_at=now,
            partial=partial,
        )
        session.add(upload)
        session.flush()
        stored: list[Stored] = []
        for item in prepared:
            cluster, _ = store.find_or_add_cluster(session, caller.tenant_id, item.snapshot, now)
            observed = item.snapshot.collected_at or now
            latest = store.supersedes(session, cluster, kind, observed)
            row = store.add_snapshot(
                session, cluster, upload, kind, item.body, item.history,
                item.snapshot.collected_at, now,
            )  # fmt: skip
            if latest:
                if _carries_away(session, caller.tenant_id, cluster, item.azure_local_release):
                    left.add(str(cluster.azure_local_release))
                store.record_judgement(session, cluster, row.id, item.judgement, digest, "upload")
                cluster.azure_local_release = item.azure_local_release
                cluster.offering_collected = item.offering_collected
            stored.append(Stored(cluster, item.judgement, latest))
        return Outcome(True, received.sha256, stored, partial), left


def _carries_away(session: Session, tenant_id: int, cluster: Cluster, release: str | None) -> bool:
    """Whether the cluster, moving to `release`, takes the newest offering of the release it
    leaves with it (an Azure Local update moves every cluster in turn: only the carrier's
    move changes what the others share)."""
    if cluster.azure_local_release in (None, release) or cluster.offering_collected is None:
        return False
    left = Release(tenant_id, str(cluster.azure_local_release))
    return _carried_by(store.offering_carrier(session, left), cluster)
