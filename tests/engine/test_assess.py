"""The engine's own duties: verdicts (AKS Arc or not, what decides support, what is missing),
whether a verdict is complete, combined operations, coverage, notices."""

from __future__ import annotations

from typing import Any

import pytest

from arcsupport.sources.read import read_snapshot
from arcsupport.types import OPERATIONS
from helpers import (
    EXAMPLES,
    aks_arc_connected,
    english,
    make_snapshot,
    node,
    reference_body,
    run_assess,
    workload,
)


def on_aks_arc(**parts: Any) -> Any:
    """A snapshot that carries the one AKS Arc mark of its connected cluster."""
    return make_snapshot(connected_cluster=aks_arc_connected(), **parts)


def test_coverage_says_why_a_part_was_not_collected() -> None:
    snap = on_aks_arc(version={"gitVersion": "v1.31.5"})
    snap.not_collected = {"kubernetes/nodes": "forbidden (403): nodes is forbidden"}
    result = run_assess(snap, "2025-09-15")
    skew = next(gap for gap in result.coverage.not_evaluated if gap.rule == "version-skew")
    assert any(
        "not collected: kubernetes/nodes: forbidden (403)" in need for need in english(skew.needs)
    )


def test_a_rule_that_cannot_run_warns_on_the_operations_it_judges() -> None:
    result = run_assess(on_aks_arc(version={"gitVersion": "v1.31.5"}), "2025-09-15")
    upgrade = result.operations["upgrade"]
    assert upgrade.decision == "warn"
    assert any(reason.key == "engine.op.not-evaluated" for reason in upgrade.reasons)


def test_block_wins_over_warn_and_clauses_are_merged() -> None:
    snap = make_snapshot(
        version={"gitVersion": "v1.31.5"},
        nodes=[node("moc-a", kubelet="v1.28.3")],
    )
    result = run_assess(snap, "2025-09-15")
    upgrade = result.operations["upgrade"]
    assert upgrade.decision == "block"
    assert "SVP-1" in upgrade.clauses


def test_verdict_ranks_unsupported_then_at_risk_then_supported() -> None:
    removed = run_assess(on_aks_arc(version={"gitVersion": "v1.28.14"}), "2025-09-15")
    ending = run_assess(on_aks_arc(version={"gitVersion": "v1.29.13"}), "2025-09-15")
    current = run_assess(on_aks_arc(version={"gitVersion": "v1.31.5"}), "2025-09-15")
    assert (removed.verdict, ending.verdict, current.verdict) == (
        "unsupported",
        "at-risk",
        "supported",
    )


def test_stale_policy_data_is_a_notice_in_every_report() -> None:
    result = run_assess(on_aks_arc(version={"gitVersion": "v1.31.5"}), "2026-11-27")
    assert [notice.key for notice in result.notices] == ["engine.notice.stale-policy-data"]
    fresh = run_assess(on_aks_arc(version={"gitVersion": "v1.31.5"}), "2025-12-01")
    assert fresh.notices == ()


# --- undetermined: a fact that decides support is missing --------------------------------------


def test_nothing_to_go_on_is_undetermined_and_blocks_every_operation() -> None:
    """The issue's first case: a bundle of manifest.json alone read SUPPORTED, exit 0."""
    result = run_assess(make_snapshot(), "2025-09-15")
    assert result.verdict == "undetermined"
    assert result.missing == ("kubernetes-version", "aks-arc-identity")
    assert result.identity.aks_arc is None and result.identity.signals == ()
    assert not result.complete
    for operation in OPERATIONS:
        decision = result.operations[operation]
        assert decision.decision == "block", operation
        keys = [reason.key for reason in decision.reasons]
        assert keys[:2] == [
            "engine.op.undetermined.kubernetes-version",
            "engine.op.undetermined.aks-arc-identity",
        ], operation


def test_an_aks_arc_cluster_without_a_version_is_undetermined() -> None:
    """A Resource Graph row whose version is null: counted as supported before."""
    connected = aks_arc_connected()
    del connected["properties"]["kubernetesVersion"]  # the null Resource Graph rows show
    result = run_assess(make_snapshot(connected_cluster=connected), "2025-09-15")
    assert result.identity.aks_arc is True
    assert (result.verdict, result.missing) == ("undetermined", ("kubernetes-version",))
    assert result.operations["scale"].decision == "block"


def test_a_version_without_any_sign_of_aks_arc_is_undetermined() -> None:
    result = run_assess(make_snapshot(version={"gitVersion": "v1.31.5"}), "2025-09-15")
    assert (result.verdict, result.missing) == ("undetermined", ("aks-arc-identity",))


def test_an_unsupported_finding_outranks_what_is_missing() -> None:
    """DESIGN's order: unsupported if any finding is, then undetermined. A cluster stopped for
    45 days is unsupported (STOP-3) whatever its version."""
    connected = aks_arc_connected()
    del connected["properties"]["kubernetesVersion"]  # the null Resource Graph rows show
    stopped = {"stopped_since": "2025-08-01", "stopped_by": "aks-arc"}
    result = run_assess(make_snapshot(connected_cluster=connected, facts=stopped), "2025-09-15")
    assert result.missing == ("kubernetes-version",)
    assert result.verdict == "unsupported", [(f.rule, f.severity) for f in result.findings]
    # What is missing still keeps every operation from being allowed.
    assert {result.operations[op].decision for op in OPERATIONS} == {"block"}


