"""rules/state.py: stopped (STOP-*, CONN-5), connectivity (CONN-1..4), subscription (SUB-*)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from arcsupport.i18n import catalog, has
from arcsupport.rules.outcome import Deadline, Finding, NotEvaluated, OperationEffect, Outcome
from arcsupport.snapshot.model import Provenance
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
    run_assess,
    run_rule,
)

TODAY = "2026-03-01"


def _keys_render(outcomes: list[Outcome]) -> None:
    """Every message a rule emits has an English and a Korean text."""
    for outcome in outcomes:
        if isinstance(outcome, Finding):
            for lang in ("en", "ko"):
                for field in ("title", "message", "fix"):
                    assert has(lang, outcome.message.key, field), (lang, outcome.message.key)
        elif isinstance(outcome, OperationEffect | Deadline):
            message = outcome.reason if isinstance(outcome, OperationEffect) else outcome.what
            assert has("en", message.key) and has("ko", message.key), message.key


def run(rule_id: str, when: str = TODAY, **parts: Any) -> list[Outcome]:
    outcomes = run_rule(rule_id, make_snapshot(**parts), when)
    _keys_render(outcomes)
    return outcomes


def only(outcomes: list[Outcome], key: str) -> Finding:
    matching = [finding for finding in findings(outcomes) if finding.message.key == key]
    assert len(matching) == 1, [finding.message.key for finding in findings(outcomes)]
    return matching[0]


def decisions(outcomes: list[Outcome]) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {effect.operation: (effect.decision, effect.clauses) for effect in operations(outcomes)}


def deadline_dates(outcomes: list[Outcome]) -> dict[str, str]:
    return {item.what.key: item.date.isoformat() for item in deadlines(outcomes)}


# --- catalogs ---------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PREFIXES = (
    "rule.stopped", "rule.connectivity", "rule.subscription", "rule.deprecated-apis",
    "stopped.", "connectivity.", "subscription.", "deprecated-apis.",
)  # fmt: skip


def test_catalogs_match_in_both_languages() -> None:
    english = {key: entry for key, entry in catalog("en").items() if key.startswith(_PREFIXES)}
    korean = {key: entry for key, entry in catalog("ko").items() if key.startswith(_PREFIXES)}
    assert english.keys() == korean.keys()
    assert len(english) >= 30
    for key, entry in english.items():
        assert entry.keys() == korean[key].keys(), key
        for field, template in entry.items():
            assert set(_PLACEHOLDER.findall(template)) == set(
                _PLACEHOLDER.findall(korean[key][field])
            ), (key, field)


# --- stopped ----------------------------------------------------------------------------------


def test_stopped_needs_nodes_or_facts() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run("stopped")
    assert any("stopped_since" in need for need in english(raised.value.needs))
    assert any("nodes" in need for need in english(raised.value.needs))


def test_running_cluster_has_no_finding() -> None:
    assert run("stopped", nodes=[node("moc-1"), node("moc-2", ready=False)]) == []


@pytest.mark.parametrize(
    ("days", "since", "end"), [(29, "2026-01-31", "2026-03-03"), (30, "2026-01-30", "2026-03-02")]
)
def test_stopped_within_30_days_is_a_warning_with_both_deadlines(
    days: int, since: str, end: str
) -> None:
    outcomes = run("stopped", facts={"stopped_since": since, "stopped_by": "aks-arc"})
    finding = only(outcomes, "stopped.recent")
    assert finding.severity == "warning"
    assert finding.clauses == ("STOP-3", "STOP-2")
    assert finding.message.args["days"] == days
    assert finding.message.args["since"] == since
    assert finding.deadline is not None and finding.deadline.isoformat() == end
    assert finding.evidence[0].provenance == Provenance.DECLARED
    assert finding.evidence[0].field == "stopped_since"
    assert len(findings(outcomes)) == 1
    assert operations(outcomes) == []
    dates = deadline_dates(outcomes)
    assert set(dates) == {
        "stopped.deadline.control-plane-unsupported",
        "stopped.deadline.update-blocked",
    }


def test_stopped_deadlines_are_day_31_and_day_90() -> None:
    """STOP-3 ("after 30 days") is passed on day 31; STOP-2 ("90 days or more") is reached on
    day 90 itself."""
    outcomes = run("stopped", facts={"stopped_since": "2026-02-10"})
    assert deadline_dates(outcomes) == {
        "stopped.deadline.control-plane-unsupported": "2026-03-13",  # day 31
        "stopped.deadline.update-blocked": "2026-05-11",  # day 90
    }
    finding = only(outcomes, "stopped.recent")
    assert finding.message.args["unsupported_on"] == "2026-03-13"
    assert finding.message.args["blocked_on"] == "2026-05-11"


@pytest.mark.parametrize(("since", "days"), [("2026-01-29", 31), ("2025-12-02", 89)])
def test_stopped_past_30_days_control_plane_unsupported(since: str, days: int) -> None:
    outcomes = run("stopped", facts={"stopped_since": since})
    finding = only(outcomes, "stopped.control-plane-unsupported")
    assert finding.severity == "unsupported"
    assert finding.clauses == ("STOP-3",)
    assert finding.message.args["days"] == days
    assert [f.message.key for f in findings(outcomes)] == ["stopped.control-plane-unsupported"]
    assert decisions(outcomes) == {"upgrade": ("warn", ("STOP-3",))}
    assert list(deadline_dates(outcomes)) == ["stopped.deadline.update-blocked"]


@pytest.mark.parametrize(("since", "days"), [("2025-12-01", 90), ("2025-11-30", 91)])
def test_stopped_90_days_or_more_blocks_updates(since: str, days: int) -> None:
    """STOP-2: the seed's limit is 90 days *or more*, so day 90 blocks (day 89 does not, above)."""
    outcomes = run("stopped", facts={"stopped_since": since})
    blocked = only(outcomes, "stopped.update-blocked")
    assert blocked.severity == "blocked"
    assert blocked.clauses == ("STOP-2",)
    assert blocked.message.args == {"since": since, "days": days, "limit": 90}
    assert only(outcomes, "stopped.control-plane-unsupported").severity == "unsupported"
    assert decisions(outcomes) == {
        "upgrade": ("block", ("STOP-2",)),
        "update-os": ("block", ("STOP-2",)),
    }
    assert deadlines(outcomes) == []


