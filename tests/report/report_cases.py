"""The assessments the output-format tests render: one cluster with findings of several
severities, deadlines and rules that could not run, a fleet of three clusters, one per verdict
of support, and the two verdicts that judge no support (undetermined, not-applicable). Built
here from snapshots at a pinned date so the goldens do not depend on examples/."""

from __future__ import annotations

from typing import Any

from arcsupport.engine.assess import Assessment
from helpers import default_pack, make_snapshot, node, reference_body, run_assess

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
            _node(f"moc-{name}-{index}", kubelet, ready=index not in not_ready)
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


def _node(name: str, kubelet: str, *, ready: bool) -> dict[str, Any]:
    """A node as AKS Arc builds it: from the node image the pack lists for its patch, if any."""
    images = default_pack().node_images.get(kubelet)
    image = {"kernel": images[0].kernel, "containerd": images[0].containerd} if images else {}
    return node(name, kubelet=f"v{kubelet}", ready=ready, **image)


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


def beyond_support() -> list[Assessment]:
    """The two verdicts that judge no support: a cluster whose version nothing shows (only its
    worker nodes were listed: no /version, no control-plane node, no Azure row), and a k3s
    cluster connected to Arc by hand, which is not AKS Arc."""
    workers = make_snapshot(
        nodes=[_node(f"moc-edge-jeju-05-{index}", "1.31.5", ready=True) for index in (1, 2)]
    )
    workers.cluster_name = "edge-jeju-05"
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected["name"] = "lab-k3s-01"
    connected["properties"].update(distribution="k3s", kubernetesVersion="1.31.5+k3s1")
    k3s = make_snapshot(version={"gitVersion": "v1.31.5+k3s1"}, connected_cluster=connected)
    k3s.cluster_name = "lab-k3s-01"
    return [run_assess(k3s, AT), run_assess(workers, AT)]
