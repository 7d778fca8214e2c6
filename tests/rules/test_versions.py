"""version-lifecycle and version-patch on the shipped calendar, at dates around its edges."""

from __future__ import annotations

from datetime import date

import pytest

from arcsupport.rules.outcome import NotEvaluated
from helpers import (
    deadlines,
    findings,
    make_snapshot,
    node,
    operations,
    reference_body,
    run_rule,
)


def _cluster(version: str, **parts: object) -> object:
    return make_snapshot(version={"gitVersion": version}, **parts)


def test_supported_minor_far_from_its_end_has_no_finding_but_a_deadline() -> None:
    outcomes = run_rule("version-lifecycle", _cluster("v1.31.5"), "2025-09-15")
    assert findings(outcomes) == []
    assert [(d.date, d.clauses) for d in deadlines(outcomes)] == [
        (date(2026, 8, 1), ("VER-1", "VER-2"))
    ]
    assert operations(outcomes) == []


def test_published_end_of_support_wins_and_warns_inside_the_horizon() -> None:
    outcomes = run_rule("version-lifecycle", _cluster("v1.29.13"), "2025-09-15")
    [finding] = findings(outcomes)
    assert finding.severity == "warning"
    assert finding.message.key == "version-lifecycle.ending"
    assert finding.clauses == ("VER-5",)
    assert finding.deadline == date(2025, 10, 31)
    assert finding.message.args["days"] == 46
    assert finding.evidence[0].field == "gitVersion"
    assert str(finding.evidence[0].provenance) == "observed"


def test_grace_after_removal_is_a_warning_that_blocks_new_node_pools() -> None:
    # 2510 (2025-10-01) no longer lists 1.29; its published end is 2025-10-31.
    outcomes = run_rule("version-lifecycle", _cluster("v1.29.13"), "2025-10-15")
    [finding] = findings(outcomes)
    assert (finding.severity, finding.message.key) == ("warning", "version-lifecycle.grace")
    assert finding.clauses == ("VER-5", "VER-3")
    decisions = {
        (effect.operation, effect.decision, effect.clauses) for effect in operations(outcomes)
    }
    assert ("create-nodepool", "block", ("VER-8",)) in decisions
    assert ("scale", "warn", ("VER-3",)) in decisions


@pytest.mark.parametrize(
    ("when", "severity"),
    [("2025-08-30", "warning"), ("2025-08-31", "unsupported"), ("2025-09-01", "unsupported")],
)
def test_end_of_support_day_is_the_first_unsupported_day(when: str, severity: str) -> None:
    [finding] = findings(run_rule("version-lifecycle", _cluster("v1.28.14"), when))
    assert finding.severity == severity


def test_removed_minor_is_unsupported_and_blocks_in_place_updates() -> None:
    outcomes = run_rule("version-lifecycle", _cluster("v1.28.14"), "2025-09-15")
    [finding] = findings(outcomes)
    assert finding.message.key == "version-lifecycle.removed"
    assert set(finding.clauses) == {"VER-2", "SVP-2", "VER-5", "VER-4"}
    decisions = {(effect.operation, effect.decision) for effect in operations(outcomes)}
    assert ("update-os", "block") in decisions
    assert ("upgrade", "warn") in decisions
    assert ("create-nodepool", "block") in decisions


def test_unhealthy_removed_cluster_is_told_a_redeploy_may_be_needed() -> None:
    snap = _cluster("v1.28.14", nodes=[node("moc-a", ready=False)])
    keys = {
        effect.reason.key
        for effect in operations(run_rule("version-lifecycle", snap, "2025-09-15"))
    }
    assert "version-lifecycle.op.removed-upgrade-redeploy" in keys


def test_one_year_window_ends_a_minor_still_listed() -> None:
    # 1.30 first shipped in 2503; nothing newer in the calendar removes it.
    [finding] = findings(run_rule("version-lifecycle", _cluster("v1.30.9"), "2026-03-02"))
    assert finding.severity == "unsupported"
    assert "VER-1" in finding.clauses


