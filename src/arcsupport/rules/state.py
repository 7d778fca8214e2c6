"""Stopped clusters (STOP-1..3, CONN-5), disconnected clusters and hosts (CONN-1..4), and the
Azure subscription's state (SUB-1, SUB-2).

Each of these clocks starts at a date: observed where Azure or the nodes tell it, otherwise
shown by earlier scans (the fleet service's history) or declared in facts.yaml (rules.facts
`Facts.since` weighs the two), and counts whole days from it (the day the state began is day 0). The
seed words its limits two ways, and each boundary follows its wording:
  "after N days", "longer than N days", "fine within N days" (STOP-3 and CONN-5 at 30 days
  stopped, CONN-1 and CONN-3 at 30 days without Azure, SUB-1 at 60 days suspended): the limit
  is passed once more than N days have gone by, so day N is the last day inside it and the
  deadline is since + N + 1;
  "N days or more" (STOP-2 at 90 days stopped): the limit is reached on day N itself, and the
  deadline is since + N.
A deadline is the first day the limit applies, like every deadline in a report.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import date, datetime, timedelta
from typing import TypedDict

from arcsupport.i18n.message import Message
from arcsupport.rules.facts import Since, moment
from arcsupport.rules.outcome import Evidence, Gap, NotEvaluated, Outcome
from arcsupport.rules.rule import Context, rule
from arcsupport.snapshot.kube import Node
from arcsupport.timeutil import as_utc
from arcsupport.types import Operation


def _lost_on(since: date, days: int) -> date:
    """The first day on which more than `days` whole days have passed since `since`."""
    return since + timedelta(days=days + 1)


def _reached_on(since: date, days: int) -> date:
    """The first day on which `days` whole days or more have passed since `since`."""
    return since + timedelta(days=days)


# --- stopped ----------------------------------------------------------------------------------

_NEEDS_STOPPED = (Message("needs.node-ready"), Message("needs.stopped-since"))


def _all_not_ready_since(ctx: Context, not_ready: list[Node]) -> Since | None:
    """The cluster counts as stopped from the moment its last node stopped being Ready."""
    latest: datetime | None = None
    for item in not_ready:
        condition = item.condition("Ready")
        if condition is None or condition.lastTransitionTime is None:
            continue
        changed = as_utc(condition.lastTransitionTime)
        if latest is None or changed > latest:
            latest = changed
    if latest is None:
        return None
    evidence = ctx.facts.evidence(
        "kubernetes/nodes",
        f"nodes (all {len(not_ready)} NotReady)",
        "all nodes NotReady since (latest status.conditions[Ready].lastTransitionTime)",
        moment(latest),
    )
    return Since(latest.date(), evidence)


def _declared_but_running(ctx: Context, ready: int, total: int) -> Outcome:
    evidence = [
        ctx.facts.evidence(
            "kubernetes/nodes", "nodes", "status.conditions[Ready]", f"{ready} of {total} Ready"
        )
    ]
    declared = ctx.snapshot.facts
    if declared is not None and declared.stopped_since is not None:
        evidence.append(ctx.facts.declared_since("stopped_since", declared.stopped_since).evidence)
    return ctx.finding("running", "info", ("STOP-1", "STOP-3"), evidence, ready=ready, nodes=total)


class _StopArgs(TypedDict):
    since: str
    days: int


_UPDATES: tuple[Operation, ...] = ("upgrade", "update-os")


@rule(
    "stopped",
    clauses=("STOP-1", "STOP-2", "STOP-3", "CONN-5"),
    needs=_NEEDS_STOPPED,
    operations=("upgrade", "update-os"),
    inert_without=("facts", "nodes", "history"),
)
def stopped(ctx: Context) -> Iterator[Outcome]:
    declared = ctx.snapshot.facts
    declared_since = declared.stopped_since if declared is not None else None
    manual = declared is not None and declared.stopped_by == "manual"
    nodes = ctx.snapshot.nodes or []
    since: Since | None = None
    if nodes:
        ready, not_ready = ctx.facts.ready_nodes
        if ready:
            # Ready nodes are an observation, and observations win over declared facts.
            if declared_since is not None or manual:
                yield _declared_but_running(ctx, len(ready), len(nodes))
            return
        since = _all_not_ready_since(ctx, not_ready)
    if since is None:
        # The nodes do not tell (none read, or no transition times): the scans before this one
        # or facts.yaml may.
        since = ctx.facts.since("stopped_since", "stopped")

    manual_evidence = (
        [ctx.facts.evidence("facts", "facts.yaml", "stopped_by", "manual")] if manual else []
    )
    if since is None:
        if not manual:
            raise NotEvaluated(Message("needs.stopped-either"))
        # STOP-1 needs no duration; the 30- and 90-day clauses do.
        yield ctx.finding("manual", "unsupported", ("STOP-1",), manual_evidence)
        yield Gap((Message("needs.stopped-date"),))
        return

    limits = ctx.pack.thresholds
    days = (ctx.today - since.day).days
    unsupported_on = _lost_on(since.day, limits.stopped_unsupported_days)
    blocked_on = _reached_on(since.day, limits.stopped_update_blocked_days)
    evidence = [since.evidence, *manual_evidence]
    args = _StopArgs(since=since.day.isoformat(), days=days)

    if manual:
        past_window = ctx.today >= unsupported_on
        clauses = ("STOP-1", "CONN-5") if past_window else ("STOP-1",)
        yield ctx.finding("manual", "unsupported", clauses, evidence, **args)
    if ctx.today >= blocked_on:
        yield ctx.finding("control-plane-unsupported", "unsupported", ("STOP-3",), evidence, **args)
        yield ctx.finding(
            "update-blocked", "blocked", ("STOP-2",), evidence,
            limit=limits.stopped_update_blocked_days, **args,
        )  # fmt: skip
        for operation in _UPDATES:
            yield ctx.operation(operation, "block", ("STOP-2",), "update-blocked", **args)
    elif ctx.today >= unsupported_on:
        yield ctx.finding(
            "control-plane-unsupported", "unsupported", ("STOP-3",), evidence, blocked_on, **args
        )
        # STOP-3: the stopped control plane "cannot be updated to the latest version".
        yield ctx.operation("upgrade", "warn", ("STOP-3",), "control-plane-unsupported", **args)
        yield ctx.deadline(blocked_on, ("STOP-2",), "update-blocked")
    else:
        yield ctx.finding(
            "recent", "warning", ("STOP-3", "STOP-2"), evidence, unsupported_on,
            unsupported_on=unsupported_on.isoformat(), blocked_on=blocked_on.isoformat(), **args,
        )  # fmt: skip
        yield ctx.deadline(unsupported_on, ("STOP-3",), "control-plane-unsupported")
        yield ctx.deadline(blocked_on, ("STOP-2",), "update-blocked")


# --- connectivity -----------------------------------------------------------------------------

_NEEDS_ARC = Message("needs.arc-connectivity")
_NEEDS_DISCONNECTED_SINCE = Message("needs.disconnected-since")
_NEEDS_LAST_CONNECTED = Message("needs.last-connected")
_NEEDS_HOST = Message("needs.host-sync")


class _ConnArgs(TypedDict):
    status: str
    since: str
    days: int | str
    limit: int


# CONN-1: the day-2 operations that need Azure; CONN-2 lets the first two go on with a warning.
_DAY2: tuple[Operation, ...] = ("upgrade", "scale", "create-nodepool")
_DAY2_WARNED: tuple[Operation, ...] = ("upgrade", "scale")
# CONN-3: what a host that refuses new VMs stops. Scaling out and a new node pool each need new
# VMs (scaling in does not, but the gate's `scale` covers both directions).
_NEED_NEW_VMS: tuple[Operation, ...] = ("create-vm", "scale", "create-nodepool")


def _windows_host(ctx: Context) -> Evidence | None:
    host = ctx.facts.host_platform
    return host[2] if host is not None and host[0] == "windows-server" else None


def _cluster_connectivity(ctx: Context) -> Generator[Outcome, None, bool]:
    """The Arc connection of the cluster (CONN-1, CONN-2); False when nothing tells it."""
    limits = ctx.pack.thresholds
    connected = ctx.snapshot.connected_cluster
    status = connected.properties.connectivityStatus if connected is not None else ""
    evidence: list[Evidence] = []
    since: Since | None = None
    if connected is not None and status:
        if status == "Connected":
            return True
        name = f"connectedClusters/{connected.name}"
        evidence.append(
            ctx.facts.evidence(
                "azure/connected-cluster", name, "properties.connectivityStatus", status
            )
        )
        if status not in limits.arc_disconnected_states:
            # Connecting (no heartbeat yet), AgentNotInstalled, or a value newer than the spec.
            yield ctx.finding("pending", "info", ("CONN-1",), evidence, status=status)
            return True
        last = connected.properties.lastConnectivityTime
        if last is not None:
            since = Since(
                as_utc(last).date(),
                ctx.facts.evidence(
                    "azure/connected-cluster", name, "properties.lastConnectivityTime",
                    moment(last),
                ),
            )  # fmt: skip
    if since is None:
        since = ctx.facts.since("disconnected_since", "disconnected")
        if since is None and not status:
            return False
    if since is not None:
        evidence.append(since.evidence)
    yield from _disconnected(ctx, status, since, evidence)
    return True


def _disconnected(
    ctx: Context, status: str, since: Since | None, evidence: list[Evidence]
) -> Iterator[Outcome]:
    limits = ctx.pack.thresholds
    windows = _windows_host(ctx)
    if windows is not None:
        evidence = [*evidence, windows]
    host_clause = "CONN-4" if windows is not None else "CONN-3"
    expired = status in limits.arc_certificate_expired_states
    days = (ctx.today - since.day).days if since is not None else None
    end = _lost_on(since.day, limits.disconnected_days) if since is not None else None
    args = _ConnArgs(
        status=status or "-",
        since=since.day.isoformat() if since is not None else "?",
        days=days if days is not None else "?",
        limit=limits.disconnected_days,
    )
    past_window = days is not None and days > limits.disconnected_days

    if expired:
        # The managed-identity certificate cannot be renewed from outside: the agents must be
        # deleted and onboarded again, however long the cluster has been offline.
        yield ctx.finding("certificate-expired", "blocked", ("CONN-1",), evidence, **args)
        for operation in _DAY2:
            yield ctx.operation(operation, "block", ("CONN-1",), "certificate-expired", **args)
    elif past_window:
        yield ctx.finding("disconnected-long", "blocked", ("CONN-1", host_clause), evidence, **args)
        for operation in _DAY2:
            yield ctx.operation(operation, "block", ("CONN-1",), "disconnected-long", **args)
    elif end is not None:
        yield ctx.finding(
            "disconnected", "warning", ("CONN-2", "CONN-1"), evidence, end,
            date=end.isoformat(), **args,
        )  # fmt: skip
        for operation in _DAY2_WARNED:
            yield ctx.operation(operation, "warn", ("CONN-2",), "disconnected", **args)
        yield ctx.deadline(end, ("CONN-1",), "day2-blocked")
    else:
        yield ctx.finding("disconnected-since-unknown", "warning", ("CONN-2",), evidence, **args)
        for operation in _DAY2_WARNED:
            yield ctx.operation(operation, "warn", ("CONN-2",), "disconnected", **args)

    # CONN-3: the host refuses new VMs after the same 30 days, except on Windows Server (CONN-4).
    if end is None:
        yield Gap((_NEEDS_LAST_CONNECTED,))
    elif past_window:
        if windows is not None:
            yield ctx.operation("create-vm", "allow", ("CONN-4",), "windows-server", **args)
        else:
            yield ctx.operation("create-vm", "block", ("CONN-3",), "new-vms-refused", **args)
    elif windows is None:
        yield ctx.deadline(end, ("CONN-3",), "new-vms-refused")


def _host_connectivity(ctx: Context) -> Generator[Outcome, None, bool]:
    """Azure Local's own sync with Azure (CONN-3); False when there is no Azure Local payload."""
    host = ctx.snapshot.azure_local_cluster
    if host is None:
        return False
    props = host.properties
    name = f"clusters/{host.name}"
    states = ctx.pack.thresholds.azure_local_disconnected_states
    flagged = next(
        (
            (field, value)
            for field, value in (
                ("properties.status", props.status),
                ("properties.connectivityStatus", props.connectivityStatus),
            )
            if value in states
        ),
        None,
    )
    if flagged is None:
        return bool(props.status or props.connectivityStatus)
    evidence = [ctx.facts.evidence("azure/azure-local-cluster", name, *flagged)]
    last = props.lastSyncTimestamp
    if last is None:
        yield Gap((Message("needs.host-sync-time"),))
        return True
    evidence.append(
        ctx.facts.evidence(
            "azure/azure-local-cluster", name, "properties.lastSyncTimestamp", moment(last)
        )
    )
    limit = ctx.pack.thresholds.disconnected_days
    since = as_utc(last).date()
    days = (ctx.today - since).days
    end = _lost_on(since, limit)
    args = _ConnArgs(status=flagged[1], since=since.isoformat(), days=days, limit=limit)
    if days > limit:
        yield ctx.finding("host-disconnected-long", "blocked", ("CONN-3",), evidence, **args)
        for operation in _NEED_NEW_VMS:
            yield ctx.operation(operation, "block", ("CONN-3",), "host-disconnected-long", **args)
    else:
        yield ctx.finding(
            "host-disconnected", "warning", ("CONN-3",), evidence, end,
            date=end.isoformat(), **args,
        )  # fmt: skip
        yield ctx.deadline(end, ("CONN-3",), "host-new-vms-refused")
    return True


