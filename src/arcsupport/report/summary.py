"""Small per-cluster summaries that several output formats share (sarif, junit, markdown, html,
ical, csv), so that every format counts, orders and words them the same way."""

from __future__ import annotations

from datetime import date

from arcsupport.engine.assess import Assessment, NotEvaluatedRule
from arcsupport.i18n import Lang, text
from arcsupport.rules.outcome import Deadline, Finding
from arcsupport.types import SEVERITY_ORDER, SEVERITY_RANK, Severity


def verdict_label(verdict: str, lang: Lang) -> str:
    return text(lang, f"ui.verdict.{verdict}") or verdict


def days_phrase(lang: Lang, day: date, today: date) -> str:
    """ "in 46 days" / "15 days ago", counted from the evaluation date."""
    delta = (day - today).days
    if delta >= 0:
        return text(lang, "ui.days-left", days=delta)
    return text(lang, "ui.days-ago", days=-delta)


def severity_counts(assessment: Assessment) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in assessment.findings:
        counts[finding.severity] += 1
    return counts


def nearest_deadline(assessment: Assessment) -> Deadline | None:
    # The engine sorts deadlines by date and keeps only those on or after the evaluation date.
    return assessment.deadlines[0] if assessment.deadlines else None


def cited_clauses(assessment: Assessment) -> list[str]:
    """Every clause the findings cite, in the order they are first cited."""
    seen: dict[str, None] = {}
    for finding in assessment.findings:
        seen.update(dict.fromkeys(finding.clauses))
    return list(seen)


def fail_threshold(fail_on: str) -> int:
    """The rank `--fail-on fail_on` fails at; a severity name outside SEVERITY_RANK is a bug."""
    if fail_on not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITY_RANK)}, not {fail_on!r}")
    return SEVERITY_RANK[fail_on]


def at_or_above(findings: list[Finding], threshold: int) -> list[Finding]:
    return [finding for finding in findings if SEVERITY_RANK[finding.severity] >= threshold]


def fails(assessments: list[Assessment], fail_on: str) -> bool:
    """Whether `--fail-on fail_on` fails: some finding is at or above it."""
    threshold = fail_threshold(fail_on)
    return any(
        SEVERITY_RANK[finding.severity] >= threshold
        for assessment in assessments
        for finding in assessment.findings
    )


def skipped_rules(assessment: Assessment) -> dict[str, NotEvaluatedRule]:
    """Rules that did not run at all (a partial gap leaves the rule evaluated)."""
    return {gap.rule: gap for gap in assessment.coverage.not_evaluated if not gap.partial}


def partial_gaps(assessment: Assessment) -> dict[str, list[NotEvaluatedRule]]:
    gaps: dict[str, list[NotEvaluatedRule]] = {}
    for gap in assessment.coverage.not_evaluated:
        if gap.partial:
            gaps.setdefault(gap.rule, []).append(gap)
    return gaps
