"""managed-components: changed vendor components in kube-system (MGD-3), and the rest (MGD-1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from arcsupport.policy.model import ManagedComponent, Pack
from arcsupport.rules.outcome import NotEvaluated
from arcsupport.snapshot.kube import Pod, Workload
from helpers import (
    REFERENCE,
    default_pack,
    findings,
    gaps,
    make_snapshot,
    pod,
    run_rule,
    workload,
)

WHEN = "2025-09-01"
MCR = "mcr.microsoft.com/oss/kubernetes"


def typed_workloads(items: list[dict[str, Any]]) -> list[Workload]:
    """Decoded from JSON as a bundle is, so that managedFields keep their raw fieldsV1."""
    return msgspec.json.decode(json.dumps(items), type=list[Workload])


def reference_pod(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        Path(REFERENCE / "k8s" / "examples" / name).read_text()
    )
    return document


def aks_arc_kube_system() -> dict[str, Any]:
    """kube-system as AKS Arc ships it (research/aksarc-formats.md 2.6)."""
    calico = "mcr.microsoft.com/oss/calico"
    return {
        "daemonsets": [
            workload("DaemonSet", "kube-proxy", "kube-system", image=f"{MCR}/kube-proxy:v1.30.4"),
            workload(
                "DaemonSet",
                "calico-node",
                "kube-system",
                containers=[{"name": "calico-node", "image": f"{calico}/node:v3.28.0"}],
                pod_spec={
                    "initContainers": [{"name": "install-cni", "image": f"{calico}/cni:v3.28.0"}]
                },
            ),
            workload("DaemonSet", "csi-akshcicsi-node", "kube-system"),
        ],
        "deployments": [
            workload(
                "Deployment", "coredns", "kube-system", replicas=2, image=f"{MCR}/coredns:v1.11.1"
            ),
            workload("Deployment", "moc-cloud-controller-manager", "kube-system", replicas=1),
            workload("Deployment", "web", "shop", image="docker.io/library/nginx:1.27"),
        ],
        "pods": [
            pod(
                "kube-apiserver-moc-l1hj0nllpvs",
                "kube-system",
                labels={"component": "kube-apiserver", "tier": "control-plane"},
                containers=[
                    {
                        "name": "kube-apiserver",
                        "image": f"{MCR}/kube-apiserver:v1.30.4",
                        "command": ["kube-apiserver", "--secure-port=6443"],
                    }
                ],
            ),
            pod(
                "etcd-moc-l1hj0nllpvs",
                "kube-system",
                containers=[{"name": "etcd", "image": f"{MCR}/etcd:3.5.15"}],
            ),
            pod(
                "coredns-7d6f8-abcde",
                "kube-system",
                owner=("ReplicaSet", "coredns-7d6f8"),
                containers=[{"name": "coredns", "image": f"{MCR}/coredns:v1.11.1"}],
            ),
        ],
    }


def with_components(*components: ManagedComponent) -> Pack:
    pack = default_pack()
    managed = msgspec.structs.replace(
        pack.managed, components=[*pack.managed.components, *components]
    )
    return msgspec.structs.replace(pack, managed=managed)


def test_shipped_kube_system_is_clean() -> None:
    assert run_rule("managed-components", make_snapshot(**aks_arc_kube_system()), WHEN) == []


def test_image_from_another_registry_is_unsupported() -> None:
    parts = aks_arc_kube_system()
    parts["deployments"][0] = workload(
        "Deployment", "coredns", "kube-system", replicas=2, image="docker.io/coredns/coredns:1.11.1"
    )
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.severity == "unsupported"
    assert finding.clauses == ("MGD-3",)
    assert finding.message.key == "managed-components.image"
    assert finding.message.args["object"] == "kube-system/Deployment/coredns"
    assert finding.message.args["container"] == "coredns"
    assert finding.message.args["image"] == "docker.io/coredns/coredns:1.11.1"
    [evidence] = finding.evidence
    assert evidence.field == "spec.template.spec.containers[coredns].image"
    assert evidence.source == "kubernetes/deployments.json"


def test_init_container_image_is_checked_too() -> None:
    parts = aks_arc_kube_system()
    parts["daemonsets"][1]["spec"]["template"]["spec"]["initContainers"][0]["image"] = (
        "quay.io/calico/cni:v3.28.0"
    )
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.message.args["container"] == "install-cni"
    assert finding.evidence[0].field == "spec.template.spec.initContainers[install-cni].image"


def test_static_pod_with_an_upstream_image_is_unsupported() -> None:
    """The real minikube mirror pod: labelled control-plane, image from k8s.gcr.io."""
    parts = aks_arc_kube_system()
    parts["pods"].append(reference_pod("kubescape-kube-apiserver-pod-minikube.yaml"))
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.message.key == "managed-components.image"
    assert finding.message.args["object"] == "kube-system/Pod/kube-apiserver-minikube"
    assert finding.message.args["image"] == "k8s.gcr.io/kube-apiserver:v1.24.1"
    assert finding.evidence[0].source == "kubernetes/pods.json"


def test_labelled_control_plane_pod_outside_the_pack_list_is_checked() -> None:
    parts = aks_arc_kube_system()
    parts["pods"].append(
        pod("kube-vip-moc-l1hj0nllpvs", "kube-system",
            labels={"component": "kube-vip", "tier": "control-plane"},
            containers=[{"name": "kube-vip", "image": "ghcr.io/kube-vip/kube-vip:v0.8.0"}])
    )  # fmt: skip
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.message.args["object"] == "kube-system/Pod/kube-vip-moc-l1hj0nllpvs"


def test_ordinary_pods_are_judged_through_their_workloads() -> None:
    parts = aks_arc_kube_system()
    parts["pods"].append(
        pod("metrics-agent-xyz", "kube-system",
            containers=[{"name": "agent", "image": "docker.io/example/agent:1"}])
    )  # fmt: skip
    assert findings(run_rule("managed-components", make_snapshot(**parts), WHEN)) == []


def test_pinned_replicas() -> None:
    pack = with_components(ManagedComponent(kind="Deployment", name="coredns", replicas=2))
    parts = aks_arc_kube_system()
    assert run_rule("managed-components", make_snapshot(**parts), WHEN, pack) == []

    parts["deployments"][0]["spec"]["replicas"] = 5
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN, pack))
    assert finding.message.key == "managed-components.replicas"
    assert finding.severity == "unsupported"
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "replicas": 5,
        "expected": 2,
    }


def test_absent_replicas_count_as_one() -> None:
    pack = with_components(ManagedComponent(kind="Deployment", name="coredns", replicas=2))
    parts = aks_arc_kube_system()
    del parts["deployments"][0]["spec"]["replicas"]
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN, pack))
    assert finding.message.args["replicas"] == 1


def test_pinned_args_are_read_from_command_and_args() -> None:
    pack = with_components(
        ManagedComponent(kind="StaticPod", name="kube-apiserver-*", args=["--secure-port=6443"]),
        ManagedComponent(kind="DaemonSet", name="kube-proxy", args=["--v=2"]),
    )
    parts = aks_arc_kube_system()
    parts["daemonsets"][0]["spec"]["template"]["spec"]["containers"][0]["args"] = ["--v=2"]
    assert run_rule("managed-components", make_snapshot(**parts), WHEN, pack) == []

    parts["pods"][0]["spec"]["containers"][0]["command"] = ["kube-apiserver"]
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN, pack))
    assert finding.message.key == "managed-components.args"
    assert finding.message.args == {
        "object": "kube-system/Pod/kube-apiserver-moc-l1hj0nllpvs",
        "args": "--secure-port=6443",
    }


def _managed_field(manager: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": "Update",
        "time": "2025-07-01T08:00:00Z",
        "fieldsV1": fields,
    }


def test_spec_edited_by_hand_is_unsupported() -> None:
    parts = aks_arc_kube_system()
    parts["deployments"][0]["metadata"]["managedFields"] = [
        _managed_field("kube-controller-manager", {"f:spec": {"f:replicas": {}}}),
        _managed_field("kubectl-edit", {"f:spec": {"f:template": {}}}),
    ]
    parts["deployments"] = typed_workloads(parts["deployments"])
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.message.key == "managed-components.hand-edit"
    assert finding.severity == "unsupported"
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "managers": "kubectl-edit",
    }
    assert finding.evidence[0].field == "metadata.managedFields[manager=kubectl-edit]"
    assert "2025-07-01" in finding.evidence[0].value


def test_metadata_only_edits_are_not_a_component_change() -> None:
    parts = aks_arc_kube_system()
    parts["daemonsets"][0]["metadata"]["managedFields"] = [
        _managed_field("kubectl-label", {"f:metadata": {"f:labels": {"f:team": {}}}}),
        _managed_field("helm", {"f:spec": {}}),
    ]
    parts["daemonsets"] = typed_workloads(parts["daemonsets"])
    assert findings(run_rule("managed-components", make_snapshot(**parts), WHEN)) == []


def test_unknown_kube_system_workloads_are_reported_once_as_info() -> None:
    parts = aks_arc_kube_system()
    parts["daemonsets"].append(workload("DaemonSet", "node-tuner", "kube-system"))
    parts["deployments"].append(
        workload("Deployment", "my-operator", "kube-system", image="ghcr.io/me/op:1")
    )
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.severity == "info"
    assert finding.clauses == ("MGD-1",)
    assert finding.message.key == "managed-components.unrecognised"
    assert finding.message.args["count"] == 2
    assert finding.message.args["names"] == (
        "kube-system/DaemonSet/node-tuner, kube-system/Deployment/my-operator"
    )


def test_unrecognised_list_is_capped() -> None:
    parts = aks_arc_kube_system()
    parts["daemonsets"] += [workload("DaemonSet", f"tool-{i}", "kube-system") for i in range(12)]
    [finding] = findings(run_rule("managed-components", make_snapshot(**parts), WHEN))
    assert finding.message.args["count"] == 12
    assert len(finding.evidence) == 10
    assert str(finding.message.args["names"]).endswith("(+2)")


def test_without_pods_the_static_pod_part_is_a_gap() -> None:
    parts = aks_arc_kube_system()
    del parts["pods"]
    outcomes = run_rule("managed-components", make_snapshot(**parts), WHEN)
    assert [gap.needs for gap in gaps(outcomes)] == [
        ("kubernetes/pods.json (static control-plane pods)",)
    ]
    assert findings(outcomes) == []


def test_pods_alone_still_judge_static_pods() -> None:
    snap = make_snapshot(pods=[reference_pod("kubescape-kube-apiserver-pod-rke2.yaml")])
    outcomes = run_rule("managed-components", snap, WHEN)
    assert gaps(outcomes)[0].needs == ("kubernetes/daemonsets.json", "kubernetes/deployments.json")
    [finding] = findings(outcomes)
    assert (
        finding.message.args["image"]
        == "index.docker.io/rancher/hardened-kubernetes:v1.32.11-rke2r1"
    )


def test_not_evaluated_without_workloads_or_pods() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("managed-components", make_snapshot(nodes=[]), WHEN)
    assert "kubernetes/daemonsets.json" in raised.value.needs


def test_reference_pods_decode_as_pods() -> None:
    """The YAML examples are real API output; the typed model must read them."""
    for name in (
        "kubescape-kube-apiserver-pod-minikube.yaml",
        "kubescape-kube-apiserver-pod-rke2.yaml",
    ):
        decoded = msgspec.convert(reference_pod(name), Pod)
        assert decoded.metadata.labels["tier"] == "control-plane"
