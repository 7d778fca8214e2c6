"""Where a finding's evidence is on disk: the file that holds it, as a URI relative to the
directory arcsupport runs in, and the lines of the object in that file.

The readers keep, for each part of a snapshot, the file it came from (`Evidence.source`): a
bundle file (`bundle/kubernetes/nodes.json`), a member of a tarball (`bundle.tar.gz:...`), a row
of a Resource Graph export (`fleet.json: row 12`), a list of a `kubectl cluster-info dump`
(`dump/*/pods.json`, the `*` being the namespace). They do not keep line numbers, and recording
them would slow every read for the one format that needs them; so the lines are found here,
after the fact, in the files the evidence cites and only those, each read once:

- a row of an export, an item of a Kubernetes list (`items`), an ARM list (`value`) or a bare
  JSON array: the exact extent of that JSON value. One pass of msgspec over the file gives each
  value's bytes; JSON allows only whitespace and commas between the values of an array, so
  walking them from the array's start gives each one's offset without parsing anything twice.
  An item is the object the evidence names when its name (and namespace, when the object names
  one) is that of exactly one item.
- a top-level key of facts.yaml that the evidence's field names: that line.
- anything else (a single resource such as `azure/connected-cluster.json`, the whole node list,
  metrics, a YAML dump): the whole file, which is true if not precise.
- a tarball has no lines: its member is named, without a region; so is a file that is no longer
  there (or never was, as in tests).

Lines and columns are counted in one pass over each file, in Unicode code points, as SARIF's
default `columnKind` says.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import msgspec

from arcsupport.rules.outcome import Evidence
from arcsupport.sources.archive import is_archive

_ROW = re.compile(r": row (\d+)$")
_BETWEEN_VALUES = re.compile(rb"[ \t\r\n,]*")
_UTF8_BOM = b"\xef\xbb\xbf"
# The keys under which a JSON document holds its list: Kubernetes, ARM, Resource Graph.
_LIST_KEYS = ("items", "value", "data")


class Span(msgspec.Struct, frozen=True, gc=False):
    """Lines and columns from 1; `end_column` is the column after the last character."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


class FileLocation(msgspec.Struct, frozen=True, gc=False):
    uri: str
    relative: bool  # relative to the directory arcsupport runs in (SARIF's %SRCROOT%)
    span: Span | None
    member: str | None  # the file inside a tarball


class _Meta(msgspec.Struct, gc=False):
    name: str = ""
    namespace: str = ""


class _Named(msgspec.Struct, gc=False):
    """An item of a list: Kubernetes names it in `metadata`, ARM at the top."""

    metadata: _Meta = msgspec.field(default_factory=_Meta)
    name: str = ""


# What is wanted of a file: ("row", index), ("item", namespace, name), ("key", key), ("whole",).
Want = tuple[str | int, ...]
_WHOLE: Want = ("whole",)


class _Artifact(msgspec.Struct, gc=False):
    path: str
    member: str | None = None
    wants: dict[Want, Span | None] = msgspec.field(default_factory=dict)


def _want(evidence: Evidence, row: int | None, path: str) -> Want:
    if row is not None:
        return ("row", row)
    if Path(path).name in ("facts.yaml", "facts.yml"):
        return ("key", evidence.field.split(".", 1)[0].split("[", 1)[0])
    segments = evidence.object.strip("/").split("/")
    if len(segments) >= 2:
        namespace = segments[0] if len(segments) >= 3 else ""
        return ("item", namespace, segments[-1])
    return _WHOLE


