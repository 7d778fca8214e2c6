"""managed-components: vendor components in kube-system judged against what the pack says the
release runs (MGD-3: "managed components cannot be changed; customisation is deliberately
limited"), and what else runs there (MGD-1).

The cluster is the healthy example's kube-system (Kubernetes 1.31.5): its DaemonSets,
Deployments and pods in kubectl's shape, with the kube-apiserver mirror Pod built from the real
minikube one."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from arcsupport.i18n import text
from arcsupport.policy.model import ExpectedContainer, ManagedComponent, Pack
from arcsupport.rules.facts import NEEDS_VERSION
from arcsupport.rules.outcome import Finding, NotEvaluated
from arcsupport.snapshot.kube import Pod, Workload
from helpers import (
    EXAMPLES,
    REFERENCE,
    default_pack,
    english,
    findings,
    gaps,
    make_snapshot,
    pod,
    run_rule,
    workload,
)

WHEN = "2025-09-01"
MCR = "mcr.microsoft.com/oss/kubernetes"
HEALTHY = EXAMPLES / "healthy" / "kubernetes"


@cache
def _items(part: str) -> tuple[dict[str, Any], ...]:
    document = json.loads((HEALTHY / f"{part}.json").read_text())
    return tuple(document["items"])


def kube_system(**changes: Any) -> dict[str, Any]:
    """The parts of the healthy example that this rule reads, as JSON-shaped values."""
    parts: dict[str, Any] = {
        part: [copy.deepcopy(item) for item in _items(part)]
        for part in ("daemonsets", "deployments", "pods", "nodes")
    }
    parts["version"] = json.loads((HEALTHY / "version.json").read_text())
    parts.update(changes)
    return parts


def run(parts: dict[str, Any], pack: Pack | None = None) -> list[Any]:
    return run_rule("managed-components", make_snapshot(**parts), WHEN, pack)


def named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [item for item in items if item["metadata"]["name"] == name]
    return found


def starting(items: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [item for item in items if item["metadata"]["name"].startswith(prefix)]


def only(outcomes: list[Any]) -> Finding:
    [finding] = findings(outcomes)
    return finding


def typed_workloads(items: list[dict[str, Any]]) -> list[Workload]:
    """Decoded from JSON as a bundle is, so that managedFields keep their raw fieldsV1."""
    return msgspec.json.decode(json.dumps(items), type=list[Workload])


def reference_pod(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        Path(REFERENCE / "k8s" / "examples" / name).read_text()
    )
    return document


def with_components(*components: ManagedComponent) -> Pack:
    pack = default_pack()
    managed = msgspec.structs.replace(
        pack.managed, components=[*pack.managed.components, *components]
    )
    return msgspec.structs.replace(pack, managed=managed)


@cache
def confirmed_pack() -> Pack:
    """The shipped pack as if every managed value had been confirmed on a real AKS Arc cluster
    (an overlay with `confirmed: true` and `confirmed_versions`): differences are then proof."""
    pack = default_pack()
    managed = msgspec.structs.replace(
        pack.managed,
        components=[msgspec.structs.replace(c, confirmed=True) for c in pack.managed.components],
        confirmed_versions=list(pack.managed.versions),
    )
    return msgspec.structs.replace(pack, managed=managed)


def _managed_field(manager: str, fields: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": "Update",
        "time": "2025-07-01T08:00:00Z",
        "fieldsV1": fields,
        **extra,
    }


# --- the release as shipped ----------------------------------------------------------------


def test_the_shipped_kube_system_is_clean() -> None:
    assert run(kube_system()) == []


# --- present -------------------------------------------------------------------------------


def test_a_deleted_coredns_is_unsupported() -> None:
    parts = kube_system()
    parts["deployments"] = [d for d in parts["deployments"] if d["metadata"]["name"] != "coredns"]
    parts["pods"] = [p for p in parts["pods"] if not p["metadata"]["name"].startswith("coredns")]
    finding = only(run(parts))
    assert (finding.severity, finding.clauses) == ("unsupported", ("MGD-3",))
    assert finding.message.key == "managed-components.absent"
    assert finding.message.args == {"count": 1, "names": "kube-system/Deployment/coredns"}
    assert finding.evidence[0].source == "kubernetes/deployments.json"


def test_a_deleted_static_pod_of_a_control_plane_node_is_unsupported() -> None:
    parts = kube_system()
    parts["pods"] = [p for p in parts["pods"] if not p["metadata"]["name"].startswith("etcd-")]
    finding = only(run(parts))
    assert finding.message.key == "managed-components.absent"
    assert finding.message.args["names"] == "kube-system/Pod/etcd-moc-dba58bypqc2"


def test_calico_is_judged_when_it_runs_but_its_absence_is_the_cni_rules() -> None:
    """A swapped CNI is COV-OUT-4's (the `cni` rule), not a missing managed component."""
    parts = kube_system()
    for part in ("daemonsets", "deployments", "pods"):
        parts[part] = [i for i in parts[part] if not i["metadata"]["name"].startswith("calico")]
    assert run(parts) == []


