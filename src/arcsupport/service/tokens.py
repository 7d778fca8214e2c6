"""API tokens: made, listed and revoked from the command line (`arcsupport token`), checked on
every request. A token is `arcs_` and 32 random bytes (URL-safe base64); only its SHA-256 is
stored, and the token itself is printed once, when it is made, and never logged."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from arcsupport.errors import InputError
from arcsupport.service.models import Tenant, Token

Role = Literal["viewer", "operator", "support-engineer", "admin"]
# Each role may do what the ones before it may.
ROLES: tuple[Role, ...] = get_args(Role)
PREFIX = "arcs_"
_TENANT = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,62}[a-z0-9])?")
# last_used_at is written at most this often per token, so that reads stay reads.
_USE_RESOLUTION = timedelta(minutes=10)


def rank(role: str) -> int:
    return ROLES.index(parse_role(role))


def parse_role(value: str) -> Role:
    for role in ROLES:
        if value == role:
            return role
    raise InputError("--role", f"{value!r} is not one of {', '.join(ROLES)}")


def parse_tenant(value: str) -> str:
    if not _TENANT.fullmatch(value):
        raise InputError(
            "--tenant",
            f"{value!r} is not a tenant name (lower-case letters, digits and -, at most 64)",
        )
    return value


def parse_label(value: str) -> str:
    text = value.strip()
    if len(text) > 128 or any(not char.isprintable() for char in text):
        raise InputError("--label", "at most 128 printable characters on one line")
    return text


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: a tenant, in a role, through one token."""

    tenant_id: int
    tenant: str
    role: Role
    token_id: int

    def may(self, role: Role) -> bool:
        return rank(self.role) >= rank(role)


@dataclass(frozen=True)
class TokenRecord:
    id: int
    tenant: str
    role: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def tenant_named(session: Session, name: str, now: datetime) -> Tenant:
    tenant = session.scalars(select(Tenant).where(Tenant.name == name)).one_or_none()
    if tenant is None:
        tenant = Tenant(name=name, created_at=now)
        session.add(tenant)
        session.flush()
    return tenant


def create_token(
    session: Session, tenant_name: str, role: Role, label: str, now: datetime
) -> tuple[str, TokenRecord]:
    """A new token for the tenant (made on first use); the token is returned only here."""
    tenant = tenant_named(session, tenant_name, now)
    token = PREFIX + secrets.token_urlsafe(32)
    row = Token(
        tenant_id=tenant.id, role=role, token_hash=token_hash(token), label=label, created_at=now
    )
    session.add(row)
    session.flush()
    return token, _record(row, tenant.name)


def _record(row: Token, tenant: str) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        tenant=tenant,
        role=row.role,
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def list_tokens(session: Session, tenant_name: str | None) -> list[TokenRecord]:
    query = select(Token, Tenant.name).join(Tenant).order_by(Token.id)
    if tenant_name is not None:
        query = query.where(Tenant.name == tenant_name)
    return [_record(row, name) for row, name in session.execute(query)]


def revoke_token(session: Session, token_id: int, now: datetime) -> TokenRecord:
    row = session.get(Token, token_id, with_for_update=True)
    if row is None:
        raise InputError(f"token {token_id}", "no such token")
    if row.revoked_at is not None:
        raise InputError(f"token {token_id}", "already revoked")
    row.revoked_at = now
    session.flush()
    tenant = session.get(Tenant, row.tenant_id)
    return _record(row, tenant.name if tenant else "")


def authenticate(session: Session, token: str) -> tuple[Caller, datetime | None] | None:
    """The caller a token stands for and when the token was last used; None for an unknown or
    revoked token."""
    if not token.startswith(PREFIX):
        return None
    found = session.execute(
        select(Token, Tenant.name).join(Tenant).where(Token.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    row, tenant = found
    if row.revoked_at is not None:
        return None
    return Caller(row.tenant_id, tenant, parse_role(row.role), row.id), row.last_used_at


def stale_use(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= _USE_RESOLUTION


def record_use(session: Session, token_id: int, now: datetime) -> None:
    row = session.get(Token, token_id)
    if row is not None and stale_use(row.last_used_at, now):
        row.last_used_at = now
