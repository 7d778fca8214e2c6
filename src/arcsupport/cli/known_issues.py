"""`arcsupport known-issues list|match` (UPS-2): the known issues of AKS Arc, and those that
concern a cluster.

Exit codes of `match`: 0 none but general ones, 1 some apply or may apply, 2 bad input (a
malformed known-issue file is named in one line)."""

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
from arcsupport.engine.known_issues import match_known_issues
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.known_issues import (
    known_issue_matches_document,
    known_issues_document,
)
from arcsupport.report.jsonout import dumps
from arcsupport.rules.facts import Facts
from arcsupport.sources.known_issues import load_known_issues
from arcsupport.sources.read import read_snapshot

known_issues_app = typer.Typer(
    help="Known issues of AKS Arc: list them, or find those that concern a cluster.",
    no_args_is_help=True,
)

KnownIssuesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--known-issues",
        help="More known-issue records (a YAML file or a folder); a record with a shipped "
        "record's id replaces it. Repeat for more.",
        show_default=False,
    ),
]


@known_issues_app.command("list")
def known_issues_list(
    known_issues: KnownIssuesOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the known issues: the shipped ones and any given with --known-issues.

    `--output json` prints an arcsupport.known-issues/v1 document, itself a valid record file.
    """
    records = load_known_issues(known_issues or [])
    if output is not Output.table:
        emit(dumps(known_issues_document(records), output), None)
    else:
        from arcsupport.report.known_issues import render_known_issues

        emit(render_known_issues(records, language(lang)), None)


@known_issues_app.command("match")
def known_issues_match(
    source: Annotated[
        Path,
        typer.Argument(help="A bundle (directory or .tar.gz) or a dump.", show_default=False),
    ],
    known_issues: KnownIssuesOption = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """The known issues that concern a cluster.

    Matched by the Azure Local release (facts.yaml host_platform), the Kubernetes version and
    the components present; `may apply` when the bundle cannot check a condition, `general`
    for issues of an operation any cluster may run. Exit codes: 0 none but general ones,
    1 some apply or may apply, 2 bad input.
    """
    moment = at_moment(at)
    records = load_known_issues(known_issues or [])
    snapshot = read_snapshot(source)
    facts = Facts(snapshot, load_pack(policy))
    matches = match_known_issues(facts, records, moment)
    lang_code = language(lang)
    document = known_issue_matches_document(facts, matches, moment, lang_code)
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        from arcsupport.report.known_issues import render_known_issue_matches

        emit(render_known_issue_matches(document, lang_code), None)
    raise typer.Exit(1 if any(match.certainty != "general" for match in matches) else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(known_issues_app, name="known-issues")
