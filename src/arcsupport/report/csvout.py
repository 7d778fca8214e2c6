"""--output csv: the fleet as a spreadsheet, one row per cluster, most urgent first.

Headers, verdicts and deadline descriptions are in the report's language; dates are ISO-8601
and counts are plain integers so that a spreadsheet sorts and sums them."""

from __future__ import annotations

import csv
import io

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.summary import (
    cited_clauses,
    nearest_deadline,
    severity_counts,
    verdict_label,
)
from arcsupport.types import SEVERITY_ORDER, VERDICTS

_LEADING = ("cluster", "resource_id", "kubernetes_version", "verdict", "nearest_deadline", "what")


def render_csv(assessments: list[Assessment], lang: Lang) -> str:
    """cluster, resource_id, kubernetes_version, verdict, nearest_deadline, what, one count
    column per severity, clauses, notices (a stale calendar, an old snapshot)."""
    out = io.StringIO()
    # RFC 4180 line endings; spreadsheets and the csv module expect them.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            *(text(lang, f"report.csv.{column}") for column in _LEADING),
            *(text(lang, f"report.csv.severity.{severity}") for severity in SEVERITY_ORDER),
            text(lang, "report.csv.clauses"),
            text(lang, "report.csv.notices"),
        ]
    )
    # A fleet's rows repeat a few verdicts and deadline texts: worded once each.
    labels = {verdict: verdict_label(verdict, lang) for verdict in VERDICTS}
    rows = []
    for assessment in sort_by_urgency(assessments):
        nearest = nearest_deadline(assessment)
        counts = severity_counts(assessment)
        rows.append(
            [
                assessment.cluster_name,
                assessment.resource_id,
                assessment.kubernetes_version or "",
                labels[assessment.verdict],
                nearest.date.isoformat() if nearest else "",
                render(lang, nearest.what) if nearest else "",
                *(counts[severity] for severity in SEVERITY_ORDER),
                " ".join(cited_clauses(assessment)),
                " | ".join([render(lang, notice) for notice in assessment.notices]),
            ]
        )
    writer.writerows(rows)
    return out.getvalue()
