"""What a bundle holds, before it is shared: its files, the kinds present and missing, its
manifest, and the privacy check (snapshot/privacy.py).

Files are read one at a time through the safe readers of snapshot/archive.py and dropped once
counted and scanned, so a big bundle never has all its files in memory at once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec

from arcsupport.decoding import decode_collection, decode_json, explain_msgspec_error
from arcsupport.errors import InputError
from arcsupport.safeyaml import load_yaml
from arcsupport.sources.archive import iter_directory, iter_tarball
from arcsupport.sources.bundle import AZURE_FILES, BUNDLE_FORMAT, Manifest, OneRoot, split_root
from arcsupport.sources.live.kinds import KINDS
from arcsupport.sources.privacy import (
    Hit,
    describe,
    scan_item,
    scan_object,
    scan_text,
    triggers_in,
)
from arcsupport.untrusted import as_utf8, check_depth

# Every hit is counted; this many are kept to be listed (a bundle with an env value in each of
# 150,000 pods must not hold 150,000 hits in memory to say so).
MAX_LISTED_HITS = 1000

# Lists are counted by their items; ARM collections by their value.
_COLLECTION_KEYS = ("items", "value")
OTHER_PARTS = (
    "kubernetes/version",
    "kubernetes/apis",
    "kubernetes/metrics",
    *(f"azure/{name.removesuffix('.json')}" for name in AZURE_FILES),
)


@dataclass(frozen=True, slots=True)
class BundleFile:
    name: str  # as stored in the directory or the tarball
    size: int  # bytes, uncompressed
    items: int | None  # for Lists (and ARM collections): how many objects


@dataclass(frozen=True, slots=True)
class Missing:
    part: str
    reason: str  # from the manifest's not_collected, or "not in the bundle"


@dataclass(slots=True)
class Inspection:
    source: str
    archive_size: int | None = None  # the .tar.gz on disk
    files: list[BundleFile] = field(default_factory=list)
    manifest: Manifest | None = None
    kinds_present: dict[str, int | None] = field(default_factory=dict)
    kinds_missing: list[Missing] = field(default_factory=list)
    parts_present: list[str] = field(default_factory=list)
    parts_missing: list[Missing] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)  # the first MAX_LISTED_HITS
    hits_total: int = 0

    @property
    def clean(self) -> bool:
        return self.hits_total == 0


def _part(bundle_name: str) -> str | None:
    """`kubernetes/pods.json` -> `kubernetes/pods`; None for a file outside the two folders."""
    folder, _, file = bundle_name.partition("/")
    if folder in ("kubernetes", "azure") and file and "/" not in file:
        return f"{folder}/{file.rsplit('.', 1)[0]}"
    return None


def _scan_json(data: bytes, name: str, where: str) -> tuple[int | None, Iterable[Hit]]:
    """Count the objects of a List and scan it item by item; other documents whole."""
    start = data.lstrip()[:1]
    fallback = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if start == b"[":
        items = decode_collection(data, list[msgspec.Raw], where)
        return len(items), _scan_items(data, items, name, fallback, "", where)
    if start != b"{":
        return None, scan_object(decode_json(data, object, where), name, "-")
    envelope = decode_collection(data, dict[str, msgspec.Raw], where)
    count: int | None = None
    scans: list[Iterable[Hit]] = []
    rest: dict[str, Any] = {}
    for key, raw in envelope.items():
        if key in _COLLECTION_KEYS and count is None and memoryview(raw)[:1].tobytes() == b"[":
            items = decode_collection(raw, list[msgspec.Raw], where)
            count = len(items)
            scans.append(_scan_items(data, items, name, fallback, key, where))
        else:
            rest[key] = decode_json(raw, object, where)
    scans.insert(0, scan_object(rest, name, describe(rest, "-")))
    return count, (hit for scan in scans for hit in scan)


def _scan_items(
    data: bytes, items: list[msgspec.Raw], name: str, fallback: str, key: str, where: str
) -> Iterator[Hit]:
    triggers = triggers_in(data)
    if not triggers:
        return
    for index, raw in enumerate(items):
        item = f"{key or fallback}[{index}]"
        try:
            hits = scan_item(raw, name, item, triggers)
        except RecursionError:  # msgspec's guard: the List itself is not scanned for depth
            raise InputError(where, f"{item} is nested too deeply; refused") from None
        except msgspec.DecodeError as exc:  # the List's decoding skipped over its strings
            raise InputError(where, f"{item}: {explain_msgspec_error(exc)}") from None
        yield from hits


def _scan_file(
    name: str, bundle_name: str, data: bytes, where: str
) -> tuple[int | None, Iterable[Hit]]:
    if bundle_name.endswith((".yaml", ".yml")):
        document = load_yaml(data, where)
        return None, scan_object(document, name, describe(document, "-"))
    # The patterns are searched in UTF-8: a file saved as UTF-16 must not pass for clean.
    text = as_utf8(data, where)
    text = text if isinstance(text, bytes) else bytes(text)
    if bundle_name.endswith(".json"):
        if not bundle_name.startswith("kubernetes/"):
            check_depth(text, where)  # as `check` reads it; Lists are not scanned there either
        return _scan_json(text, name, where)
    return None, scan_text(text, name)


def _listing(root: Path) -> list[str]:
    """Every file under `root` (links to folders are not followed), in path order. A folder
    that cannot be listed is an error, not a gap: its files would go unchecked while the
    privacy check called the bundle clean."""

    def refuse(error: OSError) -> None:
        raise InputError(str(error.filename or root), error.strerror or str(error))

    names = [
        PurePosixPath(folder, name).relative_to(root.as_posix())
        for folder, _, files in os.walk(root, onerror=refuse)
        for name in files
    ]
    return [str(name) for name in sorted(names)]


def _files(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        return iter_directory(path, _listing(path))
    if path.is_file():
        return iter_tarball(path)
    raise InputError(str(path), "no such bundle, tarball or directory")


def _read_manifest(data: bytes, where: str) -> Manifest:
    manifest = decode_json(data, Manifest, where)
    if manifest.format != BUNDLE_FORMAT:
        raise InputError(where, f"format {manifest.format!r} is not {BUNDLE_FORMAT!r}")
    return manifest


def inspect_bundle(source: str | Path) -> Inspection:
    """Read every file of a bundle (directory or .tar.gz) once, in order."""
    path = Path(source)
    result = Inspection(source=str(path))
    parts: dict[str, int | None] = {}
    laid_out = False
    # A folder is read as it is laid out; a tarball is refused when it holds two bundles, as
    # `check` refuses it.
    roots = OneRoot(str(path)) if path.is_file() else None
    for name, data in _files(path):
        # Errors name the file as the readers of `check` do: path/name or archive:member.
        where = f"{path}:{name}" if path.is_file() else str(path / name)
        placed = split_root(name)
        bundle_name = placed[1] if placed else None
        laid_out = laid_out or placed is not None
        if placed is not None and roots is not None:
            roots.see(placed[0])
        items, hits = _scan_file(name, bundle_name or name, data, where)
        result.files.append(BundleFile(name, len(data), items))
        for hit in hits:
            result.hits_total += 1
            if len(result.hits) < MAX_LISTED_HITS:
                result.hits.append(hit)
        if bundle_name == "manifest.json":
            result.manifest = _read_manifest(data, where)
        part = _part(bundle_name) if bundle_name else None
        if part:
            parts[part] = items
    if not laid_out:
        raise InputError(
            str(path),
            "holds nothing of a bundle: expected manifest.json, kubernetes/*.json, "
            "azure/*.json or facts.yaml",
        )
    if path.is_file():
        result.archive_size = path.stat().st_size
    _sort_parts(result, parts)
    return result


def _sort_parts(result: Inspection, parts: dict[str, int | None]) -> None:
    not_collected = (
        {entry.part: entry.reason for entry in result.manifest.not_collected}
        if result.manifest
        else {}
    )
    for part, items in sorted(parts.items()):
        if part in OTHER_PARTS:
            result.parts_present.append(part)
        elif part.startswith("kubernetes/"):
            result.kinds_present[part.removeprefix("kubernetes/")] = items
    result.kinds_missing = [
        Missing(kind.plural, not_collected.get(f"kubernetes/{kind.plural}", "not in the bundle"))
        for kind in KINDS
        if f"kubernetes/{kind.plural}" not in parts
    ]
    result.parts_missing = [
        Missing(part, not_collected.get(part, "not in the bundle"))
        for part in OTHER_PARTS
        if part not in parts
    ]
