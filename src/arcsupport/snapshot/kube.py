"""Kubernetes objects, narrowed to the fields the rules read.

Every Struct here is a projection: msgspec skips every other key without building Python
objects for it, which is what keeps a 150,000-pod bundle cheap to load. Add a field only when
a rule reads it. `gc=False` is safe because decoded data holds no reference cycles.
"""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

import sys
from datetime import datetime
from typing import Annotated

import msgspec

# The annotation `kubectl apply` writes: the object as last applied, apiVersion included.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# The names Kubernetes gives the kinds read here, at the lengths its API server enforces: an
# object's or a node's name is a DNS subdomain (RFC 1123, at most 253 characters), a
# namespace's or a container's a DNS label (at most 63). No cluster wrote a longer one, so a
# bundle holding one is refused as it is decoded, before the name can reach a report.
Name = Annotated[str, msgspec.Meta(max_length=253)]
Label = Annotated[str, msgspec.Meta(max_length=63)]


class OwnerReference(msgspec.Struct, gc=False):
    kind: str = ""
    name: Name = ""


class ManagedFieldsEntry(msgspec.Struct, gc=False):
    manager: str = ""
    operation: str = ""
    time: datetime | None = None
    # Decoded only for the few entries a rule inspects (see rules/metadata.py).
    fieldsV1: msgspec.Raw = msgspec.Raw()


class SecurityContext(msgspec.Struct, gc=False):
    privileged: bool | None = None


class VolumeMount(msgspec.Struct, gc=False):
    name: str = ""
    readOnly: bool = False


class PodContainer(msgspec.Struct, gc=False):
    """A running pod's container: what it runs, not what it may do (see Container).

    Sequences of the pods' structs are tuples: most are empty, and the empty tuple is one
    shared object where each empty list is one more (hundreds of thousands, in a big cluster)."""

    name: Label = ""
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


class Container(PodContainer, gc=False):
    """A pod template's container, read for what it may do to its node as well."""

    securityContext: SecurityContext | None = None
    volumeMounts: list[VolumeMount] = []


class HostPathVolumeSource(msgspec.Struct, gc=False):
    path: str = ""


class Volume(msgspec.Struct, gc=False):
    name: str = ""
    hostPath: HostPathVolumeSource | None = None


class PodSpec(msgspec.Struct, gc=False):
    """A pod template's spec (DaemonSets, Deployments, StatefulSets)."""

    nodeName: Name = ""
    containers: list[Container] = []
    initContainers: list[Container] = []
    hostNetwork: bool = False
    hostPID: bool = False
    volumes: list[Volume] = []


class RunningPodSpec(msgspec.Struct, gc=False):
    """A pod's spec, narrower than a template's: the rules ask what a running pod runs (its
    node, its containers' images and flags) and what may change a node only of templates,
    and a cluster has hundreds of thousands of pods, whose volumes alone took a third of
    what they cost."""

    nodeName: Name = ""
    containers: tuple[PodContainer, ...] = ()
    initContainers: tuple[PodContainer, ...] = ()


class PodMeta(msgspec.Struct, gc=False):
    name: Name = ""
    namespace: Label = ""
    labels: dict[str, str] = {}
    ownerReferences: tuple[OwnerReference, ...] = ()


class Pod(msgspec.Struct, gc=False):
    metadata: PodMeta = msgspec.field(default_factory=PodMeta)
    spec: RunningPodSpec = msgspec.field(default_factory=RunningPodSpec)
    kind: str = "Pod"


def share_pod_strings(pods: list[Pod]) -> None:
    """Make the pods' repeated strings one object each (a kind, a namespace, a node, an
    image, a container's arguments, a label's value or an owner, which the pods of one
    workload share): decoded, every pod holds its own copies, which in a 600,000-pod cluster
    is about a third of what the pods take."""
    share = sys.intern
    for pod in pods:
        pod.kind = share(pod.kind)
        meta = pod.metadata
        meta.namespace = share(meta.namespace)
        labels = meta.labels
        for key, value in labels.items():
            labels[key] = share(value)
        for owner in meta.ownerReferences:
            owner.kind = share(owner.kind)
            owner.name = share(owner.name)
        spec = pod.spec
        spec.nodeName = share(spec.nodeName)
        for container in (*spec.containers, *spec.initContainers):
            container.name = share(container.name)
            container.image = share(container.image)
            if container.command:
                container.command = tuple(share(part) for part in container.command)
            if container.args:
                container.args = tuple(share(part) for part in container.args)


