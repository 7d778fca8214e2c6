"""System-created node metadata (SHR-4): the labels and taints every node, every control-plane
node and every node of a pool must carry (the pack's system keys and the pool's ARM definition),
labels that contradict the node, and system keys that a person's edit now owns."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import parse_taint
from arcsupport.rules.facts import HISTORY_SOURCE, moment
from arcsupport.rules.nodes import POOL_LABEL, Pool, agent_pools, pool_of
from arcsupport.rules.outcome import EVIDENCE_CAP, Evidence, Gap, NotEvaluated, Outcome, name_list
from arcsupport.rules.rule import Context, rule
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.kube import Node
from arcsupport.snapshot.model import Provenance

_NEEDS_NODES = Message("needs.nodes")
_NEEDS_MANAGED_FIELDS = Message("needs.managed-fields")
_NEEDS_POOLS = Message("needs.pool-metadata")


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


def key_matcher(patterns: list[str]) -> re.Pattern[str]:
    """One regular expression for a list of fnmatch patterns, compiled once per run."""
    if not patterns:
        return re.compile(r"(?!)")  # an empty list owns no key; "" would match every key
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


def _owned_keys(fields: dict[str, msgspec.Raw]) -> Iterator[str]:
    """`f:<key>` members of a labels/annotations field set (`.` is the map itself)."""
    return (name[2:] for name in fields if name.startswith("f:"))


_ParsedTaint = tuple[str, str, str]  # key, value, effect


class _Expected(msgspec.Struct, frozen=True):
    """What the system put on one node, each with where the expectation comes from: labels
    by key (the value, or None when any value will do) and taints by key."""

    labels: dict[str, tuple[str | None, str]]
    taints: dict[str, tuple[_ParsedTaint, str]]
    # False when the node's own taints are unknown: a worker whose pool Azure does not name.
    taints_known: bool


class _Findings:
    """The problems found across nodes, one group per kind of finding."""

    def __init__(self) -> None:
        self.missing = _Group()
        self.altered_labels = _Group()
        self.inconsistent = _Group()
        self.removed_taints = _Group()
        self.altered_taints = _Group()
        self.owned = _Group()
        self.taints = _Group()


@rule(
    "system-metadata",
    clauses=("SHR-4",),
    needs=(_NEEDS_NODES, _NEEDS_MANAGED_FIELDS, _NEEDS_POOLS),
    inert_without=("nodes",),
)
def system_metadata(ctx: Context) -> Iterator[Outcome]:
    nodes = ctx.snapshot.nodes
    if nodes is None:
        raise NotEvaluated(_NEEDS_NODES)
    spec = ctx.pack.system_metadata
    system_keys = {
        "labels": key_matcher(spec.labels),
        "annotations": key_matcher(spec.annotations),
    }
    system_taints = key_matcher(spec.taints)
    user_managers = frozenset(spec.user_managers)
    pools = agent_pools(ctx.snapshot)
    expect = _Expectations(ctx, pools)

    def evidence(node: Node, field_path: str, value: object) -> Evidence:
        return ctx.facts.evidence(
            "kubernetes/nodes", f"nodes/{node.metadata.name}", field_path, value
        )

    found = _Findings()
    unreadable: list[str] = []
    any_managed_fields = False
    for node in nodes:
        meta = node.metadata
        expected = expect.of(node)
        _compare(node, expected, found, evidence)
        for check in spec.consistency:
            value = meta.labels.get(check.label)
            fact = getattr(node.status.nodeInfo, check.node_info_field)
            if value is not None and fact and value != fact:
                found.inconsistent.add(
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
                        found.owned.add(
                            node, evidence(node, f"{where}.f:metadata.f:{kind}", key), key,
                            manager=entry.manager,
                        )  # fmt: skip
            # Where the node's taints are known, _compare judged them; a hand-edited taint
            # list of any other node needs a person's look (see _SpecFields).
            if fields.spec.taints is not None and not expected.taints_known:
                system = [taint.key for taint in node.spec.taints if system_taints.match(taint.key)]
                if system:
                    found.taints.add(
                        node, evidence(node, f"{where}.f:spec.f:taints", ", ".join(system)),
                        *system, manager=entry.manager,
                    )  # fmt: skip
    if nodes and not any_managed_fields:
        yield Gap((_NEEDS_MANAGED_FIELDS,))
    if unreadable:
        yield Gap((Message("needs.managed-fields-readable", {"nodes": name_list(unreadable)}),))
    if pools is None and expect.workers:
        yield Gap((_NEEDS_POOLS,))
    for pool_name, written in expect.unreadable_taints.items():
        yield Gap(
            (Message("needs.pool-taints", {"pool": pool_name, "written": ", ".join(written)}),)
        )
    yield from _report(ctx, found)
    yield from _changed_since_scan(ctx)


def _changed_since_scan(ctx: Context) -> Iterator[Outcome]:
    """System values the scans before this one saw and this one shows changed or removed (a
    key added under a system prefix changes nothing the system created)."""
    history = ctx.snapshot.history
    if history is None or history.previous_scan is None:
        return
    changed = [change for change in history.metadata_changes if change.before is not None]
    if not changed:
        return
    evidence = [
        Evidence(
            f"nodes/{change.node}",
            f"spec.taints[{change.key}]"
            if change.kind == "taints"
            else f"metadata.{change.kind}[{change.key}]",
            f"{change.after if change.after is not None else '<none>'} "
            f"(an earlier scan: {change.before})",
            Provenance.HISTORY,
            HISTORY_SOURCE,
        )
        for change in changed[:EVIDENCE_CAP]
    ]
    nodes = list(dict.fromkeys(change.node for change in changed))
    yield ctx.finding(
        "changed-since-scan", "unsupported", ("SHR-4",), evidence,
        count=len(nodes), nodes=name_list(nodes),
        keys=name_list(list(dict.fromkeys(change.key for change in changed))),
        previous=moment(history.previous_scan),
    )  # fmt: skip


class _Expectations:
    """The labels and taints each node must carry: the pack's system keys for every node and
    every control-plane node, and the node pool's ARM `nodeLabels` and `nodeTaints`."""

    def __init__(self, ctx: Context, pools: dict[str, Pool] | None) -> None:
        self.spec = ctx.pack.system_metadata
        self.pools = pools
        self.cache: dict[str, Pool | None] = {}
        self.control_plane_taints = _parsed_taints(self.spec.control_plane_taints)
        self.taints_since = KubeVersion.parse(self.spec.control_plane_taints_since).minor_tuple
        self.unreadable_taints: dict[str, list[str]] = {}  # pool -> nodeTaints not parsed
        self.workers = False

    def of(self, node: Node) -> _Expected:
        spec, meta = self.spec, node.metadata
        labels: dict[str, tuple[str | None, str]] = dict.fromkeys(
            spec.required_labels, (None, "kubelet")
        )
        taints: dict[str, tuple[_ParsedTaint, str]] = {}
        # Known by its role label, or by its taint when the label is what was removed.
        if any(key in meta.labels for key in spec.control_plane_labels) or any(
            taint.key in self.control_plane_taints for taint in node.spec.taints
        ):
            labels.update(dict.fromkeys(spec.control_plane_labels, (None, "control plane")))
            kubelet = KubeVersion.try_parse(node.status.nodeInfo.kubeletVersion)
            if kubelet is None or kubelet.minor_tuple < self.taints_since:
                # An older kubeadm set another taint, and an unreadable kubelet says nothing.
                return _Expected(labels, taints, taints_known=False)
            taints.update(
                {key: (taint, "control plane") for key, taint in self.control_plane_taints.items()}
            )
            return _Expected(labels, taints, taints_known=True)
        self.workers = True
        label = meta.labels.get(POOL_LABEL, "")
        pool = pool_of(label, self.pools, self.cache) if label and self.pools else None
        if pool is None:
            return _Expected(labels, taints, taints_known=False)
        where = f"node pool {pool.name}"
        labels.update({key: (value, where) for key, value in pool.labels.items()})
        parsed = _parsed_taints(pool.taints)
        if len(parsed) < len(pool.taints):
            self.unreadable_taints[pool.name] = [t for t in pool.taints if parse_taint(t) is None]
        taints.update({key: (taint, where) for key, taint in parsed.items()})
        return _Expected(labels, taints, taints_known=True)