def test_manual_stop_is_unsupported_at_once() -> None:
    outcomes = run("stopped", facts={"stopped_since": "2026-02-20", "stopped_by": "manual"})
    manual = only(outcomes, "stopped.manual")
    assert manual.severity == "unsupported"
    assert manual.clauses == ("STOP-1",)
    assert [item.field for item in manual.evidence] == ["stopped_since", "stopped_by"]
    assert only(outcomes, "stopped.recent").severity == "warning"


@pytest.mark.parametrize(("since", "clauses"), [
    ("2026-01-30", ("STOP-1",)),  # 30 days
    ("2026-01-29", ("STOP-1", "CONN-5")),  # 31 days
])  # fmt: skip
def test_manual_stop_past_30_days_cites_conn5(since: str, clauses: tuple[str, ...]) -> None:
    outcomes = run("stopped", facts={"stopped_since": since, "stopped_by": "manual"})
    assert only(outcomes, "stopped.manual").clauses == clauses


def test_manual_stop_without_a_date_is_unsupported_and_asks_for_the_date() -> None:
    outcomes = run("stopped", facts={"stopped_by": "manual"})
    assert only(outcomes, "stopped.manual").clauses == ("STOP-1",)
    assert any("stopped_since" in need for gap in gaps(outcomes) for need in english(gap.needs))


