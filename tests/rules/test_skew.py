"""version-skew: kubelets and kube-proxy against the API server under the upstream skew policy."""

from __future__ import annotations

from typing import Any

import pytest

from arcsupport.i18n import has, render
from arcsupport.rules.outcome import NotEvaluated
from helpers import (
    english,
    findings,
    gaps,
    make_snapshot,
    node,
    operations,
    reference_json,
    run_assess,
    run_rule,
    workload,
)

WHEN = "2025-09-15"


def _kube_proxy(tag: str, **options: Any) -> dict[str, Any]:
    return workload(
        "DaemonSet",
        "kube-proxy",
        "kube-system",
        image=f"mcr.microsoft.com/oss/kubernetes/kube-proxy:{tag}",
        **options,
    )


def _cluster(api: str, kubelets: list[str], kube_proxy: str | None = None, **parts: Any) -> Any:
    nodes = [node(f"moc-{index}", kubelet=kubelet) for index, kubelet in enumerate(kubelets)]
    daemonsets = [_kube_proxy(kube_proxy)] if kube_proxy else []
    parts.setdefault("daemonsets", daemonsets)
    return make_snapshot(version={"gitVersion": api}, nodes=nodes, **parts)


def test_nodes_on_the_api_server_minor_pass() -> None:
    outcomes = run_rule(
        "version-skew", _cluster("v1.30.4", ["v1.30.4", "v1.30.3"], "v1.30.4"), WHEN
    )
    assert outcomes == []


def test_two_minors_behind_is_within_policy_and_silent() -> None:
    outcomes = run_rule("version-skew", _cluster("v1.30.4", ["v1.28.5"], "v1.28.5"), WHEN)
    assert outcomes == []


def test_kubelets_at_the_limit_warn_and_block_the_control_plane_upgrade() -> None:
    snap = _cluster("v1.30.4", ["v1.30.4", "v1.27.9", "v1.27.7"], "v1.30.4")
    outcomes = run_rule("version-skew", snap, WHEN)
    [finding] = findings(outcomes)
    assert (finding.severity, finding.clauses) == ("warning", ("SVP-1",))
    assert finding.message.key == "version-skew.kubelet-at-limit"
    assert dict(finding.message.args) == {
        "count": 2,
        "minor": "1.27",
        "api": "1.30.4",
        "minors": 3,
        "limit": 3,
    }
    assert [e.object for e in finding.evidence] == ["/version", "Node/moc-1", "Node/moc-2"]
    assert finding.evidence[1].field == "status.nodeInfo.kubeletVersion"
    assert finding.evidence[1].value == "v1.27.9"
    [effect] = operations(outcomes)
    assert (effect.operation, effect.decision, effect.clauses) == ("upgrade", "block", ("SVP-1",))
    assert effect.reason.key == "version-skew.op.kubelet-lagging"


def test_kubelets_beyond_the_limit_are_unsupported_per_minor() -> None:
    snap = _cluster("v1.31.5", ["v1.27.9", "v1.26.12", "v1.27.7", "v1.31.5"], "v1.31.5")
    outcomes = run_rule("version-skew", snap, WHEN)
    got = {
        (f.message.key, f.message.args["minor"], f.message.args["count"], f.severity)
        for f in findings(outcomes)
    }
    assert got == {
        ("version-skew.kubelet-too-old", "1.27", 2, "unsupported"),
        ("version-skew.kubelet-too-old", "1.26", 1, "unsupported"),
    }
    by_minor = {f.message.args["minor"]: f.message.args for f in findings(outcomes)}
    assert (by_minor["1.26"]["minors"], by_minor["1.26"]["limit"]) == (5, 3)
    assert {e.decision for e in operations(outcomes)} == {"block"}


def test_kubelet_newer_than_the_api_server_is_unsupported_without_blocking() -> None:
    outcomes = run_rule("version-skew", _cluster("v1.30.4", ["v1.31.5"], "v1.30.4"), WHEN)
    [finding] = findings(outcomes)
    assert (finding.severity, finding.message.key) == ("unsupported", "version-skew.kubelet-newer")
    assert (finding.message.args["minors"], finding.message.args["limit"]) == (1, 0)
    assert operations(outcomes) == []


def test_windows_nodes_are_judged_like_linux_nodes() -> None:
    nodes = [
        node("moc-lin", kubelet="v1.30.4"),
        node(
            "moc-win", kubelet="v1.26.12", os="windows", os_image="Windows Server 2022 Datacenter"
        ),
    ]
    snap = make_snapshot(version={"gitVersion": "v1.30.4"}, nodes=nodes, daemonsets=[])
    [finding] = findings(run_rule("version-skew", snap, WHEN))
    assert finding.message.key == "version-skew.kubelet-too-old"
    assert [e.object for e in finding.evidence[1:]] == ["Node/moc-win"]


