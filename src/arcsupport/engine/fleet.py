"""Many clusters at once: bundles, dumps and Resource Graph exports, assessed one by one."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.policy.model import Pack
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.inventory import is_inventory, read_inventory

if TYPE_CHECKING:
    from arcsupport.snapshot.advisory import Advisory


class Fleet(msgspec.Struct, frozen=True, gc=False):
    assessments: list[Assessment]
    skipped: int  # Arc-connected clusters that are not AKS Arc


def assess_fleet(
    sources: list[Path],
    pack: Pack,
    at: datetime,
    progress: Callable[[int, int], None] | None = None,
    *,
    advisories: Sequence[Advisory] = (),
) -> Fleet:
    """Read every source, then assess each cluster; `progress(done, total)` after each one."""
    # Thousands of snapshots and assessments allocate millions of small objects without
    # reference cycles: the cyclic collector would rescan them over and over (most of the run
    # on CPython 3.11).
    collecting = gc.isenabled()
    gc.disable()
    try:
        snapshots: list[Snapshot] = []
        skipped = 0
        for source in sources:
            if is_inventory(source):
                inventory = read_inventory(source)
                snapshots.extend(inventory.clusters)
                skipped += inventory.skipped
            else:
                # Imported here: an export alone needs no bundle reader (tarfile, YAML facts).
                from arcsupport.sources.bundle import read_snapshot

                snapshots.append(read_snapshot(source))
        assessments = []
        for done, snapshot in enumerate(snapshots, start=1):
            assessments.append(assess(snapshot, pack, at, advisories=advisories))
            if progress is not None:
                progress(done, len(snapshots))
    finally:
        if collecting:
            gc.enable()
        gc.freeze()
    return Fleet(assessments, skipped)
