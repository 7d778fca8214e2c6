"""`arcsupport triage`: decide whether a support case is in scope, best effort, out of scope,
or has to wait for an upgrade, with the clauses and the scope rule that decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    PolicyOption,
    at_moment,
    emit,
    language,
)
from arcsupport.decoding import decode_json
from arcsupport.engine.triage import Case, cluster_for_triage, parse_case, triage
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.report.jsonout import dumps
from arcsupport.report.triage import render_triage_table, triage_data
from arcsupport.safeyaml import load_yaml
from arcsupport.sources.known_issues import builtin_known_issues
from arcsupport.sources.read import read_snapshot

# A case file is a ticket; anything larger is the wrong file.
MAX_CASE_BYTES = 256 * 1024


def read_case(path: Path) -> Case:
    """A case from a YAML or JSON file (`.json` is read as JSON, anything else as YAML)."""
    where = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CASE_BYTES + 1)
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    if len(data) > MAX_CASE_BYTES:
        raise InputError(where, f"case file larger than {MAX_CASE_BYTES // 1024} KiB refused")
    document: Any
    if path.suffix.lower() == ".json":
        document = decode_json(data, object, where)
    else:
        document = load_yaml(data, where)
    return parse_case(document, where)


def triage_command(
    case_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="CASE",
            help="A case file (YAML or JSON): title, description, optional components and "
            "preview_feature. Omit it to give --title/--description instead.",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", help="The case's title (instead of a CASE file).", show_default=False
        ),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option(
            "--description", help="The case's description (with --title).", show_default=False
        ),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            help="A bundle or dump of the cluster: its assessment is attached, and an "
            "unsupported version turns the answer into upgrade-first with the plan.",
            show_default=False,
        ),
    ] = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """Triage a support case against the policy's scope rules (COV-*, PRV-3, SHR-2, SVP-2).

    The answer is in-scope, best-effort, out-of-scope or upgrade-first, with the clauses, the
    reasons, the scope rule that fired (none: a human has to look), whether only business hours
    apply (preview features) and whether support needs an access grant to proceed.

    Exit codes: 0 decided, 2 bad input.
    """
    if case_file is not None and (title is not None or description is not None):
        raise InputError("triage", "give a CASE file or --title/--description, not both")
    if case_file is None and title is None:
        raise InputError("triage", "give a CASE file, or the case's --title (and --description)")
    case = (
        read_case(case_file)
        if case_file is not None
        else parse_case({"title": title, "description": description or ""}, "--title")
    )
    moment = at_moment(at)
    pack = load_pack(policy)
    if bundle is None:
        result = triage(case, pack)
    else:
        context = cluster_for_triage(read_snapshot(bundle), pack, moment, builtin_known_issues())
        result = triage(
            case,
            pack,
            assessment=context.assessment,
            plan=context.plan,
            known_issues=context.known_issues,
        )
    lang_code = language(lang)
    if output is Output.json:
        emit(dumps(triage_data(result, lang_code)), None)
    else:
        emit(render_triage_table(result, lang_code), None)


def register(app: typer.Typer) -> None:
    app.command("triage")(triage_command)
