"""Vendor-managed kube-system components (MGD-3), judged against what the pack says the release
runs: each required component present, its replica count, its containers by name and their
exact images, whichever tool made a change; and what else lives in kube-system (MGD-1)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import KUBERNETES_PLACEHOLDER, ExpectedContainer, ManagedComponent
from arcsupport.rules.facts import NEEDS_VERSION
from arcsupport.rules.nodes import CONTROL_PLANE_LABEL
from arcsupport.rules.outcome import (
    EVIDENCE_CAP,
    Evidence,
    Finding,
    Gap,
    NotEvaluated,
    Outcome,
    name_list,
)
from arcsupport.rules.rule import Context, rule
from arcsupport.snapshot.kube import (
    ManagedFieldsEntry,
    Pod,
    PodContainer,
    PodSpec,
    RunningPodSpec,
    Workload,
)

_NEEDS_DAEMONSETS = Message("needs.daemonsets-file")
_NEEDS_DEPLOYMENTS = Message("needs.deployments-file")
_NEEDS_PODS = Message("needs.static-pods")
_NEEDS_VERSION = Message("needs.version-for-images")
_WORKLOAD_KINDS = ("DaemonSet", "Deployment")


class _Release(msgspec.Struct, frozen=True):
    """The values an expected image is written with, or why they are unknown."""

    values: dict[str, str] | None
    unknown: Message | None = None  # what is missing, as coverage words it
    confirmed: bool = False  # the values were read from a real cluster or Microsoft's docs


@rule(
    "managed-components",
    clauses=("MGD-3", "MGD-1"),
    needs=(_NEEDS_DAEMONSETS, _NEEDS_DEPLOYMENTS, _NEEDS_PODS, _NEEDS_VERSION),
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
    release = _release(ctx)
    judge = _Judge(ctx, release)

    unrecognised: list[Evidence] = []
    workloads: dict[tuple[str, str], Workload] = {}  # (kind, name) of managed ones
    for kind, plural, items, _ in sources:
        part = f"kubernetes/{plural}"
        for workload in items or ():
            meta = workload.metadata
            if meta.namespace != managed.namespace:
                continue
            obj = f"{meta.namespace}/{kind}/{meta.name}"
            components = managed.matching(kind, meta.name)
            if not components:
                unrecognised.append(ctx.facts.evidence(part, obj, "metadata.name", meta.name))
                continue
            workloads[kind, meta.name] = workload
            changes = [
                *judge.pod_spec(part, obj, "spec.template.spec", workload.spec.template.spec,
                                components),
                *judge.replicas(part, obj, kind, workload, components),
            ]  # fmt: skip
            yield from _with_editors(ctx, part, obj, meta.managedFields, changes)

    pods = ctx.facts.pods_by_namespace.get(managed.namespace, ())
    for pod in pods:
        labels = pod.metadata.labels
        components = managed.matching("StaticPod", pod.metadata.name)
        # kubeadm labels the mirror pods of its static pods; any such pod is part of the
        # control plane the vendor maintains, even under a name the pack does not list.
        control_plane = "component" in labels and labels.get("tier") == "control-plane"
        if components or control_plane:
            obj = f"{managed.namespace}/Pod/{pod.metadata.name}"
            yield from judge.pod_spec("kubernetes/pods", obj, "spec", pod.spec, components)
    yield from _injected(ctx, pods, workloads)
    yield from _absent(ctx, workloads, pods)
    if judge.unjudged_images and release.unknown:
        names = name_list(judge.unjudged_images)
        yield Gap((Message("needs.exact-images", {"need": release.unknown, "names": names}),))

    if unrecognised:
        yield ctx.finding(
            "unrecognised", "info", ("MGD-1",), unrecognised[:EVIDENCE_CAP],
            count=len(unrecognised), names=name_list([item.object for item in unrecognised]),
            namespace=managed.namespace,
        )  # fmt: skip


def _release(ctx: Context) -> _Release:
    cluster = ctx.facts.cluster_version
    if cluster is None or cluster.version.patch is None:
        return _Release(None, NEEDS_VERSION)
    addons = ctx.pack.managed.versions.get(cluster.version.minor_key)
    if addons is None:
        return _Release(None, Message("needs.addon-versions", {"minor": cluster.version.minor_key}))
    return _Release(
        {**addons, KUBERNETES_PLACEHOLDER: str(cluster.version)},
        confirmed=cluster.version.minor_key in ctx.pack.managed.confirmed_versions,
    )


def _expected(
    components: list[ManagedComponent],
) -> tuple[list[ExpectedContainer] | None, list[ExpectedContainer] | None, bool]:
    """The containers and init containers the release ships, None where not pinned, and
    whether the entry that pins them is confirmed; the last entry that pins them wins, so that
    an overlay's own entry overrides the pack's."""
    pinning = [c for c in components if c.containers]
    containers = [c.containers for c in pinning]
    init = [c.init_containers for c in components if c.init_containers or c.containers]
    confirmed = pinning[-1].confirmed if pinning else False
    return (containers[-1] if containers else None), (init[-1] if init else None), confirmed


def _reference(finding: Finding, confirmed: bool) -> Finding:
    """A difference from a value no real AKS Arc cluster confirmed is a reference, not proof of
    a change: a warning that says so (`<key>-reference`), unless the pack's value is confirmed.
    A person's edit of the same object (managedFields) turns it back into a finding of
    unsupported (`_with_editors`)."""
    if confirmed:
        return finding
    message = msgspec.structs.replace(finding.message, key=finding.message.key + REFERENCE)
    return msgspec.structs.replace(finding, severity="warning", message=message)


REFERENCE = "-reference"


class _Judge:
    """Compares one managed object with what the release ships."""

    def __init__(self, ctx: Context, release: _Release) -> None:
        self.ctx = ctx
        self.release = release
        self.registries = tuple(ctx.pack.managed.registries)
        self.unjudged_images: list[str] = []  # objects whose exact images could not be checked

    def pod_spec(
        self,
        part: str,
        obj: str,
        path: str,
        spec: PodSpec | RunningPodSpec,
        components: list[ManagedComponent],
    ) -> Iterator[Finding]:
        containers, init, confirmed = _expected(components)
        # An image is only as sure as the add-on versions it is written with.
        images_confirmed = confirmed and self.release.confirmed
        yield from self._containers(
            part, obj, path, "containers", spec.containers, containers, confirmed,
            images_confirmed,
        )  # fmt: skip
        yield from self._containers(
            part, obj, path, "initContainers", spec.initContainers, init, confirmed,
            images_confirmed,
        )  # fmt: skip
        yield from self._args(part, obj, path, spec, components)

    def _containers(
        self,
        part: str,
        obj: str,
        path: str,
        field_name: str,
        actual: Sequence[PodContainer],
        expected: list[ExpectedContainer] | None,
        confirmed: bool,
        images_confirmed: bool,
    ) -> Iterator[Finding]:
        ctx = self.ctx
        wanted = {entry.name: entry for entry in expected or ()}
        if expected is not None:
            added = [c for c in actual if c.name not in wanted]
            removed = [name for name in wanted if name not in {c.name for c in actual}]
            if added:
                yield _reference(ctx.finding(
                    "containers-added", "unsupported", ("MGD-3",),
                    [ctx.facts.evidence(part, obj, f"{path}.{field_name}[{c.name}].image",
                                        c.image) for c in added[:EVIDENCE_CAP]],
                    object=obj, containers=name_list([c.name for c in added]),
                ), confirmed)  # fmt: skip
            if removed:
                yield _reference(ctx.finding(
                    "containers-removed", "unsupported", ("MGD-3",),
                    [ctx.facts.evidence(part, obj, f"{path}.{field_name}[{name}]", "<none>")
                     for name in removed[:EVIDENCE_CAP]],
                    object=obj, containers=name_list(removed),
                ), confirmed)  # fmt: skip
        for container in actual:
            where = f"{path}.{field_name}[{container.name}].image"
            if expected is not None and container.name not in wanted:
                continue  # reported as added
            if not container.image.startswith(self.registries):
                yield ctx.finding(
                    "image", "unsupported", ("MGD-3",),
                    [ctx.facts.evidence(part, obj, where, container.image)],
                    object=obj, container=container.name, image=container.image,
                    registries=", ".join(self.registries),
                )  # fmt: skip
                continue
            if expected is None:
                continue
            shipped = wanted[container.name]
            image = shipped.render(self.release.values) if self.release.values else None
            if image is None:
                if obj not in self.unjudged_images:
                    self.unjudged_images.append(obj)
            elif container.image != image:
                yield _reference(ctx.finding(
                    "image-changed", "unsupported", ("MGD-3",),
                    [ctx.facts.evidence(part, obj, where, container.image)],
                    object=obj, container=container.name, image=container.image, expected=image,
                ), images_confirmed)  # fmt: skip

    def _args(
        self,
        part: str,
        obj: str,
        path: str,
        spec: PodSpec | RunningPodSpec,
        components: list[ManagedComponent],
    ) -> Iterator[Finding]:
        pinned = [arg for component in components for arg in component.args]
        if not pinned:
            return
        present = {
            token
            for container in (*spec.containers, *spec.initContainers)
            for token in (*container.command, *container.args)
        }
        absent = list(dict.fromkeys(arg for arg in pinned if arg not in present))
        if absent:
            yield self.ctx.finding(
                "args", "unsupported", ("MGD-3",),
                [self.ctx.facts.evidence(part, obj, f"{path}.containers[].command+args",
                                         " ".join(absent))],
                object=obj, args=" ".join(absent),
            )  # fmt: skip

    def replicas(
        self,
        part: str,
        obj: str,
        kind: str,
        workload: Workload,
        components: list[ManagedComponent],
    ) -> Iterator[Finding]:
        pinning = [c for c in components if c.replicas is not None]
        if not pinning or kind != "Deployment":
            return
        expected = pinning[-1].replicas
        actual = deployment_replicas(workload)
        if actual != expected:
            yield _reference(self.ctx.finding(
                "replicas", "unsupported", ("MGD-3",),
                [self.ctx.facts.evidence(part, obj, "spec.replicas", actual)],
                object=obj, replicas=actual, expected=expected or 0,
            ), pinning[-1].confirmed)  # fmt: skip


def deployment_replicas(workload: Workload) -> int:
    # The API server defaults an absent `replicas` of a Deployment to 1.
    return 1 if workload.spec.replicas is None else workload.spec.replicas


def _with_editors(
    ctx: Context,
    part: str,
    obj: str,
    entries: list[ManagedFieldsEntry],
    changes: list[Finding],
) -> Iterator[Finding]:
    """The changes found, each with the managedFields entries of the people who edited the
    spec as further evidence; a spec edited by hand where no compared value differs is a
    change of a value the pack does not pin (resources, environment, probes...)."""
    editors, evidence = _hand_edits(ctx, part, obj, entries)
    if changes:
        for change in changes:
            if editors and change.message.key.endswith(REFERENCE):
                # A person edited the spec: the difference is a change, confirmed or not.
                key = change.message.key.removesuffix(REFERENCE)
                change = msgspec.structs.replace(
                    change,
                    severity="unsupported",
                    message=msgspec.structs.replace(change.message, key=key),
                )
            yield msgspec.structs.replace(change, evidence=(*change.evidence, *evidence))
    elif editors:
        yield ctx.finding(
            "hand-edit", "unsupported", ("MGD-3",), evidence,
            object=obj, managers=", ".join(editors),
        )  # fmt: skip


def _hand_edits(
    ctx: Context, part: str, obj: str, entries: list[ManagedFieldsEntry]
) -> tuple[list[str], list[Evidence]]:
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
    return editors, evidence


def _owner(pod: Pod) -> tuple[str, str] | None:
    """(kind, name) of the DaemonSet or Deployment that made the pod. A Deployment's pods
    belong to a ReplicaSet named after it and the pod template's hash."""
    for owner in pod.metadata.ownerReferences:
        if owner.kind == "DaemonSet":
            return "DaemonSet", owner.name
        template_hash = pod.metadata.labels.get("pod-template-hash", "")
        if owner.kind == "ReplicaSet" and template_hash and owner.name.endswith(template_hash):
            return "Deployment", owner.name.removesuffix(f"-{template_hash}")
    return None


