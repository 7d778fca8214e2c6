"""Views of a snapshot that several rules derive alike (the cluster's version, nodes by
kubelet, the host platform...), each computed once per assessment, and data derived from the
pack alone, once per pack."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Literal, TypeVar

import msgspec

from arcsupport.cached import cached
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.calendar import for_pack as calendar_for_pack
from arcsupport.lifecycle.learn import Offering, OfferingRead, newest, read_offering
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import Evidence
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.azure import ConnectedCluster
from arcsupport.snapshot.history import ARC, STOPPED, SUBSCRIPTION, StateRun
from arcsupport.snapshot.kube import Node, Pod, Workload
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.timeutil import as_utc

if TYPE_CHECKING:  # the advisory model is imported only when advisories are matched
    from arcsupport.snapshot.advisory import Advisory

T = TypeVar("T")
_NO_OFFERING = OfferingRead(None)


class ClusterVersion(msgspec.Struct, frozen=True, gc=False):
    version: KubeVersion
    evidence: Evidence


class ClusterIdentity(msgspec.Struct, frozen=True, gc=False):
    """Whether the snapshot shows an AKS Arc cluster, and the signals that decided it: the
    AKS Arc marks found, or, when there are none, what shows another kind of cluster."""

    aks_arc: bool | None  # None: the snapshot holds nothing that could tell
    signals: tuple[Evidence, ...]


# What a rule needs when it needs the cluster's version, as coverage words it.
NEEDS_VERSION = Message("needs.version")
# Nodes cited as evidence that a cluster is not AKS Arc: a few make the point.
_NODES_CITED = 3


class Since(msgspec.Struct, frozen=True, gc=False):
    """The day a state began, and the evidence for it."""

    day: date
    evidence: Evidence


# A date a rule counts from that facts.yaml may declare and earlier scans may show: the
# declared field, the history clock (snapshot/history.py), and the state that clock must show.
SinceFact = Literal["stopped_since", "disconnected_since", "subscription_state_since"]
_CLOCKS: dict[SinceFact, str] = {
    "stopped_since": STOPPED,
    "disconnected_since": ARC,
    "subscription_state_since": SUBSCRIPTION,
}
HISTORY_SOURCE = "history"


def moment(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")


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
        # Declared dates that earlier scans contradict, as notices of the assessment.
        self.conflicts: dict[SinceFact, Message] = {}

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A view several rules of one module derive alike, computed once per assessment."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    @cached
    def calendar(self) -> VersionCalendar:
        """The pack's calendar with what the newest custom location offering teaches it
        (lifecycle/learn.py): this cluster's own, or the one a fleet shares."""
        calendar = calendar_for_pack(self.pack)
        if self._offering is None and self.snapshot.kubernetes_versions is None:
            return calendar  # the clusters of a Resource Graph export: nothing to learn
        return calendar.with_offering(newest(self.own_offering.offering, self._offering))

    @cached
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

    @cached
    def cluster_version(self) -> ClusterVersion | None:
        """The API server's version: /version first, then what Azure reports, then what the
        control plane's static pod or nodes show (provenance `inferred`)."""
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
        return self._inferred_version()

    def _inferred_version(self) -> ClusterVersion | None:
        """Where no source states the version (a `kubectl cluster-info dump` has no /version):
        the tag of the kube-apiserver static pod's image, else the control-plane nodes' kubelet
        (kubeadm keeps both at the API server's version). The oldest one seen, should a
        control plane be caught mid-upgrade: support is judged on the version still running."""
        found = self._apiserver_images() or self._control_plane_kubelets()
        return min(found, key=lambda candidate: candidate.version) if found else None

    def _apiserver_images(self) -> list[ClusterVersion]:
        found = []
        for pod in self.pods_by_namespace.get("kube-system", ()):
            meta = pod.metadata
            if meta.labels.get("component") != "kube-apiserver" and not meta.name.startswith(
                "kube-apiserver-"
            ):
                continue
            for container in pod.spec.containers:
                if container.name != "kube-apiserver":
                    continue
                parsed = KubeVersion.try_parse(_image_tag(container.image))
                if parsed is not None and parsed.patch is not None:
                    obj = f"kube-system/Pod/{meta.name}"
                    where = "spec.containers[kube-apiserver].image"
                    evidence = self._inferred("kubernetes/pods", obj, where, container.image)
                    found.append(ClusterVersion(parsed, evidence))
        return found

    def _control_plane_kubelets(self) -> list[ClusterVersion]:
        found = []
        control_plane = self.pack.system_metadata.control_plane_labels
        for node in self.snapshot.nodes or ():
            if not any(label in node.metadata.labels for label in control_plane):
                continue
            text = node.status.nodeInfo.kubeletVersion
            parsed = KubeVersion.try_parse(text)
            if parsed is not None and parsed.patch is not None:
                obj = f"nodes/{node.metadata.name}"
                where = "status.nodeInfo.kubeletVersion"
                found.append(
                    ClusterVersion(parsed, self._inferred("kubernetes/nodes", obj, where, text))
                )
        return found

    def _inferred(self, part: str, obj: str, field_path: str, value: str) -> Evidence:
        return Evidence(obj, field_path, value, Provenance.INFERRED, self.snapshot.part_path(part))

    @cached
    def identity(self) -> ClusterIdentity:
        """AKS Arc or not, decided once for every source from the marks its data carries
        (identity.yaml): a provisioned cluster instance, the connected cluster's kind, the nodes'
        provider IDs and pool label, AKS Arc's own kube-system components. Any mark makes the
        cluster AKS Arc. Without one, data that would carry a mark (a connected cluster, nodes)
        shows another kind of cluster; with no such data, nothing can tell."""
        snap = self.snapshot
        found: list[Evidence] = []
        other: list[Evidence] = []
        if snap.provisioned_cluster is not None:
            found.append(
                self.evidence(
                    "azure/provisioned-cluster",
                    "provisionedClusterInstances/default",
                    "id",
                    snap.provisioned_cluster.id or "default",
                )
            )
        if snap.connected_cluster is not None:
            self._connected_cluster_marks(snap.connected_cluster, found, other)
        if snap.nodes:
            self._node_marks(snap.nodes, found, other)
        if snap.deployments or snap.daemonsets:
            found.extend(self._aks_arc_components())
        if found:
            return ClusterIdentity(True, tuple(found))
        if other:
            return ClusterIdentity(False, tuple(other))
        return ClusterIdentity(None, ())

    def _connected_cluster_marks(
        self, arc: ConnectedCluster, found: list[Evidence], other: list[Evidence]
    ) -> None:
        obj = f"connectedClusters/{arc.name}"
        kind = self.evidence("azure/connected-cluster", obj, "kind", arc.kind or "<none>")
        if arc.kind == self.pack.identity.connected_cluster_kind:
            found.append(kind)
            return
        other.append(kind)
        distribution = arc.properties.distribution
        if distribution:
            part = "azure/connected-cluster"
            other.append(self.evidence(part, obj, "properties.distribution", distribution))

    def _node_marks(self, nodes: list[Node], found: list[Evidence], other: list[Evidence]) -> None:
        marks = self.pack.identity
        prefix, label = marks.provider_id_prefix, marks.node_pool_label
        on_moc = next((n for n in nodes if n.spec.providerID.startswith(prefix)), None)
        pooled = next((n for n in nodes if label in n.metadata.labels), None)
        if on_moc is not None:
            obj = f"nodes/{on_moc.metadata.name}"
            found.append(
                self.evidence("kubernetes/nodes", obj, "spec.providerID", on_moc.spec.providerID)
            )
        if pooled is not None:
            obj = f"nodes/{pooled.metadata.name}"
            value = pooled.metadata.labels[label]
            found.append(self.evidence("kubernetes/nodes", obj, f"metadata.labels[{label}]", value))
        if on_moc is None and pooled is None:
            other.extend(
                self.evidence(
                    "kubernetes/nodes",
                    f"nodes/{node.metadata.name}",
                    "spec.providerID",
                    node.spec.providerID or "<none>",
                )
                for node in nodes[:_NODES_CITED]
            )

    def _aks_arc_components(self) -> list[Evidence]:
        namespace = self.pack.managed.namespace
        own = per_pack(self.pack, "facts.aks-arc-only", lambda: _aks_arc_only(self.pack))
        found = []
        for kind, part, items in (
            ("Deployment", "kubernetes/deployments", self.snapshot.deployments),
            ("DaemonSet", "kubernetes/daemonsets", self.snapshot.daemonsets),
        ):
            for workload in items or ():
                meta = workload.metadata
                if meta.namespace == namespace and any(
                    fnmatchcase(meta.name, pattern) for pattern in own.get(kind, ())
                ):
                    obj = f"{namespace}/{kind}/{meta.name}"
                    found.append(self.evidence(part, obj, "metadata.name", meta.name))
        return found

    def since(self, fact: SinceFact, state: str) -> Since | None:
        """The day the cluster entered `state`, as facts.yaml declares it or earlier scans
        show it. Scans bound the day (at or before the first scan that saw the state, after the
        last that saw another); a declared day within those bounds is the more exact and is
        taken, one outside them is contradicted by what was seen: history wins, and the
        conflict becomes a notice."""
        declared = getattr(self.snapshot.facts, fact, None) if self.snapshot.facts else None
        run = self.history_run(fact, state)
        if run is None:
            return None if declared is None else self.declared_since(fact, declared)
        seen = Since(as_utc(run.since).date(), self.history_evidence(fact, run))
        if declared is None:
            return seen
        after = run.not_before is None or declared >= as_utc(run.not_before).date()
        if after and declared <= seen.day:
            return self.declared_since(fact, declared)
        self.conflicts[fact] = Message(
            "engine.notice.history-conflict",
            {
                "fact": fact,
                "declared": declared.isoformat(),
                "since": seen.day.isoformat(),
                "not_before": moment(run.not_before) if run.not_before is not None else "-",
                "scans": run.scans,
            },
        )
        return seen

    def history_run(self, fact: SinceFact, state: str) -> StateRun | None:
        """The run of scans showing `state` up to this one, when history has it."""
        history = self.snapshot.history
        run = history.runs.get(_CLOCKS[fact]) if history is not None else None
        return run if run is not None and run.state == state else None

    def declared_since(self, fact: SinceFact, day: date) -> Since:
        return Since(day, self.evidence("facts", "facts.yaml", fact, day.isoformat()))

    def history_evidence(self, fact: SinceFact, run: StateRun) -> Evidence:
        first = moment(run.since)
        shown = f"{first} (scans showing it: {run.scans}, the last at {moment(run.last_seen)}"
        if run.not_before is not None:
            shown += f"; the scan at {moment(run.not_before)} showed otherwise"
        return Evidence(
            f"scans ({run.state})", fact, shown + ")", Provenance.HISTORY, HISTORY_SOURCE
        )

    def evidence(self, part: str, obj: str, field_path: str, value: object) -> Evidence:
        found = self.snapshot.parts.get(part)
        if found is None:
            return Evidence(obj, field_path, str(value), Provenance.OBSERVED, part)
        return Evidence(obj, field_path, str(value), found.provenance, found.path)

    @cached
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

    @cached
    def pods_by_namespace(self) -> dict[str, list[Pod]]:
        index: dict[str, list[Pod]] = {}
        for pod in self.snapshot.pods or ():
            index.setdefault(pod.metadata.namespace, []).append(pod)
        return index

    @cached
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

    @cached
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


def _aks_arc_only(pack: Pack) -> dict[str, list[str]]:
    """The name patterns, by kind, of the managed components only AKS Arc runs."""
    own: dict[str, list[str]] = {}
    for component in pack.managed.components:
        if component.aks_arc_only:
            own.setdefault(component.kind, []).append(component.name)
    return own


def _node_os_patterns(pack: Pack) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (os_id, re.compile(pattern))
        for os_id, entry in pack.platforms.node_os.items()
        for pattern in entry.os_image_patterns
    ]


def _image_tag(image: str) -> str:
    """`v1.28.14` of `registry/path/kube-apiserver:v1.28.14[@sha256:...]`; "" without a tag."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.rpartition(":")[2] if ":" in name else ""


def _solution_release(version: str) -> str | None:
    """`10.2408.0.29` or `Solution12.2604.1003.1005` name their YYMM release second."""
    parts = version.split(".")
    if len(parts) >= 2 and len(parts[1]) == 4 and parts[1].isdigit():
        month = int(parts[1][2:])
        if 1 <= month <= 12:
            return parts[1]
    return None
