"""`arcsupport audit show|verify`: the hash-chained audit log of every grant, revocation and
access check, and the proof that it is intact. SQLAlchemy is imported inside the commands."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from arcsupport.cli.options import (
    DbOption,
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    emit,
    language,
)
from arcsupport.errors import InputError
from arcsupport.report.jsonout import dumps
from arcsupport.timeutil import parse_at

if TYPE_CHECKING:
    from arcsupport.access.audit import Anchor

audit_app = typer.Typer(
    help="The hash-chained audit log of every grant, revocation and access check.",
    no_args_is_help=True,
)
_ANCHOR = re.compile(r"(\d+):([0-9a-f]{64})")


@audit_app.command("show")
def show(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only entries recorded at or after this date or time.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """List the audit log, oldest first."""
    from arcsupport.access import audit, store
    from arcsupport.report.access import render_audit
    from arcsupport.report.documents.access import audit_document

    moment = None if since is None else parse_at(since, "--since")
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        document = audit_document(audit.entries(session, moment))
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        emit(render_audit(document, language(lang)), None)


def _anchors(values: list[str] | None) -> tuple[Anchor, ...]:
    from arcsupport.access.audit import Anchor

    anchors = []
    for value in values or []:
        match = _ANCHOR.fullmatch(value.strip().lower())
        if match is None:
            raise InputError(
                "--anchor", f"{value!r} is not SEQ:HASH (a number, a colon, 64 hex digits)"
            )
        anchors.append(Anchor(int(match.group(1)), match.group(2)))
    return tuple(anchors)


@audit_app.command("verify")
def verify(
    anchors: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            metavar="SEQ:HASH",
            help="An entry's number and hash that you kept elsewhere (repeatable). The log must "
            "still hold it, which catches a rewrite of that entry or any before it, even with "
            "every hash recomputed.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """Prove the audit log intact, or name the first entry changed, deleted or reordered.

    Exit codes: 0 intact, 1 tampered, 2 bad input.
    """
    from arcsupport.access import audit, store
    from arcsupport.report.access import render_verification
    from arcsupport.report.documents.access import audit_verify_document

    pinned = _anchors(anchors)
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        result = audit.verify(session, pinned)
    lang_code = language(lang)
    if output is not Output.table:
        emit(dumps(audit_verify_document(result, lang_code), output), None)
    else:
        emit(render_verification(result, lang_code), None)
    raise typer.Exit(0 if result.problem is None else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
