#!/usr/bin/env python3
"""Build the example bundles in examples/ from the reference payloads in tests/data/reference.

Every Azure file starts from the `responses.200.body` of a REST example in
tests/data/reference/azure, every Node from the real kind NodeList, `/version` from the real
kind answer and the kube-apiserver mirror Pod from the real minikube Pod (all three in
tests/data/reference/k8s/examples). The builder then sets only what a scenario needs (names,
ids, versions, times, states) and keeps the payloads' own quirks: `v1.31.5` in ARM next to the
Arc agent's `1.31.5`, `+00:00` times where the az CLI prints them, ARM's seven-digit `Z`
times, the off-enum `osSku: "Windows"`.

The output is deterministic (seeded by cluster name, fixed clock): a rebuild that changes
nothing leaves no diff.

    .venv/bin/python examples/build.py              # rewrite every examples/<name>/
    .venv/bin/python examples/build.py healthy      # just one
    .venv/bin/python examples/build.py --out DIR    # write the bundles under DIR instead

The `kubectl cluster-info dump` examples (DUMPS) are written by the real kubectl (`--kubectl`,
default the one on PATH) from a bundle served by the tests' loopback API server.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "tests" / "data" / "reference"
Json = dict[str, Any]

# The demo evaluates at 2025-09-15; bundles are collected the morning before.
COLLECTED_AT = datetime(2025, 9, 14, 9, 30, 12, tzinfo=UTC)

# One deployment: the references spread it over three subscriptions, the examples use the
# provisioned cluster's and keep each resource's own resource group.
SUBSCRIPTION = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
CLUSTER_RG = "testrg"
LOCATION = "eastus"
APPLIANCE_RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/test-arcappliance-resgrp/providers"
CUSTOM_LOCATION = f"{APPLIANCE_RG}/Microsoft.ExtendedLocation/customLocations/testcustomlocation"
LOGICAL_NETWORK = f"{APPLIANCE_RG}/Microsoft.AzureStackHCI/logicalNetworks/test-vnet-static"
NODE_SUBNET = "172.16.30.0/24"  # the logical network's address space
CONTROL_PLANE_VIP = "172.16.30.10"  # the API server's address (KubeVIP)
POD_CIDR = "10.244.0.0/16"  # the reference cluster's podCidr

# What `az aksarc get-versions` lists per Azure Local release (AKS Arc "Supported Kubernetes
# versions", ms.date 2025-10-09; the same lists as the policy pack's calendar).
OFFERED = {
    "2507": ("1.28.12", "1.28.14", "1.29.7", "1.29.9", "1.30.3", "1.30.4"),
    "2508": ("1.29.12", "1.29.13", "1.30.8", "1.30.9", "1.31.4", "1.31.5"),
}
# /version's buildDate: the upstream tag dates (reference release-data-kubernetes.json); the Go
# toolchain those patch releases were built with.
BUILDS = {
    "1.28.14": ("2024-09-11T11:03:27Z", "go1.22.6"),
    "1.30.4": ("2024-08-14T18:27:38Z", "go1.22.5"),
    "1.30.9": ("2025-01-15T14:33:52Z", "go1.22.10"),
    "1.31.5": ("2025-01-15T14:31:55Z", "go1.22.10"),
    "1.31.10": ("2025-06-17T18:27:25Z", "go1.23.10"),
}
# kubeadm's CoreDNS, etcd and pause versions for each minor.
ADDONS = {
    "1.28": {"coredns": "v1.10.1", "etcd": "3.5.12-0", "pause": "3.9"},
    "1.30": {"coredns": "v1.11.1", "etcd": "3.5.15-0", "pause": "3.9"},
    "1.31": {"coredns": "v1.11.3", "etcd": "3.5.15-0", "pause": "3.10"},
}
MCR = "mcr.microsoft.com"
CALICO, CILIUM, ISTIO, ARC_AGENTS = "v3.28.2", "v1.16.4", "1.24.1", "1.24.5"
OS_IMAGE = "Microsoft Azure Linux 3.0"  # AKS Arc node images from Azure Local 2507 on

# AKS Arc VM sizes (`az aksarc vmsize list`): name -> (vCPU, memory MiB, GPU model or "").
VM_SIZES = {
    "Standard_A2_v2": (2, 4096, ""),
    "Standard_A4_v2": (4, 8192, ""),
    "Standard_D2s_v3": (2, 8192, ""),
    "Standard_D4s_v3": (4, 16384, ""),
    "Standard_D8s_v3": (8, 32768, ""),
    "Standard_K8S3_v1": (4, 6144, ""),
    "Standard_NK6": (6, 12288, "NVIDIA Tesla T4"),
}
CONTROL_PLANE_SIZE = "Standard_A4_v2"

# kube-apiserver's feature gates per minor (a subset of each release's table): the stage it
# reports in `kubernetes_feature_enabled`, "GA" for "", and "+" when on by default.
GATES = """
    gate                                    1.28     1.30     1.31
    APIResponseCompression                  BETA+    BETA+    BETA+
    APIServerIdentity                       BETA+    BETA+    BETA+
    APIServerTracing                        BETA+    BETA+    BETA+
    AdmissionWebhookMatchConditions         BETA+    GA+      GA+
    AllAlpha                                ALPHA    ALPHA    ALPHA
    AllBeta                                 BETA     BETA     BETA
    AnyVolumeDataSource                     BETA+    BETA+    BETA+
    CRDValidationRatcheting                 ALPHA    BETA+    BETA+
    ComponentSLIs                           BETA+    BETA+    BETA+
    ConsistentListFromCache                 ALPHA    ALPHA    BETA+
    DynamicResourceAllocation               ALPHA    ALPHA    ALPHA
    InPlacePodVerticalScaling               ALPHA    ALPHA    ALPHA
    KMSv2                                   BETA+    GA+      -
    OpenAPIEnums                            BETA+    BETA+    BETA+
    PodSchedulingReadiness                  BETA+    GA+      -
    RetryGenerateName                       -        ALPHA    BETA+
    SidecarContainers                       ALPHA    BETA+    BETA+
    StorageVersionAPI                       ALPHA    ALPHA    ALPHA
    StructuredAuthenticationConfiguration   -        BETA+    BETA+
    ValidatingAdmissionPolicy               BETA     GA+      GA+
    WatchList                               ALPHA    ALPHA    ALPHA
"""


# --------------------------------------------------------------------------------------------
# Small helpers


def reference_body(name: str) -> Json:
    document = json.loads((REFERENCE / "azure" / name).read_text())
    body: Json = document["responses"]["200"]["body"]
    return copy.deepcopy(body)


def reference_json(relative: str) -> Json:
    loaded: Json = json.loads((REFERENCE / "k8s" / "examples" / relative).read_text())
    return loaded


def k8s_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def arm_time(moment: datetime) -> str:
    """ARM's seven-digit fractions, as in the references' systemData."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def cli_time(moment: datetime) -> str:
    """How `az connectedk8s show` prints times: microseconds and a `+00:00` offset."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def words(value: str | list[str]) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def kube_list(items: list[Json]) -> Json:
    """What `kubectl get <plural> -A -o json` prints."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


