"""Security advisories (SEC-1, SEC-2): OSV records and the Kubernetes official CVE feed, read
into one model, compared with the versions a cluster runs, and turned into remediations that
name a Kubernetes version the AKS Arc calendar offers.

Everything here is pure (bytes in, values out; `at` chosen by the caller) except
`load_advisories`, the edge that reads files.

Version schemes: Go modules and the `kubernetes` ecosystem of kubernetes-sigs/cve-feed-osv use
semantic versions (Go pseudo-versions are semver pre-releases, so they order correctly as
such); the RPM distributions use RPM's epoch:version-release comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import total_ordering
from pathlib import Path
from typing import Literal

import msgspec

from arcsupport.decoding import decode_json
from arcsupport.errors import InputError
from arcsupport.lifecycle.calendar import Release, VersionCalendar
from arcsupport.rules.base import Evidence, Facts, Message
from arcsupport.semver import KubeVersion

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


# --- OSV ---------------------------------------------------------------------------------------


class _Event(msgspec.Struct, gc=False):
    introduced: str | None = None
    fixed: str | None = None
    last_affected: str | None = None
    limit: str | None = None


class _Range(msgspec.Struct, gc=False):
    type: str
    events: list[_Event] = []


class _Package(msgspec.Struct, gc=False):
    ecosystem: str = ""
    name: str = ""


class _Severity(msgspec.Struct, gc=False):
    type: str = ""
    score: str = ""


class _Affected(msgspec.Struct, gc=False):
    package: _Package | None = None
    ranges: list[_Range] = []
    versions: list[str] = []
    severity: list[_Severity] = []
    # Free-form per the schema; decoded only for the ecosystems whose layout is known.
    ecosystem_specific: msgspec.Raw = msgspec.Raw()


class _Reference(msgspec.Struct, gc=False):
    type: str = ""
    url: str = ""


class _Osv(msgspec.Struct, gc=False):
    id: str
    aliases: list[str] = []
    related: list[str] = []
    summary: str = ""
    withdrawn: datetime | None = None
    severity: list[_Severity] = []
    affected: list[_Affected] = []
    references: list[_Reference] = []
    database_specific: msgspec.Raw = msgspec.Raw()


class _GoImport(msgspec.Struct, gc=False):
    path: str = ""
    goos: list[str] = []


class _GoSpecific(msgspec.Struct, gc=False):
    """golang/vulndb's `ecosystem_specific`."""

    imports: list[_GoImport] = []
    custom_ranges: list[_Range] = []


class _DatabaseSeverity(msgspec.Struct, gc=False):
    severity: str = ""


_SEMVER_ECOSYSTEMS = frozenset({"Go", "kubernetes"})
_RPM_ECOSYSTEMS: dict[str, Family] = {
    "Azure Linux": "azure-linux",
    "AlmaLinux": "almalinux",
    "Rocky Linux": "rocky-linux",
}
# kubernetes-sigs/cve-feed-osv names each Kubernetes component as a package.
_KUBERNETES_PACKAGES: dict[str, tuple[Component, ...]] = {
    "k8s.io/kubernetes": ("kubernetes",),
    "k8s.io/kubelet": ("kubelet",),
    "k8s.io/apiserver": ("kube-apiserver",),
    "k8s.io/kube-apiserver": ("kube-apiserver",),
    "k8s.io/kube-proxy": ("kube-proxy",),
    "k8s.io/controller-manager": ("kube-controller-manager",),
    "k8s.io/kube-controller-manager": ("kube-controller-manager",),
    "k8s.io/kube-scheduler": ("kube-scheduler",),
}
_GO_MODULES: dict[str, Component] = {
    "github.com/containerd/containerd": "containerd",
    "github.com/opencontainers/runc": "runc",
}
# Where a package of k8s.io/kubernetes runs. Volume plugins mount on the node, so pkg/volume
# is the kubelet's (the attach/detach controller only calls the cloud's attach API).
_KUBERNETES_IMPORTS: tuple[tuple[str, Component], ...] = (
    ("k8s.io/kubernetes/pkg/kubelet", "kubelet"),
    ("k8s.io/kubernetes/pkg/volume", "kubelet"),
    ("k8s.io/kubernetes/pkg/proxy", "kube-proxy"),
    ("k8s.io/kubernetes/pkg/controller", "kube-controller-manager"),
    ("k8s.io/kubernetes/pkg/scheduler", "kube-scheduler"),
    ("k8s.io/kubernetes/plugin/pkg/admission", "kube-apiserver"),
    ("k8s.io/kubernetes/pkg/kubeapiserver", "kube-apiserver"),
    ("k8s.io/kubernetes/pkg/controlplane", "kube-apiserver"),
    ("k8s.io/kubernetes/pkg/registry", "kube-apiserver"),
)
_ALSA_SEVERITY = re.compile(r"^(Critical|Important|Moderate|Low):")
_MAJOR_SUFFIX = re.compile(r"/v(\d+)$")


