"""The admission guard's judgement of one request, pure: it stops, before they are stored, the
changes the rules would later find (SHR-4's system node metadata, MGD-3's managed components)
and warns on requests for alpha APIs (PRV-1). The system keys, the managed components, the
platform's identities and the built-in API groups are the pack's, as the rules read them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import Pack, PlatformIdentity
from arcsupport.rules.managed import deployment_replicas
from arcsupport.rules.metadata import key_matcher, written_taint
from arcsupport.rules.preview import is_alpha_api
from arcsupport.snapshot.admission import AdmissionRequest, Scale, UserInfo
from arcsupport.snapshot.kube import Container, Node, Taint, Workload

_MANAGED_KINDS = {"deployments": "Deployment", "daemonsets": "DaemonSet"}


class Change(msgspec.Struct, frozen=True, gc=False):
    """One refused change: the field it touches and what it is, in words."""

    field: str
    message: Message


class Denial(msgspec.Struct, frozen=True, gc=False):
    clause: str
    message: Message  # who may not change what
    changes: tuple[Change, ...] = ()


class Caution(msgspec.Struct, frozen=True, gc=False):
    clause: str
    message: Message


class AdmissionDecision(msgspec.Struct, frozen=True, gc=False):
    uid: str
    denials: tuple[Denial, ...] = ()
    cautions: tuple[Caution, ...] = ()  # the reply's warnings; the request is still allowed

    @property
    def allowed(self) -> bool:
        return not self.denials


class AdmissionGuard:
    """The pack's keys and identities compiled once, for every request a webhook serves."""

    def __init__(self, pack: Pack) -> None:
        system = pack.system_metadata
        self.labels = key_matcher(system.labels)
        self.annotations = key_matcher(system.annotations)
        self.taints = key_matcher(system.taints)
        self.writers = tuple(system.writers)
        self.managed = pack.managed
        self.maintainers = tuple(pack.managed.maintainers)
        self.builtin_groups = frozenset(pack.preview.builtin_api_groups)

    def decide(self, request: AdmissionRequest) -> AdmissionDecision:
        denials: list[Denial] = []
        cautions: list[Caution] = []
        old, new = request.old_object, request.object
        if request.operation == "UPDATE" and isinstance(old, Node) and isinstance(new, Node):
            node_denial, added = self._node(request, old, new)
            denials += node_denial
            cautions += added
        kind = _MANAGED_KINDS.get(request.resource.resource)
        if (
            kind is not None
            and request.resource.group == "apps"
            and request.namespace == self.managed.namespace
            and self.managed.matching(kind, request.name)
        ):
            denials += self._managed(request, kind)
        cautions += self._alpha(request)
        return AdmissionDecision(request.uid, tuple(denials), tuple(cautions))

    # --- SHR-4: system-created node metadata -------------------------------------------------

    def _node(
        self, request: AdmissionRequest, old: Node, new: Node
    ) -> tuple[list[Denial], list[Caution]]:
        """Changed or removed system keys are refused; a system key added by hand is allowed
        with a warning (the policy lets users add metadata, but the platform may overwrite a
        key in its own namespace). A status update is judged too: the API server's status
        strategy for nodes keeps metadata changes."""
        node = request.name or old.metadata.name
        if _platform(self.writers, request.user, node):
            return [], []
        changes: list[Change] = []
        cautions: list[Caution] = []
        for kind, matcher, before, after in (
            ("label", self.labels, old.metadata.labels, new.metadata.labels),
            ("annotation", self.annotations, old.metadata.annotations, new.metadata.annotations),
        ):
            for key in sorted(before.keys() | after.keys()):
                was, now = before.get(key), after.get(key)
                if was == now or not matcher.match(key):
                    continue
                field = f"metadata.{kind}s[{key}]"
                if was is None:
                    cautions.append(_added(kind, key, node))
                elif now is None:
                    changes.append(_change(field, f"{kind}-removed", name=key, old=was))
                else:
                    changes.append(_change(field, f"{kind}-changed", name=key, old=was, new=now))
        removed_taints, added_taints = self._taint_changes(old.spec.taints, new.spec.taints)
        changes += [
            _change(f"spec.taints[{taint}]", "taint-removed", taint=taint)
            for taint in removed_taints
        ]
        cautions += [_added("taint", taint, node) for taint in added_taints]
        if not changes:
            return [], cautions
        denial = Denial(
            "SHR-4",
            Message(
                "admission.node.denied",
                {"clause": "SHR-4", "user": request.user.username, "node": node},
            ),
            tuple(changes),
        )
        return [denial], cautions

    def _taint_changes(
        self, before: list[Taint], after: list[Taint]
    ) -> tuple[list[str], list[str]]:
        """System taints gone and system taints new, as `key[=value]:Effect`; a taint whose
        value or effect changed is both (its timeAdded is the controller's, not compared)."""

        def system(taints: list[Taint]) -> Counter[str]:
            return Counter(
                written_taint((taint.key, taint.value, taint.effect))
                for taint in taints
                if self.taints.match(taint.key)
            )

        old, new = system(before), system(after)
        return sorted((old - new).elements()), sorted((new - old).elements())

    # --- MGD-3: managed kube-system components ------------------------------------------------

    def _managed(self, request: AdmissionRequest, kind: str) -> list[Denial]:
        """What the managed-components rule compares (replicas, containers by name, their
        images, commands and arguments), compared between the stored object and the new one;
        a change elsewhere (a restart annotation, resources) is not refused here."""
        if _platform(self.maintainers, request.user):
            return []
        obj = f"{request.namespace}/{kind}/{request.name}"
        args: dict[str, str | int] = {
            "clause": "MGD-3", "user": request.user.username, "object": obj,
            "namespace": request.namespace,
        }  # fmt: skip
        if request.operation == "DELETE" and not request.sub_resource:
            return [Denial("MGD-3", Message("admission.managed.deleted", args))]
        if request.operation != "UPDATE":
            return []
        old, new = request.old_object, request.object
        changes: list[Change] = []
        if isinstance(old, Scale) and isinstance(new, Scale):
            if old.spec.replicas != new.spec.replicas:
                changes.append(_replicas(old.spec.replicas, new.spec.replicas))
        elif isinstance(old, Workload) and isinstance(new, Workload):
            if kind == "Deployment":
                before, after = deployment_replicas(old), deployment_replicas(new)
                if before != after:
                    changes.append(_replicas(before, after))
            old_spec, new_spec = old.spec.template.spec, new.spec.template.spec
            for field_name, was, now in (
                ("containers", old_spec.containers, new_spec.containers),
                ("initContainers", old_spec.initContainers, new_spec.initContainers),
            ):
                changes += _container_changes(f"spec.template.spec.{field_name}", was, now)
        if not changes:
            return []
        return [Denial("MGD-3", Message("admission.managed.denied", args), tuple(changes))]

    # --- PRV-1: alpha APIs ---------------------------------------------------------------------

    def _alpha(self, request: AdmissionRequest) -> Iterator[Caution]:
        """A write through an alpha version of a built-in API group. The version is the one the
        client sent (requestKind): the API server may have converted the object to another."""
        sent = request.request_kind
        if request.operation in ("CREATE", "UPDATE") and is_alpha_api(
            sent.group, sent.version, self.builtin_groups
        ):
            api = f"{sent.group}/{sent.version}" if sent.group else sent.version
            name = f"{request.namespace}/{request.name}" if request.namespace else request.name
            yield Caution(
                "PRV-1",
                Message(
                    "admission.preview.alpha-api",
                    {"clause": "PRV-1", "api": api, "kind": sent.kind, "name": name or "-"},
                ),
            )


