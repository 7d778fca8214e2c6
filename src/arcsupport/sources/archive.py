"""Reading the files of a bundle from a directory or a .tar.gz, refusing hostile archives.

A tarball is streamed member by member, so a member is decoded and dropped before the next
is read: peak memory stays near the largest member, not the whole bundle.

What a tarball may unpack to is limited (ArchiveLimits): its total size, each member's size,
the number of members and the compression ratio. The ratio is what bounds memory for a small
archive: whatever its headers say, a tarball of C compressed bytes never yields more than
16 MiB + ratio x C bytes, and a member is refused before it is read when its declared size
already breaks that. Each limit can be raised through an environment variable, named in the
message that refuses an archive.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, cast, overload

from arcsupport.errors import InputError, InputTooLarge, raised_by

# tarfile and the decompressors are imported when an archive is read: every bundle folder is
# read through this module too, and they cost its start-up a few milliseconds.
if TYPE_CHECKING:
    import tarfile

_DRIVE = re.compile(r"^[A-Za-z]:")
# Linux's PATH_MAX: nothing can extract a longer name, and a bundle's names are short.
MAX_NAME_CHARS = 4096
# The first bytes of any archive may expand more than the ratio allows (headers and padding
# are mostly zeros); this much is always let through before the ratio applies.
RATIO_ALLOWANCE = 16 * 1024**2
_READ_CHUNK = 1024**2

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1000,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tb": 1000**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """`8GiB`, `500 MiB`, `2G` (binary), `1.5GB` (decimal) or a number of bytes."""
    match = _SIZE.fullmatch(text)
    if match is None or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(count: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            value = count / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{count} bytes"


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """What one tarball may unpack to. The defaults fit the largest cluster Kubernetes
    supports (5,000 nodes, 150,000 pods: a bundle of about 1.7 GiB whose pods.json is about
    1.3 GiB, compressing 23-27-fold with gzip), with room to spare."""

    # 4.7x the largest real bundle; it also bounds the time spent unpacking, and the files
    # of a bundle folder together.
    total_bytes: int = 8 * 1024**3
    # Also a folder's file read whole (Lists are read item by item, so their files and
    # members are bounded by total_bytes only).
    member_bytes: int = 4 * 1024**3
    # One object of a List, which is held whole while it is decoded. etcd stores no value
    # over 1.5 MiB unless told to (and is not meant to go past about 10 MiB), so nothing a
    # cluster serves comes near this; a List's buffer never grows past it.
    object_bytes: int = 64 * 1024**2
    # A bundle holds about 30 files; tarfile keeps every header it has read (about 1 KiB each).
    members: int = 10_000
    # Twice what gzip reaches on real bundles; 16 MiB + 50 x a 4.6 MB archive stays under
    # 300 MB of memory. xz and bzip2 squeeze indented JSON further (up to 72-fold): raise it.
    ratio: int = 50

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] = os.environ) -> ArchiveLimits:
        values: dict[str, int] = {}
        for field, (variable, is_size) in _VARIABLES.items():
            text = environment.get(variable)
            if text is None or not text.strip():
                continue
            value = parse_size(text) if is_size else _whole_number(text)
            if value is None or value <= 0:
                example = "a size such as 8GiB or 500MiB" if is_size else "a positive whole number"
                raise InputError(variable, f"{text!r} is not {example}")
            values[field] = value
        return replace(cls(), **values)

    def allowed(self, compressed: int) -> int:
        """The most an archive of `compressed` bytes may unpack to."""
        return min(self.total_bytes, RATIO_ALLOWANCE + self.ratio * compressed)


# ArchiveLimits field -> (environment variable, whether it is a size)
_VARIABLES = {
    "total_bytes": ("ARCSUPPORT_MAX_BUNDLE_SIZE", True),
    "member_bytes": ("ARCSUPPORT_MAX_MEMBER_SIZE", True),
    "object_bytes": ("ARCSUPPORT_MAX_OBJECT_SIZE", True),
    "members": ("ARCSUPPORT_MAX_MEMBERS", False),
    "ratio": ("ARCSUPPORT_MAX_COMPRESSION_RATIO", False),
}


def _whole_number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _raised_by(field: str) -> str:
    """The variable that raises the limit, named as every refusal over it names it."""
    return raised_by(_VARIABLES[field][0])


def _over_total(limits: ArchiveLimits) -> str:
    return (
        f"unpacks to more than {format_size(limits.total_bytes)}, the limit "
        f"{_raised_by('total_bytes')}; refused"
    )


def _clean_member_name(name: str, where: str) -> str:
    if len(name) > MAX_NAME_CHARS:
        raise InputError(
            where,
            f"member {name[:60]!r}... has a name of {len(name)} characters, over the "
            f"{MAX_NAME_CHARS} a path may have; refused",
        )
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise InputError(where, f"member {name!r} has an absolute path; refused")
    if any(part == ".." for part in path.parts):
        raise InputError(where, f"member {name!r} climbs out of the bundle with '..'; refused")
    parts = [part for part in path.parts if part not in (".", "")]
    return "/".join(parts)


_BLOCK = 512
_RECENT_BYTES = 32 * 1024  # more than tarfile ever reads ahead (its 10 KiB record)


class _Reader:
    """The decompressed stream as tarfile reads it: counts the bytes, refuses to go past the
    limits (tarfile itself reads headers, long names and PAX records whole, whatever size
    they declare), and holds on to the last few chunks, so that the end of the archive can be
    checked once tarfile stops."""

    def __init__(self, stream: IO[bytes], raw: IO[bytes], limits: ArchiveLimits, where: str):
        self.stream = stream
        self.raw = raw  # the file on disk, to know how much of it was consumed
        self.limits = limits
        self.where = where
        self.count = 0
        self.part = "a member's header"  # what is being read, for the message that stops it
        self._recent: deque[bytes] = deque()
        self._recent_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if data:
            self.count += len(data)
            self._check()
            self._recent.append(data)
            self._recent_bytes += len(data)
            while self._recent_bytes - len(self._recent[0]) >= _RECENT_BYTES:
                self._recent_bytes -= len(self._recent.popleft())
        return data

    def _check(self) -> None:
        limits = self.limits
        if self.count > limits.total_bytes:
            raise InputTooLarge(self.where, f"{self.part}: {_over_total(limits)}")
        consumed = self.raw.tell()
        if self.count > RATIO_ALLOWANCE + limits.ratio * consumed:
            raise InputTooLarge(
                self.where,
                f"{self.part}: the archive expands more than {limits.ratio}-fold "
                f"({self.count} bytes from the first {consumed} compressed), over the "
                f"compression ratio limit {_raised_by('ratio')}; refused",
            )

    def block_at(self, offset: int) -> bytes | None:
        """The block at `offset` (short at the end of the stream); None if no longer held."""
        first = self.count - self._recent_bytes
        if offset < first:
            return None
        return b"".join(self._recent)[offset - first : offset - first + _BLOCK]


_TAR_MAGIC_AT = 257


def is_archive(head: bytes) -> bool:
    """A file's first bytes are those of a gzip, bzip2 or xz stream, or of a tar archive."""
    return head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")) or (
        head[_TAR_MAGIC_AT : _TAR_MAGIC_AT + 5] == b"ustar"
    )


