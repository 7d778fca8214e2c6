"""`arcsupport versions`: the version calendar on a date."""

from __future__ import annotations

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
from arcsupport.policy.loader import load_pack
from arcsupport.report.documents.versions import versions_document
from arcsupport.report.jsonout import dumps


def versions(
    at: AtOption = None,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """List the AKS Arc Kubernetes minors with their status, end of support and patches."""
    moment = at_moment(at)
    lang_code = language(lang)
    document = versions_document(load_pack(policy), moment, lang_code)
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        from arcsupport.report.versions import render_versions

        emit(render_versions(document, lang_code), None)


def register(app: typer.Typer) -> None:
    app.command()(versions)
