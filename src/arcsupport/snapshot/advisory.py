"""Security advisories as one model, whichever feed they came from (OSV records, the
Kubernetes official CVE feed): the components they affect and the version ranges, compared
with the scheme each ecosystem uses.

Version schemes: Go modules and the `kubernetes` ecosystem of kubernetes-sigs/cve-feed-osv use
semantic versions (Go pseudo-versions are semver pre-releases, so they order correctly as
such); the RPM distributions use RPM's epoch:version-release comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, total_ordering
from typing import Literal

Scheme = Literal["semver", "rpm"]
Component = Literal[
    "kubernetes",  # k8s.io/kubernetes as a whole: the control plane and every kubelet
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "containerd",
    "runc",
    "node-image",  # packages of the node's OS image (the kernel is the one a bundle shows)
]
COMPONENTS: tuple[Component, ...] = (
    "kubernetes",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "containerd",
    "runc",
    "node-image",
)
# Components that ship inside the node image: fixed by a node image upgrade, which AKS Arc
# delivers with a Kubernetes patch upgrade.
IMAGE_COMPONENTS: frozenset[Component] = frozenset({"containerd", "runc", "node-image"})


# --- versions ----------------------------------------------------------------------------------

_SEMVER = re.compile(
    r"[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.\-]+))?(?:\+[0-9A-Za-z.\-]*)?"
)
_SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def semver_key(text: str) -> _SemverKey:
    """Semantic Versioning 2.0 precedence: pre-releases sort before the release, numeric
    identifiers before alphanumeric ones, build metadata (`+incompatible`) is ignored. A
    missing minor or patch counts as 0 (`1.18` in prose means 1.18.0)."""
    match = _SEMVER.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a semantic version")
    major, minor, patch, pre = match.groups()
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in (pre or "").split(".")
    )
    if not pre:
        return (int(major), int(minor or 0), int(patch or 0), 1, ())
    return (int(major), int(minor or 0), int(patch or 0), 0, identifiers)


def _rpm_segments_compare(one: str, two: str) -> int:
    """rpmvercmp() of rpm 4.x: alternating digit and letter segments, digits newer than letters,
    `~` older than anything (even the end), `^` newer than the end but older than more text."""
    if one == two:
        return 0
    i = j = 0
    while i < len(one) or j < len(two):
        while i < len(one) and not _alnum(one[i]) and one[i] not in "~^":
            i += 1
        while j < len(two) and not _alnum(two[j]) and two[j] not in "~^":
            j += 1
        a = one[i] if i < len(one) else ""
        b = two[j] if j < len(two) else ""
        if a == "~" or b == "~":
            if a != "~":
                return 1
            if b != "~":
                return -1
            i, j = i + 1, j + 1
            continue
        if a == "^" or b == "^":
            if not a:
                return -1
            if not b:
                return 1
            if a != "^":
                return 1
            if b != "^":
                return -1
            i, j = i + 1, j + 1
            continue
        if not (a and b):
            break
        numeric = a.isdigit()
        kind = str.isdigit if numeric else _alpha
        end_i, end_j = i, j
        while end_i < len(one) and kind(one[end_i]):
            end_i += 1
        while end_j < len(two) and kind(two[end_j]):
            end_j += 1
        if end_j == j:  # segments of different kinds: a number is newer than letters
            return 1 if numeric else -1
        seg_one, seg_two = one[i:end_i], two[j:end_j]
        if numeric:
            seg_one, seg_two = seg_one.lstrip("0"), seg_two.lstrip("0")
            if len(seg_one) != len(seg_two):
                return 1 if len(seg_one) > len(seg_two) else -1
        if seg_one != seg_two:
            return 1 if seg_one > seg_two else -1
        i, j = end_i, end_j
    rest_one, rest_two = i < len(one), j < len(two)
    if not rest_one and not rest_two:
        return 0
    return 1 if rest_one else -1


def _alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _alpha(char: str) -> bool:
    return char.isascii() and char.isalpha()


def rpm_compare(one: str, two: str) -> int:
    """Compare `[epoch:]version[-release]`: epoch, then version, then release (a missing
    release sorts first, which keeps the order total)."""
    epoch_one, version_one, release_one = _evr(one)
    epoch_two, version_two, release_two = _evr(two)
    if epoch_one != epoch_two:
        return 1 if epoch_one > epoch_two else -1
    return _rpm_segments_compare(version_one, version_two) or _rpm_segments_compare(
        release_one, release_two
    )


def _evr(text: str) -> tuple[int, str, str]:
    epoch, colon, rest = text.strip().partition(":")
    if not colon or not epoch.isdigit():
        epoch, rest = "0", text.strip()
    version, dash, release = rest.rpartition("-")
    if not dash:
        return int(epoch), rest, ""
    return int(epoch), version, release


@total_ordering
class Version:
    """A version in one scheme; versions of different schemes never compare."""

    __slots__ = ("_key", "scheme", "text")

    def __init__(self, text: str, scheme: Scheme) -> None:
        self.text = text.strip()
        self.scheme: Scheme = scheme
        self._key: _SemverKey | None = semver_key(text) if scheme == "semver" else None

    @property
    def major(self) -> int | None:
        return self._key[0] if self._key is not None else None

    def compare(self, other: Version) -> int:
        if self.scheme != other.scheme:
            raise TypeError(f"cannot compare a {self.scheme} and a {other.scheme} version")
        if self._key is not None and other._key is not None:
            return (self._key > other._key) - (self._key < other._key)
        return rpm_compare(self.text, other.text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.scheme == other.scheme and self.compare(other) == 0

    def __lt__(self, other: Version) -> bool:
        return self.compare(other) < 0

    def __hash__(self) -> int:
        return hash((self.scheme, self._key if self._key is not None else self.text))

    def __str__(self) -> str:
        # `v1.27.2` (the feed's spelling) reads as the calendar's `1.27.2`.
        return self.text.lstrip("vV") if self.scheme == "semver" else self.text

    def __repr__(self) -> str:
        return f"Version({self.text!r}, {self.scheme!r})"


# Distribution builds add suffixes (`1.7.26-1.azl3`, `v1.29.1-eks-abc`, `+k3s1`) that are not
# pre-releases; read as semver they would sort *before* the upstream release they package.
_INSTALLED = re.compile(r"[vV]?(\d+\.\d+\.\d+)(-(?:alpha|beta|rc)[0-9A-Za-z.]*)?")


@lru_cache(maxsize=4096)  # a fleet reports a handful of versions thousands of times
def installed_semver(text: str) -> Version | None:
    """The upstream version a component reports, without distribution suffixes."""
    match = _INSTALLED.match(text.strip())
    if match is None:
        return None
    return Version(match.group(1) + (match.group(2) or ""), "semver")


# --- ranges ------------------------------------------------------------------------------------


EventKind = Literal["introduced", "fixed", "last_affected"]
Event = tuple[EventKind, Version | None]  # None: `introduced: 0`, before every version


def sorted_events(events: Iterable[Event]) -> list[Event]:
    """OSV evaluates a range's events in version order, whatever order the record lists them
    in (cve-feed-osv lists the newest branch first); `introduced: 0` comes first."""
    return sorted(events, key=lambda event: (0,) if event[1] is None else (1, event[1]))


@dataclass(frozen=True, slots=True)
class Bound:
    """How an affected version gets out of its range."""

    fixed: Version | None
    last_affected: Version | None

    @property
    def open_ended(self) -> bool:
        return self.fixed is None and self.last_affected is None

    def describe(self) -> str:
        if self.fixed is not None:
            return str(self.fixed)
        if self.last_affected is not None:
            return f"> {self.last_affected}"
        return "-"


@dataclass(frozen=True, slots=True)
class Range:
    """One OSV range (SEMVER or ECOSYSTEM), its events in version order."""

    events: tuple[Event, ...]

    @classmethod
    def of(cls, events: Iterable[Event]) -> Range:
        return cls(tuple(sorted_events(events)))

    @property
    def scheme(self) -> Scheme | None:
        return next((version.scheme for _, version in self.events if version is not None), None)

    def bound(self, version: Version) -> Bound | None:
        """The OSV schema's evaluation, event by event in version order: `introduced` at or
        below the version makes it affected, `fixed` at or below it or `last_affected` below
        it makes it not. When affected, the first closing event above it is the way out."""
        affected = False
        for kind, at in self.events:
            if kind == "introduced":
                if at is None or version >= at:
                    affected = True
            elif at is not None and (version >= at if kind == "fixed" else version > at):
                affected = False
        if not affected:
            return None
        for kind, at in self.events:
            if kind == "fixed" and at is not None and version < at:
                return Bound(at, None)
            if kind == "last_affected" and at is not None and version <= at:
                return Bound(None, at)
        return Bound(None, None)


# --- the model ---------------------------------------------------------------------------------

Family = Literal["azure-linux", "almalinux", "rocky-linux"]


@dataclass(frozen=True, slots=True)
class Distro:
    family: Family
    major: str | None  # None: any release of the family

    def covers(self, node: Distro) -> bool:
        return self.family == node.family and self.major in (None, node.major)


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    ecosystem: str
    name: str
    components: tuple[Component, ...]  # () when arcsupport tracks no cluster component for it
    ranges: tuple[Range, ...] = ()
    versions: tuple[Version, ...] = ()
    goos: tuple[str, ...] = ()  # Go: the vulnerable code is only built for these OSes
    module_major: int | None = None  # Go: the module path's major version (`/v2` -> 2)
    distro: Distro | None = None  # OS packages: the distribution the advisory is for

    def bound(self, version: Version) -> Bound | None:
        """None when `version` is not affected; else how it gets out of the affected range."""
        if self.module_major is not None:
            # A Go module path without /vN holds v0 and v1 only; /v2 holds v2.
            major = version.major or 0
            if max(major, 1) != self.module_major:
                return None
        for item in self.ranges:
            if item.scheme not in (None, version.scheme):
                continue  # e.g. a SEMVER range in an RPM ecosystem: not comparable
            bound = item.bound(version)
            if bound is not None:
                return bound
        if any(version == listed for listed in self.versions):
            # Listed versions say nothing of a fix; the calendar search finds the next one.
            return Bound(None, Version(version.text, version.scheme))
        return None


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    related: tuple[str, ...]  # other flaws it mentions (distributions list their CVEs here)
    summary: str
    severity: str | None
    url: str | None
    withdrawn: datetime | None
    packages: tuple[AffectedPackage, ...]
    source: str


SkipReason = Literal["no-versions", "unrecognised-line"]


@dataclass(frozen=True, slots=True)
class SkippedItem:
    source: str
    id: str
    reason: SkipReason
    detail: str = ""  # the line that could not be read


@dataclass(frozen=True, slots=True)
class AdvisorySet:
    advisories: tuple[Advisory, ...]
    skipped: tuple[SkippedItem, ...]  # feed items that carry no version data