def _injected(
    ctx: Context, pods: Sequence[Pod], workloads: dict[tuple[str, str], Workload]
) -> Iterator[Finding]:
    """Containers that an admission webhook (a service mesh, a security agent) added to the
    pods of a managed component: the component's spec does not have them, its pods do."""
    managed = ctx.pack.managed
    by_owner: dict[tuple[str, str], tuple[list[Evidence], dict[str, None], set[str]]] = {}
    # Against the owner's own spec, an extra container is proof of an injection; against the
    # pack's list alone (the owner was not collected), only as sure as that list.
    sure: dict[tuple[str, str], bool] = {}
    for pod in pods:
        owner = _owner(pod)
        if owner is None:
            continue
        components = managed.matching(*owner)
        if not components:
            continue
        containers, init, confirmed = _expected(components)
        known: set[str] = {c.name for c in (*(containers or ()), *(init or ()))}
        workload = workloads.get(owner)
        sure[owner] = workload is not None or confirmed
        if workload is not None:
            template = workload.spec.template.spec
            known |= {c.name for c in (*template.containers, *template.initContainers)}
        elif containers is None:
            continue  # neither the spec nor the pack says what the pod should run
        obj = f"{managed.namespace}/Pod/{pod.metadata.name}"
        for field_name, listed in (("containers", pod.spec.containers),
                                   ("initContainers", pod.spec.initContainers)):  # fmt: skip
            for container in listed:
                if container.name in known:
                    continue
                evidence, names, seen = by_owner.setdefault(owner, ([], {}, set()))
                names[container.name] = None
                seen.add(pod.metadata.name)
                if len(evidence) < EVIDENCE_CAP:
                    evidence.append(
                        ctx.facts.evidence(
                            "kubernetes/pods", obj, f"spec.{field_name}[{container.name}].image",
                            container.image,
                        )
                    )  # fmt: skip
    for (kind, name), (evidence, names, seen) in by_owner.items():
        yield _reference(ctx.finding(
            "injected", "unsupported", ("MGD-3",), evidence,
            object=f"{managed.namespace}/{kind}/{name}", count=len(seen),
            containers=name_list(list(names)),
        ), sure[kind, name])  # fmt: skip


