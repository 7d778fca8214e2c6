"""Kubernetes version lifecycle (VER-1..VER-9, SVP-2, PRV-2) and patch level (VER-6).

The cluster's version and every older minor its node pools still run are judged on the same
calendar; the operations each finding limits come with the finding, from the same facts, so
that a verdict and a gate decision never disagree: a version out of support, or one the host's
Azure Local release does not ship, never gets a new node pool (VER-8, VER-9) and never an
upgrade without a warning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import EndBasis, MinorStatus, VersionCalendar, for_pack
from arcsupport.rules.facts import NEEDS_VERSION
from arcsupport.rules.outcome import (
    EVIDENCE_CAP,
    Evidence,
    Finding,
    NotEvaluated,
    Outcome,
    name_list,
)
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.types import Arg, Operation


def _unhealthy(ctx: Context) -> bool:
    """VER-4: an unhealthy cluster on a removed version may need a full redeploy."""
    _, not_ready = ctx.facts.ready_nodes
    provisioned = ctx.snapshot.provisioned_cluster
    failed = False
    if provisioned is not None:
        status = provisioned.properties.status
        failed = (status is not None and status.currentState == "Failed") or (
            provisioned.properties.provisioningState == "Failed"
        )
    return bool(not_ready) or failed


def _preview_in_payload(ctx: Context, minor: str) -> bool:
    versions = ctx.snapshot.kubernetes_versions
    if versions is None:
        return False
    return any(
        entry.isPreview and entry.version.lstrip("vV") == minor
        for entry in versions.properties.values
    )


def _end_clauses(basis: EndBasis | None) -> tuple[str, ...]:
    """The clauses an end of support rests on: the year of VER-1, the removal grace of VER-5,
    or both for a minor that outlived its year while releases still ship it."""
    if basis == "one-year":
        return ("VER-1",)
    if basis == "shipped":
        return ("VER-1", "VER-5")
    return ("VER-5",)


def _still_shipped(ctx: Context, status: MinorStatus) -> tuple[str, dict[str, Arg]]:
    """What a message about a minor that releases still ship near or past its year says: when
    the year from its first AKS Arc release ends, the newest release that ships it, and the
    grace it keeps once a release drops it. Its end is then the earliest such a drop allows: at
    most two months away, and moving on with every month the calendar knows no drop, so it is
    always worth saying (and never flips in and out of the warning horizon). The first item is
    the message variant: `-learned` when what still offers it is the custom location's own
    list (lifecycle/learn.py), named with the bundle it came from."""
    calendar = ctx.facts.calendar
    newest = calendar.newest_release(ctx.today)
    grace = ctx.pack.thresholds.removal_grace_days
    learned = calendar.learned
    if learned is not None and newest is calendar.learned_release:
        if status.minor in learned.listed_minors:
            offering = learned.offering
            return "-learned", {
                "collected": offering.collected.isoformat(),
                "source": offering.source,
                "grace": grace,
            }
        # Kept although that location does not list it (it lags): the pack's release stands.
        newest = for_pack(ctx.pack).newest_release(ctx.today)
    first = status.first_release_date
    return "", {
        "window": (first + calendar.window).isoformat() if first else "?",
        "release": newest.name if newest else "?",
        "grace": grace,
    }


@rule(
    "version-lifecycle",
    clauses=("VER-1", "VER-2", "VER-3", "VER-4", "VER-5", "VER-8", "VER-9", "SVP-2", "PRV-2"),
    needs=(NEEDS_VERSION,),
    operations=("upgrade", "update-os", "scale", "create-nodepool"),
)
def version_lifecycle(ctx: Context) -> Iterator[Outcome]:
    current = ctx.facts.cluster_version
    if current is None:
        raise NotEvaluated(NEEDS_VERSION)
    minor = current.version.minor_key
    calendar = ctx.facts.calendar
    status = calendar.minor_status(minor, ctx.today)
    preview = _preview_in_payload(ctx, minor) or status.status == "preview"
    # VER-4: only a removed version's advice on upgrading depends on the cluster's health.
    unhealthy = not preview and status.status == "removed" and _unhealthy(ctx)
    key = (calendar, minor, ctx.today, preview, unhealthy)
    judged = _JUDGED.get(key)
    if judged is None:
        if len(_JUDGED) >= _JUDGED_KEPT:
            _JUDGED.clear()  # a long-lived process judging day after day
        judged = _JUDGED[key] = tuple(_judge_minor(ctx, minor, status, preview, unhealthy))
    evidence: tuple[Evidence, ...] = ()
    for outcome in judged:
        if isinstance(outcome, Finding):
            if not evidence:
                evidence = (current.evidence, *ctx.facts.calendar_evidence(minor))
            yield msgspec.structs.replace(outcome, evidence=evidence)
        else:
            yield outcome
    yield from _host_release(ctx, current.version)
    yield from _older_pool_minors(ctx, current.version)


# What version-lifecycle says about a minor is the same for every cluster on it that is judged
# with the same calendar on the same day (and alike in preview and, for a removed minor,
# health), but for the evidence of its findings, which names where each cluster's version was
# read: a fleet of thousands of clusters on a handful of minors judges each minor once.
# Findings are kept without evidence; the deadlines and operation effects are shared as they
# are (immutable, like the effects engine/assess.py shares).
_JUDGED: dict[tuple[VersionCalendar, str, date, bool, bool], tuple[Outcome, ...]] = {}
_JUDGED_KEPT = 4096


def _judge_minor(
    ctx: Context, minor: str, status: MinorStatus, preview: bool, unhealthy: bool
) -> Iterator[Outcome]:
    """The findings (without evidence), deadlines and operation effects of the cluster's own
    minor; `preview`: the calendar or the custom location calls it a preview."""
    evidence = ()  # each cluster's own, put in by version_lifecycle
    end = status.end_of_support
    end_text = end.isoformat() if end else "?"
    end_clauses = _end_clauses(status.basis)
    horizon = ctx.pack.thresholds.warning_horizon_days
    days_left = status.days_left(ctx.today)

    if preview:
        yield ctx.finding("preview", "warning", ("PRV-2",), evidence, minor=minor)
        for operation in ("upgrade", "scale", "create-nodepool"):
            yield ctx.operation(operation, "warn", ("PRV-2",), "preview", minor=minor)
    elif status.status == "unreleased":
        yield ctx.finding(
            "not-in-calendar", "warning", ("SVP-2",), evidence,
            minor=minor, as_of=ctx.pack.pack.data_as_of.isoformat(),
        )  # fmt: skip
        yield ctx.operation("create-nodepool", "warn", ("SVP-2",), "not-in-calendar", minor=minor)
    elif status.status == "supported":
        if end is not None and days_left is not None:
            shipped = status.basis == "shipped"
            deadline_key = "earliest-end" if shipped else "end-of-support"
            yield ctx.deadline(end, (*end_clauses, "VER-2"), deadline_key, minor=minor)
            if shipped:
                variant, still = _still_shipped(ctx, status)
                yield ctx.finding(
                    f"may-end{variant}", "warning", end_clauses, evidence, end,
                    minor=minor, date=end_text, days=days_left, **still,
                )  # fmt: skip
            elif days_left <= horizon:
                yield ctx.finding(
                    "ending", "warning", end_clauses, evidence, end,
                    minor=minor, date=end_text, days=days_left,
                )  # fmt: skip
        if status.removed_on is not None and status.removed_on >= ctx.today:
            yield ctx.deadline(status.removed_on, ("VER-8",), "removal", minor=minor)
    elif status.status == "deprecated" and end is not None and end > ctx.today:
        yield ctx.finding(
            "grace", "warning", ("VER-5", "VER-3"), evidence, end,
            minor=minor, date=end_text, days=(end - ctx.today).days,
        )  # fmt: skip
        yield ctx.deadline(end, ("VER-5", "VER-2"), "end-of-support", minor=minor)
        yield from _deprecated_operations(ctx, minor)
    else:
        removed = status.status == "removed"
        clauses = ("VER-2", "SVP-2", *end_clauses) + (("VER-4",) if removed else ())
        yield ctx.finding(
            "removed" if removed else "expired", "unsupported", clauses, evidence, end,
            minor=minor, date=end_text,
        )  # fmt: skip
        yield from _deprecated_operations(ctx, minor)
        if removed:
            yield ctx.operation("update-os", "block", ("VER-4",), "removed", minor=minor)
            key = "removed-upgrade-redeploy" if unhealthy else "removed-upgrade"
            yield ctx.operation("upgrade", "warn", ("VER-4",), key, minor=minor)


def _deprecated_operations(ctx: Context, minor: str) -> Iterator[Outcome]:
    for operation in ("upgrade", "update-os", "scale"):
        yield ctx.operation(operation, "warn", ("VER-3",), "deprecated", minor=minor)
    yield ctx.operation("create-nodepool", "block", ("VER-8",), "deprecated", minor=minor)


def _host_release(ctx: Context, version: KubeVersion) -> Iterator[Outcome]:
    """VER-9: a new node pool takes the cluster's version, which the host's Azure Local
    release must ship: the minor, and the exact patch where the release lists its patches."""
    host = ctx.facts.host_platform
    if host is None or host[0] != "azure-local":
        return
    release = ctx.facts.calendar.release(host[1])
    if release is None:
        return
    minor = version.minor_key
    if not release.offers_minor(minor):
        choices = ", ".join(str(v) for v in release.ga) or "-"
        yield ctx.operation(
            "create-nodepool", "block", ("VER-9",), "host-release",
            minor=minor, release=release.name, versions=choices,
        )  # fmt: skip
        return
    shipped = release.patches(minor)
    if shipped and version.patch is not None and version not in shipped:
        yield ctx.operation(
            "create-nodepool", "block", ("VER-9",), "host-release-patch",
            version=str(version), release=release.name,
            versions=", ".join(str(v) for v in sorted(shipped)),
        )  # fmt: skip


# VER-3: every operation on a deprecated version goes on with a warning.
_POOL_WARNED: tuple[Operation, ...] = ("upgrade", "update-os", "scale")


def _older_pool_minors(ctx: Context, cluster: KubeVersion) -> Iterator[Outcome]:
    """Node pools (and nodes) left on an older minor than the control plane: each such minor is
    judged on the calendar like the cluster's own, with its own findings and deadline. New
    node pools take the cluster's version, so an old pool never blocks creating one."""
    found = _pool_minors(ctx, cluster)
    horizon = ctx.pack.thresholds.warning_horizon_days
    for minor in sorted(found, key=KubeVersion.parse):
        names, observed = found[minor]
        evidence = [*observed, *ctx.facts.calendar_evidence(minor)]
        status = ctx.facts.calendar.minor_status(minor, ctx.today)
        end = status.end_of_support
        end_clauses = _end_clauses(status.basis)
        args = {
            "minor": minor,
            "cluster": cluster.minor_key,
            "parts": name_list(names),
            "date": end.isoformat() if end else "?",
        }
        days_left = status.days_left(ctx.today)
        if status.status == "supported":
            if end is None or days_left is None:
                continue
            shipped = status.basis == "shipped"
            deadline_key = "pool-earliest-end" if shipped else "pool-end-of-support"
            yield ctx.deadline(end, (*end_clauses, "VER-2"), deadline_key, **args)
            if shipped:
                variant, still = _still_shipped(ctx, status)
                yield ctx.finding(
                    f"pool-may-end{variant}", "warning", end_clauses, evidence, end,
                    days=days_left, **args, **still,
                )  # fmt: skip
            elif days_left <= horizon:
                yield ctx.finding(
                    "pool-ending", "warning", end_clauses, evidence, end, days=days_left, **args
                )
        elif status.status == "deprecated" and end is not None and end > ctx.today:
            yield ctx.finding(
                "pool-grace", "warning", ("VER-5", "VER-3"), evidence, end,
                days=(end - ctx.today).days, **args,
            )  # fmt: skip
            yield ctx.deadline(end, ("VER-5", "VER-2"), "pool-end-of-support", **args)
            for operation in _POOL_WARNED:
                yield ctx.operation(operation, "warn", ("VER-3",), "pool-deprecated", **args)
        elif status.status in ("deprecated", "removed"):
            removed = status.status == "removed"
            clauses = ("VER-2", *end_clauses) + (("VER-4",) if removed else ())
            key = "pool-removed" if removed else "pool-expired"
            if not status.in_calendar:
                # Older than every minor the calendar lists: no date to give, long gone.
                clauses, key = ("VER-2", "VER-4"), "pool-older-than-calendar"
            yield ctx.finding(key, "unsupported", clauses, evidence, end, **args)
            yield ctx.operation("upgrade", "warn", ("VER-2",), "pool-upgrade", **args)
            yield ctx.operation("scale", "warn", ("VER-3",), "pool-deprecated", **args)
            if removed:
                yield ctx.operation("update-os", "block", ("VER-4",), "pool-removed", **args)
            else:
                yield ctx.operation("update-os", "warn", ("VER-3",), "pool-deprecated", **args)


