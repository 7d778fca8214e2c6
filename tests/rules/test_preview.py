"""alpha-features (PRV-1): alpha feature gates, --runtime-config and served alpha APIs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from arcsupport.rules.outcome import NotEvaluated
from arcsupport.snapshot.model import MetricsFacts
from arcsupport.sources.metrics import parse_metrics
from helpers import REFERENCE, english, findings, gaps, make_snapshot, pod, run_rule

WHEN = "2025-09-01"
VERSION = {"gitVersion": "v1.30.4", "major": "1", "minor": "30"}

# As `kubectl get --raw /metrics` prints it, with neighbouring families that are not read.
METRICS = b"""\
# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",verb="GET"} 42
# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage and enablement of a k8s feature.
# TYPE kubernetes_feature_enabled gauge
kubernetes_feature_enabled{name="AllAlpha",stage="ALPHA"} 0
kubernetes_feature_enabled{name="AllBeta",stage="BETA"} 0
kubernetes_feature_enabled{name="InPlacePodVerticalScaling",stage="ALPHA"} 1
kubernetes_feature_enabled{name="StorageVersionAPI",stage="ALPHA"} 0
kubernetes_feature_enabled{name="SidecarContainers",stage="BETA"} 1
kubernetes_feature_enabled{name="APIListChunking",stage=""} 1
kubernetes_feature_enabled{name="CustomGate",stage="BETA"} 1
"""  # noqa: E501


def metrics(data: bytes = METRICS) -> MetricsFacts:
    return parse_metrics(data, "kubernetes/metrics.txt")


def apiserver(
    name: str, *, command: Sequence[str] = (), args: Sequence[str] = ()
) -> dict[str, Any]:
    """A real kube-apiserver mirror pod with extra flags in `command` or `args`."""
    document: dict[str, Any] = yaml.safe_load(
        Path(REFERENCE / "k8s" / "examples" / name).read_text()
    )
    container = document["spec"]["containers"][0]
    container["command"] = [*container.get("command", []), *command]
    container["args"] = [*container.get("args", []), *args]
    return document


MINIKUBE = "kubescape-kube-apiserver-pod-minikube.yaml"  # flags in `command`
RKE2 = "kubescape-kube-apiserver-pod-rke2.yaml"  # flags in `args`


def test_alpha_gate_enabled_in_metrics_is_unsupported() -> None:
    outcomes = run_rule("alpha-features", make_snapshot(metrics=metrics()), WHEN)
    [finding] = findings(outcomes)
    assert finding.severity == "unsupported"
    assert finding.clauses == ("PRV-1",)
    assert finding.message.key == "alpha-features.gates"
    # AllAlpha/AllBeta at 0, disabled alpha gates and enabled beta gates are fine.
    assert finding.message.args == {"gates": "InPlacePodVerticalScaling", "count": 1}
    [evidence] = finding.evidence
    assert evidence.source == "kubernetes/metrics.txt"
    assert (
        evidence.field
        == 'kubernetes_feature_enabled{name="InPlacePodVerticalScaling",stage="ALPHA"}'
    )
    [gap] = gaps(outcomes)
    assert len(english(gap.needs)) == 2  # no control-plane pods, no apis.json


def test_metrics_without_alpha_gates_pass() -> None:
    quiet = METRICS.replace(
        b'"InPlacePodVerticalScaling",stage="ALPHA"} 1', b'"X",stage="ALPHA"} 0'
    )
    assert findings(run_rule("alpha-features", make_snapshot(metrics=metrics(quiet)), WHEN)) == []


def test_all_alpha_enabled_in_metrics() -> None:
    loud = METRICS.replace(b'"AllAlpha",stage="ALPHA"} 0', b'"AllAlpha",stage="ALPHA"} 1')
    [finding] = findings(run_rule("alpha-features", make_snapshot(metrics=metrics(loud)), WHEN))
    assert finding.message.args["gates"] == "AllAlpha, InPlacePodVerticalScaling"


def test_feature_gates_in_command_use_the_pack_table_for_the_minor() -> None:
    """minikube puts its flags in `command`, in the `--flag=value` form."""
    pod_ = apiserver(
        MINIKUBE,
        command=["--feature-gates=InPlacePodVerticalScaling=true,SidecarContainers=true,"
                 "UserNamespacesSupport=false,MyVendorGate=true"],
    )  # fmt: skip
    outcomes = run_rule("alpha-features", make_snapshot(version=VERSION, pods=[pod_]), WHEN)
    alpha, unknown = findings(outcomes)
    # 1.30: InPlacePodVerticalScaling is alpha until 1.33, SidecarContainers beta since 1.29.
    assert alpha.message.key == "alpha-features.gates"
    assert alpha.message.args == {"gates": "InPlacePodVerticalScaling", "count": 1}
    [evidence] = alpha.evidence
    assert evidence.object == "kube-system/Pod/kube-apiserver-minikube"
    assert evidence.field == "spec.containers[kube-apiserver].command --feature-gates"
    assert evidence.value == "InPlacePodVerticalScaling=true"
    assert unknown.severity == "warning"
    assert unknown.clauses == ("PRV-1",)
    assert unknown.message.key == "alpha-features.unknown-stage"
    assert unknown.message.args == {"gates": "MyVendorGate", "count": 1}


def test_feature_gates_in_args_in_the_split_form() -> None:
    """RKE2 puts its flags in `args`; `--flag value` is the same flag."""
    pod_ = apiserver(RKE2, args=["--feature-gates", "AllAlpha=true,AllBeta=true"])
    [finding] = findings(run_rule("alpha-features", make_snapshot(pods=[pod_]), WHEN))
    assert finding.message.args == {"gates": "AllAlpha", "count": 1}
    assert finding.evidence[0].field == "spec.containers[kube-apiserver].args --feature-gates"
    assert finding.evidence[0].object == "kube-system/Pod/kube-apiserver-rke2-server"


def test_metrics_decide_the_stage_before_the_pack() -> None:
    pod_ = apiserver(MINIKUBE, command=["--feature-gates=CustomGate=true,SidecarContainers=true"])
    snap = make_snapshot(
        version=VERSION, pods=[pod_], metrics=metrics(METRICS.replace(b"} 1\n", b"} 0\n"))
    )
    assert findings(run_rule("alpha-features", snap, WHEN)) == []


def test_gate_that_graduated_is_not_alpha() -> None:
    pod_ = apiserver(MINIKUBE, command=["--feature-gates=InPlacePodVerticalScaling=true"])
    snap = make_snapshot(version={**VERSION, "gitVersion": "v1.33.1"}, pods=[pod_])
    assert findings(run_rule("alpha-features", snap, WHEN)) == []


def test_without_a_cluster_version_the_pack_cannot_tell() -> None:
    pod_ = apiserver(MINIKUBE, command=["--feature-gates=InPlacePodVerticalScaling=true"])
    [finding] = findings(run_rule("alpha-features", make_snapshot(pods=[pod_]), WHEN))
    assert finding.message.key == "alpha-features.unknown-stage"


def test_controller_manager_and_scheduler_gates_count_too() -> None:
    scheduler = pod(
        "kube-scheduler-moc-1", "kube-system",
        labels={"component": "kube-scheduler", "tier": "control-plane"},
        containers=[{"name": "kube-scheduler", "image": "mcr.microsoft.com/oss/scheduler:v1.30.4",
                     "command": ["kube-scheduler", "--feature-gates=ClusterTrustBundle=true"]}],
    )  # fmt: skip
    [finding] = findings(
        run_rule("alpha-features", make_snapshot(version=VERSION, pods=[scheduler]), WHEN)
    )
    assert finding.message.args["gates"] == "ClusterTrustBundle"
    assert finding.evidence[0].object == "kube-system/Pod/kube-scheduler-moc-1"


def test_runtime_config_enabling_alpha_apis_is_unsupported() -> None:
    pod_ = apiserver(
        MINIKUBE,
        command=["--runtime-config=api/beta=false,batch/v1=true,storage.k8s.io/v1alpha1=true,"
                 "resource.k8s.io/v1alpha3=false,api/all"],
    )  # fmt: skip
    [finding] = findings(run_rule("alpha-features", make_snapshot(pods=[pod_]), WHEN))
    assert finding.severity == "unsupported"
    assert finding.message.key == "alpha-features.runtime-config"
    assert finding.message.args == {"apis": "storage.k8s.io/v1alpha1, api/all", "count": 2}


def test_runtime_config_api_alpha_in_args() -> None:
    pod_ = apiserver(RKE2, args=["--runtime-config", "api/alpha=true"])
    [finding] = findings(run_rule("alpha-features", make_snapshot(pods=[pod_]), WHEN))
    assert finding.message.args["apis"] == "api/alpha"


def test_alpha_builtin_group_is_unsupported_but_alpha_crd_group_is_not() -> None:
    apis = {
        "kind": "APIGroupList",
        "groups": [
            {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]},
            {
                "name": "storagemigration.k8s.io",
                "versions": [
                    {"groupVersion": "storagemigration.k8s.io/v1alpha1", "version": "v1alpha1"}
                ],
            },
            {
                "name": "policy.linkerd.io",
                "versions": [{"groupVersion": "policy.linkerd.io/v1alpha1", "version": "v1alpha1"}],
            },
            {
                "name": "resource.k8s.io",
                "versions": [{"groupVersion": "resource.k8s.io/v1beta1", "version": "v1beta1"}],
            },
        ],
    }
    outcomes = run_rule("alpha-features", make_snapshot(apis=apis), WHEN)
    [finding] = findings(outcomes)
    assert finding.severity == "unsupported"
    assert finding.message.key == "alpha-features.alpha-apis"
    assert finding.message.args == {"apis": "storagemigration.k8s.io/v1alpha1", "count": 1}
    assert finding.evidence[0].source == "kubernetes/apis.json"


def test_every_source_clean() -> None:
    pod_ = apiserver(MINIKUBE)
    apis = {
        "groups": [{"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]}]
    }
    quiet = METRICS.replace(
        b'"InPlacePodVerticalScaling",stage="ALPHA"} 1', b'"X",stage="ALPHA"} 0'
    )
    snap = make_snapshot(version=VERSION, pods=[pod_], apis=apis, metrics=metrics(quiet))
    assert run_rule("alpha-features", snap, WHEN) == []


def test_pods_without_control_plane_pods_leave_a_gap() -> None:
    snap = make_snapshot(pods=[pod("coredns-1", "kube-system")], apis={"groups": []})
    [gap] = gaps(run_rule("alpha-features", snap, WHEN))
    assert english(gap.needs) == (
        "kubernetes/metrics.txt (feature gate stages)",
        "kube-system control-plane pods in kubernetes/pods.json (their flags)",
    )


def test_not_evaluated_without_any_source() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("alpha-features", make_snapshot(pods=[pod("web", "default")]), WHEN)
    assert len(english(raised.value.needs)) == 3
