"""Vendor-managed kube-system components: changed ones (MGD-3), and what else lives there
(MGD-1)."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

import msgspec

from arcsupport.policy.model import ManagedComponent
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.snapshot.kube import Container, ManagedFieldsEntry, PodSpec, Workload

_NEEDS_DAEMONSETS = "kubernetes/daemonsets.json"
_NEEDS_DEPLOYMENTS = "kubernetes/deployments.json"
_NEEDS_PODS = "kubernetes/pods.json (static control-plane pods)"
# A finding about many objects names the first few; the count says how many there are.


@rule(
    "managed-components",
    clauses=("MGD-3", "MGD-1"),
    needs=(_NEEDS_DAEMONSETS, _NEEDS_DEPLOYMENTS, _NEEDS_PODS),
    inert_without=("daemonsets", "deployments", "pods"),
)
def managed_components(ctx: Context) -> Iterator[Outcome]:
    snap = ctx.snapshot
    managed = ctx.pack.managed
    sources = (
        ("DaemonSet", "daemonsets", snap.daemonsets, _NEEDS_DAEMONSETS),
        ("Deployment", "deployments", snap.deployments, _NEEDS_DEPLOYMENTS),
    )
    missing = [needs for _, _, items, needs in sources if items is None]
    if snap.pods is None:
        missing.append(_NEEDS_PODS)
    if len(missing) == 3:
        raise NotEvaluated(*missing)
    if missing:
        yield Gap(tuple(missing))

    unrecognised: list[Evidence] = []
    for kind, plural, items, _ in sources:
        part = f"kubernetes/{plural}"
        for workload in items or ():
            meta = workload.metadata
            if meta.namespace != managed.namespace:
                continue
            obj = f"{meta.namespace}/{kind}/{meta.name}"
            components = _components(ctx, kind, meta.name)
            if not components:
                unrecognised.append(ctx.facts.evidence(part, obj, "metadata.name", meta.name))
                continue
            yield from _check_pod_spec(
                ctx, part, obj, "spec.template.spec", workload.spec.template.spec, components
            )
            yield from _check_replicas(ctx, part, obj, kind, workload, components)
            yield from _check_hand_edits(ctx, part, obj, meta.managedFields)

    for pod in ctx.facts.pods_by_namespace.get(managed.namespace, ()):
        labels = pod.metadata.labels
        components = _components(ctx, "StaticPod", pod.metadata.name)
        # kubeadm labels the mirror pods of its static pods; any such pod is part of the
        # control plane the vendor maintains, even under a name the pack does not list.
        control_plane = "component" in labels and labels.get("tier") == "control-plane"
        if not components and not control_plane:
            continue
        obj = f"{managed.namespace}/Pod/{pod.metadata.name}"
        yield from _check_pod_spec(ctx, "kubernetes/pods", obj, "spec", pod.spec, components)

    if unrecognised:
        yield ctx.finding(
            "unrecognised", "info", ("MGD-1",), unrecognised[:EVIDENCE_CAP],
            count=len(unrecognised), names=name_list([item.object for item in unrecognised]),
            namespace=managed.namespace,
        )  # fmt: skip


def _components(ctx: Context, kind: str, name: str) -> list[ManagedComponent]:
    """Every pack entry that matches: an overlay may pin values in an entry of its own."""
    return [
        component
        for component in ctx.pack.managed.components
        if component.kind == kind and fnmatchcase(name, component.name)
    ]


def _check_pod_spec(
    ctx: Context,
    part: str,
    obj: str,
    path: str,
    spec: PodSpec,
    components: list[ManagedComponent],
) -> Iterator[Outcome]:
    registries = tuple(ctx.pack.managed.registries)
    containers: list[tuple[str, Container]] = [
        *(("containers", container) for container in spec.containers),
        *(("initContainers", container) for container in spec.initContainers),
    ]
    for field_name, container in containers:
        if not container.image.startswith(registries):
            yield ctx.finding(
                "image", "unsupported", ("MGD-3",),
                [ctx.facts.evidence(
                    part, obj, f"{path}.{field_name}[{container.name}].image", container.image
                )],
                object=obj, container=container.name, image=container.image,
                registries=", ".join(registries),
            )  # fmt: skip
    pinned = [arg for component in components for arg in component.args]
    if not pinned:
        return
    present = {token for _, c in containers for token in (*c.command, *c.args)}
    absent = list(dict.fromkeys(arg for arg in pinned if arg not in present))
    if absent:
        yield ctx.finding(
            "args", "unsupported", ("MGD-3",),
            [ctx.facts.evidence(part, obj, f"{path}.containers[].command+args", " ".join(absent))],
            object=obj, args=" ".join(absent),
        )  # fmt: skip


def _check_replicas(
    ctx: Context,
    part: str,
    obj: str,
    kind: str,
    workload: Workload,
    components: list[ManagedComponent],
) -> Iterator[Outcome]:
    pinned = [c.replicas for c in components if c.replicas is not None]
    if not pinned or kind != "Deployment":
        return
    # The API server defaults an absent `replicas` of a Deployment to 1.
    actual = 1 if workload.spec.replicas is None else workload.spec.replicas
    if actual != pinned[-1]:
        yield ctx.finding(
            "replicas", "unsupported", ("MGD-3",),
            [ctx.facts.evidence(part, obj, "spec.replicas", actual)],
            object=obj, replicas=actual, expected=pinned[-1],
        )  # fmt: skip


def _check_hand_edits(
    ctx: Context, part: str, obj: str, entries: list[ManagedFieldsEntry]
) -> Iterator[Outcome]:
    user_managers = set(ctx.pack.system_metadata.user_managers)
    editors: list[str] = []
    evidence: list[Evidence] = []
    for entry in entries:
        if entry.manager not in user_managers or not entry.fieldsV1:
            continue
        # Only a person's entries are decoded; a label added with kubectl touches metadata,
        # which is not a change of the component (SHR-4 covers system metadata).
        try:
            fields = msgspec.json.decode(entry.fieldsV1)
        except msgspec.DecodeError:
            # Kept raw when the List was read, so never checked: bytes that are not JSON (or
            # not UTF-8) say nothing about what was edited.
            continue
        if not isinstance(fields, dict) or "f:spec" not in fields:
            continue
        if entry.manager not in editors:
            editors.append(entry.manager)
        when = entry.time.isoformat() if entry.time else "?"
        evidence.append(
            ctx.facts.evidence(
                part, obj, f"metadata.managedFields[manager={entry.manager}]",
                f"{entry.operation} f:spec at {when}",
            )
        )  # fmt: skip
    if editors:
        yield ctx.finding(
            "hand-edit", "unsupported", ("MGD-3",), evidence,
            object=obj, managers=", ".join(editors),
        )  # fmt: skip
