"""Reading a file the user names and writing one in their folders: a failure is one line
naming the file (InputError), a write never leaves half a file behind, and `--out` never
destroys what the path names (a device, a pipe, a symlink, the run's own input)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from arcsupport.errors import InputError


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from None


def write_atomically(target: Path, data: bytes) -> None:
    """Write next to the file, then rename it over: a failure never leaves half a file
    behind. A symlink is followed (the file it points to is replaced, the link stays), and
    a replaced file keeps its permissions."""
    real = Path(os.path.realpath(target))
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(str(target), exc.strerror or str(exc)) from None
    temporary = real.with_name(f".{real.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    created = False
    try:
        # O_EXCL: never through a file or link someone else put there. A new file gets the
        # usual 0666 less the umask, as any file the user creates.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(real)
    except OSError as exc:
        if created:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise InputError(str(target), exc.strerror or str(exc)) from None


# Names of a descriptor this process already holds open: bash's `>(cmd)` passes /dev/fd/63.
_DESCRIPTOR_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/(?P<pid>\d+)/fd)/(?P<fd>\d+)$")
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _open_descriptor(target: Path) -> int | None:
    """The descriptor `target` names, if this process holds it open: written to as it is,
    since reopening it may be refused (a pipe of another user) or truncate a file the shell
    opened for appending."""
    name = os.path.normpath(str(target))
    number = _STANDARD_STREAMS.get(name)
    if number is None:
        found = _DESCRIPTOR_PATH.match(name)
        if found is None or (found["pid"] is not None and int(found["pid"]) != os.getpid()):
            return None
        number = int(found["fd"])
    try:
        os.fstat(number)
    except OSError:
        return None
    return number


def _write_all(descriptor: int, data: bytes, where: str) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output path that is one of the run's inputs, or inside an input folder (a
    bundle's files): overwriting it would lose the input and mislead the next run."""
    real = Path(os.path.realpath(target))
    for source in inputs:
        source_real = Path(os.path.realpath(source))
        same = real == source_real
        if not same:
            with contextlib.suppress(OSError):
                same = real.samefile(source_real)  # a hard link to the input
        if same or (source_real.is_dir() and real.is_relative_to(source_real)):
            raise InputError(
                str(target),
                f"is the run's input {source}"
                if same
                else f"is inside the run's input {source}; write the report elsewhere",
            )


def write_output(target: Path, data: bytes, inputs: Iterable[Path] = ()) -> None:
    """`--out`: replace a regular file (or create a missing one) atomically, through any
    symlinks; write straight through to a character device, a FIFO, a pipe or an open
    descriptor (`>(cmd)`, /dev/stdout); refuse a folder, a block device, a socket and the
    run's own inputs."""
    where = str(target)
    descriptor = _open_descriptor(target)
    if descriptor is not None:
        _write_all(descriptor, data, where)
        return
    if not target.name:  # `--out ''` arrives as Path("."), the current folder
        raise InputError("--out", f"{str(target)!r} names a folder, not a file (so does '')")
    refuse_inputs(target, inputs)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None  # created, or a dangling symlink whose target is created
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    if mode is None or stat.S_ISREG(mode):
        write_atomically(target, data)
        return
    if stat.S_ISDIR(mode):
        raise InputError(where, "is a folder; name a file to write the report to")
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket"
        raise InputError(
            where, f"is {kind}; write the report to a file, a character device or a pipe"
        )
    try:
        # No O_CREAT, no O_TRUNC: the device or pipe stays what it is.
        descriptor = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    try:
        _write_all(descriptor, data, where)
    finally:
        os.close(descriptor)
