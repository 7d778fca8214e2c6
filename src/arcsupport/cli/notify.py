"""`arcsupport notify add|list|remove|set`: where a tenant's notifications go (a webhook,
Slack, Microsoft Teams, e-mail) and when (days before each deadline; every verdict change), in
the tenant's language. Targets are secrets: `list` shows only their scheme and host."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arcsupport.cli.options import LangChoice, LangOption, ServiceDbOption, language

if TYPE_CHECKING:
    from arcsupport.i18n import Lang
    from arcsupport.service.notify.settings import NotifySettings

notify_app = typer.Typer(
    help="The service's notifications: channels and reminders.", no_args_is_help=True
)


def _now() -> datetime:
    return datetime.now(UTC)


TenantOption = Annotated[
    str, typer.Option("--tenant", help="The tenant (made on first use).", show_default=False)
]


@notify_app.command("add")
def add(
    tenant: TenantOption,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="POST arcsupport.notification/v1 JSON to this URL.",
            show_default=False,
        ),
    ] = None,
    slack: Annotated[
        str | None,
        typer.Option("--slack", help="A Slack incoming webhook URL.", show_default=False),
    ] = None,
    teams: Annotated[
        str | None,
        typer.Option(
            "--teams",
            help="A Microsoft Teams incoming webhook (or workflow) URL: gets an Adaptive Card.",
            show_default=False,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            "--smtp",
            help="Mail server: smtps://[user@]host[:465] or smtp://[user@]host[:587] (STARTTLS).",
            show_default=False,
        ),
    ] = None,
    mail_from: Annotated[
        str | None, typer.Option("--mail-from", help="The sender's address.", show_default=False)
    ] = None,
    mail_to: Annotated[
        list[str] | None,
        typer.Option("--mail-to", help="A recipient (repeat for more).", show_default=False),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--smtp-password-file", help="A file holding the SMTP password.", show_default=False
        ),
    ] = None,
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Add one channel to a tenant."""
    from arcsupport.errors import InputError
    from arcsupport.i18n import text
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated
    from arcsupport.service.notify import settings

    name = tokens.parse_tenant(tenant)
    options: tuple[tuple[settings.Kind, str | None], ...] = (
        ("webhook", webhook),
        ("slack", slack),
        ("teams", teams),
        ("email", smtp),
    )
    given = [(kind, value) for kind, value in options if value is not None]
    if len(given) != 1:
        raise InputError("notify add", "give one of --webhook, --slack, --teams or --smtp")
    kind, value = given[0]
    target: settings.Target
    if kind == "email":
        password = None if password_file is None else settings.read_password(password_file)
        target = settings.parse_smtp(value, mail_from, mail_to or [], password)
    else:
        if mail_from or mail_to or password_file:
            raise InputError("--mail-from", "only an e-mail channel (--smtp) takes mail options")
        target = settings.parse_url(f"--{kind}", value)
    with migrated(db) as database, database.writing() as session:
        record = settings.add_channel(session, name, kind, target, _now())
    print(
        text(
            language(lang),
            "notify.channel-added",
            id=record.id,
            kind=kind,
            tenant=name,
            where=record.where,
        ),
        file=sys.stderr,
    )


@notify_app.command("list")
def list_(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's.", show_default=False)
    ] = None,
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the channels (where they go, never their URLs or passwords) and each tenant's
    reminders."""
    from arcsupport.i18n import text
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated
    from arcsupport.service.notify import settings
    from arcsupport.timeutil import iso_time

    wanted = None if tenant is None else tokens.parse_tenant(tenant)
    lang_code = language(lang)
    with migrated(db) as database, database.reading() as session:
        records = settings.list_channels(session, wanted)
        chosen = settings.tenants_settings(session, wanted)
    if not records:
        print(text(lang_code, "notify.channels-none"))
    for record in records:
        print(
            text(
                lang_code,
                "notify.channel-line",
                id=record.id,
                tenant=record.tenant,
                kind=record.kind,
                where=record.where,
                created=iso_time(record.created_at),
            )
        )
    for name, chosen_settings in chosen:
        print(_settings_line(lang_code, name, chosen_settings))


def _settings_line(lang: Lang, tenant: str, chosen: NotifySettings) -> str:
    from arcsupport.i18n import text

    return text(
        lang,
        "notify.settings",
        tenant=tenant,
        days="/".join(str(day) for day in chosen.days),
        language=text(lang, f"notify.lang.{chosen.lang}"),
    )


@notify_app.command("remove")
def remove(
    channel_id: Annotated[
        int, typer.Argument(help="The channel's id (`notify list`).", show_default=False)
    ],
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Remove a channel: nothing more is sent to it; what was sent stays on record."""
    from arcsupport.i18n import text
    from arcsupport.service.db import migrated
    from arcsupport.service.notify import settings

    with migrated(db) as database, database.writing() as session:
        record = settings.remove_channel(session, channel_id, _now())
    print(
        text(
            language(lang),
            "notify.channel-removed",
            id=record.id,
            kind=record.kind,
            tenant=record.tenant,
        ),
        file=sys.stderr,
    )


@notify_app.command("set")
def set_(
    tenant: TenantOption,
    days: Annotated[
        str | None,
        typer.Option(
            "--days",
            help="Remind this many days before each deadline (default 90,30,7).",
            show_default=False,
        ),
    ] = None,
    notify_lang: Annotated[
        str | None,
        typer.Option(
            "--notify-lang", help="The notifications' language: en or ko.", show_default=False
        ),
    ] = None,
    db: ServiceDbOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Set when a tenant is reminded and in which language it is told."""
    from arcsupport.errors import InputError
    from arcsupport.service import tokens
    from arcsupport.service.db import migrated
    from arcsupport.service.notify import settings

    name = tokens.parse_tenant(tenant)
    if days is None and notify_lang is None:
        raise InputError("notify set", "give --days or --notify-lang")
    chosen_days = None if days is None else settings.parse_days(days)
    chosen_lang = None if notify_lang is None else settings.parse_lang(notify_lang)
    with migrated(db) as database, database.writing() as session:
        updated = settings.set_settings(session, name, _now(), chosen_days, chosen_lang)
    print(_settings_line(language(lang), name, updated))


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