def _absent(
    ctx: Context, workloads: dict[tuple[str, str], Workload], pods: Sequence[Pod]
) -> Iterator[Finding]:
    """Required components that do not run: a deleted Deployment or DaemonSet, or a static
    pod missing from a control-plane node."""
    snap = ctx.snapshot
    managed = ctx.pack.managed
    collected = {
        "DaemonSet": (snap.daemonsets is not None, "kubernetes/daemonsets"),
        "Deployment": (snap.deployments is not None, "kubernetes/deployments"),
    }
    pod_names = {pod.metadata.name for pod in pods}
    control_plane = [
        node.metadata.name
        for node in snap.nodes or ()
        if CONTROL_PLANE_LABEL in node.metadata.labels
    ]
    absent: list[Evidence] = []
    for component in managed.components:
        if not component.required:
            continue
        if component.kind in _WORKLOAD_KINDS:
            seen, part = collected[component.kind]
            if seen and not any(
                kind == component.kind and fnmatchcase(name, component.name)
                for kind, name in workloads
            ):
                obj = f"{managed.namespace}/{component.kind}/{component.name}"
                absent.append(ctx.facts.evidence(part, obj, "metadata.name", "<none>"))
            continue
        if snap.pods is None:
            continue
        # One mirror pod per control-plane node, named after it; without the nodes, any.
        if control_plane:
            wanted = [component.name.replace("*", node) for node in control_plane]
            gone = [name for name in wanted if name not in pod_names]
        else:
            gone = (
                [] if any(fnmatchcase(n, component.name) for n in pod_names) else [component.name]
            )
        absent += [
            ctx.facts.evidence(
                "kubernetes/pods", f"{managed.namespace}/Pod/{name}", "metadata.name", "<none>"
            )
            for name in gone
        ]
    if absent:
        yield ctx.finding(
            "absent", "unsupported", ("MGD-3",), absent[:EVIDENCE_CAP],
            count=len(absent), names=name_list([item.object for item in absent]),
        )  # fmt: skip