def test_all_nodes_not_ready_is_an_observed_stop_since_the_latest_transition() -> None:
    nodes = [
        node("moc-1", ready=False, ready_since="2026-01-20T08:00:00Z"),
        node("moc-2", ready=False, ready_since="2026-01-25T23:30:00+00:00"),
    ]
    outcomes = run("stopped", nodes=nodes)
    finding = only(outcomes, "stopped.control-plane-unsupported")  # 35 days
    assert finding.message.args == {"since": "2026-01-25", "days": 35}
    evidence = finding.evidence[0]
    assert evidence.provenance == Provenance.OBSERVED
    assert "all nodes NotReady since" in evidence.field
    assert evidence.value == "2026-01-25T23:30:00Z"
    assert evidence.source == "kubernetes/nodes.json"


def test_observed_stop_wins_over_the_declared_date() -> None:
    nodes = [node("moc-1", ready=False, ready_since="2026-02-20T00:00:00Z")]
    outcomes = run("stopped", nodes=nodes, facts={"stopped_since": "2025-10-01"})
    finding = only(outcomes, "stopped.recent")
    assert finding.message.args["since"] == "2026-02-20"
    assert finding.evidence[0].provenance == Provenance.OBSERVED


def test_not_ready_nodes_without_transition_times_fall_back_to_facts() -> None:
    bare = node("moc-1", ready=False)
    bare["status"]["conditions"] = []
    with pytest.raises(NotEvaluated):
        run("stopped", nodes=[bare])
    outcomes = run("stopped", nodes=[bare], facts={"stopped_since": "2026-02-25"})
    assert only(outcomes, "stopped.recent").evidence[0].provenance == Provenance.DECLARED


def test_declared_stop_contradicted_by_ready_nodes_is_reported_and_ignored() -> None:
    outcomes = run(
        "stopped",
        nodes=[node("moc-1"), node("moc-2", ready=False)],
        facts={"stopped_since": "2025-01-01", "stopped_by": "manual"},
    )
    finding = only(outcomes, "stopped.running")
    assert finding.severity == "info"
    assert finding.message.args == {"ready": 1, "nodes": 2}
    assert [item.provenance for item in finding.evidence] == [
        Provenance.OBSERVED,
        Provenance.DECLARED,
    ]
    assert operations(outcomes) == [] and deadlines(outcomes) == []


# --- connectivity -----------------------------------------------------------------------------


def connected(status: str | None, last: str | None = None) -> dict[str, Any]:
    """The 2026-05-01 GetCluster example with the fields its spec example leaves out, marked
    as AKS Arc marks the connected cluster it provisions (the 2024-01-01 KindExample)."""
    body = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    body["kind"] = "ProvisionedCluster"
    if status is not None:
        body["properties"]["connectivityStatus"] = status
    if last is not None:
        body["properties"]["lastConnectivityTime"] = last
    return body


def azure_local(status: str, last_sync: str) -> dict[str, Any]:
    body = reference_body("azurestackhci-2024-04-01-GetCluster.json")
    body["properties"]["status"] = status
    body["properties"]["connectivityStatus"] = status
    body["properties"]["lastSyncTimestamp"] = last_sync
    return body


WINDOWS = {"host_platform": {"kind": "windows-server", "version": "2022"}}


def test_connectivity_needs_some_source() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run("connectivity")
    needs = " ".join(english(raised.value.needs))
    assert "connected-cluster.json" in needs
    assert "disconnected_since" in needs
    assert "azure-local-cluster.json" in needs


def test_connected_payload_without_status_is_not_an_observation() -> None:
    with pytest.raises(NotEvaluated):
        run("connectivity", connected_cluster=connected(None))


def test_connected_cluster_has_no_finding() -> None:
    payload = connected("Connected", "2026-02-28T23:59:00Z")
    assert run("connectivity", connected_cluster=payload) == []


