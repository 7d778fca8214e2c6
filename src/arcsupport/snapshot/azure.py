"""Azure Resource Manager resources, narrowed to the fields the rules read.

Enum-like fields stay plain strings: real payloads carry values outside the published enums
(`provisioningState: "NotApplicable"`, `osSku: "Windows"`), and a reader must not reject them.
"""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

from datetime import datetime

import msgspec


class ExtendedLocation(msgspec.Struct, gc=False):
    name: str = ""
    type: str = ""


class AgentPoolProfile(msgspec.Struct, gc=False):
    name: str = ""
    count: int | None = None
    vmSize: str = ""
    osType: str = ""
    osSKU: str = ""
    kubernetesVersion: str = ""
    nodeLabels: dict[str, str] = {}
    nodeTaints: list[str] = []
    enableAutoScaling: bool = False
    minCount: int | None = None
    maxCount: int | None = None


class ControlPlaneProfile(msgspec.Struct, gc=False):
    count: int | None = None
    vmSize: str = ""
    osSku: str = ""
    nodeImageVersion: str = ""


class LoadBalancerProfile(msgspec.Struct, gc=False):
    count: int | None = None


class NetworkProfile(msgspec.Struct, gc=False):
    networkPolicy: str = ""
    podCidr: str = ""
    loadBalancerProfile: LoadBalancerProfile | None = None


class InfraNetworkProfile(msgspec.Struct, gc=False):
    vnetSubnetIds: list[str] = []


class CloudProviderProfile(msgspec.Struct, gc=False):
    infraNetworkProfile: InfraNetworkProfile | None = None


class AddonStatus(msgspec.Struct, gc=False):
    name: str = ""
    phase: str = ""
    ready: bool | None = None
    errorMessage: str = ""


class ProvisionedClusterStatus(msgspec.Struct, gc=False):
    currentState: str = ""
    errorMessage: str = ""
    controlPlaneStatus: list[AddonStatus] = []


class ProvisionedClusterProperties(msgspec.Struct, gc=False):
    provisioningState: str = ""
    kubernetesVersion: str = ""
    controlPlane: ControlPlaneProfile | None = None
    networkProfile: NetworkProfile | None = None
    agentPoolProfiles: list[AgentPoolProfile] = []
    cloudProviderProfile: CloudProviderProfile | None = None
    status: ProvisionedClusterStatus | None = None


class ProvisionedCluster(msgspec.Struct, gc=False):
    """Microsoft.HybridContainerService/provisionedClusterInstances (az aksarc show)."""

    id: str = ""
    name: str = ""
    type: str = ""
    extendedLocation: ExtendedLocation | None = None
    properties: ProvisionedClusterProperties = msgspec.field(
        default_factory=ProvisionedClusterProperties
    )


class ReadyReplicas(msgspec.Struct, gc=False):
    count: int | None = None
    vmSize: str = ""
    kubernetesVersion: str = ""


class AgentPoolStatus(msgspec.Struct, gc=False):
    currentState: str = ""
    errorMessage: str = ""
    readyReplicas: list[ReadyReplicas] = []


class AgentPoolProperties(AgentPoolProfile, gc=False):
    provisioningState: str = ""
    status: AgentPoolStatus | None = None


class AgentPool(msgspec.Struct, gc=False):
    """Microsoft.HybridContainerService/provisionedClusterInstances/agentPools."""

    id: str = ""
    name: str = ""
    type: str = ""
    properties: AgentPoolProperties = msgspec.field(default_factory=AgentPoolProperties)


class AgentPoolList(msgspec.Struct, gc=False):
    value: list[AgentPool] = []


class Readiness(msgspec.Struct, gc=False):
    osType: str = ""
    osSku: str = ""
    ready: bool = False
    errorMessage: str = ""


class PatchVersion(msgspec.Struct, gc=False):
    readiness: list[Readiness] = []
    upgrades: list[str] = []


class KubernetesVersionEntry(msgspec.Struct, gc=False):
    version: str = ""
    isPreview: bool = False
    patchVersions: dict[str, PatchVersion] = {}


class KubernetesVersionsProperties(msgspec.Struct, gc=False):
    provisioningState: str = ""
    values: list[KubernetesVersionEntry] = []


class KubernetesVersions(msgspec.Struct, gc=False):
    """Microsoft.HybridContainerService/kubernetesVersions (az aksarc get-versions)."""

    id: str = ""
    type: str = ""
    properties: KubernetesVersionsProperties = msgspec.field(
        default_factory=KubernetesVersionsProperties
    )


class ArcAgentProfile(msgspec.Struct, gc=False):
    agentState: str = ""
    agentAutoUpgrade: str = ""


class ConnectedClusterProperties(msgspec.Struct, gc=False):
    kubernetesVersion: str = ""
    totalNodeCount: int | None = None
    agentVersion: str = ""
    distribution: str = ""
    infrastructure: str = ""
    provisioningState: str = ""
    connectivityStatus: str = ""
    lastConnectivityTime: datetime | None = None
    managedIdentityCertificateExpirationTime: datetime | None = None
    arcAgentProfile: ArcAgentProfile | None = None


class ConnectedCluster(msgspec.Struct, gc=False):
    """Microsoft.Kubernetes/connectedClusters (az connectedk8s show)."""

    id: str = ""
    name: str = ""
    type: str = ""
    kind: str | None = None
    properties: ConnectedClusterProperties = msgspec.field(
        default_factory=ConnectedClusterProperties
    )


class AzureLocalNode(msgspec.Struct, gc=False):
    name: str = ""
    osName: str = ""
    osVersion: str = ""


class AzureLocalReported(msgspec.Struct, gc=False):
    clusterName: str = ""
    clusterVersion: str = ""
    nodes: list[AzureLocalNode] = []


class AzureLocalClusterProperties(msgspec.Struct, gc=False):
    provisioningState: str = ""
    status: str = ""
    connectivityStatus: str = ""
    lastSyncTimestamp: datetime | None = None
    registrationTimestamp: datetime | None = None
    reportedProperties: AzureLocalReported | None = None


class AzureLocalCluster(msgspec.Struct, gc=False):
    """Microsoft.AzureStackHCI/clusters: the Azure Local instance behind the custom location."""

    id: str = ""
    name: str = ""
    type: str = ""
    properties: AzureLocalClusterProperties = msgspec.field(
        default_factory=AzureLocalClusterProperties
    )


class Subscription(msgspec.Struct, gc=False):
    """GET /subscriptions/{id} (az account show prints the same `state`)."""

    id: str = ""
    subscriptionId: str = ""
    displayName: str = ""
    state: str = ""


class SkuCapability(msgspec.Struct, gc=False):
    name: str = ""
    value: str = ""


class VmSku(msgspec.Struct, gc=False):
    name: str = ""
    size: str = ""
    resourceType: str = ""
    capabilities: list[SkuCapability] = []

    def capability(self, name: str) -> str | None:
        for capability in self.capabilities:
            if capability.name == name:
                return capability.value
        return None


class VmSkusProperties(msgspec.Struct, gc=False):
    values: list[VmSku] = []


class VmSkus(msgspec.Struct, gc=False):
    """Microsoft.HybridContainerService/skus (VM sizes offered by the custom location)."""

    id: str = ""
    type: str = ""
    properties: VmSkusProperties = msgspec.field(default_factory=VmSkusProperties)
