"""What earlier scans of a cluster showed, and the facts derived from them.

A `ScanSummary` is the little of one snapshot that later scans compare with (the fleet service
stores one per snapshot); `HistoryFacts` are what the scans up to and including the current one
tell together: since when a state has lasted, and what changed since the previous scan.
`arcsupport.engine.history` computes both; a snapshot carries its `HistoryFacts` and rules read
them through `rules.facts.Facts`, with the provenance `history`.

Dates from history are bounds, never guesses: a state is known to have begun at or before the
first scan that saw it (`since`, or an earlier moment that scan observed) and after the last
scan that saw another state (`not_before`).
"""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations when it
# first decodes one, and real types spare it evaluating every string (about 4 ms of each run).

from datetime import datetime

import msgspec

# The clocks history keeps, by the name rules ask for them.
STOPPED = "stopped"  # "stopped" | "running": every node NotReady, or some node Ready
ARC = "arc"  # "connected" | "disconnected": the Arc agents' connection to Azure
SUBSCRIPTION = "subscription"  # the Azure subscription's state, as ARM writes it


class NodeScan(msgspec.Struct, frozen=True, gc=False):
    """One node as a scan showed it: its pool, the system metadata later scans compare (keys
    that controllers rewrite are left out), and what its OS runs."""

    pool: str = ""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    taints: dict[str, str] = {}  # key -> "value:Effect"
    kubelet: str = ""
    os_image: str = ""
    kernel: str = ""
    runtime: str = ""


class ScanSummary(msgspec.Struct, frozen=True, gc=False):
    """The states one scan saw (None or "" where it could not tell) and its nodes."""

    at: datetime
    states: dict[str, str] = {}
    # When a state began as the scan itself observed it (the nodes' Ready transition, the Arc
    # agents' last heartbeat): earlier and more exact than the scan's own time.
    observed_since: dict[str, datetime] = {}
    nodes: dict[str, NodeScan] | None = None  # None: the scan read no nodes


class StateRun(msgspec.Struct, frozen=True, gc=False):
    """A state every scan that could tell has shown since it began."""

    state: str
    since: datetime  # the first scan showing it, or an earlier moment one of them observed
    not_before: datetime | None  # the last scan showing another state; None: no scan did
    last_seen: datetime
    scans: int


class MetadataChange(msgspec.Struct, frozen=True, gc=False):
    """A system label, annotation or taint of a node with another value (or none) than at the
    previous scan."""

    node: str
    kind: str  # labels | annotations | taints
    key: str
    before: str | None
    after: str | None


class NodeChange(msgspec.Struct, frozen=True, gc=False):
    """What a node runs changed since the previous scan, its kubelet staying the same."""

    node: str
    field: str  # os_image | kernel | runtime
    before: str
    after: str


class PoolChange(msgspec.Struct, frozen=True, gc=False):
    """Nodes that joined or left a pool since the previous scan."""

    pool: str
    joined: tuple[str, ...]
    left: tuple[str, ...]


class HistoryFacts(msgspec.Struct, frozen=True, gc=False):
    scans: int  # how many scans, this one included, the facts are drawn from
    previous_scan: datetime | None
    runs: dict[str, StateRun] = {}
    metadata_changes: tuple[MetadataChange, ...] = ()
    node_changes: tuple[NodeChange, ...] = ()
    pool_changes: tuple[PoolChange, ...] = ()
