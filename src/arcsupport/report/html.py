"""--output html: one self-contained, printable report file.

Everything is inline (CSS, the SVG timeline) and nothing refers to the network, so the file can
be attached to a ticket or mailed and still show everything offline; it needs no JavaScript.
The Jinja2 templates live in report/templates and escape every value (autoescape)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.policy.model import Pack
from arcsupport.report.model import assessment_data, fleet_data, sort_by_urgency
from arcsupport.report.summary import days_phrase, nearest_deadline, severity_counts
from arcsupport.report.timeline import build_timeline
from arcsupport.types import SEVERITY_ORDER
from arcsupport.version import __version__


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("arcsupport.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _cluster(assessment: Assessment, calendar: VersionCalendar, lang: Lang) -> dict[str, Any]:
    data = assessment_data(assessment, lang)
    today = assessment.evaluated_at.date()

    def when(day: str) -> str:
        return days_phrase(lang, date.fromisoformat(day), today)

    for item in data["findings"]:
        item["deadline_in"] = when(item["deadline"]) if item["deadline"] else ""
    groups = [
        {"severity": severity, "findings": items}
        for severity in SEVERITY_ORDER
        if (items := [item for item in data["findings"] if item["severity"] == severity])
    ]
    for deadline in data["deadlines"]:
        deadline["in"] = when(deadline["date"])
    coverage = data["coverage"]
    skipped = [gap for gap in coverage["not_evaluated"] if not gap["partial"]]
    data.update(
        groups=groups,
        counts=severity_counts(assessment),
        rules_total=len(coverage["evaluated"]) + len(skipped),
        timeline=build_timeline(assessment, calendar, lang),
        anchor=f"cluster-{assessment.cluster_name}",
    )
    return data


def _fleet_rows(assessments: list[Assessment], lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for assessment in assessments:
        nearest = nearest_deadline(assessment)
        today = assessment.evaluated_at.date()
        rows.append(
            {
                "name": assessment.cluster_name,
                "anchor": f"cluster-{assessment.cluster_name}",
                "version": assessment.kubernetes_version or "?",
                "verdict": assessment.verdict,
                "nearest": nearest.date.isoformat() if nearest else "",
                "nearest_in": days_phrase(lang, nearest.date, today) if nearest else "",
                "what": render(lang, nearest.what) if nearest else "",
                "counts": severity_counts(assessment),
            }
        )
    return rows


def render_html(assessments: list[Assessment], pack: Pack, lang: Lang) -> str:
    """One HTML document: a single cluster's report, or a fleet summary then each cluster."""
    calendar = VersionCalendar(pack)
    ordered = sort_by_urgency(assessments)

    def t(key: str, **args: Any) -> str:
        return text(lang, key, **args)

    fleet = None
    if len(ordered) != 1:
        fleet = fleet_data(ordered, lang)
        fleet["rows"] = _fleet_rows(ordered, lang)
    template = _environment().get_template("report.html.j2")
    return template.render(
        lang=lang,
        t=t,
        version=__version__,
        severities=SEVERITY_ORDER,
        clusters=[_cluster(assessment, calendar, lang) for assessment in ordered],
        fleet=fleet,
    )
