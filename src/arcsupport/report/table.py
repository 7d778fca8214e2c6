"""--output table: the report for a person at an 80-column terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, Message, render, text
from arcsupport.lifecycle.calendar import CALENDAR_NOTICES
from arcsupport.report.clip import clip, clip_strings
from arcsupport.report.documents.assessment import (
    EvidenceDoc,
    FindingDoc,
    OperationDoc,
    assessment_document,
    fleet_totals,
    sort_by_urgency,
)
from arcsupport.report.summary import qualified, severity_counts, verdict_text, version_text
from arcsupport.types import SEVERITY_ORDER, Operation

_VERDICT_STYLE = {
    "supported": "bold green",
    "at-risk": "bold yellow",
    "unsupported": "bold red",
    "undetermined": "bold magenta",
    "not-applicable": "bold",
}
_SEVERITY_STYLE = {
    "unsupported": "bold red",
    "blocked": "red",
    "warning": "yellow",
    "best-effort": "cyan",
    "out-of-scope": "cyan",
    "info": "dim",
}
DECISION_STYLE = {"allow": "green", "warn": "yellow", "block": "bold red"}
_MAX_EVIDENCE = 5


def _days(lang: Lang, day: str, today: date) -> str:
    delta = (date.fromisoformat(day) - today).days
    return (
        text(lang, "ui.days-left", days=delta)
        if delta >= 0
        else text(lang, "ui.days-ago", days=-delta)
    )


def _evidence_line(lang: Lang, label: str, evidence: EvidenceDoc) -> str:
    return (
        f"{text(lang, label)}: {evidence.object} {evidence.field} = "
        f"{evidence.value} ({text(lang, f'report.provenance.{evidence.provenance}')}, "
        f"{evidence.source})"
    )


def _finding(lang: Lang, item: FindingDoc, today: date) -> RenderableType:
    head = Text()
    head.append(f"[{item.rule}] ", style="bold")
    head.append(item.title, style="bold")
    head.append(f"  ({', '.join(item.clauses)})", style="dim")
    body: list[RenderableType] = [Text(item.message)]
    if item.deadline:
        when = _days(lang, item.deadline, today)
        body.append(Text(f"{text(lang, 'ui.deadline')}: {item.deadline} ({when})"))
    for evidence in item.evidence[:_MAX_EVIDENCE]:
        body.append(Text(_evidence_line(lang, "ui.evidence", evidence), style="dim"))
    hidden = len(item.evidence) - _MAX_EVIDENCE
    if hidden > 0:
        body.append(Text(text(lang, "ui.more-evidence", count=hidden), style="dim"))
    if item.remediation:
        body.append(Text(f"{text(lang, 'ui.fix')}: {item.remediation}", style="green"))
    return Group(head, Padding(Group(*body), (0, 0, 1, 4)))


def _operations(lang: Lang, decisions: dict[Operation, OperationDoc]) -> RenderableType:
    operations = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    operations.add_column(no_wrap=True)
    operations.add_column(no_wrap=True)
    operations.add_column()
    for operation, decision in decisions.items():
        why = "; ".join(decision.reasons)
        clauses = ", ".join(decision.clauses)
        detail = f"{clauses}: {why}" if clauses else why
        operations.add_row(
            f"  {operation}",
            Text(
                text(lang, f"ui.decision.{decision.decision}"),
                style=DECISION_STYLE[decision.decision],
            ),
            detail,
        )
    return Group(Text(text(lang, "ui.operations"), style="bold"), operations)


def render_assessment(assessment: Assessment, lang: Lang) -> list[RenderableType]:
    data = assessment_document(clip_strings(assessment, lang), lang)
    today = assessment.evaluated_at.date()
    out: list[RenderableType] = []
    cluster = data.cluster
    version = version_text(assessment, lang)
    out.append(
        Text(
            text(
                lang,
                "ui.header",
                cluster=cluster.name,
                version=version,
                at=data.evaluated_at[:10],
                policy=f"{data.policy.name} {data.policy.version}",
                as_of=data.policy.data_as_of,
            ),
            style="bold",
        )
    )
    verdict = Text(f"{text(lang, 'ui.verdict-label')}: ")
    word = text(lang, f"ui.verdict.{data.verdict}").upper()
    verdict.append(verdict_text(assessment, lang, word), style=_VERDICT_STYLE[data.verdict])
    out.append(verdict)
    for fact in data.missing:
        lacking = Text(f"{text(lang, 'ui.missing')}: {fact.message}", style="magenta")
        out.append(Padding(lacking, (0, 0, 0, 2)))
    for notice in data.notices:
        out.append(Text(f"! {notice}", style="bold yellow"))
    out.append(Text(""))
    if data.verdict == "not-applicable":
        out.append(Text(text(lang, "ui.not-aks-arc")))
        for signal in data.identity.signals:
            told = Text(_evidence_line(lang, "ui.signal", signal), style="dim")
            out.append(Padding(told, (0, 0, 0, 2)))
        out.append(Text(""))
        out.append(_operations(lang, data.operations))
        return out

    if not data.findings:
        out.append(Text(text(lang, "ui.no-findings")))
        out.append(Text(""))
    for severity in SEVERITY_ORDER:
        group = [item for item in data.findings if item.severity == severity]
        if not group:
            continue
        label = text(lang, f"ui.severity.{severity}")
        out.append(Text(f"{label.upper()} ({len(group)})", style=_SEVERITY_STYLE[severity]))
        out.extend(_finding(lang, item, today) for item in group)

    out.append(_operations(lang, data.operations))
    out.append(Text(""))

    out.append(Text(text(lang, "ui.deadlines"), style="bold"))
    if not data.deadlines:
        out.append(Text("  " + text(lang, "ui.no-deadlines")))
    if data.deadlines:
        dates = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        dates.add_column(no_wrap=True)
        dates.add_column(no_wrap=True)
        dates.add_column()
        for deadline in data.deadlines:
            dates.add_row(
                f"  {deadline.date}",
                f"({_days(lang, deadline.date, today)})",
                f"{deadline.what} [{', '.join(deadline.clauses)}]",
            )
        out.append(dates)
    out.append(Text(""))

    coverage = data.coverage
    missing = [gap for gap in coverage.not_evaluated if not gap.partial]
    total = len(coverage.evaluated) + len(missing)
    out.append(
        Text(
            text(lang, "ui.coverage", evaluated=len(coverage.evaluated), total=total),
            style="bold",
        )
    )
    for gap in coverage.not_evaluated:
        key = "ui.partially-evaluated" if gap.partial else "ui.not-evaluated"
        line = text(lang, key, rule=gap.rule, needs="; ".join(gap.needs))
        out.append(Padding(Text(line), (0, 0, 0, 2)))
    return out


def render_fleet(
    assessments: list[Assessment], lang: Lang, notices: Sequence[Message] = ()
) -> list[RenderableType]:
    """One row per cluster, most urgent first (those that are not AKS Arc last), then the
    totals by verdict and by clause, and what is said of the fleet as a whole (a partial
    export); a verdict reached while rules could not run is starred."""
    # Straight from the assessments: the JSON view of 10,000 clusters takes a second to build.
    ordered = sort_by_urgency(assessments)
    out: list[RenderableType] = []
    if ordered:
        first = ordered[0]
        out.append(
            Text(
                text(
                    lang,
                    "ui.fleet.header",
                    count=len(ordered),
                    at=first.evaluated_at.date().isoformat(),
                    policy=f"{first.policy.name} {first.policy.version}",
                ),
                style="bold",
            )
        )
    # What the calendars said of themselves (its age, what each learned from which bundle),
    # once each; a cluster's own notices (an old snapshot) are in its report.
    said = {
        render(lang, notice): None
        for assessment in ordered
        for notice in assessment.notices
        if notice.key.startswith(CALENDAR_NOTICES)
    }
    out.extend(Text(f"! {notice}", style="bold yellow") for notice in said)
    rows = Table(box=None, pad_edge=False, padding=(0, 1))
    # A name longer than any cluster name Azure allows (63) comes from broken or hostile
    # input: it folds, clipped, rather than being cut to the terminal's width.
    fold_names = any(len(assessment.cluster_name) > 63 for assessment in ordered)
    for column in ("cluster", "version", "verdict", "deadline", "findings"):
        # The findings column gives way first: a cluster's name and verdict are read whole.
        rows.add_column(
            text(lang, f"ui.fleet.column.{column}"),
            overflow="fold",
            no_wrap=column != "findings" and not (column == "cluster" and fold_names),
        )
    severity_labels = {
        severity: text(lang, f"ui.severity.{severity}") for severity in SEVERITY_ORDER
    }
    for assessment in ordered:
        counts = severity_counts(assessment)
        summary = " ".join(
            f"{severity_labels[severity]}:{count}" for severity, count in counts.items() if count
        )
        star = "*" if qualified(assessment) else ""
        rows.add_row(
            clip(assessment.cluster_name, lang),
            clip(assessment.kubernetes_version or "?", lang),
            Text(
                text(lang, f"ui.verdict.{assessment.verdict}") + star,
                style=_VERDICT_STYLE[assessment.verdict],
            ),
            assessment.deadlines[0].date.isoformat() if assessment.deadlines else "-",
            summary or "-",
        )
    out.append(rows)
    out.append(Text(""))
    totals = fleet_totals(ordered)
    verdicts = ", ".join(
        f"{text(lang, f'ui.verdict.{verdict}')} {count}"
        for verdict, count in totals.by_verdict.items()
    )
    out.append(Text(text(lang, "ui.fleet.by-verdict", verdicts=verdicts), style="bold"))
    if totals.by_clause:
        clauses = ", ".join(f"{clause} {count}" for clause, count in totals.by_clause.items())
        out.append(Text(text(lang, "ui.fleet.by-clause", clauses=clauses)))
    if any(qualified(assessment) for assessment in ordered):
        out.append(Text(text(lang, "ui.fleet.as-far-as-checked"), style="dim"))
    for notice in notices:
        out.append(Text(f"! {clip(render(lang, notice), lang)}", style="bold yellow"))
    return out
