"""Background work: the jobs, and the two places they run.

Every job is listed in `JOBS` below, and only there: a function taking the `JobContext`,
run every period (`ServiceSettings.reassess_check_seconds`), that looks for what is due and
does it, so that running it with nothing due is cheap. To add a job, write a function of the
`JobContext` and add `(name, function)` to `JOBS`; both runners pick it up:

- `InProcessScheduler` (one process, the embedded SQLite default): every job in turn, every
  period, in a worker thread of the server.
- `QueueScheduler` and `run_worker` (PostgreSQL): each job is a procrastinate periodic task;
  every `arcsupport serve` on PostgreSQL is also a worker, and `serve --jobs-only` adds
  workers without serving HTTP. procrastinate defers one job per period across all of them
  (a unique row per task and tick), `queueing_lock` keeps at most one waiting, and `lock`
  runs them one at a time: each run happens once, on one replica.

Re-assessment (`reassess_due`) reloads the policy and judges again every cluster judged before
today or by another pack. Looking every few minutes covers both triggers: a new day makes every
cluster due at the first look after midnight (UTC), and a changed pack at the first look after
the change. Notification (`notify_due`, notify/job.py) follows it in the same look (in process)
or the same tick (on the queue, where a verdict re-assessment changes is told at the next tick
at the latest); its "exactly once" is the database's unique delivery key, whichever worker
runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import URL
from starlette.concurrency import run_in_threadpool

from arcsupport.service.db import Database, DatabaseError
from arcsupport.service.metrics import Metrics
from arcsupport.service.notify.job import Notified, deliver_due
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.reassess import Reassessed, due, reassess_all

if TYPE_CHECKING:
    import procrastinate

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


# Run in this order, each every period: a verdict that re-assessment changed is told at once.
JOBS: tuple[tuple[str, Callable[[JobContext], object]], ...] = (
    ("reassess", reassess_due),
    ("notify", notify_due),
)


class Scheduler(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessScheduler:
    """Runs every job at start and then every `every` seconds, in a worker thread (the
    judging is CPU work; the event loop keeps serving requests)."""

    def __init__(self, context: JobContext, every: float) -> None:
        self.context = context
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="arcsupport-reassessment")

    async def _loop(self) -> None:
        while True:
            for name, job in JOBS:
                try:
                    await run_in_threadpool(job, self.context)
                except DatabaseError as error:
                    # The database is away (a restart): the next look tries again.
                    log.warning("job %s postponed: %s", name, error)
                except Exception:
                    # A fault in one run must not end the schedule: it is logged for the
                    # operator, and the next look tries again.
                    log.exception("job %s failed", name)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _cron(every: float) -> str:
    """A cron line for a period: whole minutes, else seconds (croniter's sixth field)."""
    seconds = max(1, round(every))
    if seconds % 60 == 0:
        return f"*/{seconds // 60} * * * *"
    return f"* * * * * */{seconds}"


def queue_app(context: JobContext, url: URL, every: float) -> procrastinate.App:
    """The procrastinate app of the service's database, each job of `JOBS` a periodic task."""
    from procrastinate import App, PsycopgConnector

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    app = App(connector=PsycopgConnector(conninfo=conninfo))
    for name, job in JOBS:

        def run(timestamp: int, job: Callable[[JobContext], object] = job) -> None:
            job(context)

        task = app.task(name=name, lock=name, queueing_lock=name)(run)
        app.periodic(cron=_cron(every), periodic_id=name)(task)
    return app


class QueueScheduler:
    """This server as one of the queue's workers, beside serving requests."""

    def __init__(self, context: JobContext, url: URL, every: float) -> None:
        self.app = queue_app(context, url, every)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.app.open_async()
        self._task = asyncio.create_task(
            self.app.run_worker_async(install_signal_handlers=False, delete_jobs="successful"),
            name="arcsupport-jobs",
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.app.close_async()


def run_worker(context: JobContext, url: URL, every: float) -> None:
    """`arcsupport worker`: run the queue's jobs until stopped (SIGINT, SIGTERM)."""
    queue_app(context, url, every).run_worker(delete_jobs="successful")