def test_what_was_not_collected_is_not_called_missing() -> None:
    parts = kube_system()
    del parts["deployments"]
    outcomes = run(parts)
    assert findings(outcomes) == []
    assert [english(gap.needs) for gap in gaps(outcomes)] == [("kubernetes/deployments.json",)]


# --- replicas ------------------------------------------------------------------------------


@pytest.mark.parametrize("manager", ["kubectl-scale", "argocd-controller"])
def test_coredns_scaled_against_a_confirmed_pack_is_unsupported_whichever_tool_did_it(
    manager: str,
) -> None:
    """`kubectl scale` writes the scale subresource as manager kubectl-scale; a GitOps
    controller scaling it is just as much a change once the pack's count is confirmed."""
    parts = kube_system()
    coredns = named(parts["deployments"], "coredns")
    coredns["spec"]["replicas"] = 5
    coredns["metadata"]["managedFields"] = [
        _managed_field(manager, {"f:spec": {"f:replicas": {}}}, subresource="scale")
    ]
    parts["deployments"] = typed_workloads(parts["deployments"])
    finding = only(run(parts, confirmed_pack()))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "managed-components.replicas",
    )
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "replicas": 5,
        "expected": 2,
    }
    # `kubectl scale` is a person's tool: its entry is evidence beside the count.
    fields = [evidence.field for evidence in finding.evidence]
    if manager == "kubectl-scale":
        assert fields == ["spec.replicas", "metadata.managedFields[manager=kubectl-scale]"]
    else:
        assert fields == ["spec.replicas"]


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        ("kubectl-scale", ("unsupported", "managed-components.replicas")),
        ("argocd-controller", ("warning", "managed-components.replicas-reference")),
    ],
)
def test_against_the_shipped_unconfirmed_reference_only_a_persons_edit_is_proof(
    manager: str, expected: tuple[str, str]
) -> None:
    """The shipped pack's counts and images come from example clusters, not from a confirmed
    AKS Arc release: a difference alone is a warning that says so; a person's edit in the
    managedFields (kubectl scale) makes it a change whatever the reference is worth."""
    parts = kube_system()
    coredns = named(parts["deployments"], "coredns")
    coredns["spec"]["replicas"] = 5
    coredns["metadata"]["managedFields"] = [
        _managed_field(manager, {"f:spec": {"f:replicas": {}}}, subresource="scale")
    ]
    parts["deployments"] = typed_workloads(parts["deployments"])
    finding = only(run(parts))
    assert (finding.severity, finding.message.key) == expected


def test_absent_replicas_count_as_one() -> None:
    parts = kube_system()
    del named(parts["deployments"], "coredns")["spec"]["replicas"]
    assert only(run(parts)).message.args["replicas"] == 1


def test_an_overlay_entry_pins_replicas_over_the_packs() -> None:
    pack = with_components(ManagedComponent(kind="Deployment", name="coredns", replicas=3))
    parts = kube_system()
    assert only(run(parts, pack)).message.args["expected"] == 3
    named(parts["deployments"], "coredns")["spec"]["replicas"] = 3
    assert run(parts, pack) == []


# --- containers and images -----------------------------------------------------------------


