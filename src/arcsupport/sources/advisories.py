"""Security advisories read from files: OSV records (one per file, or folders of them) and the
Kubernetes official CVE feed, decoded into the advisory model."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import msgspec

from arcsupport.decoding import decode_json, explain_msgspec_error
from arcsupport.errors import InputError
from arcsupport.snapshot.advisory import (
    Advisory,
    AdvisorySet,
    AffectedPackage,
    Component,
    Distro,
    Event,
    EventKind,
    Family,
    Range,
    Scheme,
    SkippedItem,
    Version,
)

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
    except msgspec.DecodeError:  # kept raw, so not even checked to be UTF-8 until now
        return ""


def _go_specific(raw: msgspec.Raw, where: str, source: str) -> _GoSpecific:
    if not raw:
        return _GoSpecific()
    try:
        return msgspec.json.decode(raw, type=_GoSpecific)
    except msgspec.ValidationError as exc:
        raise InputError(source, f"{where}.ecosystem_specific: {exc}") from None
    except msgspec.DecodeError as exc:  # kept raw, so not even checked to be UTF-8 until now
        raise InputError(
            source, f"{where}.ecosystem_specific: {explain_msgspec_error(exc)}"
        ) from None


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


def _json_files(root: Path) -> list[Path]:
    """The *.json files under `root`. A folder that cannot be listed is an error: its
    advisories would go unmatched while the clusters looked unaffected."""

    def refuse(error: OSError) -> None:
        raise InputError(str(error.filename or root), error.strerror or str(error))

    return sorted(
        Path(folder, name)
        for folder, _, names in os.walk(root, onerror=refuse)
        for name in names
        if name.endswith(".json") and Path(folder, name).is_file()
    )


def _advisory_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = _json_files(path)
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
