"""Rebuild the small test bundles in this folder from the real payloads in ../reference.

    .venv/bin/python tests/data/bundles/build.py

Each bundle starts from a reference payload (Azure REST example bodies, Sonobuoy's kind
cluster) and changes only what the scenario needs; the edits are spelled out below. The
payload quirks are kept on purpose: `v1.31.5` with a `v`, `+00:00` next to `Z`, seven
fractional digits, `provisioningState: NotApplicable`, osSku `Windows`.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REFERENCE = HERE.parent / "reference"


def body(name: str, status: str = "200") -> dict[str, Any]:
    document = json.loads((REFERENCE / "azure" / name).read_text())
    result: dict[str, Any] = document["responses"][status]["body"]
    return result


def k8s(name: str) -> Any:
    return json.loads((REFERENCE / "k8s" / "examples" / name).read_text())


def write(root: Path, files: dict[str, Any]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            target.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n")


CLUSTER_ID = (
    "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/testrg/providers/"
    "Microsoft.Kubernetes/connectedClusters/test-hybridakscluster"
)


def version(git_version: str) -> dict[str, Any]:
    info = k8s("sonobuoy-serverversion.json")
    major, minor = git_version.lstrip("v").split(".")[:2]
    info.update(gitVersion=git_version, major=major, minor=minor)
    return info


def node(item: dict[str, Any], name: str, kubelet: str, pool_label: str | None) -> dict[str, Any]:
    """A Sonobuoy kind node made into an AKS Arc one: name, versions, OS image, readiness."""
    node = copy.deepcopy(item)
    meta = node["metadata"]
    meta["name"] = name
    meta["creationTimestamp"] = "2025-08-20T10:00:00Z"
    meta["labels"]["kubernetes.io/hostname"] = name
    if pool_label is not None:
        meta["labels"]["msft.microsoft/nodepool-name"] = pool_label
    if "taints" in node["spec"]:
        # kind 1.20's control-plane taint; kubeadm has set this one instead since 1.25.
        node["spec"]["taints"] = [
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
        ]
    node["spec"]["providerID"] = f"moc://{name}"
    status = node["status"]
    status.pop("images", None)
    status["addresses"] = [
        {"address": "10.0.0.1" + name[-1], "type": "InternalIP"},
        {"address": name, "type": "Hostname"},
    ]
    for resources in (status["capacity"], status["allocatable"]):
        resources.update(cpu="4", memory="8131140Ki")
    for condition in status["conditions"]:
        condition["lastHeartbeatTime"] = "2025-09-14T07:59:00Z"
        condition["lastTransitionTime"] = "2025-08-20T10:02:00Z"
        if condition["type"] == "Ready":
            condition.update(status="True", reason="KubeletReady", message="kubelet is ready")
    status["nodeInfo"].update(
        kubeletVersion=kubelet,
        kubeProxyVersion=kubelet,
        # The node image the policy pack lists for 1.31.5 (its node_images).
        osImage="Microsoft Azure Linux 3.0",
        kernelVersion="6.6.96.1-1.azl3",
        containerRuntimeVersion="containerd://1.7.27",
    )
    return node


def current() -> dict[str, Any]:
    """Kubernetes 1.31.5 on Azure Local 2509, connected, Calico: in support on 2025-09-15."""
    nodes = k8s("sonobuoy-core_v1_nodes.json")
    control, worker = nodes["items"][0], nodes["items"][1]
    nodes["items"] = [
        node(control, "moc-cp-7x2kq", "v1.31.5", None),
        node(worker, "moc-np-4hd8z", "v1.31.5", "test-hybridakscluster-p8k2m-nodepool1"),
    ]
    nodes["items"][0]["metadata"]["labels"].pop("node-role.kubernetes.io/master")

    provisioned = body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    provisioned["properties"]["kubernetesVersion"] = "v1.31.5"  # the `v` is kept
    provisioned["properties"]["agentPoolProfiles"][0]["name"] = "nodepool1"
    provisioned["properties"]["status"] = {"currentState": "Succeeded"}

    pool = body("hybridaks-2024-01-01-GetAgentPool.json")
    pool["name"] = "nodepool1"
    pool["id"] = pool["id"].replace("test-hybridaksnodepool", "nodepool1")

    connected = body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected["id"] = CLUSTER_ID
    connected["name"] = "test-hybridakscluster"
    connected["kind"] = "ProvisionedCluster"
    properties = connected["properties"]
    properties["agentPublicKeyCertificate"] = ""
    properties.update(
        kubernetesVersion="1.31.5",
        connectivityStatus="Connected",
        lastConnectivityTime="2025-09-14T07:58:31.1234567Z",
        managedIdentityCertificateExpirationTime="2025-12-01T00:00:00+00:00",
    )
    properties["arcAgentProfile"]["agentState"] = "Succeeded"
    properties["arcAgentProfile"].pop("agentErrors")

    local = body("azurestackhci-2024-04-01-GetCluster.json")
    local["properties"]["reportedProperties"]["clusterVersion"] = "12.2509.1001.14"
    local["properties"]["lastSyncTimestamp"] = "2025-09-14T06:12:40.5625121+00:00"
    local["properties"].pop("logCollectionProperties")
    local["properties"].pop("isolatedVmAttestationConfiguration")

    daemonsets = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
                "spec": {
                    "template": {
                        "spec": {
                            "hostNetwork": True,
                            "containers": [
                                {
                                    "name": "kube-proxy",
                                    "image": "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.5",
                                    "securityContext": {"privileged": True},
                                }
                            ],
                        }
                    }
                },
            },
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {"name": "calico-node", "namespace": "calico-system"},
                "spec": {
                    "template": {
                        "spec": {
                            "hostNetwork": True,
                            "containers": [
                                {
                                    "name": "calico-node",
                                    "image": "mcr.microsoft.com/oss/calico/node:v3.28.2",
                                    "securityContext": {"privileged": True},
                                }
                            ],
                        }
                    }
                },
            },
        ],
    }
    return {
        "manifest.json": {
            "format": "arcsupport-bundle/v1",
            "collected_at": "2025-09-14T08:00:00+00:00",
            "cluster": {"name": "test-hybridakscluster", "resource_id": CLUSTER_ID},
        },
        "kubernetes/version.json": version("v1.31.5"),
        "kubernetes/nodes.json": nodes,
        "kubernetes/daemonsets.json": daemonsets,
        "azure/provisioned-cluster.json": provisioned,
        "azure/agent-pools.json": {"value": [pool]},
        "azure/connected-cluster.json": connected,
        "azure/azure-local-cluster.json": local,
        "azure/subscription.json": body("subscription-2022-12-01-GetSubscription.json"),
    }


def removed() -> dict[str, Any]:
    """Kubernetes 1.28 (removed), Arc agents offline since 2025-08-06, a subscription in the
    Warned state, a Windows Server host declared in facts.yaml, nodes not collected."""
    provisioned = body(
        "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json"
    )
    provisioned["properties"]["kubernetesVersion"] = "1.28.12"  # NotApplicable state kept

    connected = body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")
    connected["properties"].update(
        kubernetesVersion="1.28.12",
        connectivityStatus="Offline",
        lastConnectivityTime="2025-08-06T09:30:00+00:00",
    )
    subscription = body("subscription-2022-12-01-GetSubscription.json")
    subscription["state"] = "Warned"
    return {
        "manifest.json": {
            "format": "arcsupport-bundle/v1",
            "collected_at": "2025-09-15T06:00:00Z",
            "cluster": {},
            "not_collected": [
                {"part": "kubernetes/nodes", "reason": "nodes is forbidden for this account"}
            ],
        },
        "azure/provisioned-cluster.json": provisioned,
        "azure/agent-pools.json": [body("hybridaks-2024-01-01-GetAgentPool.json")],
        "azure/kubernetes-versions.json": body("hybridaks-2024-01-01-GetKubernetesVersions.json"),
        "azure/connected-cluster.json": connected,
        "azure/subscription.json": subscription,
        "facts.yaml": (
            "# Declared by the operator: nothing in the bundle observes these.\n"
            "host_platform: {kind: windows-server, version: 2022}\n"
            "subscription_state_since: 2025-08-01\n"
        ),
    }


def kubernetes_versions(listing: dict[str, list[str]], preview: tuple[str, ...] = ()) -> Any:
    """`az aksarc get-versions` as the REST example returns it, listing `listing` instead of
    its 1.23: each patch keeps one of the example's readiness entries and lists its upgrades."""
    versions = body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    template = versions["properties"]["values"][0]
    readiness = [entry["readiness"] for entry in template["patchVersions"].values()]
    values = []
    for minor, patches in listing.items():
        entry = copy.deepcopy(template)
        entry.update(version=minor, isPreview=minor in preview)
        entry["patchVersions"] = {
            patch: {
                "readiness": copy.deepcopy(readiness[index % 2]),
                "upgrades": patches[index + 1 :],
            }
            for index, patch in enumerate(patches)
        }
        values.append(entry)
    versions["properties"]["values"] = values
    return versions