def _decompressed(raw: IO[bytes]) -> IO[bytes]:
    """gzip, bzip2 and xz streams verify their checksum and length when read to the end,
    which tarfile's stream mode does not: this is what catches a truncated .tar.gz."""
    import bz2
    import gzip
    import lzma

    magic = raw.read(6)
    raw.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if magic.startswith(b"BZh"):
        return cast(IO[bytes], bz2.BZ2File(raw))
    if magic.startswith(b"\xfd7zXZ\x00"):
        return cast(IO[bytes], lzma.LZMAFile(raw))
    return raw


def _check_end(reader: _Reader, end: int, where: str) -> None:
    """tarfile stops quietly at a cut-off or garbled header, but a complete archive has a
    block of zeros there. Then read the rest (within the limits), so a compressed stream
    checks its trailer."""
    block = reader.block_at(end)
    if block is not None and block != bytes(_BLOCK):
        raise InputError(where, "truncated archive: it ends without the end-of-archive marker")
    reader.part = "after the end-of-archive marker"
    while reader.read(_READ_CHUNK):
        pass


def _check_member(
    member: tarfile.TarInfo, limits: ArchiveLimits, archive_size: int, where: str, whole: bool
) -> None:
    """Refuse, from its header alone, a member that cannot be part of a bundle or that would
    unpack to more than the limits allow (the member limit: if it is to be read `whole`)."""
    if member.issparse():
        # A sparse member unpacks its holes as zeros: gigabytes from a few bytes.
        raise InputError(where, f"member {member.name!r} is a sparse file; refused")
    if not member.isfile():
        kind = "link" if (member.issym() or member.islnk()) else "special file"
        raise InputError(where, f"member {member.name!r} is a {kind}; refused")
    if whole and member.size > limits.member_bytes:
        raise InputTooLarge(
            where,
            f"member {member.name!r} is {member.size} bytes, over the "
            f"{format_size(limits.member_bytes)} member limit "
            f"{_raised_by('member_bytes')}; refused",
        )
    allowed = limits.allowed(archive_size)
    if member.size > allowed:
        raise InputTooLarge(
            where,
            f"member {member.name!r} says it holds {member.size} bytes, more than a "
            f"{archive_size}-byte archive may unpack to ({allowed}: 16 MiB, then "
            f"{limits.ratio}-fold), over the compression ratio limit "
            f"{_raised_by('ratio')}; refused",
        )


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo, where: str) -> bytes:
    """The member's bytes, collected in one growing buffer: reading it whole through tarfile
    would hold three copies at once."""
    handle = archive.extractfile(member)
    if handle is None:  # pragma: no cover - isfile() members always have data
        return b""
    buffer = io.BytesIO()
    while chunk := handle.read(_READ_CHUNK):
        buffer.write(chunk)
    if buffer.tell() != member.size:
        raise InputError(where, f"truncated archive: {member.name!r} is cut short")
    return buffer.getvalue()  # the buffer's own bytes, not a copy


