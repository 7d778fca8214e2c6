"""The `arcsupport` command: parse, call, render. No policy logic lives here."""

from __future__ import annotations

import difflib
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from arcsupport.engine import assess
from arcsupport.errors import InputError
from arcsupport.i18n import Lang, text
from arcsupport.policy.loader import load_pack, pack_as_builtins
from arcsupport.report.jsonout import dumps
from arcsupport.report.model import assessment_data
from arcsupport.report.table import print_renderables, render_assessment
from arcsupport.report.versions import versions_data
from arcsupport.rules import load_rules
from arcsupport.rules.base import SEVERITY_RANK
from arcsupport.snapshot.bundle import read_snapshot
from arcsupport.timeutil import parse_at

app = typer.Typer(
    name="arcsupport",
    help=(
        "Judge AKS enabled by Azure Arc clusters against the vendor support policy.\n\n"
        "Every finding cites a clause of the policy (see `arcsupport explain VER-1`)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
policy_app = typer.Typer(help="Show or change the policy pack.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


class Output(StrEnum):
    table = "table"
    json = "json"


class LangChoice(StrEnum):
    en = "en"
    ko = "ko"


class FailOn(StrEnum):
    unsupported = "unsupported"
    warning = "warning"
    info = "info"


AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Evaluate as of this date or time (2025-09-15 or 2025-09-15T00:00:00Z). Default: now.",
        show_default=False,
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="A policy pack (folder or file), or an overlay that says `extends: aks-arc`.",
        show_default=False,
    ),
]
OutputOption = Annotated[Output, typer.Option("--output", "-o", help="Output format.")]
LangOption = Annotated[LangChoice, typer.Option("--lang", help="Language of the report.")]


def _at(value: str | None) -> datetime:
    return parse_at(value) if value else datetime.now(UTC).replace(microsecond=0)


def _console() -> Console:
    interactive = sys.stdout.isatty()
    return Console(
        width=None if interactive else 80,
        highlight=False,
        soft_wrap=False,
        color_system="auto" if interactive else None,
    )


@app.command()
def check(
    source: Annotated[
        Path,
        typer.Argument(
            help="A bundle (directory or .tar.gz) or a `kubectl cluster-info dump` folder.",
            show_default=False,
        ),
    ],
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 when any finding is at or above this severity.",
        ),
    ] = FailOn.unsupported,
) -> None:
    """Assess one cluster: verdict, findings with their clauses, operations, deadlines.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input.
    """
    moment = _at(at)
    pack = load_pack(policy)
    snapshot = read_snapshot(source)
    assessment = assess(snapshot, pack, moment)
    language: Lang = lang.value
    if output is Output.json:
        sys.stdout.write(dumps(assessment_data(assessment, language)))
    else:
        print_renderables(_console(), render_assessment(assessment, language))
    threshold = SEVERITY_RANK[fail_on.value]
    failing = any(SEVERITY_RANK[finding.severity] >= threshold for finding in assessment.findings)
    raise typer.Exit(1 if failing else 0)


