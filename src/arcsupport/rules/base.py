"""What a rule is, what it returns, and the context it reads. Rules are pure: they read the
snapshot, the pack and the evaluation time from the context and yield outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypeVar

import msgspec

from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.calendar import for_pack as calendar_for_pack
from arcsupport.policy.model import Effect, Pack
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import Node, Pod, Workload
from arcsupport.snapshot.model import Provenance, Snapshot

if TYPE_CHECKING:  # arcsupport.advisories builds on Facts; only the annotation is needed here
    from arcsupport.advisories import Advisory

T = TypeVar("T")
Severity = Effect
Operation = Literal["upgrade", "update-os", "scale", "create-nodepool", "create-vm"]
OPERATIONS: tuple[Operation, ...] = (
    "upgrade",
    "update-os",
    "scale",
    "create-nodepool",
    "create-vm",
)
Decision = Literal["allow", "warn", "block"]

# --fail-on compares against this rank: `warning` fails on warnings, blocks and worse.
SEVERITY_RANK: dict[str, int] = {
    "unsupported": 3,
    "blocked": 2,
    "warning": 2,
    "best-effort": 1,
    "out-of-scope": 1,
    "info": 1,
}
SEVERITY_ORDER: tuple[Severity, ...] = (
    "unsupported",
    "blocked",
    "warning",
    "best-effort",
    "out-of-scope",
    "info",
)

Arg = str | int | float

# A finding about many objects shows this many as evidence and by name in its message; its
# arguments say how many there are in all.
EVIDENCE_CAP = 10


def name_list(names: Sequence[str], cap: int = EVIDENCE_CAP) -> str:
    """`a, b, c (+7)`: the first `cap` names for a message, and how many more there are."""
    more = len(names) - cap
    return ", ".join(names[:cap]) + (f" (+{more})" if more > 0 else "")


class Message(msgspec.Struct, frozen=True, gc=False):
    """A catalog key and its arguments; rendered in the reader's language at the edge."""

    key: str
    args: Mapping[str, Arg] = msgspec.field(default_factory=dict)


class Evidence(msgspec.Struct, frozen=True, gc=False):
    object: str
    field: str
    value: str
    provenance: Provenance
    source: str


class Finding(msgspec.Struct, frozen=True, gc=False):
    rule: str
    clauses: tuple[str, ...]
    severity: Severity
    message: Message  # the catalog entry has title, message and fix
    evidence: tuple[Evidence, ...]
    deadline: date | None = None


class OperationEffect(msgspec.Struct, frozen=True, gc=False):
    operation: Operation
    decision: Decision
    clauses: tuple[str, ...]
    reason: Message


class Deadline(msgspec.Struct, frozen=True, gc=False):
    date: date
    clauses: tuple[str, ...]
    what: Message


class Gap(msgspec.Struct, frozen=True, gc=False):
    """Part of a rule could not run; the rest of it did."""

    needs: tuple[str, ...]


Outcome = Finding | OperationEffect | Deadline | Gap


class NotEvaluated(Exception):
    """Raised by a rule that lacks the facts it needs."""

    def __init__(self, *needs: str) -> None:
        super().__init__(", ".join(needs))
        self.needs = needs


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

    def __init__(self, snapshot: Snapshot, pack: Pack, advisories: Sequence[Advisory] = ()) -> None:
        self.snapshot = snapshot
        self.pack = pack
        # Security advisories to match (`check --advisories`); none unless configured.
        self.advisories = advisories
        self._shared: dict[str, object] = {}

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


def _solution_release(version: str) -> str | None:
    """`10.2408.0.29` or `Solution12.2604.1003.1005` name their YYMM release second."""
    parts = version.split(".")
    if len(parts) >= 2 and len(parts[1]) == 4 and parts[1].isdigit():
        month = int(parts[1][2:])
        if 1 <= month <= 12:
            return parts[1]
    return None


class Context(msgspec.Struct, frozen=True, gc=False):
    """What one rule sees: the shared facts, the pack, and the evaluation time."""

    rule: str
    facts: Facts
    at: datetime

    @property
    def snapshot(self) -> Snapshot:
        return self.facts.snapshot

    @property
    def pack(self) -> Pack:
        return self.facts.pack

    @property
    def today(self) -> date:
        return self.at.date()

    def finding(
        self,
        key: str,
        severity: Severity,
        clauses: tuple[str, ...],
        evidence: tuple[Evidence, ...] | list[Evidence],
        deadline: date | None = None,
        **args: Arg,
    ) -> Finding:
        return Finding(
            self.rule, clauses, severity, Message(f"{self.rule}.{key}", args), tuple(evidence),
            deadline,
        )  # fmt: skip

    def operation(
        self,
        operation: Operation,
        decision: Decision,
        clauses: tuple[str, ...],
        key: str,
        **args: Arg,
    ) -> OperationEffect:
        return OperationEffect(operation, decision, clauses, Message(f"{self.rule}.op.{key}", args))

    def deadline(self, day: date, clauses: tuple[str, ...], key: str, **args: Arg) -> Deadline:
        return Deadline(day, clauses, Message(f"{self.rule}.deadline.{key}", args))


RuleFunction = Callable[[Context], Iterator[Outcome]]
ADVISORIES = "advisories"


class Rule(msgspec.Struct, frozen=True, gc=False):
    id: str
    clauses: tuple[str, ...]
    needs: tuple[str, ...]  # the facts it reads, in the words coverage prints
    operations: tuple[Operation, ...]  # operations it can warn on or block
    check: RuleFunction
    # Snapshot fields (or ADVISORIES, the advisories given to the engine) without which the
    # rule reads nothing else of the snapshot: when all are absent its outcome depends on the
    # pack, the time and the advisories alone, and the engine reuses it across a fleet (tests
    # check the claim by recording what each rule reads).
    inert_without: tuple[str, ...] = ()


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    clauses: tuple[str, ...],
    needs: tuple[str, ...],
    operations: tuple[Operation, ...] = (),
    inert_without: tuple[str, ...] = (),
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule under a stable id. Its documentation lives in the message catalogs."""

    def register(function: RuleFunction) -> RuleFunction:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(id, clauses, needs, operations, function, inert_without)
        return function

    return register
