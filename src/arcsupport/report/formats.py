"""One entry point for the document formats `check` and `fleet` share."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message
from arcsupport.policy.model import Pack
from arcsupport.report.documents.assessment import assessment_document, fleet_document
from arcsupport.report.jsonout import dumps


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    html = "html"
    ical = "ical"
    csv = "csv"


def render_document(
    fmt: ReportFormat,
    assessments: list[Assessment],
    pack: Pack,
    lang: Lang,
    fail_on: str,
    *,
    fleet: bool,
    partial: bool = False,
    notices: Sequence[Message] = (),
) -> str | bytes:
    """Every format but `table` (which is drawn for a terminal); `partial` says clusters are
    missing (a Resource Graph export was one page of a longer result) and `notices` are about
    the fleet as a whole. Every other notice is its cluster's, which every format shows."""
    if fmt in (ReportFormat.json, ReportFormat.yaml):
        if fleet:
            return dumps(fleet_document(assessments, lang, partial, notices), fmt)
        return dumps(assessment_document(assessments[0], lang), fmt)
    if fmt is ReportFormat.sarif:
        from arcsupport.report.sarif import render_sarif

        return render_sarif(assessments, pack, lang)
    if fmt is ReportFormat.junit:
        from arcsupport.report.junit import render_junit

        return render_junit(assessments, lang, fail_on)
    if fmt is ReportFormat.markdown:
        from arcsupport.report.markdown import render_markdown

        return render_markdown(assessments, lang, notices)
    if fmt is ReportFormat.html:
        from arcsupport.report.html import render_html

        return render_html(assessments, pack, lang, notices)
    if fmt is ReportFormat.ical:
        from arcsupport.report.ical import render_ical

        return render_ical(assessments, lang)
    if fmt is ReportFormat.csv:
        from arcsupport.report.csvout import render_csv

        return render_csv(assessments, lang)
    raise ValueError(f"{fmt} is drawn, not rendered as a document")