def _platform(identities: tuple[PlatformIdentity, ...], user: UserInfo, node: str = "") -> bool:
    return any(identity.matches(user.username, user.groups, node) for identity in identities)


def _change(field: str, what: str, **args: str | int) -> Change:
    return Change(field, Message(f"admission.change.{what}", args))


def _added(kind: str, key: str, node: str) -> Caution:
    return Caution(
        "SHR-4",
        Message(f"admission.node.{kind}-added", {"clause": "SHR-4", "name": key, "node": node}),
    )


def _replicas(before: int, after: int) -> Change:
    return _change("spec.replicas", "replicas", old=before, new=after)


def _container_changes(path: str, before: list[Container], after: list[Container]) -> list[Change]:
    was: Mapping[str, Container] = {container.name: container for container in before}
    now: Mapping[str, Container] = {container.name: container for container in after}
    changes: list[Change] = []
    for name in was.keys() - now.keys():
        changes.append(_change(f"{path}[{name}]", "container-removed", container=name))
    for name in now.keys() - was.keys():
        changes.append(_change(f"{path}[{name}]", "container-added", container=name))
    for name in was.keys() & now.keys():
        old, new = was[name], now[name]
        if old.image != new.image:
            changes.append(
                _change(f"{path}[{name}].image", "image", container=name, old=old.image,
                        new=new.image)
            )  # fmt: skip
        if old.command != new.command:
            changes.append(_change(f"{path}[{name}].command", "command", container=name))
        if old.args != new.args:
            changes.append(_change(f"{path}[{name}].args", "args", container=name))
    return sorted(changes, key=lambda change: change.field)
