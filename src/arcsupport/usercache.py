"""What a short command would otherwise rebuild on every run, kept in the user's cache folder.

Parsing the policy pack's YAML and the message catalogs' TOML is most of the start-up of a
short command such as `check`. What they become is kept as msgpack under a key the caller
derives from every byte it was built from and from the code that built it, so a kept value is
never reused for other inputs or by other code. The file also carries the SHA-256 of its
content: one that is missing, cut short, damaged or of another shape is built again, and a
folder that cannot be written costs time, never a result.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import TypeVar

import msgspec
import platformdirs

T = TypeVar("T")

_SUFFIX = ".msgpack"
_DIGEST_SIZE = hashlib.sha256().digest_size


def cache_dir() -> Path:
    """ARCSUPPORT_CACHE_DIR moves it (tests, read-only homes)."""
    chosen = os.environ.get("ARCSUPPORT_CACHE_DIR")
    return Path(chosen) if chosen else platformdirs.user_cache_path("arcsupport")


def kept_files(family: str) -> list[Path]:
    """The files kept for `family`, oldest first."""
    return sorted(cache_dir().glob(f"{family}-*{_SUFFIX}"), key=lambda file: file.stat().st_mtime)


def read(family: str, key: str, kind: type[T]) -> T | None:
    """The value kept for `key`, or None when there is none that can be trusted."""
    try:
        data = (cache_dir() / f"{family}-{key}{_SUFFIX}").read_bytes()
    except OSError:
        return None  # not built yet, or unreadable
    digest, content = data[:_DIGEST_SIZE], data[_DIGEST_SIZE:]
    if hashlib.sha256(content).digest() != digest:
        return None  # cut short or damaged
    try:
        return msgspec.msgpack.decode(content, type=kind)
    except msgspec.MsgspecError:
        return None  # another shape


def keep(family: str, key: str, value: object, *, newest: int) -> None:
    """Write `value` for `key` atomically and remove all but the `newest` files of `family`.
    Best effort: a folder that cannot be written is left as it is."""
    folder = cache_dir()
    temporary = folder / f".{family}-{key}.{os.getpid()}.tmp"
    content = msgspec.msgpack.encode(value)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(hashlib.sha256(content).digest() + content)
        temporary.replace(folder / f"{family}-{key}{_SUFFIX}")
        for old in kept_files(family)[:-newest]:
            old.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
