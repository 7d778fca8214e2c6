"""The bundle parts each need names (the `needs.*` catalog entries), so that the engine can add
why a part was not collected to the needs that name it without wording them: the pure core
reads no catalog. tests/i18n/test_needs.py holds this table to the English catalog."""

from __future__ import annotations

from collections.abc import Mapping

from arcsupport.i18n.message import Message

PARTS: Mapping[str, tuple[str, ...]] = {
    "needs.version": ("kubernetes/version", "azure/provisioned-cluster"),
    "needs.version-with-patch": ("kubernetes/version", "azure/provisioned-cluster"),
    "needs.nodes": ("kubernetes/nodes",),
    "needs.node-ready": ("kubernetes/nodes",),
    "needs.node-os-image": ("kubernetes/nodes",),
    "needs.kubelet-version": ("kubernetes/nodes",),
    "needs.kubelet-patch": ("kubernetes/nodes",),
    "needs.kubelet-parsed": ("kubernetes/nodes",),
    "needs.node-versions": ("kubernetes/nodes",),
    "needs.pools": ("azure/agent-pools", "azure/provisioned-cluster"),
    "needs.pool-metadata": ("azure/agent-pools", "azure/provisioned-cluster"),
    "needs.vm-skus": ("azure/vm-skus",),
    "needs.vm-sku-sizes": ("azure/vm-skus",),
    "needs.daemonsets": ("kubernetes/daemonsets",),
    "needs.daemonsets-file": ("kubernetes/daemonsets",),
    "needs.deployments-file": ("kubernetes/deployments",),
    "needs.services-file": ("kubernetes/services",),
    "needs.apis-file": ("kubernetes/apis",),
    "needs.api-groups": ("kubernetes/apis",),
    "needs.served-apis": ("kubernetes/apis",),
    "needs.sidecars": ("kubernetes/pods",),
    "needs.static-pods": ("kubernetes/pods",),
    "needs.control-plane-flags": ("kubernetes/pods",),
    "needs.feature-gates": ("kubernetes/metrics",),
    "needs.kube-proxy-image": ("kubernetes/daemonsets",),
    "needs.objects": ("kubernetes/<plural>",),
    "needs.deprecated-requests": ("kubernetes/metrics",),
    "needs.objects-or-requests": ("kubernetes/<plural>", "kubernetes/metrics"),
    "needs.requested-versions": ("kubernetes/metrics",),
    "needs.version-for-images": ("kubernetes/version", "azure/provisioned-cluster"),
    "needs.advisory-version": ("kubernetes/version",),
    "needs.host": ("azure/azure-local-cluster",),
    "needs.arc-connectivity": ("azure/connected-cluster",),
    "needs.last-connected": ("azure/connected-cluster",),
    "needs.host-sync": ("azure/azure-local-cluster",),
    "needs.any-connectivity": ("azure/connected-cluster", "azure/azure-local-cluster"),
    "needs.cluster-connectivity": ("azure/connected-cluster",),
    "needs.stopped-either": ("kubernetes/nodes",),
    "needs.subscription": ("azure/subscription",),
}


def names_part(need: Message, part: str) -> bool:
    """Whether `need`, its data or a need inside it names the bundle part `part`
    (`kubernetes/nodes`)."""
    if any(part in named for named in PARTS.get(need.key, ())):
        return True
    for value in need.args.values():
        parts = value if isinstance(value, tuple) else (value,)
        for item in parts:
            if isinstance(item, Message) and names_part(item, part):
                return True
            if isinstance(item, str) and part in item:
                return True
    return False
