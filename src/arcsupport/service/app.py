"""The FastAPI application: `create_app(state)` wires the routes, the one error shape, the
security headers and the background scheduler; `arcsupport serve` (cli/serve.py) runs it
with uvicorn.

Every answer, errors and crashes included, leaves through `_Guard`: it adds the security
headers and turns an exception nothing else handled into a 500 in the error shape (the
traceback goes to the server's log, never to the client).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arcsupport.errors import InputError, InputTooLarge, without_raised_by
from arcsupport.report.documents.service import ErrorBodyDoc, ErrorDoc
from arcsupport.report.schemas import components
from arcsupport.service.api import access, clusters, fleet, health, notifications, triage, uploads
from arcsupport.service.api.common import DOCUMENTS, ServiceError, ServiceState, json_body
from arcsupport.service.db import DatabaseError
from arcsupport.service.jobs import Scheduler
from arcsupport.service.web import routes as dashboard
from arcsupport.version import __version__

log = logging.getLogger("arcsupport.service")

_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# Tenant data is not kept by caches on the way or on disk; a client that keeps its own copy
# asks again with If-None-Match and gets a 304 while it is current.
_NO_STORE = (b"cache-control", b"no-store")
_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "unsupported-media-type",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = json_body(ErrorDoc(error=ErrorBodyDoc(code=code, message=message)))
    return Response(body, status, headers, media_type="application/json")


class _Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in {header for header, _ in _HEADERS}
                ]
                headers.extend(_HEADERS)
                # Only the dashboard's script and style sheets may be kept.
                if not static:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            response = error_response(500, "internal", "the service failed; the error is logged")
            await response(scope, receive, send_with_headers)


def _one_line(error: RequestValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "path"))
    message = " ".join(str(first.get("msg", "invalid request")).split())
    return f"{where}: {message}" if where else message


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_: Request, error: ServiceError) -> Response:
        return error_response(error.status, error.code, error.message, error.headers)

    @app.exception_handler(InputError)
    async def _input(_: Request, error: InputError) -> Response:
        too_large = isinstance(error, InputTooLarge)
        # The environment variable that would raise a limit is the operator's, not the uploader's.
        line = without_raised_by(str(error)) if too_large else str(error)
        line = line.replace("\r", "\\r").replace("\n", "\\n")
        status = 413 if too_large else 400
        return error_response(status, _CODES[status], line)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> Response:
        return error_response(400, "bad-request", _one_line(error))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> Response:
        code = _CODES.get(error.status_code, "error")
        headers = dict(error.headers) if error.headers else None
        return error_response(error.status_code, code, str(error.detail), headers)

    @app.exception_handler(DatabaseError)
    async def _database(_: Request, error: DatabaseError) -> Response:
        log.warning("database error: %s", error)
        return error_response(503, "unavailable", "the database is unavailable; try again")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description of the routes, with the documents' schemas generated from their
    msgspec Structs by the same function that writes the shipped JSON Schemas."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    prefix = "#/components/schemas/"
    roots, definitions = components(tuple(DOCUMENTS.values()), prefix + "{name}")
    for name, root in zip(DOCUMENTS, roots, strict=True):
        if root != {"$ref": prefix + name}:
            definitions[name] = root
    found = schema.setdefault("components", {}).setdefault("schemas", {})
    # Validation errors are answered 400 in the error shape, not FastAPI's 422.
    for name in ("HTTPValidationError", "ValidationError"):
        found.pop(name, None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    found.update(definitions)
    app.openapi_schema = schema
    return schema


def create_app(state: ServiceState, scheduler: Scheduler | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if scheduler is not None:
            await scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()

    app = FastAPI(
        title="arcsupport",
        version=__version__,
        description=(
            "AKS Arc clusters judged against the support policy, kept current as days pass. "
            "Every route but /healthz and /readyz needs `Authorization: Bearer TOKEN` "
            "(`arcsupport token create`), and shows the token's tenant only."
        ),
        docs_url=None,
        redoc_url=None,
        # Every route returns its Response itself and documents its own media types.
        default_response_class=Response,
        lifespan=lifespan,
    )
    app.state.service = state
    for module in (uploads, clusters, fleet, triage, access, notifications, health, dashboard):
        app.include_router(module.router)
    _handlers(app)
    app.add_middleware(_Guard)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
