"""Many clusters at once: each snapshot assessed, with the same pack, time and advisories, and
with the newest custom location offering any bundle of its Azure Local release carries; a
cluster given twice counts once, and a fleet read from one page of a longer Resource Graph
result says it is partial."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.learn import Offering, newest
from arcsupport.policy.model import Pack
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.model import Snapshot

if TYPE_CHECKING:
    from arcsupport.snapshot.advisory import Advisory


class Fleet(msgspec.Struct, frozen=True, gc=False):
    assessments: list[Assessment]  # clusters that are not AKS Arc too, as `not-applicable`
    partial: bool = False  # some clusters are missing: a source was one page of a longer result
    notices: tuple[Message, ...] = ()  # about the fleet as a whole


def azure_local_release(snapshot: Snapshot, pack: Pack) -> str | None:
    """The Azure Local release (YYMM) of the host the snapshot shows, if it shows one."""
    host = Facts(snapshot, pack).host_platform
    return host[1] if host is not None and host[0] == "azure-local" else None


def newest_offerings(carriers: Iterable[Snapshot], pack: Pack) -> dict[str, Offering]:
    """Per Azure Local release, the newest offering that one of `carriers` carries (the
    first given of those collected the same day): a custom location offers what its release
    ships (VER-9), so what one location lists now holds for every cluster on that release."""
    by_release: dict[str, Offering] = {}
    for snapshot in carriers:
        if snapshot.kubernetes_versions is None:
            continue
        offering = Facts(snapshot, pack).own_offering.offering
        if offering is None or offering.host_release is None:
            continue
        known = by_release.get(offering.host_release)
        if known is None or newest(known, offering) is offering:
            by_release[offering.host_release] = offering
    return by_release


def shared_offerings(snapshots: Sequence[Snapshot], pack: Pack) -> list[Offering | None]:
    """For each snapshot, the newest offering that a bundle of the fleet on the same Azure
    Local release (its host release) carries, for its calendar to learn from. None for a
    cluster whose release no bundle speaks for. Only bundles carry offerings (a Resource Graph
    export has none): without any, nothing more is read."""
    by_release = newest_offerings(snapshots, pack)
    if not by_release:
        return [None] * len(snapshots)
    shared: list[Offering | None] = []
    for snapshot in snapshots:
        release = azure_local_release(snapshot, pack)
        shared.append(None if release is None else by_release.get(release))
    return shared


class _Kept(msgspec.Struct, gc=False):
    snapshot: Snapshot
    dropped: list[str]  # the sources of the same cluster that were left out


_NEVER = datetime.min.replace(tzinfo=UTC)


def one_per_cluster(snapshots: Sequence[Snapshot]) -> list[_Kept]:
    """Each cluster once, by its resource ID (any case): the snapshot collected last wins; one
    whose time is unknown (a Resource Graph row) loses to one whose time is known, and between
    equal times the one given last wins. A snapshot without a resource ID is its own cluster."""
    kept: list[_Kept] = []
    by_id: dict[str, _Kept] = {}
    for snapshot in snapshots:
        key = snapshot.resource_id.lower()
        found = by_id.get(key) if key else None
        if found is None:
            entry = _Kept(snapshot, [])
            kept.append(entry)
            if key:
                by_id[key] = entry
            continue
        if (snapshot.collected_at or _NEVER) >= (found.snapshot.collected_at or _NEVER):
            found.dropped.append(found.snapshot.source)
            found.snapshot = snapshot
        else:
            found.dropped.append(snapshot.source)
    return kept


def assess_fleet(
    snapshots: Sequence[Snapshot],
    pack: Pack,
    at: datetime,
    progress: Callable[[int, int], None] | None = None,
    *,
    advisories: Sequence[Advisory] = (),
    partial_sources: Sequence[str] = (),
) -> Fleet:
    """Assess each cluster once; `progress(done, total)` after each one. `partial_sources` are
    the exports that are one page of a longer result."""
    clusters = one_per_cluster(snapshots)
    # Thousands of assessments allocate millions of small objects without reference cycles:
    # the cyclic collector would rescan them over and over (most of the run on CPython 3.11).
    collecting = gc.isenabled()
    gc.disable()
    try:
        offerings = shared_offerings([cluster.snapshot for cluster in clusters], pack)
        assessments = []
        for done, (cluster, offering) in enumerate(zip(clusters, offerings, strict=True), 1):
            assessment = assess(
                cluster.snapshot, pack, at, advisories=advisories, offering=offering
            )
            notices = _source_notices(cluster)
            if notices:
                assessment = msgspec.structs.replace(
                    assessment, notices=(*assessment.notices, *notices)
                )
            assessments.append(assessment)
            if progress is not None:
                progress(done, len(clusters))
    finally:
        if collecting:
            gc.enable()
        gc.freeze()
    # Said of the fleet too: a table of thousands of rows shows no cluster's own notices.
    about_fleet = [
        Message("engine.notice.partial-fleet", {"source": source}) for source in partial_sources
    ]
    about_fleet += [_duplicate(cluster) for cluster in clusters if cluster.dropped]
    return Fleet(assessments, partial=bool(partial_sources), notices=tuple(about_fleet))


def _duplicate(cluster: _Kept) -> Message:
    return Message(
        "engine.notice.duplicate",
        {"dropped": ", ".join(cluster.dropped), "source": cluster.snapshot.source},
    )


def _source_notices(cluster: _Kept) -> tuple[Message, ...]:
    notices = []
    if cluster.snapshot.partial_source:
        notices.append(Message("engine.notice.partial-source", {"source": cluster.snapshot.source}))
    if cluster.dropped:
        notices.append(_duplicate(cluster))
    return tuple(notices)
