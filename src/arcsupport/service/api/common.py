"""What every route shares: the app's state, who is calling (from the bearer token), the
documents as JSON, ETags, and the OpenAPI description of msgspec documents."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_args, get_origin

import msgspec
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.errors import InputError
from arcsupport.i18n import Lang
from arcsupport.service import tokens
from arcsupport.service.db import Database
from arcsupport.service.metrics import Metrics
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.settings import ServiceSettings
from arcsupport.service.tokens import Caller, Role

SESSION_COOKIE = "arcsupport_session"
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceState:
    database: Database
    settings: ServiceSettings
    policy: CurrentPolicy
    metrics: Metrics
    clock: Callable[[], datetime]


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(state_of)]


class ServiceError(Exception):
    """An answer other than success, in the one error shape; `headers` such as
    WWW-Authenticate go with it."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str) -> ServiceError:
    return ServiceError(404, "not-found", f"no such {what}")


_BEARER = HTTPBearer(auto_error=False, description="An API token from `arcsupport token create`.")


def _unauthorized(message: str) -> ServiceError:
    return ServiceError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def authenticate(state: ServiceState, token: str) -> Caller | None:
    """The caller a token stands for; records its use now and then (a write only when the
    last record is older than a few minutes)."""
    now = state.clock()
    with state.database.reading() as session:
        found = tokens.authenticate(session, token)
    if found is None:
        return None
    caller, last_used = found
    if tokens.stale_use(last_used, now):
        with state.database.writing() as session:
            tokens.record_use(session, caller.token_id, now)
    return caller


def require(role: Role) -> Callable[..., Any]:
    """A dependency: the caller, who must hold `role` or one above it."""

    async def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> Caller:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("an API token is needed: Authorization: Bearer TOKEN")
        found = await run_in_threadpool(authenticate, state_of(request), credentials.credentials)
        if found is None:
            raise _unauthorized("the token is not valid (unknown or revoked)")
        if not found.may(role):
            raise ServiceError(403, "forbidden", f"this needs the {role} role or above")
        return found

    return caller


Viewer = Annotated[Caller, Depends(require("viewer"))]
Operator = Annotated[Caller, Depends(require("operator"))]
SupportEngineer = Annotated[Caller, Depends(require("support-engineer"))]
Admin = Annotated[Caller, Depends(require("admin"))]

_JSON = msgspec.json.Encoder()


def json_body(document: Any) -> bytes:
    return _JSON.encode(document)


def json_response(
    document: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(json_body(document), status, headers, media_type="application/json")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in header.split(","))


def conditional(request: Request, body: bytes, media_type: str) -> Response:
    """The body with its ETag, or 304 when the client already holds this version."""
    etag = _etag(body)
    wanted = request.headers.get("if-none-match")
    if wanted is not None and _matches(wanted, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, 200, {"ETag": etag}, media_type=media_type)


async def small_body(request: Request, limit: int) -> bytes:
    """A JSON request body held in memory, refused past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ServiceError(413, "too-large", f"the body is over the {limit} byte limit")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ServiceError(415, "unsupported-media-type", "send the body as application/json")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise ServiceError(413, "too-large", f"the body is over the {limit} byte limit")
    return bytes(data)


def decode_body(data: bytes, kind: type[T], where: str = "body") -> T:
    """The body as `kind`, or a 400 that names the field at fault."""
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `")
        field = path.rstrip("`").removeprefix("$").lstrip(".")
        raise InputError(where, f"field {field}: {reason}" if field else reason) from None
    except msgspec.DecodeError as exc:
        raise InputError(where, f"malformed JSON: {exc}") from None


def lang_of(lang: str) -> Lang:
    if lang == "ko":
        return "ko"
    if lang == "en":
        return "en"
    raise ServiceError(400, "bad-request", "lang: must be en or ko")


# --- OpenAPI: documents described by their msgspec Structs (report/schemas.components) -------

DOCUMENTS: dict[str, Any] = {}


def component_name(document: Any) -> str:
    """A Struct by its name; a Struct with constraints of its own (Annotated, as the triage
    document) under a name of its own, its schema then the one shipped."""
    if get_origin(document) is Annotated:
        inner: str = get_args(document)[0].__name__
        return inner.removesuffix("Doc") + "Document"
    name: str = document.__name__
    return name


def _ref(document: Any) -> dict[str, Any]:
    name = component_name(document)
    DOCUMENTS[name] = document
    return {"$ref": f"#/components/schemas/{name}"}


def error_responses(codes: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """The errors a route may answer, each in the one error shape (304 has no body)."""
    from arcsupport.report.documents.service import ErrorDoc

    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        responses[code] = {"description": _ERROR_WORDS[code]}
        if code != 304:
            responses[code]["content"] = {"application/json": {"schema": _ref(ErrorDoc)}}
    return responses


def documented(
    status: int, document: Any, description: str, *, errors: tuple[int, ...] = ()
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route answering `document` as JSON, and the errors it may give."""
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": _ref(document)}},
        },
        **error_responses(errors),
    }


def text_responses(description: str, media_type: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route answering a text format (CSV, iCalendar, SARIF...)."""
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}},
        **error_responses((*AUTH_ERRORS, 304)),
    }


def body_of(document: Any, media_type: str = "application/json") -> dict[str, Any]:
    """`openapi_extra=` for a route whose body is read by msgspec rather than by FastAPI."""
    return {"requestBody": {"required": True, "content": {media_type: {"schema": _ref(document)}}}}


_ERROR_WORDS = {
    304: "Not modified: the ETag given in If-None-Match is still current",
    400: "Bad input: one line says what is wrong",
    401: "No token, or a token that is unknown or revoked",
    403: "The token's role is too low",
    404: "No such object for this tenant",
    413: "The body is over the size limit",
    415: "The body's media type is not the one this route takes",
    503: "The database is unreachable or its schema is not current",
}
AUTH_ERRORS = (400, 401, 403)
