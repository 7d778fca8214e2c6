"""What a tenant asked to be told, and where: the days before a deadline to remind at and the
language (the tenant's `notify_settings`), and its channels (`arcsupport notify`).

A channel's target is a secret: a Slack, Teams or webhook URL carries its own credential, and an
SMTP channel its password. It is stored to be used, and shown only as `describe` words it (scheme
and host). Secrets travel in clear only to this machine: a URL is https, or http to loopback;
an SMTP server is reached over TLS (smtps://) or STARTTLS (smtp://), in plain only on loopback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcsupport.errors import InputError
from arcsupport.hosts import is_loopback
from arcsupport.service.models import NotifyChannel, Tenant, VerdictChange
from arcsupport.service.tokens import tenant_named
from arcsupport.types import LANGS, Lang

Kind = Literal["webhook", "slack", "teams", "email"]
KINDS: tuple[Kind, ...] = ("webhook", "slack", "teams", "email")
DEFAULT_DAYS = (90, 30, 7)
# A reminder further out than a year says nothing a calendar feed does not.
MAX_DAYS = 366
_PASSWORD_LIMIT = 1024


class NotifySettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    days: tuple[int, ...] = DEFAULT_DAYS
    lang: Lang = "en"


class WebhookTarget(msgspec.Struct, frozen=True, tag="url"):
    url: str


class SmtpTarget(msgspec.Struct, frozen=True, tag="smtp"):
    host: str
    port: int
    security: Literal["tls", "starttls", "plain"]
    username: str | None
    password: str | None
    sender: str
    recipients: tuple[str, ...]


Target = WebhookTarget | SmtpTarget
_TARGET = msgspec.json.Decoder(Target)
_SETTINGS = msgspec.json.Decoder(NotifySettings)


# --- parsing what the operator gives ---------------------------------------------------------


def parse_days(value: str) -> tuple[int, ...]:
    """`90,30,7`: distinct whole days, 1 to 366, kept largest first."""
    try:
        days = {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        days = set()
    if not days or not all(1 <= day <= MAX_DAYS for day in days):
        raise InputError("--days", f"{value!r} is not a list of days such as 90,30,7 (1 to 366)")
    return tuple(sorted(days, reverse=True))


def parse_lang(value: str) -> Lang:
    for lang in LANGS:
        if value == lang:
            return lang
    raise InputError("--notify-lang", f"{value!r} is not one of {', '.join(LANGS)}")


def parse_url(option: str, value: str) -> WebhookTarget:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(option, "is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        # The URL is the credential: in plain HTTP it is anyone's who sees the traffic.
        raise InputError(option, "must be https:// (plain http is allowed to this machine only)")
    if parts.fragment:
        raise InputError(option, "must not have a #fragment")
    return WebhookTarget(value.strip())


def _address(option: str, value: str) -> str:
    try:
        address = Address(addr_spec=value.strip())
    except (HeaderParseError, ValueError, IndexError):
        address = None
    if address is None or not address.username or not address.domain:
        raise InputError(option, f"{value!r} is not an e-mail address")
    return address.addr_spec


def read_password(path: Path) -> str:
    where = str(path)
    try:
        data = path.read_bytes()[: _PASSWORD_LIMIT + 1]
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    text = data.decode("utf-8", errors="replace").strip()
    if not text or len(text) > _PASSWORD_LIMIT or "\n" in text:
        raise InputError(where, "must hold the SMTP password on one line")
    return text


def parse_smtp(
    value: str, sender: str | None, recipients: Sequence[str], password: str | None
) -> SmtpTarget:
    """`smtps://[user@]host[:465]` (TLS) or `smtp://[user@]host[:587]` (STARTTLS; plain on
    loopback only, for a relay on this machine)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError("--smtp", "is not an smtp:// or smtps:// URL of the mail server")
    if parts.password is not None:
        raise InputError("--smtp", "give the password in a file (--smtp-password-file)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError("--smtp", "give only [user@]host[:port]")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise InputError("--smtp", "has a port that is not a number from 1 to 65535") from None
    if sender is None:
        raise InputError("--mail-from", "an e-mail channel needs the sender's address")
    if not recipients:
        raise InputError("--mail-to", "an e-mail channel needs at least one recipient")
    security: Literal["tls", "starttls", "plain"]
    if parts.scheme == "smtps":
        security = "tls"
    else:
        security = "plain" if is_loopback(parts.hostname) else "starttls"
    username = unquote(parts.username) if parts.username else None
    if password is not None and username is None:
        raise InputError("--smtp", "a password needs a user name: smtp://USER@host")
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        security=security,
        username=username,
        password=password,
        sender=_address("--mail-from", sender),
        recipients=tuple(_address("--mail-to", recipient) for recipient in recipients),
    )


