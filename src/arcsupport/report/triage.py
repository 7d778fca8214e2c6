"""The triage decision as a table (the document is report/documents/triage.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.engine.triage import TriageDecision
from arcsupport.i18n import Lang, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.triage import triage_document
from arcsupport.report.plan import render_plan_table
from arcsupport.report.summary import verdict_label

_DECISION_STYLE = {
    "in-scope": "bold green",
    "best-effort": "bold yellow",
    "out-of-scope": "bold red",
    "upgrade-first": "bold magenta",
}


def render_triage_table(result: TriageDecision, lang: Lang) -> list[RenderableType]:
    data = triage_document(clip_strings(result, lang), lang)
    decision = Text(text(lang, f"triage.decision.{result.decision}").upper())
    decision.stylize(_DECISION_STYLE[result.decision])
    rule = (
        text(lang, "triage.table.rule", rule=result.rule)
        if result.rule
        else text(lang, "triage.table.no-rule")
    )
    out: list[RenderableType] = [
        Text(text(lang, "triage.table.header", decision=""), style="bold")
        + decision
        + Text(f"  ({rule})", style="dim")
    ]
    if result.clauses:
        out.append(Text(f"{text(lang, 'triage.table.clauses')}: {', '.join(result.clauses)}"))
    out.append(Text(f"{text(lang, 'triage.table.reasons')}:", style="bold"))
    # A reason that wraps keeps its indent (a grid column, not a leading space).
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(no_wrap=True)
    reasons.add_column()
    for reason in data.reasons:
        reasons.add_row("  -", reason)
    out.append(reasons)

    def yes_no(value: bool) -> str:
        return text(lang, "triage.table.yes" if value else "triage.table.no")

    out.append(
        Text(
            f"{text(lang, 'triage.table.business-hours')}: {yes_no(result.business_hours_only)}"
            f" · {text(lang, 'triage.table.access-grant')}: "
            f"{yes_no(result.requires_access_grant)}"
        )
    )
    if data.known_issues:
        out.append(Text(f"{text(lang, 'triage.table.known-issues')}:", style="bold"))
        issues = Table.grid(padding=(0, 1))
        issues.add_column(no_wrap=True)
        issues.add_column()
        for issue in data.known_issues:
            workaround = text(lang, "triage.table.workaround")
            issues.add_row(f"  {issue.id}", f"{issue.title} ({workaround}: {issue.workaround})")
        out.append(issues)
    if result.assessment is not None:
        out.append(
            Text(
                text(
                    lang,
                    "triage.table.cluster",
                    cluster=result.assessment.cluster_name,
                    version=result.assessment.kubernetes_version or "-",
                    verdict=verdict_label(result.assessment.verdict, lang),
                ),
                style="bold",
            )
        )
    if result.plan is not None:
        out.extend(render_plan_table(result.plan, lang))
    return out
