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
def os_errors_named(path: Path) -> Iterator[None]:
    """A folder that cannot be listed or a file that cannot be read, wherever in a source it
    is, ends in one line naming it."""
    try:
        yield
    except OSError as exc:
        raise InputError(str(exc.filename or path), exc.strerror or str(exc)) from None


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
    with os_errors_named(path):
        if path.is_dir():
            dump = is_cluster_info_dump(path)
            reader = read_cluster_info_dump if dump else read_bundle_directory
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
            with os_errors_named(path):
                inventory = is_inventory(path)
            if inventory:
                export = read_inventory(path)
                snapshots.extend(export.clusters)
                skipped += export.skipped
            else:
                snapshots.append(read_snapshot(path))
    return Sources(snapshots, skipped)
