"""Lifecycles under the cluster: the host platform (SVP-3), the node operating systems and
the age of the node images (NODE-C-1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from arcsupport.i18n.message import Message
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import Node
from arcsupport.types import Arg, Operation

_NEEDS_HOST = Message("needs.host")
_NEEDS_OS_IMAGE = Message("needs.node-os-image")
_NEEDS_KUBELET = Message("needs.kubelet-version")


# What a retired Windows Server host no longer allows: AKS Arc "can no longer be deployed,
# upgraded or scaled" there (retirement page, see platforms.yaml).
_RETIRED_HOST_BLOCKS: tuple[Operation, ...] = ("upgrade", "scale", "create-nodepool")


@rule(
    "host-platform",
    clauses=("SVP-3",),
    needs=(_NEEDS_HOST,),
    operations=_RETIRED_HOST_BLOCKS,
    inert_without=("facts", "azure_local_cluster"),
)
def host_platform(ctx: Context) -> Iterator[Outcome]:
    host = ctx.facts.host_platform
    if host is None:
        raise NotEvaluated(_NEEDS_HOST)
    kind, release, evidence = host
    platforms = ctx.pack.platforms
    # Each kind of end has its own words: a Windows Server host retires by Microsoft's
    # announcement (key prefix `windows-server-`), a YYMM release leaves with the rolling window
    # (`release-`), a legacy Azure Stack HCI version on its published date (no prefix).
    args: dict[str, Arg]
    if kind == "windows-server":
        name = f"Windows Server {release}"
        entry = platforms.windows_server.get(release)
        hosts = ", ".join(
            sorted(version for version, known in platforms.windows_server.items()
                   if known.supported_host)
        )  # fmt: skip
        if entry is None:
            yield ctx.finding(
                "unknown-windows-server", "unsupported", ("SVP-3",), (evidence,),
                host=name, known=hosts,
            )  # fmt: skip
            return
        if not entry.supported_host or entry.end_of_support is None:
            yield ctx.finding(
                "not-a-host", "unsupported", ("SVP-3",), (evidence,), host=name, hosts=hosts
            )
            return
        end = entry.end_of_support
        prefix = "windows-server-"
        # Retired "in March": March is the last month with support (platforms.yaml).
        args = {"last_day": (end - timedelta(days=1)).isoformat()}
    else:
        fixed = release in platforms.azure_local.fixed_end_of_support
        name = f"Azure Stack HCI {release}" if fixed else f"Azure Local {release}"
        found = ctx.facts.calendar.azure_local_end_of_support(release)
        if found is None:
            known = ", ".join(platforms.azure_local.fixed_end_of_support)
            raise NotEvaluated(
                Message(
                    "needs.azure-local-release",
                    {"known": known, "source": evidence.source, "found": repr(release)},
                )
            )
        end = found
        prefix = "" if fixed else "release-"
        args = {} if fixed else {"months": ctx.pack.thresholds.azure_local_support_months}

    args |= {"host": name, "date": end.isoformat()}
    days_left = (end - ctx.today).days
    if days_left <= 0:
        yield ctx.finding(f"{prefix}ended", "unsupported", ("SVP-3",), (evidence,), end, **args)
        if kind == "windows-server":
            for operation in _RETIRED_HOST_BLOCKS:
                yield ctx.operation(
                    operation, "block", ("SVP-3",), "windows-server-retired",
                    host=name, date=end.isoformat(),
                )  # fmt: skip
        return
    yield ctx.deadline(end, ("SVP-3",), "end-of-support", host=name)
    if days_left <= ctx.pack.thresholds.warning_horizon_days:
        yield ctx.finding(
            f"{prefix}ending", "warning", ("SVP-3",), (evidence,), end, days=days_left, **args
        )


def _node_evidence(ctx: Context, members: list[Node], field: str) -> list[Evidence]:
    return [
        ctx.facts.evidence(
            "kubernetes/nodes",
            f"Node/{member.metadata.name}",
            f"status.nodeInfo.{field}",
            getattr(member.status.nodeInfo, field),
        )
        for member in members[:EVIDENCE_CAP]
    ]


@rule(
    "node-os-lifecycle",
    clauses=("NODE-C-1", "SVP-3"),
    needs=(_NEEDS_OS_IMAGE,),
    inert_without=("nodes",),
)
def node_os_lifecycle(ctx: Context) -> Iterator[Outcome]:
    nodes = ctx.snapshot.nodes
    if not nodes:
        raise NotEvaluated(_NEEDS_OS_IMAGE)
    catalog = ctx.pack.platforms.node_os
    ends = {
        os_id: entry.end_of_life
        for os_id, entry in catalog.items()
        if entry.end_of_life is not None
    }
    # The first entry in pack order whose pattern matches names the OS, as the pack reads.
    matchers = [
        (os_id, [re.compile(pattern) for pattern in entry.os_image_patterns])
        for os_id, entry in catalog.items()
    ]
    os_of_image: dict[str, str | None] = {}
    by_os: dict[str, list[Node]] = {}
    for node in nodes:
        image = node.status.nodeInfo.osImage
        if image not in os_of_image:
            os_of_image[image] = next(
                (
                    os_id
                    for os_id, patterns in matchers
                    if any(pattern.search(image) for pattern in patterns)
                ),
                None,
            )
        os_id = os_of_image[image]
        if os_id in ends:
            by_os.setdefault(os_id, []).append(node)

    horizon = ctx.pack.thresholds.warning_horizon_days
    for os_id, end in ends.items():
        members = by_os.get(os_id)
        if not members:
            continue
        entry = catalog[os_id]
        evidence = _node_evidence(ctx, members, "osImage")
        days_left = (end - ctx.today).days
        args: dict[str, Arg] = {"os": entry.name, "count": len(members), "date": end.isoformat()}
        if days_left <= 0:
            yield ctx.finding("ended", "unsupported", ("SVP-3", "NODE-C-1"), evidence, end, **args)
            continue
        yield ctx.deadline(end, ("SVP-3", "NODE-C-1"), "end-of-life", os=entry.name)
        if days_left <= horizon:
            yield ctx.finding(
                "ending", "warning", ("SVP-3", "NODE-C-1"), evidence, end, days=days_left, **args
            )


@rule("node-image-age", clauses=("NODE-C-1",), needs=(_NEEDS_KUBELET,), inert_without=("nodes",))
def node_image_age(ctx: Context) -> Iterator[Outcome]:
    # AKS Arc ships node images only with Kubernetes patches (no node-image-only upgrades),
    # so a node's kubelet patch dates its image.
    nodes = ctx.snapshot.nodes
    if not nodes:
        raise NotEvaluated(_NEEDS_KUBELET)
    kubelets, unparsed = ctx.facts.kubelets
    # A kubelet version without a patch number cannot date an image.
    by_version = {
        version: members for version, members in kubelets.items() if version.patch is not None
    }
    unreadable = unparsed + [
        node.metadata.name
        for version, members in kubelets.items()
        if version.patch is None
        for node in members
    ]
    if unreadable:
        yield Gap((Message("needs.kubelet-patch", {"nodes": name_list(unreadable, 3)}),))

    tolerance = timedelta(days=ctx.pack.thresholds.node_image_patch_tolerance_days)
    unjudged: set[str] = set()
    for version, members in sorted(by_version.items()):
        status = ctx.facts.calendar.patch_status(version, ctx.today)
        if status.supported is None:
            unjudged.add(version.minor_key)
            continue
        newest, since = status.newest, status.newest_since
        # A minor no release offers any more is version-lifecycle's to judge.
        if newest is None or since is None or newest <= version:
            continue
        due = since + tolerance
        if ctx.today <= due:
            yield ctx.deadline(
                due, ("NODE-C-1",), "image", version=str(version), newest=str(newest)
            )
            continue
        yield ctx.finding(
            "behind", "warning", ("NODE-C-1",), _node_evidence(ctx, members, "kubeletVersion"),
            version=str(version), newest=str(newest), since=since.isoformat(),
            days=(ctx.today - since).days, count=len(members),
        )  # fmt: skip
    for minor in sorted(unjudged, key=KubeVersion.parse):
        yield Gap((Message("needs.calendar-patches", {"minor": minor}),))
