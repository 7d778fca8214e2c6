"""`arcsupport access ...` and `arcsupport audit ...`: consented support access (SHR-2,
COV-IN-8) and its audit log.

Inputs are validated in full before the database is opened, so bad input never creates or
touches a database. SQLAlchemy and Alembic are imported inside the commands (through
`arcsupport.access.store`), so `arcsupport check` does not load them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text

from arcsupport.access.consent import (
    Decision,
    GrantRecord,
    iso,
    parse_action,
    parse_cluster,
    parse_identity,
    parse_reason,
    request_grant,
)
from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    at_moment,
    emit,
    language,
)
from arcsupport.errors import InputError
from arcsupport.i18n import Lang, has, text
from arcsupport.report.jsonout import dumps
from arcsupport.timeutil import parse_at

if TYPE_CHECKING:
    from arcsupport.access.audit import Anchor, Problem, Verification
    from arcsupport.access.models import AuditEntry

access_app = typer.Typer(
    help="Consented, time-boxed support access to clusters (SHR-2, COV-IN-8).",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="The hash-chained audit log of every grant, revocation and access check.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ARCSUPPORT_DB",
        help=(
            "The access database: a SQLite file path or a URL (postgresql+psycopg://...). "
            "Default: access.db in your data folder."
        ),
        show_default=False,
    ),
]
_ANCHOR = re.compile(r"(\d+):([0-9a-f]{64})")


def _now() -> datetime:
    """The moment audit entries are recorded at: the real clock, read once at the edge."""
    return datetime.now(UTC)


def _grant_line(lang: Lang, record: GrantRecord) -> Text:
    return Text(
        text(
            lang,
            "access.granted",
            id=record.id,
            engineer=record.engineer,
            actions=", ".join(record.actions),
            cluster=record.cluster,
            start=iso(record.starts_at),
            end=iso(record.ends_at),
            case=record.case,
            approved_by=record.approved_by,
        )
    )


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
    if output is Output.json:
        data: dict[str, Any] = {"schema": "arcsupport.access-grant/v1", "grant": record.data()}
        if emit_rbac:
            data["rbac"] = rbac.manifests(record, rbac_namespaces)
        emit(dumps(data), None)
    elif emit_rbac:
        emit(rbac.render(record, rbac_namespaces, lang_code), None)
    else:
        emit([_grant_line(lang_code, record)], None)


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

    who = parse_identity(by, "--by")
    why = None if reason is None else parse_reason(reason)
    moment = at_moment(at)
    url = store.database_url(db)
    with store.write_transaction(url) as session:
        record = store.revoke_grant(session, grant_id, who, why, moment, _now())
    if output is Output.json:
        emit(dumps({"schema": "arcsupport.access-grant/v1", "grant": record.data()}), None)
        return
    line = text(language(lang), "access.revoked", id=record.id, at=iso(moment), by=who)
    emit([Text(line)], None)


def _state_label(lang: Lang, record: GrantRecord, at: datetime) -> str:
    state, _ = record.state_at(at)
    return text(lang, f"access.state.{state}")


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

    wanted = None if cluster is None else parse_cluster(cluster)
    moment = at_moment(None) if active_at is None else parse_at(active_at, "--active-at")
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        records = store.list_grants(session, wanted, None if active_at is None else moment)
    lang_code = language(lang)
    if output is Output.json:
        grants = [{**record.data(), "state": record.state_at(moment)[0]} for record in records]
        emit(
            dumps(
                {
                    "schema": "arcsupport.access-grants/v1",
                    "evaluated_at": iso(moment),
                    "grants": grants,
                }
            ),
            None,
        )
        return
    if not records:
        emit([Text(text(lang_code, "access.list.none", at=iso(moment)))], None)
        return
    # Lines rather than a table: ARM ids and identities are too long for columns at 80
    # characters, and a shortened id is a wrong id.
    lines: list[RenderableType] = [
        Text(text(lang_code, "access.list.title", at=iso(moment)), style="bold")
    ]
    for record in records:
        lines.append(
            Text(f"{record.id:>6}  ")
            + Text(_state_label(lang_code, record, moment), style="bold")
            + Text(f"  {record.engineer}  {', '.join(record.actions)}")
        )
        for detail in (
            record.cluster,
            text(
                lang_code,
                "access.list.terms",
                start=iso(record.starts_at),
                end=iso(record.ends_at),
                case=record.case,
                approved_by=record.approved_by,
            ),
        ):
            lines.append(Padding(Text(detail), (0, 0, 0, 8)))
    emit(lines, None)


def _decision_message(lang: Lang, decision: Decision, engineer: str, action: str) -> str:
    if decision.reason is None:
        return ""
    grant = decision.grant
    return text(
        lang,
        f"access.reason.{decision.reason}",
        grant="-" if grant is None else grant.id,
        when="-" if decision.when is None else iso(decision.when),
        by="-" if grant is None else grant.revoked_by,
        engineer=engineer,
        action=action,
    )


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

    where = parse_cluster(cluster)
    who = parse_identity(engineer, "--engineer")
    what = parse_action(action)
    moment = at_moment(at)
    url = store.database_url(db)
    with store.write_transaction(url) as session:
        decision = store.check_access(session, where, who, what, moment, _now())
    lang_code = language(lang)
    reason = _decision_message(lang_code, decision, who, what)
    if output is Output.json:
        grant = decision.grant
        data = {
            "schema": "arcsupport.access-check/v1",
            "allowed": decision.allowed,
            "reason": decision.reason,
            "message": reason or None,
            "cluster": where,
            "engineer": who,
            "action": what,
            "at": iso(moment),
            "grant": None if grant is None else grant.id,
            "until": iso(decision.when) if decision.allowed and decision.when else None,
        }
        emit(dumps(data), None)
    elif decision.allowed and decision.grant is not None and decision.when is not None:
        line = text(
            lang_code,
            "access.allowed",
            engineer=who,
            action=what,
            cluster=where,
            at=iso(moment),
            grant=decision.grant.id,
            end=iso(decision.when),
        )
        emit([Text(line)], None)
    else:
        line = text(
            lang_code,
            "access.denied",
            engineer=who,
            action=what,
            cluster=where,
            at=iso(moment),
            reason=reason,
        )
        emit([Text(line)], None)
    raise typer.Exit(0 if decision.allowed else 1)


def _entry_data(entry: AuditEntry) -> dict[str, Any]:
    from arcsupport.access.audit import details_of

    return {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at,
        "actor": entry.actor,
        "action": entry.action,
        "details": details_of(entry),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _summary(lang: Lang, action: str, details: Any) -> str:
    """One line in words; `--output json` carries every field."""
    from arcsupport.access.audit import canonical_json

    if not isinstance(details, dict):
        return str(details)
    key = "audit.summary." + action.replace(".", "-")
    if action == "access.check":
        key += "-allowed" if details.get("allowed") else "-denied"
    if not has(lang, key):
        return canonical_json(details)
    args = {name: "-" if value is None else value for name, value in details.items()}
    if isinstance(details.get("actions"), list):
        args["actions"] = ", ".join(str(item) for item in details["actions"])
    return text(lang, key, **args)


def _short_time(stamp: str) -> str:
    """2025-09-15T08:00:00.123456Z as 2025-09-15 08:00:00Z: seconds are enough to read."""
    return stamp[:10] + " " + stamp[11:19] + "Z" if len(stamp) >= 19 else stamp


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

    moment = None if since is None else parse_at(since, "--since")
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        rows = [_entry_data(entry) for entry in audit.entries(session, moment)]
    lang_code = language(lang)
    if output is Output.json:
        emit(dumps({"schema": "arcsupport.audit/v1", "entries": rows}), None)
        return
    if not rows:
        emit([Text(text(lang_code, "audit.none"))], None)
        return
    # Two lines an entry: the summary is too long for a table column at 80 characters.
    lines: list[RenderableType] = []
    for row in rows:
        lines.append(
            Text(f"{row['seq']:>6}  {_short_time(str(row['recorded_at']))}  ")
            + Text(str(row["action"]), style="bold")
            + Text(f"  {row['actor']}")
        )
        summary = Text(_summary(lang_code, str(row["action"]), row["details"]))
        lines.append(Padding(summary, (0, 0, 0, 8)))
    emit(lines, None)


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


def _problem_message(lang: Lang, problem: Problem) -> str:
    return text(
        lang,
        f"audit.problem.{problem.kind}",
        seq=problem.seq,
        grant=problem.grant,
        other=problem.other,
    )


def _verification_message(lang: Lang, result: Verification) -> str:
    if result.problem is not None:
        return text(lang, "audit.tampered", problem=_problem_message(lang, result.problem))
    return text(
        lang, "audit.intact", entries=result.entries, seq=result.head_seq, hash=result.head_hash
    )


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

    pinned = _anchors(anchors)
    url = store.database_url(db)
    with store.read_transaction(url) as session:
        result = audit.verify(session, pinned)
    lang_code = language(lang)
    if output is Output.json:
        problem = result.problem
        data = {
            "schema": "arcsupport.audit-verify/v1",
            "intact": problem is None,
            "entries": result.entries,
            "head": {"seq": result.head_seq, "hash": result.head_hash},
            "problem": None
            if problem is None
            else {**problem.data(), "message": _problem_message(lang_code, problem)},
        }
        emit(dumps(data), None)
    else:
        emit([Text(_verification_message(lang_code, result))], None)
    raise typer.Exit(0 if result.problem is None else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")
    app.add_typer(audit_app, name="audit")
