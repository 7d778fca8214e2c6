"""Many clusters at once: each snapshot assessed, with the same pack, time and advisories."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.policy.model import Pack
from arcsupport.snapshot.model import Snapshot

if TYPE_CHECKING:
    from arcsupport.snapshot.advisory import Advisory


class Fleet(msgspec.Struct, frozen=True, gc=False):
    assessments: list[Assessment]  # clusters that are not AKS Arc too, as `not-applicable`


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
        assessments = []
        for done, snapshot in enumerate(snapshots, start=1):
            assessments.append(assess(snapshot, pack, at, advisories=advisories))
            if progress is not None:
                progress(done, len(snapshots))
    finally:
        if collecting:
            gc.enable()
        gc.freeze()
    return Fleet(assessments)
