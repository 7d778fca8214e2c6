"""Deprecated and removed Kubernetes APIs still in use (VER-4, NODE-C-2).

An object read back from the API server is served in whatever version the reader asked for, so
its own `apiVersion` says what a client wrote only when the bundle was built from manifests.
The evidence of what clients really use is the apiVersion kept in the
`kubectl.kubernetes.io/last-applied-configuration` annotation and the API server's
`apiserver_requested_deprecated_apis` metric.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import DeprecatedApi
from arcsupport.rules.facts import NEEDS_VERSION, Facts
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import LAST_APPLIED, GenericMeta, ObjectMeta, Workload
from arcsupport.types import Severity
from arcsupport.untrusted import MAX_DEPTH, nesting_depth

if TYPE_CHECKING:
    from arcsupport.lifecycle.planner import ApiMigration

_NEEDS_OBJECTS = Message("needs.objects")
_NEEDS_METRICS = Message("needs.deprecated-requests")


class _TypeMeta(msgspec.Struct):
    """The two keys read from a last-applied-configuration; the rest is skipped undecoded."""

    apiVersion: str = ""
    kind: str = ""


_TYPE_META = msgspec.json.Decoder(_TypeMeta)


class _Api(msgspec.Struct, frozen=True, gc=False):
    api_version: str
    kind: str  # the resource name when only the metric names it
    deprecated_in: KubeVersion | None
    removed_in: KubeVersion | None
    replacement: str | None

    @classmethod
    def from_row(cls, row: DeprecatedApi) -> _Api:
        return cls(
            row.api_version,
            row.kind,
            KubeVersion.try_parse(row.deprecated_in),
            KubeVersion.try_parse(row.removed_in),
            row.replacement,
        )

    def describe(self) -> str:
        return f"{self.api_version} {self.kind} -> {self.replacement or '-'}"


class _Use(msgspec.Struct, frozen=True, gc=False):
    api: _Api
    source: str  # the object or metric series; counted once per removal release
    evidence: Evidence
    request: bool  # seen in the API server's metrics rather than in an object


def _plural(kind: str) -> str:
    """Kind to resource name as the API server spells it in metric labels (FlowSchema ->
    flowschemas, PodSecurityPolicy -> podsecuritypolicies, Ingress -> ingresses)."""
    name = kind.lower()
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name + "s"


def _applied(annotations: dict[str, str]) -> _TypeMeta | None:
    text = annotations.get(LAST_APPLIED)
    # JSON in a string escapes the scan of its file: one nested past the cap is no manifest.
    if not text or nesting_depth(text.encode()) > MAX_DEPTH:
        return None
    try:
        return _TYPE_META.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        # A hand-edited annotation that is not JSON says nothing about what was applied.
        return None


def _object_uses(
    facts: Facts,
    table: dict[tuple[str, str], _Api],
    part: str,
    items: Iterable[tuple[str, str, ObjectMeta | GenericMeta]],
) -> Iterator[_Use]:
    """(apiVersion, kind, metadata) of each object: its own version, then the applied one."""
    for api_version, kind, meta in items:
        name = f"{meta.namespace}/{kind}/{meta.name}" if meta.namespace else f"{kind}/{meta.name}"
        seen: set[_Api] = set()
        applied = _applied(meta.annotations)
        candidates = [("apiVersion", api_version, kind)]
        if applied is not None:
            candidates.append(
                (f"metadata.annotations[{LAST_APPLIED}].apiVersion", applied.apiVersion,
                 applied.kind or kind)
            )  # fmt: skip
        for field, version, written_kind in candidates:
            api = table.get((version, written_kind))
            if api is None or api in seen:
                continue
            seen.add(api)
            yield _Use(api, name, facts.evidence(part, name, field, version), False)


def _metric_uses(
    facts: Facts, table: dict[tuple[str, str], _Api], current: KubeVersion
) -> Iterator[_Use]:
    metrics = facts.snapshot.metrics
    if metrics is None:
        return
    by_resource = {(api.api_version, _plural(api.kind)): api for api in table.values()}
    for request in metrics.deprecated_api_requests:
        api_version = f"{request.group}/{request.version}" if request.group else request.version
        api = by_resource.get((api_version, request.resource.lower()))
        if api is None:
            # Not in the pack's table (a custom resource, or newer than the table): the API
            # server itself says the version is deprecated now and names its removal release.
            api = _Api(
                api_version,
                request.resource,
                current,
                KubeVersion.try_parse(request.removed_release),
                None,
            )
        series = (
            f'apiserver_requested_deprecated_apis{{group="{request.group}",'
            f'version="{request.version}",resource="{request.resource}"}}'
        )
        value = request.removed_release or "-"
        evidence = facts.evidence("kubernetes/metrics", series, "removed_release", value)
        yield _Use(api, series, evidence, True)


def _stage(api: _Api, current: KubeVersion) -> str | None:
    """removed (at or before the cluster's minor), removed-next (in the next minor),
    deprecated (later or never), or None when the cluster's minor has not deprecated it."""
    minor = current.minor_tuple
    if api.removed_in is not None:
        if api.removed_in.minor_tuple <= minor:
            return "removed"
        if api.removed_in.minor_tuple == (minor[0], minor[1] + 1):
            return "removed-next"
    if api.deprecated_in is not None and api.deprecated_in.minor_tuple <= minor:
        return "deprecated" if api.removed_in is not None else "deprecated-unscheduled"
    return None


def _workload_lists(facts: Facts) -> tuple[tuple[str, str, list[Workload] | None], ...]:
    snap = facts.snapshot
    return (
        ("kubernetes/daemonsets", "DaemonSet", snap.daemonsets),
        ("kubernetes/deployments", "Deployment", snap.deployments),
        ("kubernetes/statefulsets", "StatefulSet", snap.statefulsets),
    )


def _collect_uses(facts: Facts, current: KubeVersion) -> list[_Use]:
    """Every deprecated or removed API the bundle's objects or the API server's metrics show."""
    table = {(row.api_version, row.kind): _Api.from_row(row) for row in facts.pack.deprecated_apis}
    uses: list[_Use] = []
    for part, default_kind, workloads in _workload_lists(facts):
        uses.extend(
            _object_uses(
                facts, table, part,
                ((w.apiVersion, w.kind or default_kind, w.metadata) for w in workloads or ()),
            )
        )  # fmt: skip
    for plural, objects in facts.snapshot.other_objects.items():
        uses.extend(
            _object_uses(
                facts, table, f"kubernetes/{plural}",
                ((o.apiVersion, o.kind, o.metadata) for o in objects),
            )
        )  # fmt: skip
    uses.extend(_metric_uses(facts, table, current))
    return uses


def migrations_by_removal(facts: Facts, current: KubeVersion) -> dict[str, list[ApiMigration]]:
    """For the upgrade planner: the APIs in use, grouped by the minor that removes them."""
    # Imported here: the planner's classes cost `check`'s start-up and only plans need them.
    from arcsupport.lifecycle.planner import ApiMigration

    grouped: dict[tuple[str, str, str], tuple[_Api, list[str]]] = {}
    for use in _collect_uses(facts, current):
        if use.api.removed_in is None:
            continue
        key = (use.api.removed_in.minor_key, use.api.api_version, use.api.kind)
        grouped.setdefault(key, (use.api, []))[1].append(use.source)
    result: dict[str, list[ApiMigration]] = {}
    for (removed_in, api_version, kind), (api, sources) in sorted(grouped.items()):
        result.setdefault(removed_in, []).append(
            ApiMigration(
                api_version, kind, removed_in, api.replacement, tuple(sorted(set(sources)))
            )
        )
    return result


@rule(
    "deprecated-apis",
    clauses=("VER-4", "NODE-C-2"),
    needs=(NEEDS_VERSION, _NEEDS_OBJECTS, _NEEDS_METRICS),
    operations=("upgrade",),
    inert_without=("other_objects", "daemonsets", "deployments", "statefulsets", "metrics"),
)
def deprecated_apis(ctx: Context) -> Iterator[Outcome]:
    snap = ctx.snapshot
    has_objects = bool(snap.other_objects) or any(
        items is not None for *_, items in _workload_lists(ctx.facts)
    )
    if not has_objects and snap.metrics is None:
        raise NotEvaluated(Message("needs.objects-or-requests"))
    current = ctx.facts.cluster_version
    if current is None:
        raise NotEvaluated(NEEDS_VERSION)

    uses = _collect_uses(ctx.facts, current.version)

    # One finding per removal release: each is one migration step on the upgrade path.
    groups: dict[str, tuple[str, list[_Use]]] = {}
    for use in uses:
        stage = _stage(use.api, current.version)
        if stage is None:
            continue
        release = use.api.removed_in.minor_key if use.api.removed_in is not None else ""
        groups.setdefault(release, (stage, []))[1].append(use)

    minor = current.version.minor_key
    for release, (stage, group) in sorted(groups.items(), key=lambda item: _release_key(item[0])):
        apis = "; ".join(sorted({use.api.describe() for use in group}))
        sources = {use.source for use in group}
        requests = len({use.source for use in group if use.request})
        # Requests show live use, so their evidence goes first when the list is cut short.
        shown = sorted(group, key=lambda use: not use.request)[:EVIDENCE_CAP]
        evidence = [use.evidence for use in shown]
        severity: Severity = "info" if stage.startswith("deprecated") else "warning"
        clauses = ("VER-4", "NODE-C-2") if stage == "removed-next" else ("NODE-C-2",)
        yield ctx.finding(
            stage, severity, clauses, evidence,
            release=release or "-", minor=minor, apis=apis, count=len(sources),
            objects=len(sources) - requests, requests=requests,
        )  # fmt: skip
        if stage == "removed-next":
            yield ctx.operation(
                "upgrade", "warn", ("VER-4", "NODE-C-2"), "removed-next", release=release, apis=apis
            )

    if snap.metrics is None:
        yield Gap((Message("needs.requested-versions"),))


def _release_key(release: str) -> tuple[int, int]:
    parsed = KubeVersion.try_parse(release)
    return parsed.minor_tuple if parsed is not None else (999, 0)
