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

if TYPE_CHECKING:  # the archive module (tarfile, the decompressors) is imported to read one
    from arcsupport.sources.archive import ArchiveLimits


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


_HEAD_BYTES = 64 * 1024


def read_snapshot(source: str | Path, limits: ArchiveLimits | None = None) -> Snapshot:
    """Read a bundle directory or tarball, or a `kubectl cluster-info dump` in any of the
    shapes kubectl writes it (a folder, that folder tarred, the stream it prints); a tarball
    is held to `limits` (default: ArchiveLimits.from_environment())."""
    # Imported here: an export alone needs neither (tarfile, the YAML of declared facts).
    from arcsupport.sources.bundle import finish_identity, read_bundle_directory
    from arcsupport.sources.dump import is_cluster_info_dump, read_cluster_info_dump

    path = Path(source)
    snapshot = Snapshot(source=str(path))
    reader: Callable[[Path, Snapshot], None]
    with os_errors_named(path):
        if path.is_dir():
            dump = is_cluster_info_dump(path)
            reader = read_cluster_info_dump if dump else read_bundle_directory
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


def _file_reader(path: Path, limits: ArchiveLimits | None) -> Callable[[Path, Snapshot], None]:
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


def _read_tarball(path: Path, snapshot: Snapshot, limits: ArchiveLimits | None) -> None:
    """A bundle or a dump folder, tarred: every member goes to the reader it belongs to; the
    dump's container logs are never read."""
    from arcsupport.sources.archive import iter_tarball
    from arcsupport.sources.bundle import OneRoot, is_list_member, route_tarball_member
    from arcsupport.sources.dump import ClusterInfoDump, DumpMembers, is_container_log

    dump = ClusterInfoDump(snapshot, str(path))
    members = DumpMembers(dump)
    roots = OneRoot(str(path))
    bundle_member = ""
    for name, data in iter_tarball(path, limits, is_container_log, is_list_member):
        where = f"{path}:{name}"
        if isinstance(data, bytes) and members.offer(name, data, where):
            continue
        placed = route_tarball_member(snapshot, name, data, where)
        if placed is None:
            continue
        roots.see(placed[0])
        if placed[1].startswith(("manifest.json", "kubernetes/")):
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
    partial: tuple[str, ...] = ()  # exports that are one page of a longer result


def read_sources(paths: list[Path]) -> Sources:
    """Every cluster the paths hold: bundles and dumps one each, exports as many as they list
    (every Arc-connected cluster: whether it is AKS Arc is the engine's to decide)."""
    # Imported here: a bundle or a dump alone never needs the export reader.
    from arcsupport.sources.inventory import is_inventory, read_inventory

    snapshots: list[Snapshot] = []
    pages: list[str] = []
    with collector_paused():
        for path in paths:
            with os_errors_named(path):
                inventory = is_inventory(path) and not looks_like_dump_stream(path)
            if inventory:
                export = read_inventory(path)
                snapshots.extend(export.clusters)
                if export.partial:
                    pages.append(str(path))
            else:
                snapshots.append(read_snapshot(path))
    return Sources(snapshots, tuple(pages))