# --- stored ----------------------------------------------------------------------------------


def encode_target(target: Target) -> str:
    return msgspec.json.encode(target).decode("utf-8")


def decode_target(text: str) -> Target:
    target: Target = _TARGET.decode(text)
    return target


def describe(target: Target) -> str:
    """The target without its secret: where it goes, not how to get in."""
    if isinstance(target, WebhookTarget):
        parts = urlsplit(target.url)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"
    scheme = "smtps" if target.security == "tls" else "smtp"
    return f"{scheme}://{target.host}:{target.port} → {', '.join(target.recipients)}"


def tenant_settings(tenant: Tenant) -> NotifySettings:
    if tenant.notify_settings is None:
        return NotifySettings()
    return _SETTINGS.decode(tenant.notify_settings)


@dataclass(frozen=True)
class ChannelRecord:
    id: int
    tenant: str
    kind: str
    where: str
    created_at: datetime
    removed_at: datetime | None


def _record(row: NotifyChannel, tenant: str) -> ChannelRecord:
    return ChannelRecord(
        id=row.id,
        tenant=tenant,
        kind=row.kind,
        where=describe(decode_target(row.target)),
        created_at=row.created_at,
        removed_at=row.removed_at,
    )


def add_channel(
    session: Session, tenant_name: str, kind: Kind, target: Target, now: datetime
) -> ChannelRecord:
    """A new channel of the tenant (made on first use); it hears of verdict changes from now
    on, and of every deadline whose reminder is due."""
    tenant = tenant_named(session, tenant_name, now)
    last_change = session.scalar(select(func.max(VerdictChange.id))) or 0
    row = NotifyChannel(
        tenant_id=tenant.id,
        kind=kind,
        target=encode_target(target),
        created_at=now,
        since_change_id=last_change,
    )
    session.add(row)
    session.flush()
    return _record(row, tenant.name)


def list_channels(
    session: Session, tenant_name: str | None, include_removed: bool = False
) -> list[ChannelRecord]:
    query = select(NotifyChannel, Tenant.name).join(Tenant).order_by(NotifyChannel.id)
    if tenant_name is not None:
        query = query.where(Tenant.name == tenant_name)
    if not include_removed:
        query = query.where(NotifyChannel.removed_at.is_(None))
    return [_record(row, name) for row, name in session.execute(query)]


def remove_channel(
    session: Session, channel_id: int, now: datetime, tenant_id: int | None = None
) -> ChannelRecord:
    """The channel gets nothing more (its pending deliveries are dropped when due); its
    record stays. `tenant_id` confines the search to one tenant (an API caller)."""
    row = session.get(NotifyChannel, channel_id, with_for_update=True)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        raise InputError(f"channel {channel_id}", "no such channel")
    if row.removed_at is not None:
        raise InputError(f"channel {channel_id}", "already removed")
    row.removed_at = now
    session.flush()
    tenant = session.get(Tenant, row.tenant_id)
    return _record(row, tenant.name if tenant else "")


def set_settings(
    session: Session,
    tenant_name: str,
    now: datetime,
    days: tuple[int, ...] | None = None,
    lang: Lang | None = None,
) -> NotifySettings:
    tenant = tenant_named(session, tenant_name, now)
    current = tenant_settings(tenant)
    updated = NotifySettings(
        days=current.days if days is None else days, lang=current.lang if lang is None else lang
    )
    tenant.notify_settings = msgspec.json.encode(updated).decode("utf-8")
    session.flush()
    return updated


def tenants_settings(session: Session, tenant_name: str | None) -> list[tuple[str, NotifySettings]]:
    """Each tenant's settings (the one named), for tenants that have any channel."""
    query = (
        select(Tenant)
        .where(
            Tenant.id.in_(select(NotifyChannel.tenant_id).where(NotifyChannel.removed_at.is_(None)))
        )
        .order_by(Tenant.name)
    )
    if tenant_name is not None:
        query = query.where(Tenant.name == tenant_name)
    return [(tenant.name, tenant_settings(tenant)) for tenant in session.scalars(query)]