@pytest.mark.parametrize("status", ["Connecting", "AgentNotInstalled"])
def test_not_yet_connected_is_info(status: str) -> None:
    outcomes = run("connectivity", connected_cluster=connected(status))
    finding = only(outcomes, "connectivity.pending")
    assert finding.severity == "info"
    assert finding.message.args == {"status": status}
    assert operations(outcomes) == []


@pytest.mark.parametrize(
    ("last", "days"),
    [
        ("2026-01-31T10:00:00.472000+00:00", 29),  # az CLI prints +00:00 and microseconds
        ("2026-01-30T10:00:00Z", 30),  # ARM JSON prints Z
    ],
)
def test_offline_up_to_30_days_is_a_warning(last: str, days: int) -> None:
    outcomes = run("connectivity", connected_cluster=connected("Offline", last))
    finding = only(outcomes, "connectivity.disconnected")
    assert finding.severity == "warning"
    assert finding.clauses == ("CONN-2", "CONN-1")
    assert finding.message.args["days"] == days
    end = "2026-03-03" if days == 29 else "2026-03-02"
    assert finding.deadline is not None and finding.deadline.isoformat() == end
    assert [item.field for item in finding.evidence] == [
        "properties.connectivityStatus",
        "properties.lastConnectivityTime",
    ]
    assert all(item.provenance == Provenance.OBSERVED for item in finding.evidence)
    assert finding.evidence[0].object == "connectedClusters/connectedCluster1"
    assert decisions(outcomes) == {"upgrade": ("warn", ("CONN-2",)), "scale": ("warn", ("CONN-2",))}
    assert deadline_dates(outcomes) == {
        "connectivity.deadline.day2-blocked": end,
        "connectivity.deadline.new-vms-refused": end,
    }


@pytest.mark.parametrize("last", ["2026-01-29T00:00:00Z", "2026-01-29T00:00:00+00:00"])
def test_offline_past_30_days_blocks_day2_operations_and_new_vms(last: str) -> None:
    outcomes = run("connectivity", connected_cluster=connected("Offline", last))
    finding = only(outcomes, "connectivity.disconnected-long")
    assert finding.severity == "blocked"
    assert finding.clauses == ("CONN-1", "CONN-3")
    assert finding.message.args == {"status": "Offline", "since": "2026-01-29", "days": 31,
                                     "limit": 30}  # fmt: skip
    assert decisions(outcomes) == {
        "upgrade": ("block", ("CONN-1",)),
        "scale": ("block", ("CONN-1",)),
        "create-nodepool": ("block", ("CONN-1",)),
        "create-vm": ("block", ("CONN-3",)),
    }
    assert deadlines(outcomes) == []


def test_windows_server_hosts_keep_creating_vms() -> None:
    outcomes = run(
        "connectivity",
        connected_cluster=connected("Offline", "2026-01-01T00:00:00Z"),
        facts=WINDOWS,
    )
    finding = only(outcomes, "connectivity.disconnected-long")
    assert finding.clauses == ("CONN-1", "CONN-4")
    assert finding.evidence[-1].field == "host_platform"
    assert finding.evidence[-1].provenance == Provenance.DECLARED
    assert decisions(outcomes)["create-vm"] == ("allow", ("CONN-4",))
    assert decisions(outcomes)["upgrade"] == ("block", ("CONN-1",))


def test_windows_server_has_no_new_vm_deadline() -> None:
    outcomes = run(
        "connectivity",
        connected_cluster=connected("Offline", "2026-02-20T00:00:00Z"),
        facts=WINDOWS,
    )
    assert list(deadline_dates(outcomes)) == ["connectivity.deadline.day2-blocked"]


def test_expired_certificate_means_onboarding_again() -> None:
    outcomes = run("connectivity", connected_cluster=connected("Expired", "2025-12-01T00:00:00Z"))
    finding = only(outcomes, "connectivity.certificate-expired")
    assert finding.severity == "blocked"
    assert finding.clauses == ("CONN-1",)
    assert decisions(outcomes) == {
        "upgrade": ("block", ("CONN-1",)),
        "scale": ("block", ("CONN-1",)),
        "create-nodepool": ("block", ("CONN-1",)),
        "create-vm": ("block", ("CONN-3",)),
    }
    assert operations(outcomes)[0].reason.key == "connectivity.op.certificate-expired"


