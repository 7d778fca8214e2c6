"""Background work, behind one small interface so that where it runs can change: here, one
process runs it as an asyncio task (`InProcessScheduler`); with several replicas on PostgreSQL,
a job queue will run each job once across them (a later issue), calling the same jobs.

Re-assessment (`reassess_due`) reloads the policy and judges again every cluster judged before
today or by another pack. Looking every few minutes covers both triggers: a new day makes every
cluster due at the first look after midnight (UTC), and a changed pack at the first look after
the change. Notification (`notify_due`, notify/job.py) follows it in the same look, so that a
verdict that time changed is told at once; its "exactly once" is the database's, whichever
worker runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from arcsupport.service.db import Database, DatabaseError
from arcsupport.service.metrics import Metrics
from arcsupport.service.notify.job import Notified, deliver_due
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.reassess import Reassessed, due, reassess_all

log = logging.getLogger("arcsupport.service")


@dataclass(frozen=True)
class JobContext:
    database: Database
    policy: CurrentPolicy
    metrics: Metrics
    clock: Callable[[], datetime]


def reassess_due(context: JobContext) -> Reassessed | None:
    """Judge again what is due now; None when nothing was."""
    if context.policy.reload():
        log.info("the policy pack changed; every cluster is due for re-assessment")
    policy = context.policy.get()
    now = context.clock()
    if not due(context.database, policy, now):
        return None
    result = reassess_all(context.database, policy, now, context.metrics)
    log.info(
        "re-assessed %d clusters: %d judged otherwise, %d verdicts changed",
        result.clusters,
        result.changed,
        result.verdicts_changed,
    )
    return result


def notify_due(context: JobContext) -> Notified:
    """Send the notifications due now: reminders of near deadlines, verdict changes."""
    return deliver_due(context.database, context.clock)


class Scheduler(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessScheduler:
    """Runs `reassess_due`, then `notify_due`, at start and then every `every` seconds, in a
    worker thread (the judging is CPU work; the event loop keeps serving requests)."""

    def __init__(self, context: JobContext, every: float) -> None:
        self.context = context
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="arcsupport-reassessment")

    async def _loop(self) -> None:
        jobs: tuple[tuple[str, Callable[[JobContext], object]], ...] = (
            ("re-assessment", reassess_due),
            ("notification", notify_due),
        )
        while True:
            for name, job in jobs:
                try:
                    await run_in_threadpool(job, self.context)
                except DatabaseError as error:
                    # The database is away (a restart): the next look tries again.
                    log.warning("%s postponed: %s", name, error)
                except Exception:
                    # A fault in one run must not end the schedule: it is logged for the
                    # operator, and the next look tries again.
                    log.exception("%s failed", name)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