class Names:
    """Seeded random names and ids, so every rebuild writes the same bytes."""

    SAFE = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' alphabet for generated name suffixes

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)
        self._resource_version = 3000

    def text(self, length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def suffix(self, length: int = 5) -> str:
        return self.text(length, self.SAFE)

    def hex(self, length: int) -> str:
        return self.text(length, "0123456789abcdef")

    def uid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def resource_version(self) -> str:
        self._resource_version += self._rng.randint(7, 900)
        return str(self._resource_version)

    def seconds(self, low: int, high: int) -> timedelta:
        return timedelta(seconds=self._rng.randint(low, high))

    def randint(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def sample(self, population: range, count: int) -> list[int]:
        return self._rng.sample(population, count)


# --------------------------------------------------------------------------------------------
# The cluster a bundle is rendered from


@dataclass(frozen=True)
class Pool:
    name: str
    count: int
    vm_size: str
    node_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class NodeSpec:
    name: str
    ip: str
    pool: Pool | None  # None: the control-plane VM
    block: int  # third octet of the node's pod address block
    created: datetime
    uid: str

    @property
    def control_plane(self) -> bool:
        return self.pool is None

    @property
    def vm_size(self) -> str:
        return self.pool.vm_size if self.pool else CONTROL_PLANE_SIZE


UPGRADED = at("2025-08-20T13:12:40Z")  # to 1.31.5, soon after Azure Local 2508 arrived
CREATED = at("2025-03-18T10:04:41Z")
POOLS = (
    Pool("nodepool1", 2, "Standard_A4_v2"),
    Pool("apppool", 1, "Standard_D4s_v3", {"workload": "retail"}),
)


@dataclass
class Cluster:
    name: str
    version: str  # the API server's and every kubelet's Kubernetes version
    host_release: str = "2508"  # the host's Azure Local release
    nodes_since: datetime = UPGRADED  # when the node VMs were created (the last upgrade)
    created: datetime = CREATED  # when the cluster was first created
    collected: datetime = COLLECTED_AT  # when the bundle was collected
    kernel: str = "6.6.96.1-1.azl3"
    containerd: str = "1.7.27"
    cni: str = "calico"
    pools: tuple[Pool, ...] = POOLS
    names: Names = field(init=False)
    nodes: list[NodeSpec] = field(init=False)

    def __post_init__(self) -> None:
        self.names = Names(self.name)
        kinds: list[Pool | None] = [None]
        for pool in self.pools:
            kinds.extend([pool] * pool.count)
        blocks = self.names.sample(range(1, 250), len(kinds))
        self.nodes = []
        for index, kind in enumerate(kinds):
            created = self.nodes_since + timedelta(minutes=7 * index) + self.names.seconds(5, 50)
            name = "moc-" + self.names.text(11)
            ip = f"172.16.30.{21 + index}"
            self.nodes.append(NodeSpec(name, ip, kind, blocks[index], created, self.names.uid()))
        self.pool_suffix = self.names.hex(8)

    @property
    def minor(self) -> str:
        return self.version.rsplit(".", 1)[0]

    @property
    def addons(self) -> dict[str, str]:
        return ADDONS[self.minor]

    @property
    def resource_id(self) -> str:
        return (
            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{CLUSTER_RG}/providers/"
            f"Microsoft.Kubernetes/connectedClusters/{self.name}"
        )

    @property
    def control_plane(self) -> NodeSpec:
        return self.nodes[0]

    @property
    def workers(self) -> list[NodeSpec]:
        return self.nodes[1:]

    def pool_label(self, pool: Pool) -> str:
        """`msft.microsoft/nodepool-name`: <cluster>-<random>-<pool>."""
        return f"{self.name}-{self.pool_suffix}-{pool.name}"


# --------------------------------------------------------------------------------------------
# Kubernetes: nodes


def fields(*paths: str) -> Json:
    """A managedFields `fieldsV1` tree from paths such as `f:metadata.f:labels.f:x`; a trailing
    `..` is the `"."` member (the map itself). Label keys hold dots, so paths split only on
    `.f:`, `.k:` and `.v:`."""
    tree: Json = {}
    for path in paths:
        for marker in ("f", "k", "v"):
            path = path.replace(f".{marker}:", f"\0{marker}:")
        parts = path.split("\0")
        if parts[-1].endswith(".."):
            parts[-1:] = [parts[-1][:-2], "."]
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree


def managed(manager: str, moment: datetime, tree: Json, subresource: str = "") -> Json:
    entry: Json = {
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": tree,
        "manager": manager,
        "operation": "Update",
        "time": k8s_time(moment),
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


CONDITIONS = ("DiskPressure", "MemoryPressure", "PIDPressure", "Ready")


def _node_images(cluster: Cluster, node: NodeSpec) -> list[Json]:
    version, addons = cluster.version, cluster.addons
    images = [(f"{MCR}/oss/kubernetes/kube-proxy:v{version}", 31_650_418)]
    if cluster.cni == "calico":
        images += [(f"{MCR}/oss/calico/node:{CALICO}", 118_032_911)]
        images += [(f"{MCR}/oss/calico/cni:{CALICO}", 95_180_733)]
    else:
        images += [(f"quay.io/cilium/cilium:{CILIUM}", 204_573_190)]
    if node.control_plane:
        for component, size in (("apiserver", 28_911_040), ("controller-manager", 26_671_402),
                                ("scheduler", 20_433_016)):  # fmt: skip
            images.append((f"{MCR}/oss/kubernetes/kube-{component}:v{version}", size))
        images.append((f"{MCR}/oss/etcd-io/etcd:{addons['etcd']}", 56_909_194))
    else:
        images.append((f"{MCR}/oss/kubernetes/coredns:{addons['coredns']}", 18_562_039))
        images.append((f"{MCR}/oss/kubernetes-csi/csi-node-driver-registrar:v2.10.1", 10_852_131))
    images.append((f"{MCR}/oss/kubernetes/pause:{addons['pause']}", 320_368))
    images.sort(key=lambda entry: -entry[1])
    return [{"names": [name], "sizeBytes": size} for name, size in images]


def _node_managed_fields(
    cluster: Cluster, node: NodeSpec, labels: list[str], heartbeat: datetime
) -> list[Json]:
    """Who set what on the node: kubeadm at join, the kubelet (labels, via --node-labels for
    the pool's), the controller manager, calico-node, and the kubelet's status updates."""
    kubeadm = ["f:metadata.f:annotations.f:kubeadm.alpha.kubernetes.io/cri-socket"]
    if node.control_plane:
        kubeadm += [
            "f:metadata.f:labels.f:node-role.kubernetes.io/control-plane",
            "f:metadata.f:labels.f:node.kubernetes.io/exclude-from-external-load-balancers",
            "f:spec.f:taints",
        ]
    cidr = f"10.244.{node.block}.0/24"
    entries = [
        managed("kubeadm", node.created + timedelta(seconds=12), fields(*kubeadm)),
        managed(
            "kubelet",
            node.created,
            fields(
                "f:metadata.f:annotations..",
                "f:metadata.f:annotations.f:volumes.kubernetes.io/controller-managed-attach-detach",
                "f:metadata.f:labels..",
                *(f"f:metadata.f:labels.f:{key}" for key in labels),
                "f:spec.f:providerID",
            ),
        ),
        managed(
            "kube-controller-manager",
            node.created + timedelta(seconds=3),
            fields(
                "f:metadata.f:annotations.f:node.alpha.kubernetes.io/ttl",
                "f:spec.f:podCIDR",
                "f:spec.f:podCIDRs..",
                f'f:spec.f:podCIDRs.v:"{cidr}"',
            ),
        ),
    ]
    if cluster.cni == "calico":
        calico = ("IPv4Address", "IPv4VXLANTunnelAddr")
        paths = [f"f:metadata.f:annotations.f:projectcalico.org/{key}" for key in calico]
        entries.append(managed("calico-node", node.created + timedelta(seconds=31), fields(*paths)))
    status = [
        f'f:status.f:conditions.k:{{"type":"{kind}"}}.f:lastHeartbeatTime' for kind in CONDITIONS
    ]
    status += ["f:status.f:images", "f:status.f:nodeInfo.f:bootID"]
    if not node.control_plane:
        status.append("f:metadata.f:annotations.f:csi.volume.kubernetes.io/nodeid")
    entries.append(managed("kubelet", heartbeat, fields(*status), "status"))
    return entries


def build_nodes(cluster: Cluster) -> list[Json]:
    templates = {
        item["metadata"]["name"]: item
        for item in reference_json("sonobuoy-core_v1_nodes.json")["items"]
    }
    items = []
    for node in cluster.nodes:
        # kind-worker was caught NotReady in the reference; kind-worker2 is a Ready worker.
        item = copy.deepcopy(
            templates["kind-control-plane" if node.control_plane else "kind-worker2"]
        )
        meta, status = item["metadata"], item["status"]
        meta.update(
            name=node.name,
            uid=node.uid,
            resourceVersion=cluster.names.resource_version(),
            creationTimestamp=k8s_time(node.created),
        )
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": node.name,
            "kubernetes.io/os": "linux",
        }
        if node.pool is not None:
            labels["msft.microsoft/nodepool-name"] = cluster.pool_label(node.pool)
            labels.update(node.pool.node_labels)
        kubelet_labels = list(labels)
        if node.pool is None:
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        meta["labels"] = labels
        # The reference's kubeadm / ttl / attach-detach annotations, plus CSI and Calico's.
        annotations = meta["annotations"]
        if not node.control_plane:
            nodeid = {"disk.csi.akshci.com": node.name}
            annotations["csi.volume.kubernetes.io/nodeid"] = json.dumps(
                nodeid, separators=(",", ":")
            )
        if cluster.cni == "calico":
            annotations["projectcalico.org/IPv4Address"] = f"{node.ip}/24"
            annotations["projectcalico.org/IPv4VXLANTunnelAddr"] = f"10.244.{node.block}.0"
        heartbeat = cluster.collected - cluster.names.seconds(20, 280)
        meta["managedFields"] = _node_managed_fields(cluster, node, kubelet_labels, heartbeat)

        cidr = f"10.244.{node.block}.0/24"
        item["spec"] = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"moc://{node.name}"}
        if node.control_plane:
            taint = {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
            item["spec"]["taints"] = [taint]

        cpu, memory_mib, _ = VM_SIZES[node.vm_size]
        resources = {
            "cpu": str(cpu),
            "ephemeral-storage": "129886128Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            # The guest kernel keeps about 3% of the VM's memory for itself.
            "memory": f"{int(memory_mib * 1024 * 0.9712)}Ki",
            "pods": "110",
        }
        status["capacity"], status["allocatable"] = dict(resources), dict(resources)
        status["addresses"] = [
            {"address": node.ip, "type": "InternalIP"},
            {"address": node.name, "type": "Hostname"},
        ]
        for condition in status["conditions"]:
            joined = node.created + timedelta(seconds=40 if condition["type"] == "Ready" else 4)
            condition.update(
                lastHeartbeatTime=k8s_time(heartbeat), lastTransitionTime=k8s_time(joined)
            )
        status["images"] = _node_images(cluster, node)
        status["nodeInfo"].update(
            bootID=cluster.names.uid(),
            containerRuntimeVersion=f"containerd://{cluster.containerd}",
            kernelVersion=cluster.kernel,
            kubeProxyVersion=f"v{cluster.version}",
            kubeletVersion=f"v{cluster.version}",
            machineID=cluster.names.hex(32),
            osImage=OS_IMAGE,
            systemUUID=cluster.names.uid(),
        )
        items.append(item)
    return items


# --------------------------------------------------------------------------------------------
# Kubernetes: workloads and their pods


def container(
    name: str,
    image: str,
    args: str | list[str] = "",
    *,
    command: str | list[str] = "",
    ports: tuple[int, ...] = (),
    cpu: str = "10m",
    memory: str = "64Mi",
    security: Json | None = None,
) -> Json:
    entry: Json = {
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "name": name,
        "resources": {"requests": {"cpu": cpu, "memory": memory}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if command:
        entry["command"] = words(command)
    if args:
        entry["args"] = words(args)
    if ports:
        entry["ports"] = [{"containerPort": port, "protocol": "TCP"} for port in ports]
    if security:
        entry["securityContext"] = security
    return entry


PRIVILEGED = {"privileged": True}
NODE_CRITICAL = {"priorityClassName": "system-node-critical", "priority": 2000001000}
CLUSTER_CRITICAL = {"priorityClassName": "system-cluster-critical", "priority": 2000000000}
EVERYWHERE = {"tolerations": [{"operator": "Exists"}]}
HOST_NETWORK = {"hostNetwork": True}
ON_APP_POOL = {"nodeSelector": {"workload": "retail"}}


def host_paths(**volumes: str) -> Json:
    return {
        "volumes": [
            {"hostPath": {"path": path, "type": ""}, "name": name.replace("_", "-")}
            for name, path in volumes.items()
        ]
    }


@dataclass
class Workload:
    kind: str  # Deployment | DaemonSet
    namespace: str
    name: str
    labels: dict[str, str]  # selector and pod template labels
    containers: list[Json]
    replicas: int = 1
    init_containers: list[Json] = field(default_factory=list)
    pod_spec: Json = field(default_factory=dict)  # hostNetwork, nodeSelector, volumes...
    extra_labels: dict[str, str] = field(default_factory=dict)  # on the workload only
    annotations: dict[str, str] = field(default_factory=dict)
    pod_annotations: dict[str, str] = field(default_factory=dict)
    placement: str = "system"  # system | apps | all | control-plane
    created: datetime | None = None

    def pod_spec_json(self) -> Json:
        spec: Json = {
            "containers": self.containers,
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccountName": self.name,
            "terminationGracePeriodSeconds": 30,
        }
        if self.init_containers:
            spec["initContainers"] = self.init_containers
        spec.update(self.pod_spec)
        return spec

    def nodes(self, cluster: Cluster) -> list[NodeSpec]:
        """The nodes its pods run on."""
        if self.kind == "DaemonSet":
            return list(cluster.nodes) if self.placement == "all" else cluster.workers
        if self.placement == "control-plane":
            pool = [cluster.control_plane]
        else:
            apps = self.placement == "apps"
            pool = [n for n in cluster.workers if n.pool and bool(n.pool.node_labels) == apps]
        return [pool[index % len(pool)] for index in range(self.replicas)]


def build_workload(cluster: Cluster, workload: Workload) -> Json:
    desired = len(workload.nodes(cluster))
    template: Json = {"creationTimestamp": None, "labels": dict(workload.labels)}
    if workload.pod_annotations:
        template["annotations"] = dict(workload.pod_annotations)
    spec: Json = {
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": dict(workload.labels)},
        "template": {"metadata": template, "spec": workload.pod_spec_json()},
    }
    annotations = dict(workload.annotations)
    if workload.kind == "Deployment":
        annotations["deployment.kubernetes.io/revision"] = "1"
        rolling: Json = {"maxSurge": "25%", "maxUnavailable": "25%"}
        spec.update(
            progressDeadlineSeconds=600,
            replicas=workload.replicas,
            strategy={"rollingUpdate": rolling, "type": "RollingUpdate"},
        )
        counts: tuple[str, ...] = (
            "availableReplicas",
            "readyReplicas",
            "replicas",
            "updatedReplicas",
        )
        status: Json = dict.fromkeys(counts, desired) | {"observedGeneration": 1}
    else:
        annotations["deprecated.daemonset.template.generation"] = "1"
        rolling = {"maxSurge": 0, "maxUnavailable": 1}
        spec["updateStrategy"] = {"rollingUpdate": rolling, "type": "RollingUpdate"}
        counts = ("currentNumberScheduled", "desiredNumberScheduled", "numberAvailable",
                  "numberReady", "updatedNumberScheduled")  # fmt: skip
        status = dict.fromkeys(counts, desired) | {"numberMisscheduled": 0, "observedGeneration": 1}
    return {
        "apiVersion": "apps/v1",
        "kind": workload.kind,
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": k8s_time(workload.created or cluster.created),
            "generation": 1,
            "labels": {**workload.labels, **workload.extra_labels},
            "name": workload.name,
            "namespace": workload.namespace,
            "resourceVersion": cluster.names.resource_version(),
            "uid": cluster.names.uid(),
        },
        "spec": spec,
        "status": status,
    }


def running(containers: list[Json], started: datetime) -> list[Json]:
    return [
        {
            "image": entry["image"],
            "lastState": {},
            "name": entry["name"],
            "ready": True,
            "restartCount": 0,
            "started": True,
            "state": {"running": {"startedAt": k8s_time(started)}},
        }
        for entry in containers
    ]


def build_pod(
    cluster: Cluster,
    node: NodeSpec,
    meta: Json,
    spec: Json,
    started: datetime,
) -> Json:
    ip = (
        node.ip
        if spec.get("hostNetwork")
        else f"10.244.{node.block}.{cluster.names.randint(2, 250)}"
    )
    meta = {
        "creationTimestamp": k8s_time(started - timedelta(seconds=6)),
        **meta,
        "resourceVersion": cluster.names.resource_version(),
        "uid": cluster.names.uid(),
    }
    spec = {**copy.deepcopy(spec), "nodeName": node.name}
    status = {
        "containerStatuses": running(spec["containers"], started),
        "hostIP": node.ip,
        "hostIPs": [{"ip": node.ip}],
        "phase": "Running",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": "Burstable",
        "startTime": k8s_time(started - timedelta(seconds=5)),
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def build_workload_pods(cluster: Cluster, workload: Workload, built: Json) -> list[Json]:
    """The pods a ReplicaSet or DaemonSet controller made for `workload`."""
    labels = dict(workload.labels)
    if workload.kind == "Deployment":
        template_hash = cluster.names.suffix(10)
        owner_name = f"{workload.name}-{template_hash}"
        owner: Json = {"kind": "ReplicaSet", "name": owner_name, "uid": cluster.names.uid()}
        labels["pod-template-hash"] = template_hash
    else:
        owner_name = workload.name
        owner = {"kind": "DaemonSet", "name": owner_name, "uid": built["metadata"]["uid"]}
        labels["controller-revision-hash"] = cluster.names.suffix(10)
        labels["pod-template-generation"] = "1"
    owner = {"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, **owner}
    pods = []
    for node in workload.nodes(cluster):
        since = max(node.created, workload.created or cluster.created)
        meta: Json = {
            "generateName": f"{owner_name}-",
            "labels": dict(labels),
            "name": f"{owner_name}-{cluster.names.suffix()}",
            "namespace": workload.namespace,
            "ownerReferences": [owner],
        }
        if workload.pod_annotations:
            meta["annotations"] = dict(workload.pod_annotations)
        started = since + cluster.names.seconds(60, 900)
        pods.append(build_pod(cluster, node, meta, workload.pod_spec_json(), started))
    return pods


# --------------------------------------------------------------------------------------------
# Kubernetes: the control plane's static pods


# kubeadm's command lines for the other control-plane components ({ip}, {node}, {pki}).
STATIC_COMMANDS = {
    "etcd": """etcd --advertise-client-urls=https://{ip}:2379 --cert-file={pki}/etcd/server.crt
        --client-cert-auth=true --data-dir=/var/lib/etcd
        --initial-advertise-peer-urls=https://{ip}:2380
        --initial-cluster={node}=https://{ip}:2380 --key-file={pki}/etcd/server.key
        --listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379 --name={node}
        --trusted-ca-file={pki}/etcd/ca.crt""",
    "kube-controller-manager": """kube-controller-manager --allocate-node-cidrs=true
        --authentication-kubeconfig=/etc/kubernetes/controller-manager.conf
        --authorization-kubeconfig=/etc/kubernetes/controller-manager.conf
        --bind-address=127.0.0.1 --cloud-provider=external --cluster-cidr={pod_cidr}
        --cluster-signing-cert-file={pki}/ca.crt --cluster-signing-key-file={pki}/ca.key
        --controllers=*,bootstrapsigner,tokencleaner
        --kubeconfig=/etc/kubernetes/controller-manager.conf --leader-elect=true
        --root-ca-file={pki}/ca.crt --service-account-private-key-file={pki}/sa.key
        --use-service-account-credentials=true""",
    "kube-scheduler": """kube-scheduler
        --authentication-kubeconfig=/etc/kubernetes/scheduler.conf
        --authorization-kubeconfig=/etc/kubernetes/scheduler.conf --bind-address=127.0.0.1
        --kubeconfig=/etc/kubernetes/scheduler.conf --leader-elect=true""",
}


def apiserver_pod(cluster: Cluster, feature_gates: str = "") -> Json:
    """The kube-apiserver mirror Pod: the real minikube one moved to kubeadm's layout on an
    AKS Arc control-plane VM (port 6443, /etc/kubernetes/pki, the release's MCR image)."""
    node = cluster.control_plane
    text = (REFERENCE / "k8s/examples/kubescape-kube-apiserver-pod-minikube.yaml").read_text()
    text = text.replace("/var/lib/minikube/certs", "/etc/kubernetes/pki")
    pod: Json = yaml.safe_load(text.replace("192.168.49.2", node.ip).replace("8443", "6443"))
    meta, spec = pod["metadata"], pod["spec"]
    config_hash = cluster.names.hex(32)
    started = node.created - timedelta(seconds=25)
    seen = started.strftime("%Y-%m-%dT%H:%M:%S.") + f"{cluster.names.randint(0, 10**9 - 1):09d}Z"
    annotations = meta["annotations"]
    annotations["kubernetes.io/config.hash"] = config_hash
    annotations["kubernetes.io/config.mirror"] = config_hash
    annotations["kubernetes.io/config.seen"] = seen
    # kubeadm stopped writing the seccomp annotation long ago (securityContext carries it).
    del annotations["seccomp.security.alpha.kubernetes.io/pod"]
    meta.update(
        creationTimestamp=k8s_time(node.created + timedelta(seconds=9)),
        name=f"kube-apiserver-{node.name}",
        resourceVersion=cluster.names.resource_version(),
        uid=cluster.names.uid(),
    )
    meta["ownerReferences"][0].update(name=node.name, uid=node.uid)
    spec["nodeName"] = node.name
    main = spec["containers"][0]
    main["image"] = f"{MCR}/oss/kubernetes/kube-apiserver:v{cluster.version}"
    # Kubescape appended --anonymous-auth=false by hand; kubeadm writes no such flag.
    flags = [arg for arg in main["command"][1:] if arg != "--anonymous-auth=false"]
    if feature_gates:
        flags.append(f"--feature-gates={feature_gates}")
    main["command"] = [main["command"][0], *sorted(flags)]  # kubeadm sorts the flags
    pod["status"] = {
        "containerStatuses": running([main], started + timedelta(seconds=2)),
        "hostIP": node.ip,
        "hostIPs": [{"ip": node.ip}],
        "phase": "Running",
        "podIP": node.ip,
        "podIPs": [{"ip": node.ip}],
        "qosClass": "Burstable",
        "startTime": k8s_time(started),
    }
    return pod


def static_pods(cluster: Cluster, feature_gates: str) -> list[Json]:
    """kube-apiserver from the reference, and the other mirror pods in the same shape."""
    node, version = cluster.control_plane, cluster.version
    images = {
        "etcd": f"{MCR}/oss/etcd-io/etcd:{cluster.addons['etcd']}",
        "kube-controller-manager": f"{MCR}/oss/kubernetes/kube-controller-manager:v{version}",
        "kube-scheduler": f"{MCR}/oss/kubernetes/kube-scheduler:v{version}",
    }
    pods = [apiserver_pod(cluster, feature_gates)]
    for component, template in STATIC_COMMANDS.items():
        command = template.format(ip=node.ip, node=node.name, pki="/etc/kubernetes/pki",
                                  pod_cidr=POD_CIDR)  # fmt: skip
        config_hash = cluster.names.hex(32)
        meta = {
            "annotations": {
                "kubernetes.io/config.hash": config_hash,
                "kubernetes.io/config.mirror": config_hash,
                "kubernetes.io/config.seen": k8s_time(node.created - timedelta(seconds=25)),
                "kubernetes.io/config.source": "file",
            },
            "labels": {"component": component, "tier": "control-plane"},
            "name": f"{component}-{node.name}",
            "namespace": "kube-system",
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "controller": True,
                    "kind": "Node",
                    "name": node.name,
                    "uid": node.uid,
                }
            ],
        }
        spec = {
            "containers": [container(component, images[component], command=command, cpu="100m")],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "hostNetwork": True,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
        }
        started = node.created - cluster.names.seconds(20, 30)
        pods.append(build_pod(cluster, node, meta, spec, started))
    return pods


# --------------------------------------------------------------------------------------------
# Kubernetes: what runs in the cluster


def system_workloads(cluster: Cluster) -> list[Workload]:
    """kube-system as AKS Arc deploys it, and the Arc agents in azure-arc."""
    version, addons = cluster.version, cluster.addons
    csi_driver = f"{MCR}/aks/hybrid/akshcicsi:v1.6.2"
    items = [
        Workload(
            "DaemonSet", "kube-system", "kube-proxy", {"k8s-app": "kube-proxy"},
            [container("kube-proxy", f"{MCR}/oss/kubernetes/kube-proxy:v{version}",
                       command="/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf"
                       " --hostname-override=$(NODE_NAME)", security=PRIVILEGED)],
            placement="all",
            pod_spec=HOST_NETWORK | NODE_CRITICAL | EVERYWHERE
            | host_paths(lib_modules="/lib/modules"),
        ),
        Workload(
            "Deployment", "kube-system", "coredns", {"k8s-app": "kube-dns"},
            [container("coredns", f"{MCR}/oss/kubernetes/coredns:{addons['coredns']}",
                       "-conf /etc/coredns/Corefile", ports=(53, 9153), cpu="100m", memory="70Mi")],
            replicas=2, pod_spec=dict(CLUSTER_CRITICAL),
        ),
        Workload(
            "Deployment", "kube-system", "csi-akshcicsi-controller",
            {"app": "csi-akshcicsi-controller"},
            [container("csi-provisioner", f"{MCR}/oss/kubernetes-csi/csi-provisioner:v4.0.1",
                       "--csi-address=$(ADDRESS) --leader-election"),
             container("csi-attacher", f"{MCR}/oss/kubernetes-csi/csi-attacher:v4.6.1",
                       "--csi-address=$(ADDRESS) --leader-election"),
             container("akshcicsi", csi_driver, "--endpoint=$(CSI_ENDPOINT) --v=4")],
            pod_spec=dict(CLUSTER_CRITICAL),
        ),
        Workload(
            "DaemonSet", "kube-system", "csi-akshcicsi-node", {"app": "csi-akshcicsi-node"},
            [container("node-driver-registrar",
                       f"{MCR}/oss/kubernetes-csi/csi-node-driver-registrar:v2.10.1",
                       "--csi-address=$(ADDRESS)"
                       " --kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)"),
             container("akshcicsi", csi_driver,
                       "--endpoint=$(CSI_ENDPOINT) --nodeid=$(KUBE_NODE_NAME)",
                       security=PRIVILEGED)],
            pod_spec=NODE_CRITICAL | host_paths(kubelet_dir="/var/lib/kubelet"),
        ),
        Workload(
            "Deployment", "kube-system", "moc-cloud-controller-manager",
            {"k8s-app": "moc-cloud-controller-manager"},
            [container("moc-cloud-controller-manager",
                       f"{MCR}/aks/hybrid/moc-cloud-controller-manager:v1.31.0",
                       command="/cloud-controller-manager --cloud-provider=moc --leader-elect=true",
                       cpu="100m")],
            placement="control-plane",
            pod_spec=CLUSTER_CRITICAL | HOST_NETWORK | {
                "nodeSelector": {"node-role.kubernetes.io/control-plane": ""},
                "tolerations": [
                    {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
                ],
            },
        ),
        Workload(
            "Deployment", "kube-system", "akshci-telemetry", {"app": "akshci-telemetry"},
            [container("akshci-telemetry", f"{MCR}/aks/hybrid/akshci-telemetry:v1.2.18")],
        ),
    ]  # fmt: skip
    if cluster.cni == "calico":
        calico_cni = f"{MCR}/oss/calico/cni:{CALICO}"
        items += [
            Workload(
                "DaemonSet", "kube-system", "calico-node", {"k8s-app": "calico-node"},
                [container("calico-node", f"{MCR}/oss/calico/node:{CALICO}", cpu="250m",
                           security=PRIVILEGED)],
                init_containers=[
                    container("upgrade-ipam", calico_cni,
                              command="/opt/cni/bin/calico-ipam -upgrade", security=PRIVILEGED),
                    container("install-cni", calico_cni, command="/opt/cni/bin/install",
                              security=PRIVILEGED),
                ],
                placement="all",
                pod_spec=HOST_NETWORK | NODE_CRITICAL | EVERYWHERE
                | host_paths(var_run_calico="/var/run/calico", cni_net_dir="/etc/cni/net.d"),
            ),
            Workload(
                "Deployment", "kube-system", "calico-kube-controllers",
                {"k8s-app": "calico-kube-controllers"},
                [container("calico-kube-controllers",
                           f"{MCR}/oss/calico/kube-controllers:{CALICO}")],
                pod_spec=dict(CLUSTER_CRITICAL),
            ),
        ]  # fmt: skip
    # The Arc agents: the `azure-arc` Helm release (installed into namespace azure-arc,
    # recorded in `default`), as `az connectedk8s connect` leaves it.
    release = {
        "meta.helm.sh/release-name": "azure-arc",
        "meta.helm.sh/release-namespace": "default",
    }
    agents = ("clusterconnect-agent", "clusteridentityoperator", "config-agent",
              "controller-manager", "extension-manager", "kube-aad-proxy")  # fmt: skip
    for agent in agents:
        image = f"{MCR}/azurearck8s/{agent}:{ARC_AGENTS}"
        items.append(
            Workload(
                "Deployment", "azure-arc", agent, {"app.kubernetes.io/component": agent},
                [container(agent, image, cpu="5m")],
                extra_labels={"app.kubernetes.io/managed-by": "Helm"}, annotations=dict(release),
            )
        )  # fmt: skip
    return items


def app_workloads(cluster: Cluster) -> list[Workload]:
    """The customer's own application, on the pool labelled workload=retail."""
    created = cluster.created + timedelta(days=15, hours=3)
    registry = "contosoretail.azurecr.io"
    apps = [
        ("storefront", f"{registry}/storefront:2.4.1", 8080, 2),
        ("orders-api", f"{registry}/orders-api:1.9.0", 8080, 2),
        ("cart-cache", "docker.io/library/redis:7.2.5", 6379, 1),
    ]
    return [
        Workload(
            "Deployment", "retail", name, {"app": name},
            [container(name, image, ports=(port,), cpu="200m", memory="256Mi")],
            replicas=replicas, placement="apps", pod_spec=dict(ON_APP_POOL), created=created,
        )
        for name, image, port, replicas in apps
    ]  # fmt: skip


def build_namespaces(cluster: Cluster, extra: dict[str, dict[str, str]]) -> list[Json]:
    system = ("default", "kube-node-lease", "kube-public", "kube-system")
    names: dict[str, dict[str, str]] = {name: {} for name in (*system, "azure-arc", "retail")}
    names |= extra
    items = []
    for name, labels in sorted(names.items()):
        created = cluster.created
        if name == "azure-arc":
            created += timedelta(minutes=22)
        elif name not in system:
            created += timedelta(days=15)
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "creationTimestamp": k8s_time(created),
                    "labels": {"kubernetes.io/metadata.name": name, **labels},
                    "name": name,
                    "resourceVersion": cluster.names.resource_version(),
                    "uid": cluster.names.uid(),
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        )
    return items


def service(
    cluster: Cluster,
    namespace: str,
    name: str,
    ip: str,
    ports: str,  # "name:port[/UDP] ..."
    selector: dict[str, str] | None,
    labels: dict[str, str] | None = None,
    created: datetime | None = None,
) -> Json:
    port_list = []
    for entry in ports.split():
        port_name, _, rest = entry.partition(":")
        port, _, protocol = rest.partition("/")
        port_list.append(
            {
                "name": port_name,
                "port": int(port),
                "protocol": protocol or "TCP",
                "targetPort": int(port),
            }
        )
    spec: Json = {
        "clusterIP": ip,
        "clusterIPs": [ip],
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "ports": port_list,
        "sessionAffinity": "None",
        "type": "ClusterIP",
    }
    if selector:
        spec["selector"] = selector
    meta = {
        "creationTimestamp": k8s_time(created or cluster.created),
        "labels": labels or {},
        "name": name,
        "namespace": namespace,
        "resourceVersion": cluster.names.resource_version(),
        "uid": cluster.names.uid(),
    }
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def build_services(cluster: Cluster) -> list[Json]:
    apps = cluster.created + timedelta(days=15, hours=3)
    arc = cluster.created + timedelta(minutes=22)
    aad = {"app.kubernetes.io/component": "kube-aad-proxy"}
    return [
        service(cluster, "default", "kubernetes", "10.96.0.1", "https:443", None,
                {"component": "apiserver", "provider": "kubernetes"}),
        service(cluster, "kube-system", "kube-dns", "10.96.0.10",
                "dns:53/UDP dns-tcp:53 metrics:9153", {"k8s-app": "kube-dns"},
                {"k8s-app": "kube-dns"}),
        service(cluster, "azure-arc", "kube-aad-proxy", "10.101.187.14", "https:443 http:8080",
                aad, aad | {"app.kubernetes.io/managed-by": "Helm"}, arc),
        *(
            service(cluster, "retail", name, ip, f"{port_name}:{port}", {"app": name},
                    {"app": name}, apps)
            for name, ip, port_name, port in (
                ("storefront", "10.104.52.201", "http", 8080),
                ("orders-api", "10.99.140.33", "http", 8080),
                ("cart-cache", "10.109.7.92", "redis", 6379),
            )
        ),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Kubernetes: /version, /apis, /metrics


def build_version(cluster: Cluster) -> Json:
    """GET /version, in the shape of the real kind answer."""
    answer = reference_json("sonobuoy-serverversion.json")
    build_date, go = BUILDS[cluster.version]
    major, minor, _ = cluster.version.split(".")
    answer.update(
        major=major,
        minor=minor,
        gitVersion=f"v{cluster.version}",
        # Not the upstream commit: a stable placeholder derived from the version.
        gitCommit=hashlib.sha1(cluster.version.encode()).hexdigest(),
        buildDate=build_date,
        goVersion=go,
    )
    return answer


BUILT_IN_GROUPS = """
    apiregistration.k8s.io:v1 apps:v1 events.k8s.io:v1 authentication.k8s.io:v1
    authorization.k8s.io:v1 autoscaling:v2,v1 batch:v1 certificates.k8s.io:v1
    networking.k8s.io:v1 policy:v1 rbac.authorization.k8s.io:v1 storage.k8s.io:v1
    admissionregistration.k8s.io:v1 apiextensions.k8s.io:v1 scheduling.k8s.io:v1
    coordination.k8s.io:v1 node.k8s.io:v1 discovery.k8s.io:v1
"""


def build_apis(cluster: Cluster, extra: str) -> Json:
    """GET /apis: the built-in groups a release serves by default, then the CRD groups of the
    Arc agents, Calico and `extra` ("group:v1,v2 ...")."""
    flowcontrol = "v1beta3,v1beta2" if cluster.minor == "1.28" else "v1,v1beta3"
    groups = f"{BUILT_IN_GROUPS} flowcontrol.apiserver.k8s.io:{flowcontrol}"
    groups += " arc.azure.com:v1beta1 clusterconfig.azure.com:v1beta1"
    if cluster.cni == "calico":
        groups += " crd.projectcalico.org:v1"
    listed = []
    for entry in f"{groups} {extra}".split():
        name, _, versions = entry.partition(":")
        found = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions.split(",")]
        listed.append({"name": name, "preferredVersion": found[0], "versions": found})
    return {"apiVersion": "v1", "groups": listed, "kind": "APIGroupList"}


def build_metrics(cluster: Cluster, enabled: tuple[str, ...] = ()) -> str:
    """An excerpt of `kubectl get --raw /metrics`: the build info, the whole
    kubernetes_feature_enabled family (`enabled` gates switched on by --feature-gates) and the
    process start time."""
    version = build_version(cluster)
    labels = {
        "build_date": version["buildDate"],
        "compiler": "gc",
        "git_commit": version["gitCommit"],
        "git_tree_state": "clean",
        "git_version": version["gitVersion"],
        "go_version": version["goVersion"],
        "major": version["major"],
        "minor": version["minor"],
        "platform": "linux/amd64",
    }
    lines = [
        "# HELP kubernetes_build_info [ALPHA] A metric with a constant '1' value labeled by major,"
        " minor, git version, git commit, git tree state, build date, Go version, and compiler"
        " from which Kubernetes was built, and platform on which it is running.",
        "# TYPE kubernetes_build_info gauge",
        "kubernetes_build_info{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "} 1",
        "# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage"
        " and enablement of a k8s feature.",
        "# TYPE kubernetes_feature_enabled gauge",
    ]
    header, *rows = (line.split() for line in GATES.strip().splitlines())
    column = header.index(cluster.minor)
    for row in rows:
        cell = row[column]
        if cell == "-":
            continue  # the gate does not exist in this release
        stage = cell.rstrip("+").replace("GA", "")
        value = int(cell.endswith("+") or row[0] in enabled)
        lines.append(f'kubernetes_feature_enabled{{name="{row[0]}",stage="{stage}"}} {value}')
    start = cluster.control_plane.created.timestamp()
    lines += [
        "# HELP process_start_time_seconds [ALPHA] Start time of the process since unix epoch in"
        " seconds.",
        "# TYPE process_start_time_seconds gauge",
        f"process_start_time_seconds {start:.2f}",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Azure


def build_provisioned_cluster(cluster: Cluster) -> Json:
    """`az aksarc show`."""
    body = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    fullest = reference_body(
        "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json"
    )
    rp = "providers/Microsoft.HybridContainerService/provisionedClusterInstances/default"
    body["id"] = f"{cluster.resource_id}/{rp}"
    body["name"] = "default"  # as `az aksarc show` prints it; the example has the cluster's
    body["extendedLocation"]["name"] = CUSTOM_LOCATION.lower()
    props = body["properties"]
    endpoint = {"hostIP": CONTROL_PLANE_VIP}
    props["controlPlane"].update(count=1, vmSize=CONTROL_PLANE_SIZE, controlPlaneEndpoint=endpoint)
    props["kubernetesVersion"] = f"v{cluster.version}"
    props["networkProfile"]["loadBalancerProfile"] = {"count": 0}
    props["agentPoolProfiles"] = [
        {
            "name": pool.name,
            "count": pool.count,
            "vmSize": pool.vm_size,
            "osType": "Linux",
            "osSKU": "CBLMariner",  # the API still calls the Azure Linux 3.0 images CBLMariner
            "nodeLabels": dict(pool.node_labels),
            "nodeTaints": [],
            "enableAutoScaling": False,
            "maxPods": 110,
            "kubernetesVersion": f"v{cluster.version}",
        }
        for pool in cluster.pools
    ]
    props["cloudProviderProfile"]["infraNetworkProfile"]["vnetSubnetIds"] = [LOGICAL_NETWORK]
    props["storageProfile"] = {"smbCsiDriver": {"enabled": True}, "nfsCsiDriver": {"enabled": True}}
    props["status"] = {"currentState": "Succeeded"}
    body["systemData"] = fullest["systemData"]
    body["systemData"].update(
        createdAt=arm_time(cluster.created - timedelta(minutes=41)),
        lastModifiedAt=arm_time(cluster.nodes_since - timedelta(minutes=35)),
    )
    return body


def build_agent_pools(cluster: Cluster) -> list[Json]:
    """`az aksarc nodepool list`."""
    pools = []
    for pool in cluster.pools:
        body = reference_body("hybridaks-2024-01-01-GetAgentPool.json")
        rp = "providers/Microsoft.HybridContainerService/provisionedClusterInstances/default"
        body.update(
            location=LOCATION,
            id=f"{cluster.resource_id}/{rp}/agentPools/{pool.name}",
            name=pool.name,
        )
        ready = {
            "count": pool.count,
            "vmSize": pool.vm_size,
            "kubernetesVersion": f"v{cluster.version}",
        }
        body["properties"].update(
            count=pool.count,
            vmSize=pool.vm_size,
            osSKU="CBLMariner",
            nodeLabels=dict(pool.node_labels),
            kubernetesVersion=f"v{cluster.version}",
            status={"currentState": "Succeeded", "readyReplicas": [ready]},
        )
        pools.append(body)
    return pools


def build_kubernetes_versions(cluster: Cluster) -> Json:
    """`az aksarc get-versions` on the custom location of the host's release."""
    body = reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    body["id"] = (
        f"{CUSTOM_LOCATION}/providers/Microsoft.HybridContainerService/kubernetesVersions/default"
    )
    body["extendedLocation"]["name"] = CUSTOM_LOCATION.lower()
    template = body["properties"]["values"][0]
    # The reference's all-ready list: Linux CBLMariner, the off-enum "Windows", Windows2022.
    ready = template["patchVersions"]["1.23.13"]["readiness"]
    offered = OFFERED[cluster.host_release]
    values = []
    for minor in dict.fromkeys(version.rsplit(".", 1)[0] for version in offered):
        major, number = minor.split(".")
        patches = [v for v in offered if v.startswith(f"{minor}.")]
        next_minor = [v for v in offered if v.startswith(f"{major}.{int(number) + 1}.")]
        entry = copy.deepcopy(template)
        entry["version"] = minor
        entry["patchVersions"] = {
            patch: {
                "readiness": copy.deepcopy(ready),
                "upgrades": patches[patches.index(patch) + 1 :] + next_minor,
            }
            for patch in patches
        }
        values.append(entry)
    body["properties"]["values"] = values
    return body


def build_connected_cluster(cluster: Cluster, status: str, last_seen: datetime) -> Json:
    """`az connectedk8s show`: the newest stable example, marked as made by AKS Arc."""
    body = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    kind_example = reference_body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")
    body.update(id=cluster.resource_id, name=cluster.name, location=LOCATION)
    body["kind"] = kind_example["kind"]  # "ProvisionedCluster"
    # The agents renew their identity certificate (90 days) well before it runs out.
    renewed = last_seen - timedelta(days=8, hours=2)
    body["properties"].update(
        agentVersion=ARC_AGENTS,
        kubernetesVersion=cluster.version,  # the agent reports it without the `v`
        totalNodeCount=len(cluster.nodes),
        totalCoreCount=sum(VM_SIZES[node.vm_size][0] for node in cluster.nodes),
        infrastructure="azure_stack_hci",
        connectivityStatus=status,
        lastConnectivityTime=cli_time(last_seen),
        managedIdentityCertificateExpirationTime=cli_time(renewed + timedelta(days=90)),
        aadProfile=kind_example["properties"]["aadProfile"],
    )
    # The example's agents failed an upgrade; these are healthy.
    body["properties"]["arcAgentProfile"].update(
        agentState="Succeeded", agentErrors=[], desiredAgentVersion=ARC_AGENTS, systemComponents=[]
    )
    body["systemData"].update(
        createdAt=arm_time(cluster.created - timedelta(minutes=44)),
        lastModifiedAt=arm_time(last_seen - timedelta(hours=5, minutes=12)),
    )
    return body


def build_azure_local(last_sync: datetime, connected: bool) -> Json:
    body = reference_body("azurestackhci-2024-04-01-GetCluster.json")
    name = "hci-contoso-01"
    rp = "providers/Microsoft.AzureStackHCI/clusters"
    body.update(id=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/test-rg/{rp}/{name}", name=name)
    body["location"] = LOCATION
    props = body["properties"]
    props["status"] = "ConnectedRecently" if connected else "Disconnected"
    props["connectivityStatus"] = "Connected" if connected else "Disconnected"
    props["registrationTimestamp"] = arm_time(at("2024-11-19T16:02:44.318211Z"))
    props["lastSyncTimestamp"] = arm_time(last_sync)
    props["lastBillingTimestamp"] = arm_time(last_sync - timedelta(hours=6, minutes=3))
    reported = props["reportedProperties"]
    reported["clusterName"] = name
    # clusterVersion is the OS build of the cluster (23H2: 10.0.25398), not the solution
    # release; facts.yaml declares the release.
    reported["clusterVersion"] = "10.0.25398"
    for index, node in enumerate(reported["nodes"], start=1):
        node["name"] = f"HCI-NODE{index:02d}"
        node["osVersion"] = "10.0.25398.1791"
        node["lastLicensingTimestamp"] = arm_time(last_sync - timedelta(hours=index))
    reported["lastUpdated"] = arm_time(last_sync)
    return body


def build_subscription() -> Json:
    """`az account show`."""
    body = reference_body("subscription-2022-12-01-GetSubscription.json")
    body.update(id=f"/subscriptions/{SUBSCRIPTION}", subscriptionId=SUBSCRIPTION)
    body["displayName"] = "Contoso Retail Edge"
    return body


def build_vm_skus() -> Json:
    body = reference_body("hybridaks-2024-01-01-GetVmSkus.json")
    body["id"] = f"{CUSTOM_LOCATION}/providers/Microsoft.HybridContainerService/skus/default"
    body["extendedLocation"]["name"] = CUSTOM_LOCATION.lower()
    template = body["properties"]["values"][0]
    values = []
    for name, (cpu, memory, gpu) in VM_SIZES.items():
        capabilities = [
            {"name": "vCpu", "value": str(cpu)},
            {"name": "MemoryMb", "value": str(memory)},
        ]
        if gpu:  # the reference SKU's GPU capabilities: count, model, assignment mode
            capabilities += [c for c in template["capabilities"] if c["name"].startswith("Gpu")]
        entry = copy.deepcopy(template)
        entry.update(name=name, size=name.removeprefix("Standard_"), capabilities=capabilities)
        values.append(entry)
    body["properties"]["values"] = values
    return body


# --------------------------------------------------------------------------------------------
# Bundles


@dataclass
class Extras:
    """What a scenario adds to the base cluster."""

    workloads: list[Workload] = field(default_factory=list)
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    apis: str = ""  # "group:v1,v2 ..."
    feature_gates: tuple[str, ...] = ()


def bundle(
    cluster: Cluster,
    *,
    arc_status: str = "Connected",
    arc_last_seen: datetime | None = None,
    host_last_sync: datetime | None = None,
    facts: str = "",
    extras: Extras | None = None,
    metrics: bool = True,
) -> dict[str, Any]:
    """Every file of a bundle: relative path -> JSON value or text."""
    extras = extras or Extras()
    workloads = [*system_workloads(cluster), *app_workloads(cluster), *extras.workloads]
    built = [build_workload(cluster, workload) for workload in workloads]
    gates = ",".join(f"{gate}=true" for gate in extras.feature_gates)
    pods = static_pods(cluster, gates)
    for workload, item in zip(workloads, built, strict=True):
        pods += build_workload_pods(cluster, workload, item)
    pods.sort(key=lambda pod: (pod["metadata"]["namespace"], pod["metadata"]["name"]))
    arc_seen = arc_last_seen or cluster.collected - timedelta(minutes=3, seconds=41)
    host_sync = host_last_sync or cluster.collected - timedelta(minutes=56)
    files: dict[str, Any] = {
        "manifest.json": {
            "format": "arcsupport-bundle/v1",
            "collected_at": k8s_time(cluster.collected),
            "cluster": {"name": cluster.name, "resource_id": cluster.resource_id},
        },
        "kubernetes/version.json": build_version(cluster),
        "kubernetes/nodes.json": kube_list(build_nodes(cluster)),
        "kubernetes/namespaces.json": kube_list(build_namespaces(cluster, extras.namespaces)),
        "kubernetes/daemonsets.json": kube_list([i for i in built if i["kind"] == "DaemonSet"]),
        "kubernetes/deployments.json": kube_list([i for i in built if i["kind"] == "Deployment"]),
        "kubernetes/pods.json": kube_list(pods),
        "kubernetes/services.json": kube_list(build_services(cluster)),
        "azure/provisioned-cluster.json": build_provisioned_cluster(cluster),
        "azure/agent-pools.json": build_agent_pools(cluster),
        "azure/kubernetes-versions.json": build_kubernetes_versions(cluster),
        "azure/connected-cluster.json": build_connected_cluster(cluster, arc_status, arc_seen),
        "azure/azure-local-cluster.json": build_azure_local(host_sync, host_last_sync is None),
        "azure/subscription.json": build_subscription(),
        "azure/vm-skus.json": build_vm_skus(),
        "facts.yaml": (
            "# Declared by the operator: nothing in the collected payloads records these.\n"
            "# The Azure Local solution release (its Azure resource reports only the OS build).\n"
            f'host_platform:\n  kind: azure-local\n  version: "{cluster.host_release}"\n'
            "# The logical network the node VMs take their addresses from (CUST-2, NET-1).\n"
            f'node_subnets: ["{NODE_SUBNET}"]\n{facts}'
        ),
    }
    if metrics:
        files["kubernetes/metrics.txt"] = build_metrics(cluster, extras.feature_gates)
        files["kubernetes/apis.json"] = build_apis(cluster, extras.apis)
    return files


def kube_items(files: dict[str, Any], plural: str) -> list[Json]:
    items: list[Json] = files[f"kubernetes/{plural}.json"]["items"]
    return items


def healthy() -> dict[str, Any]:
    return bundle(Cluster("contoso-healthy", "1.31.5"))


def deprecated_version() -> dict[str, Any]:
    # Upgraded to 1.28.14 on Azure Local 2507 in July; the host moved on to 2508, the cluster
    # did not, and 1.28 left support on 2025-08-31.
    since = at("2025-07-08T15:40:09Z")
    return bundle(
        # An old cluster also runs an old containerd (CVE-2024-40635, fixed in 1.7.27).
        Cluster(
            "contoso-deprecated",
            "1.28.14",
            nodes_since=since,
            kernel="6.6.92.2-1.azl3",
            containerd="1.7.26",
        )
    )


def disconnected_40d() -> dict[str, Any]:
    # The site lost its uplink 40 days before the evaluation date; the cluster kept running
    # and both the Arc agents and the Azure Local host went quiet.
    lost = at("2025-08-06T02:14:37.211000Z")
    cluster = Cluster("contoso-disconnected", "1.31.5")
    return bundle(
        cluster,
        arc_status="Offline",
        arc_last_seen=lost,
        host_last_sync=lost - timedelta(minutes=9),
    )


def stopped() -> dict[str, Any]:
    # `az aksarc stop` on 2025-08-01, while the host ran Azure Local 2507 and the cluster
    # 1.30.4; stopped since, it missed 2508's patches (1.30.8, 1.30.9).
    stopped_at = at("2025-08-01T18:02:13Z")
    cluster = Cluster(
        "contoso-stopped", "1.30.4", host_release="2507",
        nodes_since=at("2025-07-10T09:21:55Z"), kernel="6.6.92.2-1.azl3",
    )  # fmt: skip
    files = bundle(
        cluster,
        # The Arc agents run inside the cluster and went silent with it; the host kept syncing.
        arc_status="Offline",
        arc_last_seen=stopped_at - timedelta(minutes=1, seconds=12),
        facts=(
            "# `az aksarc stop` ran on this day; ARM records no stop date.\n"
            "stopped_since: 2025-08-01\nstopped_by: aks-arc\n"
        ),
        # The API server answered only long enough to list objects: no /metrics, no /apis.
        metrics=False,
    )
    for node in kube_items(files, "nodes"):
        mark_unreachable(node, stopped_at)
    return files


def mark_unreachable(node: Json, stopped_at: datetime) -> None:
    """What the node lifecycle controller leaves on a node whose kubelet went silent: every
    condition Unknown since the last heartbeat, and the unreachable taints."""
    heartbeat, marked = stopped_at - timedelta(seconds=23), stopped_at + timedelta(seconds=41)
    for condition in node["status"]["conditions"]:
        condition.update(
            lastHeartbeatTime=k8s_time(heartbeat),
            lastTransitionTime=k8s_time(marked),
            message="Kubelet stopped posting node status.",
            reason="NodeStatusUnknown",
            status="Unknown",
        )
    node["spec"].setdefault("taints", []).extend(
        {"effect": effect, "key": "node.kubernetes.io/unreachable", "timeAdded": k8s_time(marked)}
        for effect in ("NoSchedule", "NoExecute")
    )
    entries = node["metadata"]["managedFields"]
    for entry in entries:
        if entry["manager"] == "kubelet" and entry.get("subresource") == "status":
            entry["time"] = k8s_time(heartbeat)
        if entry["manager"] == "kubeadm":
            # Taints are an atomic list: the controller's update takes the whole list over.
            entry["fieldsV1"].pop("f:spec", None)
    keys = ("lastHeartbeatTime", "lastTransitionTime", "message", "reason", "status")
    paths = [f'f:status.f:conditions.k:{{"type":"{c}"}}.f:{k}' for c in CONDITIONS for k in keys]
    entries.append(managed("kube-controller-manager", marked, fields(*paths), "status"))
    entries.append(managed("kube-controller-manager", marked, fields("f:spec.f:taints")))


def changed_system_labels() -> dict[str, Any]:
    files = bundle(Cluster("contoso-labels", "1.31.5"))
    node = next(n for n in kube_items(files, "nodes") if n["metadata"]["labels"].get("workload"))
    # On 2025-09-02 someone ran, against the app node:
    #   kubectl label node <node> kubernetes.io/os=windows --overwrite   (a system key)
    #   kubectl label node <node> team=payments                          (their own key: fine)
    # kubectl-label's Update takes the system key over from the kubelet.
    node["metadata"]["labels"].update({"kubernetes.io/os": "windows", "team": "payments"})
    entries = node["metadata"]["managedFields"]
    kubelet = next(e for e in entries if e["manager"] == "kubelet" and "subresource" not in e)
    del kubelet["fieldsV1"]["f:metadata"]["f:labels"]["f:kubernetes.io/os"]
    labelled = fields("f:metadata.f:labels.f:kubernetes.io/os", "f:metadata.f:labels.f:team")
    entries.append(managed("kubectl-label", at("2025-09-02T16:47:05Z"), labelled))
    return files


def istio_custom_cni() -> dict[str, Any]:
    cluster = Cluster("contoso-mesh", "1.31.5", cni="cilium")
    installed = cluster.created + timedelta(days=9, hours=1)
    helm = {"app.kubernetes.io/managed-by": "Helm"}
    cilium = helm | {"app.kubernetes.io/part-of": "cilium"}
    cilium_release = {
        "meta.helm.sh/release-name": "cilium",
        "meta.helm.sh/release-namespace": "kube-system",
    }
    istiod_release = {
        "meta.helm.sh/release-name": "istiod",
        "meta.helm.sh/release-namespace": "istio-system",
    }
    agent = f"quay.io/cilium/cilium:{CILIUM}"
    caps = ["CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_MODULE", "SYS_ADMIN",
            "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]  # fmt: skip
    agent_security = {"capabilities": {"add": caps, "drop": ["ALL"]}}
    mount_cgroup = ["sh", "-ec", "cp /usr/bin/cilium-mount /hostbin/cilium-mount"]
    mount_bpf = [
        "/bin/bash",
        "-c",
        'mount | grep "/sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf',
    ]
    extra = [
        # Cilium, installed from its Helm chart into kube-system once Calico was removed.
        Workload(
            "DaemonSet", "kube-system", "cilium", {"k8s-app": "cilium"},
            [container("cilium-agent", agent, "--config-dir=/tmp/cilium/config-map",
                       command="cilium-agent", cpu="100m", memory="128Mi",
                       security=agent_security)],
            init_containers=[
                container("config", agent, command="cilium-dbg build-config"),
                container("mount-cgroup", agent, command=mount_cgroup,
                          security={"capabilities": {"add": ["SYS_ADMIN", "SYS_CHROOT"]}}),
                container("mount-bpf-fs", agent, command=mount_bpf, security=PRIVILEGED),
                container("install-cni-binaries", agent, command="/install-plugin.sh"),
            ],
            placement="all", extra_labels=cilium, annotations=dict(cilium_release),
            created=installed,
            pod_spec=HOST_NETWORK | NODE_CRITICAL | EVERYWHERE
            | host_paths(bpf_maps="/sys/fs/bpf", etc_cni_netd="/etc/cni/net.d"),
        ),
        Workload(
            "DaemonSet", "kube-system", "cilium-envoy", {"k8s-app": "cilium-envoy"},
            [container("cilium-envoy", "quay.io/cilium/cilium-envoy:v1.30.7",
                       command="/usr/bin/cilium-envoy-starter")],
            placement="all", extra_labels=cilium, annotations=dict(cilium_release),
            created=installed,
            pod_spec=HOST_NETWORK | NODE_CRITICAL | EVERYWHERE,
        ),
        Workload(
            "Deployment", "kube-system", "cilium-operator",
            {"io.cilium/app": "operator", "name": "cilium-operator"},
            [container("cilium-operator", f"quay.io/cilium/operator-generic:{CILIUM}",
                       "--config-dir=/tmp/cilium/config-map", command="cilium-operator-generic")],
            extra_labels=cilium, annotations=dict(cilium_release), created=installed,
            pod_spec=HOST_NETWORK | CLUSTER_CRITICAL,
        ),
        # Istio's control plane, from the istio/istiod Helm chart.
        Workload(
            "Deployment", "istio-system", "istiod", {"app": "istiod", "istio": "pilot"},
            [container("discovery", f"docker.io/istio/pilot:{ISTIO}",
                       "discovery --monitoringAddr=:15014 --log_output_level=default:info"
                       " --domain cluster.local --keepaliveMaxServerConnectionAge 30m",
                       ports=(8080, 15010, 15017), cpu="500m", memory="2048Mi")],
            extra_labels=helm | {"helm.sh/chart": f"istiod-{ISTIO}", "istio.io/rev": "default"},
            annotations=dict(istiod_release), created=installed + timedelta(days=1),
            pod_annotations={"prometheus.io/port": "15014", "prometheus.io/scrape": "true",
                             "sidecar.istio.io/inject": "false"},
        ),
    ]  # fmt: skip
    files = bundle(
        cluster,
        extras=Extras(
            workloads=extra,
            namespaces={"istio-system": {}},
            apis="cilium.io:v2,v2alpha1 networking.istio.io:v1,v1beta1,v1alpha3"
            " security.istio.io:v1,v1beta1 telemetry.istio.io:v1,v1alpha1"
            " extensions.istio.io:v1alpha1",
        ),
    )
    for namespace in kube_items(files, "namespaces"):
        if namespace["metadata"]["name"] == "retail":  # opted in to sidecar injection
            namespace["metadata"]["labels"]["istio-injection"] = "enabled"
    pilot = {"app": "istiod", "istio": "pilot"}
    kube_items(files, "services").append(
        service(cluster, "istio-system", "istiod", "10.108.23.175",
                "grpc-xds:15010 https-dns:15012 https-webhook:443 http-monitoring:15014",
                pilot, pilot | helm, installed + timedelta(days=1))
    )  # fmt: skip
    for pod in kube_items(files, "pods"):
        if pod["metadata"]["namespace"] == "retail":
            inject_sidecar(pod)
    return files


def inject_sidecar(pod: Json) -> None:
    """What Istio's injection webhook adds to a pod created in an injected namespace."""
    image = f"docker.io/istio/proxyv2:{ISTIO}"
    app = pod["metadata"]["labels"]["app"]
    pod["metadata"]["labels"].update(
        {
            "security.istio.io/tlsMode": "istio",
            "service.istio.io/canonical-name": app,
            "service.istio.io/canonical-revision": "latest",
        }
    )
    volumes = ("workload-socket credential-socket workload-certs istio-envoy istio-data"
               " istio-podinfo istio-token istiod-ca-cert")  # fmt: skip
    injected = {
        "initContainers": ["istio-init"],
        "containers": ["istio-proxy"],
        "volumes": volumes.split(),
        "imagePullSecrets": None,
        "revision": "default",
    }
    pod["metadata"]["annotations"] = {
        "istio.io/rev": "default",
        "kubectl.kubernetes.io/default-container": pod["spec"]["containers"][0]["name"],
        "sidecar.istio.io/status": json.dumps(injected, separators=(",", ":")),
    }
    # `-x ""`: no outbound ranges excluded.
    iptables = ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT",
                "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020",
                "--log_output_level=default:info"]  # fmt: skip
    root = {"runAsGroup": 0, "runAsNonRoot": False, "runAsUser": 0}
    caps = {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}}
    proxy = ("proxy sidecar --domain $(POD_NAMESPACE).svc.cluster.local --proxyLogLevel=warning"
             " --proxyComponentLogLevel=misc:error --log_output_level=default:info")  # fmt: skip
    user = {"runAsGroup": 1337, "runAsNonRoot": True, "runAsUser": 1337}
    spec = pod["spec"]
    spec["initContainers"] = [container("istio-init", image, iptables, security=caps | root)]
    spec["containers"].append(
        container(
            "istio-proxy", image, proxy, ports=(15090,), cpu="100m", memory="128Mi", security=user
        )
    )
    statuses = pod["status"]["containerStatuses"]
    statuses.append({**copy.deepcopy(statuses[0]), "image": image, "name": "istio-proxy"})
    statuses.sort(key=lambda status: status["name"])


def alpha_gates() -> dict[str, Any]:
    # InPlacePodVerticalScaling is alpha in 1.30 (beta from 1.33); someone turned it on in the
    # API server's static Pod manifest.
    cluster = Cluster("contoso-alpha", "1.30.9", nodes_since=at("2025-08-21T08:55:02Z"))
    return bundle(cluster, extras=Extras(feature_gates=("InPlacePodVerticalScaling",)))


def empty() -> dict[str, Any]:
    # A bundle reduced to its manifest: its kubernetes/ and azure/ folders were left out when
    # it was packed to be shared. Nothing in it says which version the cluster runs or whether
    # it is AKS Arc at all.
    cluster = Cluster("contoso-empty", "1.31.5")
    return {
        "manifest.json": {
            "format": "arcsupport-bundle/v1",
            "collected_at": k8s_time(cluster.collected),
            "cluster": {"name": cluster.name, "resource_id": cluster.resource_id},
        }
    }


# k3s v1.31.5+k3s1 (released January 2025) on Ubuntu 22.04: what its nodes report.
K3S_VERSION = "1.31.5+k3s1"
K3S_NODES = ("lab-k3s-server-1", "lab-k3s-agent-1", "lab-k3s-agent-2")


def k3s() -> dict[str, Any]:
    # A k3s lab cluster someone connected to Azure Arc by hand (`az connectedk8s connect
    # --distribution k3s`): Arc-enabled Kubernetes, but not AKS Arc, so the AKS Arc policy has
    # nothing to say about it. The kind NodeList and /version, and the newest connectedClusters
    # example (no `kind`), in the shapes k3s and the az CLI give them.
    names = Names("contoso-k3s")
    templates = reference_json("sonobuoy-core_v1_nodes.json")["items"]
    created = at("2025-02-03T09:41:12Z")
    collected = COLLECTED_AT
    nodes = []
    for index, name in enumerate(K3S_NODES):
        server = index == 0
        item = copy.deepcopy(templates[0 if server else 2])  # kind-control-plane, kind-worker2
        ip = f"192.168.50.{11 + index}"
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": "k3s",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "k3s",
        }
        if server:
            labels |= {
                "node-role.kubernetes.io/control-plane": "true",
                "node-role.kubernetes.io/master": "true",
            }
        joined = created + timedelta(minutes=4 * index) + names.seconds(5, 50)
        item["metadata"] = {
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": ip,
                "flannel.alpha.coreos.com/backend-type": "vxlan",
                "flannel.alpha.coreos.com/public-ip": ip,
                "k3s.io/hostname": name,
                "k3s.io/internal-ip": ip,
                "k3s.io/node-args": json.dumps(["server" if server else "agent"]),
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": k8s_time(joined),
            "labels": labels,
            "name": name,
            "resourceVersion": names.resource_version(),
            "uid": names.uid(),
        }
        cidr = f"10.42.{index}.0/24"
        item["spec"] = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"k3s://{name}"}
        status = item["status"]
        status["addresses"] = [
            {"address": ip, "type": "InternalIP"},
            {"address": name, "type": "Hostname"},
        ]
        heartbeat = collected - names.seconds(20, 280)
        for condition in status["conditions"]:
            condition.update(
                lastHeartbeatTime=k8s_time(heartbeat),
                lastTransitionTime=k8s_time(joined + timedelta(seconds=30)),
            )
        status["nodeInfo"].update(
            bootID=names.uid(),
            containerRuntimeVersion="containerd://1.7.23-k3s2",
            kernelVersion="5.15.0-131-generic",
            kubeProxyVersion=f"v{K3S_VERSION}",
            kubeletVersion=f"v{K3S_VERSION}",
            machineID=names.hex(32),
            osImage="Ubuntu 22.04.5 LTS",
            systemUUID=names.uid(),
        )
        nodes.append(item)

    version = reference_json("sonobuoy-serverversion.json")
    version.update(
        minor="31",
        gitVersion=f"v{K3S_VERSION}",
        gitCommit=hashlib.sha1(K3S_VERSION.encode()).hexdigest(),
        buildDate="2025-01-18T00:15:08Z",
        goVersion="go1.22.10",
    )

    resource_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-lab/providers/"
        "Microsoft.Kubernetes/connectedClusters/contoso-k3s"
    )
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected.update(id=resource_id, name="contoso-k3s", location=LOCATION)
    assert "kind" not in connected  # a plain Arc-connected cluster has none
    last_seen = collected - timedelta(minutes=2, seconds=17)
    connected["properties"].update(
        agentVersion=ARC_AGENTS,
        kubernetesVersion=K3S_VERSION,
        distribution="k3s",
        distributionVersion=None,
        infrastructure="generic",
        totalNodeCount=len(nodes),
        totalCoreCount=2 * len(nodes),
        connectivityStatus="Connected",
        lastConnectivityTime=cli_time(last_seen),
    )
    connected["properties"]["arcAgentProfile"].update(
        agentState="Succeeded", agentErrors=[], desiredAgentVersion=ARC_AGENTS, systemComponents=[]
    )
    connected["systemData"].update(
        createdAt=arm_time(created + timedelta(hours=2)),
        lastModifiedAt=arm_time(last_seen - timedelta(hours=3)),
    )
    return {
        "manifest.json": {
            "format": "arcsupport-bundle/v1",
            "collected_at": k8s_time(collected),
            "cluster": {"name": "contoso-k3s", "resource_id": resource_id},
        },
        "kubernetes/version.json": version,
        "kubernetes/nodes.json": kube_list(nodes),
        "azure/connected-cluster.json": connected,
    }


