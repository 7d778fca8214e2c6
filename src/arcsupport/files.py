"""Reading a file the user names and writing one in their folders: a failure is one line
naming the file (InputError), and a write never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from arcsupport.errors import InputError


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from None


def write_atomically(target: Path, data: bytes) -> None:
    """Write next to the target, then rename: a failure never leaves half a report behind."""
    if not target.name:  # `--out ''` arrives as Path("."), the current folder
        raise InputError("--out", f"{str(target)!r} names a folder, not a file (so does '')")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(target)
    except OSError as exc:
        # Below a file (ENOTDIR) the temporary file cannot exist, and unlink fails the same way.
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise InputError(str(target), exc.strerror or str(exc)) from None
