"""History-derived facts: what successive scans of one cluster tell that a single scan cannot
(since when it has been stopped, disconnected, or in its subscription state; which system
metadata and node software changed since the previous scan). Pure: the scans' times are in
their summaries, and no clock is read.

`summarize` keeps of a snapshot what later scans compare with; `derive` adds one scan to the
facts drawn from the scans before it, so that a caller keeps only the newest summary and facts
of a cluster, never its whole past; `derive_all` folds a whole sequence the same way.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from datetime import datetime

import msgspec

from arcsupport.policy.model import Pack
from arcsupport.rules.facts import per_pack
from arcsupport.rules.nodes import POOL_LABEL
from arcsupport.snapshot.history import (
    ARC,
    STOPPED,
    SUBSCRIPTION,
    HistoryFacts,
    MetadataChange,
    NodeChange,
    NodeScan,
    PoolChange,
    ScanSummary,
    StateRun,
)
from arcsupport.snapshot.kube import Node
from arcsupport.snapshot.model import Snapshot
from arcsupport.timeutil import as_utc

_KINDS = ("labels", "annotations", "taints")
_SOFTWARE = ("os_image", "kernel", "runtime")


def _pattern(patterns: Sequence[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


class _Compared:
    """The system keys a later scan compares, per kind: the pack's system keys but those
    controllers rewrite."""

    def __init__(self, pack: Pack) -> None:
        spec = pack.system_metadata
        self.system = {
            "labels": _pattern(spec.labels),
            "annotations": _pattern(spec.annotations),
            "taints": _pattern(spec.taints),
        }
        self.moving = {
            "labels": _pattern(()),
            "annotations": _pattern(spec.controller_annotations),
            "taints": _pattern(spec.controller_taints),
        }

    def keep(self, kind: str, values: dict[str, str]) -> dict[str, str]:
        system, moving = self.system[kind], self.moving[kind]
        return {
            key: value
            for key, value in values.items()
            if system.match(key) and not moving.match(key)
        }


def _node_scan(node: Node, compared: _Compared) -> NodeScan:
    meta, info = node.metadata, node.status.nodeInfo
    taints = {taint.key: f"{taint.value}:{taint.effect}" for taint in node.spec.taints}
    return NodeScan(
        pool=meta.labels.get(POOL_LABEL, ""),
        labels=compared.keep("labels", meta.labels),
        annotations=compared.keep("annotations", meta.annotations),
        taints=compared.keep("taints", taints),
        kubelet=info.kubeletVersion,
        os_image=info.osImage,
        kernel=info.kernelVersion,
        runtime=info.containerRuntimeVersion,
    )


def summarize(snapshot: Snapshot, pack: Pack, received_at: datetime) -> ScanSummary:
    """What later scans compare with; `received_at` stands for the scan's time when the
    snapshot does not say when it was collected."""
    states: dict[str, str] = {}
    observed: dict[str, datetime] = {}
    nodes = None
    if snapshot.nodes:
        compared = per_pack(pack, "history.compared", lambda: _Compared(pack))
        nodes = {node.metadata.name: _node_scan(node, compared) for node in snapshot.nodes}
        transitions = []
        running = False
        for node in snapshot.nodes:
            ready = node.condition("Ready")
            if ready is not None and ready.status == "True":
                running = True
                break
            if ready is not None and ready.lastTransitionTime is not None:
                transitions.append(as_utc(ready.lastTransitionTime))
        states[STOPPED] = "running" if running else "stopped"
        if not running and transitions:
            # Stopped once the last node stopped being Ready, as the stopped rule counts it.
            observed[STOPPED] = max(transitions)
    connected = snapshot.connected_cluster
    if connected is not None:
        status = connected.properties.connectivityStatus
        if status == "Connected":
            states[ARC] = "connected"
        elif status in pack.thresholds.arc_disconnected_states:
            states[ARC] = "disconnected"
            last = connected.properties.lastConnectivityTime
            if last is not None:
                observed[ARC] = as_utc(last)
    if snapshot.subscription is not None and snapshot.subscription.state:
        states[SUBSCRIPTION] = snapshot.subscription.state
    at = as_utc(snapshot.collected_at) if snapshot.collected_at is not None else received_at
    return ScanSummary(at=at, states=states, observed_since=observed, nodes=nodes)


def _run(run: StateRun | None, scan: ScanSummary, key: str) -> StateRun | None:
    state = scan.states.get(key)
    if not state:
        return run  # this scan could not tell: nothing it saw ends the run
    start = min(scan.at, scan.observed_since.get(key, scan.at))
    if run is not None and run.state == state:
        return StateRun(state, min(run.since, start), run.not_before, scan.at, run.scans + 1)
    return StateRun(state, start, run.last_seen if run is not None else None, scan.at, 1)


def _metadata_changes(
    carried: tuple[MetadataChange, ...], previous: ScanSummary | None, current: ScanSummary
) -> tuple[MetadataChange, ...]:
    """Each system key whose value differs from the one the system set: the value before the
    first change seen (a change carried from earlier scans), else the previous scan's. A
    change stays while the node shows it and ends when the value is put back."""
    nodes = current.nodes
    if nodes is None:
        return carried  # no nodes read: nothing shows the changes undone
    index: dict[tuple[str, str], dict[str, MetadataChange]] = {}
    for change in carried:
        index.setdefault((change.node, change.kind), {})[change.key] = change
    before = previous.nodes if previous is not None else None
    changes: list[MetadataChange] = []
    for name in sorted(nodes):
        was = before.get(name) if before is not None else None
        for kind in _KINDS:
            now: dict[str, str] = getattr(nodes[name], kind)
            then: dict[str, str] | None = getattr(was, kind) if was is not None else None
            seen = index.get((name, kind), {})
            keys = set(seen) | (then.keys() | now.keys() if then is not None else set())
            for key in sorted(keys):
                found = seen.get(key)
                if found is not None:
                    system = found.before
                elif then is not None:
                    system = then.get(key)
                else:
                    continue
                if now.get(key) != system:
                    changes.append(MetadataChange(name, kind, key, system, now.get(key)))
    return tuple(changes)


def _node_changes(
    carried: tuple[NodeChange, ...], previous: ScanSummary | None, current: ScanSummary
) -> tuple[NodeChange, ...]:
    """Software that changed on a node while its kubelet stayed the same (an upgrade brings
    a new kubelet), against what the node ran before the first change seen; a change stays
    while the node runs it."""
    nodes = current.nodes
    if nodes is None:
        return carried
    index = {(change.node, change.field): change for change in carried}
    before = previous.nodes if previous is not None else None
    changes: list[NodeChange] = []
    for name in sorted(nodes):
        node = nodes[name]
        was = before.get(name) if before is not None else None
        for field in _SOFTWARE:
            now: str = getattr(node, field)
            found = index.get((name, field))
            if found is not None:
                system = found.before
            elif was is not None and was.kubelet == node.kubelet:
                system = getattr(was, field)
            else:
                continue
            if system and now and now != system:
                changes.append(NodeChange(name, field, system, now))
    return tuple(changes)


def _pool_changes(previous: ScanSummary | None, current: ScanSummary) -> tuple[PoolChange, ...]:
    if previous is None or previous.nodes is None or current.nodes is None:
        return ()
    before: dict[str, set[str]] = {}
    after: dict[str, set[str]] = {}
    for members, nodes in ((before, previous.nodes), (after, current.nodes)):
        for name, node in nodes.items():
            if node.pool:
                members.setdefault(node.pool, set()).add(name)
    changes = []
    for pool in sorted(before.keys() | after.keys()):
        old, new = before.get(pool, set()), after.get(pool, set())
        if old != new:
            changes.append(PoolChange(pool, tuple(sorted(new - old)), tuple(sorted(old - new))))
    return tuple(changes)


def derive(
    current: ScanSummary, previous: ScanSummary | None, earlier: HistoryFacts | None
) -> HistoryFacts:
    """The facts at `current`, from the newest scan before it (`previous`) and the facts
    derived at that scan (`earlier`); both None for a cluster's first scan."""
    runs = dict(earlier.runs) if earlier is not None else {}
    for key in (STOPPED, ARC, SUBSCRIPTION):
        run = _run(runs.get(key), current, key)
        if run is not None:
            runs[key] = run
    return HistoryFacts(
        scans=(earlier.scans if earlier is not None else 0) + 1,
        previous_scan=previous.at if previous is not None else None,
        runs=runs,
        metadata_changes=_metadata_changes(
            earlier.metadata_changes if earlier is not None else (), previous, current
        ),
        node_changes=_node_changes(
            earlier.node_changes if earlier is not None else (), previous, current
        ),
        pool_changes=_pool_changes(previous, current),
    )


def compared_next(scan: ScanSummary, previous: ScanSummary | None) -> ScanSummary:
    """What the scan after `scan` compares with: `scan`, holding the nodes last read when it
    read none (a Resource Graph export between two bundles must not hide what changed on the
    nodes between them)."""
    if scan.nodes is not None or previous is None or previous.nodes is None:
        return scan
    return msgspec.structs.replace(scan, nodes=previous.nodes)


def derive_all(scans: Sequence[ScanSummary]) -> HistoryFacts | None:
    """The facts at the last of `scans` (oldest first); None when there are none."""
    facts: HistoryFacts | None = None
    previous: ScanSummary | None = None
    for scan in scans:
        facts = derive(scan, previous, facts)
        previous = compared_next(scan, previous)
    return facts
