"""The assessments the output-format tests render: one cluster with findings of several
severities, deadlines and rules that could not run, and a fleet of three clusters, one per
verdict. Built here from snapshots at a pinned date so the goldens do not depend on examples/."""

from __future__ import annotations

from typing import Any

from arcsupport.engine.assess import Assessment
from helpers import make_snapshot, node, reference_body, run_assess

AT = "2025-09-15"
_SUBSCRIPTION = reference_body("subscription-2022-12-01-GetSubscription.json")
_RESOURCE_GROUP = f"/subscriptions/{_SUBSCRIPTION['subscriptionId']}/resourceGroups/rg-edge"


def _cluster(
    name: str,
    version: str,
    kubelets: list[str],
    subscription_state: str,
    facts: dict[str, Any] | None = None,
    not_ready: tuple[int, ...] = (),
) -> Assessment:
    parts: dict[str, Any] = {
        "version": {"gitVersion": f"v{version}", "major": "1", "minor": version.split(".")[1]},
        "nodes": [
            node(f"moc-{name}-{index}", kubelet=f"v{kubelet}", ready=index not in not_ready)
            for index, kubelet in enumerate(kubelets, start=1)
        ],
        "subscription": {**_SUBSCRIPTION, "state": subscription_state},
    }
    if facts is not None:
        parts["facts"] = facts
    snapshot = make_snapshot(**parts)
    snapshot.cluster_name = name
    snapshot.resource_id = (
        f"{_RESOURCE_GROUP}/providers/Microsoft.Kubernetes/connectedClusters/{name}"
    )
    return run_assess(snapshot, AT)


def single() -> Assessment:
    """Unsupported: a kubelet four minors behind (unsupported), one three behind and a minor
    whose support ends within the horizon (warnings), those two nodes' own minors long out of
    support (unsupported), a warned subscription (warning), a NotReady node (info); 1.29 leaves
    the release train and then support (deadlines); no Azure connectivity data (not
    evaluated)."""
    return _cluster(
        "edge-seoul-01", "1.29.12", ["1.29.12", "1.26.10", "1.25.6"], "Warned", not_ready=(3,)
    )


def fleet() -> list[Assessment]:
    """Three clusters, deliberately not in urgency order: supported, unsupported, at risk."""
    return [
        _cluster("lab-daejeon-03", "1.31.5", ["1.31.5", "1.31.5"], "Enabled"),
        single(),
        _cluster(
            "plant-busan-02",
            "1.30.8",
            ["1.30.8", "1.30.8"],
            "Disabled",
            facts={"subscription_state_since": "2025-08-20"},
        ),
    ]
