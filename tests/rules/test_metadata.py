"""system-metadata (SHR-4: "users may add metadata; changing metadata the system created makes
the cluster unsupported"): the labels and taints every node, every control-plane node and every
node of an ARM pool must carry, consistency with nodeInfo, and system keys owned by hand edits
according to managedFields."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from arcsupport.i18n import text
from arcsupport.rules.outcome import Finding, NotEvaluated
from arcsupport.snapshot import kube
from arcsupport.snapshot.model import Snapshot
from helpers import (
    aks_arc_connected,
    english,
    findings,
    gaps,
    make_snapshot,
    node,
    reference_body,
    reference_json,
    run_assess,
    run_rule,
)

WHEN = "2025-07-01"
KUBELET = {
    "manager": "kubelet",
    "operation": "Update",
    "fieldsV1": {
        "f:metadata": {"f:labels": {"f:kubernetes.io/os": {}, "f:kubernetes.io/arch": {}}}
    },
}


def edit(manager: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"manager": manager, "operation": "Update", "fieldsV1": fields}


def labels_set(*keys: str) -> dict[str, Any]:
    return {"f:metadata": {"f:labels": {".": {}, **{f"f:{key}": {} for key in keys}}}}


def only(outcomes: list[Any]) -> Finding:
    [finding] = findings(outcomes)
    return finding


def run(*nodes: dict[str, Any], pools: list[dict[str, Any]] | None = None) -> list[Any]:
    """The rule on `nodes`, with Azure's agent pools (none unless given)."""
    snap = make_snapshot(nodes=list(nodes), agent_pools=pools or [])
    return run_rule("system-metadata", snap, WHEN)


POOL_LABEL = "msft.microsoft/nodepool-name"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def arm_pool() -> dict[str, Any]:
    """The reference agentPools GET (test-hybridaksnodepool) with the nodeLabels and nodeTaints
    of the reference's fullest pool profile (ProvisionedClusterInstances MaximumSet)."""
    pool = reference_body("hybridaks-2024-01-01-GetAgentPool.json")
    profile = reference_body(
        "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json"
    )["properties"]["agentPoolProfiles"][0]
    pool["properties"]["nodeLabels"] = profile["nodeLabels"]  # env=dev, goal=test
    pool["properties"]["nodeTaints"] = profile["nodeTaints"]  # env=prod, sku=gpu: NoSchedule
    return pool


def pool_node(name: str, **kwargs: Any) -> dict[str, Any]:
    """A node of the reference pool as AKS Arc creates it: its labels and taints on it."""
    labels = {POOL_LABEL: "test-hybridakscluster-1a2b3c4d-test-hybridaksnodepool",
              "env": "dev", "goal": "test", **kwargs.pop("labels", {})}  # fmt: skip
    taints = kwargs.pop("taints", None) or [
        {"key": "env", "value": "prod", "effect": "NoSchedule"},
        {"key": "sku", "value": "gpu", "effect": "NoSchedule"},
    ]
    return node(name, labels=labels, taints=taints, **kwargs)


def control_plane(name: str = "moc-cp", **kwargs: Any) -> dict[str, Any]:
    labels = {"node-role.kubernetes.io/control-plane": "", **kwargs.pop("labels", {})}
    taints = kwargs.pop("taints", None) or [dict(CONTROL_PLANE_TAINT)]
    return node(name, labels=labels, taints=taints, **kwargs)


def sonobuoy_nodes() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")[
        "items"
    ]
    return copy.deepcopy(items)


def test_needs_nodes() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("system-metadata", make_snapshot(), WHEN)
    assert "kubernetes/nodes.json" in english(raised.value.needs)[0]


def test_untouched_nodes_and_user_labels_pass() -> None:
    labelled = node(
        "moc-b",
        labels={"team": "payments"},
        managed_fields=[KUBELET, edit("kubectl-label", labels_set("team"))],
    )
    assert run(node("moc-a"), labelled) == []


def test_system_labels_written_by_system_managers_pass() -> None:
    # Only user managers count: the node controller may own topology labels.
    controller = edit("kube-controller-manager", labels_set("topology.kubernetes.io/zone"))
    assert run(node("moc-a", managed_fields=[KUBELET, controller])) == []


def test_missing_required_labels_are_unsupported() -> None:
    bare = node("moc-a")
    del bare["metadata"]["labels"]["kubernetes.io/hostname"]
    finding = only(run(bare, node("moc-b")))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "system-metadata.missing-labels",
    )
    assert finding.clauses == ("SHR-4",)
    assert finding.message.args == {
        "count": 1,
        "nodes": "moc-a",
        "labels": "kubernetes.io/hostname",
    }
    assert (finding.evidence[0].field, finding.evidence[0].value) == (
        "metadata.labels[kubernetes.io/hostname]",
        "<none>",
    )