def _import_components(imports: Sequence[_GoImport]) -> tuple[Component, ...]:
    found: list[Component] = []
    for item in imports:
        path = item.path
        component = next(
            (
                c
                for prefix, c in _KUBERNETES_IMPORTS
                if path == prefix or path.startswith(prefix + "/")
            ),
            None,
        )
        if component is None:
            return ("kubernetes",)  # a package we cannot place: hold every component to it
        if component not in found:
            found.append(component)
    return tuple(found) or ("kubernetes",)


def _components(base: str, name: str, go: _GoSpecific) -> tuple[Component, ...]:
    if base == "Go":
        if name == "k8s.io/kubernetes":
            return _import_components(go.imports)
        module = _MAJOR_SUFFIX.sub("", name)
        return (_GO_MODULES[module],) if module in _GO_MODULES else ()
    if base == "kubernetes":
        return _KUBERNETES_PACKAGES.get(name, ())
    if base in _RPM_ECOSYSTEMS:
        return ("node-image",)
    return ()


def _parse_version(text: str, scheme: Scheme, where: str, source: str) -> Version:
    try:
        return Version(text, scheme)
    except ValueError:
        raise InputError(source, f"{where}: {text!r} is not a {scheme} version") from None


def _ranges(ranges: Sequence[_Range], scheme: Scheme, where: str, source: str) -> list[Range]:
    parsed: list[Range] = []
    for r_index, item in enumerate(ranges):
        here = f"{where}.ranges[{r_index}]"
        if item.type not in ("SEMVER", "ECOSYSTEM", "GIT"):
            raise InputError(source, f"{here}.type: {item.type!r} is not SEMVER, ECOSYSTEM or GIT")
        if item.type == "GIT":
            continue  # commit hashes: nothing a cluster reports can be placed among them
        range_scheme: Scheme = "semver" if item.type == "SEMVER" else scheme
        events: list[Event] = []
        for e_index, event in enumerate(item.events):
            at = f"{here}.events[{e_index}]"
            named: tuple[tuple[EventKind, str | None], ...] = (
                ("introduced", event.introduced),
                ("fixed", event.fixed),
                ("last_affected", event.last_affected),
            )
            given = [(kind, value) for kind, value in named if value is not None]
            if len(given) + (event.limit is not None) != 1:
                raise InputError(
                    source,
                    f"{at}: an event holds exactly one of introduced, fixed, last_affected "
                    "or limit",
                )
            if not given:
                continue  # `limit` only bounds GIT ranges
            kind, value = given[0]
            if kind == "introduced" and value == "0":
                events.append((kind, None))
            else:
                events.append((kind, _parse_version(value, range_scheme, at, source)))
        parsed.append(Range.of(events))
    return parsed


def _database_severity(raw: msgspec.Raw) -> str:
    """GitHub's `database_specific.severity`; the object is free-form, so any other layout
    simply carries no severity word."""
    if not raw:
        return ""
    try:
        return msgspec.json.decode(raw, type=_DatabaseSeverity).severity
    except msgspec.ValidationError:
        return ""


def _go_specific(raw: msgspec.Raw, where: str, source: str) -> _GoSpecific:
    if not raw:
        return _GoSpecific()
    try:
        return msgspec.json.decode(raw, type=_GoSpecific)
    except msgspec.ValidationError as exc:
        raise InputError(source, f"{where}.ecosystem_specific: {exc}") from None


def _package(entry: _Affected, index: int, source: str) -> AffectedPackage | None:
    where = f"affected[{index}]"
    if entry.package is None:
        return None  # a GIT-only entry names a repository, not a package
    ecosystem = entry.package.ecosystem
    base, _, release = ecosystem.partition(":")
    go = _go_specific(entry.ecosystem_specific, where, source) if base == "Go" else _GoSpecific()
    components = _components(base, entry.package.name, go)
    if base not in _SEMVER_ECOSYSTEMS and base not in _RPM_ECOSYSTEMS:
        return AffectedPackage(ecosystem, entry.package.name, components)
    scheme: Scheme = "rpm" if base in _RPM_ECOSYSTEMS else "semver"
    ranges = entry.ranges
    # golang/vulndb puts versions it could not map to Go modules in `custom_ranges` and leaves
    # a bare `introduced: 0` in ranges; that placeholder would mark every version affected.
    if go.custom_ranges and all(
        [(event.introduced, event.fixed, event.last_affected) for event in r.events]
        == [("0", None, None)]
        for r in ranges
    ):
        ranges = go.custom_ranges
    parsed = _ranges(ranges, scheme, where, source)
    versions = tuple(
        _parse_version(text, scheme, f"{where}.versions[{v_index}]", source)
        for v_index, text in enumerate(entry.versions)
    )
    goos = tuple(sorted({os for item in go.imports for os in item.goos}))
    # Only when every vulnerable import is OS-specific does the advisory skip the others.
    if not go.imports or any(not item.goos for item in go.imports):
        goos = ()
    major = _MAJOR_SUFFIX.search(entry.package.name) if base == "Go" else None
    module_major = (int(major.group(1)) if major else 1) if base == "Go" else None
    distro = Distro(_RPM_ECOSYSTEMS[base], release or None) if base in _RPM_ECOSYSTEMS else None
    return AffectedPackage(
        ecosystem,
        entry.package.name,
        components,
        tuple(parsed),
        versions,
        goos,
        module_major,
        distro,
    )


