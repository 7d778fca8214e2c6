"""One entry point for every source: a path becomes a Snapshot (a bundle, a tarball, a
`kubectl cluster-info dump` in any of its shapes) or, for a Resource Graph export, many."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from arcsupport.errors import InputError
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.inventory import is_inventory, read_inventory

if TYPE_CHECKING:  # the archive module (tarfile, the decompressors) is imported to read one
    from arcsupport.sources.archive import Limits


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


_HEAD_BYTES = 64 * 1024


def read_snapshot(source: str | Path, limits: Limits | None = None) -> Snapshot:
    """Read a bundle directory or tarball, or a `kubectl cluster-info dump` in any of the
    shapes kubectl writes it (a folder, that folder tarred, the stream it prints); a tarball
    is held to `limits` (default: archive.default_limits())."""
    # Imported here: an export alone needs neither (tarfile, the YAML of declared facts).
    from arcsupport.sources.bundle import finish_identity, read_bundle_directory
    from arcsupport.sources.dump import is_cluster_info_dump, read_cluster_info_dump

    path = Path(source)
    snapshot = Snapshot(source=str(path))
    reader: Callable[[Path, Snapshot], None]
    if path.is_dir():
        reader = read_cluster_info_dump if is_cluster_info_dump(path) else read_bundle_directory
    elif path.is_file():
        reader = _file_reader(path, limits)
    else:
        raise InputError(str(path), "no such bundle, tarball or directory")
    with collector_paused():
        reader(path, snapshot)
    if not snapshot.parts:
        raise InputError(
            str(path),
            "holds nothing arcsupport reads: expected manifest.json, kubernetes/*.json, "
            "azure/*.json or facts.yaml (or a `kubectl cluster-info dump`)",
        )
    fallback = path.resolve().name.removesuffix(".tar.gz").removesuffix(".tgz")
    finish_identity(snapshot, fallback)
    return snapshot


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from None


def _file_reader(path: Path, limits: Limits | None) -> Callable[[Path, Snapshot], None]:
    """A file is read for what its first bytes show, whatever its name: an archive (a bundle
    or a dump folder, tarred), else kubectl's JSON or YAML dump stream; anything else is left
    to the tarball reader, which says what it expected."""
    from arcsupport.sources.archive import is_archive
    from arcsupport.sources.dump import read_dump_stream, stream_form

    head = _head(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            str(path),
            "is UTF-16 text, as Windows PowerShell 5.1's `>` writes it; write the dump with "
            "`kubectl cluster-info dump --output-directory DIR` or pipe it to "
            "`Out-File -Encoding utf8`",
        )
    form = None if is_archive(head) else stream_form(head)
    if form is None:
        return partial(_read_tarball, limits=limits)
    return partial(read_dump_stream, form=form)


def _read_tarball(path: Path, snapshot: Snapshot, limits: Limits | None) -> None:
    """A bundle or a dump folder, tarred: every member goes to the reader it belongs to; the
    dump's container logs are never read."""
    from arcsupport.sources.archive import iter_tarball
    from arcsupport.sources.bundle import route_tarball_member
    from arcsupport.sources.dump import ClusterInfoDump, DumpMembers, is_container_log

    dump = ClusterInfoDump(snapshot, str(path))
    members = DumpMembers(dump)
    bundle_member = ""
    for name, data in iter_tarball(path, skip=is_container_log, limits=limits):
        where = f"{path}:{name}"
        if members.offer(name, data, where):
            continue
        routed = route_tarball_member(snapshot, name, data, where)
        if routed is not None and routed.startswith(("manifest.json", "kubernetes/")):
            bundle_member = bundle_member or name
    if not dump.found:
        return
    if bundle_member:
        raise InputError(
            str(path),
            f"holds both a bundle ({bundle_member}) and a `kubectl cluster-info dump` "
            f"({members.first}); give them as two sources",
        )
    prefix = f"{members.root}/" if members.root else ""
    dump.finish(f"{path}:{prefix}*/{{file}}.{dump.form}")


def looks_like_dump_stream(path: Path) -> bool:
    """A .json file that begins as kubectl's dump stream does (YAML, or JSON that opens with
    the NodeList) is a dump rather than a Resource Graph export."""
    from arcsupport.sources.dump import is_dump_stream

    return path.is_file() and is_dump_stream(_head(path))


class Sources(msgspec.Struct, frozen=True, gc=False):
    snapshots: list[Snapshot]
    skipped: int  # Arc-connected clusters of Resource Graph exports that are not AKS Arc


def read_sources(paths: list[Path]) -> Sources:
    """Every cluster the paths hold: bundles and dumps one each, exports as many as they list."""
    snapshots: list[Snapshot] = []
    skipped = 0
    with collector_paused():
        for path in paths:
            if is_inventory(path) and not looks_like_dump_stream(path):
                inventory = read_inventory(path)
                snapshots.extend(inventory.clusters)
                skipped += inventory.skipped
            else:
                snapshots.append(read_snapshot(path))
    return Sources(snapshots, skipped)
