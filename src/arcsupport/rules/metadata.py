"""System-created node metadata (SHR-4): required labels, labels that contradict the node, and
system keys that a person's edit now owns."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

import msgspec

from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.snapshot.kube import Node

_NEEDS_NODES = "the nodes (kubernetes/nodes.json)"
_NEEDS_MANAGED_FIELDS = (
    "the nodes' metadata.managedFields (kubectl get nodes -o json --show-managed-fields)"
)


class _MetadataFields(msgspec.Struct):
    labels: dict[str, msgspec.Raw] = msgspec.field(default_factory=dict, name="f:labels")
    annotations: dict[str, msgspec.Raw] = msgspec.field(default_factory=dict, name="f:annotations")


class _SpecFields(msgspec.Struct):
    # `spec.taints` is an atomic list: its owner owns every taint in it, so the set says
    # nothing about single taints and its value need not be read.
    taints: dict[str, msgspec.Raw] | None = msgspec.field(default=None, name="f:taints")


class _FieldsV1(msgspec.Struct):
    """The parts of a managedFields entry's field set this rule reads."""

    metadata: _MetadataFields = msgspec.field(default_factory=_MetadataFields, name="f:metadata")
    spec: _SpecFields = msgspec.field(default_factory=_SpecFields, name="f:spec")


_FIELDS_DECODER = msgspec.json.Decoder(_FieldsV1)


def _matcher(patterns: list[str]) -> re.Pattern[str]:
    """One regular expression for a list of fnmatch patterns, compiled once per run."""
    if not patterns:
        return re.compile(r"(?!)")  # an empty list owns no key; "" would match every key
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


def _owned_keys(fields: dict[str, msgspec.Raw]) -> Iterator[str]:
    """`f:<key>` members of a labels/annotations field set (`.` is the map itself)."""
    return (name[2:] for name in fields if name.startswith("f:"))


@rule(
    "system-metadata",
    clauses=("SHR-4",),
    needs=(_NEEDS_NODES, _NEEDS_MANAGED_FIELDS),
    inert_without=("nodes",),
)
def system_metadata(ctx: Context) -> Iterator[Outcome]:
    nodes = ctx.snapshot.nodes
    if nodes is None:
        raise NotEvaluated(_NEEDS_NODES)
    spec = ctx.pack.system_metadata
    system_keys = {
        "labels": _matcher(spec.labels),
        "annotations": _matcher(spec.annotations),
    }
    system_taints = _matcher(spec.taints)
    user_managers = frozenset(spec.user_managers)

    def evidence(node: Node, field_path: str, value: object) -> Evidence:
        return ctx.facts.evidence(
            "kubernetes/nodes", f"nodes/{node.metadata.name}", field_path, value
        )

    missing = _Group()
    inconsistent = _Group()
    owned = _Group()
    taints = _Group()
    unreadable: list[str] = []
    any_managed_fields = False
    for node in nodes:
        meta = node.metadata
        for key in spec.required_labels:
            if key not in meta.labels:
                missing.add(node, evidence(node, f"metadata.labels[{key}]", "<none>"), key)
        for check in spec.consistency:
            value = meta.labels.get(check.label)
            fact = getattr(node.status.nodeInfo, check.node_info_field)
            if value is not None and fact and value != fact:
                inconsistent.add(
                    node,
                    evidence(
                        node,
                        f"metadata.labels[{check.label}]",
                        f"{value} (status.nodeInfo.{check.node_info_field}: {fact})",
                    ),
                    check.label,
                )
        any_managed_fields = any_managed_fields or bool(meta.managedFields)
        for entry in meta.managedFields:
            # Only hand edits matter, so only their (few) field sets are decoded.
            if entry.manager not in user_managers or not entry.fieldsV1:
                continue
            try:
                fields = _FIELDS_DECODER.decode(entry.fieldsV1)
            except msgspec.DecodeError:
                unreadable.append(meta.name)
                continue
            where = f"metadata.managedFields[{entry.manager}].fieldsV1"
            for kind, keys in (
                ("labels", fields.metadata.labels),
                ("annotations", fields.metadata.annotations),
            ):
                for key in _owned_keys(keys):
                    if system_keys[kind].match(key):
                        owned.add(
                            node, evidence(node, f"{where}.f:metadata.f:{kind}", key), key,
                            manager=entry.manager,
                        )  # fmt: skip
            if fields.spec.taints is not None:
                system = [taint.key for taint in node.spec.taints if system_taints.match(taint.key)]
                if system:
                    taints.add(
                        node, evidence(node, f"{where}.f:spec.f:taints", ", ".join(system)),
                        *system, manager=entry.manager,
                    )  # fmt: skip
    if nodes and not any_managed_fields:
        yield Gap((_NEEDS_MANAGED_FIELDS,))
    if unreadable:
        yield Gap((f"readable managedFields on nodes {name_list(unreadable)}",))
    if missing:
        yield ctx.finding(
            "missing-labels", "unsupported", ("SHR-4",), missing.evidence,
            count=len(missing.nodes), nodes=missing.node_names(), labels=missing.key_names(),
        )  # fmt: skip
    if inconsistent:
        yield ctx.finding(
            "inconsistent", "unsupported", ("SHR-4",), inconsistent.evidence,
            count=len(inconsistent.nodes), nodes=inconsistent.node_names(),
            labels=inconsistent.key_names(),
        )  # fmt: skip
    if owned:
        yield ctx.finding(
            "user-owned", "unsupported", ("SHR-4",), owned.evidence,
            count=len(owned.nodes), nodes=owned.node_names(), keys=owned.key_names(),
            managers=owned.manager_names(),
        )  # fmt: skip
    if taints:
        # Which taint the person changed cannot be known (see _SpecFields), so this asks for a
        # look rather than judging.
        yield ctx.finding(
            "user-taints", "warning", ("SHR-4",), taints.evidence,
            count=len(taints.nodes), nodes=taints.node_names(), taints=taints.key_names(),
            managers=taints.manager_names(),
        )  # fmt: skip


class _Group:
    """One kind of problem across nodes: distinct nodes, keys and managers in the order met,
    and the first EVIDENCE_CAP pieces of evidence."""

    def __init__(self) -> None:
        self.nodes: dict[str, None] = {}
        self.keys: dict[str, None] = {}
        self.managers: dict[str, None] = {}
        self.evidence: list[Evidence] = []

    def __bool__(self) -> bool:
        return bool(self.nodes)

    def add(self, node: Node, evidence: Evidence, *keys: str, manager: str = "") -> None:
        self.nodes[node.metadata.name] = None
        self.keys.update(dict.fromkeys(keys))
        if manager:
            self.managers[manager] = None
        if len(self.evidence) < EVIDENCE_CAP:
            self.evidence.append(evidence)

    def node_names(self) -> str:
        return name_list(list(self.nodes))

    def key_names(self) -> str:
        return name_list(list(self.keys))

    def manager_names(self) -> str:
        return ", ".join(self.managers)
