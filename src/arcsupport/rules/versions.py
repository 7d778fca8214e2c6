"""Kubernetes version lifecycle (VER-1..VER-9, SVP-2, PRV-2) and patch level (VER-6)."""

from __future__ import annotations

from collections.abc import Iterator

from arcsupport.rules.outcome import NotEvaluated, Outcome
from arcsupport.rules.rule import Context, rule

_NEEDS_VERSION = (
    "the cluster's Kubernetes version (kubernetes/version.json or azure/provisioned-cluster.json)"
)


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


@rule(
    "version-lifecycle",
    clauses=("VER-1", "VER-2", "VER-3", "VER-4", "VER-5", "VER-8", "VER-9", "SVP-2", "PRV-2"),
    needs=(_NEEDS_VERSION,),
    operations=("upgrade", "update-os", "scale", "create-nodepool"),
)
def version_lifecycle(ctx: Context) -> Iterator[Outcome]:
    current = ctx.facts.cluster_version
    if current is None:
        raise NotEvaluated(_NEEDS_VERSION)
    minor = current.version.minor_key
    status = ctx.facts.calendar.minor_status(minor, ctx.today)
    evidence = (current.evidence,)
    end = status.end_of_support
    end_text = end.isoformat() if end else "?"
    basis_clause = "VER-1" if status.basis == "one-year" else "VER-5"
    horizon = ctx.pack.thresholds.warning_horizon_days
    days_left = status.days_left(ctx.today)

    if _preview_in_payload(ctx, minor) or status.status == "preview":
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
        if end is not None:
            yield ctx.deadline(end, (basis_clause, "VER-2"), "end-of-support", minor=minor)
            if days_left is not None and days_left <= horizon:
                yield ctx.finding(
                    "ending", "warning", (basis_clause,), evidence, end,
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
        clauses = ("VER-2", "SVP-2", basis_clause) + (("VER-4",) if removed else ())
        yield ctx.finding(
            "removed" if removed else "expired", "unsupported", clauses, evidence, end,
            minor=minor, date=end_text,
        )  # fmt: skip
        yield from _deprecated_operations(ctx, minor)
        if removed:
            yield ctx.operation("update-os", "block", ("VER-4",), "removed", minor=minor)
            key = "removed-upgrade-redeploy" if _unhealthy(ctx) else "removed-upgrade"
            yield ctx.operation("upgrade", "warn", ("VER-4",), key, minor=minor)

    host = ctx.facts.host_platform
    if host is not None and host[0] == "azure-local":
        offered = ctx.facts.calendar.versions_offered(host[1])
        if offered is not None and not any(v.minor_key == minor for v in offered):
            choices = ", ".join(str(v) for v in offered) or "-"
            yield ctx.operation(
                "create-nodepool", "block", ("VER-9",), "host-release",
                minor=minor, release=host[1], versions=choices,
            )  # fmt: skip


def _deprecated_operations(ctx: Context, minor: str) -> Iterator[Outcome]:
    for operation in ("upgrade", "update-os", "scale"):
        yield ctx.operation(operation, "warn", ("VER-3",), "deprecated", minor=minor)
    yield ctx.operation("create-nodepool", "block", ("VER-8",), "deprecated", minor=minor)


@rule(
    "version-patch",
    clauses=("VER-6", "VER-5"),
    needs=(_NEEDS_VERSION,),
)
def version_patch(ctx: Context) -> Iterator[Outcome]:
    current = ctx.facts.cluster_version
    if current is None or current.version.patch is None:
        raise NotEvaluated(_NEEDS_VERSION + " with a patch number")
    version = current.version
    minor_status = ctx.facts.calendar.minor_status(version.minor_key, ctx.today)
    if minor_status.status != "supported":
        return  # version-lifecycle judges minors that are not plainly supported
    patch = ctx.facts.calendar.patch_status(version, ctx.today)
    if patch.supported is None:
        raise NotEvaluated(f"the patch versions of {version.minor_key} in the policy calendar")
    if patch.supported:
        return
    evidence = (current.evidence,)
    newest = str(patch.newest) if patch.newest else "?"
    if patch.end_of_support is not None and patch.end_of_support > ctx.today:
        yield ctx.finding(
            "grace", "warning", ("VER-6", "VER-5"), evidence, patch.end_of_support,
            version=str(version), newest=newest, date=patch.end_of_support.isoformat(),
            days=(patch.end_of_support - ctx.today).days,
        )  # fmt: skip
        yield ctx.deadline(patch.end_of_support, ("VER-6",), "patch", version=str(version))
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
