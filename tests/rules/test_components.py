"""third-party-components (COV-OUT-2) and cni (COV-IN-7, COV-OUT-4)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from arcsupport.i18n import catalog, has
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import NotEvaluated
from arcsupport.sources.metrics import parse_metrics
from helpers import (
    default_pack,
    english,
    findings,
    gaps,
    make_snapshot,
    placeholders,
    pod,
    reference_body,
    reference_json,
    run_assess,
    run_rule,
    workload,
)

WHEN = "2025-09-01"
MCR = "mcr.microsoft.com/oss"


def apis(*groups: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": name,
                "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in versions],
            }
            for name, versions in groups
        ],
    }


def aks_arc_cluster() -> dict[str, Any]:
    """What every AKS Arc cluster runs: Calico in kube-system from MCR."""
    return {
        "daemonsets": [
            workload("DaemonSet", "calico-node", "kube-system", image=f"{MCR}/calico/node:v3.28.0"),
            workload("DaemonSet", "kube-proxy", "kube-system"),
        ],
        "deployments": [workload("Deployment", "coredns", "kube-system", replicas=2)],
        "services": [{"metadata": {"name": "kube-dns", "namespace": "kube-system"}}],
        "pods": [pod("coredns-1", "kube-system")],
        "apis": apis(("apps", ["v1"]), ("crd.projectcalico.org", ["v1"])),
    }


def istio(parts: dict[str, Any]) -> dict[str, Any]:
    parts["deployments"].append(
        workload("Deployment", "istiod", "istio-system", image="docker.io/istio/pilot:1.23.0")
    )
    parts["services"].append({"metadata": {"name": "istiod", "namespace": "istio-system"}})
    sidecar = {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.23.0"}
    app = {"name": "app", "image": "registry.example/shop:1"}
    parts["pods"] += [
        pod("cart-1", "shop", containers=[app, sidecar]),
        pod("cart-2", "shop", containers=[app, sidecar]),
        pod("pay-1", "payments", containers=[app, sidecar]),
        pod("plain-1", "payments", containers=[app]),
    ]
    # Istio 1.19+ on Kubernetes 1.29+ injects the proxy as a native sidecar (init container).
    native = pod("pay-2", "payments", containers=[app])
    native["spec"]["initContainers"] = [sidecar]
    parts["pods"].append(native)
    parts["apis"]["groups"].append({"name": "networking.istio.io", "versions": []})
    return parts


def helm_workload(name: str, namespace: str, release: str) -> dict[str, Any]:
    return workload(
        "Deployment",
        name,
        namespace,
        labels={"app.kubernetes.io/managed-by": "Helm"},
        annotations={
            "meta.helm.sh/release-name": release,
            "meta.helm.sh/release-namespace": namespace,
        },
    )


# --- third-party-components -------------------------------------------------------------


def test_plain_aks_arc_cluster_has_no_third_party_components() -> None:
    """Calico is a CNI: the cni rule reports it, not this one."""
    assert run_rule("third-party-components", make_snapshot(**aks_arc_cluster()), WHEN) == []


def test_istio_with_sidecars_is_out_of_scope() -> None:
    snap = make_snapshot(**istio(aks_arc_cluster()))
    [finding] = findings(run_rule("third-party-components", snap, WHEN))
    assert finding.severity == "out-of-scope"
    assert finding.clauses == ("COV-OUT-2",)
    assert finding.message.key == "third-party-components.out-of-scope"
    args = finding.message.args
    assert args["name"] == "Istio"
    assert args["category"] == "service-mesh"
    # workload name + image, service, sidecars in two namespaces, namespace, API group
    assert args["signals"] == 7
    assert str(args["found"]).startswith("istio-system/Deployment/istiod")
    values = {(item.object, item.value) for item in finding.evidence}
    assert ("shop/Pod/*", "istio-proxy: 2 pods") in values
    assert ("payments/Pod/*", "istio-proxy: 2 pods") in values
    assert ("/apis/networking.istio.io", "networking.istio.io") in values
    assert ("Namespace/istio-system", "istio-system") in values


def test_sidecars_alone_reveal_a_mesh() -> None:
    sidecar = {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:stable"}
    snap = make_snapshot(pods=[pod("web-1", "web", containers=[sidecar])])
    outcomes = run_rule("third-party-components", snap, WHEN)
    [finding] = findings(outcomes)
    assert finding.message.args["name"] == "Linkerd"
    assert finding.evidence[0].source == "kubernetes/pods.json"
    [gap] = gaps(outcomes)
    assert "kubernetes/apis.json (API groups)" in english(gap.needs)


def test_helm_releases_are_grouped_and_best_effort() -> None:
    parts = aks_arc_cluster()
    parts["deployments"] += [
        helm_workload("frontend", "web", "shop"),
        helm_workload("backend", "web", "shop"),
        helm_workload("prometheus-server", "monitoring", "prometheus"),
    ]
    [finding] = findings(run_rule("third-party-components", make_snapshot(**parts), WHEN))
    assert finding.severity == "best-effort"
    assert finding.clauses == ("COV-OUT-2",)
    assert finding.message.key == "third-party-components.releases"
    assert finding.message.args == {
        "name": "Helm releases",
        "count": 2,
        "releases": "web/shop, monitoring/prometheus",
    }


def test_helm_label_without_release_annotation() -> None:
    parts = aks_arc_cluster()
    parts["daemonsets"].append(
        workload("DaemonSet", "agent", "ops", labels={"app.kubernetes.io/managed-by": "Helm"})
    )
    [finding] = findings(run_rule("third-party-components", make_snapshot(**parts), WHEN))
    assert finding.message.key == "third-party-components.best-effort"
    assert finding.message.args["found"] == "ops/DaemonSet/agent"


def test_helm_releases_in_vendor_namespaces_are_the_vendors_not_third_party() -> None:
    # Arc agents are the `azure-arc` Helm release; the vendor installs them, not the user.
    parts = aks_arc_cluster()
    parts["deployments"].append(helm_workload("clusterconnect-agent", "azure-arc", "azure-arc"))
    assert findings(run_rule("third-party-components", make_snapshot(**parts), WHEN)) == []
    parts["deployments"].append(helm_workload("frontend", "web", "shop"))
    [finding] = findings(run_rule("third-party-components", make_snapshot(**parts), WHEN))
    assert finding.message.args["releases"] == "web/shop"


def test_severity_follows_the_pack() -> None:
    pack = default_pack()
    helm = msgspec.structs.replace(pack.components["helm"], support="out-of-scope")
    overridden: Pack = msgspec.structs.replace(pack, components={**pack.components, "helm": helm})
    parts = aks_arc_cluster()
    parts["deployments"].append(helm_workload("frontend", "web", "shop"))
    [finding] = findings(
        run_rule("third-party-components", make_snapshot(**parts), WHEN, overridden)
    )
    assert finding.severity == "out-of-scope"
    assert finding.message.key == "third-party-components.releases"


def test_evidence_is_capped() -> None:
    parts = aks_arc_cluster()
    parts["deployments"] += [helm_workload(f"app-{i}", f"team-{i}", f"r{i}") for i in range(15)]
    [finding] = findings(run_rule("third-party-components", make_snapshot(**parts), WHEN))
    assert len(finding.evidence) == 10
    assert finding.message.args["count"] == 15
    assert str(finding.message.args["releases"]).endswith("(+10)")


def test_many_pods_are_counted_in_one_pass() -> None:
    sidecar = {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.23.0"}
    pods = [pod(f"p-{i}", f"ns-{i % 3}", containers=[sidecar]) for i in range(3000)]
    [finding] = findings(run_rule("third-party-components", make_snapshot(pods=pods), WHEN))
    assert {item.value for item in finding.evidence} == {"istio-proxy: 1000 pods"}


def test_third_party_not_evaluated_without_any_inventory() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("third-party-components", make_snapshot(nodes=[]), WHEN)
    assert "kubernetes/pods.json (injected sidecars)" in english(raised.value.needs)


# --- cni ----------------------------------------------------------------------------------


def test_aks_arc_calico_is_best_effort_and_matches_the_provisioned_policy() -> None:
    parts = aks_arc_cluster()
    parts["provisioned_cluster"] = reference_body(
        "hybridaks-2024-01-01-GetProvisionedClusterInstance.json"
    )
    outcomes = run_rule("cni", make_snapshot(**parts), WHEN)
    [finding] = findings(outcomes)
    assert gaps(outcomes) == []
    assert finding.severity == "best-effort"
    assert finding.clauses == ("COV-IN-7",)
    assert finding.message.key == "cni.best-effort"
    assert finding.message.args["name"] == "Calico"
    assert finding.message.args["signals"] == 3  # DaemonSet name, image, API group
    assert finding.evidence[-1].field == "properties.networkProfile.networkPolicy"
    assert finding.evidence[-1].value == "calico"


def test_cilium_is_out_of_scope_and_contradicts_the_provisioned_policy() -> None:
    parts = aks_arc_cluster()
    parts["daemonsets"] = [
        workload("DaemonSet", "cilium", "kube-system", image="quay.io/cilium/cilium:v1.16.1"),
    ]
    parts["deployments"].append(workload("Deployment", "cilium-operator", "kube-system"))
    parts["apis"] = apis(("apps", ["v1"]), ("cilium.io", ["v2"]))
    parts["provisioned_cluster"] = reference_body(
        "hybridaks-2024-01-01-GetProvisionedClusterInstance.json"
    )
    cilium, mismatch = findings(run_rule("cni", make_snapshot(**parts), WHEN))
    assert cilium.severity == "out-of-scope"
    assert cilium.clauses == ("COV-OUT-4",)
    assert cilium.message.key == "cni.out-of-scope"
    assert cilium.message.args["name"] == "Cilium"
    assert cilium.message.args["signals"] == 4
    assert mismatch.severity == "out-of-scope"
    assert mismatch.clauses == ("COV-OUT-4",)
    assert mismatch.message.key == "cni.network-policy"
    assert mismatch.message.args == {"policy": "calico", "found": "Cilium"}


def test_canal_is_calico_and_flannel_like_the_host_scanner_says() -> None:
    parts = aks_arc_cluster()
    parts["daemonsets"] = [workload("DaemonSet", "canal", "kube-system")]
    parts["apis"] = apis(("apps", ["v1"]))
    found = findings(run_rule("cni", make_snapshot(**parts), WHEN))
    host_scanner = reference_json("k8s/examples/kubescape-host-scanner-cniinfo.json")
    assert {finding.message.args["name"] for finding in found} == set(host_scanner["CNINames"])
    assert {finding.severity for finding in found} == {"best-effort"}


def test_flannel_in_its_own_namespace() -> None:
    snap = make_snapshot(
        daemonsets=[
            workload(
                "DaemonSet", "kube-flannel-ds", "kube-flannel",
                image="ghcr.io/flannel-io/flannel:v0.25.6",
            )
        ]
    )  # fmt: skip
    [finding] = findings(run_rule("cni", snap, WHEN))
    assert finding.message.args["name"] == "Flannel"
    assert finding.clauses == ("COV-IN-7",)


def test_no_known_cni_is_info() -> None:
    snap = make_snapshot(daemonsets=[workload("DaemonSet", "kindnet", "kube-system")])
    [finding] = findings(run_rule("cni", snap, WHEN))
    assert finding.severity == "info"
    assert finding.message.key == "cni.none"


def test_api_groups_alone_leave_a_gap() -> None:
    outcomes = run_rule("cni", make_snapshot(apis=apis(("crd.projectcalico.org", ["v1"]))), WHEN)
    [finding] = findings(outcomes)
    assert finding.message.args["name"] == "Calico"
    assert [english(gap.needs) for gap in gaps(outcomes)] == [("kubernetes/daemonsets.json",)]


def test_cni_not_evaluated_without_daemonsets_or_apis() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("cni", make_snapshot(pods=[pod("a", "default")]), WHEN)
    assert english(raised.value.needs) == ("kubernetes/daemonsets.json", "kubernetes/apis.json")


# --- catalogs and the whole assessment ---------------------------------------------------

KEYS = {
    "managed-components": [
        "image",
        "image-changed",
        "containers-added",
        "containers-removed",
        "injected",
        "absent",
        "args",
        "replicas",
        "hand-edit",
        "unrecognised",
    ],
    "third-party-components": ["out-of-scope", "best-effort", "releases"],
    "cni": ["best-effort", "out-of-scope", "none", "network-policy"],
    "alpha-features": ["gates", "unknown-stage", "runtime-config", "alpha-apis"],
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_catalog_has_every_key_in_both_languages(lang: Any) -> None:
    for rule_id, variants in KEYS.items():
        for variant in variants:
            for field in ("title", "message", "fix"):
                assert has(lang, f"{rule_id}.{variant}", field), (lang, rule_id, variant, field)


def test_catalog_placeholders_agree_between_languages() -> None:
    for rule_id, variants in KEYS.items():
        for variant in variants:
            key = f"{rule_id}.{variant}"
            for field in ("title", "message", "fix"):
                names = [placeholders(catalog(lang)[key][field]) for lang in ("en", "ko")]
                assert names[0] == names[1], (key, field)


def test_assessment_reports_scope_and_alpha_features() -> None:
    parts = istio(aks_arc_cluster())
    parts["version"] = {"gitVersion": "v1.30.4", "major": "1", "minor": "30"}
    parts["metrics"] = parse_metrics(
        b'kubernetes_feature_enabled{name="InPlacePodVerticalScaling",stage="ALPHA"} 1\n',
        "metrics.txt",
    )
    assessment = run_assess(make_snapshot(**parts), WHEN)
    # The stand-in kube-system here is not the release's (test_managed judges that).
    mine = {
        (finding.rule, finding.message.key, finding.severity)
        for finding in assessment.findings
        if finding.rule in KEYS and finding.rule != "managed-components"
    }
    assert mine == {
        ("third-party-components", "third-party-components.out-of-scope", "out-of-scope"),
        ("cni", "cni.best-effort", "best-effort"),
        ("alpha-features", "alpha-features.gates", "unsupported"),
    }
    assert assessment.verdict == "unsupported"
    assert set(KEYS) <= set(assessment.coverage.evaluated)
    partial = {item.rule for item in assessment.coverage.not_evaluated if item.partial}
    assert "alpha-features" in partial  # no control-plane pods in this bundle