def _compare(
    node: Node,
    expected: _Expected,
    found: _Findings,
    evidence: Callable[[Node, str, object], Evidence],
) -> None:
    labels = node.metadata.labels
    for key, (value, where) in expected.labels.items():
        present = labels.get(key)
        if present is None:
            shown = f"<none> ({where}: {key}={value})" if value is not None else "<none>"
            found.missing.add(node, evidence(node, f"metadata.labels[{key}]", shown), key)
        elif value is not None and present != value:
            found.altered_labels.add(
                node, evidence(node, f"metadata.labels[{key}]", f"{present} ({where}: {value})"),
                key,
            )  # fmt: skip
    actual = {taint.key: taint for taint in node.spec.taints}
    for key, (wanted, where) in expected.taints.items():
        written = written_taint(wanted)
        taint = actual.get(key)
        if taint is None:
            found.removed_taints.add(
                node, evidence(node, f"spec.taints[{key}]", f"<none> ({where}: {written})"),
                written,
            )  # fmt: skip
        elif (taint.value, taint.effect) != wanted[1:]:
            shown = written_taint((taint.key, taint.value, taint.effect))
            found.altered_taints.add(
                node, evidence(node, f"spec.taints[{key}]", f"{shown} ({where}: {written})"),
                written,
            )  # fmt: skip


