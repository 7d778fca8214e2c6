"""The triage decision as JSON (`arcsupport.triage/v1`) and as a table."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.engine.triage import RuleScore, TriageDecision, Word
from arcsupport.i18n import Lang, render, text
from arcsupport.report.model import assessment_data, verdict_label
from arcsupport.report.plan import plan_data, render_plan_table

SCHEMA = "arcsupport.triage/v1"

_DECISION_STYLE = {
    "in-scope": "bold green",
    "best-effort": "bold yellow",
    "out-of-scope": "bold red",
    "upgrade-first": "bold magenta",
    "needs-review": "bold cyan",
}


def triage_data(result: TriageDecision, lang: Lang, *, explain: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "decision": result.decision,
        "clauses": list(result.clauses),
        "reasons": [render(lang, reason) for reason in result.reasons],
        "rule": result.rule,
        "business_hours_only": result.business_hours_only,
        "requires_access_grant": result.requires_access_grant,
        "known_issues": [
            {"id": issue.id, "title": issue.title, "workaround": issue.workaround}
            for issue in result.known_issues
        ],
        "assessment": (
            assessment_data(result.assessment, lang) if result.assessment is not None else None
        ),
    }
    data["confidence"] = result.confidence
    data["evidence"] = [
        {"clauses": list(item.clauses), "source": item.source, "words": list(item.words)}
        for item in result.evidence
    ]
    data["candidates"] = [
        {
            "rule": candidate.rule,
            "decision": candidate.decision,
            "clauses": list(candidate.clauses),
            "score": candidate.score,
        }
        for candidate in result.candidates
    ]
    data["questions"] = [render(lang, question) for question in result.questions]
    if result.decision == "upgrade-first":
        data["plan"] = plan_data(result.plan, lang) if result.plan is not None else None
    if explain:
        data["scoring"] = [_score_data(score) for score in result.scoring]
    return data


def _word_data(word: Word) -> dict[str, Any]:
    return {"text": word.text, "how": word.how, "cue": word.cue, "focused": word.focused}


def _score_data(score: RuleScore) -> dict[str, Any]:
    return {
        "rule": score.rule,
        "kind": score.kind,
        "decision": score.decision,
        "clauses": list(score.clauses),
        "priority": score.priority,
        "score": score.score,
        "focused": score.focused,
        "status": score.status,
        "for": [_word_data(word) for word in score.words_for],
        "against": [_word_data(word) for word in score.words_against],
        "unsure": [_word_data(word) for word in score.words_unsure],
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
    data = triage_data(result, lang)
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
    if result.clauses:
        out.append(Text(f"{text(lang, 'triage.table.clauses')}: {', '.join(result.clauses)}"))
    if result.evidence:
        out.append(Text(f"{text(lang, 'triage.table.evidence')}:", style="bold"))
        deciding = Table.grid(padding=(0, 1))
        deciding.add_column(no_wrap=True)
        deciding.add_column()
        for item in result.evidence:
            deciding.add_row(f"  {', '.join(item.clauses)}:", ", ".join(item.words))
        out.append(deciding)
    if result.candidates:
        names = ", ".join(
            f"{candidate.rule} ({', '.join(candidate.clauses)})" for candidate in result.candidates
        )
        out.append(Text(f"{text(lang, 'triage.table.candidates')}: {names}"))
    out.append(Text(f"{text(lang, 'triage.table.reasons')}:", style="bold"))
    # A reason that wraps keeps its indent (a grid column, not a leading space).
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(no_wrap=True)
    reasons.add_column()
    for reason in data["reasons"]:
        reasons.add_row("  -", reason)
    out.append(reasons)
    if data["questions"]:
        out.append(Text(f"{text(lang, 'triage.table.questions')}:", style="bold"))
        questions = Table.grid(padding=(0, 1))
        questions.add_column(no_wrap=True)
        questions.add_column()
        for question in data["questions"]:
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
    if data["known_issues"]:
        out.append(Text(f"{text(lang, 'triage.table.known-issues')}:", style="bold"))
        issues = Table.grid(padding=(0, 1))
        issues.add_column(no_wrap=True)
        issues.add_column()
        for issue in data["known_issues"]:
            workaround = text(lang, "triage.table.workaround")
            issues.add_row(
                f"  {issue['id']}", f"{issue['title']} ({workaround}: {issue['workaround']})"
            )
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
    if explain:
        out.extend(_scoring_table(result, lang))
    return out
