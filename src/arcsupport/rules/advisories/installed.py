"""What a cluster runs that advisories can affect: each component instance (kubelet, the API
server, kube-proxy, containerd, runc, the node image) with the version it reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Evidence
from arcsupport.snapshot.advisory import (
    COMPONENTS,
    Component,
    Distro,
    Family,
    Version,
    installed_semver,
)

# --- what a cluster runs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Installed:
    """One running instance of a component, with the version it reports."""

    component: Component
    node: str | None  # None: cluster-wide (the API server's version, the kube-proxy DaemonSet)
    version: Version | None  # None when the reported text is not a version
    text: str
    evidence: Evidence
    os: str = "linux"
    distro: Distro | None = None


_KERNEL_ARCH = re.compile(r"\.(x86_64|aarch64|amd64|arm64)$")
_MARINER_KERNEL = re.compile(r"\.cm(\d)\b")
# Static control-plane pods carry `component: <name>` (kubeadm's labels, which AKS Arc keeps).
_CONTROL_PLANE: dict[str, Component] = {
    "kube-apiserver": "kube-apiserver",
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
}
_RPM_IMAGES: tuple[tuple[str, Family], ...] = (
    ("AlmaLinux ", "almalinux"),
    ("Rocky Linux ", "rocky-linux"),
)


def node_distro(os_image: str, kernel: str) -> Distro | None:
    """The RPM distribution a node image is built on, from nodeInfo.osImage."""
    image = os_image.strip()
    if image.startswith("Microsoft Azure Linux "):
        major = image.removeprefix("Microsoft Azure Linux ").split(".", 1)[0]
        return Distro("azure-linux", major if major.isdigit() else None)
    if image.startswith("CBL-Mariner"):
        # CBL-Mariner is Azure Linux before 3.0; osImage does not say which release, the
        # kernel's `.cm2` dist tag does.
        tag = _MARINER_KERNEL.search(kernel)
        return Distro("azure-linux", tag.group(1)) if tag else None
    for prefix, family in _RPM_IMAGES:
        if image.startswith(prefix):
            major = image.removeprefix(prefix).split(".", 1)[0]
            return Distro(family, major if major.isdigit() else None)
    return None


def _image_tag(image: str) -> str:
    name = image.split("@", 1)[0]
    _, colon, tag = name.rpartition(":")
    return tag if colon and "/" not in tag else ""


def installed_components(facts: Facts) -> dict[Component, list[Installed]]:
    """Every component instance the snapshot shows, by component."""
    found: dict[Component, list[Installed]] = {component: [] for component in COMPONENTS}
    for node in facts.snapshot.nodes or ():
        info = node.status.nodeInfo
        name = node.metadata.name
        obj = f"Node/{name}"
        os = info.operatingSystem or "linux"

        def evidence(field_name: str, value: str, obj: str = obj) -> Evidence:
            return facts.evidence("kubernetes/nodes", obj, f"status.nodeInfo.{field_name}", value)

        if info.kubeletVersion:
            kubelet = Installed(
                "kubelet",
                name,
                installed_semver(info.kubeletVersion),
                info.kubeletVersion,
                evidence("kubeletVersion", info.kubeletVersion),
                os,
            )
            found["kubelet"].append(kubelet)
            found["kubernetes"].append(kubelet)
        runtime = info.containerRuntimeVersion
        if runtime.startswith("containerd://"):
            text = runtime.removeprefix("containerd://")
            found["containerd"].append(
                Installed(
                    "containerd",
                    name,
                    installed_semver(text),
                    text,
                    evidence("containerRuntimeVersion", runtime),
                    os,
                )
            )
        distro = node_distro(info.osImage, info.kernelVersion)
        if distro is not None and info.kernelVersion:
            kernel = _KERNEL_ARCH.sub("", info.kernelVersion.strip())
            found["node-image"].append(
                Installed(
                    "node-image",
                    name,
                    Version(kernel, "rpm"),
                    info.kernelVersion,
                    evidence("kernelVersion", info.kernelVersion),
                    os,
                    distro,
                )
            )

    static = [
        pod
        for pod in facts.pods_by_namespace.get("kube-system", ())
        if pod.metadata.labels.get("component") in _CONTROL_PLANE and pod.spec.containers
    ]
    for pod in static:
        component = _CONTROL_PLANE[pod.metadata.labels["component"]]
        image = pod.spec.containers[0].image
        tag = _image_tag(image)
        found[component].append(
            Installed(
                component,
                pod.spec.nodeName or None,
                installed_semver(tag),
                tag or image,
                facts.evidence(
                    "kubernetes/pods",
                    f"kube-system/Pod/{pod.metadata.name}",
                    "spec.containers[0].image",
                    image,
                ),
            )
        )
    cluster = facts.cluster_version
    if cluster is not None:
        text = str(cluster.version)
        api_server = Installed(
            "kubernetes",
            None,
            installed_semver(cluster.evidence.value) or installed_semver(text),
            cluster.evidence.value,
            cluster.evidence,
        )
        found["kubernetes"].insert(0, api_server)
        # Without the static pods, the control plane runs at the API server's version: AKS
        # Arc upgrades the control-plane components together.
        for component in _CONTROL_PLANE.values():
            if not found[component]:
                found[component].append(
                    Installed(
                        component, None, api_server.version, api_server.text, cluster.evidence
                    )
                )

    for daemonset in facts.snapshot.daemonsets or ():
        meta = daemonset.metadata
        if meta.namespace != "kube-system" or meta.name != "kube-proxy":
            continue
        containers = daemonset.spec.template.spec.containers
        index = next((i for i, c in enumerate(containers) if c.name == "kube-proxy"), 0)
        if not containers:
            continue
        image = containers[index].image
        tag = _image_tag(image)
        # kubeProxyVersion in nodeInfo is the kubelet's own version (KEP-4004); the DaemonSet's
        # image is what runs.
        found["kube-proxy"].append(
            Installed(
                "kube-proxy",
                None,
                installed_semver(tag),
                tag or image,
                facts.evidence(
                    "kubernetes/daemonsets",
                    facts.workload_object(daemonset),
                    f"spec.template.spec.containers[{index}].image",
                    image,
                ),
            )
        )
    return found