def test_labels_contradicting_node_info_are_unsupported() -> None:
    lying = node("moc-a", labels={"kubernetes.io/os": "windows"})
    finding = only(run(lying))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "system-metadata.inconsistent",
    )
    assert finding.message.args == {"count": 1, "nodes": "moc-a", "labels": "kubernetes.io/os"}
    assert finding.evidence[0].value == "windows (status.nodeInfo.operatingSystem: linux)"


def test_system_keys_owned_by_a_user_manager_are_unsupported() -> None:
    edited = node(
        "moc-a",
        labels={"node-role.kubernetes.io/control-plane": "", "team": "x"},
        taints=[dict(CONTROL_PLANE_TAINT)],
        managed_fields=[
            KUBELET,
            edit("kubectl-label", labels_set("node-role.kubernetes.io/control-plane", "team")),
            edit(
                "kubectl-annotate",
                {"f:metadata": {"f:annotations": {"f:kubeadm.alpha.kubernetes.io/cri-socket": {}}}},
            ),
        ],
    )
    finding = only(run(edited, node("moc-b")))
    assert (finding.severity, finding.message.key) == ("unsupported", "system-metadata.user-owned")
    assert finding.clauses == ("SHR-4",)
    assert finding.message.args == {
        "count": 1,
        "nodes": "moc-a",
        "keys": "node-role.kubernetes.io/control-plane, kubeadm.alpha.kubernetes.io/cri-socket",
        "managers": "kubectl-label, kubectl-annotate",
    }
    assert [(e.field, e.value) for e in finding.evidence] == [
        (
            "metadata.managedFields[kubectl-label].fieldsV1.f:metadata.f:labels",
            "node-role.kubernetes.io/control-plane",
        ),
        (
            "metadata.managedFields[kubectl-annotate].fieldsV1.f:metadata.f:annotations",
            "kubeadm.alpha.kubernetes.io/cri-socket",
        ),
    ]


def test_user_owned_taints_beside_system_taints_need_a_look() -> None:
    taints = [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
    ]
    tainted = node(
        "moc-a",
        taints=taints,
        managed_fields=[KUBELET, edit("kubectl-taint", {"f:spec": {"f:taints": {}}})],
    )
    finding = only(run(tainted))
    assert (finding.severity, finding.message.key) == ("warning", "system-metadata.user-taints")
    assert finding.clauses == ("SHR-4",)
    assert finding.message.args == {
        "count": 1,
        "nodes": "moc-a",
        "taints": "node.kubernetes.io/unschedulable",
        "managers": "kubectl-taint",
    }


def test_user_owned_taints_without_system_taints_pass() -> None:
    tainted = node(
        "moc-a",
        taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
        managed_fields=[KUBELET, edit("kubectl-taint", {"f:spec": {"f:taints": {}}})],
    )
    assert run(tainted) == []


def test_without_managed_fields_the_ownership_part_is_a_gap() -> None:
    # `kubectl get -o json` drops managedFields unless asked: the sonobuoy nodes have none.
    snap = make_snapshot(nodes=sonobuoy_nodes(), agent_pools=[])
    outcomes = run_rule("system-metadata", snap, WHEN)
    assert findings(outcomes) == []
    [gap] = gaps(outcomes)
    assert "managedFields" in english(gap.needs)[0]


def test_reference_kind_nodes_with_hand_edits() -> None:
    nodes = sonobuoy_nodes()
    control_plane, worker, _ = nodes
    control_plane["metadata"]["managedFields"] = [
        edit("kubectl-label", labels_set("node-role.kubernetes.io/master"))
    ]
    worker["metadata"]["labels"]["kubernetes.io/arch"] = "arm64"
    outcomes = run_rule("system-metadata", make_snapshot(nodes=nodes), WHEN)
    # Azure's pools are not part of this snapshot: the workers' pool metadata is not judged.
    assert [english(gap.needs) for gap in gaps(outcomes)] == [
        ("the node pools' nodeLabels and nodeTaints (azure/agent-pools.json or "
         "azure/provisioned-cluster.json)",)
    ]  # fmt: skip
    by_key = {finding.message.key: finding for finding in findings(outcomes)}
    assert by_key["system-metadata.user-owned"].message.args == {
        "count": 1,
        "nodes": "kind-control-plane",
        "keys": "node-role.kubernetes.io/master",
        "managers": "kubectl-label",
    }
    assert by_key["system-metadata.inconsistent"].message.args == {
        "count": 1,
        "nodes": "kind-worker",
        "labels": "kubernetes.io/arch",
    }
    assert set(by_key) == {"system-metadata.user-owned", "system-metadata.inconsistent"}