def _severity(doc: _Osv) -> str | None:
    database = _database_severity(doc.database_specific)
    if database:
        return database.upper()
    word = _ALSA_SEVERITY.match(doc.summary)
    if word:
        return word.group(1).upper()
    vectors = [item.score for item in doc.severity] + [
        item.score for entry in doc.affected for item in entry.severity
    ]
    return vectors[0] if vectors else None


def _advisory_url(doc: _Osv) -> str | None:
    for wanted in ("ADVISORY", "WEB", "REPORT"):
        for reference in doc.references:
            if reference.type == wanted and reference.url:
                return reference.url
    return None


def parse_osv(data: bytes, source: str) -> Advisory:
    """One OSV record (schema 1.x)."""
    doc = decode_json(data, _Osv, source)
    if not doc.id.strip():
        raise InputError(source, "field id: an OSV record needs an id")
    packages = []
    for index, entry in enumerate(doc.affected):
        package = _package(entry, index, source)
        if package is not None:
            packages.append(package)
    return Advisory(
        id=doc.id,
        aliases=tuple(doc.aliases),
        related=tuple(doc.related),
        summary=doc.summary.strip(),
        severity=_severity(doc),
        url=_advisory_url(doc),
        withdrawn=doc.withdrawn,
        packages=tuple(packages),
        source=source,
    )


# --- the Kubernetes official CVE feed ----------------------------------------------------------


class _FeedItem(msgspec.Struct, gc=False):
    id: str = ""
    url: str = ""
    summary: str = ""
    content_text: str = ""


class _Feed(msgspec.Struct, gc=False):
    version: str = ""
    items: list[_FeedItem] = []


# Feed items carry versions only as Markdown prose under an "Affected Versions" heading, e.g.
# `- kube-apiserver v1.27.0 - v1.27.2`, `<= v1.24.13`, `- kubelet v1.18.0-1.18.5`.
_FEED_VERSION = r"[vV]?\d+\.\d+(?:\.\d+)?"
_FEED_ENTRY = re.compile(
    rf"(?:(?P<component>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)*)\s+)?"
    rf"(?:(?P<op><=|<)\s*(?P<bound>{_FEED_VERSION})"
    rf"|(?P<low>{_FEED_VERSION})\s*-\s*(?P<high>{_FEED_VERSION})"
    rf"|(?P<single>{_FEED_VERSION}))"
)
_FEED_COMPONENTS: dict[str, str] = {
    "": "k8s.io/kubernetes",
    "kubernetes": "k8s.io/kubernetes",
    "kubelet": "k8s.io/kubelet",
    "kube-apiserver": "k8s.io/apiserver",
    "kube-proxy": "k8s.io/kube-proxy",
    "kube-controller-manager": "k8s.io/controller-manager",
    "kube-scheduler": "k8s.io/kube-scheduler",
}
_HEADING_MARKS = "#*: \t"


def _affected_lines(text: str) -> list[str] | None:
    """The list items under every "Affected Versions" heading; None when there is none."""
    lines = text.replace("\r\n", "\n").split("\n")
    found: list[str] | None = None
    index = 0
    while index < len(lines):
        if lines[index].strip(_HEADING_MARKS).lower() != "affected versions":
            index += 1
            continue
        found = found if found is not None else []
        index += 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        while index < len(lines) and lines[index].strip():
            line = lines[index].strip()
            if line.startswith(("#", "**")):
                break
            found.append(line.lstrip("-*• \t"))
            index += 1
    return found


