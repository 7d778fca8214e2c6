"""Declared facts (facts.yaml) that cannot be true, or that the snapshot contradicts: each gets a
notice naming the fact and the contradiction, so that a typo in a date is never judged in
silence. The rules still read the declaration where nothing observed replaces it; observations
win where they exist (a Ready node, Azure's connection status)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from arcsupport.i18n.message import Message
from arcsupport.snapshot.model import Snapshot
from arcsupport.timeutil import as_utc

_DATES = ("stopped_since", "disconnected_since", "subscription_state_since")
# What a cluster's own existence bounds: it cannot have stopped or lost Azure before it existed.
_NOT_BEFORE_THE_CLUSTER = ("stopped_since", "disconnected_since")


def declared_fact_notices(snapshot: Snapshot, at: datetime) -> tuple[Message, ...]:
    return tuple(_contradictions(snapshot, at))


def _contradictions(snapshot: Snapshot, at: datetime) -> Iterator[Message]:
    facts = snapshot.facts
    if facts is None:
        return
    today = as_utc(at).date()
    collected = as_utc(snapshot.collected_at).date() if snapshot.collected_at else None
    oldest = _oldest_object(snapshot)
    for fact in _DATES:
        day: date | None = getattr(facts, fact)
        if day is None:
            continue
        value = day.isoformat()
        if day > today:
            yield Message(
                "engine.notice.fact-in-future",
                {"fact": fact, "value": value, "at": today.isoformat()},
            )
        elif collected is not None and day > collected:
            yield Message(
                "engine.notice.fact-after-collection",
                {"fact": fact, "value": value, "collected": collected.isoformat()},
            )
        if fact in _NOT_BEFORE_THE_CLUSTER and oldest is not None and day < oldest[1]:
            yield Message(
                "engine.notice.fact-before-cluster",
                {
                    "fact": fact,
                    "value": value,
                    "object": oldest[0],
                    "created": oldest[1].isoformat(),
                },
            )
    yield from _against_azure(snapshot, facts.disconnected_since, facts.subscription_state_since)


def _against_azure(
    snapshot: Snapshot, disconnected: date | None, subscription_since: date | None
) -> Iterator[Message]:
    connected = snapshot.connected_cluster
    if disconnected is not None and connected is not None:
        status = connected.properties.connectivityStatus
        last = connected.properties.lastConnectivityTime
        if status == "Connected":
            yield Message(
                "engine.notice.fact-connected",
                {"value": disconnected.isoformat(), "status": status},
            )
        elif last is not None and as_utc(last).date() > disconnected:
            yield Message(
                "engine.notice.fact-connected-later",
                {"value": disconnected.isoformat(), "last": as_utc(last).date().isoformat()},
            )
    subscription = snapshot.subscription
    if (
        subscription_since is not None
        and subscription is not None
        and subscription.state == "Enabled"
    ):
        yield Message(
            "engine.notice.fact-subscription-enabled",
            {"value": subscription_since.isoformat(), "state": subscription.state},
        )


def _oldest_object(snapshot: Snapshot) -> tuple[str, date] | None:
    """The oldest Namespace or Node and the day it was created: the cluster existed from then
    (kube-system is created when the cluster is)."""
    created = [
        (f"{item.kind}/{item.metadata.name}", as_utc(item.metadata.creationTimestamp).date())
        for item in (*(snapshot.namespaces or ()), *(snapshot.nodes or ()))
        if item.metadata.creationTimestamp is not None
    ]
    return min(created, key=lambda found: found[1]) if created else None