def test_minor_unknown_to_the_calendar_is_a_warning_not_a_pass() -> None:
    [finding] = findings(run_rule("version-lifecycle", _cluster("v1.33.1"), "2025-09-15"))
    assert (finding.severity, finding.message.key) == (
        "warning",
        "version-lifecycle.not-in-calendar",
    )


def test_preview_version_in_the_custom_location_payload_is_prv2() -> None:
    versions = reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    # The example lists 1.23/1.24; relabel its first entry as a 1.31 preview.
    preview = versions["properties"]["values"][0]
    preview["version"], preview["isPreview"] = "1.31", True
    outcomes = run_rule(
        "version-lifecycle", _cluster("v1.31.5", kubernetes_versions=versions), "2025-09-15"
    )
    [finding] = findings(outcomes)
    assert (finding.clauses, finding.severity) == (("PRV-2",), "warning")


def test_host_release_without_the_cluster_version_blocks_new_node_pools() -> None:
    snap = _cluster("v1.29.13", facts={"host_platform": {"kind": "azure-local", "version": 2510}})
    effects = operations(run_rule("version-lifecycle", snap, "2025-10-05"))
    [vers9] = [effect for effect in effects if effect.clauses == ("VER-9",)]
    assert (vers9.operation, vers9.decision) == ("create-nodepool", "block")
    assert vers9.reason.args["release"] == "2510"


def test_version_from_azure_payload_when_no_version_json() -> None:
    body = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    body["properties"]["kubernetesVersion"] = "v1.31.4"
    outcomes = run_rule("version-lifecycle", make_snapshot(provisioned_cluster=body), "2025-09-15")
    assert findings(outcomes) == []
    assert deadlines(outcomes)


def test_no_version_anywhere_is_not_evaluated() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("version-lifecycle", make_snapshot(nodes=[node("moc-a")]), "2025-09-15")
    assert "kubernetes/version.json" in missing.value.needs[0]


def test_current_patch_passes() -> None:
    assert run_rule("version-patch", _cluster("v1.31.5"), "2025-09-15") == []
    assert run_rule("version-patch", _cluster("v1.31.4"), "2025-09-15") == []


def test_patch_dropped_by_the_newest_release_gets_its_grace_then_fails() -> None:
    # 1.30.9 is offered by 2508/2509, not by 2510 (2025-10-01): grace to 2025-10-31.
    outcomes = run_rule("version-patch", _cluster("v1.30.9"), "2025-10-10")
    [finding] = findings(outcomes)
    assert (finding.severity, finding.message.key) == ("warning", "version-patch.grace")
    assert finding.message.args["newest"] == "1.30.14"
    assert finding.deadline == date(2025, 10, 31)
    [late] = findings(run_rule("version-patch", _cluster("v1.30.9"), "2025-11-01"))
    assert (late.severity, late.clauses) == ("unsupported", ("VER-6",))


def test_patch_never_released_is_unsupported() -> None:
    [finding] = findings(run_rule("version-patch", _cluster("v1.31.1"), "2025-09-15"))
    assert (finding.severity, finding.message.key) == ("unsupported", "version-patch.unsupported")


def test_patch_newer_than_the_calendar_asks_for_an_update_not_a_verdict() -> None:
    [finding] = findings(run_rule("version-patch", _cluster("v1.31.9"), "2025-09-15"))
    assert (finding.severity, finding.message.key) == (
        "warning",
        "version-patch.newer-than-calendar",
    )


def test_patch_rule_leaves_non_supported_minors_to_the_lifecycle_rule() -> None:
    assert run_rule("version-patch", _cluster("v1.28.3"), "2025-09-15") == []


def test_minor_listed_without_patches_cannot_be_judged_for_patch_level() -> None:
    with pytest.raises(NotEvaluated):
        run_rule("version-patch", _cluster("v1.27.2"), "2024-03-01")
