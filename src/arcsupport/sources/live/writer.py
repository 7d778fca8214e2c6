"""Writing a bundle safely: everything goes to a temporary path beside the target and is moved
into place only once complete, so an interrupted or failed collection leaves nothing behind."""

from __future__ import annotations

import errno
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import msgspec

from arcsupport.errors import InputError
from arcsupport.sources.bundle import (
    BUNDLE_FORMAT,
    Manifest,
    ManifestCluster,
    NotCollected,
    Redaction,
)
from arcsupport.version import __version__

_TARBALL_SUFFIXES = (".tar.gz", ".tgz")


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full; nothing was written"
    return f"{exc.strerror or exc}; nothing was written"


class BundleWriter:
    """`with BundleWriter(target, collected_at) as bundle: bundle.write_bytes(...)`."""

    def __init__(self, target: Path, collected_at: datetime) -> None:
        self.target = target
        self.collected_at = collected_at
        self.cluster = ManifestCluster()
        self._not_collected: list[NotCollected] = []
        self._redacted: dict[str, int] = {}
        self._tarball = target.name.endswith(_TARBALL_SUFFIXES)
        if target.exists():
            raise InputError(str(target), "already exists; choose a new path or remove it first")
        parent = target.parent if str(target.parent) else Path()
        if not parent.is_dir():
            raise InputError(str(target), f"its folder {parent} does not exist")
        try:
            self._work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
        except OSError as exc:
            raise InputError(str(target), _os_problem(exc)) from None

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                self._finish()
        except OSError as exc:
            raise InputError(str(self.target), _os_problem(exc)) from None
        finally:
            shutil.rmtree(self._work, ignore_errors=True)
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            raise InputError(str(self.target), _os_problem(error)) from None

    def path(self, name: str) -> Path:
        file = self._work / name
        file.parent.mkdir(parents=True, exist_ok=True)
        return file

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        """A file of the bundle to stream into (big lists are written page by page)."""
        with self.path(name).open("wb") as handle:
            yield handle

    def write_bytes(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def has(self, name: str) -> bool:
        return (self._work / name).is_file()

    def not_collected(self, part: str, reason: str) -> None:
        """Recorded in manifest.json; the assessment reports the rules that needed it."""
        self._not_collected.append(NotCollected(part=part, reason=reason))

    @property
    def not_collected_parts(self) -> list[str]:
        return sorted({entry.part for entry in self._not_collected})

    def redacted(self, what: str, count: int = 1) -> None:
        """Recorded in manifest.json, so a reader knows what was removed before sharing."""
        self._redacted[what] = self._redacted.get(what, 0) + count

    def _finish(self) -> None:
        manifest = Manifest(
            format=BUNDLE_FORMAT,
            collected_at=self.collected_at,
            cluster=self.cluster,
            not_collected=self._not_collected,
            redacted=[
                Redaction(what=what, count=count) for what, count in sorted(self._redacted.items())
            ],
            collector=f"arcsupport {__version__}",
        )
        self.write_bytes(
            "manifest.json", msgspec.json.format(msgspec.json.encode(manifest)) + b"\n"
        )
        if self._tarball:
            partial = self.target.with_name(f".{self.target.name}.partial")
            try:
                with tarfile.open(partial, "w:gz") as archive:
                    for file in sorted(self._work.rglob("*")):
                        if file.is_file():
                            archive.add(
                                file, arcname=str(file.relative_to(self._work)), recursive=False
                            )
                partial.replace(self.target)
            finally:
                partial.unlink(missing_ok=True)
        else:
            self._work.replace(self.target)
