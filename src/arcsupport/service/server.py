"""Running the service: migrate the database, then serve the app with uvicorn until stopped.

uvicorn's access log prints the request line and status only: tokens travel in the
Authorization header (or the page's cookie), never in a URL, so no log line holds one.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import uvicorn
from sqlalchemy.engine import URL

from arcsupport.errors import InputError
from arcsupport.i18n import Lang, text
from arcsupport.service.api.common import ServiceState
from arcsupport.service.app import create_app
from arcsupport.service.db import Database
from arcsupport.service.jobs import (
    InProcessScheduler,
    JobContext,
    QueueScheduler,
    Scheduler,
    run_worker,
)
from arcsupport.service.metrics import Metrics
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.settings import ServiceSettings


def now() -> datetime:
    return datetime.now(UTC)


def serve(url: URL, settings: ServiceSettings, lang: Lang = "en", jobs_only: bool = False) -> None:
    """Serve HTTP and run the background jobs: in this process on SQLite, on PostgreSQL as
    one of the job queue's workers; `jobs_only` runs a worker and serves nothing."""
    database = Database(url)
    if jobs_only and database.backend != "postgresql":
        database.dispose()
        raise InputError(
            "--jobs-only", "needs a PostgreSQL database: on SQLite, serve runs the jobs itself"
        )
    database.upgrade()
    state = ServiceState(database, settings, CurrentPolicy(), Metrics(), now)
    context = JobContext(database, state.policy, state.metrics, now)
    every = settings.reassess_check_seconds
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    if jobs_only:
        try:
            run_worker(context, url, every)
        finally:
            database.dispose()
        return
    scheduler: Scheduler = (
        QueueScheduler(context, url, every)
        if database.backend == "postgresql"
        else InProcessScheduler(context, every)
    )
    app = create_app(state, scheduler)
    where = f"http://{settings.host}:{settings.port}/"
    print(
        text(lang, "service.serving", url=where, where=database.where), file=sys.stderr, flush=True
    )
    try:
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="info", server_header=False
        )
    finally:
        database.dispose()
