"""Rules reading history-derived facts (Snapshot.history, rules.facts.Facts.since): the clocks
of STOP-2/3, CONN-1 and SUB-1 started by earlier scans, history against declared dates, and
SHR-4 / SHR-3 changes since an earlier scan. The snapshots are the example bundles."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.engine.history import derive_all, summarize
from arcsupport.i18n import render
from arcsupport.rules.outcome import Finding, NotEvaluated
from arcsupport.snapshot.facts import DeclaredFacts
from arcsupport.snapshot.history import STOPPED, SUBSCRIPTION, HistoryFacts, ScanSummary, StateRun
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, at, default_pack, findings, run_assess, run_rule


def example(name: str) -> Snapshot:
    """Read afresh each time: tests change parts of it."""
    return read_snapshot(EXAMPLES / name)


def without_kubernetes(snapshot: Snapshot) -> Snapshot:
    """The snapshot as a collection gets it once the stopped control plane answers no more."""
    for name in ("version", "nodes", "pods", "namespaces", "daemonsets", "deployments",
                 "services"):  # fmt: skip
        setattr(snapshot, name, None)
    snapshot.parts = {k: v for k, v in snapshot.parts.items() if not k.startswith("kubernetes/")}
    return snapshot


def history_of(*snapshots: Snapshot) -> HistoryFacts:
    pack = default_pack()
    facts = derive_all([summarize(item, pack, at("2025-01-01T00:00:00Z")) for item in snapshots])
    assert facts is not None
    return facts


def collected(snapshot: Snapshot, when: str) -> Snapshot:
    snapshot.collected_at = at(when)
    return snapshot


def stopped_without_declared_date(when: str, *, kubernetes: bool = True) -> Snapshot:
    snapshot = collected(example("stopped"), when)
    assert snapshot.facts is not None
    snapshot.facts = msgspec.structs.replace(snapshot.facts, stopped_since=None)
    return snapshot if kubernetes else without_kubernetes(snapshot)


def _day95() -> Snapshot:
    """Seen stopped on 2025-08-02 (nodes NotReady since 2025-08-01), and on day 95 the API
    server answers no more; nothing is declared."""
    day1 = stopped_without_declared_date("2025-08-02T09:00:00Z")
    day95 = stopped_without_declared_date("2025-11-04T09:00:00Z", kubernetes=False)
    day95.history = history_of(day1, day95)
    return day95


def test_a_cluster_seen_stopped_long_ago_is_past_stop2_from_history() -> None:
    day95 = _day95()
    outcomes = run_rule("stopped", day95, "2025-11-04")
    blocked = [f for f in findings(outcomes) if "STOP-2" in f.clauses]
    assert [f.message.key for f in blocked] == ["stopped.update-blocked"]
    (evidence,) = blocked[0].evidence
    assert evidence.provenance is Provenance.HISTORY
    # Day 95 could not see the nodes; no scan since day 1 saw the cluster running.
    assert evidence.value == (
        "2025-08-01T18:02:54Z (scans showing it: 1, the last at 2025-08-02T09:00:00Z)"
    )
    # Without history the same snapshot says nothing of how long.
    day95.history = None
    try:
        run_rule("stopped", day95, "2025-11-04")
    except NotEvaluated:
        pass
    else:
        raise AssertionError("a stopped cluster without nodes or dates was judged")


def test_a_declared_date_history_contradicts_is_replaced_and_the_conflict_shown() -> None:
    day95 = _day95()
    assert day95.facts is not None
    # Declared later than a scan that already saw the cluster stopped.
    day95.facts = msgspec.structs.replace(day95.facts, stopped_since=date(2025, 10, 1))
    assessment = run_assess(day95, "2025-11-04")
    stop = [f for f in assessment.findings if f.rule == "stopped"]
    assert any("STOP-2" in f.clauses for f in stop)
    assert all(e.provenance is Provenance.HISTORY for f in stop for e in f.evidence)
    (notice,) = [n for n in assessment.notices if n.key == "engine.notice.history-conflict"]
    assert notice.args["declared"] == "2025-10-01" and notice.args["since"] == "2025-08-01"
    for lang in ("en", "ko"):
        assert "2025-10-01" in render(lang, notice)


def test_a_declared_date_within_what_the_scans_allow_is_the_more_exact() -> None:
    day95 = _day95()
    assert day95.facts is not None
    # No scan before 2025-08-02 saw the cluster running: 2025-07-20 may well be true.
    day95.facts = msgspec.structs.replace(day95.facts, stopped_since=date(2025, 7, 20))
    assessment = run_assess(day95, "2025-11-04")
    (blocked,) = [f for f in assessment.findings if f.message.key == "stopped.update-blocked"]
    assert [e.provenance for e in blocked.evidence] == [Provenance.DECLARED]
    assert not [n for n in assessment.notices if n.key == "engine.notice.history-conflict"]


def test_a_declared_date_before_a_scan_that_saw_the_cluster_running_is_contradicted() -> None:
    running = collected(example("healthy"), "2025-08-10T09:00:00Z")
    running.cluster_name = "contoso-stopped"
    later = stopped_without_declared_date("2025-11-20T09:00:00Z", kubernetes=False)
    assert later.facts is not None
    later.facts = msgspec.structs.replace(later.facts, stopped_since=date(2025, 8, 1))
    stopped_seen = stopped_without_declared_date("2025-08-20T09:00:00Z")
    for item in stopped_seen.nodes or ():
        ready = item.condition("Ready")
        assert ready is not None
        ready.lastTransitionTime = at("2025-08-15T10:00:00Z")
    later.history = history_of(running, stopped_seen, later)
    run = later.history.runs[STOPPED]
    assert run.not_before == at("2025-08-10T09:00:00Z") and run.scans == 1
    assert run.since == at("2025-08-15T10:00:00Z")
    assessment = run_assess(later, "2025-11-20")
    assert [n.args["not_before"] for n in assessment.notices if n.key.endswith("conflict")] == [
        "2025-08-10T09:00:00Z"
    ]
    # Counted from when the nodes stopped: day 97, past STOP-2's 90.
    assert any(f.message.key == "stopped.update-blocked" for f in assessment.findings)


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=200),
)
def test_stop_days_from_history_follow_the_clauses_wording(since: date, days: int) -> None:
    """STOP-3 past 30 whole days, STOP-2 from day 90: whatever the start and the day."""
    snapshot = without_kubernetes(example("stopped"))
    snapshot.facts = None
    start = at(f"{since.isoformat()}T23:59:00Z")
    snapshot.history = HistoryFacts(
        scans=1, previous_scan=None, runs={STOPPED: StateRun("stopped", start, None, start, 1)}
    )
    today = since + timedelta(days=days)
    keys = {f.message.key for f in findings(run_rule("stopped", snapshot, today.isoformat()))}
    if days >= 90:
        assert "stopped.update-blocked" in keys
    elif days > 30:
        assert keys == {"stopped.control-plane-unsupported"}
    else:
        assert keys == {"stopped.recent"}


def test_a_subscription_suspended_at_every_scan_for_61_days_is_past_sub1() -> None:
    def disabled(when: str) -> Snapshot:
        snapshot = collected(example("healthy"), when)
        assert snapshot.subscription is not None
        snapshot.subscription.state = "Disabled"
        return snapshot

    enabled = collected(example("healthy"), "2025-07-01T08:00:00Z")
    first, now = disabled("2025-07-02T08:00:00Z"), disabled("2025-09-01T08:00:00Z")
    now.history = history_of(enabled, first, now)
    (finding,) = findings(run_rule("subscription", now, "2025-09-01"))
    assert finding.message.key == "subscription.suspended-expired"
    assert finding.evidence[-1].provenance is Provenance.HISTORY
    assert finding.evidence[-1].field == "subscription_state_since"
    # A day earlier than 61 days, a warning with its deadline.
    now.history = history_of(enabled, first, disabled("2025-08-31T08:00:00Z"))
    (finding,) = findings(run_rule("subscription", now, "2025-08-31"))
    assert finding.message.key == "subscription.suspended" and finding.deadline == date(2025, 9, 1)
    # The run is of the state: a subscription now Warned is not counted from Disabled.
    assert now.history.runs[SUBSCRIPTION].state == "Disabled"


def test_disconnection_seen_by_scans_counts_when_azure_is_not_read_now() -> None:
    offline = collected(example("disconnected-40d"), "2025-09-14T09:00:00Z")
    later = collected(example("disconnected-40d"), "2025-09-20T09:00:00Z")
    later.connected_cluster = None
    later.facts = None
    later.history = history_of(offline, later)
    keys = [f.message.key for f in findings(run_rule("connectivity", later, "2025-09-20"))]
    assert "connectivity.disconnected-long" in keys


def _relabelled(when: str, os_label: str, kernel: str | None = None) -> Snapshot:
    snapshot = collected(example("healthy"), when)
    assert snapshot.nodes is not None
    node = snapshot.nodes[-1]
    node.metadata.labels = {**node.metadata.labels, "topology.kubernetes.io/zone": os_label}
    if kernel is not None:
        node.status.nodeInfo.kernelVersion = kernel
    for item in snapshot.nodes:
        item.metadata.managedFields = []  # as kubectl prints nodes unless asked
    return snapshot


def test_a_system_label_changed_between_scans_is_shr4_from_history() -> None:
    before = _relabelled("2025-09-01T09:00:00Z", "zone-a")
    after = _relabelled("2025-09-14T09:00:00Z", "zone-b")
    assert not findings(run_rule("system-metadata", after, "2025-09-15"))
    after.history = history_of(before, after)
    (finding,) = findings(run_rule("system-metadata", after, "2025-09-15"))
    assert finding.message.key == "system-metadata.changed-since-scan"
    assert finding.clauses == ("SHR-4",) and finding.severity == "unsupported"
    (evidence,) = finding.evidence
    assert evidence.provenance is Provenance.HISTORY
    assert evidence.field == "metadata.labels[topology.kubernetes.io/zone]"
    assert evidence.value == "zone-b (an earlier scan: zone-a)"
    assert finding.message.args["previous"] == "2025-09-01T09:00:00Z"


def test_a_system_key_added_since_a_scan_changes_nothing_the_system_made() -> None:
    before = collected(example("healthy"), "2025-09-01T09:00:00Z")
    after = _relabelled("2025-09-14T09:00:00Z", "zone-b")
    for item in before.nodes or ():
        item.metadata.labels.pop("topology.kubernetes.io/zone", None)
    after.history = history_of(before, after)
    assert [c.before for c in after.history.metadata_changes] == [None]
    assert not findings(run_rule("system-metadata", after, "2025-09-15"))


def test_a_kernel_changed_in_place_between_scans_is_a_shr3_warning() -> None:
    before = _relabelled("2025-09-01T09:00:00Z", "zone-a")
    after = _relabelled("2025-09-14T09:00:00Z", "zone-a", kernel="6.6.99.1-1.azl3")
    after.history = history_of(before, after)
    found: list[Finding] = [
        f for f in findings(run_rule("node-drift", after, "2025-09-15"))
        if f.message.key == "node-drift.changed-in-place"
    ]  # fmt: skip
    (finding,) = found
    assert finding.severity == "warning" and "SHR-3" in finding.clauses
    assert finding.evidence[0].value.startswith("6.6.99.1-1.azl3 (an earlier scan: ")
    assert finding.evidence[0].provenance is Provenance.HISTORY


def test_facts_without_history_read_as_before() -> None:
    stopped = example("stopped")
    assert stopped.history is None
    outcomes = run_rule("stopped", stopped, "2025-09-15")
    assert all(
        e.provenance is not Provenance.HISTORY for f in findings(outcomes) for e in f.evidence
    )
    assert isinstance(ScanSummary, type) and DeclaredFacts().stopped_since is None
