"""`arcsupport plan`: the upgrade hops that keep a cluster supported."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import (
    AtOption,
    LangChoice,
    LangOption,
    OutFileOption,
    PolicyOption,
    at_moment,
    emit,
    language,
)
from arcsupport.engine.plan import plan_for_snapshot
from arcsupport.errors import InputError
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.planner import plan_upgrade
from arcsupport.policy.loader import load_pack
from arcsupport.sources.read import read_snapshot


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


def plan(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A bundle or dump; its version, host release and deprecated APIs are used.",
            show_default=False,
        ),
    ] = None,
    from_version: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Plan from this version instead of a bundle (1.28.9).",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Target minor or version (1.31, 1.31.5) or `latest`.", show_default=False
        ),
    ] = None,
    azure_local: Annotated[
        str | None,
        typer.Option(
            "--azure-local", help="The host's Azure Local release (2508).", show_default=False
        ),
    ] = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        PlanFormat, typer.Option("--output", "-o", help="Output format.")
    ] = PlanFormat.table,
    lang: LangOption = LangChoice.en,
    out: OutFileOption = None,
) -> None:
    """Plan the upgrade hops that keep a cluster supported (one minor at a time, VER-7), with
    the Azure Local updates they need first (VER-9) and the APIs to migrate before each hop.

    `--output markdown` writes a runbook for a change ticket.
    """
    if (source is None) == (from_version is None):
        raise InputError(
            "plan", "give either a bundle (SOURCE) or --from VERSION, not both or neither"
        )
    moment = at_moment(at)
    pack = load_pack(policy)
    if source is not None:
        result = plan_for_snapshot(
            read_snapshot(source), pack, moment, target=to, host_release=azure_local
        )
    else:
        assert from_version is not None
        result = plan_upgrade(
            VersionCalendar(pack), from_version, moment.date(), target=to, host_release=azure_local
        )
    lang_code = language(lang)
    read = (source, policy)
    if output in (PlanFormat.json, PlanFormat.yaml):
        from arcsupport.report.documents.plan import plan_document
        from arcsupport.report.jsonout import dumps

        emit(dumps(plan_document(result, lang_code), output), out, read)
    elif output is PlanFormat.markdown:
        from arcsupport.report.markdown import render_plan_markdown

        emit(render_plan_markdown(result, lang_code), out, read)
    else:
        from arcsupport.report.plan import render_plan_table

        emit(render_plan_table(result, lang_code), out, read)
    raise typer.Exit(0 if result.reaches_supported else 1)


def register(app: typer.Typer) -> None:
    app.command()(plan)
