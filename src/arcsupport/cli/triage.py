"""`arcsupport triage`: decide whether a support case is in scope, best effort, out of scope,
or has to wait for an upgrade, with the clauses and the scope rule that decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from arcsupport.engine.triage import cluster_for_triage, parse_case, triage
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.triage import triage_document
from arcsupport.report.jsonout import dumps
from arcsupport.sources.case import read_case_file
from arcsupport.sources.known_issues import builtin_known_issues
from arcsupport.sources.read import read_snapshot
from arcsupport.textanalysis import korean_morphology


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
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show the scoring: every scope rule the case touched, its score, the words "
            "for and against it and how each was read (negated, hedged, planned...).",
        ),
    ] = False,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """Triage a support case against the policy's scope rules (COV-*, PRV-3, SHR-2, SVP-2).

    The answer is in-scope, best-effort, out-of-scope, upgrade-first or needs-review (with the
    candidate clauses and the questions to ask the customer), with its confidence, the clauses
    and the words that decided them, the reasons, whether only business hours apply (preview
    features) and whether support needs an access grant to proceed.

    Exit codes: 0 decided, 2 bad input.
    """
    if case_file is not None and (title is not None or description is not None):
        raise InputError("triage", "give a CASE file or --title/--description, not both")
    if case_file is None and title is None:
        raise InputError("triage", "give a CASE file, or the case's --title (and --description)")
    case = (
        parse_case(read_case_file(case_file), str(case_file))
        if case_file is not None
        else parse_case({"title": title, "description": description or ""}, "--title")
    )
    moment = at_moment(at)
    pack = load_pack(policy)
    # Built here, not in the engine: the analyser reads its model files when first used.
    morphology = korean_morphology()
    if bundle is None:
        result = triage(case, pack, morphology=morphology, at=moment)
    else:
        context = cluster_for_triage(read_snapshot(bundle), pack, moment, builtin_known_issues())
        result = triage(
            case,
            pack,
            morphology=morphology,
            at=moment,
            assessment=context.assessment,
            plan=context.plan,
            known_issues=context.known_issues,
        )
    lang_code = language(lang)
    if output is not Output.table:
        emit(dumps(triage_document(result, lang_code, explain=explain), output), None)
    else:
        from arcsupport.report.triage import render_triage_table

        emit(render_triage_table(result, lang_code, explain=explain), None)


def register(app: typer.Typer) -> None:
    app.command("triage")(triage_command)
