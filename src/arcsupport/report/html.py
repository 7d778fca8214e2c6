"""--output html: one self-contained, printable report file.

Everything is inline (CSS, the SVG timeline) and nothing refers to the network, so the file can
be attached to a ticket or mailed and still show everything offline; it needs no JavaScript.
The Jinja2 templates live in report/templates and escape every value (autoescape)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message, render, text
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.policy.model import Pack
from arcsupport.report.clip import clip, clip_strings
from arcsupport.report.documents.assessment import (
    AssessmentDoc,
    FindingDoc,
    FleetTotalsDoc,
    assessment_document,
    fleet_totals,
    sort_by_urgency,
)
from arcsupport.report.documents.base import PolicyDoc, policy_doc
from arcsupport.report.summary import (
    days_phrase,
    nearest_deadline,
    qualified,
    qualifier,
    severity_counts,
    version_text,
)
from arcsupport.report.timeline import Timeline, build_timeline
from arcsupport.timeutil import iso_time
from arcsupport.types import SEVERITY_ORDER, Severity, Verdict
from arcsupport.version import __version__


@dataclass(frozen=True, slots=True)
class _Group:
    severity: Severity
    findings: list[FindingDoc]


@dataclass(frozen=True, slots=True)
class _Cluster:
    """One cluster's section: its document and what the page adds to it."""

    doc: AssessmentDoc
    lang: Lang
    today: date
    groups: list[_Group]
    counts: dict[Severity, int]
    rules_total: int
    timeline: Timeline
    anchor: str
    version: str  # marked when inferred
    qualifier: str  # "as far as checked: ..." when the verdict needs it, else ""

    def when(self, day: str) -> str:
        return days_phrase(self.lang, date.fromisoformat(day), self.today)


@dataclass(frozen=True, slots=True)
class _FleetRow:
    name: str
    anchor: str
    version: str
    verdict: Verdict
    starred: bool  # reached while rules could not run
    nearest: str
    nearest_in: str
    what: str
    counts: dict[Severity, int]


@dataclass(frozen=True, slots=True)
class _Fleet:
    notices: list[str]  # about the fleet as a whole
    evaluated_at: str | None
    policy: PolicyDoc | None
    totals: FleetTotalsDoc
    rows: list[_FleetRow]

    @property
    def starred(self) -> bool:
        return any(row.starred for row in self.rows)


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


def _cluster(assessment: Assessment, calendar: VersionCalendar, lang: Lang) -> _Cluster:
    doc = assessment_document(assessment, lang)
    skipped = [gap for gap in doc.coverage.not_evaluated if not gap.partial]
    return _Cluster(
        doc=doc,
        lang=lang,
        today=assessment.evaluated_at.date(),
        groups=[
            _Group(severity, items)
            for severity in SEVERITY_ORDER
            if (items := [item for item in doc.findings if item.severity == severity])
        ],
        counts=severity_counts(assessment),
        rules_total=len(doc.coverage.evaluated) + len(skipped),
        timeline=build_timeline(assessment, calendar, lang),
        anchor=f"cluster-{assessment.cluster_name}",
        version=version_text(assessment, lang),
        qualifier=qualifier(assessment, lang) if qualified(assessment) else "",
    )


def _fleet_row(assessment: Assessment, lang: Lang) -> _FleetRow:
    nearest = nearest_deadline(assessment)
    today = assessment.evaluated_at.date()
    return _FleetRow(
        name=assessment.cluster_name,
        anchor=f"cluster-{assessment.cluster_name}",
        version=assessment.kubernetes_version or "?",
        verdict=assessment.verdict,
        starred=qualified(assessment),
        nearest=nearest.date.isoformat() if nearest else "",
        nearest_in=days_phrase(lang, nearest.date, today) if nearest else "",
        what=render(lang, nearest.what) if nearest else "",
        counts=severity_counts(assessment),
    )


def _fleet(ordered: list[Assessment], lang: Lang, notices: Sequence[Message]) -> _Fleet:
    first = ordered[0] if ordered else None
    return _Fleet(
        notices=[clip(render(lang, notice), lang) for notice in notices],
        evaluated_at=iso_time(first.evaluated_at) if first else None,
        policy=policy_doc(first.policy) if first else None,
        totals=fleet_totals(ordered),
        rows=[_fleet_row(assessment, lang) for assessment in ordered],
    )


def render_html(
    assessments: list[Assessment], pack: Pack, lang: Lang, notices: Sequence[Message] = ()
) -> str:
    """One HTML document: a single cluster's report, or a fleet summary then each cluster;
    `notices` are about the fleet as a whole (each cluster carries its own too)."""
    calendar = VersionCalendar(pack)
    ordered = sort_by_urgency(clip_strings(assessments, lang))

    def t(key: str, **args: Any) -> str:
        return text(lang, key, **args)

    fleet = _fleet(ordered, lang, notices) if len(ordered) != 1 or notices else None
    template = _environment().get_template("report.html.j2")
    return template.render(
        lang=lang,
        t=t,
        version=__version__,
        severities=SEVERITY_ORDER,
        clusters=[_cluster(assessment, calendar, lang) for assessment in ordered],
        fleet=fleet,
    )