def test_expired_without_a_time_still_blocks_and_asks_for_the_date() -> None:
    outcomes = run("connectivity", connected_cluster=connected("Expired"))
    assert only(outcomes, "connectivity.certificate-expired").severity == "blocked"
    assert "create-vm" not in decisions(outcomes)
    assert len(gaps(outcomes)) == 1


def test_offline_without_a_time_warns_and_asks_for_the_date() -> None:
    outcomes = run("connectivity", connected_cluster=connected("Offline"))
    finding = only(outcomes, "connectivity.disconnected-since-unknown")
    assert finding.severity == "warning"
    assert decisions(outcomes) == {"upgrade": ("warn", ("CONN-2",)), "scale": ("warn", ("CONN-2",))}
    assert any(
        "disconnected_since" in need for gap in gaps(outcomes) for need in english(gap.needs)
    )


def test_declared_date_fills_a_missing_connectivity_time() -> None:
    outcomes = run(
        "connectivity",
        connected_cluster=connected("Offline"),
        facts={"disconnected_since": "2026-01-01"},
    )
    finding = only(outcomes, "connectivity.disconnected-long")
    assert [item.provenance for item in finding.evidence] == [
        Provenance.OBSERVED,
        Provenance.DECLARED,
    ]
    assert gaps(outcomes) == []


def test_declared_disconnection_without_azure_data() -> None:
    outcomes = run("connectivity", facts={"disconnected_since": "2026-02-15"})
    finding = only(outcomes, "connectivity.disconnected")
    assert finding.message.args["days"] == 14
    assert [item.provenance for item in finding.evidence] == [Provenance.DECLARED]
    assert finding.evidence[0].field == "disconnected_since"


def test_observed_connection_wins_over_a_declared_disconnection() -> None:
    outcomes = run(
        "connectivity",
        connected_cluster=connected("Connected", "2026-02-28T00:00:00Z"),
        facts={"disconnected_since": "2025-01-01"},
    )
    assert outcomes == []


@pytest.mark.parametrize(
    ("last_sync", "key", "severity"),
    [
        ("2026-01-30T20:44:32.5625121Z", "connectivity.host-disconnected", "warning"),  # day 30
        ("2026-01-29T20:44:32.5625121Z", "connectivity.host-disconnected-long", "blocked"),  # 31
    ],
)
def test_azure_local_host_sync_window(last_sync: str, key: str, severity: str) -> None:
    """CONN-3: past 30 days the host refuses new VMs, and with them scale-out and new pools."""
    outcomes = run(
        "connectivity",
        connected_cluster=connected("Connected", "2026-02-28T00:00:00Z"),
        azure_local_cluster=azure_local("NotConnectedRecently", last_sync),
    )
    finding = only(outcomes, key)
    assert finding.severity == severity
    assert finding.clauses == ("CONN-3",)
    assert finding.evidence[0].object == "clusters/myCluster"
    if severity == "blocked":
        assert decisions(outcomes) == {
            "create-vm": ("block", ("CONN-3",)),
            "scale": ("block", ("CONN-3",)),
            "create-nodepool": ("block", ("CONN-3",)),
        }
    else:
        assert operations(outcomes) == []
        assert deadline_dates(outcomes) == {
            "connectivity.deadline.host-new-vms-refused": "2026-03-02"
        }


