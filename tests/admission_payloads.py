"""AdmissionReview requests as kube-apiserver sends them to a validating webhook
(admission.k8s.io/v1: the envelope apiserver's webhook/request package builds, with
requestKind, requestResource, userInfo with its uid, groups and extra, the operation's options
and dryRun), around real objects:

- the Node `kind-control-plane` of a real kind v1.20 cluster (Sonobuoy's test data,
  tests/data/reference/k8s/examples/sonobuoy-core_v1_nodes.json);
- an AKS Arc-shaped worker and the kube-system Deployments of examples/healthy (the example
  bundle the pack's managed components were written against: no real AKS Arc Deployment is
  public, see examples/README.md).

Shared by tests/engine/test_admission.py, tests/webhook/ and bench/webhook.py."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from helpers import DATA, EXAMPLES

JSON = dict[str, Any]
POOL_LABEL = "msft.microsoft/nodepool-name"

KIND_NODES = DATA / "reference" / "k8s" / "examples" / "sonobuoy-core_v1_nodes.json"
EXAMPLE_NODES = EXAMPLES / "healthy" / "kubernetes" / "nodes.json"
EXAMPLE_DEPLOYMENTS = EXAMPLES / "healthy" / "kubernetes" / "deployments.json"
EXAMPLE_DAEMONSETS = EXAMPLES / "healthy" / "kubernetes" / "daemonsets.json"

# Identities as the API server's authenticators name them.
ALICE = {
    "username": "alice@contoso.com",
    "uid": "6f4ffb5e-2b4f-4c8e-9a63-8f4cbb2c11a0",
    "groups": ["8c1e9c4e-aks-admins", "system:authenticated"],
    "extra": {"oid": ["6f4ffb5e-2b4f-4c8e-9a63-8f4cbb2c11a0"]},
}
GITOPS = {
    "username": "system:serviceaccount:flux-system:kustomize-controller",
    "uid": "0b6d7a1e-8f0f-4d7b-b0b2-4e7a2a1f6f11",
    "groups": [
        "system:serviceaccounts",
        "system:serviceaccounts:flux-system",
        "system:authenticated",
    ],
}
CAPI = {
    "username": "kubernetes-admin",
    "groups": ["system:masters", "system:authenticated"],
}
NODE_CONTROLLER = {
    "username": "system:serviceaccount:kube-system:node-controller",
    "uid": "1b0d1b8f-1d7e-4b40-9f55-8c9a3c0de2a4",
    "groups": [
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ],
}
GARBAGE_COLLECTOR = {
    "username": "system:serviceaccount:kube-system:generic-garbage-collector",
    "groups": [
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ],
}


def kubelet(node: str) -> JSON:
    return {"username": f"system:node:{node}", "groups": ["system:nodes", "system:authenticated"]}


def _items(path: Any) -> list[JSON]:
    items: list[JSON] = json.loads(path.read_text())["items"]
    return items


def kind_node() -> JSON:
    """The real control-plane Node of a kind cluster, as the API server stores it."""
    node = copy.deepcopy(_items(KIND_NODES)[0])
    node.setdefault("apiVersion", "v1")
    node.setdefault("kind", "Node")
    return node


def aks_arc_worker() -> JSON:
    node = copy.deepcopy(
        next(
            n
            for n in _items(EXAMPLE_NODES)
            if "msft.microsoft/nodepool-name" in n["metadata"]["labels"]
        )
    )
    node.setdefault("apiVersion", "v1")
    node.setdefault("kind", "Node")
    return node


def example_workload(path: Any, name: str) -> JSON:
    item = next(i for i in _items(path) if i["metadata"]["name"] == name)
    workload = copy.deepcopy(item)
    workload.setdefault("apiVersion", "apps/v1")
    return workload


def coredns() -> JSON:
    return example_workload(EXAMPLE_DEPLOYMENTS, "coredns")


def _gvk(group: str, version: str, kind: str) -> JSON:
    return {"group": group, "version": version, "kind": kind}


def _options(operation: str) -> JSON | None:
    kind = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}
    if operation not in kind:
        return None
    options: JSON = {"kind": kind[operation], "apiVersion": "meta.k8s.io/v1"}
    if operation != "DELETE":
        options["fieldManager"] = "kubectl-edit" if operation == "UPDATE" else "kubectl-create"
    return options


def review(
    *,
    group: str,
    version: str,
    kind: str,
    resource: str,
    operation: str,
    user: JSON,
    name: str,
    namespace: str = "",
    obj: JSON | None = None,
    old: JSON | None = None,
    sub_resource: str = "",
    dry_run: bool = False,
    request_version: str | None = None,
    uid: str | None = None,
) -> JSON:
    """One AdmissionReview request, field for field as the API server writes it (an absent
    namespace or subResource is left out, as its JSON encoder omits empty strings)."""
    sent = request_version or version
    request: JSON = {
        "uid": uid or str(uuid.uuid4()),
        "kind": _gvk(group, version, kind),
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": _gvk(group, sent, kind),
        "requestResource": {"group": group, "version": sent, "resource": resource},
        "name": name,
        "operation": operation,
        "userInfo": user,
        "object": obj,
        "oldObject": old,
        "dryRun": dry_run,
        "options": _options(operation),
    }
    if namespace:
        request["namespace"] = namespace
    if sub_resource:
        request["subResource"] = sub_resource
        request["requestSubResource"] = sub_resource
    return {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": request}


def node_update(
    old: JSON, new: JSON, user: JSON, *, sub_resource: str = "", dry_run: bool = False
) -> JSON:
    return review(
        group="", version="v1", kind="Node", resource="nodes", operation="UPDATE", user=user,
        name=old["metadata"]["name"], obj=new, old=old, sub_resource=sub_resource,
        dry_run=dry_run,
    )  # fmt: skip


def workload_update(old: JSON, new: JSON, user: JSON, *, dry_run: bool = False) -> JSON:
    kind = old["kind"]
    return review(
        group="apps", version="v1", kind=kind, resource=kind.lower() + "s", operation="UPDATE",
        user=user, name=old["metadata"]["name"], namespace=old["metadata"]["namespace"],
        obj=new, old=old, dry_run=dry_run,
    )  # fmt: skip


def workload_delete(old: JSON, user: JSON) -> JSON:
    kind = old["kind"]
    return review(
        group="apps", version="v1", kind=kind, resource=kind.lower() + "s", operation="DELETE",
        user=user, name=old["metadata"]["name"], namespace=old["metadata"]["namespace"],
        obj=None, old=old,
    )  # fmt: skip


def scale_update(workload: JSON, replicas: int, user: JSON) -> JSON:
    """`kubectl scale`: an UPDATE of the scale subresource, with autoscaling/v1 Scale objects."""
    meta = workload["metadata"]

    def scale(count: int) -> JSON:
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"replicas": count},
            "status": {"replicas": workload["spec"]["replicas"]},
        }

    payload = review(
        group="apps", version="v1", kind="Deployment", resource="deployments",
        operation="UPDATE", user=user, name=meta["name"], namespace=meta["namespace"],
        obj=scale(replicas), old=scale(workload["spec"]["replicas"]), sub_resource="scale",
    )  # fmt: skip
    # The objects of a scale subresource are autoscaling/v1 Scale, the resource still apps'.
    payload["request"]["kind"] = payload["request"]["requestKind"] = _gvk(
        "autoscaling", "v1", "Scale"
    )
    return payload


def encoded(payload: JSON) -> bytes:
    return json.dumps(payload).encode()