def test_a_sidecar_injected_into_managed_pods_is_unsupported() -> None:
    """An admission webhook added istio-proxy (the istio-custom-cni example's sidecar) to the
    CoreDNS pods: the Deployment is unchanged, its pods are not."""
    sidecar = next(
        container
        for item in json.loads((EXAMPLES / "istio-custom-cni/kubernetes/pods.json").read_text())[
            "items"
        ]
        for container in item["spec"]["containers"]
        if container["name"] == "istio-proxy"
    )
    parts = kube_system()
    for item in starting(parts["pods"], "coredns-"):
        item["spec"]["containers"].append(copy.deepcopy(sidecar))
    finding = only(run(parts))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "managed-components.injected",
    )
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "count": 2,
        "containers": "istio-proxy",
    }
    assert [e.value for e in finding.evidence] == ["docker.io/istio/proxyv2:1.24.1"] * 2
    assert finding.evidence[0].source == "kubernetes/pods.json"


def test_a_container_added_to_the_spec_is_unsupported() -> None:
    parts = kube_system()
    spec = named(parts["daemonsets"], "kube-proxy")["spec"]["template"]["spec"]
    spec["containers"].append(
        {"name": "tcpdump", "image": "mcr.microsoft.com/azurelinux/base/core:3.0"}
    )
    finding = only(run(parts, confirmed_pack()))
    assert finding.message.key == "managed-components.containers-added"
    assert finding.message.args == {
        "object": "kube-system/DaemonSet/kube-proxy",
        "containers": "tcpdump",
    }


def test_a_container_removed_from_the_spec_is_unsupported() -> None:
    parts = kube_system()
    spec = named(parts["deployments"], "csi-akshcicsi-controller")["spec"]["template"]["spec"]
    spec["containers"] = [c for c in spec["containers"] if c["name"] != "csi-attacher"]
    finding = only(run(parts, confirmed_pack()))
    assert finding.message.key == "managed-components.containers-removed"
    assert finding.message.args == {
        "object": "kube-system/Deployment/csi-akshcicsi-controller",
        "containers": "csi-attacher",
    }
    assert finding.evidence[0].field == "spec.template.spec.containers[csi-attacher]"


def test_an_image_swapped_for_another_mcr_image_is_unsupported() -> None:
    parts = kube_system()
    spec = named(parts["deployments"], "coredns")["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = f"{MCR}/coredns:v1.11.1"
    finding = only(run(parts, confirmed_pack()))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "managed-components.image-changed",
    )
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "container": "coredns",
        "image": f"{MCR}/coredns:v1.11.1",
        "expected": f"{MCR}/coredns:v1.11.3",
    }


def test_a_static_pod_on_another_patch_is_a_changed_image() -> None:
    parts = kube_system()
    apiserver = starting(parts["pods"], "kube-apiserver-")[0]
    apiserver["spec"]["containers"][0]["image"] = f"{MCR}/kube-apiserver:v1.31.4"
    finding = only(run(parts, confirmed_pack()))
    assert finding.message.key == "managed-components.image-changed"
    assert finding.message.args["expected"] == f"{MCR}/kube-apiserver:v1.31.5"
    assert finding.evidence[0].source == "kubernetes/pods.json"


