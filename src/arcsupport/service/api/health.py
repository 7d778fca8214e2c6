"""Probes and metrics. `/healthz` (the process answers) and `/readyz` (the database answers
and its schema is current) need no token: an orchestrator calls them and they say nothing of
any tenant. `/metrics` needs one, and shows that token's tenant only (metrics.py)."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text as sql
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.service.api.common import AUTH_ERRORS, ServiceError, State, Viewer, error_responses
from arcsupport.service.db import DatabaseError

router = APIRouter(tags=["operations"])

_PLAIN = "text/plain; charset=utf-8"


@router.get("/healthz", summary="The process is up", responses={200: {"description": "ok"}})
async def healthz() -> Response:
    return Response("ok\n", media_type=_PLAIN)


@router.get(
    "/readyz",
    summary="The database answers and its schema is current",
    responses={200: {"description": "ready"}, **error_responses((503,))},
)
async def readyz(state: State) -> Response:
    def ready() -> bool:
        try:
            with state.database.reading() as session:
                session.execute(sql("SELECT 1"))
            return state.database.schema_current()
        except (DatabaseError, SQLAlchemyError):
            return False

    if not await run_in_threadpool(ready):
        raise ServiceError(503, "not-ready", "the database is unreachable or not migrated")
    return Response("ready\n", media_type=_PLAIN)


@router.get(
    "/metrics",
    summary="Prometheus metrics of the token's tenant",
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        },
        **error_responses(AUTH_ERRORS),
    },
)
async def metrics(state: State, caller: Viewer) -> Response:
    def exposition() -> bytes:
        with state.database.reading() as session:
            return state.metrics.exposition(
                session, caller.tenant_id, caller.tenant, state.clock().date()
            )

    return Response(await run_in_threadpool(exposition), media_type=CONTENT_TYPE_LATEST)
