"""The notification job: plan the deliveries now due, then claim, send and record them.

Exactly once rests on the database, not on which worker runs: a delivery row exists once per
event and channel (its unique key), and a worker sends only the rows it has claimed in a
committed transaction (status `sending`, its own claim id, a lease), so two workers, two
threads or two replicas never send the same row. On PostgreSQL the claim skips rows another
worker has locked (FOR UPDATE SKIP LOCKED); on SQLite, a writing transaction holds the write
lock from its start, so claims take turns.

The one gap no database closes: a worker that dies after the receiver took the notice and
before it recorded that. Its claim lapses after `LEASE` and the notice is sent again, with the
same event id (and e-mail Message-ID), so that a receiver can tell.

A failed attempt is retried after `BACKOFF` (bounded: after the last, the delivery is `failed`);
a failure that trying again cannot fix fails at once. A channel that failed once in a run is not
tried again in that run (its other deliveries wait for the next): one receiver that is down
or slow never holds up the others.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, or_, select

from arcsupport.service.db import Database
from arcsupport.service.models import NotifyAttempt, NotifyChannel, NotifyDelivery
from arcsupport.service.notify import render, send
from arcsupport.service.notify.notice import decode_notice, plan
from arcsupport.service.notify.settings import SmtpTarget, decode_target

log = logging.getLogger("arcsupport.service")

# Waits before the 2nd, 3rd... attempt; after the last attempt the delivery has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Longer than a claimed batch can take to send (CLAIM deliveries, each bounded by the HTTP
# and SMTP timeouts), so that a claim lapses only when its worker is gone.
CLAIM = 10
LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class Notified:
    planned: int
    sent: int
    retrying: int
    failed: int
    postponed: int


@dataclass(frozen=True)
class _Claimed:
    id: int
    claim: str
    channel_id: int
    kind: str
    target: str
    notice: bytes


def _claim(database: Database, due_by: datetime, now: datetime) -> list[_Claimed]:
    """Up to CLAIM deliveries due by `due_by`, claimed for this worker until now + LEASE.
    Deliveries of a removed channel are cancelled on the way."""
    claim = uuid.uuid4().hex
    with database.writing() as session:
        rows = session.execute(
            select(NotifyDelivery, NotifyChannel)
            .join(NotifyChannel, NotifyChannel.id == NotifyDelivery.channel_id)
            .where(
                or_(
                    and_(
                        NotifyDelivery.status == "pending",
                        NotifyDelivery.next_attempt_at <= due_by,
                    ),
                    and_(NotifyDelivery.status == "sending", NotifyDelivery.claimed_until < now),
                )
            )
            .order_by(NotifyDelivery.next_attempt_at, NotifyDelivery.id)
            .limit(CLAIM)
            .with_for_update(skip_locked=True, of=NotifyDelivery)
        ).all()
        claimed = []
        for delivery, channel in rows:
            if channel.removed_at is not None:
                delivery.status = "cancelled"
                delivery.claim = None
                continue
            delivery.status = "sending"
            delivery.claim = claim
            delivery.claimed_until = now + LEASE
            claimed.append(
                _Claimed(
                    delivery.id, claim, channel.id, channel.kind, channel.target, delivery.notice
                )
            )
        return claimed


def _send(item: _Claimed, client: httpx.Client) -> None:
    notice = decode_notice(item.notice)
    target = decode_target(item.target)
    if isinstance(target, SmtpTarget):
        send.send_mail(target, render.email_message(notice, target))
        return
    if item.kind == "slack":
        payload = render.json_bytes(render.slack_payload(notice))
    elif item.kind == "teams":
        payload = render.json_bytes(render.teams_payload(notice))
    else:
        payload = render.webhook_body(notice)
    send.post_json(target, payload, client)


def _record(
    database: Database, item: _Claimed, now: datetime, failure: send.DeliveryFailed | None
) -> str:
    """The attempt's outcome: `sent`, `pending` (to retry) or `failed`; `lost` when the claim
    lapsed and another worker holds the delivery now."""
    with database.writing() as session:
        row = session.get(NotifyDelivery, item.id, with_for_update=True)
        if row is None or row.claim != item.claim or row.status != "sending":
            return "lost"
        row.attempts += 1
        row.claim = None
        row.claimed_until = None
        session.add(
            NotifyAttempt(
                delivery_id=row.id, at=now, error=None if failure is None else str(failure)
            )
        )
        if failure is None:
            row.status = "sent"
            row.sent_at = now
            row.last_error = None
        else:
            row.last_error = str(failure)
            if failure.permanent or row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            else:
                row.status = "pending"
                row.next_attempt_at = now + BACKOFF[row.attempts - 1]
        return row.status


def _postpone(database: Database, item: _Claimed, now: datetime) -> None:
    """Handed back untried, for the next run (its channel has just failed)."""
    with database.writing() as session:
        row = session.get(NotifyDelivery, item.id, with_for_update=True)
        if row is not None and row.claim == item.claim and row.status == "sending":
            row.status = "pending"
            row.claim = None
            row.claimed_until = None
            row.next_attempt_at = now + BACKOFF[0]


def deliver_due(
    database: Database, clock: Callable[[], datetime], client: httpx.Client | None = None
) -> Notified:
    """One run: the deliveries due when it starts are each tried once (or postponed)."""
    started = clock()
    with database.writing() as session:
        planned = plan(session, started)
    counts = {"sent": 0, "pending": 0, "failed": 0, "lost": 0}
    postponed = 0
    broken: set[int] = set()
    http = client or httpx.Client(timeout=send.HTTP_TIMEOUT, follow_redirects=False)
    try:
        while claimed := _claim(database, started, clock()):
            for item in claimed:
                if item.channel_id in broken:
                    _postpone(database, item, clock())
                    postponed += 1
                    continue
                failure = None
                try:
                    _send(item, http)
                except send.DeliveryFailed as error:
                    failure = error
                    log.warning(
                        "notification %d to %s channel %d failed: %s",
                        item.id,
                        item.kind,
                        item.channel_id,
                        error,
                    )
                except Exception as error:
                    # A fault of arcsupport's own is recorded like a receiver's, and the run
                    # goes on with the other deliveries.
                    failure = send.DeliveryFailed(f"internal error: {type(error).__name__}")
                    log.exception("notification %d could not be sent", item.id)
                if failure is not None:
                    broken.add(item.channel_id)
                counts[_record(database, item, clock(), failure)] += 1
    finally:
        if client is None:
            http.close()
    result = Notified(planned, counts["sent"], counts["pending"], counts["failed"], postponed)
    if planned or any(counts.values()) or postponed:
        log.info(
            "notifications: %d new, %d sent, %d to retry, %d failed, %d postponed",
            result.planned,
            result.sent,
            result.retrying,
            result.failed,
            result.postponed,
        )
    return result