def _pool_minors(ctx: Context, cluster: KubeVersion) -> dict[str, tuple[list[str], list[Evidence]]]:
    """Minors older than the cluster's that a node pool or a node reports: from the agent
    pools' ARM `kubernetesVersion` and the versions of their ready replicas, the provisioned
    cluster's pool profiles, and the nodes' kubelets. By minor: the pools and nodes on it, and
    the evidence (capped)."""
    found: dict[str, tuple[list[str], list[Evidence]]] = {}
    below = cluster.minor_tuple

    # Most clusters run every pool on their own minor: a version is read (parsed once per
    # fleet) before anything is built for its evidence.
    def older(text: str) -> KubeVersion | None:
        version = KubeVersion.try_parse(text) if text else None
        return version if version is not None and version.minor_tuple < below else None

    def note(version: KubeVersion, text: str, name: str, part: str, obj: str, field: str) -> None:
        names, evidence = found.setdefault(version.minor_key, ([], []))
        if name not in names:
            names.append(name)
        if len(evidence) < EVIDENCE_CAP:
            evidence.append(ctx.facts.evidence(part, obj, field, text))

    snap = ctx.snapshot
    for pool in snap.agent_pools or ():
        name = pool.name or pool.properties.name
        obj = f"agentPools/{name}"
        props = pool.properties
        version = older(props.kubernetesVersion)
        if version is not None:
            note(
                version, props.kubernetesVersion, name, "azure/agent-pools", obj,
                "properties.kubernetesVersion",
            )  # fmt: skip
        for index, replicas in enumerate(props.status.readyReplicas if props.status else ()):
            version = older(replicas.kubernetesVersion)
            if version is not None:
                note(
                    version, replicas.kubernetesVersion, name, "azure/agent-pools", obj,
                    f"properties.status.readyReplicas[{index}].kubernetesVersion",
                )  # fmt: skip
    if snap.provisioned_cluster is not None:
        for profile in snap.provisioned_cluster.properties.agentPoolProfiles:
            version = older(profile.kubernetesVersion)
            if version is not None:
                note(
                    version, profile.kubernetesVersion, profile.name, "azure/provisioned-cluster",
                    "provisionedClusterInstances/default",
                    f"properties.agentPoolProfiles[{profile.name}].kubernetesVersion",
                )  # fmt: skip
    if not snap.nodes:
        return found
    kubelets, _ = ctx.facts.kubelets
    for members in kubelets.values():
        for member in members:
            text = member.status.nodeInfo.kubeletVersion
            version = older(text)
            if version is not None:
                note(
                    version, text, member.metadata.name, "kubernetes/nodes",
                    f"Node/{member.metadata.name}", "status.nodeInfo.kubeletVersion",
                )  # fmt: skip
    return found