def _feed_packages(lines: list[str]) -> tuple[list[AffectedPackage], str | None]:
    """Packages from the affected-versions lines (each line one range), or the first line
    that cannot be read."""
    by_name: dict[str, tuple[list[Range], list[Version]]] = {}
    for line in lines:
        match = _FEED_ENTRY.fullmatch(line)
        if match is None:
            return [], line
        component = (match.group("component") or "").strip().lower()
        name = _FEED_COMPONENTS.get(component, component)
        ranges, versions = by_name.setdefault(name, ([], []))
        if match.group("op"):
            closing: EventKind = "last_affected" if match.group("op") == "<=" else "fixed"
            bound = Version(match.group("bound"), "semver")
            ranges.append(Range.of([("introduced", None), (closing, bound)]))
        elif match.group("low"):
            low = Version(match.group("low"), "semver")
            high = Version(match.group("high"), "semver")
            ranges.append(Range.of([("introduced", low), ("last_affected", high)]))
        else:
            versions.append(Version(match.group("single"), "semver"))
    packages = [
        AffectedPackage(
            "kubernetes", name, _KUBERNETES_PACKAGES.get(name, ()), tuple(ranges), tuple(versions)
        )
        for name, (ranges, versions) in by_name.items()
    ]
    return packages, None


def parse_feed(data: bytes, source: str) -> tuple[list[Advisory], list[SkippedItem]]:
    """The Kubernetes official CVE feed (JSON Feed 1.1). An item becomes an advisory when its
    text lists affected versions in the form the Security Response Committee uses; the
    others are returned as skipped, with the reason."""
    feed = decode_json(data, _Feed, source)
    advisories: list[Advisory] = []
    skipped: list[SkippedItem] = []
    for index, item in enumerate(feed.items):
        ids = [part.strip() for part in item.id.split(",") if part.strip()]
        if not ids:
            raise InputError(source, f"items[{index}]: an item needs an id")
        lines = _affected_lines(item.content_text)
        if not lines:
            skipped.append(SkippedItem(source, item.id, "no-versions"))
            continue
        packages, unread = _feed_packages(lines)
        if unread is not None:
            skipped.append(SkippedItem(source, item.id, "unrecognised-line", unread))
            continue
        advisories.append(
            Advisory(
                id=ids[0],
                aliases=tuple(ids[1:]),
                related=(),
                summary=item.summary.strip(),
                severity=None,
                url=item.url or None,
                withdrawn=None,
                packages=tuple(packages),
                source=f"{source}#{ids[0]}",
            )
        )
    return advisories, skipped


# --- reading files -----------------------------------------------------------------------------

# The whole Kubernetes feed is under 1 MiB and the largest OSV records (Linux kernel) a few
# hundred KiB; anything far bigger is not an advisory.
MAX_ADVISORY_BYTES = 32 * 1024 * 1024
MAX_ADVISORY_FILES = 100_000


class _Probe(msgspec.Struct, gc=False):
    id: str | None = None
    version: str = ""
    items: msgspec.Raw = msgspec.Raw()


def parse_document(data: bytes, source: str) -> tuple[list[Advisory], list[SkippedItem]]:
    """An OSV record or the Kubernetes CVE feed, told apart by their top-level keys."""
    probe = decode_json(data, _Probe, source)
    if probe.items and probe.version.startswith("https://jsonfeed.org/"):
        return parse_feed(data, source)
    if probe.id is not None:
        return [parse_osv(data, source)], []
    raise InputError(
        source, "neither an OSV record (no `id`) nor the Kubernetes CVE feed (no JSON Feed `items`)"
    )


