"""The dashboard's routes: `/` (the fleet, or the sign-in form), `/clusters/{id}`, `/support`
and its forms, sign-in and sign-out, and `/static/`.

A page is opened by a session cookie (web/session.py) or, as the API is, by a bearer header;
a form posted with the cookie must carry its CSRF token, and one posted from another site is
refused by its Origin as well. Every read and write goes through the API's own functions, with
the caller's tenant, so a page shows what the API would show that caller and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from arcsupport.access.consent import ACTIONS
from arcsupport.errors import InputError
from arcsupport.i18n import Lang, text
from arcsupport.report.summary import days_phrase
from arcsupport.service.api.access import (
    ApproveBody,
    DeclineBody,
    GrantBody,
    RequestBody,
    RevokeBody,
    approve,
    decline,
    record_grant,
    request_access,
    revoke_tenant_grant,
)
from arcsupport.service.api.common import (
    SESSION_COOKIE,
    ServiceError,
    ServiceState,
    State,
    authenticate,
)
from arcsupport.service.tokens import Caller, Role, token_hash
from arcsupport.service.web import session as sessions
from arcsupport.service.web import views
from arcsupport.types import SEVERITY_ORDER, VERDICTS

router = APIRouter(include_in_schema=False)
_FORM_LIMIT = 8192
_STATIC = {
    "htmx.min.js": ("arcsupport.service.web", "static/htmx.min.js", "text/javascript"),
    "dashboard.css": ("arcsupport.service.web", "static/dashboard.css", "text/css"),
    # The HTML report's own style sheet: the badges, findings and the timeline look the same.
    "report.css": ("arcsupport.report", "templates/report.css", "text/css"),
}


@cache
def _environment() -> Environment:
    # The report's templates too: the cluster page draws the report's timeline.svg.j2.
    loader = ChoiceLoader(
        [
            PackageLoader("arcsupport.service.web", "templates"),
            PackageLoader("arcsupport.report", "templates"),
        ]
    )
    return Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _static(name: str) -> bytes:
    package, path, _ = _STATIC[name]
    return (resources.files(package) / path).read_bytes()


@dataclass(frozen=True)
class Visitor:
    caller: Caller
    csrf: str | None  # None: signed in by a bearer header, which no other site can send


def _language(request: Request, form: dict[str, str] | None = None) -> Lang:
    wanted = (form or {}).get("lang") or request.query_params.get("lang")
    if wanted in ("en", "ko"):
        return "ko" if wanted == "ko" else "en"
    accepted = request.headers.get("accept-language", "").lower()
    return "ko" if accepted.startswith("ko") else "en"


def _visitor(request: Request, state: ServiceState) -> Visitor | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        caller = authenticate(state, value.strip())
        return None if caller is None else Visitor(caller, None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with state.database.reading() as session:
        resumed = sessions.resume(session, cookie, state.clock())
    return None if resumed is None else Visitor(resumed.caller, resumed.csrf)


def _render(
    request: Request,
    template: str,
    lang: Lang,
    visitor: Visitor | None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    def t(key: str, **args: Any) -> str:
        return text(lang, key, **args)

    def link(path: str, **query: str | None) -> str:
        """A link within the dashboard, in the page's language."""
        kept = {key: value for key, value in query.items() if value}
        return path + "?" + urlencode({**kept, "lang": lang})

    def other_language() -> str:
        other = "en" if lang == "ko" else "ko"
        if status_code >= 400:
            # An error page does not repeat what was asked (another tenant's id, say).
            return "/?" + urlencode({"lang": other})
        query = {key: value for key, value in request.query_params.items() if key != "lang"}
        return request.url.path + "?" + urlencode({**query, "lang": other})

    def when(day: str, today: date) -> str:
        return days_phrase(lang, date.fromisoformat(day), today)

    body = (
        _environment()
        .get_template(template)
        .render(
            lang=lang,
            t=t,
            link=link,
            other_language=other_language(),
            when=when,
            visitor=visitor,
            may=(lambda role: visitor is not None and visitor.caller.may(role)),
            verdicts=VERDICTS,
            severities=SEVERITY_ORDER,
            path=request.url.path,
            **values,
        )
    )
    return HTMLResponse(body, status_code, headers={"Vary": "HX-Request, Cookie, Accept-Language"})


def _problem(
    request: Request, lang: Lang, visitor: Visitor | None, status: int, message: str
) -> HTMLResponse:
    return _render(
        request, "problem.html.j2", lang, visitor, status, status=status, message=message
    )


