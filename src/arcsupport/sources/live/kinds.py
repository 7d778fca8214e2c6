"""The Kubernetes kinds a collection lists, and why: one list for the collector, the ClusterRole
that `arcsupport rbac` prints and the manifests under deploy/."""

from __future__ import annotations

import msgspec


class Kind(msgspec.Struct, frozen=True, gc=False):
    plural: str  # the resource name, and the bundle file kubernetes/<plural>.json
    group: str  # "" for the core group
    version: str  # used when discovery (/apis) does not name a preferred version
    namespaced: bool
    purpose: str  # what the rules read from it


KINDS: tuple[Kind, ...] = (
    Kind("nodes", "", "v1", False, "version skew, node drift and network, OS lifecycle, metadata"),
    Kind("pods", "", "v1", True, "static control-plane pods, mesh sidecars"),
    Kind("namespaces", "", "v1", False, "component namespaces"),
    Kind("services", "", "v1", True, "mesh control planes"),
    Kind("daemonsets", "apps", "v1", True, "managed components, CNI, privileged DaemonSets"),
    Kind("deployments", "apps", "v1", True, "managed components, third-party components"),
    Kind("statefulsets", "apps", "v1", True, "third-party components, Helm releases"),
    Kind("ingresses", "networking.k8s.io", "v1", True, "deprecated API versions"),
    Kind("cronjobs", "batch", "v1", True, "deprecated API versions"),
    Kind("horizontalpodautoscalers", "autoscaling", "v2", True, "deprecated API versions"),
    Kind("poddisruptionbudgets", "policy", "v1", True, "deprecated API versions"),
    Kind("flowschemas", "flowcontrol.apiserver.k8s.io", "v1", False, "deprecated API versions"),
    Kind(
        "prioritylevelconfigurations",
        "flowcontrol.apiserver.k8s.io",
        "v1",
        False,
        "deprecated API versions",
    ),
    Kind(
        "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        "v1",
        False,
        "deprecated API versions",
    ),
    Kind(
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        "v1",
        False,
        "deprecated API versions",
    ),
)

# Only with --helm-secrets, and then only as metadata (PartialObjectMetadataList): Helm keeps
# its releases in Secrets, and RBAC `list` on Secrets would also grant their payloads.
HELM_SECRETS = Kind("secrets", "", "v1", True, "Helm release metadata (opt-in, metadata only)")

# Read with `get` on non-resource URLs.
NON_RESOURCE_URLS: tuple[str, ...] = ("/version", "/apis", "/metrics")