def _with_raw(manager: str, raw: bytes) -> Snapshot:
    snap = make_snapshot(nodes=[node("moc-a")], agent_pools=[])
    entry = kube.ManagedFieldsEntry(manager=manager, fieldsV1=msgspec.Raw(raw))
    assert snap.nodes is not None
    snap.nodes[0].metadata.managedFields.append(entry)
    return snap


def test_only_user_manager_entries_are_decoded() -> None:
    # A broken field set under a system manager is never read.
    snap = _with_raw("kubelet", b"{not json")
    assert run_rule("system-metadata", snap, WHEN) == []


def test_an_unreadable_user_entry_is_a_gap() -> None:
    snap = _with_raw("kubectl-edit", b'{"f:metadata": []}')
    outcomes = run_rule("system-metadata", snap, WHEN)
    assert findings(outcomes) == []
    [gap] = gaps(outcomes)
    assert "moc-a" in english(gap.needs)[0]


def test_findings_group_nodes_and_cap_evidence() -> None:
    nodes = []
    for index in range(12):
        bare = node(f"moc-{index:02}")
        del bare["metadata"]["labels"]["kubernetes.io/hostname"]
        nodes.append(bare)
    finding = only(run(*nodes))
    assert finding.message.args["count"] == 12
    assert len(finding.evidence) == 10
    assert str(finding.message.args["nodes"]).endswith("moc-09 (+2)")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_findings_render_every_placeholder(lang: Any) -> None:
    edited = node(
        "moc-a",
        labels={"kubernetes.io/os": "windows"},
        taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
        managed_fields=[
            edit("kubectl-edit", {**labels_set("kubernetes.io/os"), "f:spec": {"f:taints": {}}})
        ],
    )
    del edited["metadata"]["labels"]["kubernetes.io/hostname"]
    changed = pool_node(
        "moc-b", labels={"env": "prod"},
        taints=[{"key": "env", "value": "prod", "effect": "NoExecute"}],
    )  # fmt: skip
    produced = findings(run(edited, changed, pools=[arm_pool()]))
    assert {finding.message.key.split(".")[1] for finding in produced} == {
        "missing-labels", "altered-labels", "inconsistent", "removed-taints", "altered-taints",
        "user-owned", "user-taints",
    }  # fmt: skip
    for finding in produced:
        for field in ("title", "message", "fix"):
            rendered = text(lang, finding.message.key, field, **finding.message.args)
            assert rendered and "{" not in rendered


# --- what the system put on the nodes ------------------------------------------------------


def test_nodes_as_their_pool_and_kubeadm_made_them_pass() -> None:
    assert run(control_plane(), pool_node("moc-a"), pool_node("moc-b"), pools=[arm_pool()]) == []


def test_a_removed_or_changed_pool_label_is_unsupported() -> None:
    removed = pool_node("moc-a")
    del removed["metadata"]["labels"]["goal"]
    changed = pool_node("moc-b", labels={"env": "prod"})
    by_key = {f.message.key: f for f in findings(run(removed, changed, pools=[arm_pool()]))}
    missing = by_key["system-metadata.missing-labels"]
    assert missing.severity == "unsupported"
    assert missing.message.args == {"count": 1, "nodes": "moc-a", "labels": "goal"}
    assert missing.evidence[0].value == "<none> (node pool test-hybridaksnodepool: goal=test)"
    altered = by_key["system-metadata.altered-labels"]
    assert (altered.severity, altered.clauses) == ("unsupported", ("SHR-4",))
    assert altered.message.args == {"count": 1, "nodes": "moc-b", "labels": "env"}
    assert altered.evidence[0].value == "prod (node pool test-hybridaksnodepool: dev)"
    assert set(by_key) == {"system-metadata.missing-labels", "system-metadata.altered-labels"}


def test_a_removed_pool_taint_is_unsupported() -> None:
    bare = pool_node("moc-a", taints=[{"key": "env", "value": "prod", "effect": "NoSchedule"}])
    finding = only(run(bare, pools=[arm_pool()]))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "system-metadata.removed-taints",
    )
    assert finding.message.args == {"count": 1, "nodes": "moc-a", "taints": "sku=gpu:NoSchedule"}
    assert (finding.evidence[0].field, finding.evidence[0].value) == (
        "spec.taints[sku]",
        "<none> (node pool test-hybridaksnodepool: sku=gpu:NoSchedule)",
    )


@pytest.mark.parametrize(
    ("taint", "shown"),
    [
        ({"key": "sku", "value": "gpu", "effect": "PreferNoSchedule"}, "sku=gpu:PreferNoSchedule"),
        ({"key": "sku", "value": "cpu", "effect": "NoSchedule"}, "sku=cpu:NoSchedule"),
    ],
)
def test_a_pool_taint_with_another_effect_or_value_is_unsupported(
    taint: dict[str, str], shown: str
) -> None:
    kept = {"key": "env", "value": "prod", "effect": "NoSchedule"}
    finding = only(run(pool_node("moc-a", taints=[kept, taint]), pools=[arm_pool()]))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "system-metadata.altered-taints",
    )
    assert finding.message.args["taints"] == "sku=gpu:NoSchedule"
    assert finding.evidence[0].value == (
        f"{shown} (node pool test-hybridaksnodepool: sku=gpu:NoSchedule)"
    )