def _sign_in(
    request: Request, lang: Lang, problem: str | None = None, status: int = 200
) -> Response:
    nonce = sessions.sign_in_nonce()
    response = _render(request, "sign_in.html.j2", lang, None, status, nonce=nonce, problem=problem)
    response.set_cookie(
        sessions.SIGN_IN_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/sign-in",
    )
    return response


async def _page(
    request: Request,
    state: ServiceState,
    role: Role,
    build: Callable[[Visitor, Lang], Response],
) -> Response:
    """A page for a visitor holding `role`: the sign-in form for nobody, 403 for too low a
    role, and the service's errors as a page in the visitor's language."""
    lang = _language(request)
    visitor = await run_in_threadpool(_visitor, request, state)
    if visitor is None:
        return _sign_in(request, lang)
    if not visitor.caller.may(role):
        return _problem(request, lang, visitor, 403, text(lang, "dashboard.forbidden", role=role))
    try:
        return await run_in_threadpool(build, visitor, lang)
    except ServiceError as error:
        return _problem(request, lang, visitor, error.status, _worded(lang, error))
    except InputError as error:
        return _problem(request, lang, visitor, 400, str(error))


def _worded(lang: Lang, error: ServiceError) -> str:
    if error.status == 404:
        return text(lang, "dashboard.not-found")
    return error.message


@router.get("/")
async def fleet_page(request: Request, state: State) -> Response:
    def build(visitor: Visitor, lang: Lang) -> Response:
        query = dict(request.query_params)
        filters = views.Filters.read(query)
        shown = views.fleet(state, visitor.caller, filters, query.get("cursor") or None, lang)
        # htmx asks for the list alone when a filter changes; a history restore wants it all.
        partial = "HX-Request" in request.headers and "HX-History-Restore-Request" not in (
            request.headers
        )
        template = "clusters.html.j2" if partial else "fleet.html.j2"
        return _render(request, template, lang, visitor, fleet=shown)

    return await _page(request, state, "viewer", build)


@router.get("/clusters/{cluster_id}")
async def cluster_page(request: Request, state: State, cluster_id: str) -> Response:
    def build(visitor: Visitor, lang: Lang) -> Response:
        shown = views.cluster(state, visitor.caller, cluster_id, lang)
        return _render(request, "cluster.html.j2", lang, visitor, view=shown)

    return await _page(request, state, "viewer", build)


_DONE = ("granted", "revoked", "requested", "approved", "declined")


def _support(
    request: Request,
    state: ServiceState,
    visitor: Visitor,
    lang: Lang,
    status: int = 200,
    problem: str | None = None,
    entered: dict[str, str] | None = None,
) -> Response:
    shown = views.support(state, visitor.caller, lang)
    done = request.query_params.get("done")
    return _render(
        request,
        "support.html.j2",
        lang,
        visitor,
        status,
        view=shown,
        problem=problem,
        entered=entered or {},
        done=done if done in _DONE else None,
        actions=ACTIONS,
    )


@router.get("/support")
async def support_page(request: Request, state: State) -> Response:
    def build(visitor: Visitor, lang: Lang) -> Response:
        return _support(request, state, visitor, lang)

    return await _page(request, state, "support-engineer", build)