def _unreadable_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged archive raises (imported here: see the top of the module)."""
    import lzma
    import tarfile

    return (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError)


def _unreadable(exc: BaseException, where: str) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError(where, "no such file")
    if isinstance(exc, PermissionError):
        return InputError(where, exc.strerror or str(exc))
    return InputError(where, f"not a readable .tar.gz bundle ({exc or 'truncated'})")


class MemberStream:
    """A member read as its reader consumes it (a List, item by item) instead of collected
    whole: a tarball's big List then costs what a folder's does. It is to be read before the
    next member is asked for, as tarfile's stream mode reads on; the archive's limits apply
    to it as it is read."""

    def __init__(self, handle: IO[bytes], size: int, where: str) -> None:
        self.handle = handle
        self.size = size
        self.where = where

    def readinto(self, buffer: memoryview | bytearray, /) -> int:
        # A piece at a time: tarfile reads what is asked into new bytes (twice, in stream
        # mode) before they are copied into the buffer.
        with memoryview(buffer) as view:
            try:
                return self.handle.readinto(view[:_READ_CHUNK])  # type: ignore[attr-defined,no-any-return]
            except _unreadable_errors() as exc:
                raise _unreadable(exc, self.where) from None


@overload
def iter_tarball(
    path: Path,
    limits: ArchiveLimits | None = None,
    skip: Callable[[str], bool] | None = None,
    streamed: None = None,
) -> Iterator[tuple[str, bytes]]: ...


@overload
def iter_tarball(
    path: Path,
    limits: ArchiveLimits | None,
    skip: Callable[[str], bool] | None,
    streamed: Callable[[str], bool],
) -> Iterator[tuple[str, bytes | MemberStream]]: ...


def iter_tarball(
    path: Path,
    limits: ArchiveLimits | None = None,
    skip: Callable[[str], bool] | None = None,
    streamed: Callable[[str], bool] | None = None,
) -> Iterator[tuple[str, bytes | MemberStream]]:
    """Yield (name, bytes) for each regular file of a .tar.gz bundle, checking every member;
    members `skip` names are checked but never read into memory, members `streamed` names
    come as a MemberStream.

    `limits` defaults to ArchiveLimits.from_environment()."""
    import tarfile

    where = str(path)
    limits = limits if limits is not None else ArchiveLimits.from_environment()
    count = 0
    declared = 0
    try:
        with path.open("rb") as raw, _decompressed(raw) as stream:
            archive_size = os.fstat(raw.fileno()).st_size
            reader = _Reader(stream, raw, limits, where)
            with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as archive:
                for member in archive:
                    count += 1
                    if count > limits.members:
                        raise InputTooLarge(
                            where,
                            f"holds more than {limits.members} members, the limit "
                            f"{_raised_by('members')}; refused",
                        )
                    name = _clean_member_name(member.name, where)
                    if member.isdir():
                        continue
                    item_by_item = streamed is not None and streamed(name)
                    _check_member(member, limits, archive_size, where, whole=not item_by_item)
                    declared += member.size
                    if declared > limits.total_bytes:
                        raise InputTooLarge(where, f"member {member.name!r}: {_over_total(limits)}")
                    if skip is not None and skip(name):
                        continue  # tarfile reads past its data, through the same checks
                    reader.part = f"member {member.name!r}"
                    if item_by_item:
                        handle = cast(IO[bytes], archive.extractfile(member))  # a file's
                        yield name, MemberStream(handle, member.size, where)
                    else:
                        yield name, _read_member(archive, member, where)
                    reader.part = "a member's header"
                _check_end(reader, archive.offset, where)
    except _unreadable_errors() as exc:
        raise _unreadable(exc, where) from None
    except MemoryError:
        raise InputError(where, "does not fit in the memory available") from None


def checked_files(
    root: Path, names: list[str], streamed: Callable[[str], bool] | None = None
) -> list[tuple[str, Path]]:
    """(name, path) of the given relative names that are files under `root`, every one
    checked before any is read: no link out of the folder, no file read whole over the member
    limit, and all of them (a List `streamed` item by item included) within the total limit,
    so that a file too big is refused before the others were read for nothing."""
    resolved_root = root.resolve()
    limits = ArchiveLimits.from_environment()
    found: list[tuple[str, Path]] = []
    total = 0
    for name in names:
        file = root / name
        try:
            if not file.is_file():
                continue
            if not file.resolve().is_relative_to(resolved_root):
                raise InputError(str(file), "is a link that points outside the bundle; refused")
            size = file.stat().st_size
        except OSError as exc:
            raise InputError(str(file), exc.strerror or str(exc)) from None
        if size > limits.member_bytes and not (streamed and streamed(name)):
            raise InputTooLarge(
                str(file),
                f"is {size} bytes, over the {format_size(limits.member_bytes)} limit "
                f"{_raised_by('member_bytes')}",
            )
        total += size
        if total > limits.total_bytes:
            raise InputTooLarge(
                str(root),
                f"its files add up to more than {format_size(limits.total_bytes)}, the limit "
                f"{_raised_by('total_bytes')}; refused at {name}",
            )
        found.append((name, file))
    return found


def read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InputError(str(file), exc.strerror or str(exc)) from None
    except MemoryError:
        raise InputError(str(file), "does not fit in the memory available") from None


def iter_directory(root: Path, names: list[str]) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) for the given relative names that exist under `root`, all checked
    first (checked_files)."""
    for name, file in checked_files(root, names):
        yield name, read_file(file)
