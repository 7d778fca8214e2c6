"""`arcsupport token create|list|revoke`: the service's API tokens, one tenant and one role
each. `create` prints the token on stdout (alone, for scripts) and once only."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from arcsupport.cli.options import LangChoice, LangOption, ServiceDbOption, language

token_app = typer.Typer(help="The service's API tokens.", no_args_is_help=True)


def _now() -> datetime:
    return datetime.now(UTC)


@token_app.command("create")
def create(
    tenant: Annotated[
        str, typer.Option("--tenant", help="The tenant (made on first use).", show_default=False)
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="viewer, operator (uploads), support-engineer (access checks, audit) or admin.",
            show_default=False,
        ),
    ],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Make a token; it is printed once and only its hash is kept."""
    from arcsupport.i18n import text
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated

    name = tokens.parse_tenant(tenant)
    chosen = tokens.parse_role(role)
    note = tokens.parse_label(label)
    with migrated(db) as database, database.writing() as session:
        token, record = tokens.create_token(session, name, chosen, note, _now())
    print(
        text(language(lang), "service.token-created", id=record.id, tenant=name, role=chosen),
        file=sys.stderr,
    )
    print(token)


@token_app.command("list")
def list_(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's.", show_default=False)
    ] = None,
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the tokens (never the tokens themselves: only their id, tenant and role)."""
    from arcsupport.i18n import text
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated
    from arcsupport.timeutil import iso_time

    wanted = None if tenant is None else tokens.parse_tenant(tenant)
    lang_code = language(lang)
    with migrated(db) as database, database.reading() as session:
        records = tokens.list_tokens(session, wanted)
    if not records:
        print(text(lang_code, "service.tokens-none"))
    for record in records:
        state = (
            text(lang_code, "service.token-active")
            if record.revoked_at is None
            else text(lang_code, "service.token-revoked-state", at=iso_time(record.revoked_at))
        )
        used = (
            text(lang_code, "service.never")
            if record.last_used_at is None
            else iso_time(record.last_used_at)
        )
        line = text(
            lang_code,
            "service.token-line",
            id=record.id,
            tenant=record.tenant,
            role=record.role,
            created=iso_time(record.created_at),
            used=used,
            state=state,
        )
        print(f"{line}  {record.label}".rstrip())


@token_app.command("revoke")
def revoke(
    token_id: Annotated[
        int, typer.Argument(help="The token's id (`token list`).", show_default=False)
    ],
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Revoke a token: requests that carry it are refused from now on."""
    from arcsupport.i18n import text
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated

    with migrated(db) as database, database.writing() as session:
        record = tokens.revoke_token(session, token_id, _now())
    print(text(language(lang), "service.token-revoked", id=record.id, tenant=record.tenant))


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
