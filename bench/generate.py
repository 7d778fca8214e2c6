"""Generate a synthetic arcsupport bundle of any size, deterministically from a seed.

    python bench/generate.py OUT --nodes 5000 --pods 150000 [--seed 1] [--indent]

The bundle follows the layout of DESIGN.md ("Inputs"): manifest.json, kubernetes/*.json as
`kubectl get <plural> -A -o json` prints them, kubernetes/metrics.txt and apis.json, azure/*.json
(provisioned cluster, agent pools, versions, VM sizes, connected cluster, Azure Local cluster,
subscription) and facts.yaml, so that nearly every rule has the facts it needs.

Objects are shaped like real API server output (managedFields with fieldsV1, env, probes,
resources, projected service-account volumes, full status, 25 images per node), because the
benchmark compares against parsing *all* of that: a skinnier generator would flatter the
baseline's memory and the typed decoder's skipping alike. The cluster is mostly healthy, with
the irregularities a real fleet of this size has (a few NotReady nodes, Helm-managed apps,
privileged monitoring DaemonSets), so rules take their finding paths too.

Big lists are streamed to disk one item at a time (encoded with orjson), so generating
150,000 pods needs memory for the workload plan only, not for the pods.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import IO, Any

import orjson

# Bump when the output changes for the same parameters: bench/run.py keys its cache on it.
GENERATOR_VERSION = 1

Json = dict[str, Any]

CLUSTER = "contoso-aks-01"
SUBSCRIPTION = "5f1c2b3a-7d4e-4c1b-9a8f-0e2d3c4b5a69"
RESOURCE_GROUP = "rg-aksarc-prod"
CUSTOM_LOCATION = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/"
    "Microsoft.ExtendedLocation/customLocations/cl-azlocal-01"
)
CONNECTED_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/"
    f"Microsoft.Kubernetes/connectedClusters/{CLUSTER}"
)
PROVISIONED_ID = (
    f"{CONNECTED_ID}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default"
)
# A supported version on the reference evaluation date (2025-09-15): offered by Azure Local
# 2508/2509 (policy pack calendar.yaml).
K8S_VERSION = "1.31.5"
AZURE_LOCAL_VERSION = "12.2509.1001.22"
COLLECTED_AT = datetime(2025, 9, 14, 8, 0, 0, tzinfo=UTC)
OS_IMAGE = "Microsoft Azure Linux 3.0"
KERNEL = "6.6.85.1-2.azl3"
CONTAINERD = "containerd://1.7.20"
MCR = "mcr.microsoft.com"

# (vmSize, vCPU, memory MiB): AKS Arc sizes (az aksarc vmsize list).
VM_SIZES: dict[str, tuple[int, int]] = {
    "Standard_A4_v2": (4, 8192),
    "Standard_D4s_v3": (4, 16384),
    "Standard_D8s_v3": (8, 32768),
    "Standard_D16s_v3": (16, 65536),
    "Standard_K8S3_v1": (4, 6144),
    "Standard_NK6": (6, 12288),
}
POOL_SIZES = ("Standard_D8s_v3", "Standard_D4s_v3", "Standard_D16s_v3", "Standard_A4_v2")
POOL_NAMES = (
    "general", "compute", "memory", "batch", "frontend", "backend", "data", "ingress",
    "analytics", "payments", "search", "media", "workers", "jobs", "cache", "stream",
)  # fmt: skip

WORDS = (
    "alpha", "amber", "atlas", "birch", "cedar", "cobalt", "coral", "delta", "ember", "falcon",
    "fern", "garnet", "harbor", "indigo", "juniper", "kestrel", "lumen", "maple", "nova", "onyx",
    "orbit", "pine", "quartz", "raven", "sable", "sierra", "summit", "tango", "umber", "vega",
    "willow", "zephyr", "aurora", "basalt", "comet", "dune", "echo", "flint", "glacier", "helix",
)  # fmt: skip
ROLES = (
    "api", "web", "worker", "gateway", "scheduler", "indexer", "cache", "auth", "billing",
    "catalog", "cart", "checkout", "notifier", "search", "reports", "ingest", "export", "sync",
)  # fmt: skip
TEAMS = (
    "payments", "identity", "retail", "logistics", "media", "platform", "data", "ml", "risk",
    "support", "growth", "ads", "maps", "mail", "chat", "docs", "billing", "telemetry",
)  # fmt: skip
GITOPS_MANAGERS = ("kubectl-client-side-apply", "argocd-controller", "kustomize-controller")
REGISTRIES = ("contoso.azurecr.io", "docker.io/library", "ghcr.io/contoso", "quay.io/contoso")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of generated Kubernetes names
_HEX = "0123456789abcdef"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Pool:
    name: str
    vm_size: str
    label: str  # msft.microsoft/nodepool-name: <cluster>-<random>-<pool>
    nodes: list[int] = field(default_factory=list)


@dataclass
class NodePlan:
    name: str
    ip: str
    pool: Pool | None  # None: control plane
    ready: bool
    created: datetime


@dataclass
class WorkloadPlan:
    kind: str  # DaemonSet, Deployment, StatefulSet, or "Static" for mirror pods
    namespace: str
    name: str
    uid: str
    labels: dict[str, str]
    annotations: dict[str, str]
    pod_spec: Json  # the template spec; per-pod fields are added when a pod is written
    selector: dict[str, str]
    replicas: int = 0
    nodes: list[int] = field(default_factory=list)  # DaemonSet: the nodes it runs on
    owner_uid: str = ""  # the ReplicaSet of a Deployment
    hash: str = ""  # pod-template-hash / controller-revision-hash
    created: datetime = COLLECTED_AT
    helm: bool = False
    manager: str = ""  # the field manager that wrote the spec (helm, kubeadm, a GitOps tool...)


class Gen:
    """All randomness flows through one Random, in a fixed order: same seed, same bytes."""

    def __init__(self, seed: int) -> None:
        self.rng = Random(seed)

    def uid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def name_suffix(self, k: int) -> str:
        return "".join(self.rng.choices(_NAME_CHARS, k=k))

    def hexstr(self, k: int) -> str:
        return "".join(self.rng.choices(_HEX, k=k))

    def moc_name(self) -> str:
        return "moc-" + "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=11))

    def past(self, max_days: int, min_days: int = 0) -> datetime:
        seconds = self.rng.randrange(min_days * 86400, max_days * 86400 + 1)
        return COLLECTED_AT - timedelta(seconds=seconds)


# --------------------------------------------------------------------------- field builders


def fields_keys(*names: str) -> Json:
    """fieldsV1 for a set of plain keys: {"f:a": {}, "f:b": {}}."""
    return {f"f:{name}": {} for name in names}


def fields_map(keys: list[str]) -> Json:
    out: Json = {".": {}}
    out.update(fields_keys(*keys))
    return out


def managed(manager: str, when: datetime, fields: Json, subresource: str = "") -> Json:
    entry: Json = {
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": "Update",
        "time": iso(when),
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def container_fields(container: Json) -> Json:
    """The fieldsV1 a controller writes for one container, key for key."""
    out: Json = {
        ".": {},
        "f:image": {},
        "f:imagePullPolicy": {},
        "f:name": {},
        "f:resources": {
            ".": {},
            "f:limits": fields_map(list(container["resources"]["limits"])),
            "f:requests": fields_map(list(container["resources"]["requests"])),
        },
        "f:terminationMessagePath": {},
        "f:terminationMessagePolicy": {},
    }
    if container.get("args"):
        out["f:args"] = {}
    if container.get("command"):
        out["f:command"] = {}
    if container.get("env"):
        env: Json = {".": {}}
        for item in container["env"]:
            key = 'k:{"name":"' + item["name"] + '"}'
            env[key] = {".": {}, "f:name": {}, "f:value" if "value" in item else "f:valueFrom": {}}
        out["f:env"] = env
    if container.get("ports"):
        ports: Json = {".": {}}
        for port in container["ports"]:
            key = 'k:{"containerPort":' + str(port["containerPort"]) + ',"protocol":"TCP"}'
            ports[key] = {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}
        out["f:ports"] = ports
    for probe in ("livenessProbe", "readinessProbe"):
        if probe in container:
            out[f"f:{probe}"] = {
                ".": {},
                "f:failureThreshold": {},
                "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
                "f:initialDelaySeconds": {},
                "f:periodSeconds": {},
                "f:successThreshold": {},
                "f:timeoutSeconds": {},
            }
    if container.get("securityContext"):
        out["f:securityContext"] = fields_map(list(container["securityContext"]))
    if container.get("volumeMounts"):
        mounts: Json = {".": {}}
        for mount in container["volumeMounts"]:
            if mount["name"].startswith("kube-api-access"):
                continue  # added by the admission plugin, not by the controller
            key = 'k:{"mountPath":"' + mount["mountPath"] + '"}'
            mounts[key] = {".": {}, "f:mountPath": {}, "f:name": {}, "f:readOnly": {}}
        out["f:volumeMounts"] = mounts
    return out


def pod_spec_fields(spec: Json) -> Json:
    containers: Json = {}
    for container in spec["containers"]:
        containers['k:{"name":"' + container["name"] + '"}'] = container_fields(container)
    volumes: Json = {".": {}}
    for volume in spec.get("volumes", []):
        if volume["name"].startswith("kube-api-access"):
            continue
        volumes['k:{"name":"' + volume["name"] + '"}'] = {".": {}, "f:name": {}}
    return {
        "f:containers": containers,
        "f:dnsPolicy": {},
        "f:enableServiceLinks": {},
        "f:restartPolicy": {},
        "f:schedulerName": {},
        "f:securityContext": {},
        "f:serviceAccount": {},
        "f:serviceAccountName": {},
        "f:terminationGracePeriodSeconds": {},
        "f:volumes": volumes,
    }


def probe(path: str, port: int, delay: int) -> Json:
    return {
        "failureThreshold": 3,
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 1,
    }


def env_list(g: Gen, count: int) -> list[Json]:
    env: list[Json] = [
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},  # noqa: E501
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},  # noqa: E501
    ]  # fmt: skip
    keys = ("LOG_LEVEL", "HTTP_PORT", "CACHE_TTL", "FEATURE_FLAGS", "OTEL_EXPORTER_OTLP_ENDPOINT",
            "DB_HOST", "DB_POOL_SIZE", "REGION", "TIMEOUT_MS", "RETRIES", "QUEUE_URL",
            "TRACE_SAMPLE_RATE", "MAX_BODY_BYTES", "GOMAXPROCS", "JAVA_OPTS")  # fmt: skip
    for key in g.rng.sample(keys, min(count, len(keys))):
        if key == "DB_HOST":
            env.append(
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"key": "password", "name": "db-credentials"}},
                }
            )
        env.append({"name": key, "value": f"{key.lower()}-{g.name_suffix(6)}"})
    return env


def app_container(g: Gen, name: str, image: str, port: int, with_probes: bool) -> Json:
    cpu = g.rng.choice((50, 100, 250, 500, 1000))
    mem = g.rng.choice((64, 128, 256, 512, 1024, 2048))
    container: Json = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--port={port}", "--log-format=json", f"--shard={g.rng.randrange(64)}"],
        "env": env_list(g, g.rng.randrange(4, 14)),
        "ports": [{"containerPort": port, "name": "http", "protocol": "TCP"}],
        "resources": {
            "limits": {"cpu": f"{cpu * 2}m", "memory": f"{mem * 2}Mi"},
            "requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/etc/app", "name": "config", "readOnly": True},
            {"mountPath": "/tmp", "name": "tmp"},
        ],
    }
    if with_probes:
        container["livenessProbe"] = probe("/healthz", port, 15)
        container["readinessProbe"] = probe("/ready", port, 5)
    return container


def sidecar(g: Gen, kind: str) -> Json:
    image, port = {
        "config-reloader": ("ghcr.io/contoso/config-reloader:v0.12.0", 9533),
        "metrics-exporter": ("quay.io/contoso/metrics-exporter:v1.8.2", 9100),
        "log-shipper": ("docker.io/library/fluent-bit:3.1.9", 2020),
    }[kind]
    return app_container(g, kind, image, port, with_probes=kind != "config-reloader")


def api_access_volume(suffix: str) -> Json:
    return {
        "name": f"kube-api-access-{suffix}",
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        "name": "kube-root-ca.crt",
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }


def pod_spec(
    containers: list[Json],
    volumes: list[Json],
    service_account: str = "default",
    **extra: Any,
) -> Json:
    spec: Json = {
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 2000},
        "serviceAccount": service_account,
        "serviceAccountName": service_account,
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},  # noqa: E501
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},  # noqa: E501
        ],
        "volumes": volumes,
    }  # fmt: skip
    spec.update(extra)
    return spec


# --------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    nodes: list[NodePlan]
    pools: list[Pool]
    control_plane: list[int]
    namespaces: list[str]
    workloads: list[WorkloadPlan]
    services: list[WorkloadPlan]  # one Service per selected workload
    system_images: list[tuple[str, int]]  # (image, size) pulled on every node
    app_images: list[tuple[str, int]]  # (image, size): each node has pulled some of them
    image_ids: dict[str, str]


def _unique(g: Gen, taken: set[str], make: Callable[[], str]) -> str:
    while True:
        value = make()
        if value not in taken:
            taken.add(value)
            return value


def plan_nodes(g: Gen, count: int) -> tuple[list[NodePlan], list[Pool], list[int]]:
    control = 3 if count >= 10 else 1
    workers = count - control
    pool_count = max(1, min(len(POOL_NAMES), workers // 400)) if workers else 0
    pools = [
        Pool(
            name=POOL_NAMES[i],
            vm_size=POOL_SIZES[i % len(POOL_SIZES)],
            label=f"{CLUSTER}-{g.name_suffix(5)}-{POOL_NAMES[i]}",
        )
        for i in range(pool_count)
    ]
    taken: set[str] = set()
    nodes: list[NodePlan] = []
    for index in range(count):
        pool = None if index < control else pools[(index - control) % pool_count]
        name = _unique(g, taken, g.moc_name)
        ip = f"172.16.{index // 250}.{index % 250 + 4}"
        # About one node in a thousand is NotReady, as in any fleet this size.
        ready = g.rng.random() >= 0.001 or pool is None
        nodes.append(NodePlan(name, ip, pool, ready, g.past(200, 20)))
        if pool is not None:
            pool.nodes.append(index)
    return nodes, pools, list(range(control))


def system_image(path: str, tag: str) -> str:
    return f"{MCR}/{path}:{tag}"


KUBE_PROXY = system_image("oss/kubernetes/kube-proxy", f"v{K8S_VERSION}")
CALICO_NODE = system_image("oss/calico/node", "v3.28.2")
CALICO_CNI = system_image("oss/calico/cni", "v3.28.2")
CALICO_CONTROLLERS = system_image("oss/calico/kube-controllers", "v3.28.2")
COREDNS = system_image("oss/kubernetes/coredns", "v1.11.3-2")
CSI_DRIVER = system_image("aks/hybrid/csi-akshcicsi", "v1.4.2")
CSI_REGISTRAR = system_image("oss/kubernetes-csi/csi-node-driver-registrar", "v2.11.1")
CSI_PROVISIONER = system_image("oss/kubernetes-csi/csi-provisioner", "v5.0.2")
CCM = system_image("aks/hybrid/moc-cloud-controller-manager", "v1.31.1")
CERT_MGR = system_image("aks/hybrid/certificate-controller-manager", "v0.9.4")
TELEMETRY = system_image("aks/hybrid/akshci-telemetry", "v1.2.7")
CONTROL_PLANE_IMAGES = {
    "kube-apiserver": system_image("oss/kubernetes/kube-apiserver", f"v{K8S_VERSION}"),
    "kube-controller-manager": system_image(
        "oss/kubernetes/kube-controller-manager", f"v{K8S_VERSION}"
    ),
    "kube-scheduler": system_image("oss/kubernetes/kube-scheduler", f"v{K8S_VERSION}"),
    "etcd": system_image("oss/etcd-io/etcd", "v3.5.15"),
}
ARC_AGENTS = (
    "clusterconnect-agent", "clusteridentityoperator", "config-agent", "controller-manager",
    "cluster-metadata-operator", "extension-manager", "flux-logs-agent", "kube-aad-proxy",
    "metrics-agent", "resource-sync-agent",
)  # fmt: skip


def system_container(
    g: Gen, name: str, image: str, *, args: list[str] | None = None, privileged: bool = False
) -> Json:
    container: Json = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {
            "limits": {"memory": "256Mi"},
            "requests": {"cpu": "50m", "memory": "64Mi"},
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "env": env_list(g, 2),
        "volumeMounts": [{"mountPath": "/var/lib/kubelet", "name": "kubelet-dir"}],
        "livenessProbe": probe("/healthz", 10256, 10),
    }
    if args:
        container["args"] = args
    if privileged:
        container["securityContext"] = {"privileged": True}
    return container


def host_volume(name: str, path: str) -> Json:
    return {"hostPath": {"path": path, "type": ""}, "name": name}


def plan(g: Gen, node_count: int, pod_count: int) -> Plan:
    nodes, pools, control = plan_nodes(g, node_count)
    workers = [i for i, node in enumerate(nodes) if node.pool is not None] or list(
        range(node_count)
    )
    all_nodes = list(range(node_count))
    workloads: list[WorkloadPlan] = []
    taken_names: set[str] = set()

    def workload(kind: str, namespace: str, name: str, spec: Json, **kw: Any) -> WorkloadPlan:
        app = kw.pop("app", name)
        labels = {"app": app, **kw.pop("labels", {})}
        helm = bool(kw.pop("helm", False))
        annotations: dict[str, str] = {}
        if kind == "Deployment":
            annotations["deployment.kubernetes.io/revision"] = str(g.rng.randrange(1, 40))
        if helm:
            release = kw.pop("release", name.rsplit("-", 1)[0])
            labels |= {
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/instance": release,
                "app.kubernetes.io/name": app,
                "helm.sh/chart": f"{app}-{g.rng.randrange(1, 9)}.{g.rng.randrange(20)}.0",
            }
            annotations |= {
                "meta.helm.sh/release-name": release,
                "meta.helm.sh/release-namespace": namespace,
            }
        plan_ = WorkloadPlan(
            kind=kind,
            namespace=namespace,
            name=name,
            uid=g.uid(),
            labels=labels,
            annotations=annotations,
            pod_spec=spec,
            selector={"app": app},
            owner_uid=g.uid(),
            hash=g.name_suffix(10 if kind == "Deployment" else 9),
            created=g.past(400, 30),
            helm=helm,
            **kw,
        )
        workloads.append(plan_)
        taken_names.add(f"{namespace}/{name}")
        return plan_

    # ---- kube-system: the vendor-managed components (MGD-3) and the mirror pods.
    kubelet_vol = [host_volume("kubelet-dir", "/var/lib/kubelet")]
    for index in control:
        node = nodes[index]
        for component, image in CONTROL_PLANE_IMAGES.items():
            command = [component]
            if component == "kube-apiserver":
                command += [
                    f"--advertise-address={node.ip}",
                    "--allow-privileged=true",
                    "--authorization-mode=Node,RBAC",
                    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                    "--enable-admission-plugins=NodeRestriction",
                    "--enable-bootstrap-token-auth=true",
                    "--etcd-servers=https://127.0.0.1:2379",
                    "--feature-gates=RotateKubeletServerCertificate=true",
                    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                    "--secure-port=6443",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    "--service-cluster-ip-range=10.96.0.0/12",
                    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                    "--tls-min-version=VersionTLS12",
                ]
            container = system_container(g, component, image)
            container["command"] = command
            container["volumeMounts"] = [
                {"mountPath": "/etc/kubernetes/pki", "name": "k8s-certs", "readOnly": True},
                {"mountPath": "/etc/ssl/certs", "name": "ca-certs", "readOnly": True},
            ]
            spec = pod_spec(
                [container],
                [
                    host_volume("k8s-certs", "/etc/kubernetes/pki"),
                    host_volume("ca-certs", "/etc/ssl/certs"),
                ],
                hostNetwork=True,
                priorityClassName="system-node-critical",
                priority=2000001000,
                nodeName=node.name,
            )
            del spec["serviceAccount"], spec["serviceAccountName"]
            workload(
                "Static",
                "kube-system",
                f"{component}-{node.name}",
                spec,
                app=component,
                labels={"component": component, "tier": "control-plane"},
                nodes=[index],
            )

    system_ds = (
        ("kube-proxy", [KUBE_PROXY], all_nodes, True),
        ("calico-node", [CALICO_NODE], all_nodes, True),
        ("csi-akshcicsi-node", [CSI_DRIVER, CSI_REGISTRAR], workers, True),
        ("akshci-telemetry", [TELEMETRY], workers, False),
    )
    for name, images, targets, privileged in system_ds:
        containers = [
            system_container(g, f"{name}-{i}" if i else name, image, privileged=privileged)
            for i, image in enumerate(images)
        ]
        if name == "calico-node":
            init = system_container(g, "install-cni", CALICO_CNI, privileged=True)
            extra: Json = {"initContainers": [init]}
        else:
            extra = {}
        spec = pod_spec(
            containers,
            kubelet_vol,
            service_account=name,
            hostNetwork=True,
            priorityClassName="system-node-critical",
            **extra,
        )
        workload(
            "DaemonSet",
            "kube-system",
            name,
            spec,
            nodes=targets,
            labels={"k8s-app": name},
            # kubeadm creates kube-proxy; AKS Arc's operator (a controller-runtime "manager")
            # installs the rest.
            manager="kubeadm" if name == "kube-proxy" else "manager",
        )

    system_deployments: tuple[tuple[str, str, int, list[str]], ...] = (
        ("coredns", COREDNS, 2, ["-conf", "/etc/coredns/Corefile"]),
        ("calico-kube-controllers", CALICO_CONTROLLERS, 1, []),
        ("csi-akshcicsi-controller", CSI_PROVISIONER, 1, ["--leader-election"]),
        ("moc-cloud-controller-manager", CCM, 1, ["--cloud-provider=moc", "--v=2"]),
        ("certificate-controller-manager", CERT_MGR, 1, ["--leader-elect"]),
    )
    for name, image, count, args in system_deployments:
        spec = pod_spec(
            [system_container(g, name, image, args=args)],
            kubelet_vol,
            service_account=name,
            priorityClassName="system-cluster-critical",
        )
        workload(
            "Deployment",
            "kube-system",
            name,
            spec,
            replicas=count,
            labels={"k8s-app": name},
            manager="kubeadm" if name == "coredns" else "manager",
        )

    for name in ARC_AGENTS:
        image = f"{MCR}/azurearck8s/{name}:1.21.10"
        spec = pod_spec(
            [app_container(g, name, image, 8080, True)],
            [{"emptyDir": {}, "name": "tmp"}, {"configMap": {"name": name}, "name": "config"}],
            service_account="azure-arc-operatorsa",
        )
        # The Arc agents are one Helm release, `azure-arc`, installed by `az connectedk8s`.
        workload("Deployment", "azure-arc", name, spec, replicas=1, helm=True, release="azure-arc")

    namespaces = ["default", "kube-node-lease", "kube-public", "kube-system", "azure-arc"]
    namespaces += ["monitoring", "logging"]
    used = sum(w.replicas or len(w.nodes) for w in workloads)

    # ---- user DaemonSets: monitoring agents on every worker, then per-pool agents, as long
    # as DaemonSet pods stay under 40% of the requested pods (DaemonSets scale with nodes).
    user_ds: list[tuple[str, str, list[int], bool]] = [
        ("monitoring", "node-exporter", workers, True),
        ("logging", "fluent-bit", workers, False),
    ]
    for pool in pools:
        for agent in ("gpu-feature-discovery", "storage-agent"):
            if len(user_ds) < 16:
                user_ds.append(("monitoring", f"{agent}-{pool.name}", pool.nodes, False))
    for namespace, name, targets, privileged_host in user_ds:
        if used + len(targets) > pod_count * 0.4:
            continue
        container = app_container(
            g, name, f"quay.io/contoso/{name.split('-')[0]}:v1.8.2", 9100, True
        )
        volumes = [
            {"emptyDir": {}, "name": "tmp"},
            {"configMap": {"name": name}, "name": "config"},
        ]
        extra = {}
        if privileged_host:
            # The classic node-exporter manifest: host namespaces and a privileged container
            # outside the vendor's namespaces (CUST-4 territory).
            container["securityContext"] = {"privileged": True}
            volumes.append(host_volume("proc", "/proc"))
            volumes.append(host_volume("sys", "/sys"))
            extra = {"hostNetwork": True, "hostPID": True}
        elif name == "fluent-bit":
            volumes.append(host_volume("varlog", "/var/log"))
        spec = pod_spec([container], volumes, service_account=name, **extra)
        workload("DaemonSet", namespace, name, spec, nodes=targets, helm=True)
        used += len(targets)

    # ---- user namespaces (about one per 500 pods) with Deployments (about one per 10 pods)
    # and a few StatefulSets.
    user_namespace_count = max(1, pod_count // 500)
    taken_ns = set(namespaces)
    user_namespaces = [
        _unique(
            g,
            taken_ns,
            lambda: (
                f"{g.rng.choice(TEAMS)}-{g.rng.choice(('prod', 'stage', 'dev', 'qa'))}"
                f"-{g.rng.randrange(1, 100):02d}"
            ),
        )
        for _ in range(user_namespace_count)
    ]
    namespaces += user_namespaces

    remaining = max(0, pod_count - used)
    sts_count = min(pod_count // 2000, remaining // 6)
    remaining -= sts_count * 3
    deploy_count = max(1, min(pod_count // 10, remaining)) if remaining else 0
    weights = [g.rng.choice((1, 1, 2, 2, 3, 4, 6, 10, 16, 30)) for _ in range(deploy_count)]
    total_weight = sum(weights) or 1
    replicas = [max(1, weight * remaining // total_weight) for weight in weights]
    # Settle rounding so the pods add up exactly to what was asked for.
    while deploy_count and sum(replicas) != remaining:
        index = g.rng.randrange(deploy_count)
        if sum(replicas) < remaining:
            replicas[index] += 1
        elif replicas[index] > 1:
            replicas[index] -= 1

    def user_app_spec(namespace: str, app: str) -> Json:
        registry = g.rng.choice(REGISTRIES)
        image = f"{registry}/{namespace.split('-')[0]}/{app}:{g.rng.randrange(1, 5)}.{g.rng.randrange(30)}.{g.rng.randrange(10)}"  # noqa: E501
        containers = [app_container(g, app.split("-")[1], image, 8080, True)]
        for extra_container in g.rng.sample(
            ("config-reloader", "metrics-exporter", "log-shipper"), g.rng.choice((0, 0, 1, 2))
        ):
            containers.append(sidecar(g, extra_container))
        volumes = [
            {"configMap": {"defaultMode": 420, "name": f"{app}-config"}, "name": "config"},
            {"emptyDir": {}, "name": "tmp"},
        ]
        return pod_spec(containers, volumes, service_account=app)

    def app_name(namespace: str) -> str:
        return _unique(
            g,
            taken_names,
            lambda: f"{namespace}/{g.rng.choice(WORDS)}-{g.rng.choice(ROLES)}-{g.name_suffix(3)}",
        ).split("/", 1)[1]

    for count in replicas:
        namespace = g.rng.choice(user_namespaces)
        app = app_name(namespace)
        helm = g.rng.random() < 0.3
        workload(
            "Deployment",
            namespace,
            app,
            user_app_spec(namespace, app),
            replicas=count,
            helm=helm,
            manager="helm" if helm else g.rng.choice(GITOPS_MANAGERS),
        )
    for _ in range(sts_count):
        namespace = g.rng.choice(user_namespaces)
        app = app_name(namespace)
        spec = user_app_spec(namespace, app)
        workload("StatefulSet", namespace, app, spec, replicas=3)

    services = [w for w in workloads if w.kind in ("Deployment", "StatefulSet")]

    image_sizes = [
        (image, g.rng.randrange(20, 900) * 1_000_000)
        for image in sorted(
            {c["image"] for w in workloads for c in w.pod_spec["containers"]} | {CALICO_CNI}
        )
    ]
    image_ids = {image: f"{image.split(':')[0]}@sha256:{g.hexstr(64)}" for image, _ in image_sizes}
    on_every_node = {KUBE_PROXY, CALICO_NODE, CALICO_CNI, CSI_DRIVER, CSI_REGISTRAR, TELEMETRY}
    return Plan(
        nodes,
        pools,
        control,
        namespaces,
        workloads,
        services,
        [item for item in image_sizes if item[0] in on_every_node],
        [item for item in image_sizes if item[0] not in on_every_node],
        image_ids,
    )


# --------------------------------------------------------------------------- objects


def node_object(g: Gen, p: Plan, index: int) -> Json:
    node = p.nodes[index]
    pool = node.pool
    vm_size = pool.vm_size if pool else "Standard_A4_v2"
    cpu, mem_mb = VM_SIZES[vm_size]
    # The kernel keeps some memory for itself: MemTotal is a little under the VM's size.
    mem_ki = mem_mb * 1024 - 180_000 - g.rng.randrange(2000)
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": vm_size,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": vm_size,
        "msft.microsoft/os-version": "azurelinux-3.0",
    }
    if pool is not None:
        labels["msft.microsoft/nodepool-name"] = pool.label
        labels["team.contoso.com/cost-center"] = f"cc-{POOL_NAMES.index(pool.name) + 100}"
    else:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    annotations = {
        "cluster.x-k8s.io/cluster-name": CLUSTER,
        "cluster.x-k8s.io/cluster-namespace": "default",
        "cluster.x-k8s.io/machine": f"{CLUSTER}-{pool.name if pool else 'control-plane'}-{g.name_suffix(5)}",  # noqa: E501
        "cluster.x-k8s.io/owner-kind": "MachineSet" if pool else "KubeadmControlPlane",
        "cluster.x-k8s.io/owner-name": f"{CLUSTER}-{pool.name if pool else 'control-plane'}",
        "csi.volume.kubernetes.io/nodeid": '{"disk.csi.akshci.com":"' + node.name + '"}',
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "projectcalico.org/IPv4Address": f"{node.ip}/16",
        "projectcalico.org/IPv4VXLANTunnelAddr": f"10.244.{index % 250}.0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    created = node.created
    heartbeat = COLLECTED_AT - timedelta(seconds=g.rng.randrange(5, 40))
    conditions = []
    for kind, reason, message in (
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "KubeletReady", "kubelet is posting ready status"),
    ):  # fmt: skip
        status = "False"
        beat, since = heartbeat, created + timedelta(seconds=40)
        if kind == "Ready":
            status = "True"
            if not node.ready:
                status, reason = "Unknown", "NodeStatusUnknown"
                message = "Kubelet stopped posting node status."
                since = COLLECTED_AT - timedelta(hours=g.rng.randrange(1, 96))
                beat = since - timedelta(seconds=40)
        conditions.append(
            {
                "lastHeartbeatTime": iso(beat),
                "lastTransitionTime": iso(since),
                "message": message,
                "reason": reason,
                "status": status,
                "type": kind,
            }
        )
    chosen = list(p.system_images)
    chosen += g.rng.sample(p.app_images, min(len(p.app_images), 25 - len(chosen)))
    chosen.sort(key=lambda item: -item[1])
    images = [{"names": [p.image_ids[image], image], "sizeBytes": size} for image, size in chosen]
    capacity = {
        "cpu": str(cpu),
        "ephemeral-storage": "132104800Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{mem_ki}Ki",
        "pods": "110",
    }
    allocatable = dict(capacity)
    allocatable["cpu"] = f"{cpu * 1000 - 140}m"
    allocatable["memory"] = f"{mem_ki - 1_200_000}Ki"
    allocatable["ephemeral-storage"] = "121747226179"
    kubelet_status = {
        "f:status": {
            "f:allocatable": fields_map(list(allocatable)),
            "f:capacity": fields_map(list(capacity)),
            "f:conditions": {
                f'k:{{"type":"{c["type"]}"}}': fields_map(
                    ["lastHeartbeatTime", "lastTransitionTime", "message", "reason", "status"]
                )
                for c in conditions
            },
            "f:daemonEndpoints": {"f:kubeletEndpoint": {"f:Port": {}}},
            "f:images": {},
            "f:nodeInfo": fields_map(
                [
                    "architecture",
                    "bootID",
                    "containerRuntimeVersion",
                    "kernelVersion",
                    "kubeProxyVersion",
                    "kubeletVersion",
                    "machineID",
                    "operatingSystem",
                    "osImage",
                    "systemUUID",
                ]
            ),
        }
    }
    managed_fields = [
        managed(
            "kubeadm",
            created + timedelta(seconds=20),
            {"f:metadata": {"f:annotations": {"f:kubeadm.alpha.kubernetes.io/cri-socket": {}}}},
        ),
        managed(
            "kubelet",
            created + timedelta(seconds=20),
            {
                "f:metadata": {
                    "f:annotations": fields_map(
                        [
                            "node.alpha.kubernetes.io/ttl",
                            "volumes.kubernetes.io/controller-managed-attach-detach",
                        ]
                    ),
                    "f:labels": fields_map(
                        [
                            "beta.kubernetes.io/arch",
                            "beta.kubernetes.io/os",
                            "kubernetes.io/arch",
                            "kubernetes.io/hostname",
                            "kubernetes.io/os",
                        ]
                    ),
                },
                "f:spec": {"f:providerID": {}},
            },
        ),
        managed(
            "manager",
            created + timedelta(seconds=95),
            {
                "f:metadata": {
                    "f:annotations": fields_map(
                        [key for key in annotations if key.startswith("cluster.x-k8s.io/")]
                    ),
                    "f:labels": fields_map(
                        [key for key in labels if key.startswith("msft.microsoft/")]
                    ),
                }
            },
        ),
        managed(
            "kube-controller-manager",
            created + timedelta(seconds=60),
            {
                "f:metadata": {"f:annotations": {"f:node.alpha.kubernetes.io/ttl": {}}},
                "f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, 'v:"10.244.0.0/24"': {}}},
            },
        ),
        managed(
            "calico-node",
            created + timedelta(seconds=75),
            {
                "f:metadata": {
                    "f:annotations": fields_map(
                        ["projectcalico.org/IPv4Address", "projectcalico.org/IPv4VXLANTunnelAddr"]
                    )
                },
                "f:status": {"f:conditions": {'k:{"type":"NetworkUnavailable"}': {}}},
            },
            subresource="status",
        ),
        managed("kubelet", heartbeat, kubelet_status, subresource="status"),
    ]
    if pool is not None:
        # The operator's own label, applied with kubectl: a user key, which is allowed.
        managed_fields.append(
            managed(
                "kubectl-label",
                created + timedelta(days=3),
                {"f:metadata": {"f:labels": {"f:team.contoso.com/cost-center": {}}}},
            )
        )
    taints = []
    if pool is None:
        taints.append({"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"})
    if not node.ready:
        taints.append(
            {
                "effect": "NoSchedule",
                "key": "node.kubernetes.io/unreachable",
                "timeAdded": iso(COLLECTED_AT - timedelta(hours=1)),
            }
        )
    spec: Json = {
        "podCIDR": f"10.244.{index % 250}.0/24",
        "podCIDRs": [f"10.244.{index % 250}.0/24"],
        "providerID": f"moc://{node.name}",
    }
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": iso(created),
            "labels": labels,
            "managedFields": managed_fields,
            "name": node.name,
            "resourceVersion": str(g.rng.randrange(10**6, 10**8)),
            "uid": g.uid(),
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"address": node.ip, "type": "InternalIP"},
                {"address": node.name, "type": "Hostname"},
            ],
            "allocatable": allocatable,
            "capacity": capacity,
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": g.uid(),
                "containerRuntimeVersion": CONTAINERD,
                "kernelVersion": KERNEL,
                "kubeProxyVersion": f"v{K8S_VERSION}",
                "kubeletVersion": f"v{K8S_VERSION}",
                "machineID": g.hexstr(32),
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": g.uid().upper(),
            },
        },
    }


def object_meta(g: Gen, w: WorkloadPlan, manager: str, fields: Json) -> Json:
    meta: Json = {
        "creationTimestamp": iso(w.created),
        "generation": g.rng.randrange(1, 30),
        "labels": w.labels,
        "managedFields": [managed(manager, w.created, fields)],
        "name": w.name,
        "namespace": w.namespace,
        "resourceVersion": str(g.rng.randrange(10**6, 10**8)),
        "uid": w.uid,
    }
    if w.annotations:
        meta["annotations"] = w.annotations
    return meta


def workload_object(g: Gen, w: WorkloadPlan) -> Json:
    api_version = "apps/v1"
    template_labels = dict(w.selector)
    manager = w.manager or ("helm" if w.helm else "kubectl-client-side-apply")
    spec_fields: Json = {
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": fields_map(list(template_labels))},
            "f:spec": pod_spec_fields(w.pod_spec),
        },
    }
    fields: Json = {
        "f:metadata": {
            "f:annotations": fields_map(
                [key for key in w.annotations if not key.startswith("deployment.")]
            ),
            "f:labels": fields_map(list(w.labels)),
        },
        "f:spec": spec_fields,
    }
    template = {"metadata": {"labels": template_labels}, "spec": w.pod_spec}
    spec: Json = {
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": dict(w.selector)},
        "template": template,
    }
    desired = w.replicas if w.kind != "DaemonSet" else len(w.nodes)
    if w.kind == "Deployment":
        spec |= {
            "progressDeadlineSeconds": 600,
            "replicas": w.replicas,
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
        }
        status: Json = {
            "availableReplicas": desired,
            "conditions": [
                {
                    "lastTransitionTime": iso(w.created),
                    "lastUpdateTime": iso(w.created),
                    "message": "Deployment has minimum availability.",
                    "reason": "MinimumReplicasAvailable",
                    "status": "True",
                    "type": "Available",
                },
                {
                    "lastTransitionTime": iso(w.created),
                    "lastUpdateTime": iso(w.created),
                    "message": f'ReplicaSet "{w.name}-{w.hash}" has successfully progressed.',
                    "reason": "NewReplicaSetAvailable",
                    "status": "True",
                    "type": "Progressing",
                },
            ],
            "observedGeneration": 3,
            "readyReplicas": desired,
            "replicas": desired,
            "updatedReplicas": desired,
        }
    elif w.kind == "StatefulSet":
        spec |= {
            "podManagementPolicy": "OrderedReady",
            "replicas": w.replicas,
            "serviceName": w.name,
            "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
            "volumeClaimTemplates": [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "20Gi"}},
                        "storageClassName": "default",
                        "volumeMode": "Filesystem",
                    },
                    "status": {"phase": "Pending"},
                }
            ],
        }
        status = {
            "availableReplicas": desired,
            "collisionCount": 0,
            "currentReplicas": desired,
            "currentRevision": f"{w.name}-{w.hash}",
            "observedGeneration": 2,
            "readyReplicas": desired,
            "replicas": desired,
            "updateRevision": f"{w.name}-{w.hash}",
            "updatedReplicas": desired,
        }
    else:
        spec["updateStrategy"] = {
            "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
            "type": "RollingUpdate",
        }
        status = {
            "currentNumberScheduled": desired,
            "desiredNumberScheduled": desired,
            "numberAvailable": desired,
            "numberMisscheduled": 0,
            "numberReady": desired,
            "observedGeneration": 1,
            "updatedNumberScheduled": desired,
        }
    return {
        "apiVersion": api_version,
        "kind": w.kind,
        "metadata": object_meta(g, w, manager, fields),
        "spec": spec,
        "status": status,
    }


def service_object(g: Gen, w: WorkloadPlan, index: int) -> Json:
    ports = w.pod_spec["containers"][0].get("ports") or [{"containerPort": 8080}]
    port = ports[0]["containerPort"]
    cluster_ip = f"10.{96 + index // 65000}.{index // 250 % 256}.{index % 250 + 2}"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "annotations": dict(w.annotations) if w.helm else {},
            "creationTimestamp": iso(w.created),
            "labels": dict(w.labels),
            "managedFields": [
                managed(
                    "helm" if w.helm else "kubectl-client-side-apply",
                    w.created,
                    {
                        "f:metadata": {"f:labels": fields_map(list(w.labels))},
                        "f:spec": fields_keys(
                            "internalTrafficPolicy", "ports", "selector", "sessionAffinity", "type"
                        ),
                    },
                )
            ],
            "name": w.name,
            "namespace": w.namespace,
            "resourceVersion": str(g.rng.randrange(10**6, 10**8)),
            "uid": g.uid(),
        },
        "spec": {
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": port}],
            "selector": dict(w.selector),
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }


def namespace_object(g: Gen, name: str) -> Json:
    system = name in ("default", "kube-node-lease", "kube-public", "kube-system")
    created = COLLECTED_AT - timedelta(days=420) if system else g.past(400, 30)
    labels = {"kubernetes.io/metadata.name": name}
    if not system:
        labels["team.contoso.com/owner"] = name.split("-")[0]
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "creationTimestamp": iso(created),
            "labels": labels,
            "managedFields": [
                managed(
                    "kubectl-create",
                    created,
                    {"f:metadata": {"f:labels": fields_map(list(labels))}},
                )
            ],
            "name": name,
            "resourceVersion": str(g.rng.randrange(100, 10**6)),
            "uid": g.uid(),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


class PodWriter:
    """Builds the pods of one workload: the spec is shared, only per-pod fields are new."""

    def __init__(self, g: Gen, p: Plan) -> None:
        self.g = g
        self.p = p
        self.ip_counter = 0
        self.template_fields: dict[int, Json] = {}

    def next_ip(self) -> str:
        self.ip_counter += 1
        n = self.ip_counter
        return f"10.{(n >> 16) + 1}.{(n >> 8) & 255}.{n & 255}"

    def controller_fields(self, w: WorkloadPlan) -> Json:
        cached = self.template_fields.get(id(w))
        if cached is None:
            owner_key = 'k:{"uid":"' + w.owner_uid + '"}'
            cached = {
                "f:metadata": {
                    "f:generateName": {},
                    "f:labels": fields_map([*w.selector, "pod-template-hash"]),
                    "f:ownerReferences": {".": {}, owner_key: {}},
                },
                "f:spec": pod_spec_fields(w.pod_spec),
            }
            self.template_fields.clear()  # one workload at a time: keep memory flat
            self.template_fields[id(w)] = cached
        return cached

    def pod(self, w: WorkloadPlan, node_index: int, ordinal: int) -> Json:
        g = self.g
        node = self.p.nodes[node_index]
        host_network = bool(w.pod_spec.get("hostNetwork"))
        pod_ip = node.ip if host_network else self.next_ip()
        started = max(w.created, node.created) + timedelta(seconds=g.rng.randrange(30, 86400))
        token = g.name_suffix(5)
        api_mount = {
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": f"kube-api-access-{token}",
            "readOnly": True,
        }
        labels = dict(w.selector)
        annotations: dict[str, str] = {}
        if w.kind == "Deployment":
            name = f"{w.name}-{w.hash}-{g.name_suffix(5)}"
            labels["pod-template-hash"] = w.hash
            owner = {"kind": "ReplicaSet", "name": f"{w.name}-{w.hash}", "uid": w.owner_uid}
        elif w.kind == "StatefulSet":
            name = f"{w.name}-{ordinal}"
            labels["controller-revision-hash"] = f"{w.name}-{w.hash}"
            labels["statefulset.kubernetes.io/pod-name"] = name
            owner = {"kind": "StatefulSet", "name": w.name, "uid": w.uid}
        elif w.kind == "DaemonSet":
            name = f"{w.name}-{g.name_suffix(5)}"
            labels["controller-revision-hash"] = w.hash
            labels["pod-template-generation"] = "1"
            owner = {"kind": "DaemonSet", "name": w.name, "uid": w.uid}
        else:  # a static pod's mirror: owned by its Node, marked by the kubelet
            name = w.name
            labels.update(w.labels)
            owner = {"kind": "Node", "name": node.name, "uid": g.uid()}
            annotations = {
                "kubernetes.io/config.hash": g.hexstr(32),
                "kubernetes.io/config.mirror": g.hexstr(32),
                "kubernetes.io/config.seen": iso(started),
                "kubernetes.io/config.source": "file",
            }
        if not host_network:
            annotations["cni.projectcalico.org/containerID"] = g.hexstr(64)
            annotations["cni.projectcalico.org/podIP"] = f"{pod_ip}/32"
            annotations["cni.projectcalico.org/podIPs"] = f"{pod_ip}/32"
        owner_ref = {
            "apiVersion": "v1" if owner["kind"] == "Node" else "apps/v1",
            "blockOwnerDeletion": True,
            "controller": True,
            **owner,
        }
        spec = dict(w.pod_spec)
        spec["nodeName"] = node.name
        if w.kind != "Static":
            containers = []
            for container in spec["containers"]:
                copy = dict(container)
                copy["volumeMounts"] = [*container.get("volumeMounts", ()), api_mount]
                containers.append(copy)
            spec["containers"] = containers
            spec["volumes"] = [*spec["volumes"], api_access_volume(token)]
        started_text = iso(started)
        statuses = []
        for container in spec["containers"]:
            restarts = g.rng.choice((0, 0, 0, 0, 0, 0, 1, 2, 7))
            statuses.append(
                {
                    "containerID": f"containerd://{g.hexstr(64)}",
                    "image": container["image"],
                    "imageID": self.p.image_ids.get(container["image"], container["image"]),
                    "lastState": {},
                    "name": container["name"],
                    "ready": True,
                    "restartCount": restarts,
                    "started": True,
                    "state": {"running": {"startedAt": started_text}},
                }
            )
        conditions = [
            {"lastProbeTime": None, "lastTransitionTime": started_text, "status": "True", "type": kind}  # noqa: E501
            for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")  # noqa: E501
        ]  # fmt: skip
        kubelet_fields = {
            "f:status": {
                "f:conditions": {
                    f'k:{{"type":"{c["type"]}"}}': fields_map(
                        ["lastProbeTime", "lastTransitionTime", "status", "type"]
                    )
                    for c in conditions
                },
                "f:containerStatuses": {},
                "f:hostIP": {},
                "f:hostIPs": {},
                "f:phase": {},
                "f:podIP": {},
                "f:podIPs": {".": {}, 'k:{"ip":"' + pod_ip + '"}': {".": {}, "f:ip": {}}},
                "f:startTime": {},
            }
        }
        created = started - timedelta(seconds=g.rng.randrange(2, 20))
        managed_fields = [
            managed(
                "kubelet" if w.kind == "Static" else "kube-controller-manager",
                created,
                self.controller_fields(w),
            ),
            managed("kubelet", started, kubelet_fields, subresource="status"),
        ]
        if not host_network:
            managed_fields.append(
                managed(
                    "calico",
                    created,
                    {"f:metadata": {"f:annotations": fields_map(sorted(annotations))}},
                    subresource="status",
                )
            )
        metadata: Json = {
            "annotations": annotations,
            "creationTimestamp": iso(created),
            "labels": labels,
            "managedFields": managed_fields,
            "name": name,
            "namespace": w.namespace,
            "ownerReferences": [owner_ref],
            "resourceVersion": str(g.rng.randrange(10**6, 10**8)),
            "uid": g.uid(),
        }
        if w.kind in ("Deployment", "DaemonSet"):
            metadata["generateName"] = name[:-5]
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": spec,
            "status": {
                "conditions": conditions,
                "containerStatuses": statuses,
                "hostIP": node.ip,
                "hostIPs": [{"ip": node.ip}],
                "phase": "Running",
                "podIP": pod_ip,
                "podIPs": [{"ip": pod_ip}],
                "qosClass": "Burstable",
                "startTime": started_text,
            },
        }

    def pods(self, workers: list[int]) -> Iterator[Json]:
        g = self.g
        for w in self.p.workloads:
            if w.kind in ("DaemonSet", "Static"):
                for node_index in w.nodes:
                    yield self.pod(w, node_index, 0)
            else:
                for ordinal in range(w.replicas):
                    yield self.pod(w, workers[g.rng.randrange(len(workers))], ordinal)


# --------------------------------------------------------------------------- writing


class ListWriter:
    """Writes `{"apiVersion":"v1","items":[...],"kind":"List",...}` one item at a time."""

    def __init__(self, path: Path, indent: bool) -> None:
        self.path = path
        self.option = orjson.OPT_INDENT_2 if indent else 0
        self.handle: IO[bytes] = path.open("wb", buffering=1 << 20)
        self.handle.write(b'{"apiVersion":"v1","items":[')
        self.count = 0

    def add(self, item: Json) -> None:
        if self.count:
            self.handle.write(b",")
        self.handle.write(orjson.dumps(item, option=self.option))
        self.count += 1

    def close(self) -> None:
        self.handle.write(b'],"kind":"List","metadata":{"resourceVersion":""}}\n')
        self.handle.close()


def write_json(path: Path, data: Any, indent: bool = True) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0) + b"\n")


def azure_files(g: Gen, p: Plan, out: Path) -> None:
    azure = out / "azure"
    azure.mkdir(parents=True, exist_ok=True)
    profiles = [
        {
            "name": pool.name,
            "count": len(pool.nodes),
            "vmSize": pool.vm_size,
            "osType": "Linux",
            "osSKU": "CBLMariner",
            "kubernetesVersion": K8S_VERSION,
            "nodeLabels": {"team.contoso.com/cost-center": f"cc-{POOL_NAMES.index(pool.name) + 100}"},  # noqa: E501
            "enableAutoScaling": False,
            "maxPods": 110,
        }
        for pool in p.pools
    ]  # fmt: skip
    write_json(
        azure / "provisioned-cluster.json",
        {
            "id": PROVISIONED_ID,
            "name": "default",
            "type": "microsoft.hybridcontainerservice/provisionedclusterinstances",
            "extendedLocation": {"name": CUSTOM_LOCATION, "type": "CustomLocation"},
            "properties": {
                "provisioningState": "Succeeded",
                "kubernetesVersion": K8S_VERSION,
                "controlPlane": {
                    "count": len(p.control_plane),
                    "vmSize": "Standard_A4_v2",
                    "osSku": "CBLMariner",
                    "osType": "Linux",
                    "controlPlaneEndpoint": {"hostIP": "172.16.255.10"},
                },
                "networkProfile": {
                    "networkPolicy": "calico",
                    "podCidr": "10.244.0.0/16",
                    "loadBalancerProfile": {"count": 0},
                },
                "agentPoolProfiles": profiles,
                "cloudProviderProfile": {
                    "infraNetworkProfile": {
                        "vnetSubnetIds": [
                            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/"
                            "providers/Microsoft.AzureStackHCI/logicalNetworks/lnet-aks"
                        ]
                    }
                },
                "licenseProfile": {"azureHybridBenefit": "NotApplicable"},
                "status": {
                    "currentState": "Succeeded",
                    "controlPlaneStatus": [
                        {"name": "cloud-operator", "phase": "provisioned", "ready": True},
                        {"name": "csi-akshcicsi", "phase": "provisioned", "ready": True},
                    ],
                },
            },
        },
    )
    write_json(
        azure / "agent-pools.json",
        {
            "value": [
                {
                    "id": f"{PROVISIONED_ID}/agentPools/{pool.name}",
                    "name": pool.name,
                    "type": "Microsoft.HybridContainerService/provisionedClusterInstances/agentPools",  # noqa: E501
                    "properties": {
                        **profile,
                        "provisioningState": "Succeeded",
                        "status": {
                            "currentState": "Succeeded",
                            "readyReplicas": [
                                {
                                    "count": len(pool.nodes),
                                    "vmSize": pool.vm_size,
                                    "kubernetesVersion": K8S_VERSION,
                                }
                            ],
                        },
                    },
                }
                for pool, profile in zip(p.pools, profiles, strict=True)
            ]
        },
    )
    patches = {
        "1.29": ["1.29.12", "1.29.13"],
        "1.30": ["1.30.8", "1.30.9"],
        "1.31": ["1.31.4", "1.31.5"],
    }
    write_json(
        azure / "kubernetes-versions.json",
        {
            "id": f"{CUSTOM_LOCATION}/providers/Microsoft.HybridContainerService/kubernetesVersions/default",  # noqa: E501
            "name": "default",
            "type": "microsoft.hybridcontainerservice/kubernetesVersions",
            "properties": {
                "provisioningState": "Succeeded",
                "values": [
                    {
                        "version": minor,
                        "isPreview": False,
                        "patchVersions": {
                            patch: {
                                "readiness": [
                                    {"osType": "Linux", "osSku": "CBLMariner", "ready": True},
                                    {"osType": "Windows", "osSku": "Windows2022", "ready": True},
                                ],
                                "upgrades": [later for later in versions if later > patch],
                            }
                            for patch in versions
                        },
                    }
                    for minor, versions in patches.items()
                ],
            },
        },
    )
    write_json(
        azure / "vm-skus.json",
        {
            "id": f"{CUSTOM_LOCATION}/providers/Microsoft.HybridContainerService/skus/default",
            "name": "default",
            "type": "microsoft.hybridcontainerservice/skus",
            "properties": {
                "provisioningState": "Succeeded",
                "values": [
                    {
                        "resourceType": "VirtualMachines",
                        "capabilities": [
                            {"name": "vCpu", "value": str(cpu)},
                            {"name": "MemoryMb", "value": str(mem)},
                            {"name": "DiskSizeGb", "value": "128"},
                            {"name": "Provider", "value": "HCI"},
                        ],
                        "name": size,
                        "tier": "Standard",
                        "size": size.removeprefix("Standard_"),
                    }
                    for size, (cpu, mem) in VM_SIZES.items()
                ],
            },
        },
    )
    write_json(
        azure / "connected-cluster.json",
        {
            "id": CONNECTED_ID,
            "name": CLUSTER,
            "type": "Microsoft.Kubernetes/connectedClusters",
            "location": "eastus",
            "kind": "ProvisionedCluster",
            "identity": {"type": "SystemAssigned", "principalId": g.uid(), "tenantId": g.uid()},
            "properties": {
                "agentPublicKeyCertificate": "MIICCgKCAgEA" + g.hexstr(40),
                "kubernetesVersion": K8S_VERSION,
                "totalNodeCount": len(p.nodes),
                "totalCoreCount": sum(
                    VM_SIZES[n.pool.vm_size if n.pool else "Standard_A4_v2"][0] for n in p.nodes
                ),
                "agentVersion": "1.21.10",
                "provisioningState": "Succeeded",
                "distribution": "AKS",
                "distributionVersion": "1.0",
                "infrastructure": "azure_stack_hci",
                "connectivityStatus": "Connected",
                "lastConnectivityTime": "2025-09-14T07:52:41.118000+00:00",
                "managedIdentityCertificateExpirationTime": "2025-11-28T10:33:00+00:00",
                "privateLinkState": "Disabled",
                "azureHybridBenefit": "NotApplicable",
                "arcAgentProfile": {"agentAutoUpgrade": "Enabled", "agentState": "Succeeded"},
            },
        },
    )
    write_json(
        azure / "azure-local-cluster.json",
        {
            "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.AzureStackHCI/clusters/azlocal-01",  # noqa: E501
            "name": "azlocal-01",
            "type": "Microsoft.AzureStackHCI/clusters",
            "properties": {
                "provisioningState": "Succeeded",
                "status": "ConnectedRecently",
                "connectivityStatus": "Connected",
                "registrationTimestamp": "2024-11-02T10:12:03Z",
                "lastSyncTimestamp": "2025-09-14T06:40:00Z",
                "reportedProperties": {
                    "clusterName": "azlocal-01",
                    "clusterVersion": AZURE_LOCAL_VERSION,
                    "nodes": [
                        {"name": f"azl-host-{i:02d}", "osName": "Azure Stack HCI", "osVersion": "10.0.25398.1732"}  # noqa: E501
                        for i in range(1, 17)
                    ],
                },
            },
        },
    )  # fmt: skip
    write_json(
        azure / "subscription.json",
        {
            "id": f"/subscriptions/{SUBSCRIPTION}",
            "subscriptionId": SUBSCRIPTION,
            "tenantId": g.uid(),
            "displayName": "Contoso Production",
            "state": "Enabled",
            "subscriptionPolicies": {"quotaId": "EnterpriseAgreement_2014-09-01", "spendingLimit": "Off"},  # noqa: E501
            "authorizationSource": "RoleBased",
        },
    )  # fmt: skip


FEATURE_GATES = (
    ("APIResponseCompression", "BETA", 1), ("AnonymousAuthConfigurableEndpoints", "ALPHA", 0),
    ("ConsistentListFromCache", "BETA", 1), ("CustomResourceFieldSelectors", "BETA", 1),
    ("DynamicResourceAllocation", "ALPHA", 0), ("InPlacePodVerticalScaling", "ALPHA", 0),
    ("JobSuccessPolicy", "BETA", 1), ("KubeletCgroupDriverFromCRI", "ALPHA", 0),
    ("MutatingAdmissionPolicy", "ALPHA", 0), ("RotateKubeletServerCertificate", "BETA", 1),
    ("SidecarContainers", "BETA", 1), ("StorageVersionAPI", "ALPHA", 0),
    ("VolumeAttributesClass", "BETA", 0), ("WatchList", "ALPHA", 0),
)  # fmt: skip


def metrics_text(g: Gen) -> str:
    lines = [
        "# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage and enablement of a k8s feature.",  # noqa: E501
        "# TYPE kubernetes_feature_enabled gauge",
    ]
    lines += [
        f'kubernetes_feature_enabled{{name="{name}",stage="{stage}"}} {value}'
        for name, stage, value in FEATURE_GATES
    ]
    lines += [
        "# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",  # noqa: E501
        "# TYPE apiserver_request_total counter",
    ]
    for resource in ("pods", "nodes", "deployments", "services", "configmaps", "leases"):
        for verb in ("GET", "LIST", "WATCH", "PATCH"):
            lines.append(
                f'apiserver_request_total{{code="200",component="apiserver",dry_run="",group="",'
                f'resource="{resource}",scope="cluster",subresource="",verb="{verb}",version="v1"}}'
                f" {g.rng.randrange(10**3, 10**8)}"
            )
    return "\n".join(lines) + "\n"


APIS = {
    "apps": ["v1"], "autoscaling": ["v2", "v1"], "batch": ["v1"], "policy": ["v1"],
    "networking.k8s.io": ["v1"], "rbac.authorization.k8s.io": ["v1"],
    "storage.k8s.io": ["v1"], "flowcontrol.apiserver.k8s.io": ["v1", "v1beta3"],
    "crd.projectcalico.org": ["v1"], "clusterconfig.azure.com": ["v1beta1"],
    "monitoring.coreos.com": ["v1", "v1alpha1"],
}  # fmt: skip


def generate(
    out: Path, nodes: int, pods: int, seed: int = 1, indent: bool = False
) -> dict[str, int]:
    """Write the bundle under `out`; return the object count of each file."""
    g = Gen(seed)
    p = plan(g, nodes, pods)
    kube = out / "kubernetes"
    kube.mkdir(parents=True, exist_ok=True)
    write_json(
        out / "manifest.json",
        {
            "format": "arcsupport-bundle/v1",
            "collected_at": iso(COLLECTED_AT),
            "cluster": {"name": CLUSTER, "resource_id": CONNECTED_ID},
            "generator": {
                "name": "bench/generate.py",
                "version": GENERATOR_VERSION,
                "nodes": nodes,
                "pods": pods,
                "seed": seed,
            },
        },
    )
    write_json(
        kube / "version.json",
        {
            "major": "1",
            "minor": K8S_VERSION.split(".")[1],
            "gitVersion": f"v{K8S_VERSION}",
            "gitCommit": g.hexstr(40),
            "gitTreeState": "clean",
            "buildDate": "2025-01-15T14:31:04Z",
            "goVersion": "go1.22.10",
            "compiler": "gc",
            "platform": "linux/amd64",
        },
    )
    (kube / "metrics.txt").write_text(metrics_text(g))
    write_json(
        kube / "apis.json",
        {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                    "preferredVersion": {
                        "groupVersion": f"{group}/{versions[0]}",
                        "version": versions[0],
                    },
                }
                for group, versions in APIS.items()
            ],
        },
    )
    (out / "facts.yaml").write_text(
        "# Declared: the logical network AKS Arc hands node addresses out of.\n"
        "node_subnets: [172.16.0.0/16]\n"
    )
    azure_files(g, p, out)

    counts: dict[str, int] = {}

    def write_list(plural: str, items: Iterator[Json]) -> None:
        writer = ListWriter(kube / f"{plural}.json", indent)
        for item in items:
            writer.add(item)
        writer.close()
        counts[plural] = writer.count

    write_list("namespaces", (namespace_object(g, name) for name in p.namespaces))
    write_list("nodes", (node_object(g, p, index) for index in range(len(p.nodes))))
    for kind, plural in (
        ("DaemonSet", "daemonsets"),
        ("Deployment", "deployments"),
        ("StatefulSet", "statefulsets"),
    ):
        write_list(plural, (workload_object(g, w) for w in p.workloads if w.kind == kind))
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "type": "ClusterIP",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": 6443}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns"}},
            "spec": {"clusterIP": "10.96.0.10", "type": "ClusterIP",
                     "selector": {"k8s-app": "coredns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP",
                                "targetPort": 53}]},
        },
    ]  # fmt: skip
    write_list(
        "services",
        iter([*services, *(service_object(g, w, i) for i, w in enumerate(p.services))]),
    )
    workers = [i for i, node in enumerate(p.nodes) if node.pool is not None] or list(
        range(len(p.nodes))
    )
    write_list("pods", PodWriter(g, p).pods(workers))
    return counts


def bundle_files(out: Path) -> list[Path]:
    return sorted(path for path in out.rglob("*") if path.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the bundle directory to write")
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--indent",
        action="store_true",
        help="indent the Kubernetes lists like `kubectl -o json` (default: compact, as the "
        "API server serves them)",
    )
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.pods < 1:
        parser.error("--nodes and --pods must be at least 1")
    started = time.perf_counter()
    counts = generate(args.out, args.nodes, args.pods, args.seed, args.indent)
    elapsed = time.perf_counter() - started
    total = 0
    for path in bundle_files(args.out):
        size = path.stat().st_size
        total += size
        plural = path.stem if path.parent.name == "kubernetes" else ""
        count = f"{counts[plural]:>9,} items" if plural in counts else ""
        print(f"{size / 2**20:>10.1f} MiB  {path.relative_to(args.out)!s:<36} {count}")
    print(f"{total / 2**20:>10.1f} MiB  total, written in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