@app.command()
def versions(
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the AKS Arc Kubernetes minors with their status, end of support and patches."""
    moment = _at(at)
    pack = load_pack(policy)
    data = versions_data(pack, moment)
    if output is Output.json:
        sys.stdout.write(dumps(data))
        return
    language: Lang = lang.value
    console = _console()
    console.print(
        Text(
            text(
                language,
                "ui.versions.title",
                at=data["evaluated_at"][:10],
                policy=f"{data['policy']['name']} {data['policy']['version']}",
                as_of=data["policy"]["data_as_of"],
            ),
            style="bold",
        )
    )
    table = Table(box=None, pad_edge=False)
    for column in ("minor", "status", "end", "days", "basis", "patches"):
        table.add_column(text(language, f"ui.versions.column.{column}"))
    for row in data["versions"]:
        table.add_row(
            row["minor"],
            text(language, f"ui.versions.status.{row['status']}"),
            row["end_of_support"] or "-",
            "-" if row["days_left"] is None else str(row["days_left"]),
            text(language, f"ui.basis.{row['basis']}") if row["basis"] else "-",
            ", ".join(row["patches"]) or "-",
        )
    console.print(table)


@app.command()
def explain(
    item: Annotated[
        str, typer.Argument(help="A clause ID (VER-1) or a rule id (version-lifecycle).")
    ],
    policy: PolicyOption = None,
    lang: LangOption = LangChoice.en,
) -> None:
    """Explain a clause of the policy or a rule: what it says, how it is checked, how to fix."""
    pack = load_pack(policy)
    rules = load_rules()
    language: Lang = lang.value
    console = _console()

    def line(label_key: str, value: str) -> None:
        console.print(Text(f"{text(language, label_key)}: ", style="bold") + Text(value))

    clause_id = item.upper()
    if clause_id in pack.clauses:
        clause = pack.clauses[clause_id]
        section = pack.sections[clause.section]
        line("ui.explain.clause", clause_id)
        line(
            "ui.explain.section",
            f"{clause.section} - {section.ko if language == 'ko' else section.en}",
        )
        line("ui.explain.effect", text(language, f"ui.severity.{clause.effect}"))
        line("ui.explain.statement", clause.text.get(language))
        line("ui.explain.check", clause.check.get(language))
        line("ui.explain.fix", clause.fix.get(language))
        citing = [spec.id for spec in rules.values() if clause_id in spec.clauses]
        line("ui.explain.cited-by", ", ".join(citing) or text(language, "ui.explain.none"))
        return
    if item in rules:
        spec = rules[item]
        line("ui.explain.rule", f"{spec.id} - {text(language, f'rule.{spec.id}', 'title')}")
        line("ui.explain.what", text(language, f"rule.{spec.id}", "what"))
        line("ui.explain.why", text(language, f"rule.{spec.id}", "why"))
        line("ui.explain.fix", text(language, f"rule.{spec.id}", "fix"))
        line("ui.explain.needs", "; ".join(spec.needs))
        console.print(Text(f"{text(language, 'ui.explain.clauses')}:", style="bold"))
        for clause_id in spec.clauses:
            console.print(f"  {clause_id}: {pack.clauses[clause_id].text.get(language)}")
        return
    known = [*pack.clauses, *rules]
    close = difflib.get_close_matches(item, known, n=3) or difflib.get_close_matches(
        clause_id, known, n=3
    )
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else "; clause IDs look like VER-1, rule ids like version-lifecycle"
    )
    raise InputError(item, "no such clause or rule" + hint)


class PackFormat(StrEnum):
    yaml = "yaml"
    json = "json"


@policy_app.command("show")
def policy_show(
    policy: PolicyOption = None,
    output: Annotated[
        PackFormat, typer.Option("--output", "-o", help="Output format.")
    ] = PackFormat.yaml,
) -> None:
    """Print the effective policy pack (the shipped pack with any overlay applied)."""
    import yaml

    pack = load_pack(policy)
    data = pack_as_builtins(pack)
    if output is PackFormat.json:
        sys.stdout.write(dumps(data))
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


# Typer's usage errors are click's ClickException (vendored by newer Typer releases); found
# through an exported subclass so that either spelling works.
_USAGE_ERROR: type[Exception] = next(
    klass for klass in typer.BadParameter.__mro__ if klass.__name__ == "ClickException"
)


def main(argv: list[str] | None = None) -> None:
    """Exit 0 or 1 as the command decides; 2 on bad input or usage, with one line on stderr."""
    try:
        code = app(args=argv, prog_name="arcsupport", standalone_mode=False)
    except InputError as error:
        # One line, even when a file name or a value holds a line break.
        line = str(error).replace("\r", "\\r").replace("\n", "\\n")
        print(f"arcsupport: error: {line}", file=sys.stderr)
        sys.exit(2)
    except _USAGE_ERROR as error:
        if type(error).__name__ != "NoArgsIsHelpError":  # that one has printed the help
            message = " ".join(str(getattr(error, "format_message", error.__str__)()).split())
            print(f"arcsupport: error: {message}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