@rule(
    "version-patch",
    clauses=("VER-6", "VER-5", "VER-8"),
    needs=(NEEDS_VERSION,),
    operations=("upgrade", "create-nodepool"),
)
def version_patch(ctx: Context) -> Iterator[Outcome]:
    current = ctx.facts.cluster_version
    if current is None or current.version.patch is None:
        raise NotEvaluated(Message("needs.version-with-patch"))
    version = current.version
    minor_status = ctx.facts.calendar.minor_status(version.minor_key, ctx.today)
    if minor_status.status != "supported":
        return  # version-lifecycle judges minors that are not plainly supported
    patch = ctx.facts.calendar.patch_status(version, ctx.today)
    if patch.supported is None:
        raise NotEvaluated(Message("needs.calendar-patches", {"minor": version.minor_key}))
    if patch.supported:
        return
    evidence = (current.evidence, *ctx.facts.calendar_evidence(version.minor_key))
    newest = str(patch.newest) if patch.newest else "?"
    if patch.end_of_support is not None and patch.end_of_support > ctx.today:
        yield ctx.finding(
            "grace", "warning", ("VER-6", "VER-5"), evidence, patch.end_of_support,
            version=str(version), newest=newest, date=patch.end_of_support.isoformat(),
            days=(patch.end_of_support - ctx.today).days,
        )  # fmt: skip
        yield ctx.deadline(patch.end_of_support, ("VER-6",), "patch", version=str(version))
        # A patch no release offers any more is deprecated: no new node pool on it (VER-8).
        yield ctx.operation(
            "create-nodepool", "block", ("VER-8",), "left-release",
            version=str(version), newest=newest,
        )  # fmt: skip
        yield ctx.operation("upgrade", "warn", ("VER-6",), "upgrade", newest=newest)
    elif not patch.known and patch.newest is not None and version > patch.newest:
        yield ctx.finding(
            "newer-than-calendar", "warning", ("VER-6",), evidence,
            version=str(version), newest=newest, as_of=ctx.pack.pack.data_as_of.isoformat(),
        )  # fmt: skip
    else:
        yield ctx.finding(
            "unsupported", "unsupported", ("VER-6",), evidence, patch.end_of_support,
            version=str(version), newest=newest,
        )  # fmt: skip
        yield ctx.operation(
            "create-nodepool", "block", ("VER-6", "VER-8"), "unsupported",
            version=str(version), newest=newest,
        )  # fmt: skip
        yield ctx.operation("upgrade", "warn", ("VER-6",), "upgrade", newest=newest)
