"""Many clusters at once: each snapshot assessed, with the same pack, time and advisories, and
with the newest custom location offering any bundle of its Azure Local release carries."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.lifecycle.learn import Offering, newest
from arcsupport.policy.model import Pack
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.model import Snapshot

if TYPE_CHECKING:
    from arcsupport.snapshot.advisory import Advisory


class Fleet(msgspec.Struct, frozen=True, gc=False):
    assessments: list[Assessment]  # clusters that are not AKS Arc too, as `not-applicable`


def shared_offerings(snapshots: Sequence[Snapshot], pack: Pack) -> list[Offering | None]:
    """For each snapshot, the newest offering that a bundle of the fleet on the same Azure
    Local release (its host release) carries, for its calendar to learn from: a custom
    location offers what its release ships (VER-9), so what one location lists now holds for
    every cluster on that release. None for a cluster whose release no bundle speaks for. Only
    bundles carry offerings (a Resource Graph export has none): without any, nothing more is
    read."""
    carriers = [snapshot for snapshot in snapshots if snapshot.kubernetes_versions is not None]
    if not carriers:
        return [None] * len(snapshots)
    by_release: dict[str, Offering] = {}
    for snapshot in carriers:
        offering = Facts(snapshot, pack).own_offering.offering
        if offering is None or offering.host_release is None:
            continue
        known = by_release.get(offering.host_release)
        if known is None or newest(known, offering) is offering:
            by_release[offering.host_release] = offering
    if not by_release:
        return [None] * len(snapshots)
    shared: list[Offering | None] = []
    for snapshot in snapshots:
        host = Facts(snapshot, pack).host_platform
        shared.append(by_release.get(host[1]) if host and host[0] == "azure-local" else None)
    return shared


def assess_fleet(
    snapshots: Sequence[Snapshot],
    pack: Pack,
    at: datetime,
    progress: Callable[[int, int], None] | None = None,
    *,
    advisories: Sequence[Advisory] = (),
) -> Fleet:
    """Assess each cluster; `progress(done, total)` after each one."""
    # Thousands of assessments allocate millions of small objects without reference cycles:
    # the cyclic collector would rescan them over and over (most of the run on CPython 3.11).
    collecting = gc.isenabled()
    gc.disable()
    try:
        offerings = shared_offerings(snapshots, pack)
        assessments = []
        for done, (snapshot, offering) in enumerate(zip(snapshots, offerings, strict=True), 1):
            assessments.append(assess(snapshot, pack, at, advisories=advisories, offering=offering))
            if progress is not None:
                progress(done, len(snapshots))
    finally:
        if collecting:
            gc.enable()
        gc.freeze()
    return Fleet(assessments)