@rule(
    "connectivity",
    clauses=("CONN-1", "CONN-2", "CONN-3", "CONN-4"),
    needs=(_NEEDS_ARC, _NEEDS_DISCONNECTED_SINCE, _NEEDS_HOST),
    operations=("upgrade", "scale", "create-nodepool", "create-vm"),
    inert_without=("connected_cluster", "facts", "azure_local_cluster", "history"),
)
def connectivity(ctx: Context) -> Iterator[Outcome]:
    cluster_known = yield from _cluster_connectivity(ctx)
    host_known = yield from _host_connectivity(ctx)
    if not cluster_known:
        if not host_known:
            raise NotEvaluated(Message("needs.any-connectivity"))
        yield Gap((Message("needs.cluster-connectivity"),))


# --- subscription -----------------------------------------------------------------------------

_NEEDS_SUBSCRIPTION = Message("needs.subscription")


class _SubArgs(TypedDict):
    state: str
    since: str
    date: str
    limit: int


@rule(
    "subscription",
    clauses=("SUB-1", "SUB-2"),
    needs=(_NEEDS_SUBSCRIPTION,),
    inert_without=("subscription",),
)
def subscription(ctx: Context) -> Iterator[Outcome]:
    found = ctx.snapshot.subscription
    if found is None or not found.state:
        raise NotEvaluated(_NEEDS_SUBSCRIPTION)
    limits = ctx.pack.thresholds
    state = found.state
    deleted = state in limits.subscription_deleted_states
    if not (
        deleted
        or state in limits.subscription_suspended_states
        or state in limits.subscription_warned_states
    ):
        return  # a subscription in good standing: nothing to say, no evidence to build
    evidence = [
        ctx.facts.evidence(
            "azure/subscription", f"subscriptions/{found.subscriptionId}", "state", state
        )
    ]
    if deleted:
        # SUB-1 gives a deleted subscription the same 60 days as a suspended one; SUB-2 adds
        # that it cannot be restored, so the only way to keep support is to redeploy in time.
        yield ctx.finding("deleted", "warning", ("SUB-2",), evidence, state=state)
    if deleted or state in limits.subscription_suspended_states:
        grace = limits.subscription_grace_days
        # ARM keeps no date for a change of state, so the 60 days start from a declared date,
        # or from the scans that saw the state.
        started = ctx.facts.since("subscription_state_since", state)
        if started is None:
            yield ctx.finding(
                "suspended-since-unknown", "warning", ("SUB-1",), evidence,
                state=state, limit=grace,
            )  # fmt: skip
            yield Gap((Message("needs.subscription-since", {"state": state}),))
            return
        evidence.append(started.evidence)
        since = started.day
        end = _lost_on(since, grace)
        args = _SubArgs(state=state, since=since.isoformat(), date=end.isoformat(), limit=grace)
        if (ctx.today - since).days > grace:
            yield ctx.finding("suspended-expired", "unsupported", ("SUB-1",), evidence, **args)
        else:
            yield ctx.finding(
                "suspended", "warning", ("SUB-1",), evidence, end,
                days=(end - ctx.today).days, **args,
            )  # fmt: skip
            yield ctx.deadline(end, ("SUB-1",), "unsupported", state=state)
    elif state in limits.subscription_warned_states:
        # Warned and PastDue subscriptions still run their services: the 60-day clock of SUB-1
        # starts only once Azure disables the subscription.
        yield ctx.finding(
            "warned", "warning", ("SUB-1",), evidence,
            state=state, limit=limits.subscription_grace_days,
        )  # fmt: skip
