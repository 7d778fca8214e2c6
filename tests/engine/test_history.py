"""engine/history.py: summaries of the example bundles, state runs against a reference
count (hypothesis), changes of system metadata and node software carried across scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.engine.history import compared_next, derive, derive_all, summarize
from arcsupport.snapshot.history import ARC, STOPPED, SUBSCRIPTION, NodeScan, ScanSummary
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, at, default_pack

RECEIVED = at("2025-09-15T00:00:00Z")


@cache
def example(name: str) -> Snapshot:
    return read_snapshot(EXAMPLES / name)


def test_a_stopped_cluster_is_summarized_with_the_moment_its_nodes_stopped() -> None:
    summary = summarize(example("stopped"), default_pack(), RECEIVED)
    assert summary.at == at("2025-09-14T09:30:12Z")
    assert summary.states == {STOPPED: "stopped", ARC: "disconnected", SUBSCRIPTION: "Enabled"}
    assert summary.observed_since[STOPPED] == at("2025-08-01T18:02:54Z")
    assert summary.observed_since[ARC] == at("2025-08-01T18:01:01Z")
    assert summary.nodes is not None and len(summary.nodes) == 4
    for node in summary.nodes.values():
        # The unreachable taints come and go with the node controller: never compared.
        assert not any(key.startswith("node.kubernetes.io/") for key in node.taints)
        assert node.labels["kubernetes.io/os"] == "linux"
        assert "team" not in node.labels  # a user's key is the user's own


def test_a_healthy_cluster_is_running_and_connected() -> None:
    summary = summarize(example("healthy"), default_pack(), RECEIVED)
    assert summary.states == {STOPPED: "running", ARC: "connected", SUBSCRIPTION: "Enabled"}
    assert summary.observed_since == {}
    assert summary.nodes is not None
    pools = {node.pool for node in summary.nodes.values()}
    assert {"nodepool1", "apppool"} <= {pool.rsplit("-", 1)[-1] for pool in pools if pool}


def test_a_snapshot_without_a_collection_time_is_dated_by_its_receipt() -> None:
    snapshot = Snapshot(source="rows")
    assert summarize(snapshot, default_pack(), RECEIVED) == ScanSummary(at=RECEIVED)


# --- state runs against a reference count --------------------------------------------------

BASE = datetime(2025, 1, 1, tzinfo=UTC)
_SCANS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=24 * 40),  # hours since the previous scan
        st.sampled_from([None, "stopped", "running"]),
        st.none() | st.integers(min_value=0, max_value=24 * 10),  # observed: hours earlier
    ),
    min_size=1,
    max_size=25,
)


def _summaries(scans: list[tuple[int, str | None, int | None]]) -> list[ScanSummary]:
    summaries, moment = [], BASE
    for hours, state, earlier in scans:
        moment += timedelta(hours=hours)
        observed = (
            {STOPPED: moment - timedelta(hours=earlier)} if state and earlier is not None else {}
        )
        summaries.append(
            ScanSummary(
                at=moment, states={STOPPED: state} if state else {}, observed_since=observed
            )
        )
    return summaries


@given(_SCANS)
def test_a_run_is_the_last_block_of_scans_that_showed_one_state(
    scans: list[tuple[int, str | None, int | None]],
) -> None:
    summaries = _summaries(scans)
    facts = derive_all(summaries)
    assert facts is not None and facts.scans == len(summaries)
    known = [summary for summary in summaries if STOPPED in summary.states]
    if not known:
        assert STOPPED not in facts.runs
        return
    state = known[-1].states[STOPPED]
    block: list[ScanSummary] = []
    for summary in reversed(known):
        if summary.states[STOPPED] != state:
            break
        block.insert(0, summary)
    before = known[len(known) - len(block) - 1] if len(block) < len(known) else None
    run = facts.runs[STOPPED]
    assert run.state == state
    assert run.scans == len(block)
    assert run.last_seen == block[-1].at
    assert run.since == min(min(s.at, s.observed_since.get(STOPPED, s.at)) for s in block)
    assert run.not_before == (before.at if before is not None else None)
    assert run.since <= block[0].at


@given(_SCANS, st.integers(min_value=1, max_value=24))
def test_deriving_scan_by_scan_from_stored_facts_equals_deriving_from_all_scans(
    scans: list[tuple[int, str | None, int | None]], cut: int
) -> None:
    """What the service does: it keeps only the newest summary and facts of a cluster."""
    summaries = _summaries(scans)
    cut = min(cut, len(summaries) - 1)
    earlier = derive_all(summaries[:cut])
    # Stored and read back, as the service does.
    stored = msgspec.msgpack.decode(msgspec.msgpack.encode(earlier), type=type(earlier))
    facts = stored
    previous = None
    for summary in summaries[:cut]:
        previous = compared_next(summary, previous)
    for summary in summaries[cut:]:
        facts = derive(summary, previous, facts)
        previous = compared_next(summary, previous)
    assert facts == derive_all(summaries)


# --- system metadata and node software --------------------------------------------------------


def _scan(day: int, **nodes: NodeScan) -> ScanSummary:
    return ScanSummary(at=BASE + timedelta(days=day), nodes=dict(nodes))


SYSTEM = {"kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "rack-1"}


def test_a_changed_system_label_stays_a_change_until_it_is_put_back() -> None:
    first = _scan(0, a=NodeScan(labels=SYSTEM), b=NodeScan(labels=SYSTEM))
    changed = _scan(
        1, a=NodeScan(labels={**SYSTEM, "kubernetes.io/os": "windows"}), b=first.nodes["b"]
    )  # type: ignore[index]
    facts = derive_all([first, changed])
    assert facts is not None and facts.previous_scan == first.at
    (change,) = facts.metadata_changes
    assert (change.node, change.kind, change.key, change.before, change.after) == (
        "a", "labels", "kubernetes.io/os", "linux", "windows",
    )  # fmt: skip
    # Unchanged at the next scan: still a change of what the system set.
    still = derive_all([first, changed, msgspec.structs.replace(changed, at=BASE + timedelta(2))])
    assert still is not None and still.metadata_changes == facts.metadata_changes
    # Changed again: measured against the system's value, not the person's.
    again = _scan(3, a=NodeScan(labels={**SYSTEM, "kubernetes.io/os": "plan9"}))
    facts = derive_all([first, changed, again])
    assert facts is not None
    assert [(c.before, c.after) for c in facts.metadata_changes] == [("linux", "plan9")]
    # A scan that read no nodes undoes nothing.
    blind = ScanSummary(at=BASE + timedelta(days=4))
    facts = derive_all([first, changed, again, blind])
    assert facts is not None and len(facts.metadata_changes) == 1
    # Put back: no change.
    back = _scan(5, a=NodeScan(labels=SYSTEM))
    facts = derive_all([first, changed, again, blind, back])
    assert facts is not None and facts.metadata_changes == ()


def test_removed_and_added_system_taints_are_changes_with_none_on_one_side() -> None:
    taint = {"node-role.kubernetes.io/control-plane": ":NoSchedule"}
    facts = derive_all([_scan(0, cp=NodeScan(taints=taint)), _scan(1, cp=NodeScan())])
    assert facts is not None
    assert [(c.kind, c.before, c.after) for c in facts.metadata_changes] == [
        ("taints", ":NoSchedule", None)
    ]
    facts = derive_all([_scan(0, cp=NodeScan()), _scan(1, cp=NodeScan(taints=taint))])
    assert facts is not None
    assert [(c.before, c.after) for c in facts.metadata_changes] == [(None, ":NoSchedule")]


def test_a_node_seen_once_has_nothing_to_compare_with() -> None:
    facts = derive_all([_scan(0, a=NodeScan(labels=SYSTEM)), _scan(1, b=NodeScan(labels={}))])
    assert facts is not None and facts.metadata_changes == ()


def test_new_node_software_on_the_same_kubelet_is_a_change_in_place() -> None:
    before = NodeScan(
        kubelet="v1.31.5",
        os_image="CBL-Mariner/Linux",
        kernel="5.15.1",
        runtime="containerd://1.6.26",
    )
    patched = msgspec.structs.replace(before, kernel="5.15.9")
    facts = derive_all([_scan(0, a=before), _scan(1, a=patched)])
    assert facts is not None
    assert [(c.node, c.field, c.before, c.after) for c in facts.node_changes] == [
        ("a", "kernel", "5.15.1", "5.15.9")
    ]
    upgraded = msgspec.structs.replace(patched, kubelet="v1.32.1")
    facts = derive_all([_scan(0, a=before), _scan(1, a=upgraded)])
    assert facts is not None and facts.node_changes == ()


def test_nodes_that_joined_and_left_a_pool_since_the_previous_scan() -> None:
    facts = derive_all(
        [
            _scan(0, a=NodeScan(pool="p"), b=NodeScan(pool="p")),
            _scan(1, b=NodeScan(pool="p"), c=NodeScan(pool="p"), d=NodeScan(pool="q")),
        ]
    )
    assert facts is not None
    assert [(c.pool, c.joined, c.left) for c in facts.pool_changes] == [
        ("p", ("c",), ("a",)),
        ("q", ("d",), ()),
    ]


def test_a_scan_that_read_no_nodes_between_two_does_not_hide_what_changed() -> None:
    """A Resource Graph export (no nodes) between two bundles: the second bundle is compared
    with the nodes of the first."""
    first = _scan(0, a=NodeScan(labels=SYSTEM))
    rows = ScanSummary(at=BASE + timedelta(days=1), states={SUBSCRIPTION: "Enabled"})
    second = _scan(2, a=NodeScan(labels={**SYSTEM, "topology.kubernetes.io/zone": "rack-9"}))
    facts = derive_all([first, rows, second])
    assert facts is not None
    assert [(c.key, c.before, c.after) for c in facts.metadata_changes] == [
        ("topology.kubernetes.io/zone", "rack-1", "rack-9")
    ]