def _advisory_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(item for item in path.rglob("*.json") if item.is_file())
            if not found:
                raise InputError(str(path), "holds no .json advisory files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(str(path), "no such advisory file or folder")
        if len(files) > MAX_ADVISORY_FILES:
            raise InputError(str(path), f"more than {MAX_ADVISORY_FILES} advisory files; refused")
    return files


def load_advisories(paths: Sequence[Path]) -> AdvisorySet:
    """Read OSV records and CVE feeds from files and folders (searched for *.json)."""
    advisories: list[Advisory] = []
    skipped: list[SkippedItem] = []
    seen: set[str] = set()
    for file in _advisory_files(paths):
        try:
            size = file.stat().st_size
            if size > MAX_ADVISORY_BYTES:
                raise InputError(
                    str(file), f"larger than {MAX_ADVISORY_BYTES // (1024 * 1024)} MiB; refused"
                )
            data = file.read_bytes()
        except OSError as exc:
            raise InputError(str(file), exc.strerror or str(exc)) from None
        found, passed = parse_document(data, str(file))
        skipped.extend(passed)
        for advisory in found:
            # The same database given twice (or copied into two folders) counts once.
            if advisory.id not in seen:
                seen.add(advisory.id)
                advisories.append(advisory)
    return AdvisorySet(tuple(advisories), tuple(skipped))


# --- what a cluster runs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Installed:
    """One running instance of a component, with the version it reports."""

    component: Component
    node: str | None  # None: cluster-wide (the API server's version, the kube-proxy DaemonSet)
    version: Version | None  # None when the reported text is not a version
    text: str
    evidence: Evidence
    os: str = "linux"
    distro: Distro | None = None


_KERNEL_ARCH = re.compile(r"\.(x86_64|aarch64|amd64|arm64)$")
_MARINER_KERNEL = re.compile(r"\.cm(\d)\b")
# Static control-plane pods carry `component: <name>` (kubeadm's labels, which AKS Arc keeps).
_CONTROL_PLANE: dict[str, Component] = {
    "kube-apiserver": "kube-apiserver",
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
}
_RPM_IMAGES: tuple[tuple[str, Family], ...] = (
    ("AlmaLinux ", "almalinux"),
    ("Rocky Linux ", "rocky-linux"),
)


def node_distro(os_image: str, kernel: str) -> Distro | None:
    """The RPM distribution a node image is built on, from nodeInfo.osImage."""
    image = os_image.strip()
    if image.startswith("Microsoft Azure Linux "):
        major = image.removeprefix("Microsoft Azure Linux ").split(".", 1)[0]
        return Distro("azure-linux", major if major.isdigit() else None)
    if image.startswith("CBL-Mariner"):
        # CBL-Mariner is Azure Linux before 3.0; osImage does not say which release, the
        # kernel's `.cm2` dist tag does.
        tag = _MARINER_KERNEL.search(kernel)
        return Distro("azure-linux", tag.group(1)) if tag else None
    for prefix, family in _RPM_IMAGES:
        if image.startswith(prefix):
            major = image.removeprefix(prefix).split(".", 1)[0]
            return Distro(family, major if major.isdigit() else None)
    return None


def _image_tag(image: str) -> str:
    name = image.split("@", 1)[0]
    _, colon, tag = name.rpartition(":")
    return tag if colon and "/" not in tag else ""


def installed_components(facts: Facts) -> dict[Component, list[Installed]]:
    """Every component instance the snapshot shows, by component."""
    found: dict[Component, list[Installed]] = {component: [] for component in COMPONENTS}
    for node in facts.snapshot.nodes or ():
        info = node.status.nodeInfo
        name = node.metadata.name
        obj = f"Node/{name}"
        os = info.operatingSystem or "linux"

        def evidence(field_name: str, value: str, obj: str = obj) -> Evidence:
            return facts.evidence("kubernetes/nodes", obj, f"status.nodeInfo.{field_name}", value)

        if info.kubeletVersion:
            kubelet = Installed(
                "kubelet",
                name,
                installed_semver(info.kubeletVersion),
                info.kubeletVersion,
                evidence("kubeletVersion", info.kubeletVersion),
                os,
            )
            found["kubelet"].append(kubelet)
            found["kubernetes"].append(kubelet)
        runtime = info.containerRuntimeVersion
        if runtime.startswith("containerd://"):
            text = runtime.removeprefix("containerd://")
            found["containerd"].append(
                Installed(
                    "containerd",
                    name,
                    installed_semver(text),
                    text,
                    evidence("containerRuntimeVersion", runtime),
                    os,
                )
            )
        distro = node_distro(info.osImage, info.kernelVersion)
        if distro is not None and info.kernelVersion:
            kernel = _KERNEL_ARCH.sub("", info.kernelVersion.strip())
            found["node-image"].append(
                Installed(
                    "node-image",
                    name,
                    Version(kernel, "rpm"),
                    info.kernelVersion,
                    evidence("kernelVersion", info.kernelVersion),
                    os,
                    distro,
                )
            )

    static = [
        pod
        for pod in facts.pods_by_namespace.get("kube-system", ())
        if pod.metadata.labels.get("component") in _CONTROL_PLANE and pod.spec.containers
    ]
    for pod in static:
        component = _CONTROL_PLANE[pod.metadata.labels["component"]]
        image = pod.spec.containers[0].image
        tag = _image_tag(image)
        found[component].append(
            Installed(
                component,
                pod.spec.nodeName or None,
                installed_semver(tag),
                tag or image,
                facts.evidence(
                    "kubernetes/pods",
                    f"kube-system/Pod/{pod.metadata.name}",
                    "spec.containers[0].image",
                    image,
                ),
            )
        )
    cluster = facts.cluster_version
    if cluster is not None:
        text = str(cluster.version)
        api_server = Installed(
            "kubernetes",
            None,
            installed_semver(cluster.evidence.value) or installed_semver(text),
            cluster.evidence.value,
            cluster.evidence,
        )
        found["kubernetes"].insert(0, api_server)
        # Without the static pods, the control plane runs at the API server's version: AKS
        # Arc upgrades the control-plane components together.
        for component in _CONTROL_PLANE.values():
            if not found[component]:
                found[component].append(
                    Installed(
                        component, None, api_server.version, api_server.text, cluster.evidence
                    )
                )

    for daemonset in facts.snapshot.daemonsets or ():
        meta = daemonset.metadata
        if meta.namespace != "kube-system" or meta.name != "kube-proxy":
            continue
        containers = daemonset.spec.template.spec.containers
        index = next((i for i, c in enumerate(containers) if c.name == "kube-proxy"), 0)
        if not containers:
            continue
        image = containers[index].image
        tag = _image_tag(image)
        # kubeProxyVersion in nodeInfo is the kubelet's own version (KEP-4004); the DaemonSet's
        # image is what runs.
        found["kube-proxy"].append(
            Installed(
                "kube-proxy",
                None,
                installed_semver(tag),
                tag or image,
                facts.evidence(
                    "kubernetes/daemonsets",
                    facts.workload_object(daemonset),
                    f"spec.template.spec.containers[{index}].image",
                    image,
                ),
            )
        )
    return found


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One flaw, whichever records describe it (records sharing an id or alias)."""

    ids: tuple[str, ...]  # the CVE first, then the records' own ids
    summary: str
    severity: str | None
    url: str | None

    @property
    def label(self) -> str:
        head, *rest = self.ids
        return f"{head} ({', '.join(rest)})" if rest else head


@dataclass(frozen=True, slots=True)
class Hit:
    vulnerability: Vulnerability
    record: str  # the advisory id whose range matched
    package: str
    component: Component
    node: str | None
    installed: str
    bound: Bound
    evidence: Evidence


RemedyKind = Literal[
    "patch",  # a newer patch of the same minor fixes it
    "patch-update-host",  # ... offered only by a newer Azure Local release
    "image",  # a node image upgrade, via a newer patch of the same minor
    "image-update-host",
    "minor",  # no fixed patch of this minor is offered: the next minor
    "minor-update-host",
    "not-offered",  # no offered version fixes it yet
    "no-fix",  # the advisory names no fixed version
    "no-version",  # the cluster's Kubernetes version is unknown
]


@dataclass(frozen=True, slots=True)
class Remediation:
    kind: RemedyKind
    target: str | None  # the Kubernetes version to upgrade to
    release: str | None  # the Azure Local release that offers it
    host_release: str | None  # the host's release, when known


@dataclass(frozen=True, slots=True)
class Exposure:
    """One component of one cluster and the advisories that affect it."""

    component: Component
    hits: tuple[Hit, ...]
    remediation: Remediation
    message: Message  # a `security-advisories.<kind>` entry: title, message and fix

    @property
    def vulnerabilities(self) -> tuple[Vulnerability, ...]:
        return tuple(dict.fromkeys(hit.vulnerability for hit in self.hits))


UndeterminedReason = Literal["runc-version", "image-packages", "unreadable-version"]


@dataclass(frozen=True, slots=True)
class Undetermined:
    """An advisory that names a component the bundle carries no version of."""

    vulnerability: Vulnerability
    component: Component
    reason: UndeterminedReason
    nodes: tuple[str, ...]
    packages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClusterAdvisories:
    kubernetes_version: str | None
    host_release: str | None
    exposures: tuple[Exposure, ...]
    undetermined: tuple[Undetermined, ...]
    withdrawn: tuple[str, ...]  # records withdrawn on or before `at`
    untracked: tuple[tuple[str, str], ...]  # (record, package) no tracked component matches

    @property
    def affected(self) -> bool:
        return bool(self.exposures)


def vulnerabilities(advisories: Sequence[Advisory]) -> dict[str, Vulnerability]:
    """Record id -> the flaw it describes; records that share an id or alias are one flaw."""
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for advisory in advisories:
        for alias in advisory.aliases:
            parent[find(alias)] = find(advisory.id)
        find(advisory.id)
    members: dict[str, list[Advisory]] = {}
    for advisory in advisories:
        members.setdefault(find(advisory.id), []).append(advisory)
    result: dict[str, Vulnerability] = {}
    for group in members.values():
        names = {name for advisory in group for name in (advisory.id, *advisory.aliases)}
        ids = sorted(names, key=lambda name: (not name.startswith("CVE-"), name))
        best = next((a for a in group if a.severity and not a.severity.startswith("CVSS")), None)
        best = best or next((a for a in group if a.severity), group[0])
        vulnerability = Vulnerability(
            tuple(ids), group[0].summary, best.severity, next((a.url for a in group if a.url), None)
        )
        for advisory in group:
            result[advisory.id] = vulnerability
    return result


def match_advisories(
    facts: Facts, advisories: Sequence[Advisory], at: datetime
) -> ClusterAdvisories:
    """Which advisories affect which components of the cluster, and how to remediate."""
    withdrawn = tuple(a.id for a in advisories if a.withdrawn is not None and a.withdrawn <= at)
    active = [a for a in advisories if a.withdrawn is None or a.withdrawn > at]
    flaws = vulnerabilities(active)
    installed = installed_components(facts)
    hits: dict[Component, list[Hit]] = {}
    undetermined: dict[tuple[Vulnerability, Component, UndeterminedReason], Undetermined] = {}
    untracked: list[tuple[str, str]] = []
    cache: dict[tuple[int, str], Bound | None] = {}

    def note(
        flaw: Vulnerability,
        component: Component,
        reason: UndeterminedReason,
        nodes: Iterable[str],
        packages: Iterable[str] = (),
    ) -> None:
        key = (flaw, component, reason)
        old = undetermined.get(key)
        merged_nodes = dict.fromkeys([*(old.nodes if old else ()), *nodes])
        merged_packages = dict.fromkeys([*(old.packages if old else ()), *packages])
        undetermined[key] = Undetermined(
            flaw, component, reason, tuple(merged_nodes), tuple(merged_packages)
        )

    for advisory in active:
        flaw = flaws[advisory.id]
        kernel_nodes: set[str] = set()
        image_packages: list[AffectedPackage] = []
        for package in advisory.packages:
            if not package.components:
                untracked.append((advisory.id, package.name))
                continue
            for component in package.components:
                if component == "runc":
                    # runc ships with containerd inside the node image; nodeInfo names only
                    # containerd, so a bundle cannot tell the runc version.
                    nodes = [i.node for i in installed["containerd"] if i.node]
                    if nodes:
                        note(flaw, "runc", "runc-version", nodes)
                    continue
                if component == "node-image" and package.name != "kernel":
                    image_packages.append(package)
                    continue
                for instance in installed[component]:
                    if component == "node-image":
                        if package.distro is None or instance.distro is None:
                            continue
                        if not package.distro.covers(instance.distro):
                            continue
                        kernel_nodes.add(instance.node or "")
                    if package.goos and instance.os not in package.goos:
                        continue
                    if instance.version is None:
                        note(flaw, component, "unreadable-version", [instance.node or "-"])
                        continue
                    key = (id(package), instance.version.text)
                    if key not in cache:
                        cache[key] = package.bound(instance.version)
                    bound = cache[key]
                    if bound is not None:
                        hits.setdefault(component, []).append(
                            Hit(
                                flaw,
                                advisory.id,
                                package.name,
                                component,
                                instance.node,
                                instance.text,
                                bound,
                                instance.evidence,
                            )
                        )
        # An OS advisory lists every binary package it fixes; the node's running kernel is the
        # only one a bundle shows. Nodes whose kernel was compared are judged by it.
        for package in image_packages:
            nodes = [
                i.node
                for i in installed["node-image"]
                if i.node
                and i.distro
                and package.distro
                and package.distro.covers(i.distro)
                and i.node not in kernel_nodes
            ]
            if nodes:
                note(flaw, "node-image", "image-packages", nodes, [package.name])

    cluster = facts.cluster_version
    host = facts.host_platform
    host_release = host[1] if host is not None and host[0] == "azure-local" else None
    current = cluster.version if cluster is not None else _newest_kubelet(installed)
    by_id = {advisory.id: advisory for advisory in active}
    exposures = []
    for component in COMPONENTS:
        component_hits = _unique_hits(hits.get(component, []))
        if not component_hits:
            continue
        records = {hit.record for hit in component_hits if not hit.bound.open_ended}
        packages = [
            package
            for record in sorted(records)
            for package in by_id[record].packages
            if component in package.components
        ]
        remediation = remediate(
            facts.calendar, component, component_hits, current, host_release, at, packages
        )
        exposures.append(
            Exposure(
                component,
                tuple(component_hits),
                remediation,
                _exposure_message(component, component_hits, remediation, current),
            )
        )
    return ClusterAdvisories(
        kubernetes_version=str(cluster.version) if cluster is not None else None,
        host_release=host_release,
        exposures=tuple(exposures),
        undetermined=tuple(undetermined.values()),
        withdrawn=withdrawn,
        untracked=tuple(dict.fromkeys(untracked)),
    )


def _unique_hits(hits: list[Hit]) -> list[Hit]:
    """One hit per flaw and instance: two records of one CVE (GO and GHSA) say the same."""
    unique: dict[tuple[Vulnerability, str | None, str], Hit] = {}
    for hit in hits:
        key = (hit.vulnerability, hit.node, hit.installed)
        kept = unique.get(key)
        if kept is None or _later(hit.bound, kept.bound):
            unique[key] = hit
    return list(unique.values())


def _later(one: Bound, two: Bound) -> bool:
    """Whether `one` asks for the newer fix (records of one flaw may disagree)."""
    if one.fixed is not None and two.fixed is not None:
        return one.fixed > two.fixed
    return two.fixed is None and one.fixed is not None


def _newest_kubelet(installed: dict[Component, list[Installed]]) -> KubeVersion | None:
    versions = [KubeVersion.try_parse(i.version.text) for i in installed["kubelet"] if i.version]
    known = [v for v in versions if v is not None]
    return max(known) if known else None


def _candidate_releases(
    calendar: VersionCalendar, host_release: str | None, at: datetime
) -> list[tuple[Release, bool]]:
    """Where to look for a fixed version: the host's release, then the newest release out on
    `at` (True: the host must be updated to it first)."""
    releases: list[tuple[Release, bool]] = []
    host = calendar.release(host_release) if host_release else None
    if host is not None:
        releases.append((host, False))
    newest = calendar.newest_release(at.date(), named_only=True)
    if newest is not None and (host is None or newest.released > host.released):
        releases.append((newest, host is not None))
    return releases


_KINDS: dict[tuple[str, bool], RemedyKind] = {
    ("patch", False): "patch",
    ("patch", True): "patch-update-host",
    ("image", False): "image",
    ("image", True): "image-update-host",
    ("minor", False): "minor",
    ("minor", True): "minor-update-host",
}


def remediate(
    calendar: VersionCalendar,
    component: Component,
    hits: Sequence[Hit],
    current: KubeVersion | None,
    host_release: str | None,
    at: datetime,
    packages: Sequence[AffectedPackage],
) -> Remediation:
    """The Kubernetes version to upgrade to, with the Azure Local release that offers it.

    Kubernetes components: the newest offered patch of the cluster's minor that none of
    `packages` (the matching records' entries for the component) affects. Components inside
    the node image: the newest offered patch newer than the cluster's, since each brings a new
    node image. Failing both, the same in the next minor (upgrades go one minor at a time)."""
    if current is None:
        return Remediation("no-version", None, None, host_release)
    if all(hit.bound.open_ended for hit in hits):
        return Remediation("no-fix", None, None, host_release)
    image = component in IMAGE_COMPONENTS
    base = current

    def fixes(version: KubeVersion) -> bool:
        if version <= base:
            return False
        if image:
            return True  # the calendar does not list what each node image carries
        candidate = Version(str(version), "semver")
        return all(package.bound(candidate) is None for package in packages)

    releases = _candidate_releases(calendar, host_release, at)
    steps = (
        ("image" if image else "patch", current.minor_key),
        ("minor", f"{current.major}.{current.minor + 1}"),
    )
    for step, minor in steps:
        for release, update in releases:
            offered = [version for version in release.patches(minor) or () if fixes(version)]
            if offered:
                return Remediation(
                    _KINDS[(step, update)], str(offered[0]), release.name, host_release
                )
    newest = releases[-1][0].name if releases else None
    return Remediation("not-offered", None, newest, host_release)


def _exposure_message(
    component: Component,
    hits: Sequence[Hit],
    remediation: Remediation,
    current: KubeVersion | None,
) -> Message:
    flaws = tuple(dict.fromkeys(hit.vulnerability for hit in hits))
    nodes = sorted({hit.node for hit in hits if hit.node})
    args: dict[str, str | int] = {
        "component": component,
        "count": len(flaws),
        "ids": "; ".join(flaw.label for flaw in flaws),
        "installed": ", ".join(dict.fromkeys(hit.installed for hit in hits)),
        "fixed": ", ".join(dict.fromkeys(hit.bound.describe() for hit in hits)),
        "nodes": ", ".join(nodes[:10]) + (f" (+{len(nodes) - 10})" if len(nodes) > 10 else "")
        if nodes
        else "-",
        "node_count": len(nodes),
        "target": remediation.target or "-",
        "release": remediation.release or "-",
        "host": remediation.host_release or "?",
        "minor": current.minor_key if current is not None else "?",
        "next_minor": f"{current.major}.{current.minor + 1}" if current is not None else "?",
    }
    return Message(f"security-advisories.{remediation.kind}", args)


def undetermined_message(items: Sequence[Undetermined]) -> Message:
    flaws = tuple(dict.fromkeys(item.vulnerability for item in items))
    return Message(
        "security-advisories.undetermined",
        {
            "count": len(flaws),
            "ids": "; ".join(flaw.label for flaw in flaws),
            "components": ", ".join(dict.fromkeys(item.component for item in items)),
        },
    )
