"""`arcsupport fleet`: assess many clusters, most urgent first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arcsupport.api import assess_fleet, load_pack
from arcsupport.cli.options import (
    AdvisoriesOption,
    AtOption,
    FailOn,
    FailOnOption,
    LangChoice,
    LangOption,
    OutFileOption,
    PolicyOption,
    advisories_from,
    at_moment,
    emit,
    language,
)
from arcsupport.report.formats import ReportFormat, render_document
from arcsupport.report.progress import assessing_bar
from arcsupport.report.summary import fails
from arcsupport.sources.read import read_sources


def fleet(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Bundles, dumps, or Azure Resource Graph exports (`az graph query ... -o json`).",
            show_default=False,
        ),
    ],
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        ReportFormat, typer.Option("--output", "-o", help="Output format.")
    ] = ReportFormat.table,
    lang: LangOption = LangChoice.en,
    fail_on: FailOnOption = FailOn.unsupported,
    out: OutFileOption = None,
    advisories: AdvisoriesOption = None,
) -> None:
    """Assess many clusters: one row per cluster by urgency (verdict, then the nearest
    deadline), totals by verdict and by clause.

    Clusters known only from Resource Graph rows are judged on what the rows carry (version,
    connectivity, subscription); coverage says what was not available. A cluster that is not
    AKS Arc is `not-applicable`, counted and listed last. Exit codes as `check`: 1 also when
    any cluster is `undetermined`.
    """
    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = advisories_from(advisories)
    read = read_sources(sources)
    with assessing_bar() as advance:
        result = assess_fleet(
            read.snapshots,
            pack,
            at=moment,
            advisories=loaded.advisories if loaded else (),
            progress=advance,
            partial_sources=read.partial,
        )
    lang_code = language(lang)
    read_paths = (*sources, policy, *(advisories or ()))
    if output is ReportFormat.table:
        from arcsupport.report.table import render_fleet

        emit(
            render_fleet(result.assessments, lang_code, result.notices),
            out,
            read_paths,
        )
    else:
        emit(
            render_document(
                output,
                result.assessments,
                pack,
                lang_code,
                fail_on.value,
                fleet=True,
                partial=result.partial,
                notices=result.notices,
            ),
            out,
            read_paths,
        )
    raise typer.Exit(1 if fails(result.assessments, fail_on.value) else 0)


def register(app: typer.Typer) -> None:
    app.command()(fleet)
