"""Upgrade plans on the shipped calendar: one minor per hop, host release limits, skips."""

from __future__ import annotations

from datetime import date

import pytest

from arcsupport.errors import InputError
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.planner import ApiMigration, plan_upgrade
from helpers import default_pack


@pytest.fixture(scope="module")
def calendar() -> VersionCalendar:
    return VersionCalendar(default_pack())


def _steps(plan: object) -> list[tuple[str, str]]:
    return [(step.kind, step.to) for step in plan.steps]  # type: ignore[attr-defined]


def test_hops_one_minor_at_a_time_to_the_newest_patch(calendar: VersionCalendar) -> None:
    plan = plan_upgrade(calendar, "1.29.4", date(2025, 9, 15), target="1.31", host_release="2509")
    assert _steps(plan) == [("kubernetes-upgrade", "1.30.9"), ("kubernetes-upgrade", "1.31.5")]
    assert plan.reaches_supported
    assert plan.supported_until == date(2026, 8, 1)
    assert [step.support_ends for step in plan.steps] == [date(2026, 3, 1), date(2026, 8, 1)]


def test_an_old_host_release_gets_an_azure_local_step_first(calendar: VersionCalendar) -> None:
    plan = plan_upgrade(calendar, "1.28.9", date(2025, 9, 15), host_release="2408")
    assert _steps(plan) == [
        ("azure-local-update", "2509"),
        ("kubernetes-upgrade", "1.29.13"),
        ("kubernetes-upgrade", "1.30.9"),
        ("kubernetes-upgrade", "1.31.5"),
    ]
    assert plan.steps[0].support_ends == date(2026, 3, 1)  # 2509 + six months (SVP-3)


def test_coming_back_from_an_unsupported_version_may_skip_minors(calendar: VersionCalendar) -> None:
    plan = plan_upgrade(calendar, "1.26.10", date(2025, 11, 1), host_release="2411")
    assert _steps(plan)[:2] == [("azure-local-update", "2510"), ("kubernetes-upgrade", "1.30.14")]
    assert plan.steps[1].skipped == ("1.27", "1.28", "1.29")
    assert plan.target == "1.32"


def test_patch_only_plan_within_the_same_minor(calendar: VersionCalendar) -> None:
    plan = plan_upgrade(calendar, "1.30.8", date(2025, 9, 15), target="1.30", host_release="2509")
    assert _steps(plan) == [("kubernetes-upgrade", "1.30.9")]


def test_unknown_host_is_assumed_to_be_the_newest_release_and_says_so(
    calendar: VersionCalendar,
) -> None:
    plan = plan_upgrade(calendar, "1.30.8", date(2025, 9, 15))
    assert plan.host_assumed and plan.host_release == "2509"
    assert [note.key for note in plan.notes] == ["plan.note.host-assumed"]


def test_apis_removed_on_the_way_are_due_at_the_first_hop_that_needs_them(
    calendar: VersionCalendar,
) -> None:
    flow = ApiMigration(
        "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32",
        "flowcontrol.apiserver.k8s.io/v1", ("FlowSchema/catch-all",),
    )  # fmt: skip
    plan = plan_upgrade(
        calendar, "1.30.14", date(2025, 11, 1), host_release="2510", removals={"1.32": [flow]}
    )
    assert [step.migrate_apis for step in plan.steps] == [(), (flow,)]


@pytest.mark.parametrize(
    ("current", "target", "problem"),
    [
        ("1.31.5", "1.30", "downgrades are not supported"),
        ("1.31.5", "1.31.4", "downgrades are not supported"),
        ("1.19.3", None, "not in the policy calendar"),
        ("banana", None, "is not a Kubernetes version"),
        ("1.30.8", "1.99", "not in the policy calendar"),
        ("1.30.8", "1.31.7", "does not ship 1.31.7"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    calendar: VersionCalendar, current: str, target: str | None, problem: str
) -> None:
    with pytest.raises(InputError) as refused:
        plan_upgrade(calendar, current, date(2025, 9, 15), target=target, host_release="2509")
    assert problem in str(refused.value)


def test_unknown_or_future_host_release_is_refused(calendar: VersionCalendar) -> None:
    with pytest.raises(InputError, match="unknown Azure Local release"):
        plan_upgrade(calendar, "1.30.8", date(2025, 9, 15), host_release="2599")
    with pytest.raises(InputError, match="not released by"):
        plan_upgrade(calendar, "1.30.8", date(2025, 9, 15), host_release="2510")
