"""The triage decision as a table (the document is report/documents/triage.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.engine.triage import TriageDecision, Word
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
    "needs-review": "bold cyan",
}


def _word_text(word: Word, lang: Lang) -> str:
    how = text(lang, f"triage.how.{word.how}")
    cue = f": {word.cue}" if word.cue else ""
    focus = "*" if word.focused else ""
    return f"{word.text}{focus} ({how}{cue})"


def _scoring_table(result: TriageDecision, lang: Lang) -> list[RenderableType]:
    out: list[RenderableType] = [
        Text(f"{text(lang, 'triage.table.scoring')}:", style="bold"),
        Text(f"  {text(lang, 'triage.table.score-header')}", style="dim"),
    ]
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for score in result.scoring:
        status = text(lang, f"triage.status.{score.status}")
        focus = text(lang, "triage.table.yes" if score.focused else "triage.table.no")
        grid.add_row(
            "  -",
            f"{score.rule} | {score.decision} {', '.join(score.clauses)} | {score.priority}"
            f" | {score.score:g} | {focus} | {status}",
        )
        for label, words in (
            ("for", score.words_for),
            ("against", score.words_against),
            ("unsure", score.words_unsure),
        ):
            if words:
                listed = "; ".join(_word_text(word, lang) for word in words)
                grid.add_row("", f"{text(lang, f'triage.table.{label}')}: {listed}")
    out.append(grid)
    return out


def render_triage_table(
    result: TriageDecision, lang: Lang, *, explain: bool = False
) -> list[RenderableType]:
    data = triage_document(clip_strings(result, lang), lang)
    decision = Text(text(lang, f"triage.decision.{result.decision}").upper())
    decision.stylize(_DECISION_STYLE[result.decision])
    rule = (
        text(lang, "triage.table.rule", rule=result.rule)
        if result.rule
        else text(lang, "triage.table.no-rule")
    )
    confidence = text(lang, "triage.table.confidence", confidence=f"{result.confidence:.0%}")
    out: list[RenderableType] = [
        Text(text(lang, "triage.table.header", decision=""), style="bold")
        + decision
        + Text(f"  ({rule} · {confidence})", style="dim")
    ]
    out.extend(Text(f"! {notice}", style="bold yellow") for notice in data.notices)
    if result.clauses:
        out.append(Text(f"{text(lang, 'triage.table.clauses')}: {', '.join(result.clauses)}"))
    if data.evidence:
        out.append(Text(f"{text(lang, 'triage.table.evidence')}:", style="bold"))
        deciding = Table.grid(padding=(0, 1))
        deciding.add_column(no_wrap=True)
        deciding.add_column()
        for item in data.evidence:
            deciding.add_row(f"  {', '.join(item.clauses)}:", ", ".join(item.words))
        out.append(deciding)
    if data.candidates:
        names = ", ".join(
            f"{candidate.rule} ({', '.join(candidate.clauses)})" for candidate in data.candidates
        )
        out.append(Text(f"{text(lang, 'triage.table.candidates')}: {names}"))
    out.append(Text(f"{text(lang, 'triage.table.reasons')}:", style="bold"))
    # A reason that wraps keeps its indent (a grid column, not a leading space).
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(no_wrap=True)
    reasons.add_column()
    for reason in data.reasons:
        reasons.add_row("  -", reason)
    out.append(reasons)
    if data.questions:
        out.append(Text(f"{text(lang, 'triage.table.questions')}:", style="bold"))
        questions = Table.grid(padding=(0, 1))
        questions.add_column(no_wrap=True)
        questions.add_column()
        for question in data.questions:
            questions.add_row("  ?", question)
        out.append(questions)

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
        out.extend(render_plan_table(result.plan, lang, notices=False))
    if explain:
        out.extend(_scoring_table(result, lang))
    return out
