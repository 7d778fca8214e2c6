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
  walking them from the first one (found by its opening bytes) gives each one's offset, and
  the walk must end on the list's `]`. An item is the object the evidence names when its name
  (and namespace, when the object names one) is that of exactly one item.
- a top-level key of facts.yaml that the evidence's field names: that line.
- anything else (a single resource such as `azure/connected-cluster.json`, the whole node list,
  metrics, a YAML dump): the whole file, which is true if not precise.
- a tarball has no lines: its member is named, without a region; a file that is no longer there
  (or never was, as in tests), or is over MAX_SEARCHED_BYTES, is named without a region too.

Lines and columns are counted in one pass over each file, columns in Unicode code points (the
run says so in `columnKind`).
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
_TAIL = bytes(range(0x80, 0xC0))  # the continuation bytes of UTF-8
_CHUNK = 1 << 24
_PROBE = 4096
# Bigger files are not searched: GitHub keeps no file over 100 MiB in a repository, so code
# scanning could not show their lines, and reading a 1.5 GB pods.json again costs more than the
# whole assessment. Their results name the file without a region.
MAX_SEARCHED_BYTES = 100 * 1024 * 1024


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


class _ListDocument(msgspec.Struct, gc=False):
    """Where a document holds its list: Kubernetes, ARM, Resource Graph."""

    items: list[msgspec.Raw] | None = None
    value: list[msgspec.Raw] | None = None
    data: list[msgspec.Raw] | None = None


_NAMED = msgspec.json.Decoder(_Named)


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
        if not path.is_file() or path.stat().st_size > MAX_SEARCHED_BYTES:
            return
        if _is_archive(artifact.path):
            return
        with path.open("rb") as handle:
            try:
                data: bytes | mmap.mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                data = handle.read()
    except OSError:
        return
    whole = _whole(data)
    if whole is None:
        return
    extents: dict[Want, tuple[int, int]] = {}
    rows = [want for want in artifact.wants if want[0] == "row"]
    items = [want for want in artifact.wants if want[0] == "item"]
    if rows or items:
        values = _list_values(data)
        if values is not None:
            starts, raws = values
            for want in rows:
                index = int(want[1])
                if 0 <= index < len(starts):
                    extents[want] = (starts[index], starts[index] + len(raws[index]))
            if items:
                extents.update(_items(items, starts, raws))
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
    start = _skip(data, len(_UTF8_BOM) if data[:3] == _UTF8_BOM else 0)
    end = len(data)
    while end > start and data[end - 1 : end] in (b"\n", b"\r", b" ", b"\t"):
        end -= 1
    return (start, end) if end > start else None


def _skip(data: bytes | mmap.mmap, position: int) -> int:
    """Past the whitespace (and commas) JSON allows between values."""
    between = _BETWEEN_VALUES.match(data, position)
    return between.end() if between else position


def _list_values(data: bytes | mmap.mmap) -> tuple[list[int], list[msgspec.Raw]] | None:
    """The offset and bytes of each value of the document's list, or None if it has none."""
    first = _skip(data, len(_UTF8_BOM) if data[:3] == _UTF8_BOM else 0)
    body = memoryview(data)[first:]
    try:
        if data[first : first + 1] == b"[":
            values = msgspec.json.decode(body, type=list[msgspec.Raw])
        else:
            document = msgspec.json.decode(body, type=_ListDocument)
            found = (document.items, document.value, document.data)
            values = next((value for value in found if value is not None), [])
    except msgspec.MsgspecError:
        return None
    if not values:
        return None
    # The first value's opening bytes occur first where it is: before it stand only a few keys
    # (apiVersion, kind, metadata, count) that cannot hold them. The walk below must then end
    # on the list's `]`, or nothing is claimed.
    position = data.find(bytes(memoryview(values[0])[:_PROBE]))
    if position < 0:
        return None
    starts = []
    for value in values:
        position = _skip(data, position)
        starts.append(position)
        position += len(value)
    closing = _skip(data, position)
    return (starts, values) if data[closing : closing + 1] == b"]" else None


def _items(
    wants: Iterable[Want], starts: list[int], raws: list[msgspec.Raw]
) -> dict[Want, tuple[int, int]]:
    """Each wanted item's extent, when exactly one item has its name (and namespace)."""
    try:
        named = [_NAMED.decode(raw) for raw in raws]
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
    """Line and column of every extent's ends, counted in one pass over the file, a chunk at a
    time (a minified export is one line)."""
    extents = list(extents)
    where: dict[int, tuple[int, int]] = {}
    position = len(_UTF8_BOM) if data[:3] == _UTF8_BOM else 0
    line, column = 1, 1
    for offset in sorted({offset for extent in extents for offset in extent}):
        while position < offset:
            end = min(offset, position + _CHUNK)
            segment = data[position:end]
            newlines = segment.count(b"\n")
            if newlines:
                line += newlines
                segment = segment[segment.rfind(b"\n") + 1 :]
                column = 1
            # A code point is a byte that does not continue a UTF-8 sequence.
            column += len(segment) if segment.isascii() else len(segment.translate(None, _TAIL))
            position = end
        where[offset] = (line, column)
    return {(start, end): Span(*where[start], *where[end]) for start, end in extents}
