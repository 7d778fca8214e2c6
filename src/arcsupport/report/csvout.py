"""--output csv: the fleet as a spreadsheet, one row per cluster, most urgent first.

A CSV is read by programs as much as by people, so it carries the contract's values: the
headers are the JSON field names and the verdict is `at-risk`, in every language; only the
sentences (what the nearest deadline is, the notices) are in the report's language. Dates are
ISO-8601 and counts plain integers so that a spreadsheet sorts and sums them. The file begins
with a UTF-8 byte order mark: without it Excel reads UTF-8 as the Windows code page and garbles
Korean (Python reads it with `encoding="utf-8-sig"`)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.summary import cited_clauses, nearest_deadline, severity_counts
from arcsupport.timeutil import iso_time
from arcsupport.types import SEVERITY_ORDER

BOM = "\ufeff"
COLUMNS = (
    "cluster",
    "resource_id",
    "kubernetes_version",
    "verdict",
    "evaluated_at",
    "nearest_deadline",
    "what",
    # One count per severity, in SEVERITY_ORDER, as identifiers (best-effort is best_effort).
    *(severity.replace("-", "_") for severity in SEVERITY_ORDER),
    "clauses",
    "notices",
)


def render_csv(assessments: list[Assessment], lang: Lang) -> str:
    """cluster, resource_id, kubernetes_version, verdict, evaluated_at, nearest_deadline, what,
    one count column per severity, clauses, notices (a stale calendar, an old snapshot, a
    partial export, a cluster given twice)."""
    out = io.StringIO()
    out.write(BOM)
    # RFC 4180 line endings; spreadsheets and the csv module expect them.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = []
    # A fleet is assessed at one moment: written once, not once per row (strftime is slow).
    moments: dict[datetime, str] = {}
    for assessment in sort_by_urgency(assessments):
        nearest = nearest_deadline(assessment)
        counts = severity_counts(assessment)
        evaluated_at = moments.get(assessment.evaluated_at)
        if evaluated_at is None:
            evaluated_at = moments[assessment.evaluated_at] = iso_time(assessment.evaluated_at)
        rows.append(
            [
                assessment.cluster_name,
                assessment.resource_id,
                assessment.kubernetes_version or "",
                assessment.verdict,
                evaluated_at,
                nearest.date.isoformat() if nearest else "",
                render(lang, nearest.what) if nearest else "",
                *(counts[severity] for severity in SEVERITY_ORDER),
                " ".join(cited_clauses(assessment)),
                " | ".join([render(lang, notice) for notice in assessment.notices]),
            ]
        )
    writer.writerows(rows)
    return out.getvalue()
