"""Views of a snapshot that several rules derive alike (the cluster's version, nodes by
kubelet, the host platform...), each computed once per assessment, and data derived from the
pack alone, once per pack."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypeVar

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.calendar import for_pack as calendar_for_pack
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import Evidence
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.history import ARC, STOPPED, SUBSCRIPTION, StateRun
from arcsupport.snapshot.kube import Node, Pod, Workload
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.timeutil import as_utc

if TYPE_CHECKING:  # the advisory model is imported only when advisories are matched
    from arcsupport.snapshot.advisory import Advisory

T = TypeVar("T")


class ClusterVersion(msgspec.Struct, frozen=True, gc=False):
    version: KubeVersion
    evidence: Evidence


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

    def __init__(self, snapshot: Snapshot, pack: Pack, advisories: Sequence[Advisory] = ()) -> None:
        self.snapshot = snapshot
        self.pack = pack
        # Security advisories to match (`check --advisories`); none unless configured.
        self.advisories = advisories
        self._shared: dict[str, object] = {}
        self._node_os: dict[str, str | None] = {}
        # Declared dates that earlier scans contradict, as notices of the assessment.
        self.conflicts: dict[SinceFact, Message] = {}

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A view several rules of one module derive alike, computed once per assessment."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    @cached_property
    def calendar(self) -> VersionCalendar:
        return calendar_for_pack(self.pack)

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