def test_host_out_of_sync_alone_blocks_what_needs_new_vms_end_to_end() -> None:
    """The cluster's own Arc connection is fine (CONN-1 allows day-2 operations), but the host
    has not synced for 40 days: the gate refuses scale-out and new node pools under CONN-3,
    while an upgrade, which replaces VMs in place, stays allowed."""
    snap = make_snapshot(
        connected_cluster=connected("Connected", "2026-02-28T00:00:00Z"),
        azure_local_cluster=azure_local("NotConnectedRecently", "2026-01-20T08:00:00Z"),
    )
    ops = run_assess(snap, TODAY).operations
    for operation in ("create-vm", "scale", "create-nodepool"):
        assert ops[operation].decision == "block", operation
        assert "CONN-3" in ops[operation].clauses
        assert any(
            reason.key == "connectivity.op.host-disconnected-long"
            for reason in ops[operation].reasons
        )
    assert "CONN-3" not in ops["upgrade"].clauses


def test_synced_azure_local_host_alone_leaves_the_arc_connection_a_gap() -> None:
    payload = reference_body("azurestackhci-2024-04-01-GetCluster.json")  # ConnectedRecently
    outcomes = run("connectivity", azure_local_cluster=payload)
    assert findings(outcomes) == []
    assert len(gaps(outcomes)) == 1
    assert "connected-cluster.json" in english(gaps(outcomes)[0].needs)[0]


def test_disconnected_40_days_end_to_end() -> None:
    snap = make_snapshot(connected_cluster=connected("Offline", "2026-01-20T00:00:00Z"))
    result = run_assess(snap, TODAY)
    ops = result.operations
    for operation in ("upgrade", "scale", "create-nodepool", "create-vm"):
        assert ops[operation].decision == "block", operation
    assert "CONN-3" in ops["create-vm"].clauses
    mine = [finding for finding in result.findings if finding.rule == "connectivity"]
    assert [(f.message.key, f.severity) for f in mine] == [
        ("connectivity.disconnected-long", "blocked")
    ]

    snap = make_snapshot(
        connected_cluster=connected("Offline", "2026-01-20T00:00:00Z"), facts=WINDOWS
    )
    result = run_assess(snap, TODAY)
    assert result.operations["upgrade"].decision == "block"
    assert result.operations["scale"].decision == "block"
    assert result.operations["create-vm"].decision != "block"
    assert "CONN-4" in result.operations["create-vm"].clauses
    assert "connectivity" in result.coverage.evaluated


# --- subscription -----------------------------------------------------------------------------


def subscription(state: str) -> dict[str, Any]:
    body = reference_body("subscription-2022-12-01-GetSubscription.json")
    body["state"] = state
    return body


def test_subscription_needs_the_payload() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run("subscription")
    assert "subscription.json" in english(raised.value.needs)[0]


def test_enabled_subscription_has_no_finding() -> None:
    payload = reference_body("subscription-2022-12-01-GetSubscription.json")
    assert run("subscription", subscription=payload) == []


def test_a_deleted_subscription_starts_the_60_days_and_cannot_be_restored() -> None:
    """SUB-1 counts 60 days from a deletion as from a suspension; SUB-2 adds that a deleted
    subscription cannot be restored, so the warning says only a redeployment keeps support."""
    within = run(
        "subscription",
        subscription=subscription("Deleted"),
        facts={"subscription_state_since": "2026-01-01"},
    )
    deleted = only(within, "subscription.deleted")
    assert (deleted.severity, deleted.clauses) == ("warning", ("SUB-2",))
    assert deleted.evidence[0].object == "subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05"
    assert deleted.evidence[0].value == "Deleted"
    clock = only(within, "subscription.suspended")
    assert (clock.severity, clock.clauses) == ("warning", ("SUB-1",))
    assert [d.date.isoformat() for d in deadlines(within)] == ["2026-03-03"]
    past = run(
        "subscription",
        subscription=subscription("Deleted"),
        facts={"subscription_state_since": "2025-12-30"},
    )
    assert only(past, "subscription.suspended-expired").severity == "unsupported"
    assert only(past, "subscription.deleted").severity == "warning"
    unknown = run("subscription", subscription=subscription("Deleted"))
    assert only(unknown, "subscription.suspended-since-unknown").severity == "warning"
    assert gaps(unknown)


