"""One entry point for every source: a path becomes a Snapshot (a bundle, a tarball, a
`kubectl cluster-info dump` folder) or, for a Resource Graph export, many."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from arcsupport.errors import InputError
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.inventory import is_inventory, read_inventory


@contextmanager
def collector_paused() -> Iterator[None]:
    """CPython's cyclic GC rescans every new container during bulk decoding (3-5x slower on
    big inputs); decoded facts hold no cycles, so pause it and freeze what was built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.freeze()


def read_snapshot(source: str | Path) -> Snapshot:
    """Read a bundle directory, a .tar.gz bundle, or a cluster-info dump folder."""
    # Imported here: an export alone needs neither (tarfile, the YAML of declared facts).
    from arcsupport.sources.bundle import (
        finish_identity,
        read_bundle_directory,
        read_bundle_tarball,
    )
    from arcsupport.sources.dump import is_cluster_info_dump, read_cluster_info_dump

    path = Path(source)
    snapshot = Snapshot(source=str(path))
    reader: Callable[[Path, Snapshot], None]
    if path.is_dir():
        reader = read_cluster_info_dump if is_cluster_info_dump(path) else read_bundle_directory
    elif path.is_file():
        reader = read_bundle_tarball
    else:
        raise InputError(str(path), "no such bundle, tarball or directory")
    with collector_paused():
        reader(path, snapshot)
    if not snapshot.parts:
        raise InputError(
            str(path),
            "holds nothing arcsupport reads: expected manifest.json, kubernetes/*.json, "
            "azure/*.json or facts.yaml (or a `kubectl cluster-info dump` folder)",
        )
    fallback = path.resolve().name.removesuffix(".tar.gz").removesuffix(".tgz")
    finish_identity(snapshot, fallback)
    return snapshot


class Sources(msgspec.Struct, frozen=True, gc=False):
    snapshots: list[Snapshot]
    skipped: int  # Arc-connected clusters of Resource Graph exports that are not AKS Arc


def read_sources(paths: list[Path]) -> Sources:
    """Every cluster the paths hold: bundles and dumps one each, exports as many as they list."""
    snapshots: list[Snapshot] = []
    skipped = 0
    with collector_paused():
        for path in paths:
            if is_inventory(path):
                inventory = read_inventory(path)
                snapshots.extend(inventory.clusters)
                skipped += inventory.skipped
            else:
                snapshots.append(read_snapshot(path))
    return Sources(snapshots, skipped)
