"""The engine's own duties: verdicts, combined operations, coverage, notices."""

from __future__ import annotations

from helpers import make_snapshot, node, run_assess


def test_coverage_says_why_a_part_was_not_collected() -> None:
    snap = make_snapshot(version={"gitVersion": "v1.31.5"})
    snap.not_collected = {"kubernetes/nodes": "forbidden (403): nodes is forbidden"}
    result = run_assess(snap, "2025-09-15")
    skew = next(gap for gap in result.coverage.not_evaluated if gap.rule == "version-skew")
    assert any("not collected: kubernetes/nodes: forbidden (403)" in need for need in skew.needs)


def test_a_rule_that_cannot_run_warns_on_the_operations_it_judges() -> None:
    result = run_assess(make_snapshot(version={"gitVersion": "v1.31.5"}), "2025-09-15")
    upgrade = result.operations["upgrade"]
    assert upgrade.decision == "warn"
    assert any(reason.key == "engine.op.not-evaluated" for reason in upgrade.reasons)


def test_block_wins_over_warn_and_clauses_are_merged() -> None:
    snap = make_snapshot(
        version={"gitVersion": "v1.31.5"},
        nodes=[node("moc-a", kubelet="v1.28.3")],
    )
    result = run_assess(snap, "2025-09-15")
    upgrade = result.operations["upgrade"]
    assert upgrade.decision == "block"
    assert "SVP-1" in upgrade.clauses


def test_verdict_ranks_unsupported_then_at_risk_then_supported() -> None:
    removed = run_assess(make_snapshot(version={"gitVersion": "v1.28.14"}), "2025-09-15")
    ending = run_assess(make_snapshot(version={"gitVersion": "v1.29.13"}), "2025-09-15")
    assert (removed.verdict, ending.verdict) == ("unsupported", "at-risk")


def test_stale_policy_data_is_a_notice_in_every_report() -> None:
    result = run_assess(make_snapshot(version={"gitVersion": "v1.31.5"}), "2026-11-27")
    assert [notice.key for notice in result.notices] == ["engine.notice.stale-policy-data"]
    fresh = run_assess(make_snapshot(version={"gitVersion": "v1.31.5"}), "2025-12-01")
    assert fresh.notices == ()
