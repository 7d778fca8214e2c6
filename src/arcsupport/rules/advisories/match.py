"""Advisories matched to what a cluster runs, and each exposure's remediation: the Kubernetes
patch (named, from the version calendar) or node image upgrade that fixes it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import Release, VersionCalendar
from arcsupport.rules.advisories.installed import Installed, installed_components
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Evidence
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.advisory import (
    COMPONENTS,
    IMAGE_COMPONENTS,
    Advisory,
    AffectedPackage,
    Bound,
    Component,
    Version,
)

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


@dataclass(slots=True)
class _Prepared:
    """What a set of advisories gives at one time, whichever cluster it is matched to: a fleet
    of thousands of clusters running a handful of versions asks the same questions again."""

    advisories: Sequence[Advisory]
    at: datetime
    withdrawn: tuple[str, ...]
    active: list[Advisory]
    flaws: dict[str, Vulnerability]
    by_id: dict[str, Advisory]
    # The components each active advisory names: advisories naming none the cluster runs are
    # skipped whole (runc is judged through containerd, the node image's packages by kernel).
    named: list[frozenset[Component]]
    bounds: dict[tuple[int, str], Bound | None]  # package.bound(version), by (package, text)
    remedies: dict[tuple[object, ...], Remediation]
    # The result of a cluster that shows only its version, by calendar, version and host.
    versions_only: dict[tuple[object, ...], ClusterAdvisories]


_PREPARED: list[_Prepared] = []


def _prepared(advisories: Sequence[Advisory], at: datetime) -> _Prepared:
    """The last set prepared, reused while the same advisories are matched at the same time."""
    if _PREPARED and _PREPARED[0].advisories is advisories and _PREPARED[0].at == at:
        return _PREPARED[0]
    active = [a for a in advisories if a.withdrawn is None or a.withdrawn > at]
    named = []
    for advisory in active:
        components = {c for package in advisory.packages for c in package.components}
        if "runc" in components:
            components.add("containerd")
        named.append(frozenset(components))
    prepared = _Prepared(
        advisories=advisories,
        at=at,
        withdrawn=tuple(a.id for a in advisories if a.withdrawn is not None and a.withdrawn <= at),
        active=active,
        flaws=vulnerabilities(active),
        by_id={advisory.id: advisory for advisory in active},
        named=named,
        bounds={},
        remedies={},
        versions_only={},
    )
    _PREPARED[:] = [prepared]
    return prepared


def match_advisories(
    facts: Facts, advisories: Sequence[Advisory], at: datetime
) -> ClusterAdvisories:
    """Which advisories affect which components of the cluster, and how to remediate."""
    prepared = _prepared(advisories, at)
    snapshot = facts.snapshot
    if snapshot.nodes or snapshot.pods or snapshot.daemonsets:
        return _match(prepared, facts, installed_components(facts), at)
    # Without nodes, pods or DaemonSets a cluster shows only its version, and every hit cites
    # that one piece of evidence: the clusters of a Resource Graph export, thousands of them
    # on a handful of versions, share their results.
    cluster = facts.cluster_version
    host = facts.host_platform
    key = (
        facts.calendar,
        cluster.evidence.value if cluster is not None else None,
        host[:2] if host is not None else None,
    )
    known = prepared.versions_only.get(key)
    if known is None:
        known = _match(prepared, facts, installed_components(facts), at)
        prepared.versions_only[key] = known
    elif cluster is not None:
        known = _citing(known, cluster.evidence)
    return known


def _citing(known: ClusterAdvisories, evidence: Evidence) -> ClusterAdvisories:
    """Another cluster's result, its hits citing this cluster's version instead."""
    if not known.exposures:
        return known  # nothing cites the version: most clusters of a fleet are not exposed
    exposures = tuple(
        Exposure(
            exposure.component,
            tuple(
                Hit(
                    hit.vulnerability, hit.record, hit.package, hit.component, hit.node,
                    hit.installed, hit.bound, evidence,
                )
                for hit in exposure.hits
            ),
            exposure.remediation,
            exposure.message,
        )
        for exposure in known.exposures
    )  # fmt: skip
    return replace(known, exposures=exposures)


def _match(
    prepared: _Prepared,
    facts: Facts,
    installed: dict[Component, list[Installed]],
    at: datetime,
) -> ClusterAdvisories:
    flaws = prepared.flaws
    running = frozenset(component for component, found in installed.items() if found)
    hits: dict[Component, list[Hit]] = {}
    undetermined: dict[tuple[Vulnerability, Component, UndeterminedReason], Undetermined] = {}
    untracked: list[tuple[str, str]] = []
    cache = prepared.bounds

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

    for advisory, named in zip(prepared.active, prepared.named, strict=True):
        if named and not named & running:
            continue
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
    by_id = prepared.by_id
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
        # The remedy depends on the fixes asked for, not on which nodes ask: keyed by them.
        remedy_key = (
            facts.calendar,
            component,
            frozenset((hit.record, hit.bound) for hit in component_hits),
            current,
            host_release,
        )
        remediation = prepared.remedies.get(remedy_key)
        if remediation is None:
            remediation = remediate(
                facts.calendar, component, component_hits, current, host_release, at, packages
            )
            prepared.remedies[remedy_key] = remediation
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
        withdrawn=prepared.withdrawn,
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
