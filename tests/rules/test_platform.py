"""host-platform, node-os-lifecycle and node-image-age on the shipped pack, around its dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from arcsupport.i18n import Message, has, render
from arcsupport.rules.outcome import NotEvaluated
from helpers import (
    aks_arc_connected,
    deadlines,
    english,
    findings,
    gaps,
    make_snapshot,
    node,
    operations,
    reference_body,
    reference_json,
    run_assess,
    run_rule,
)

WS2019 = "Windows Server 2019 Datacenter"
AZURE_LINUX_2 = "CBL-Mariner/Linux"


def _host(kind: str, release: str | int, **parts: Any) -> Any:
    return make_snapshot(facts={"host_platform": {"kind": kind, "version": release}}, **parts)


# host-platform


def test_windows_server_2022_host_far_from_its_end_has_only_a_deadline() -> None:
    """SVP-3: Microsoft retires AKS Arc on Windows Server 2022 hosts in March 2027; the pack
    counts March as the last month of support, so 2027-04-01 is the first day without it."""
    outcomes = run_rule("host-platform", _host("windows-server", "2022"), "2025-09-15")
    assert findings(outcomes) == []
    [deadline] = deadlines(outcomes)
    assert (deadline.date, deadline.clauses) == (date(2027, 4, 1), ("SVP-3",))
    assert deadline.what == Message(
        "host-platform.deadline.end-of-support", {"host": "Windows Server 2022"}
    )


@pytest.mark.parametrize(
    ("when", "severity", "key", "days"),
    [
        ("2026-01-30", None, None, None),  # 61 days left: outside the 60-day horizon
        ("2026-01-31", "warning", "host-platform.windows-server-ending", 60),
        ("2026-03-31", "warning", "host-platform.windows-server-ending", 1),  # still March
        ("2026-04-01", "unsupported", "host-platform.windows-server-ended", None),
        ("2026-04-02", "unsupported", "host-platform.windows-server-ended", None),
    ],
)
def test_windows_server_2019_host_retires_after_march_2026(
    when: str, severity: str | None, key: str | None, days: int | None
) -> None:
    """The retirement page: AKS Arc on Windows Server 2019 hosts retires in March 2026, and
    "after March 2026" it can no longer be deployed there, so all of March is still inside."""
    outcomes = run_rule("host-platform", _host("windows-server", 2019), when)
    found = findings(outcomes)
    if severity is None:
        assert found == []
        assert [d.date for d in deadlines(outcomes)] == [date(2026, 4, 1)]
        return
    [finding] = found
    assert (finding.severity, finding.clauses, finding.message.key) == (severity, ("SVP-3",), key)
    assert finding.message.args["host"] == "Windows Server 2019"
    assert finding.message.args["date"] == "2026-04-01"
    assert finding.message.args["last_day"] == "2026-03-31"
    assert finding.message.args.get("days") == days
    assert finding.deadline == date(2026, 4, 1)
    assert finding.evidence[0].object == "facts.yaml"
    assert str(finding.evidence[0].provenance) == "declared"
    assert bool(deadlines(outcomes)) == (severity == "warning")
    for lang in ("en", "ko"):
        assert "2026-03-31" in render(lang, finding.message, "message")


@pytest.mark.parametrize(("when", "blocked"), [("2026-03-31", False), ("2026-04-01", True)])
def test_a_retired_windows_server_host_blocks_deploy_upgrade_and_scale(
    when: str, blocked: bool
) -> None:
    """After the retirement AKS Arc "can no longer be deployed, upgraded or scaled" there: the
    gate blocks upgrades, scaling and new node pools under SVP-3; on the last day of March it
    still allows them."""
    snap = _host(
        "windows-server",
        "2019",
        version={"gitVersion": "v1.31.10"},
        connected_cluster=aks_arc_connected(),
    )
    result = run_assess(snap, when)
    for operation in ("upgrade", "scale", "create-nodepool"):
        decision = result.operations[operation]
        assert (decision.decision == "block") == blocked, operation
        assert ("SVP-3" in decision.clauses) == blocked, operation
    assert result.operations["update-os"].decision != "block"
    assert (result.verdict == "unsupported") == blocked


def test_windows_server_2022_host_retires_after_march_2027() -> None:
    [finding] = findings(run_rule("host-platform", _host("windows-server", "2022"), "2027-04-01"))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "host-platform.windows-server-ended",
    )
    assert finding.message.args["last_day"] == "2027-03-31"
    assert (
        findings(run_rule("host-platform", _host("windows-server", "2022"), "2027-03-31"))[
            0
        ].severity
        == "warning"
    )


@pytest.mark.parametrize("when", ["2025-01-01", "2025-09-15", "2030-01-01"])
def test_windows_server_2025_is_plainly_not_a_supported_host(when: str) -> None:
    """The retirement page names only 2019 and 2022 as Windows Server hosts: 2025 is not a
    supported AKS Arc host on any date, and the finding says so rather than "unknown"."""
    outcomes = run_rule("host-platform", _host("windows-server", 2025), when)
    [finding] = findings(outcomes)
    assert (finding.severity, finding.clauses) == ("unsupported", ("SVP-3",))
    assert finding.message == Message(
        "host-platform.not-a-host", {"host": "Windows Server 2025", "hosts": "2019, 2022"}
    )
    assert deadlines(outcomes) == []
    english = render("en", finding.message, "title")
    assert english == "Windows Server 2025 is not a supported AKS Arc host"
    assert "unknown" not in render("en", finding.message, "message").lower()
    assert "Windows Server 2025" in render("ko", finding.message, "title")


def test_unknown_windows_server_version_is_not_a_supported_host() -> None:
    [finding] = findings(run_rule("host-platform", _host("windows-server", "2016"), "2025-09-15"))
    assert (finding.severity, finding.clauses) == ("unsupported", ("SVP-3",))
    assert finding.message == Message(
        "host-platform.unknown-windows-server",
        {"host": "Windows Server 2016", "known": "2019, 2022"},
    )


@pytest.mark.parametrize(
    ("when", "severity"),
    [("2025-05-31", "warning"), ("2025-06-01", "unsupported"), ("2025-06-02", "unsupported")],
)
def test_azure_stack_hci_22h2_has_a_fixed_end(when: str, severity: str) -> None:
    [finding] = findings(run_rule("host-platform", _host("azure-local", "22H2"), when))
    assert finding.severity == severity
    assert finding.message.args["host"] == "Azure Stack HCI 22H2"
    assert finding.message.key in ("host-platform.ending", "host-platform.ended")
    assert "months" not in finding.message.args


def test_azure_local_release_is_supported_six_months_from_its_month() -> None:
    outcomes = run_rule("host-platform", _host("azure-local", 2508), "2025-09-15")
    assert findings(outcomes) == []
    assert [d.date for d in deadlines(outcomes)] == [date(2026, 2, 1)]


@pytest.mark.parametrize(
    ("when", "severity", "key"),
    [
        ("2026-01-31", "warning", "host-platform.release-ending"),
        ("2026-02-01", "unsupported", "host-platform.release-ended"),
        ("2026-02-02", "unsupported", "host-platform.release-ended"),
    ],
)
def test_azure_local_release_around_its_end(when: str, severity: str, key: str) -> None:
    [finding] = findings(run_rule("host-platform", _host("azure-local", "2508"), when))
    assert (finding.severity, finding.message.key, finding.clauses) == (severity, key, ("SVP-3",))
    assert finding.message.args["host"] == "Azure Local 2508"
    assert finding.message.args["months"] == 6
    assert finding.deadline == date(2026, 2, 1)


def test_azure_local_solution_version_from_the_azure_payload() -> None:
    body = reference_body("azurestackhci-2024-04-01-GetCluster.json")
    body["properties"]["reportedProperties"]["clusterVersion"] = "10.2503.0.3057"
    snap = make_snapshot(azure_local_cluster=body)
    [finding] = findings(run_rule("host-platform", snap, "2025-09-15"))
    assert (finding.severity, finding.message.key) == ("unsupported", "host-platform.release-ended")
    assert finding.message.args["date"] == "2025-09-01"
    evidence = finding.evidence[0]
    assert (evidence.object, evidence.field, evidence.value) == (
        "clusters/myCluster",
        "properties.reportedProperties.clusterVersion",
        "10.2503.0.3057",
    )
    assert str(evidence.provenance) == "observed"


def test_declared_host_wins_over_the_azure_payload() -> None:
    body = reference_body("azurestackhci-2024-04-01-GetCluster.json")
    body["properties"]["reportedProperties"]["clusterVersion"] = "10.2503.0.3057"
    snap = make_snapshot(
        azure_local_cluster=body,
        facts={"host_platform": {"kind": "azure-local", "version": 2510}},
    )
    outcomes = run_rule("host-platform", snap, "2025-10-15")
    assert findings(outcomes) == []
    assert [d.date for d in deadlines(outcomes)] == [date(2026, 4, 1)]


def test_host_unknown_is_not_evaluated() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("host-platform", make_snapshot(nodes=[node("moc-a")]), "2025-09-15")
    assert english(missing.value.needs)[0].startswith("facts.yaml host_platform")
    # The unchanged example reports an OS build (10.0.17777), not a solution version.
    body = reference_body("azurestackhci-2024-04-01-GetCluster.json")
    with pytest.raises(NotEvaluated):
        run_rule("host-platform", make_snapshot(azure_local_cluster=body), "2025-09-15")


def test_unparseable_azure_local_release_says_what_it_needs() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("host-platform", _host("azure-local", "23H2"), "2025-09-15")
    [need] = english(missing.value.needs)
    assert "YYMM" in need
    assert "'23H2'" in need
    assert "facts.yaml" in need


# node-os-lifecycle


def test_nodes_on_an_os_without_end_of_life_pass() -> None:
    nodes = [node("moc-a"), node("moc-b", os_image="Ubuntu 22.04.4 LTS")]
    outcomes = run_rule("node-os-lifecycle", make_snapshot(nodes=nodes), "2025-09-15")
    assert outcomes == []


def test_windows_server_2019_nodes_get_a_deadline_far_from_their_end() -> None:
    nodes = [node("moc-win", os="windows", os_image=WS2019), node("moc-lin")]
    outcomes = run_rule("node-os-lifecycle", make_snapshot(nodes=nodes), "2025-09-15")
    assert findings(outcomes) == []
    [deadline] = deadlines(outcomes)
    assert (deadline.date, deadline.clauses) == (date(2026, 4, 1), ("SVP-3", "NODE-C-1"))
    assert deadline.what.args == {"os": "Windows Server 2019 node pools"}


@pytest.mark.parametrize(
    ("when", "severity", "key"),
    [
        ("2026-03-31", "warning", "node-os-lifecycle.ending"),
        ("2026-04-01", "unsupported", "node-os-lifecycle.ended"),
        ("2026-04-02", "unsupported", "node-os-lifecycle.ended"),
    ],
)
def test_windows_server_2019_nodes_around_their_end(when: str, severity: str, key: str) -> None:
    nodes = [
        node("moc-win1", os="windows", os_image=WS2019),
        node("moc-win2", os="windows", os_image=WS2019),
        node("moc-lin"),
    ]
    [finding] = findings(run_rule("node-os-lifecycle", make_snapshot(nodes=nodes), when))
    assert (finding.severity, finding.message.key) == (severity, key)
    assert finding.clauses == ("SVP-3", "NODE-C-1")
    assert finding.message.args["os"] == "Windows Server 2019 node pools"
    assert finding.message.args["count"] == 2
    assert finding.message.args["date"] == "2026-04-01"
    assert [(e.object, e.field, e.value) for e in finding.evidence] == [
        ("Node/moc-win1", "status.nodeInfo.osImage", WS2019),
        ("Node/moc-win2", "status.nodeInfo.osImage", WS2019),
    ]
    assert finding.deadline == date(2026, 4, 1)


def test_warning_inside_the_horizon_counts_the_days() -> None:
    nodes = [node("moc-win", os="windows", os_image=WS2019)]
    [finding] = findings(run_rule("node-os-lifecycle", make_snapshot(nodes=nodes), "2026-02-15"))
    assert (finding.severity, finding.message.args["days"]) == ("warning", 45)


def test_one_finding_per_os_in_pack_order() -> None:
    nodes = [
        node("moc-win", os="windows", os_image=WS2019),
        *(node(f"moc-cbl-{index}", os_image=AZURE_LINUX_2) for index in range(12)),
        node("moc-ws22", os="windows", os_image="Windows Server 2022 Datacenter"),
    ]
    outcomes = run_rule("node-os-lifecycle", make_snapshot(nodes=nodes), "2026-04-15")
    got = [(f.message.args["os"], f.severity, f.message.args["count"]) for f in findings(outcomes)]
    assert got == [
        ("Azure Linux 2.0 (CBL-Mariner)", "unsupported", 12),
        ("Windows Server 2019 node pools", "unsupported", 1),
    ]
    assert len(findings(outcomes)[0].evidence) == 10
    assert [d.date for d in deadlines(outcomes)] == [date(2027, 4, 1)]


def test_node_os_not_evaluated_without_nodes() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("node-os-lifecycle", make_snapshot(), "2025-09-15")
    assert english(missing.value.needs) == ("kubernetes/nodes.json (status.nodeInfo.osImage)",)
    with pytest.raises(NotEvaluated):
        run_rule("node-os-lifecycle", make_snapshot(nodes=[]), "2025-09-15")


def test_sonobuoy_nodes_run_an_os_the_pack_does_not_judge() -> None:
    nodes = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")["items"]
    snap = make_snapshot(nodes=nodes)
    assert run_rule("node-os-lifecycle", snap, "2025-09-15") == []
    # Kubernetes 1.20 is not offered by any release: version-lifecycle judges that, not this.
    assert run_rule("node-image-age", snap, "2025-09-15") == []


# node-image-age
# The calendar: 2508 (2025-08-01) first offers 1.30.8 and 1.30.9; 2510 (2025-10-01) 1.30.14.


def test_nodes_on_the_newest_patch_pass() -> None:
    nodes = [node("moc-a", kubelet="v1.30.9"), node("moc-b", kubelet="v1.31.5")]
    assert run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-09-15") == []


@pytest.mark.parametrize(
    ("when", "deadline", "days"),
    [
        ("2025-08-30", date(2025, 8, 31), None),
        ("2025-08-31", date(2025, 8, 31), None),  # exactly the tolerance: not yet
        ("2025-09-01", None, 31),
    ],
)
def test_older_patch_within_then_beyond_the_tolerance(
    when: str, deadline: date | None, days: int | None
) -> None:
    nodes = [
        node("moc-lin", kubelet="v1.30.8"),
        node("moc-win", kubelet="v1.30.8", os="windows", os_image="Windows Server 2022"),
        node("moc-new", kubelet="v1.30.9"),
    ]
    outcomes = run_rule("node-image-age", make_snapshot(nodes=nodes), when)
    assert [d.date for d in deadlines(outcomes)] == ([deadline] if deadline else [])
    if deadline is not None:
        assert findings(outcomes) == []
        assert deadlines(outcomes)[0].what == Message(
            "node-image-age.deadline.image", {"version": "1.30.8", "newest": "1.30.9"}
        )
        assert deadlines(outcomes)[0].clauses == ("NODE-C-1",)
        return
    [finding] = findings(outcomes)
    assert (finding.severity, finding.clauses) == ("warning", ("NODE-C-1",))
    assert finding.message == Message(
        "node-image-age.behind",
        {"version": "1.30.8", "newest": "1.30.9", "since": "2025-08-01", "days": days, "count": 2},
    )
    assert [e.object for e in finding.evidence] == ["Node/moc-lin", "Node/moc-win"]
    assert finding.evidence[0].field == "status.nodeInfo.kubeletVersion"


def test_groups_by_kubelet_version() -> None:
    nodes = [
        node("moc-a", kubelet="v1.30.3"),
        node("moc-b", kubelet="1.30.3"),
        node("moc-c", kubelet="v1.31.4"),
    ]
    outcomes = run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-09-15")
    got = [(f.message.args["version"], f.message.args["newest"], f.message.args["count"])
           for f in findings(outcomes)]  # fmt: skip
    assert got == [("1.30.3", "1.30.9", 2), ("1.31.4", "1.31.5", 1)]


def test_a_newer_release_restarts_the_clock() -> None:
    nodes = [node("moc-a", kubelet="v1.30.9")]
    outcomes = run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-10-15")
    assert findings(outcomes) == []
    assert [(d.date, d.what.args["newest"]) for d in deadlines(outcomes)] == [
        (date(2025, 10, 31), "1.30.14")
    ]


def test_minor_no_longer_offered_is_left_to_version_lifecycle() -> None:
    nodes = [node("moc-a", kubelet="v1.28.14")]
    assert run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-09-15") == []


def test_calendar_without_patch_numbers_is_a_gap() -> None:
    # 2402 lists 1.26 and 1.27 without patches.
    nodes = [node("moc-a", kubelet="v1.27.3"), node("moc-b", kubelet="v1.26.6")]
    outcomes = run_rule("node-image-age", make_snapshot(nodes=nodes), "2024-03-15")
    assert findings(outcomes) == []
    assert [english(g.needs) for g in gaps(outcomes)] == [
        ("the patch versions of 1.26 in the policy calendar",),
        ("the patch versions of 1.27 in the policy calendar",),
    ]


def test_kubelet_without_a_patch_is_a_gap_and_the_rest_is_judged() -> None:
    nodes = [node("moc-a", kubelet="v1.30"), node("moc-b", kubelet="v1.30.3")]
    outcomes = run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-09-15")
    assert [f.message.args["version"] for f in findings(outcomes)] == ["1.30.3"]
    [gap] = gaps(outcomes)
    assert "moc-a" in english(gap.needs)[0]


def test_node_image_age_not_evaluated_without_nodes() -> None:
    with pytest.raises(NotEvaluated) as missing:
        run_rule("node-image-age", make_snapshot(), "2025-09-15")
    assert english(missing.value.needs) == (
        "kubernetes/nodes.json (status.nodeInfo.kubeletVersion)",
    )


def test_many_nodes_are_grouped_once() -> None:
    nodes = [node(f"moc-{index}", kubelet="v1.30.8") for index in range(500)]
    [finding] = findings(run_rule("node-image-age", make_snapshot(nodes=nodes), "2025-09-15"))
    assert finding.message.args["count"] == 500
    assert len(finding.evidence) == 10


# end to end and messages


def test_assessment_end_to_end() -> None:
    nodes = [
        node("moc-lin", kubelet="v1.31.4"),
        node("moc-win", kubelet="v1.31.4", os="windows", os_image=WS2019),
    ]
    snap = make_snapshot(
        version={"gitVersion": "v1.31.4"},
        nodes=nodes,
        daemonsets=[],
        facts={"host_platform": {"kind": "azure-local", "version": 2508}},
    )
    assessment = run_assess(snap, "2026-02-15")
    for rule_id in ("host-platform", "node-os-lifecycle", "node-image-age"):
        assert rule_id in assessment.coverage.evaluated
    mine = {
        (f.rule, f.message.key, f.severity)
        for f in assessment.findings
        if f.rule in ("host-platform", "node-os-lifecycle", "node-image-age")
    }
    assert mine == {
        ("host-platform", "host-platform.release-ended", "unsupported"),
        ("node-os-lifecycle", "node-os-lifecycle.ending", "warning"),
        ("node-image-age", "node-image-age.behind", "warning"),
    }
    assert assessment.verdict == "unsupported"
    assert date(2026, 4, 1) in [d.date for d in assessment.deadlines]


def test_every_message_renders_in_both_languages_with_its_arguments() -> None:
    runs: list[tuple[str, Any, str]] = [
        ("host-platform", _host("windows-server", "2016"), "2025-09-15"),
        ("host-platform", _host("windows-server", "2025"), "2025-09-15"),
        ("host-platform", _host("windows-server", "2022"), "2027-03-01"),
        ("host-platform", _host("windows-server", "2022"), "2027-05-01"),
        ("host-platform", _host("azure-local", "22H2"), "2025-05-01"),
        ("host-platform", _host("azure-local", "22H2"), "2025-07-01"),
        ("host-platform", _host("azure-local", "2508"), "2026-01-15"),
        ("host-platform", _host("azure-local", "2508"), "2026-03-01"),
    ]
    win = [node("moc-win", os="windows", os_image=WS2019, kubelet="v1.30.8")]
    runs += [
        ("node-os-lifecycle", make_snapshot(nodes=win), "2026-03-01"),
        ("node-os-lifecycle", make_snapshot(nodes=win), "2026-05-01"),
        ("node-image-age", make_snapshot(nodes=win), "2025-08-15"),
        ("node-image-age", make_snapshot(nodes=win), "2025-09-15"),
    ]
    keys = set()
    for rule_id, snap, when in runs:
        outcomes = run_rule(rule_id, snap, when)
        for finding in findings(outcomes):
            keys.add(finding.message.key)
            for lang in ("en", "ko"):
                for field in ("title", "message", "fix"):
                    assert has(lang, finding.message.key, field), (lang, finding.message.key)
                    assert "{" not in render(lang, finding.message, field)
        for deadline in deadlines(outcomes):
            keys.add(deadline.what.key)
            for lang in ("en", "ko"):
                assert has(lang, deadline.what.key)
                assert "{" not in render(lang, deadline.what)
        for effect in operations(outcomes):
            keys.add(effect.reason.key)
            for lang in ("en", "ko"):
                assert has(lang, effect.reason.key)
                assert "{" not in render(lang, effect.reason)
    assert len(keys) == 15