class ObjectMeta(msgspec.Struct, gc=False):
    name: Name = ""
    namespace: Label = ""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    creationTimestamp: datetime | None = None
    managedFields: list[ManagedFieldsEntry] = []
    ownerReferences: list[OwnerReference] = []


class Taint(msgspec.Struct, gc=False):
    key: str = ""
    value: str = ""
    effect: str = ""


class NodeSpec(msgspec.Struct, gc=False):
    providerID: str = ""
    taints: list[Taint] = []
    unschedulable: bool = False


class NodeSystemInfo(msgspec.Struct, gc=False):
    kubeletVersion: str = ""
    kubeProxyVersion: str = ""
    osImage: str = ""
    kernelVersion: str = ""
    operatingSystem: str = ""
    architecture: str = ""
    containerRuntimeVersion: str = ""


class Condition(msgspec.Struct, gc=False):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    lastTransitionTime: datetime | None = None
    lastHeartbeatTime: datetime | None = None


class NodeAddress(msgspec.Struct, gc=False):
    type: str = ""
    address: str = ""


class NodeStatus(msgspec.Struct, gc=False):
    capacity: dict[str, str] = {}
    nodeInfo: NodeSystemInfo = msgspec.field(default_factory=NodeSystemInfo)
    conditions: list[Condition] = []
    addresses: list[NodeAddress] = []


class Node(msgspec.Struct, gc=False):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: NodeSpec = msgspec.field(default_factory=NodeSpec)
    status: NodeStatus = msgspec.field(default_factory=NodeStatus)
    kind: str = "Node"

    def condition(self, kind: str) -> Condition | None:
        for condition in self.status.conditions:
            if condition.type == kind:
                return condition
        return None


class Namespace(msgspec.Struct, gc=False):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    kind: str = "Namespace"


class PodTemplateMeta(msgspec.Struct, gc=False):
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}


class PodTemplate(msgspec.Struct, gc=False):
    metadata: PodTemplateMeta = msgspec.field(default_factory=PodTemplateMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)


class WorkloadSpec(msgspec.Struct, gc=False):
    replicas: int | None = None
    template: PodTemplate = msgspec.field(default_factory=PodTemplate)


class Workload(msgspec.Struct, gc=False):
    """A DaemonSet, Deployment or StatefulSet: the same fields matter for all three."""

    apiVersion: str = ""
    kind: str = ""
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: WorkloadSpec = msgspec.field(default_factory=WorkloadSpec)


class Service(msgspec.Struct, gc=False):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    kind: str = "Service"


class GenericMeta(msgspec.Struct, gc=False):
    name: str = ""
    namespace: str = ""
    annotations: dict[str, str] = {}


class GenericObject(msgspec.Struct, gc=False):
    """Any other kind: enough to tell which API version it was written with."""

    apiVersion: str = ""
    kind: str = ""
    metadata: GenericMeta = msgspec.field(default_factory=GenericMeta)


class VersionInfo(msgspec.Struct, gc=False):
    """GET /version."""

    gitVersion: str = ""
    major: str = ""
    minor: str = ""
    platform: str = ""
    emulationMajor: str = ""
    emulationMinor: str = ""


class GroupVersion(msgspec.Struct, gc=False):
    groupVersion: str = ""
    version: str = ""


class APIGroup(msgspec.Struct, gc=False):
    name: str = ""
    versions: list[GroupVersion] = []


class APIGroupList(msgspec.Struct, gc=False):
    """GET /apis."""

    groups: list[APIGroup] = []
