"""rules/apis.py: deprecated-apis (VER-4, NODE-C-2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arcsupport.i18n import has
from arcsupport.rules.outcome import Finding, NotEvaluated, Outcome
from arcsupport.snapshot.kube import LAST_APPLIED
from arcsupport.snapshot.model import MetricsFacts, Provenance
from arcsupport.sources.metrics import parse_metrics
from helpers import (
    english,
    findings,
    gaps,
    make_snapshot,
    operations,
    run_assess,
    run_rule,
    workload,
)

TODAY = "2026-03-01"
FLOWSCHEMA_V1BETA3 = (
    "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema -> flowcontrol.apiserver.k8s.io/v1"
)


def version(text: str) -> dict[str, str]:
    return {"gitVersion": text}


def flowschema(name: str, api_version: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "FlowSchema", "metadata": {"name": name}}


def applied(api_version: str, kind: str) -> dict[str, str]:
    """A last-applied-configuration annotation as kubectl writes it (the whole object)."""
    body = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {"a": [1]}}
    return {LAST_APPLIED: json.dumps(body)}


def metrics(*series: str) -> MetricsFacts:
    """API server /metrics text with the deprecated-API gauge, read by the real parser."""
    lines = [
        "# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs requested",
        "# TYPE apiserver_requested_deprecated_apis gauge",
        *(f"apiserver_requested_deprecated_apis{{{labels}}} 1" for labels in series),
        'apiserver_request_total{code="200"} 5',
    ]
    return parse_metrics(("\n".join(lines) + "\n").encode(), "kubernetes/metrics.txt")


def run(when: str = TODAY, **parts: Any) -> list[Outcome]:
    outcomes = run_rule("deprecated-apis", make_snapshot(**parts), when)
    for finding in findings(outcomes):
        for lang in ("en", "ko"):
            for field in ("title", "message", "fix"):
                assert has(lang, finding.message.key, field), (lang, finding.message.key)
    for effect in operations(outcomes):
        assert has("en", effect.reason.key) and has("ko", effect.reason.key)
    return outcomes


def only(outcomes: list[Outcome]) -> Finding:
    (finding,) = findings(outcomes)
    return finding


def test_needs_the_cluster_version() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run(deployments=[workload("Deployment", "web", "app")])
    assert "version" in english(raised.value.needs)[0]


def test_needs_objects_or_metrics() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run(version=version("v1.31.2"))
    needs = " ".join(english(raised.value.needs))
    assert "kubernetes/<plural>.json" in needs and "metrics.txt" in needs


def test_current_apis_give_no_finding_but_missing_metrics_are_a_gap() -> None:
    outcomes = run(
        version=version("v1.31.2"),
        deployments=[workload("Deployment", "web", "app")],
        other_objects={"flowschemas": [flowschema("fs", "flowcontrol.apiserver.k8s.io/v1")]},
    )
    assert findings(outcomes) == []
    (gap,) = gaps(outcomes)
    assert "apiserver_requested_deprecated_apis" in english(gap.needs)[0]


def test_flowschema_v1beta3_is_flagged_on_131_before_its_removal_in_132() -> None:
    outcomes = run(
        version=version("v1.31.2"),
        other_objects={
            "flowschemas": [flowschema("probes", "flowcontrol.apiserver.k8s.io/v1beta3")]
        },
    )
    finding = only(outcomes)
    assert finding.message.key == "deprecated-apis.removed-next"
    assert finding.severity == "warning"
    assert finding.clauses == ("VER-4", "NODE-C-2")
    assert finding.message.args == {
        "release": "1.32", "minor": "1.31", "apis": FLOWSCHEMA_V1BETA3,
        "count": 1, "objects": 1, "requests": 0,
    }  # fmt: skip
    (evidence,) = finding.evidence
    assert evidence.object == "FlowSchema/probes"
    assert evidence.field == "apiVersion"
    assert evidence.value == "flowcontrol.apiserver.k8s.io/v1beta3"
    assert evidence.provenance == Provenance.OBSERVED
    assert evidence.source == "kubernetes/flowschemas.json"
    (effect,) = operations(outcomes)
    assert (effect.operation, effect.decision) == ("upgrade", "warn")
    assert effect.clauses == ("VER-4", "NODE-C-2")
    assert effect.reason.key == "deprecated-apis.op.removed-next"
    assert effect.reason.args == {"release": "1.32", "apis": FLOWSCHEMA_V1BETA3}


@pytest.mark.parametrize(
    ("cluster", "key", "severity"),
    [
        ("v1.28.9", None, None),  # v1beta3 is deprecated only from 1.29 (Pluto says 1.24)
        ("v1.29.4", "deprecated-apis.deprecated", "info"),
        ("v1.30.4", "deprecated-apis.deprecated", "info"),
        ("v1.31.2", "deprecated-apis.removed-next", "warning"),
        ("v1.32.1", "deprecated-apis.removed", "warning"),
    ],
)
def test_flowschema_v1beta3_by_cluster_minor(
    cluster: str, key: str | None, severity: str | None
) -> None:
    outcomes = run(
        version=version(cluster),
        other_objects={
            "flowschemas": [
                flowschema("probes", "flowcontrol.apiserver.k8s.io/v1beta3"),
                {**flowschema("limits", "x/v1"), "kind": "PriorityLevelConfiguration",
                 "apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3"},
            ]
        },
        metrics=metrics(),
    )  # fmt: skip
    if key is None:
        assert findings(outcomes) == []
        return
    finding = only(outcomes)
    assert (finding.message.key, finding.severity) == (key, severity)
    assert finding.message.args["count"] == 2
    warned = [effect.operation for effect in operations(outcomes)]
    assert warned == (["upgrade"] if key == "deprecated-apis.removed-next" else [])


def test_flowschema_v1beta1_removal_is_126_not_plutos_129() -> None:
    outcomes = run(
        version=version("v1.25.16"),
        other_objects={"flowschemas": [flowschema("old", "flowcontrol.apiserver.k8s.io/v1beta1")]},
    )
    finding = only(outcomes)
    assert finding.message.key == "deprecated-apis.removed-next"
    assert finding.message.args["release"] == "1.26"


def test_last_applied_configuration_shows_what_a_client_wrote() -> None:
    # Read back through the API the Deployment shows apps/v1; the annotation keeps the version
    # it was applied with.
    deployment = workload(
        "Deployment", "legacy", "shop", annotations=applied("extensions/v1beta1", "Deployment")
    )
    outcomes = run(version=version("v1.30.4"), deployments=[deployment])
    finding = only(outcomes)
    assert finding.message.key == "deprecated-apis.removed"
    assert finding.severity == "warning"
    assert finding.clauses == ("NODE-C-2",)
    assert finding.message.args["release"] == "1.16"
    (evidence,) = finding.evidence
    assert evidence.object == "shop/Deployment/legacy"
    assert evidence.field == f"metadata.annotations[{LAST_APPLIED}].apiVersion"
    assert evidence.value == "extensions/v1beta1"
    assert evidence.source == "kubernetes/deployments.json"
    assert operations(outcomes) == []


def test_an_object_and_its_annotation_count_once() -> None:
    hpa = {
        "apiVersion": "autoscaling/v2beta2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "annotations": applied("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
        },
    }
    outcomes = run(version=version("v1.25.3"), other_objects={"horizontalpodautoscalers": [hpa]})
    finding = only(outcomes)
    assert finding.message.args["release"] == "1.26"
    assert finding.message.args["count"] == 1
    assert [item.field for item in finding.evidence] == ["apiVersion"]


def test_unreadable_annotation_is_ignored() -> None:
    deployment = workload("Deployment", "web", "app", annotations={LAST_APPLIED: "{not json"})
    outcomes = run(version=version("v1.30.4"), deployments=[deployment], metrics=metrics())
    assert outcomes == []


def test_one_finding_per_removal_release_with_capped_evidence() -> None:
    objects = [
        flowschema(f"fs-{index}", "flowcontrol.apiserver.k8s.io/v1beta3") for index in range(15)
    ]
    legacy = workload(
        "DaemonSet", "agent", "ops", annotations=applied("extensions/v1beta1", "DaemonSet")
    )
    outcomes = run(
        version=version("v1.31.2"),
        daemonsets=[legacy],
        other_objects={"flowschemas": objects},
        metrics=metrics(),
    )
    by_release = {finding.message.args["release"]: finding for finding in findings(outcomes)}
    assert list(by_release) == ["1.16", "1.32"]
    assert by_release["1.16"].message.key == "deprecated-apis.removed"
    assert by_release["1.16"].message.args["apis"] == ("extensions/v1beta1 DaemonSet -> apps/v1")
    current = by_release["1.32"]
    assert current.message.args["count"] == 15
    assert len(current.evidence) == 10
    assert gaps(outcomes) == []


def test_metrics_match_the_table_by_group_version_and_resource() -> None:
    outcomes = run(
        version=version("v1.31.2"),
        metrics=metrics(
            'group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",'
            'subresource="",version="v1beta3"'
        ),
    )
    finding = only(outcomes)
    assert finding.message.key == "deprecated-apis.removed-next"
    assert finding.message.args["apis"] == FLOWSCHEMA_V1BETA3
    assert (finding.message.args["objects"], finding.message.args["requests"]) == (0, 1)
    (evidence,) = finding.evidence
    assert evidence.object.startswith("apiserver_requested_deprecated_apis{")
    assert 'resource="flowschemas"' in evidence.object
    assert (evidence.field, evidence.value) == ("removed_release", "1.32")
    assert evidence.source == "kubernetes/metrics.txt"
    assert [effect.operation for effect in operations(outcomes)] == ["upgrade"]


def test_metric_plural_of_a_policy_kind() -> None:
    outcomes = run(
        version=version("v1.24.17"),
        metrics=metrics(
            'group="policy",removed_release="1.25",resource="podsecuritypolicies",version="v1beta1"'
        ),
    )
    finding = only(outcomes)
    assert finding.message.args["apis"] == "policy/v1beta1 PodSecurityPolicy -> -"


@pytest.mark.parametrize(
    ("removed", "key", "release"),
    [("1.32", "deprecated-apis.removed-next", "1.32"),
     ("", "deprecated-apis.deprecated-unscheduled", "-")],
)  # fmt: skip
def test_metrics_outside_the_table_use_the_servers_removal_release(
    removed: str, key: str, release: str
) -> None:
    outcomes = run(
        version=version("v1.31.2"),
        metrics=metrics(
            f'group="widgets.example.com",removed_release="{removed}",resource="widgets",'
            'version="v1alpha1"'
        ),
    )
    finding = only(outcomes)
    assert finding.message.key == key
    assert finding.message.args["release"] == release
    assert finding.message.args["apis"] == "widgets.example.com/v1alpha1 widgets -> -"


def test_upgrade_is_warned_end_to_end() -> None:
    snap = make_snapshot(
        version=version("v1.31.2"),
        other_objects={
            "flowschemas": [flowschema("probes", "flowcontrol.apiserver.k8s.io/v1beta3")]
        },
        metrics=metrics(),
    )
    result = run_assess(snap, TODAY)
    upgrade = result.operations["upgrade"]
    assert upgrade.decision in ("warn", "block")
    assert "deprecated-apis.op.removed-next" in [reason.key for reason in upgrade.reasons]
    assert "deprecated-apis" in result.coverage.evaluated