class EvidenceFiles:
    """Collect every evidence first (`add`), then ask where each one is (`locate`): the files
    are read once each, for all the objects they hold."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._artifacts: dict[str, _Artifact] = {}
        self._wants: dict[tuple[str, str, str, str], tuple[str, Want]] = {}
        self._uris: dict[str, tuple[str, bool]] = {}
        self._resolved = False

    def add(self, source: str, evidence: Evidence) -> None:
        """`source` is the assessment's: the bundle, tarball, dump or export it was read from."""
        key = _key(source, evidence)
        if key in self._wants:
            return
        path, member, row = _split(source, evidence)
        name = f"{path}\0{member or ''}"
        artifact = self._artifacts.setdefault(name, _Artifact(path, member))
        want = _want(evidence, row, member or path)
        artifact.wants.setdefault(want, None)
        self._wants[key] = (name, want)

    def add_source(self, source: str) -> None:
        """The input itself, for a finding without evidence."""
        self._artifacts.setdefault(source + "\0", _Artifact(source)).wants.setdefault(_WHOLE, None)

    def locate(self, source: str, evidence: Evidence) -> FileLocation:
        self._resolve()
        name, want = self._wants[_key(source, evidence)]
        return self._location(self._artifacts[name], want)

    def locate_source(self, source: str) -> FileLocation:
        self._resolve()
        return self._location(self._artifacts[source + "\0"], _WHOLE)

    def _location(self, artifact: _Artifact, want: Want) -> FileLocation:
        uri, relative = self._uri(artifact.path)
        return FileLocation(uri, relative, artifact.wants.get(want), artifact.member)

    def _resolve(self) -> None:
        if self._resolved:
            return
        self._resolved = True
        for artifact in self._artifacts.values():
            if artifact.member is None:
                _find_spans(artifact)

    def _uri(self, path_text: str) -> tuple[str, bool]:
        """Relative to the directory arcsupport runs in when the file is inside it (symbolic
        links resolved, as code scanning needs), else an absolute file URI."""
        found = self._uris.get(path_text)
        if found is not None:
            return found
        path = Path(path_text)
        try:
            resolved: Path | None = path.resolve(strict=True)
        except (OSError, RuntimeError):
            resolved = None
        if resolved is not None:
            try:
                found = _quoted(resolved.relative_to(self._root).as_posix()), True
            except ValueError:
                found = resolved.as_uri(), False
        elif path.is_absolute():
            found = path.as_uri(), False
        else:  # not (or no longer) on disk: the path as the reader named it
            found = _quoted(Path(path_text).as_posix()), True
        self._uris[path_text] = found
        return found


def _key(source: str, evidence: Evidence) -> tuple[str, str, str, str]:
    return source, evidence.source, evidence.object, evidence.field


def _quoted(path: str) -> str:
    return quote(path.removeprefix("./"), safe="/")


def _split(source: str, evidence: Evidence) -> tuple[str, str | None, int | None]:
    """(the file on disk, the member of a tarball, the row of an export)."""
    where = evidence.source
    row = _ROW.search(where)
    if row is not None and where[: row.start()] == source:
        return source, None, int(row.group(1))
    if where.startswith(source + ":") and Path(source).is_file():
        # A tarball's member, or a part of a dump stream: either way the file is the source.
        member = where[len(source) + 1 :].strip()
        return source, (member if _is_archive(source) else None), None
    if where.count("*") == 1:  # a dump folder's lists, one file per namespace
        segments = evidence.object.strip("/").split("/")
        if len(segments) >= 3:
            return where.replace("*", segments[0]), None, None
    return where, None, None


def _is_archive(path: str) -> bool:
    try:
        with Path(path).open("rb") as handle:
            return is_archive(handle.read(512))
    except OSError:
        return False


def _find_spans(artifact: _Artifact) -> None:
    """Fill `artifact.wants` from the file; whatever cannot be found stays None."""
    path = Path(artifact.path)
    try:
        if not path.is_file() or _is_archive(artifact.path):
            return
        with path.open("rb") as handle:
            try:
                data: bytes | mmap.mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                data = handle.read()
    except OSError:
        return
    extents: dict[Want, tuple[int, int]] = {}
    whole = _whole(data)
    if whole is None:
        return
    rows = [want for want in artifact.wants if want[0] == "row"]
    items = [want for want in artifact.wants if want[0] == "item"]
    if rows or items:
        values = _list_values(data)
        if values is not None:
            raw_list, starts, raws = values
            for want in rows:
                index = int(want[1])
                if 0 <= index < len(starts):
                    extents[want] = (starts[index], starts[index] + len(raws[index]))
            if items:
                extents.update(_items(items, raw_list, starts, raws))
    for want in artifact.wants:
        if want[0] == "key":
            found = _yaml_key(data, str(want[1]))
            if found is not None:
                extents[want] = found
    for want in artifact.wants:
        extents.setdefault(want, whole)
    spans = _spans(data, extents.values())
    for want, (start, end) in extents.items():
        artifact.wants[want] = spans[(start, end)]


