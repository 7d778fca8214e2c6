"""The tenant's fleet as a whole: its deadlines (JSON, and an iCalendar feed), and the fleet
as the CLI's CSV and SARIF renderers write it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.report.documents.service import DEADLINES_SCHEMA, DeadlinesDoc
from arcsupport.service import store
from arcsupport.service.api.clusters import Cursor, Lang, Limit
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    State,
    Viewer,
    conditional,
    documented,
    json_body,
    lang_of,
    text_responses,
)
from arcsupport.service.api.documents import tenant_deadlines

router = APIRouter(prefix="/api/v1", tags=["fleet"])


@router.get(
    "/deadlines",
    summary="The tenant's deadlines, soonest first",
    responses=documented(200, DeadlinesDoc, "A page of deadlines", errors=(*AUTH_ERRORS, 304)),
)
async def list_deadlines(
    request: Request,
    state: State,
    caller: Viewer,
    before: Annotated[date | None, Query(description="Only deadlines before this day.")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    lang: Lang = "en",
) -> Response:
    language = lang_of(lang)

    def document() -> bytes:
        with state.database.reading() as session:
            rows, following = store.deadlines(session, caller.tenant_id, before, cursor, limit)
            return json_body(
                DeadlinesDoc(
                    schema=DEADLINES_SCHEMA,
                    deadlines=tenant_deadlines(rows, language),
                    next_cursor=following,
                )
            )

    return conditional(request, await run_in_threadpool(document), "application/json")


@router.get(
    "/deadlines.ics",
    summary="The tenant's deadlines as an iCalendar feed",
    responses=text_responses("iCalendar (RFC 5545), one event per deadline", "text/calendar"),
)
async def deadlines_feed(
    request: Request, state: State, caller: Viewer, lang: Lang = "en"
) -> Response:
    language = lang_of(lang)

    def feed() -> bytes:
        from arcsupport.report.ical import render_ical

        with state.database.reading() as session:
            judgements = store.latest_judgements(session, caller.tenant_id)
        return render_ical(judgements, language)

    return conditional(request, await run_in_threadpool(feed), "text/calendar; charset=utf-8")


@router.get(
    "/fleet.csv",
    summary="The tenant's fleet as CSV, as `arcsupport fleet -o csv` writes it",
    responses=text_responses("CSV, one row per cluster, most urgent first", "text/csv"),
)
async def fleet_csv(request: Request, state: State, caller: Viewer, lang: Lang = "en") -> Response:
    language = lang_of(lang)

    def table() -> bytes:
        from arcsupport.report.csvout import render_csv

        with state.database.reading() as session:
            judgements = store.latest_judgements(session, caller.tenant_id)
        return render_csv(judgements, language).encode("utf-8")

    return conditional(request, await run_in_threadpool(table), "text/csv; charset=utf-8")


@router.get(
    "/fleet.sarif",
    summary="The tenant's fleet as SARIF 2.1.0, as `arcsupport fleet -o sarif` writes it",
    responses=text_responses(
        "SARIF 2.1.0, one run; each cluster a logical location", "application/sarif+json"
    ),
)
async def fleet_sarif(
    request: Request, state: State, caller: Viewer, lang: Lang = "en"
) -> Response:
    language = lang_of(lang)

    def log() -> bytes:
        from arcsupport.report.sarif import render_sarif

        with state.database.reading() as session:
            judgements = store.latest_judgements(session, caller.tenant_id)
        return render_sarif(judgements, state.policy.get().pack, language).encode("utf-8")

    return conditional(request, await run_in_threadpool(log), "application/sarif+json")
