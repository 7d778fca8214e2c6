"""Declared facts that are impossible or that the snapshot contradicts get a notice naming the
fact and the contradiction, in English and Korean; consistent declarations get none."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from arcsupport.engine.declared import declared_fact_notices
from arcsupport.i18n import LANGS, Lang, render
from arcsupport.snapshot.model import Snapshot
from helpers import at, make_snapshot, node, reference_body, run_assess

WHEN = "2025-09-15"
CREATED = "2025-05-01T10:00:00Z"  # helpers.node's creationTimestamp


def connected(status: str, last: str) -> dict[str, Any]:
    body = reference_body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")
    body["properties"].update(connectivityStatus=status, lastConnectivityTime=last)
    return body


def snapshot(facts: dict[str, Any], collected: str | None = None, **parts: Any) -> Snapshot:
    snap = make_snapshot(nodes=[node("moc-a"), node("moc-b")], facts=facts, **parts)
    if collected is not None:
        snap.collected_at = datetime.fromisoformat(collected)
    return snap


def keys(snap: Snapshot) -> list[tuple[str, dict[str, Any]]]:
    return [(notice.key, dict(notice.args)) for notice in declared_fact_notices(snap, at(WHEN))]


def test_consistent_declarations_get_no_notice() -> None:
    facts = {
        "stopped_since": "2025-08-01",
        "disconnected_since": "2025-08-06",
        "subscription_state_since": "2025-08-20",
    }
    assert keys(snapshot(facts, "2025-09-14T09:30:12+00:00")) == []
    assert keys(make_snapshot(nodes=[node("moc-a")])) == []  # nothing declared


@pytest.mark.parametrize(
    "fact", ["stopped_since", "disconnected_since", "subscription_state_since"]
)
def test_a_date_after_the_evaluation_date(fact: str) -> None:
    assert keys(snapshot({fact: "2025-10-01"})) == [
        ("engine.notice.fact-in-future", {"fact": fact, "value": "2025-10-01", "at": WHEN})
    ]
    assert keys(snapshot({fact: WHEN})) == [], "the evaluation day itself is possible"


def test_a_date_after_the_collection() -> None:
    snap = snapshot({"subscription_state_since": "2025-09-14"}, "2025-09-10T08:00:00+00:00")
    assert keys(snap) == [
        (
            "engine.notice.fact-after-collection",
            {"fact": "subscription_state_since", "value": "2025-09-14", "collected": "2025-09-10"},
        )
    ]
    assert keys(snapshot({"subscription_state_since": "2025-09-10"}, "2025-09-10T08:00:00Z")) == []


@pytest.mark.parametrize("fact", ["stopped_since", "disconnected_since"])
def test_a_date_before_the_cluster_existed(fact: str) -> None:
    assert keys(snapshot({fact: "2025-04-30"})) == [
        (
            "engine.notice.fact-before-cluster",
            {"fact": fact, "value": "2025-04-30", "object": "Node/moc-a", "created": "2025-05-01"},
        )
    ]
    assert keys(snapshot({fact: CREATED[:10]})) == []


def test_the_oldest_namespace_dates_the_cluster() -> None:
    kube_system = {"metadata": {"name": "kube-system", "creationTimestamp": "2024-11-02T07:00:00Z"}}
    snap = snapshot({"stopped_since": "2025-01-10"}, namespaces=[kube_system])
    assert keys(snap) == [], "the nodes are younger than the cluster: kube-system dates it"
    snap = snapshot({"stopped_since": "2024-11-01"}, namespaces=[kube_system])
    assert [args["object"] for _, args in keys(snap)] == ["Namespace/kube-system"]


def test_a_subscription_state_without_the_state() -> None:
    enabled = {"id": "/subscriptions/s", "subscriptionId": "s", "state": "Enabled"}
    snap = snapshot({"subscription_state_since": "2025-08-20"}, subscription=enabled)
    assert keys(snap) == [
        (
            "engine.notice.fact-subscription-enabled",
            {"value": "2025-08-20", "state": "Enabled"},
        )
    ]
    warned = {**enabled, "state": "Warned"}
    assert keys(snapshot({"subscription_state_since": "2025-08-20"}, subscription=warned)) == []


def test_disconnected_while_azure_says_connected() -> None:
    snap = snapshot(
        {"disconnected_since": "2025-08-06"},
        connected_cluster=connected("Connected", "2025-09-14T23:00:00Z"),
    )
    assert keys(snap) == [
        ("engine.notice.fact-connected", {"value": "2025-08-06", "status": "Connected"})
    ]
    offline_later = snapshot(
        {"disconnected_since": "2025-08-06"},
        connected_cluster=connected("Offline", "2025-08-20T02:00:00Z"),
    )
    assert keys(offline_later) == [
        ("engine.notice.fact-connected-later", {"value": "2025-08-06", "last": "2025-08-20"})
    ]
    agreeing = snapshot(
        {"disconnected_since": "2025-08-06"},
        connected_cluster=connected("Offline", "2025-08-06T02:00:00Z"),
    )
    assert keys(agreeing) == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_assessment_carries_them_in_both_languages(lang: Lang) -> None:
    snap = snapshot({"stopped_since": "2025-10-01", "disconnected_since": "2025-04-30"})
    notices = [render(lang, notice) for notice in run_assess(snap, WHEN).notices]
    assert len(notices) == 2
    assert "stopped_since: 2025-10-01" in notices[0]
    assert "disconnected_since: 2025-04-30" in notices[1] and "Node/moc-a" in notices[1]
    for notice in notices:
        assert "{" not in notice
        assert ("facts.yaml" in notice) and (("확인" in notice) == (lang == "ko"))