def fresh() -> dict[str, Any]:
    """`current` eight months on: Kubernetes 1.33.3 on Azure Local 2605, collected on
    2026-05-20, half a year after the pack's data (2025-11-19). Its custom location offers
    1.31.12/13, 1.32.8/9 and 1.33.2/3 (1.30 no longer, 1.34 as a preview): the pack alone
    knows neither 1.33 nor these patches."""
    files = current()
    stamp = "2026-05-20T08:00:00+00:00"
    files["manifest.json"]["collected_at"] = stamp
    files["kubernetes/version.json"] = version("v1.33.3")
    for item in files["kubernetes/nodes.json"]["items"]:
        item["status"]["nodeInfo"]["kubeletVersion"] = "v1.33.3"
        item["status"]["nodeInfo"]["kubeProxyVersion"] = "v1.33.3"
    files["azure/provisioned-cluster.json"]["properties"]["kubernetesVersion"] = "v1.33.3"
    files["azure/agent-pools.json"]["value"][0]["properties"]["kubernetesVersion"] = "1.33.3"
    connected = files["azure/connected-cluster.json"]["properties"]
    connected.update(kubernetesVersion="1.33.3", lastConnectivityTime="2026-05-20T07:58:31Z")
    connected["managedIdentityCertificateExpirationTime"] = "2026-08-01T00:00:00+00:00"
    local = files["azure/azure-local-cluster.json"]["properties"]
    local["reportedProperties"]["clusterVersion"] = "12.2605.1001.8"
    local["lastSyncTimestamp"] = "2026-05-20T06:12:40.5625121+00:00"
    kube_proxy = files["kubernetes/daemonsets.json"]["items"][0]["spec"]["template"]["spec"]
    kube_proxy["containers"][0]["image"] = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.3"
    files["azure/kubernetes-versions.json"] = kubernetes_versions(
        {
            "1.31": ["1.31.12", "1.31.13"],
            "1.32": ["1.32.8", "1.32.9"],
            "1.33": ["1.33.2", "1.33.3"],
            "1.34": ["1.34.1"],
        },
        preview=("1.34",),
    )
    return files


def version_only() -> dict[str, Any]:
    """Only GET /version (v1.30.9): supported on 2025-09-15, a patch in its grace period on
    2025-10-15, an unsupported patch on 2026-01-15."""
    return {"kubernetes/version.json": version("v1.30.9")}


def main() -> None:
    write(HERE / "current", current())
    write(HERE / "fresh", fresh())
    write(HERE / "removed", removed())
    write(HERE / "version-only", version_only())


if __name__ == "__main__":
    main()