def _whole(data: bytes | mmap.mmap) -> tuple[int, int] | None:
    start = len(_UTF8_BOM) if data[:3] == _UTF8_BOM else 0
    end = len(data)
    while end > start and data[end - 1 : end] in (b"\n", b"\r", b" ", b"\t"):
        end -= 1
    return (start, end) if end > start else None


def _list_values(
    data: bytes | mmap.mmap,
) -> tuple[msgspec.Raw, list[int], list[msgspec.Raw]] | None:
    """The document's list, and the offset and bytes of each of its values; None if the
    document holds no list."""
    body = memoryview(data)[len(_UTF8_BOM) :] if data[:3] == _UTF8_BOM else data
    try:
        top = msgspec.json.decode(body, type=msgspec.Raw)
        opening = bytes(memoryview(top)[:1])
        raw_list: msgspec.Raw | None = None
        if opening == b"[":
            raw_list = top
        elif opening == b"{":
            fields = msgspec.json.decode(top, type=dict[str, msgspec.Raw])
            raw_list = next((fields[key] for key in _LIST_KEYS if key in fields), None)
        if raw_list is None or bytes(memoryview(raw_list)[:1]) != b"[":
            return None
        values = msgspec.json.decode(raw_list, type=list[msgspec.Raw])
    except msgspec.MsgspecError:
        return None
    # The list's own bytes first occur where the list is: nothing before it can hold them.
    at = data.find(raw_list)
    if at < 0:
        return None
    starts = []
    position = at + 1  # past the `[`
    for value in values:
        between = _BETWEEN_VALUES.match(data, position)
        position = between.end() if between else position
        starts.append(position)
        position += len(value)
    return raw_list, starts, values


def _items(
    wants: Iterable[Want], raw_list: msgspec.Raw, starts: list[int], raws: list[msgspec.Raw]
) -> dict[Want, tuple[int, int]]:
    """Each wanted item's extent, when exactly one item has its name (and namespace)."""
    try:
        named = msgspec.json.decode(raw_list, type=list[_Named])
    except msgspec.MsgspecError:
        return {}
    by_name: dict[str, list[int]] = {}
    for index, item in enumerate(named):
        by_name.setdefault(item.metadata.name or item.name, []).append(index)
    found: dict[Want, tuple[int, int]] = {}
    for want in wants:
        _, namespace, name = want
        matches = [
            index
            for index in by_name.get(str(name), ())
            if not namespace or named[index].metadata.namespace == namespace
        ]
        if len(matches) == 1:
            index = matches[0]
            found[want] = (starts[index], starts[index] + len(raws[index]))
    return found


def _yaml_key(data: bytes | mmap.mmap, key: str) -> tuple[int, int] | None:
    """The line of a top-level key, when the file has exactly one such line."""
    if not key:
        return None
    pattern = re.compile(rb"^" + re.escape(key.encode("utf-8")) + rb"[ \t]*:[^\n]*", re.M)
    found = list(pattern.finditer(data))
    if len(found) != 1:
        return None
    return found[0].start(), len(found[0].group(0).rstrip(b"\r ")) + found[0].start()


def _spans(
    data: bytes | mmap.mmap, extents: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], Span]:
    """Line and column of every extent's ends, counted in one pass over the file."""
    extents = list(extents)
    offsets = sorted({offset for extent in extents for offset in extent})
    where: dict[int, tuple[int, int]] = {}
    position = len(_UTF8_BOM) if data[:3] == _UTF8_BOM else 0
    line, column = 1, 1
    for offset in offsets:
        segment = data[position:offset]
        newlines = segment.count(b"\n")
        if newlines:
            line += newlines
            segment = segment[segment.rfind(b"\n") + 1 :]
            column = 1
        column += len(segment) if segment.isascii() else len(segment.decode("utf-8", "replace"))
        where[offset] = (line, column)
        position = offset
    return {(start, end): Span(*where[start], *where[end]) for start, end in extents}
