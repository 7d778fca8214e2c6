"""Views of a snapshot that several rules derive alike (the cluster's version, nodes by
kubelet, the host platform...), each computed once per assessment, and data derived from the
pack alone, once per pack."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.calendar import for_pack as calendar_for_pack
from arcsupport.lifecycle.learn import Offering, OfferingRead, newest, read_offering
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import Evidence
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import Node, Pod, Workload
from arcsupport.snapshot.model import Provenance, Snapshot

if TYPE_CHECKING:  # the advisory model is imported only when advisories are matched
    from arcsupport.snapshot.advisory import Advisory

T = TypeVar("T")
_NO_OFFERING = OfferingRead(None)


class ClusterVersion(msgspec.Struct, frozen=True, gc=False):
    version: KubeVersion
    evidence: Evidence


_PER_PACK: dict[tuple[int, str], tuple[Pack, object]] = {}


def per_pack(pack: Pack, key: str, compute: Callable[[], T]) -> T:
    """Data a rule derives from the pack alone (compiled patterns...): once per pack, not once
    per cluster of a fleet."""
    found = _PER_PACK.get((id(pack), key))
    if found is None or found[0] is not pack:
        found = (pack, compute())
        _PER_PACK[(id(pack), key)] = found
    return found[1]  # type: ignore[return-value]


class Facts:
    """Derived views of a snapshot shared by all rules, each computed once on first use."""

    def __init__(
        self,
        snapshot: Snapshot,
        pack: Pack,
        advisories: Sequence[Advisory] = (),
        *,
        offering: Offering | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.pack = pack
        # Security advisories to match (`check --advisories`); none unless configured.
        self.advisories = advisories
        # What another bundle's custom location offered (a fleet's clusters on one Azure Local
        # release share the newest): the calendar learns from it where it is newer than the
        # snapshot's own.
        self._offering = offering
        self._shared: dict[str, object] = {}
        self._node_os: dict[str, str | None] = {}

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A view several rules of one module derive alike, computed once per assessment."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    @cached_property
    def calendar(self) -> VersionCalendar:
        """The pack's calendar with what the newest custom location offering teaches it
        (lifecycle/learn.py): this cluster's own, or the one a fleet shares."""
        calendar = calendar_for_pack(self.pack)
        if self._offering is None and self.snapshot.kubernetes_versions is None:
            return calendar  # the clusters of a Resource Graph export: nothing to learn
        return calendar.with_offering(newest(self.own_offering.offering, self._offering))

    @cached_property
    def own_offering(self) -> OfferingRead:
        """What the snapshot's own custom location offered (azure/kubernetes-versions)."""
        if self.snapshot.kubernetes_versions is None:
            return _NO_OFFERING
        host = self.host_platform
        release = host[1] if host is not None and host[0] == "azure-local" else None
        return read_offering(self.snapshot, release)

    def calendar_notices(self, today: date) -> tuple[Message, ...]:
        """What a report judged with `calendar` says about it (staleness, what was learned from
        which bundle), and why the snapshot's own payload taught nothing when it could not."""
        notices = self.calendar.notices(today)
        if self.snapshot.kubernetes_versions is None:
            return notices
        unusable = self.own_offering.notice
        return notices if unusable is None else (*notices, unusable)

    def calendar_evidence(self, minor: str) -> tuple[Evidence, ...]:
        """The learned offering behind the calendar's answer about `minor`, where it changed
        that answer: what the location lists of the minor, or the minors it lists without it."""
        learned = self.calendar.learned
        if learned is None or not learned.touches(minor):
            return ()
        offering = learned.offering
        listed = [str(version) for version in offering.ga if version.minor_key == minor]
        if listed:
            field, value = f"properties.values[{minor}].patchVersions", ", ".join(listed)
        else:
            minors = sorted({version.minor_key for version in offering.ga}, key=KubeVersion.parse)
            field, value = "properties.values[].version", ", ".join(minors)
        return (
            Evidence(
                "kubernetesVersions/default", field, value, Provenance.OBSERVED, offering.path
            ),
        )

    @cached_property
    def cluster_version(self) -> ClusterVersion | None:
        """The API server's version: /version first, then what Azure reports."""
        snap = self.snapshot
        if snap.version is not None:
            parsed = KubeVersion.try_parse(snap.version.gitVersion)
            if parsed is not None and parsed.patch is not None:
                return ClusterVersion(
                    parsed,
                    self.evidence(
                        "kubernetes/version", "/version", "gitVersion", snap.version.gitVersion
                    ),
                )
        if snap.provisioned_cluster is not None:
            text = snap.provisioned_cluster.properties.kubernetesVersion
            parsed = KubeVersion.try_parse(text)
            if parsed is not None:
                return ClusterVersion(
                    parsed,
                    self.evidence(
                        "azure/provisioned-cluster",
                        "provisionedClusterInstances/default",
                        "properties.kubernetesVersion",
                        text,
                    ),
                )
        if snap.connected_cluster is not None:
            text = snap.connected_cluster.properties.kubernetesVersion
            parsed = KubeVersion.try_parse(text)
            if parsed is not None:
                return ClusterVersion(
                    parsed,
                    self.evidence(
                        "azure/connected-cluster",
                        f"connectedClusters/{snap.connected_cluster.name}",
                        "properties.kubernetesVersion",
                        text,
                    ),
                )
        return None

    def evidence(self, part: str, obj: str, field_path: str, value: object) -> Evidence:
        found = self.snapshot.parts.get(part)
        if found is None:
            return Evidence(obj, field_path, str(value), Provenance.OBSERVED, part)
        return Evidence(obj, field_path, str(value), found.provenance, found.path)

    @cached_property
    def kubelets(self) -> tuple[dict[KubeVersion, list[Node]], list[str]]:
        """Nodes by kubelet version, and the names of nodes whose version does not parse:
        read once for the rules that judge kubelets (skew, node image age)."""
        parsed: dict[str, KubeVersion | None] = {}
        by_version: dict[KubeVersion, list[Node]] = {}
        unreadable: list[str] = []
        for node in self.snapshot.nodes or ():
            text = node.status.nodeInfo.kubeletVersion
            if text not in parsed:
                parsed[text] = KubeVersion.try_parse(text)
            version = parsed[text]
            if version is None:
                unreadable.append(node.metadata.name)
            else:
                by_version.setdefault(version, []).append(node)
        return by_version, unreadable

    def node_os(self, os_image: str) -> str | None:
        """The pack's id of the node OS an osImage names (the first entry of
        `platforms.node_os` whose pattern matches), None for an OS AKS Arc does not ship."""
        if os_image not in self._node_os:
            patterns = per_pack(self.pack, "facts.node-os", lambda: _node_os_patterns(self.pack))
            self._node_os[os_image] = next(
                (os_id for os_id, pattern in patterns if pattern.search(os_image)), None
            )
        return self._node_os[os_image]

    @cached_property
    def pods_by_namespace(self) -> dict[str, list[Pod]]:
        index: dict[str, list[Pod]] = {}
        for pod in self.snapshot.pods or ():
            index.setdefault(pod.metadata.namespace, []).append(pod)
        return index

    @cached_property
    def ready_nodes(self) -> tuple[list[Node], list[Node]]:
        """(ready, not ready) nodes."""
        ready: list[Node] = []
        not_ready: list[Node] = []
        for node in self.snapshot.nodes or ():
            condition = node.condition("Ready")
            (ready if condition is not None and condition.status == "True" else not_ready).append(
                node
            )
        return ready, not_ready

    @cached_property
    def host_platform(self) -> tuple[str, str, Evidence] | None:
        """(kind, version, evidence) of the host: declared facts, else the Azure Local payload."""
        snap = self.snapshot
        if snap.facts is not None and snap.facts.host_platform is not None:
            host = snap.facts.host_platform
            return (
                host.kind,
                host.release,
                self.evidence(
                    "facts", "facts.yaml", "host_platform", f"{host.kind} {host.release}"
                ),
            )
        if snap.azure_local_cluster is not None:
            reported = snap.azure_local_cluster.properties.reportedProperties
            release = _solution_release(reported.clusterVersion if reported else "")
            if release is not None and reported is not None:
                return (
                    "azure-local",
                    release,
                    self.evidence(
                        "azure/azure-local-cluster",
                        f"clusters/{snap.azure_local_cluster.name}",
                        "properties.reportedProperties.clusterVersion",
                        reported.clusterVersion,
                    ),
                )
        return None

    def workload_object(self, workload: Workload) -> str:
        meta = workload.metadata
        return f"{meta.namespace}/{workload.kind or 'Workload'}/{meta.name}"


def _node_os_patterns(pack: Pack) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (os_id, re.compile(pattern))
        for os_id, entry in pack.platforms.node_os.items()
        for pattern in entry.os_image_patterns
    ]


def _solution_release(version: str) -> str | None:
    """`10.2408.0.29` or `Solution12.2604.1003.1005` name their YYMM release second."""
    parts = version.split(".")
    if len(parts) >= 2 and len(parts[1]) == 4 and parts[1].isdigit():
        month = int(parts[1][2:])
        if 1 <= month <= 12:
            return parts[1]
    return None
