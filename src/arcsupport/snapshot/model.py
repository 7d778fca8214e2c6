"""The Snapshot: everything known about one cluster, each part with where it came from."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

from datetime import datetime
from enum import StrEnum

import msgspec

from arcsupport.snapshot.azure import (
    AgentPool,
    AzureLocalCluster,
    ConnectedCluster,
    KubernetesVersions,
    ProvisionedCluster,
    Subscription,
    VmSkus,
)
from arcsupport.snapshot.facts import DeclaredFacts
from arcsupport.snapshot.history import HistoryFacts
from arcsupport.snapshot.kube import (
    APIGroupList,
    GenericObject,
    Namespace,
    Node,
    Pod,
    Service,
    VersionInfo,
    Workload,
)


class Provenance(StrEnum):
    OBSERVED = "observed"  # read from an API or a file of API output
    HISTORY = "history"  # derived from earlier scans
    DECLARED = "declared"  # stated by the user in facts.yaml
    # derived from other observed values, for want of the one that states it (the cluster's
    # version read from the kube-apiserver static pod's image when there is no /version)
    INFERRED = "inferred"


class Part(msgspec.Struct, frozen=True, gc=False):
    """One part of a snapshot: `kubernetes/nodes`, `azure/connected-cluster`, `facts`..."""

    name: str
    path: str
    provenance: Provenance


class FeatureGateState(msgspec.Struct, frozen=True, gc=False):
    name: str
    stage: str
    enabled: bool


class DeprecatedApiRequest(msgspec.Struct, frozen=True, gc=False):
    group: str
    version: str
    resource: str
    removed_release: str


class MetricsFacts(msgspec.Struct, frozen=True, gc=False):
    """What the API server's /metrics says about feature gates and deprecated API use."""

    feature_gates: tuple[FeatureGateState, ...]
    deprecated_api_requests: tuple[DeprecatedApiRequest, ...]


class Snapshot(msgspec.Struct, gc=False):
    source: str
    cluster_name: str = ""
    resource_id: str = ""
    collected_at: datetime | None = None
    parts: dict[str, Part] = msgspec.field(default_factory=dict)
    # Parts the collector tried and could not read, with its reason (manifest.json).
    not_collected: dict[str, str] = msgspec.field(default_factory=dict)
    # Read from one page of a longer Resource Graph result (its `skip_token` is set): rows of
    # this cluster, and other clusters, may be on the pages that were not given.
    partial_source: bool = False

    version: VersionInfo | None = None
    nodes: list[Node] | None = None
    pods: list[Pod] | None = None
    namespaces: list[Namespace] | None = None
    daemonsets: list[Workload] | None = None
    deployments: list[Workload] | None = None
    statefulsets: list[Workload] | None = None
    services: list[Service] | None = None
    other_objects: dict[str, list[GenericObject]] = msgspec.field(default_factory=dict)
    metrics: MetricsFacts | None = None
    apis: APIGroupList | None = None

    provisioned_cluster: ProvisionedCluster | None = None
    agent_pools: list[AgentPool] | None = None
    kubernetes_versions: KubernetesVersions | None = None
    connected_cluster: ConnectedCluster | None = None
    azure_local_cluster: AzureLocalCluster | None = None
    subscription: Subscription | None = None
    vm_skus: VmSkus | None = None

    facts: DeclaredFacts | None = None
    # Derived from the scans before this one (the fleet service), never read from a bundle.
    history: HistoryFacts | None = None

    def has(self, part: str) -> bool:
        return part in self.parts

    def part_path(self, part: str) -> str:
        found = self.parts.get(part)
        return found.path if found else part

    def provenance(self, part: str) -> Provenance:
        found = self.parts.get(part)
        return found.provenance if found else Provenance.OBSERVED

    def workloads(self) -> list[Workload]:
        return [*(self.daemonsets or ()), *(self.deployments or ()), *(self.statefulsets or ())]