@pytest.mark.parametrize(
    ("api", "kubelet", "key", "limit"),
    [
        # kubelet < 1.25 may trail by two minors only.
        ("v1.26.3", "v1.24.17", "version-skew.kubelet-at-limit", 2),
        ("v1.27.3", "v1.24.17", "version-skew.kubelet-too-old", 2),
        # from 1.25 on, three minors.
        ("v1.28.5", "v1.25.16", "version-skew.kubelet-at-limit", 3),
    ],
)
def test_legacy_limit_applies_below_1_25(api: str, kubelet: str, key: str, limit: int) -> None:
    [finding] = findings(run_rule("version-skew", _cluster(api, [kubelet], api), WHEN))
    assert (finding.message.key, finding.message.args["limit"]) == (key, limit)


def test_a_group_counts_every_node_but_shows_ten() -> None:
    snap = _cluster("v1.30.4", ["v1.26.12"] * 25, "v1.30.4")
    [finding] = findings(run_rule("version-skew", snap, WHEN))
    assert finding.message.args["count"] == 25
    assert len(finding.evidence) == 1 + 10


def test_kube_proxy_is_read_from_the_daemonset_image_not_node_info() -> None:
    # nodeInfo.kubeProxyVersion says v1.30.4 (the kubelet's own version); the image says 1.27.
    snap = _cluster("v1.30.4", ["v1.30.4"], "v1.27.9-hotfix.20240411")
    outcomes = run_rule("version-skew", snap, WHEN)
    [finding] = findings(outcomes)
    assert (finding.severity, finding.message.key) == (
        "warning",
        "version-skew.kube-proxy-at-limit",
    )
    assert dict(finding.message.args) == {
        "version": "1.27.9",
        "api": "1.30.4",
        "minors": 3,
        "limit": 3,
    }
    proxy = finding.evidence[1]
    assert (proxy.object, proxy.field) == (
        "kube-system/DaemonSet/kube-proxy",
        "spec.template.spec.containers[0].image",
    )
    [effect] = operations(outcomes)
    assert (effect.decision, effect.reason.key) == ("block", "version-skew.op.kube-proxy-lagging")


@pytest.mark.parametrize(
    ("tag", "key"),
    [("v1.26.12", "version-skew.kube-proxy-too-old"), ("v1.31.1", "version-skew.kube-proxy-newer")],
)
def test_kube_proxy_out_of_policy_is_unsupported(tag: str, key: str) -> None:
    [finding] = findings(run_rule("version-skew", _cluster("v1.30.4", ["v1.30.4"], tag), WHEN))
    assert (finding.severity, finding.clauses, finding.message.key) == (
        "unsupported",
        ("SVP-1",),
        key,
    )


def test_kube_proxy_image_with_registry_port_and_digest() -> None:
    image = "registry.local:5000/kube-proxy:v1.26.1@sha256:" + "a" * 64
    daemonset = workload("DaemonSet", "kube-proxy", "kube-system", image=image)
    snap = _cluster("v1.30.4", ["v1.30.4"], daemonsets=[daemonset])
    [finding] = findings(run_rule("version-skew", snap, WHEN))
    assert finding.message.args["version"] == "1.26.1"


def test_kube_proxy_container_is_preferred_over_a_sidecar() -> None:
    containers = [
        {"name": "log-forwarder", "image": "mcr.microsoft.com/oss/fluent-bit:v1.26.0"},
        {"name": "kube-proxy", "image": "mcr.microsoft.com/oss/kube-proxy:v1.30.4"},
    ]
    daemonset = workload("DaemonSet", "kube-proxy", "kube-system", containers=containers)
    snap = _cluster("v1.30.4", ["v1.30.4"], daemonsets=[daemonset])
    assert run_rule("version-skew", snap, WHEN) == []


def test_untagged_kube_proxy_image_is_a_gap() -> None:
    daemonset = workload(
        "DaemonSet", "kube-proxy", "kube-system", image="mcr.microsoft.com/kube-proxy@sha256:abc"
    )
    snap = _cluster("v1.30.4", ["v1.27.9"], daemonsets=[daemonset])
    outcomes = run_rule("version-skew", snap, WHEN)
    assert [f.message.key for f in findings(outcomes)] == ["version-skew.kubelet-at-limit"]
    [gap] = gaps(outcomes)
    assert "kube-proxy DaemonSet image" in english(gap.needs)[0]