def _same_origin(request: Request) -> bool:
    """Whether a form comes from this site, as the browser tells. The service's no-referrer
    policy makes a browser send `Origin: null` with its own forms, so Sec-Fetch-Site is read
    first; the CSRF token is the defence that does not rest on headers."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin in (None, "null") or origin == f"{request.url.scheme}://{request.url.netloc}"


async def _form(request: Request) -> dict[str, str]:
    """The posted form, every field once; repeated fields (the grant's actions) joined by
    commas."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > _FORM_LIMIT:
            raise ServiceError(413, "too-large", "the form is too large")
    parsed = parse_qs(data.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: ",".join(values) for key, values in parsed.items()}


async def _posted(
    request: Request,
    state: ServiceState,
    role: Role,
    act: Callable[[Visitor, Lang, dict[str, str]], Response],
) -> Response:
    """A form: from this site, by a visitor holding `role`, with the session's CSRF token."""
    form = await _form(request)
    lang = _language(request, form)
    visitor = await run_in_threadpool(_visitor, request, state)
    if visitor is None:
        return _sign_in(request, lang, text(lang, "dashboard.sign-in-again"), 401)
    forged = visitor.csrf is not None and not sessions.same(form.get("csrf"), visitor.csrf)
    if forged or not _same_origin(request):
        return _problem(request, lang, visitor, 403, text(lang, "dashboard.csrf"))
    if not visitor.caller.may(role):
        return _problem(request, lang, visitor, 403, text(lang, "dashboard.forbidden", role=role))
    return await run_in_threadpool(act, visitor, lang, form)


def _after(action: str, lang: Lang) -> Response:
    # 303: the browser follows with a GET, so reloading the page does not post again.
    return RedirectResponse("/support?" + urlencode({"done": action, "lang": lang}), 303)


@router.post("/support/grants")
async def grant(request: Request, state: State) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        try:
            record_grant(
                state,
                visitor.caller,
                GrantBody(
                    cluster=form.get("cluster", ""),
                    engineer=form.get("engineer", ""),
                    actions=form.get("actions", ""),
                    length=form.get("for", ""),
                    case=form.get("case", ""),
                    approved_by=form.get("approved_by", ""),
                    starts_at=form.get("starts_at") or None,
                ),
            )
        except ServiceError as error:
            return _support(request, state, visitor, lang, error.status, _worded(lang, error), form)
        except InputError as error:
            return _support(request, state, visitor, lang, 400, str(error), form)
        return _after("granted", lang)

    return await _posted(request, state, "admin", act)


def _acted(
    request: Request,
    state: ServiceState,
    visitor: Visitor,
    lang: Lang,
    form: dict[str, str],
    done: str,
    act: Callable[[], object],
) -> Response:
    """The support page again with what went wrong, or a redirect saying what was done."""
    try:
        act()
    except ServiceError as error:
        return _support(request, state, visitor, lang, error.status, _worded(lang, error), form)
    except InputError as error:
        return _support(request, state, visitor, lang, 400, str(error), form)
    return _after(done, lang)


@router.post("/support/requests")
async def ask(request: Request, state: State) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        body = RequestBody(
            cluster=form.get("cluster", ""),
            engineer=form.get("engineer", ""),
            actions=form.get("actions", ""),
            length=form.get("for", ""),
            case=form.get("case", ""),
            reason=form.get("reason", ""),
        )
        return _acted(
            request, state, visitor, lang, form, "requested",
            lambda: request_access(state, visitor.caller, body),
        )  # fmt: skip

    return await _posted(request, state, "support-engineer", act)


@router.post("/support/requests/{request_id}/approve")
async def approve_asked(request: Request, state: State, request_id: int) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        body = ApproveBody(
            approved_by=form.get("approved_by", ""), starts_at=form.get("starts_at") or None
        )
        return _acted(
            request, state, visitor, lang, {}, "approved",
            lambda: approve(state, visitor.caller, request_id, body),
        )  # fmt: skip

    return await _posted(request, state, "admin", act)


@router.post("/support/requests/{request_id}/decline")
async def decline_asked(request: Request, state: State, request_id: int) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        body = DeclineBody(by=form.get("by", ""), reason=form.get("reason") or None)
        return _acted(
            request, state, visitor, lang, {}, "declined",
            lambda: decline(state, visitor.caller, request_id, body),
        )  # fmt: skip

    return await _posted(request, state, "admin", act)


@router.post("/support/grants/{grant_id}/revoke")
async def revoke(request: Request, state: State, grant_id: int) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        body = RevokeBody(by=form.get("by", ""), reason=form.get("reason") or None)
        try:
            revoke_tenant_grant(state, visitor.caller, grant_id, body)
        except ServiceError as error:
            return _support(request, state, visitor, lang, error.status, _worded(lang, error))
        except InputError as error:
            return _support(request, state, visitor, lang, 400, str(error))
        return _after("revoked", lang)

    return await _posted(request, state, "support-engineer", act)


@router.post("/sign-in")
async def sign_in(request: Request, state: State) -> Response:
    form = await _form(request)
    lang = _language(request, form)
    nonce = request.cookies.get(sessions.SIGN_IN_COOKIE)
    if nonce is None or not sessions.same(form.get("csrf"), nonce) or not _same_origin(request):
        return _problem(request, lang, None, 403, text(lang, "dashboard.csrf"))
    token = form.get("token", "").strip()
    caller = await run_in_threadpool(authenticate, state, token) if token else None
    if caller is None:
        return _sign_in(request, lang, text(lang, "dashboard.bad-token"), 401)
    response = RedirectResponse("/?" + urlencode({"lang": lang}), 303)
    response.set_cookie(
        SESSION_COOKIE,
        sessions.issue(caller.token_id, token_hash(token), state.clock()),
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(sessions.SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, state: State) -> Response:
    def act(visitor: Visitor, lang: Lang, form: dict[str, str]) -> Response:
        response = RedirectResponse("/?" + urlencode({"lang": lang}), 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return await _posted(request, state, "viewer", act)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in _STATIC:
        raise ServiceError(404, "not-found", "no such file")
    # The files ship with this version: a browser may keep them a day.
    return Response(
        _static(name), media_type=_STATIC[name][2], headers={"Cache-Control": "max-age=86400"}
    )
