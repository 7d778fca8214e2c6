"""Dashboard sessions and CSRF tokens, with no session table.

Signing in with an API token gives a cookie `TOKEN_ID.EXPIRES.MAC`, where the MAC is an
HMAC-SHA256 keyed by the token's stored hash: the browser never holds the API token itself,
the session ends after `LIFETIME`, and revoking the token ends every session made with it (the
token's row is read on each request). A form's CSRF token is a second HMAC over the session
cookie, so it cannot be guessed from another site and needs no storage either.

The sign-in form has no session yet: it is protected by a random value in a cookie of its own
that the form repeats (a cross-site form can set neither).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from arcsupport.service.models import Tenant, Token
from arcsupport.service.tokens import Caller, parse_role

LIFETIME = timedelta(hours=12)
SIGN_IN_COOKIE = "arcsupport_sign_in"


def _mac(token_hash: str, message: str) -> str:
    return hmac.new(bytes.fromhex(token_hash), message.encode(), hashlib.sha256).hexdigest()


def issue(token_id: int, token_hash: str, now: datetime) -> str:
    body = f"{token_id}.{int((now + LIFETIME).timestamp())}"
    return f"{body}.{_mac(token_hash, 'session.' + body)}"


@dataclass(frozen=True)
class WebSession:
    caller: Caller
    csrf: str


def resume(session: Session, cookie: str, now: datetime) -> WebSession | None:
    """The session a cookie stands for; None when it is malformed, forged, expired, or its
    token revoked."""
    parts = cookie.split(".")
    if len(parts) != 3:
        return None
    token_id, expires, mac = parts
    if not (token_id.isdigit() and expires.isdigit()) or len(token_id) > 18 or len(expires) > 12:
        return None
    if int(expires) <= now.timestamp():
        return None
    found = session.execute(
        select(Token, Tenant.name).join(Tenant).where(Token.id == int(token_id))
    ).one_or_none()
    if found is None or found[0].revoked_at is not None:
        return None
    row, tenant = found
    if not hmac.compare_digest(_mac(row.token_hash, f"session.{token_id}.{expires}"), mac):
        return None
    caller = Caller(row.tenant_id, tenant, parse_role(row.role), row.id)
    return WebSession(caller, _mac(row.token_hash, "csrf." + cookie))


def sign_in_nonce() -> str:
    return secrets.token_urlsafe(32)


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