# ARM's documented subscription states (Microsoft.Resources SubscriptionState).
ARM_STATES = ("Enabled", "Warned", "PastDue", "Disabled", "Deleted")


@pytest.mark.parametrize(
    ("since", "days_left", "end"),
    [("2026-01-01", 2, "2026-03-03"), ("2025-12-31", 1, "2026-03-02")],
)
def test_suspended_within_60_days_is_a_warning(since: str, days_left: int, end: str) -> None:
    outcomes = run(
        "subscription",
        subscription=subscription("Disabled"),
        facts={"subscription_state_since": since},
    )  # 59 and 60 days: day 60 is the last day inside "after 60 days"
    finding = only(outcomes, "subscription.suspended")
    assert finding.severity == "warning"
    assert finding.clauses == ("SUB-1",)
    assert finding.message.args["days"] == days_left
    assert [item.provenance for item in finding.evidence] == [
        Provenance.OBSERVED,
        Provenance.DECLARED,
    ]
    assert finding.message.args["date"] == end  # day 61: since + 61
    assert deadline_dates(outcomes) == {"subscription.deadline.unsupported": end}
    assert finding.deadline is not None and finding.deadline.isoformat() == end


def test_suspended_past_60_days_is_unsupported() -> None:
    outcomes = run(
        "subscription",
        subscription=subscription("Disabled"),
        facts={"subscription_state_since": "2025-12-30"},
    )  # 61 days
    finding = only(outcomes, "subscription.suspended-expired")
    assert finding.severity == "unsupported"
    assert finding.message.args == {
        "state": "Disabled", "since": "2025-12-30", "date": "2026-03-01", "limit": 60,
    }  # fmt: skip
    assert deadlines(outcomes) == []


def test_suspended_without_a_date_warns_and_names_the_missing_fact() -> None:
    outcomes = run("subscription", subscription=subscription("Disabled"))
    finding = only(outcomes, "subscription.suspended-since-unknown")
    assert finding.severity == "warning"
    assert finding.deadline is None
    (gap,) = gaps(outcomes)
    assert "facts.yaml subscription_state_since" in english(gap.needs)[0]


@pytest.mark.parametrize("state", ["Warned", "PastDue"])
def test_warned_and_past_due_are_warnings_that_start_no_clock(state: str) -> None:
    """SUB-1: a PastDue subscription (payment overdue) and a Warned one still run their
    services; only Disabled and Deleted start the 60-day clock, so however long ago the state
    began, the cluster keeps its support and gets no deadline."""
    outcomes = run(
        "subscription",
        subscription=subscription(state),
        facts={"subscription_state_since": "2025-06-01"},  # 273 days
    )
    finding = only(outcomes, "subscription.warned")
    assert finding.severity == "warning"
    assert finding.clauses == ("SUB-1",)
    assert finding.message.args == {"state": state, "limit": 60}
    assert finding.evidence[0].value == state
    assert deadlines(outcomes) == [] and gaps(outcomes) == [] and operations(outcomes) == []


def test_each_arm_state_gets_its_own_treatment() -> None:
    """The real GetSubscription body with each of ARM's five states, 61 days after the change:
    only the two states that start the clock (Disabled, Deleted) make the cluster
    unsupported."""
    verdicts = {}
    for state in ARM_STATES:
        snap = make_snapshot(
            version={"gitVersion": "v1.31.10"},
            connected_cluster=aks_arc_connected(),
            subscription=subscription(state),
            facts={"subscription_state_since": "2025-12-30"},
        )
        verdicts[state] = run_assess(snap, TODAY).verdict
    assert verdicts == {
        "Enabled": "supported",
        "Warned": "at-risk",
        "PastDue": "at-risk",
        "Disabled": "unsupported",
        "Deleted": "unsupported",
    }
