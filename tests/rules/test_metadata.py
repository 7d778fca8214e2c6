"""system-metadata: required labels, consistency with nodeInfo, and system keys owned by hand
edits according to managedFields."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from arcsupport.i18n import text
from arcsupport.rules.outcome import Finding, NotEvaluated
from arcsupport.snapshot import kube
from arcsupport.snapshot.model import Snapshot
from helpers import findings, gaps, make_snapshot, node, reference_json, run_assess, run_rule

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


def run(*nodes: dict[str, Any]) -> list[Any]:
    return run_rule("system-metadata", make_snapshot(nodes=list(nodes)), WHEN)


def sonobuoy_nodes() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")[
        "items"
    ]
    return copy.deepcopy(items)


def test_needs_nodes() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("system-metadata", make_snapshot(), WHEN)
    assert "kubernetes/nodes.json" in raised.value.needs[0]


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
    outcomes = run_rule("system-metadata", make_snapshot(nodes=sonobuoy_nodes()), WHEN)
    assert findings(outcomes) == []
    [gap] = gaps(outcomes)
    assert "managedFields" in gap.needs[0]


def test_reference_kind_nodes_with_hand_edits() -> None:
    nodes = sonobuoy_nodes()
    control_plane, worker, _ = nodes
    control_plane["metadata"]["managedFields"] = [
        edit("kubectl-label", labels_set("node-role.kubernetes.io/master"))
    ]
    worker["metadata"]["labels"]["kubernetes.io/arch"] = "arm64"
    outcomes = run_rule("system-metadata", make_snapshot(nodes=nodes), WHEN)
    assert gaps(outcomes) == []
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
    snap = make_snapshot(nodes=[node("moc-a")])
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
    assert "moc-a" in gap.needs[0]


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
    produced = findings(run(edited))
    assert len(produced) == 4
    for finding in produced:
        for field in ("title", "message", "fix"):
            rendered = text(lang, finding.message.key, field, **finding.message.args)
            assert rendered and "{" not in rendered


def test_assessment_reports_the_partial_coverage() -> None:
    assessment = run_assess(make_snapshot(nodes=sonobuoy_nodes()), WHEN)
    assert "system-metadata" in assessment.coverage.evaluated
    [partial] = [
        item
        for item in assessment.coverage.not_evaluated
        if item.rule == "system-metadata" and item.partial
    ]
    assert "managedFields" in partial.needs[0]
    assert not [finding for finding in assessment.findings if finding.rule == "system-metadata"]
