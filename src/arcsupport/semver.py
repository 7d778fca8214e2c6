"""Kubernetes version strings as they appear in real payloads.

Seen in the wild: `v1.28.5` (/version, kubelet), `1.28.5` (az CLI), `v1.20.5` (ARM examples),
`1.28` (kubernetesVersions minors), `v1.27.3+k3s1`, `v1.29.1-eks-abc` (distribution suffixes).
"""

from __future__ import annotations

import re
from functools import total_ordering

_VERSION = re.compile(r"^\s*[vV]?(\d+)\.(\d+)(?:\.(\d+))?([-+][0-9A-Za-z.+\-_]*)?\s*$")


@total_ordering
class KubeVersion:
    """A major.minor[.patch] version; ordering ignores the distribution suffix."""

    __slots__ = ("_text", "major", "minor", "minor_key", "patch", "suffix")

    def __init__(self, major: int, minor: int, patch: int | None = None, suffix: str = "") -> None:
        self.major = major
        self.minor = minor
        self.patch = patch
        self.suffix = suffix
        # Asked for several times per cluster by the rules; versions are never changed.
        self.minor_key = f"{major}.{minor}"
        self._text = self.minor_key if patch is None else f"{self.minor_key}.{patch}"

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        match = _VERSION.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a Kubernetes version such as 1.30 or v1.30.4")
        major, minor, patch, suffix = match.groups()
        return cls(int(major), int(minor), int(patch) if patch is not None else None, suffix or "")

    @classmethod
    def try_parse(cls, text: str | None) -> KubeVersion | None:
        if not text:
            return None
        # A fleet repeats a handful of version strings thousands of times; versions are never
        # changed once made, so one object per string can be shared.
        if text in _PARSED:
            return _PARSED[text]
        try:
            parsed: KubeVersion | None = cls.parse(text)
        except ValueError:
            parsed = None
        if len(_PARSED) < 10_000:
            _PARSED[text] = parsed
        return parsed

    @property
    def minor_tuple(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, -1 if self.patch is None else self.patch)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: KubeVersion) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"KubeVersion({self})"


_PARSED: dict[str, KubeVersion | None] = {}


def minor_key(text: str) -> str:
    return KubeVersion.parse(text).minor_key


def minor_distance(newer: KubeVersion, older: KubeVersion) -> int:
    """How many minors `older` is behind `newer` (negative when it is ahead)."""
    if newer.major != older.major:
        return (newer.major - older.major) * 1000
    return newer.minor - older.minor
