"""version-lifecycle and version-patch on the shipped calendar, at dates around its edges."""

from __future__ import annotations

from datetime import date

import pytest

from arcsupport.i18n import render
from arcsupport.rules.outcome import NotEvaluated
from helpers import (
    deadlines,
    english,
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


def test_clusters_on_one_minor_share_the_judgement_but_keep_their_own_evidence_and_health() -> None:
    """A fleet judges a minor once per calendar and day (rules/versions.py `_JUDGED`): what
    differs between clusters on it, where the version was read and a removed minor's advice
    on upgrading, must still be each cluster's own, whichever is judged first."""
    body = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    body["properties"]["kubernetesVersion"] = "v1.28.14"
    healthy = _cluster("v1.28.14", nodes=[node("moc-a")])
    unhealthy = make_snapshot(provisioned_cluster=body, nodes=[node("moc-b", ready=False)])
    for first, second in ((healthy, unhealthy), (unhealthy, healthy)):
        judged = {
            id(snap): run_rule("version-lifecycle", snap, "2025-09-15") for snap in (first, second)
        }
        [own] = findings(judged[id(healthy)])
        [other] = findings(judged[id(unhealthy)])
        assert own.message == other.message
        assert (own.evidence[0].source, own.evidence[0].field) == (
            "kubernetes/version.json",
            "gitVersion",
        )
        assert (other.evidence[0].source, other.evidence[0].field) == (
            "azure/provisioned-cluster.json",
            "properties.kubernetesVersion",
        )
        reasons = {
            id(snap): {e.reason.key for e in operations(judged[id(snap)])}
            for snap in (first, second)
        }
        assert "version-lifecycle.op.removed-upgrade" in reasons[id(healthy)]
        assert "version-lifecycle.op.removed-upgrade-redeploy" not in reasons[id(healthy)]
        assert "version-lifecycle.op.removed-upgrade-redeploy" in reasons[id(unhealthy)]
        assert "version-lifecycle.op.removed-upgrade" not in reasons[id(unhealthy)]


def test_a_minor_past_its_year_that_releases_still_ship_stays_supported_with_a_warning() -> None:
    """1.30 first shipped in 2503 (year over on 2026-03-01) and 2510, the newest release, still
    ships it: VER-5 keeps it until 30 days after a release drops it, so it is at risk, not out
    of support; the deadline is the earliest that could happen."""
    outcomes = run_rule("version-lifecycle", _cluster("v1.30.14"), "2026-03-02")
    [finding] = findings(outcomes)
    assert (finding.severity, finding.message.key) == (
        "warning",
        "version-lifecycle.may-end",
    )
    assert finding.clauses == ("VER-1", "VER-5")
    assert finding.message.args == {
        "minor": "1.30", "window": "2026-03-01", "date": "2026-05-01", "release": "2510",
        "grace": 30, "days": 60,
    }  # fmt: skip
    assert finding.deadline == date(2026, 5, 1)
    [deadline] = deadlines(outcomes)
    assert (deadline.what.key, deadline.clauses) == (
        "version-lifecycle.deadline.earliest-end",
        ("VER-1", "VER-5", "VER-2"),
    )
    assert operations(outcomes) == []
    assert "at the earliest" in render("en", finding.message, "message")


@pytest.mark.parametrize(
    ("when", "key", "end"),
    [
        ("2025-12-30", None, "2026-03-01"),  # 61 days to the year's end: nothing yet
        ("2025-12-31", "version-lifecycle.ending", "2026-03-01"),  # inside the 60-day horizon
        ("2026-01-01", "version-lifecycle.may-end", "2026-03-03"),  # a release may drop it
        ("2026-03-01", "version-lifecycle.may-end", "2026-05-01"),  # 61 days, still said
        ("2026-08-15", "version-lifecycle.may-end", "2026-10-01"),
    ],
)
def test_a_minor_still_shipped_warns_from_the_day_a_release_could_end_it(
    when: str, key: str | None, end: str
) -> None:
    """Before its year is out, 1.30's end is the year's end (VER-1); from the day a release
    not yet in the calendar could drop it before then, its end is that release + 30 days
    (VER-5), said as the earliest end every day without flipping on month boundaries."""
    outcomes = run_rule("version-lifecycle", _cluster("v1.30.14"), when)
    assert [f.message.key for f in findings(outcomes)] == ([key] if key else [])
    assert [d.date.isoformat() for d in deadlines(outcomes)] == [end]


@pytest.mark.parametrize(
    ("when", "key", "severity"),
    [
        ("2025-02-15", "version-lifecycle.ending", "warning"),  # 2411 still ships 1.27
        ("2025-03-15", "version-lifecycle.grace", "warning"),  # 2503 dropped it: 30 days
        ("2025-03-31", "version-lifecycle.removed", "unsupported"),
    ],
)
def test_1_27_lives_until_30_days_after_the_release_that_drops_it(
    when: str, key: str, severity: str
) -> None:
    """VER-1 against VER-5: 1.27's year from 2402 ended on 2025-01-31, but 2411 shipped it as
    N-2 until 2503 (2025-03-01); it is supported until 2025-03-31, the way Microsoft's
    published dates for 1.28 and 1.29 came about."""
    [finding] = findings(run_rule("version-lifecycle", _cluster("v1.27.9"), when))
    assert (finding.message.key, finding.severity) == (key, severity)
    assert finding.deadline == date(2025, 3, 31)


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
    assert "kubernetes/version.json" in english(missing.value.needs)[0]


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


# --- node pools left on an older minor ----------------------------------------------------------


def _agent_pool(name: str, version: str, replicas: str | None = None) -> dict[str, object]:
    """The real GetAgentPool body, with the version fields the 2024-01-01 spec gives a pool."""
    body = reference_body("hybridaks-2024-01-01-GetAgentPool.json")
    body["name"] = name
    body["properties"]["kubernetesVersion"] = version
    if replicas is not None:
        body["properties"]["status"] = {
            "currentState": "Succeeded",
            "readyReplicas": [
                {"count": 1, "vmSize": "Standard_A4_v2", "kubernetesVersion": replicas}
            ],
        }
    return body


def test_a_pool_on_an_older_minor_gets_its_own_finding_and_deadline() -> None:
    """The issue's case: the cluster is on 1.30, a pool still on 1.29, which leaves support in
    46 days; the pool is judged like the cluster's own minor (VER-5, published date)."""
    snap = _cluster(
        "v1.30.9",
        agent_pools=[_agent_pool("nodepool1", "v1.30.9"), _agent_pool("legacy", "v1.29.13")],
    )
    outcomes = run_rule("version-lifecycle", snap, "2025-09-15")
    [finding] = [f for f in findings(outcomes) if f.message.key.endswith("pool-ending")]
    assert (finding.severity, finding.clauses) == ("warning", ("VER-5",))
    assert finding.message.args == {
        "minor": "1.29", "cluster": "1.30", "parts": "legacy", "date": "2025-10-31", "days": 46,
    }  # fmt: skip
    assert finding.deadline == date(2025, 10, 31)
    [evidence] = finding.evidence
    assert (evidence.object, evidence.field, evidence.value) == (
        "agentPools/legacy",
        "properties.kubernetesVersion",
        "v1.29.13",
    )
    pool_deadlines = [
        d
        for d in deadlines(outcomes)
        if d.what.key == "version-lifecycle.deadline.pool-end-of-support"
    ]
    assert [(d.date, d.clauses) for d in pool_deadlines] == [
        (date(2025, 10, 31), ("VER-5", "VER-2"))
    ]
    assert operations(outcomes) == []


def test_every_source_of_a_pool_version_counts_and_names_what_runs_it() -> None:
    provisioned = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    provisioned["properties"]["kubernetesVersion"] = "v1.30.9"
    provisioned["properties"]["agentPoolProfiles"][0]["kubernetesVersion"] = "v1.29.12"
    snap = _cluster(
        "v1.30.9",
        provisioned_cluster=provisioned,
        agent_pools=[_agent_pool("apppool", "v1.30.9", replicas="v1.29.13")],
        nodes=[node("moc-a", kubelet="v1.30.9"), node("moc-b", kubelet="v1.29.13")],
    )
    [finding] = [
        f for f in findings(run_rule("version-lifecycle", snap, "2025-09-15"))
        if f.message.key.endswith("pool-ending")
    ]  # fmt: skip
    assert finding.message.args["parts"] == "apppool, default-nodepool-1, moc-b"
    assert [(e.source, e.field) for e in finding.evidence] == [
        ("azure/agent-pools.json", "properties.status.readyReplicas[0].kubernetesVersion"),
        (
            "azure/provisioned-cluster.json",
            "properties.agentPoolProfiles[default-nodepool-1].kubernetesVersion",
        ),
        ("kubernetes/nodes.json", "status.nodeInfo.kubeletVersion"),
    ]


def test_pools_on_the_cluster_minor_or_far_from_their_end_draw_no_finding() -> None:
    same = _cluster("v1.30.9", nodes=[node("moc-a", kubelet="v1.30.8")])
    assert findings(run_rule("version-lifecycle", same, "2025-09-15")) == []
    # A pool one minor behind, far from its end: its deadline only.
    far = _cluster("v1.31.5", nodes=[node("moc-a", kubelet="v1.30.9")])
    outcomes = run_rule("version-lifecycle", far, "2025-09-15")
    assert findings(outcomes) == []
    assert (date(2026, 3, 1), "version-lifecycle.deadline.pool-end-of-support") in [
        (d.date, d.what.key) for d in deadlines(outcomes)
    ]
    # A kubelet newer than the API server is the skew rule's to judge.
    newer = _cluster("v1.30.9", nodes=[node("moc-a", kubelet="v1.31.5")])
    assert findings(run_rule("version-lifecycle", newer, "2025-09-15")) == []


def test_a_pool_on_a_removed_minor_is_unsupported_but_new_pools_stay_possible() -> None:
    snap = _cluster("v1.29.13", agent_pools=[_agent_pool("legacy", "v1.28.14")])
    outcomes = run_rule("version-lifecycle", snap, "2025-09-15")
    [pool] = [f for f in findings(outcomes) if f.message.key.startswith("version-lifecycle.pool-")]
    assert (pool.message.key, pool.severity) == ("version-lifecycle.pool-removed", "unsupported")
    assert set(pool.clauses) == {"VER-2", "VER-5", "VER-4"}
    decisions = {(e.operation, e.decision, e.clauses) for e in operations(outcomes)}
    assert ("update-os", "block", ("VER-4",)) in decisions
    assert ("upgrade", "warn", ("VER-2",)) in decisions
    assert ("scale", "warn", ("VER-3",)) in decisions
    # A new pool takes the cluster's version (1.29, still supported), so it is not blocked.
    assert not any(e.operation == "create-nodepool" for e in operations(outcomes))


# --- the same facts for the verdict and the gate -------------------------------------------------

HOST_2508 = {"host_platform": {"kind": "azure-local", "version": "2508"}}


def test_a_patch_the_host_release_does_not_ship_blocks_new_node_pools() -> None:
    """1.31.3 on 2508 (which ships 1.31.4 and 1.31.5): unsupported under VER-6, and the gate
    refuses a new node pool on it for the patch (VER-6, VER-8) and for the release (VER-9)."""
    snap = _cluster("v1.31.3", facts=HOST_2508)
    patch = run_rule("version-patch", snap, "2025-09-15")
    [finding] = findings(patch)
    assert (finding.severity, finding.message.key) == ("unsupported", "version-patch.unsupported")
    assert {(e.operation, e.decision, e.clauses) for e in operations(patch)} == {
        ("create-nodepool", "block", ("VER-6", "VER-8")),
        ("upgrade", "warn", ("VER-6",)),
    }
    lifecycle = operations(run_rule("version-lifecycle", snap, "2025-09-15"))
    [release] = lifecycle
    assert (release.operation, release.decision, release.clauses) == (
        "create-nodepool", "block", ("VER-9",),
    )  # fmt: skip
    assert release.reason.key == "version-lifecycle.op.host-release-patch"
    assert release.reason.args == {
        "version": "1.31.3",
        "release": "2508",
        "versions": "1.31.4, 1.31.5",
    }


def test_a_patch_the_host_release_ships_gets_no_gate_effect() -> None:
    snap = _cluster("v1.31.5", facts=HOST_2508)
    assert operations(run_rule("version-lifecycle", snap, "2025-09-15")) == []
    assert run_rule("version-patch", snap, "2025-09-15") == []


def test_a_patch_in_its_grace_blocks_new_node_pools_and_asks_for_the_upgrade() -> None:
    outcomes = run_rule("version-patch", _cluster("v1.30.9"), "2025-10-10")
    assert {(e.operation, e.decision, e.clauses) for e in operations(outcomes)} == {
        ("create-nodepool", "block", ("VER-8",)),
        ("upgrade", "warn", ("VER-6",)),
    }


def test_a_node_older_than_the_calendar_is_named_without_a_date() -> None:
    snap = _cluster("v1.30.9", nodes=[node("moc-old", kubelet="v1.25.6")])
    [finding] = findings(run_rule("version-lifecycle", snap, "2025-09-15"))
    assert finding.message.key == "version-lifecycle.pool-older-than-calendar"
    assert (finding.severity, finding.clauses) == ("unsupported", ("VER-2", "VER-4"))
    for lang in ("en", "ko"):
        assert "?" not in render(lang, finding.message, "message")


def test_every_version_message_renders_in_both_languages() -> None:
    pools = [_agent_pool("legacy", "v1.28.14"), _agent_pool("old", "v1.27.9")]
    runs = [
        ("version-lifecycle", _cluster("v1.30.14"), "2026-03-02"),  # may-end
        ("version-lifecycle", _cluster("v1.29.13"), "2025-10-15"),  # grace
        ("version-lifecycle", _cluster("v1.28.14", facts=HOST_2508), "2025-09-15"),  # removed
        ("version-lifecycle", _cluster("v1.31.3", facts=HOST_2508), "2025-09-15"),  # VER-9
        ("version-lifecycle", _cluster("v1.30.9", agent_pools=pools), "2025-09-15"),
        ("version-lifecycle", _cluster("v1.30.9", nodes=[node("a", kubelet="v1.29.9")]),
         "2025-09-15"),
        ("version-lifecycle", _cluster("v1.30.9", nodes=[node("a", kubelet="v1.29.9")]),
         "2025-10-15"),
        ("version-lifecycle", _cluster("v1.31.5", nodes=[node("a", kubelet="v1.30.9")]),
         "2026-03-02"),
        ("version-patch", _cluster("v1.31.3"), "2025-09-15"),
        ("version-patch", _cluster("v1.30.9"), "2025-10-10"),
    ]  # fmt: skip
    keys: set[str] = set()
    for rule_id, snap, when in runs:
        outcomes = run_rule(rule_id, snap, when)
        messages = [
            *((f.message, ("title", "message", "fix")) for f in findings(outcomes)),
            *((e.reason, ("message",)) for e in operations(outcomes)),
            *((d.what, ("message",)) for d in deadlines(outcomes)),
        ]
        for message, fields in messages:
            keys.add(message.key)
            for lang in ("en", "ko"):
                for field in fields:
                    shown = render(lang, message, field)
                    assert "{" not in shown and "?" not in shown, (lang, message.key, field)
    pool_keys = {key for key in keys if ".pool-" in key}
    assert pool_keys >= {
        "version-lifecycle.pool-ending", "version-lifecycle.pool-grace",
        "version-lifecycle.pool-removed", "version-lifecycle.op.pool-deprecated",
        "version-lifecycle.op.pool-upgrade", "version-lifecycle.op.pool-removed",
        "version-lifecycle.deadline.pool-end-of-support",
    }  # fmt: skip
    assert {
        "version-lifecycle.may-end", "version-lifecycle.deadline.earliest-end",
        "version-lifecycle.pool-may-end", "version-lifecycle.deadline.pool-earliest-end",
        "version-lifecycle.op.host-release-patch", "version-patch.op.unsupported",
        "version-patch.op.left-release", "version-patch.op.upgrade",
    } <= keys  # fmt: skip