def test_against_the_shipped_reference_a_changed_image_or_container_is_a_warning() -> None:
    parts = kube_system()
    spec = named(parts["deployments"], "coredns")["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = f"{MCR}/coredns:v1.11.1"
    proxy = named(parts["daemonsets"], "kube-proxy")["spec"]["template"]["spec"]
    proxy["containers"].append({"name": "tcpdump", "image": f"{MCR}/tcpdump:1"})
    produced = findings(run(parts))
    assert {(f.severity, f.message.key) for f in produced} == {
        ("warning", "managed-components.image-changed-reference"),
        ("warning", "managed-components.containers-added-reference"),
    }


def test_a_container_only_the_reference_lacks_is_a_warning_when_the_spec_is_not_known() -> None:
    """Without the Deployments the pods are compared with the pack's reference alone."""
    parts = kube_system()
    del parts["deployments"]
    for item in starting(parts["pods"], "coredns-"):
        item["spec"]["containers"].append({"name": "agent", "image": "docker.io/agent:1"})
    keys = {(f.severity, f.message.key) for f in findings(run(parts))}
    assert ("warning", "managed-components.injected-reference") in keys
    keys = {(f.severity, f.message.key) for f in findings(run(parts, confirmed_pack()))}
    assert ("unsupported", "managed-components.injected") in keys


def test_an_image_from_another_registry_is_unsupported() -> None:
    parts = kube_system()
    spec = named(parts["deployments"], "coredns")["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = "docker.io/coredns/coredns:1.11.3"
    finding = only(run(parts))
    assert finding.message.key == "managed-components.image"
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "container": "coredns",
        "image": "docker.io/coredns/coredns:1.11.3",
        "registries": "mcr.microsoft.com/",
    }
    [evidence] = finding.evidence
    assert evidence.field == "spec.template.spec.containers[coredns].image"
    assert evidence.source == "kubernetes/deployments.json"


def test_init_containers_are_compared_too() -> None:
    parts = kube_system()
    spec = named(parts["daemonsets"], "calico-node")["spec"]["template"]["spec"]
    spec["initContainers"][1]["image"] = "quay.io/calico/cni:v3.28.2"
    finding = only(run(parts))
    assert finding.message.args["container"] == "install-cni"
    assert finding.evidence[0].field == "spec.template.spec.initContainers[install-cni].image"


def test_the_real_minikube_apiserver_pod_is_an_upstream_image() -> None:
    parts = kube_system()
    parts["pods"].append(reference_pod("kubescape-kube-apiserver-pod-minikube.yaml"))
    finding = only(run(parts))
    assert finding.message.key == "managed-components.image"
    assert finding.message.args["object"] == "kube-system/Pod/kube-apiserver-minikube"
    assert finding.message.args["image"] == "k8s.gcr.io/kube-apiserver:v1.24.1"


def test_a_labelled_control_plane_pod_outside_the_pack_list_is_checked() -> None:
    parts = kube_system()
    parts["pods"].append(
        pod("kube-vip-moc-l1hj0nllpvs", "kube-system",
            labels={"component": "kube-vip", "tier": "control-plane"},
            containers=[{"name": "kube-vip", "image": "ghcr.io/kube-vip/kube-vip:v0.8.0"}])
    )  # fmt: skip
    assert only(run(parts)).message.args["object"] == "kube-system/Pod/kube-vip-moc-l1hj0nllpvs"


def test_ordinary_pods_are_judged_through_their_workloads() -> None:
    parts = kube_system()
    parts["pods"].append(
        pod("metrics-agent-xyz", "kube-system",
            containers=[{"name": "agent", "image": "docker.io/example/agent:1"}])
    )  # fmt: skip
    assert findings(run(parts)) == []


# --- what the pack cannot say --------------------------------------------------------------


def test_without_the_clusters_version_the_exact_images_are_a_gap() -> None:
    """No /version, and nothing to infer it from: the API server's image pinned by digest
    alone, no node lists."""
    parts = kube_system()
    del parts["version"], parts["nodes"]
    apiserver = starting(parts["pods"], "kube-apiserver-")[0]["spec"]["containers"][0]
    apiserver["image"] = f"{MCR}/oss/kubernetes/kube-apiserver@sha256:{'5' * 64}"
    spec = named(parts["deployments"], "coredns")["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = f"{MCR}/coredns:v1.11.1"
    outcomes = run(parts)
    assert findings(outcomes) == []  # unknown is not a verdict either way
    [gap] = gaps(outcomes)
    assert english(gap.needs)[0].startswith(
        f"{english((NEEDS_VERSION,))[0]}, to compare the images of"
    )
    assert "kube-system/DaemonSet/kube-proxy" in english(gap.needs)[0]


def test_a_version_inferred_from_the_static_pod_judges_the_exact_images() -> None:
    """A `kubectl cluster-info dump` has no /version: the kube-apiserver image tag tells it."""
    parts = kube_system()
    del parts["version"]
    spec = named(parts["deployments"], "coredns")["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = f"{MCR}/coredns:v1.11.1"
    finding = only(run(parts))
    assert finding.message.args["expected"] == f"{MCR}/coredns:v1.11.3"


def test_a_minor_the_pack_has_no_addons_for_is_a_gap() -> None:
    parts = kube_system(version={"gitVersion": "v1.29.12"})
    outcomes = run(parts)
    [gap] = gaps(outcomes)
    assert english(gap.needs)[0].startswith(
        "the add-on versions AKS Arc ships with Kubernetes 1.29 (policy pack: managed.versions),"
        " to compare the images of kube-system/DaemonSet/kube-proxy"
    )
    assert findings(outcomes) == []


def test_an_overlay_can_pin_containers_of_its_own() -> None:
    pinned = ExpectedContainer(name="coredns", image=f"{MCR}/coredns:v1.11.3-patched")
    pack = with_components(ManagedComponent(kind="Deployment", name="coredns", containers=[pinned]))
    finding = only(run(kube_system(), pack))
    assert finding.message.args["expected"] == f"{MCR}/coredns:v1.11.3-patched"


# --- hand edits ----------------------------------------------------------------------------


def test_a_hand_edit_of_an_unpinned_value_is_unsupported() -> None:
    parts = kube_system()
    named(parts["deployments"], "coredns")["metadata"]["managedFields"] = [
        _managed_field("kube-controller-manager", {"f:spec": {"f:replicas": {}}}),
        _managed_field("kubectl-edit", {"f:spec": {"f:template": {}}}),
    ]
    parts["deployments"] = typed_workloads(parts["deployments"])
    finding = only(run(parts))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "managed-components.hand-edit",
    )
    assert finding.message.args == {
        "object": "kube-system/Deployment/coredns",
        "managers": "kubectl-edit",
    }
    assert finding.evidence[0].field == "metadata.managedFields[manager=kubectl-edit]"
    assert "2025-07-01" in finding.evidence[0].value


def test_metadata_only_edits_are_not_a_component_change() -> None:
    parts = kube_system()
    named(parts["daemonsets"], "kube-proxy")["metadata"]["managedFields"] = [
        _managed_field("kubectl-label", {"f:metadata": {"f:labels": {"f:team": {}}}}),
        _managed_field("helm", {"f:spec": {}}),
    ]
    parts["daemonsets"] = typed_workloads(parts["daemonsets"])
    assert findings(run(parts)) == []


def test_pinned_args_are_read_from_command_and_args() -> None:
    pack = with_components(
        ManagedComponent(kind="StaticPod", name="kube-apiserver-*", args=["--secure-port=6443"]),
    )
    parts = kube_system()
    assert run(parts, pack) == []
    apiserver = starting(parts["pods"], "kube-apiserver-")[0]
    apiserver["spec"]["containers"][0]["command"] = ["kube-apiserver"]
    finding = only(run(parts, pack))
    assert finding.message.key == "managed-components.args"
    assert finding.message.args == {
        "object": "kube-system/Pod/kube-apiserver-moc-dba58bypqc2",
        "args": "--secure-port=6443",
    }


# --- MGD-1: what else runs in kube-system --------------------------------------------------


def test_unknown_kube_system_workloads_are_reported_once_as_info() -> None:
    parts = kube_system()
    parts["daemonsets"].append(workload("DaemonSet", "node-tuner", "kube-system"))
    parts["deployments"].append(
        workload("Deployment", "my-operator", "kube-system", image="ghcr.io/me/op:1")
    )
    finding = only(run(parts))
    assert finding.severity == "info"
    assert finding.clauses == ("MGD-1",)
    assert finding.message.key == "managed-components.unrecognised"
    assert finding.message.args["count"] == 2
    assert finding.message.args["names"] == (
        "kube-system/DaemonSet/node-tuner, kube-system/Deployment/my-operator"
    )


def test_unrecognised_list_is_capped() -> None:
    parts = kube_system()
    parts["daemonsets"] += [workload("DaemonSet", f"tool-{i}", "kube-system") for i in range(12)]
    finding = only(run(parts))
    assert finding.message.args["count"] == 12
    assert len(finding.evidence) == 10
    assert str(finding.message.args["names"]).endswith("(+2)")


# --- inputs --------------------------------------------------------------------------------


def test_without_pods_the_static_pod_part_is_a_gap() -> None:
    parts = kube_system()
    del parts["pods"]
    outcomes = run(parts)
    assert [english(gap.needs) for gap in gaps(outcomes)] == [
        ("kubernetes/pods.json (static control-plane pods)",)
    ]
    assert findings(outcomes) == []


def test_pods_alone_still_judge_static_pods() -> None:
    snap = make_snapshot(pods=[reference_pod("kubescape-kube-apiserver-pod-rke2.yaml")])
    outcomes = run_rule("managed-components", snap, WHEN)
    assert english(gaps(outcomes)[0].needs) == (
        "kubernetes/daemonsets.json",
        "kubernetes/deployments.json",
    )
    by_key = {finding.message.key: finding for finding in findings(outcomes)}
    assert (
        by_key["managed-components.image"].message.args["image"]
        == "index.docker.io/rancher/hardened-kubernetes:v1.32.11-rke2r1"
    )
    # Without nodes, one pod per required static component is all that can be asked for.
    assert by_key["managed-components.absent"].message.args["names"] == (
        "kube-system/Pod/kube-controller-manager-*, kube-system/Pod/kube-scheduler-*, "
        "kube-system/Pod/etcd-*"
    )


def test_not_evaluated_without_workloads_or_pods() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("managed-components", make_snapshot(nodes=[]), WHEN)
    assert "kubernetes/daemonsets.json" in english(raised.value.needs)


def test_reference_pods_decode_as_pods() -> None:
    """The YAML examples are real API output; the typed model must read them."""
    for name in (
        "kubescape-kube-apiserver-pod-minikube.yaml",
        "kubescape-kube-apiserver-pod-rke2.yaml",
    ):
        decoded = msgspec.convert(reference_pod(name), Pod)
        assert decoded.metadata.labels["tier"] == "control-plane"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_finding_renders(lang: str) -> None:
    parts = kube_system()
    parts["deployments"] = [d for d in parts["deployments"] if d["metadata"]["name"] != "coredns"]
    proxy = named(parts["daemonsets"], "kube-proxy")["spec"]["template"]["spec"]
    proxy["containers"][0]["image"] = f"{MCR}/kube-proxy:v1.31.4"
    proxy["containers"].append({"name": "extra", "image": "mcr.microsoft.com/x:1"})
    csi = named(parts["deployments"], "csi-akshcicsi-controller")["spec"]["template"]["spec"]
    csi["containers"] = csi["containers"][:1]
    csi["containers"][0]["image"] = "docker.io/x:1"
    named(parts["deployments"], "calico-kube-controllers")["spec"]["replicas"] = 2
    starting(parts["pods"], "kube-proxy-")[0]["spec"]["containers"].append(
        {"name": "sidecar", "image": "docker.io/y:1"}
    )
    parts["deployments"].append(workload("Deployment", "mine", "kube-system"))
    telemetry = named(parts["deployments"], "akshci-telemetry")
    telemetry["metadata"]["managedFields"] = [_managed_field("kubectl-patch", {"f:spec": {}})]
    parts["deployments"] = typed_workloads(parts["deployments"])
    extra = ManagedComponent(kind="DaemonSet", name="kube-proxy", args=["--v=9"])
    keys: set[str] = set()
    produced = []
    for base in (default_pack(), confirmed_pack()):
        pack = msgspec.structs.replace(
            base,
            managed=msgspec.structs.replace(
                base.managed, components=[*base.managed.components, extra]
            ),
        )
        found = findings(run(parts, pack))
        produced += found
        keys |= {finding.message.key.split(".")[1] for finding in found}
    assert keys == {"absent", "image-changed", "containers-added", "containers-removed", "image",
                    "replicas", "injected", "unrecognised", "hand-edit", "args",
                    "image-changed-reference", "containers-added-reference",
                    "containers-removed-reference", "replicas-reference"}  # fmt: skip
    for finding in produced:
        for field in ("title", "message", "fix"):
            rendered = text(lang, finding.message.key, field, **finding.message.args)
            assert rendered and "{" not in rendered
