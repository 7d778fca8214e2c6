"""Version skew of node components against the API server (SVP-1: the upstream skew policy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import SkewLimit
from arcsupport.rules.facts import NEEDS_VERSION, ClusterVersion
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion, minor_distance
from arcsupport.snapshot.kube import Node, Workload
from arcsupport.types import Arg, Severity

_NEEDS_NODES = Message("needs.kubelet-version")
_NEEDS_KUBE_PROXY = Message("needs.kube-proxy-image")
# A finding shows the first nodes of its group and counts them all: on a 5,000-node cluster
# thousands of identical evidence rows would bury the point.

_Problem = Literal["newer", "too-old", "at-limit"]


class _Skew(msgspec.Struct, frozen=True, gc=False):
    problem: _Problem
    minors: int  # how many minors the component is older (or, for `newer`, newer)
    limit: int  # the number of minors the policy allows in that direction

    @property
    def severity(self) -> Severity:
        return "warning" if self.problem == "at-limit" else "unsupported"


def _judge(api: KubeVersion, component: KubeVersion, limit: SkewLimit) -> _Skew | None:
    """Where `component` stands against the API server; None when there is nothing to say."""
    older = minor_distance(api, component)
    legacy = component.minor_tuple < KubeVersion.parse(limit.legacy_before).minor_tuple
    max_older = limit.legacy_max_older if legacy else limit.max_older
    if older < -limit.max_newer:
        return _Skew("newer", -older, limit.max_newer)
    if older > max_older:
        return _Skew("too-old", older, max_older)
    if older == max_older:
        # One more control-plane minor would take it past the limit, so upstream requires it
        # to be upgraded before the control plane moves.
        return _Skew("at-limit", older, max_older)
    return None


@rule(
    "version-skew",
    clauses=("SVP-1",),
    needs=(NEEDS_VERSION, _NEEDS_NODES, _NEEDS_KUBE_PROXY),
    operations=("upgrade",),
    inert_without=("nodes",),
)
def version_skew(ctx: Context) -> Iterator[Outcome]:
    if not ctx.snapshot.nodes:
        raise NotEvaluated(_NEEDS_NODES)
    current = ctx.facts.cluster_version
    if current is None:
        raise NotEvaluated(NEEDS_VERSION)
    yield from _kubelets(ctx, current)
    # kube-proxy may also be three minors older or newer than the kubelet on its node; that
    # bound follows from holding both to the API server, so it needs no check of its own.
    yield from _kube_proxy(ctx, current)


def _kubelets(ctx: Context, current: ClusterVersion) -> Iterator[Outcome]:
    by_version, unreadable = ctx.facts.kubelets
    by_minor: dict[tuple[int, int], list[Node]] = {}
    for version, members in by_version.items():
        by_minor.setdefault(version.minor_tuple, []).extend(members)

    api = current.version
    for (major, minor), members in sorted(by_minor.items()):
        kubelet = KubeVersion(major, minor)
        skew = _judge(api, kubelet, ctx.pack.skew.kubelet)
        if skew is None:
            continue
        evidence = [current.evidence]
        evidence.extend(
            ctx.facts.evidence(
                "kubernetes/nodes",
                f"Node/{member.metadata.name}",
                "status.nodeInfo.kubeletVersion",
                member.status.nodeInfo.kubeletVersion,
            )
            for member in members[:EVIDENCE_CAP]
        )
        args: dict[str, Arg] = {
            "count": len(members),
            "minor": str(kubelet),
            "api": str(api),
            "minors": skew.minors,
            "limit": skew.limit,
        }
        yield ctx.finding(
            f"kubelet-{skew.problem}", skew.severity, ("SVP-1",), evidence, None, **args
        )
        if skew.problem != "newer":
            yield ctx.operation("upgrade", "block", ("SVP-1",), "kubelet-lagging", **args)
    if unreadable:
        unread = name_list(unreadable, 3)
        yield Gap((Message("needs.kubelet-parsed", {"nodes": unread}),))


def _kube_proxy(ctx: Context, current: ClusterVersion) -> Iterator[Outcome]:
    # `kubeProxyVersion` in nodeInfo is deprecated and filled in by the kubelet with its own
    # version (KEP-4004), so only the DaemonSet's image says which kube-proxy runs.
    daemonsets = ctx.snapshot.daemonsets
    if daemonsets is None:
        yield Gap((_NEEDS_KUBE_PROXY,))
        return
    daemonset = next(
        (
            item
            for item in daemonsets
            if item.metadata.namespace == "kube-system" and item.metadata.name == "kube-proxy"
        ),
        None,
    )
    if daemonset is None:
        return  # no kube-proxy (e.g. a CNI that replaces it): nothing to skew
    field, image = _image(daemonset)
    version = KubeVersion.try_parse(_tag(image))
    if version is None:
        yield Gap((Message("needs.kube-proxy-tag", {"image": repr(image)}),))
        return
    skew = _judge(current.version, version, ctx.pack.skew.kube_proxy)
    if skew is None:
        return
    evidence: list[Evidence] = [
        current.evidence,
        ctx.facts.evidence(
            "kubernetes/daemonsets", ctx.facts.workload_object(daemonset), field, image
        ),
    ]
    args: dict[str, Arg] = {
        "version": str(version),
        "api": str(current.version),
        "minors": skew.minors,
        "limit": skew.limit,
    }
    yield ctx.finding(
        f"kube-proxy-{skew.problem}", skew.severity, ("SVP-1",), evidence, None, **args
    )
    if skew.problem != "newer":
        yield ctx.operation("upgrade", "block", ("SVP-1",), "kube-proxy-lagging", **args)


def _image(daemonset: Workload) -> tuple[str, str]:
    """(field path, image) of the kube-proxy container, else of the first container."""
    containers = daemonset.spec.template.spec.containers
    for index, container in enumerate(containers):
        if container.name == "kube-proxy":
            return f"spec.template.spec.containers[{index}].image", container.image
    return "spec.template.spec.containers[0].image", containers[0].image if containers else ""


def _tag(image: str) -> str:
    """`registry:5000/kube-proxy:v1.30.4@sha256:...` -> `v1.30.4`; "" when untagged."""
    name = image.split("@", 1)[0]
    _, colon, tag = name.rpartition(":")
    return tag if colon and "/" not in tag else ""
