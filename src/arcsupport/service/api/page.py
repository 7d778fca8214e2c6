"""`/`: the tenant's clusters as a plain page, for a browser. A browser cannot send a bearer
header by itself, so the page also takes the token from a cookie that `/sign-in` sets
(HttpOnly, SameSite=Strict, Secure over HTTPS). Only this page reads the cookie: every API
route wants the header, so a cross-site request can do nothing with it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from arcsupport.i18n import text
from arcsupport.report.clusters_page import render_clusters_page, render_sign_in
from arcsupport.service import store
from arcsupport.service.api.common import (
    SESSION_COOKIE,
    ServiceError,
    State,
    authenticate,
    lang_of,
)
from arcsupport.service.api.documents import cluster_summary

router = APIRouter(include_in_schema=False)
_HTML = "text/html; charset=utf-8"
_PAGE = 500
_FORM_LIMIT = 4096


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


@router.get("/")
async def page(
    request: Request, state: State, lang: Annotated[str, Query(pattern="^(en|ko)$")] = "en"
) -> Response:
    language = lang_of(lang)
    token = _token(request)
    caller = None if token is None else await run_in_threadpool(authenticate, state, token)
    if caller is None:
        return HTMLResponse(render_sign_in(language), media_type=_HTML)

    def listing() -> str:
        with state.database.reading() as session:
            rows, _ = store.list_clusters(
                session, caller.tenant_id, store.ClusterFilter(), None, _PAGE
            )
            summaries = [cluster_summary(row) for row in rows]
        return render_clusters_page(caller.tenant, summaries, language)

    return HTMLResponse(await run_in_threadpool(listing), media_type=_HTML)


def _same_origin(request: Request) -> bool:
    """A form posted from another site is refused (a browser sends Origin with every POST)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


@router.post("/sign-in")
async def sign_in(request: Request, state: State) -> Response:
    if not _same_origin(request):
        raise ServiceError(403, "forbidden", "sign-in is accepted from this site's own form")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > _FORM_LIMIT:
            raise ServiceError(413, "too-large", "the form is too large")
    token = parse_qs(data.decode("utf-8", "replace")).get("token", [""])[0].strip()
    caller = await run_in_threadpool(authenticate, state, token) if token else None
    if caller is None:
        return HTMLResponse(
            render_sign_in("en", text("en", "service.page.bad-token")), 401, media_type=_HTML
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    if not _same_origin(request):
        raise ServiceError(403, "forbidden", "sign-out is accepted from this site's own form")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
