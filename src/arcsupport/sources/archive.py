"""Reading the files of a bundle from a directory or a .tar.gz, refusing hostile archives.

A tarball is streamed member by member, so a member is decoded and dropped before the next
is read: peak memory stays near the largest member, not the whole bundle.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import tarfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, cast

from arcsupport.errors import InputError, InputTooLarge

MAX_MEMBER_BYTES = 4 * 1024**3
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_MEMBERS = 100_000
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """What a tarball may unpack to. The defaults suit a file the user chose to read; the
    service reads bodies that strangers send, and holds them to its own, tighter limits."""

    member_bytes: int
    total_bytes: int
    members: int


def default_limits() -> Limits:
    return Limits(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES, MAX_MEMBERS)


def _clean_member_name(name: str, where: str) -> str:
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
    """The decompressed stream as tarfile reads it: counts the bytes and holds on to the last
    few chunks, so that the end of the archive can be checked once tarfile stops."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0
        self._recent: deque[bytes] = deque()
        self._recent_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        if data:
            self.count += len(data)
            self._recent.append(data)
            self._recent_bytes += len(data)
            while self._recent_bytes - len(self._recent[0]) >= _RECENT_BYTES:
                self._recent_bytes -= len(self._recent.popleft())
        return data

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
    magic = raw.read(6)
    raw.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if magic.startswith(b"BZh"):
        return cast(IO[bytes], bz2.BZ2File(raw))
    if magic.startswith(b"\xfd7zXZ\x00"):
        return cast(IO[bytes], lzma.LZMAFile(raw))
    return raw


def _check_end(reader: _Reader, end: int, where: str, total_bytes: int) -> None:
    """tarfile stops quietly at a cut-off or garbled header, but a complete archive has a
    block of zeros there. Then read the rest, so a compressed stream checks its trailer."""
    block = reader.block_at(end)
    if block is not None and block != bytes(_BLOCK):
        raise InputError(where, "truncated archive: it ends without the end-of-archive marker")
    while reader.read(1024 * 1024):
        if reader.count > total_bytes:
            raise InputTooLarge(where, f"unpacks to more than {total_bytes} bytes")


def iter_tarball(
    path: Path, skip: Callable[[str], bool] | None = None, limits: Limits | None = None
) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) for each regular file of a .tar.gz bundle, checking every member;
    members `skip` names are checked but never read into memory."""
    limit = limits or default_limits()
    where = str(path)
    total = 0
    count = 0
    try:
        with path.open("rb") as raw, _decompressed(raw) as stream:
            reader = _Reader(stream)
            with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as archive:
                for member in archive:
                    count += 1
                    if count > limit.members:
                        raise InputTooLarge(where, f"more than {limit.members} members; refused")
                    name = _clean_member_name(member.name, where)
                    if member.isdir():
                        continue
                    if not member.isfile():
                        kind = "link" if (member.issym() or member.islnk()) else "special file"
                        raise InputError(where, f"member {member.name!r} is a {kind}; refused")
                    if member.size > limit.member_bytes:
                        raise InputTooLarge(
                            where,
                            f"member {member.name!r} is {member.size} bytes, over the "
                            f"{limit.member_bytes} byte limit; refused",
                        )
                    total += member.size
                    if total > limit.total_bytes:
                        raise InputTooLarge(
                            where, f"unpacks to more than {limit.total_bytes} bytes"
                        )
                    if skip is not None and skip(name):
                        continue
                    handle = archive.extractfile(member)
                    if handle is None:  # pragma: no cover - isfile() members always have data
                        continue
                    data = handle.read()
                    if len(data) != member.size:
                        raise InputError(where, f"truncated archive: {member.name!r} is cut short")
                    yield name, data
                _check_end(reader, archive.offset, where, limit.total_bytes)
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InputError(where, "no such file") from None
        raise InputError(where, f"not a readable .tar.gz bundle ({exc or 'truncated'})") from None


def iter_directory(root: Path, names: list[str]) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) for the given relative names that exist under `root`."""
    resolved_root = root.resolve()
    for name in names:
        file = root / name
        if not file.is_file():
            continue
        if not file.resolve().is_relative_to(resolved_root):
            raise InputError(str(file), "is a link that points outside the bundle; refused")
        size = file.stat().st_size
        if size > MAX_MEMBER_BYTES:
            raise InputError(str(file), f"is {size} bytes, over the {MAX_MEMBER_BYTES} byte limit")
        try:
            yield name, file.read_bytes()
        except OSError as exc:
            raise InputError(str(file), exc.strerror or str(exc)) from None
