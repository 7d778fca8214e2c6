"""Reading the files of a bundle from a directory or a .tar.gz, refusing hostile archives.

A tarball is streamed member by member, so a member is decoded and dropped before the next
is read: peak memory stays near the largest member, not the whole bundle.
"""

from __future__ import annotations

import re
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from arcsupport.errors import InputError

MAX_MEMBER_BYTES = 4 * 1024**3
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_MEMBERS = 100_000
_DRIVE = re.compile(r"^[A-Za-z]:")


def _clean_member_name(name: str, where: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise InputError(where, f"member {name!r} has an absolute path; refused")
    if any(part == ".." for part in path.parts):
        raise InputError(where, f"member {name!r} climbs out of the bundle with '..'; refused")
    parts = [part for part in path.parts if part not in (".", "")]
    return "/".join(parts)


def iter_tarball(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) for each regular file of a .tar.gz bundle, checking every member."""
    where = str(path)
    total = 0
    count = 0
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                count += 1
                if count > MAX_MEMBERS:
                    raise InputError(where, f"more than {MAX_MEMBERS} members; refused")
                name = _clean_member_name(member.name, where)
                if member.isdir():
                    continue
                if not member.isfile():
                    kind = "link" if (member.issym() or member.islnk()) else "special file"
                    raise InputError(where, f"member {member.name!r} is a {kind}; refused")
                if member.size > MAX_MEMBER_BYTES:
                    raise InputError(
                        where,
                        f"member {member.name!r} is {member.size} bytes, over the "
                        f"{MAX_MEMBER_BYTES} byte limit; refused",
                    )
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise InputError(where, f"unpacks to more than {MAX_TOTAL_BYTES} bytes")
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                data = handle.read()
                if len(data) != member.size:
                    raise InputError(where, f"truncated archive: {member.name!r} is cut short")
                yield name, data
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
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