def windows_server_2019() -> dict[str, Any]:
    # AKS Arc deployed straight on a Windows Server 2019 host (the architecture before Azure
    # Local), kept current on 1.31.10, collected in April 2026: the month after Windows Server
    # 2019 hosts were retired (SVP-3). Nothing in Azure describes such a host, so the bundle
    # holds the cluster's own lists and the host declared in facts.yaml.
    cluster = Cluster(
        "contoso-ws2019", "1.31.10", nodes_since=at("2025-11-04T10:17:33Z"),
        collected=at("2026-04-14T08:12:47Z"),
    )  # fmt: skip
    files = bundle(cluster)
    for name in list(files):
        if name.startswith("azure/"):
            del files[name]
    files["facts.yaml"] = (
        "# Declared by the operator: nothing in the collected payloads records these.\n"
        "# AKS Arc runs straight on a Windows Server 2019 host, not on Azure Local.\n"
        'host_platform:\n  kind: windows-server\n  version: "2019"\n'
        "# The subnet the node VMs take their addresses from (CUST-2, NET-1).\n"
        f'node_subnets: ["{NODE_SUBNET}"]\n'
    )
    return files


def dumped_deprecated_version() -> dict[str, Any]:
    # What `kubectl cluster-info dump` gives of the deprecated-version cluster: its nodes and,
    # per namespace, its pods, workloads and services; no /version, no Azure data, no facts.
    # The bundle is served to the real kubectl (write_dump below), which writes the dump.
    return deprecated_version()


EXAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "healthy": healthy,
    "deprecated-version": deprecated_version,
    "disconnected-40d": disconnected_40d,
    "stopped": stopped,
    "changed-system-labels": changed_system_labels,
    "istio-custom-cni": istio_custom_cni,
    "alpha-gates": alpha_gates,
    "empty": empty,
    "k3s": k3s,
    "windows-server-2019": windows_server_2019,
}
# Written by the real kubectl from the bundle the function builds, served by the loopback API
# server of the tests (tests/kube_emulator.py), as tests/data/dumps/regenerate.py does.
DUMPS: dict[str, Callable[[], dict[str, Any]]] = {
    "cluster-info-dump": dumped_deprecated_version,
}


# --------------------------------------------------------------------------------------------
# Writing


def render(name: str, content: Any) -> bytes:
    if isinstance(content, str):
        return content.encode()
    entries = next((key for key in ("items", "groups") if key in content), None)
    if name.startswith("kubernetes/") and entries is not None:
        # kubectl's List with kubectl's sorted keys, but one object per line: indented the way
        # kubectl indents, tens of pods alone pass 200 KB. Still JSON (`jq .` pretty-prints
        # it), and a diff shows which objects changed.
        def line(value: Any) -> str:
            return json.dumps(value, sort_keys=True, separators=(",", ":"))

        head = line({key: value for key, value in content.items() if key != entries})[1:-1]
        body = ",\n".join(line(item) for item in content[entries])
        return f'{{{head},"{entries}":[\n{body}\n]}}\n'.encode()
    if name.startswith("kubernetes/"):
        return (json.dumps(content, indent=4, sort_keys=True) + "\n").encode()
    # az prints 2-space indented JSON; the REST examples' key order is kept.
    return (json.dumps(content, indent=2) + "\n").encode()


