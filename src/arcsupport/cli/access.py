"""`arcsupport access grant|revoke|list|check`: consented, time-boxed support access to
clusters (SHR-2, COV-IN-8).

Inputs are validated in full before the database is opened, so bad input never creates or
touches a database. SQLAlchemy and Alembic are imported inside the commands (through
`arcsupport.access.store` and the audit log the documents read), so `--help` does not load them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from msgspec import UNSET

from arcsupport.access.consent import (
    parse_action,
    parse_cluster,
    parse_identity,
    parse_reason,
    request_grant,
)
from arcsupport.cli.options import (
    AtOption,
    DbOption,
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    at_moment,
    emit,
    language,
)
from arcsupport.report.jsonout import dumps
from arcsupport.timeutil import parse_at

access_app = typer.Typer(
    help="Consented, time-boxed support access to clusters (SHR-2, COV-IN-8).",
    no_args_is_help=True,
)


def _now() -> datetime:
    """The moment audit entries are recorded at: the real clock, read once at the edge."""
    return datetime.now(UTC)


@access_app.command("grant")
def grant(
    cluster: Annotated[
        str,
        typer.Option(
            "--cluster", help="The connected cluster's ARM id, or its name.", show_default=False
        ),
    ],
    engineer: Annotated[
        str, typer.Option("--engineer", help="Who is given access.", show_default=False)
    ],
    actions: Annotated[
        str,
        typer.Option(
            "--actions",
            help="Comma-separated: view-logs, run-commands, node-login.",
            show_default=False,
        ),
    ],
    length: Annotated[
        str,
        typer.Option("--for", help="How long: 30m, 8h, 2d (at most 30d).", show_default=False),
    ],
    case: Annotated[
        str, typer.Option("--case", help="The support case it is for.", show_default=False)
    ],
    approved_by: Annotated[
        str,
        typer.Option(
            "--approved-by",
            help="The cluster owner who consents (not the engineer).",
            show_default=False,
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option("--at", help="When access starts. Default: now.", show_default=False),
    ] = None,
    emit_rbac: Annotated[
        bool,
        typer.Option(
            "--emit-rbac",
            help="Print a Role and RoleBinding for the grant (kubectl apply -f -).",
        ),
    ] = False,
    namespaces: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            metavar="NAMESPACE",
            help="Namespace of the emitted Role (repeatable). Default: kube-system.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """Record the owner's consent for an engineer to act on a cluster, for a limited time."""
    from arcsupport.access import rbac, store
    from arcsupport.report.access import render_grant, render_grant_rbac
    from arcsupport.report.documents.access import access_grant_document

    request = request_grant(
        cluster=cluster,
        engineer=engineer,
        actions=actions,
        case=case,
        approved_by=approved_by,
        start=at_moment(at),
        length=length,
    )
    rbac_namespaces = rbac.parse_namespaces(namespaces or ["kube-system"])
    url = store.database_url(db)
    with store.write_transaction(url) as session:
        record = store.create_grant(session, request, _now())
    lang_code = language(lang)
    if output is not Output.table:
        manifests = rbac.manifests(record, rbac_namespaces) if emit_rbac else UNSET
        emit(dumps(access_grant_document(record, manifests), output), None)
    elif emit_rbac:
        emit(render_grant_rbac(record, rbac_namespaces, lang_code), None)
    else:
        emit(render_grant(record, lang_code), None)


@access_app.command("revoke")
def revoke(
    grant_id: Annotated[int, typer.Argument(help="The grant's id.", show_default=False)],
    by: Annotated[str, typer.Option("--by", help="Who revokes it.", show_default=False)],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, for the record.", show_default=False)
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When access ends. Default: now.", show_default=False),
    ] = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """End a grant before it expires."""
    from arcsupport.access import store
    from arcsupport.report.access import render_revoked
    from arcsupport.report.documents.access import access_grant_document

    who = parse_identity(by, "--by")
    why = None if reason is None else parse_reason(reason)
    moment = at_moment(at)
    url = store.database_url(db)
    with store.write_transaction(url) as session:
        record = store.revoke_grant(session, grant_id, who, why, moment, _now())
    if output is not Output.table:
        emit(dumps(access_grant_document(record), output), None)
    else:
        emit(render_revoked(record, who, moment, language(lang)), None)


@access_app.command("list")
def list_(
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Only this cluster's grants.", show_default=False),
    ] = None,
    active_at: Annotated[
        str | None,
        typer.Option(
            "--active-at",
            help="Only grants in force at this date or time (2025-09-15T10:00:00Z).",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """List grants, with their state now (or at --active-at)."""
    from arcsupport.access import store
    from arcsupport.report.access import render_grants
    from arcsupport.report.documents.access import access_grants_document

    wanted = None if cluster is None else parse_cluster(cluster)
    moment = at_moment(None) if active_at is None else parse_at(active_at, "--active-at")
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        records = store.list_grants(session, wanted, None if active_at is None else moment)
    if output is not Output.table:
        emit(dumps(access_grants_document(records, moment), output), None)
    else:
        emit(render_grants(records, moment, language(lang)), None)


@access_app.command("check")
def check(
    cluster: Annotated[
        str, typer.Option("--cluster", help="The cluster's ARM id or name.", show_default=False)
    ],
    engineer: Annotated[str, typer.Option("--engineer", help="Who.", show_default=False)],
    action: Annotated[
        str,
        typer.Option("--action", help="view-logs, run-commands or node-login.", show_default=False),
    ],
    at: AtOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    db: DbOption = None,
) -> None:
    """May this engineer do this on this cluster now (or --at)? Every check is audited.

    Exit codes: 0 allowed, 1 denied (with the reason), 2 bad input.
    """
    from arcsupport.access import store
    from arcsupport.report.access import render_access_check
    from arcsupport.report.documents.access import access_check_document

    where = parse_cluster(cluster)
    who = parse_identity(engineer, "--engineer")
    what = parse_action(action)
    moment = at_moment(at)
    url = store.database_url(db)
    with store.write_transaction(url) as session:
        decision = store.check_access(session, where, who, what, moment, _now())
    document = access_check_document(decision, where, who, what, moment, language(lang))
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        emit(render_access_check(document, language(lang)), None)
    raise typer.Exit(0 if decision.allowed else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")