def test_the_control_plane_taint_removed_or_weakened_is_unsupported() -> None:
    untainted = control_plane("moc-cp1")
    untainted["spec"]["taints"] = []
    weakened = control_plane(
        "moc-cp2", taints=[{**CONTROL_PLANE_TAINT, "effect": "PreferNoSchedule"}]
    )
    by_key = {f.message.key: f for f in findings(run(untainted, weakened))}
    assert by_key["system-metadata.removed-taints"].message.args == {
        "count": 1,
        "nodes": "moc-cp1",
        "taints": "node-role.kubernetes.io/control-plane:NoSchedule",
    }
    altered = by_key["system-metadata.altered-taints"]
    assert altered.message.args["nodes"] == "moc-cp2"
    assert altered.evidence[0].value == (
        "node-role.kubernetes.io/control-plane:PreferNoSchedule "
        "(control plane: node-role.kubernetes.io/control-plane:NoSchedule)"
    )


def test_a_control_plane_that_lost_its_role_label_is_known_by_its_taint() -> None:
    unlabelled = control_plane()
    del unlabelled["metadata"]["labels"]["node-role.kubernetes.io/control-plane"]
    finding = only(run(unlabelled))
    assert finding.message.key == "system-metadata.missing-labels"
    assert finding.message.args["labels"] == "node-role.kubernetes.io/control-plane"


def test_the_beta_labels_the_kubelet_sets_are_required_too() -> None:
    bare = node("moc-a")
    del bare["metadata"]["labels"]["beta.kubernetes.io/arch"]
    assert only(run(bare)).message.args["labels"] == "beta.kubernetes.io/arch"


def test_a_user_taint_added_next_to_known_system_taints_passes() -> None:
    """kubectl taint owns the whole list once used; where the system taints are known and
    intact, the user's own taint is metadata the policy allows."""
    own = {"key": "team", "value": "payments", "effect": "NoSchedule"}
    tainted = control_plane(
        taints=[dict(CONTROL_PLANE_TAINT), own],
        managed_fields=[KUBELET, edit("kubectl-taint", {"f:spec": {"f:taints": {}}})],
    )
    assert run(tainted) == []


def test_kubeadm_before_1_25_set_another_control_plane_taint() -> None:
    """The real kind 1.20 control plane carries `node-role.kubernetes.io/master:NoSchedule`."""
    nodes = sonobuoy_nodes()
    outcomes = run_rule("system-metadata", make_snapshot(nodes=nodes, agent_pools=[]), WHEN)
    assert findings(outcomes) == []


def test_pool_taints_azure_writes_oddly_are_a_gap() -> None:
    pool = arm_pool()
    pool["properties"]["nodeTaints"].append("dedicated")
    outcomes = run(pool_node("moc-a"), pools=[pool])
    assert findings(outcomes) == []
    assert english(gaps(outcomes)[0].needs) == (
        "nodeTaints of node pool test-hybridaksnodepool as key[=value]:Effect, not dedicated",
    )


def test_pools_from_the_provisioned_cluster_say_what_must_be_there_too() -> None:
    cluster = reference_body(
        "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json"
    )
    worker = node("moc-a", labels={POOL_LABEL: "cl-1a2b-testnodepool", "env": "dev"},
                  taints=[{"key": "env", "value": "prod", "effect": "NoSchedule"}])  # fmt: skip
    snap = make_snapshot(nodes=[worker], provisioned_cluster=cluster)
    by_key = {f.message.key: f for f in findings(run_rule("system-metadata", snap, WHEN))}
    assert by_key["system-metadata.missing-labels"].message.args["labels"] == "goal"
    assert by_key["system-metadata.removed-taints"].message.args["taints"] == "sku=gpu:NoSchedule"


def test_assessment_reports_the_partial_coverage() -> None:
    # The kind nodes carry no AKS Arc mark; the connected cluster does.
    snap = make_snapshot(nodes=sonobuoy_nodes(), connected_cluster=aks_arc_connected())
    assessment = run_assess(snap, WHEN)
    assert "system-metadata" in assessment.coverage.evaluated
    partial = [
        english(item.needs)
        for item in assessment.coverage.not_evaluated
        if item.rule == "system-metadata" and item.partial
    ]
    assert len(partial) == 2
    assert "managedFields" in partial[0][0]
    assert "nodeLabels and nodeTaints" in partial[1][0]
    assert not [finding for finding in assessment.findings if finding.rule == "system-metadata"]