def test_missing_daemonsets_still_judges_kubelets_and_reports_a_gap() -> None:
    nodes = [node("moc-a", kubelet="v1.26.12")]
    snap = make_snapshot(version={"gitVersion": "v1.30.4"}, nodes=nodes)
    outcomes = run_rule("version-skew", snap, WHEN)
    assert [f.message.key for f in findings(outcomes)] == ["version-skew.kubelet-too-old"]
    assert [english(g.needs) for g in gaps(outcomes)] == [
        ("kubernetes/daemonsets.json (the kube-proxy image)",)
    ]


def test_cluster_without_kube_proxy_has_nothing_to_skew() -> None:
    other = workload("DaemonSet", "cilium", "kube-system", image="quay.io/cilium/cilium:v1.16.0")
    snap = _cluster("v1.30.4", ["v1.30.4"], daemonsets=[other])
    assert run_rule("version-skew", snap, WHEN) == []


def test_unreadable_kubelet_versions_are_a_gap_not_a_pass() -> None:
    snap = _cluster("v1.30.4", ["", "v1.30.4"], "v1.30.4")
    [gap] = gaps(run_rule("version-skew", snap, WHEN))
    assert "moc-0" in english(gap.needs)[0]


def test_not_evaluated_without_nodes_or_version() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("version-skew", make_snapshot(version={"gitVersion": "v1.30.4"}), WHEN)
    assert "kubernetes/nodes.json" in english(missing.value.needs)[0]
    with pytest.raises(NotEvaluated):
        run_rule("version-skew", make_snapshot(version={"gitVersion": "v1.30.4"}, nodes=[]), WHEN)
    with pytest.raises(NotEvaluated) as missing:
        run_rule("version-skew", make_snapshot(nodes=[node("moc-a")]), WHEN)
    assert "Kubernetes version" in english(missing.value.needs)[0]


def test_api_version_from_azure_when_version_json_is_missing() -> None:
    snap = make_snapshot(
        provisioned_cluster={"properties": {"kubernetesVersion": "1.30.4"}},
        nodes=[node("moc-a", kubelet="v1.27.9")],
        daemonsets=[],
    )
    [finding] = findings(run_rule("version-skew", snap, WHEN))
    assert finding.evidence[0].field == "properties.kubernetesVersion"


def test_sonobuoy_kind_nodes_against_their_own_and_a_newer_api_server() -> None:
    nodes = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")["items"]
    server = reference_json("k8s/examples/sonobuoy-serverversion.json")
    same = make_snapshot(version=server, nodes=nodes, daemonsets=[])
    assert run_rule("version-skew", same, WHEN) == []

    # 1.20 kubelets under a 1.23 API server: three minors, but < 1.25 allows only two.
    newer = make_snapshot(version={**server, "gitVersion": "v1.23.17"}, nodes=nodes, daemonsets=[])
    [finding] = findings(run_rule("version-skew", newer, WHEN))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "version-skew.kubelet-too-old",
    )
    assert dict(finding.message.args) == {
        "count": 3,
        "minor": "1.20",
        "api": "1.23.17",
        "minors": 3,
        "limit": 2,
    }
    assert [e.object for e in finding.evidence[1:]] == [
        "Node/kind-control-plane",
        "Node/kind-worker",
        "Node/kind-worker2",
    ]


def test_assessment_end_to_end_blocks_upgrade_and_marks_at_risk() -> None:
    snap = _cluster("v1.30.9", ["v1.30.9", "v1.27.9"], "v1.30.9")
    assessment = run_assess(snap, WHEN)
    assert "version-skew" in assessment.coverage.evaluated
    skew = [f for f in assessment.findings if f.rule == "version-skew"]
    assert [f.message.key for f in skew] == ["version-skew.kubelet-at-limit"]
    upgrade = assessment.operations["upgrade"]
    assert upgrade.decision == "block"
    assert "SVP-1" in upgrade.clauses
    assert assessment.verdict in ("at-risk", "unsupported")


def test_every_message_renders_in_both_languages_with_its_arguments() -> None:
    snaps = [
        _cluster("v1.30.4", ["v1.27.9", "v1.26.12", "v1.31.1"], "v1.27.9"),
        _cluster("v1.30.4", ["v1.30.4"], "v1.26.12"),
        _cluster("v1.30.4", ["v1.30.4"], "v1.31.1"),
    ]
    messages = []
    for snap in snaps:
        outcomes = run_rule("version-skew", snap, WHEN)
        messages += [f.message for f in findings(outcomes)]
        messages += [e.reason for e in operations(outcomes)]
    assert len({m.key for m in messages}) == 8
    for message in messages:
        for lang in ("en", "ko"):
            for field in ("title", "message", "fix") if ".op." not in message.key else ("message",):
                assert has(lang, message.key, field), (lang, message.key, field)
                assert "{" not in render(lang, message, field), (lang, message.key, field)