# --- not-applicable: the cluster is not AKS Arc -----------------------------------------------


def test_a_connected_cluster_of_another_kind_is_not_applicable() -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected["properties"]["distribution"] = "k3s"
    result = run_assess(
        make_snapshot(version={"gitVersion": "v1.28.14+k3s1"}, connected_cluster=connected),
        "2025-09-15",
    )
    assert result.verdict == "not-applicable"
    assert result.identity.aks_arc is False
    signals = {(item.field, item.value) for item in result.identity.signals}
    assert signals == {("kind", "<none>"), ("properties.distribution", "k3s")}
    # No AKS Arc rule ran: 1.28 is out of AKS Arc support, but this is not AKS Arc.
    assert result.findings == () and result.deadlines == ()
    assert result.coverage.evaluated == () and result.coverage.not_evaluated == ()
    assert result.complete and result.missing == ()
    assert result.kubernetes_version == "1.28.14"
    for operation in OPERATIONS:
        decision = result.operations[operation]
        assert decision.decision == "warn"
        assert [reason.key for reason in decision.reasons] == ["engine.op.not-applicable"]


def test_nodes_that_carry_no_aks_arc_mark_are_not_applicable() -> None:
    k3s = node("lab-1", kubelet="v1.31.5+k3s1", os_image="Ubuntu 22.04.4 LTS")
    k3s["spec"]["providerID"] = "k3s://lab-1"
    result = run_assess(make_snapshot(nodes=[k3s]), "2025-09-15")
    assert result.verdict == "not-applicable"
    [signal] = result.identity.signals
    assert (signal.object, signal.field, signal.value) == (
        "nodes/lab-1",
        "spec.providerID",
        "k3s://lab-1",
    )


@pytest.mark.parametrize(
    ("mark", "field"),
    [
        ("provider", "spec.providerID"),
        ("pool", "metadata.labels[msft.microsoft/nodepool-name]"),
    ],
)
def test_one_node_mark_is_enough(mark: str, field: str) -> None:
    plain = node("lab-1", kubelet="v1.31.5")
    plain["spec"]["providerID"] = ""
    marked = node("lab-2", kubelet="v1.31.5")
    if mark == "pool":
        marked["spec"]["providerID"] = ""
        marked["metadata"]["labels"]["msft.microsoft/nodepool-name"] = "lab-x7f2a9c1-nodepool1"
    result = run_assess(make_snapshot(nodes=[plain, marked]), "2025-09-15")
    assert result.identity.aks_arc is True
    assert [(item.object, item.field) for item in result.identity.signals] == [
        ("nodes/lab-2", field)
    ]


def test_an_aks_arc_component_in_kube_system_marks_aks_arc() -> None:
    deployed = workload("Deployment", "moc-cloud-controller-manager", "kube-system")
    elsewhere = workload("Deployment", "csi-akshcicsi-controller", "default")
    result = run_assess(make_snapshot(deployments=[deployed, elsewhere]), "2025-09-15")
    assert result.identity.aks_arc is True
    assert [item.object for item in result.identity.signals] == [
        "kube-system/Deployment/moc-cloud-controller-manager"
    ]


def test_a_provisioned_cluster_instance_outweighs_a_connected_cluster_without_kind() -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    provisioned = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    result = run_assess(
        make_snapshot(connected_cluster=connected, provisioned_cluster=provisioned), "2025-09-15"
    )
    assert result.identity.aks_arc is True
    assert result.verdict != "not-applicable"


# --- complete or as far as checked -------------------------------------------------------------


def test_a_verdict_with_rules_that_could_not_run_is_incomplete() -> None:
    result = run_assess(on_aks_arc(version={"gitVersion": "v1.31.5"}), "2025-09-15")
    assert result.verdict == "supported"
    assert not result.complete
    gaps = {gap.rule for gap in result.incomplete}
    assert {"connectivity", "version-skew", "host-platform"} <= gaps


def test_advisories_not_asked_for_leave_an_assessment_complete() -> None:
    """The one exception: matching advisories is a choice (`--advisories`), not evidence the
    snapshot lacks; coverage still lists the rule."""
    result = run_assess(read_snapshot(EXAMPLES / "healthy"), "2025-09-15")
    assert [gap.rule for gap in result.coverage.not_evaluated] == ["security-advisories"]
    assert result.complete and result.incomplete == ()


def test_a_partly_evaluated_rule_makes_it_incomplete() -> None:
    snap = read_snapshot(EXAMPLES / "healthy")
    snap.vm_skus = None  # node-drift then runs without the VM sizes
    del snap.parts["azure/vm-skus"]
    result = run_assess(snap, "2025-09-15")
    assert [(gap.rule, gap.partial) for gap in result.incomplete] == [("node-drift", True)]
    assert not result.complete