def write_files(target: Path, files: dict[str, Any]) -> None:
    if target.exists():
        shutil.rmtree(target)
    for relative, content in sorted(files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(relative, content))


def write_dump(target: Path, files: dict[str, Any], kubectl: str) -> None:
    """`kubectl cluster-info dump --all-namespaces --output-directory TARGET` against the
    loopback API server serving the bundle `files`; KUBECTL_VERSION names the kubectl that
    wrote it (another release may write other bytes)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from kube_emulator import from_bundle, write_kubeconfig

    with tempfile.TemporaryDirectory(prefix="arcsupport-dump-") as scratch:
        bundle_folder = Path(scratch) / "bundle"
        write_files(bundle_folder, files)
        home = Path(scratch) / "home"
        home.mkdir()
        if target.exists():
            shutil.rmtree(target)
        with from_bundle(bundle_folder) as emulator:
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(home),
                "KUBECONFIG": str(write_kubeconfig(home / "kubeconfig", emulator.url)),
            }
            command = [kubectl, "cluster-info", "dump", "--all-namespaces"]
            # kubectl says where it wrote on stdout.
            subprocess.run(
                [*command, "--output-directory", str(target)],
                env=env, stdout=subprocess.DEVNULL, check=True,
            )  # fmt: skip
            client = subprocess.run(
                [kubectl, "version", "--client", "-o", "json"],
                env=env, capture_output=True, check=True, text=True,
            )  # fmt: skip
    version = json.loads(client.stdout)["clientVersion"]["gitVersion"]
    (target / "KUBECTL_VERSION").write_text(version + "\n")


def write(out: Path, names: list[str], kubectl: str | None) -> None:
    for name in names:
        if name in DUMPS:
            if kubectl is None:
                sys.exit(f"build.py: {name} is written by kubectl, which is not on PATH")
            write_dump(out / name, DUMPS[name](), kubectl)
        else:
            write_files(out / name, EXAMPLES[name]())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the bundles")
    parser.add_argument(
        "--kubectl", default=shutil.which("kubectl"), help="the kubectl that writes the dumps"
    )
    every = [*EXAMPLES, *DUMPS]
    parser.add_argument("names", nargs="*", help=f"examples to build: {', '.join(every)}")
    args = parser.parse_args()
    unknown = [name for name in args.names if name not in every]
    if unknown:
        parser.error(f"unknown example(s): {', '.join(unknown)}")
    write(args.out, args.names or every, args.kubectl)


if __name__ == "__main__":
    main()