def _report(ctx: Context, found: _Findings) -> Iterator[Outcome]:
    if found.missing:
        yield ctx.finding(
            "missing-labels", "unsupported", ("SHR-4",), found.missing.evidence,
            count=len(found.missing.nodes), nodes=found.missing.node_names(),
            labels=found.missing.key_names(),
        )  # fmt: skip
    if found.altered_labels:
        yield ctx.finding(
            "altered-labels", "unsupported", ("SHR-4",), found.altered_labels.evidence,
            count=len(found.altered_labels.nodes), nodes=found.altered_labels.node_names(),
            labels=found.altered_labels.key_names(),
        )  # fmt: skip
    if found.inconsistent:
        yield ctx.finding(
            "inconsistent", "unsupported", ("SHR-4",), found.inconsistent.evidence,
            count=len(found.inconsistent.nodes), nodes=found.inconsistent.node_names(),
            labels=found.inconsistent.key_names(),
        )  # fmt: skip
    if found.removed_taints:
        yield ctx.finding(
            "removed-taints", "unsupported", ("SHR-4",), found.removed_taints.evidence,
            count=len(found.removed_taints.nodes), nodes=found.removed_taints.node_names(),
            taints=found.removed_taints.key_names(),
        )  # fmt: skip
    if found.altered_taints:
        yield ctx.finding(
            "altered-taints", "unsupported", ("SHR-4",), found.altered_taints.evidence,
            count=len(found.altered_taints.nodes), nodes=found.altered_taints.node_names(),
            taints=found.altered_taints.key_names(),
        )  # fmt: skip
    if found.owned:
        yield ctx.finding(
            "user-owned", "unsupported", ("SHR-4",), found.owned.evidence,
            count=len(found.owned.nodes), nodes=found.owned.node_names(),
            keys=found.owned.key_names(), managers=found.owned.manager_names(),
        )  # fmt: skip
    if found.taints:
        # Which taint the person changed cannot be known (see _SpecFields), so this asks for a
        # look rather than judging.
        yield ctx.finding(
            "user-taints", "warning", ("SHR-4",), found.taints.evidence,
            count=len(found.taints.nodes), nodes=found.taints.node_names(),
            taints=found.taints.key_names(), managers=found.taints.manager_names(),
        )  # fmt: skip


def _parsed_taints(written: list[str]) -> dict[str, _ParsedTaint]:
    """The taints that parse, by key."""
    parsed = (parse_taint(text) for text in written)
    return {taint[0]: taint for taint in parsed if taint is not None}


def written_taint(taint: _ParsedTaint) -> str:
    """`key[=value]:Effect`, as ARM writes a pool's taints."""
    key, value, effect = taint
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


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
