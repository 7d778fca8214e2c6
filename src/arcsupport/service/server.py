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

from arcsupport.i18n import Lang, text
from arcsupport.service.api.common import ServiceState
from arcsupport.service.app import create_app
from arcsupport.service.db import Database
from arcsupport.service.jobs import InProcessScheduler, JobContext
from arcsupport.service.metrics import Metrics
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.settings import ServiceSettings


def now() -> datetime:
    return datetime.now(UTC)


def serve(url: URL, settings: ServiceSettings, lang: Lang = "en") -> None:
    database = Database(url)
    database.upgrade()
    state = ServiceState(database, settings, CurrentPolicy(), Metrics(), now)
    scheduler = InProcessScheduler(
        JobContext(database, state.policy, state.metrics, now), settings.reassess_check_seconds
    )
    app = create_app(state, scheduler)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
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
