"""Small per-cluster summaries that several output formats share (sarif, junit, markdown, html,
ical, csv), so that every format counts, orders and words them the same way."""

from __future__ import annotations

from datetime import date

from arcsupport.engine.assess import Assessment, NotEvaluatedRule
from arcsupport.i18n import Lang, text
from arcsupport.rules.outcome import Deadline, Finding
from arcsupport.snapshot.model import Provenance
from arcsupport.types import SEVERITY_ORDER, SEVERITY_RANK, Severity


def verdict_label(verdict: str, lang: Lang) -> str:
    return text(lang, f"ui.verdict.{verdict}") or verdict


def qualified(assessment: Assessment) -> bool:
    """Whether the verdict must say "as far as checked": `supported` or `at-risk` reached while
    rules could not run (missing evidence could only make them worse). `unsupported` stands
    whatever was not checked; `undetermined` and `not-applicable` say what they rest on."""
    return not assessment.complete and assessment.verdict in ("supported", "at-risk")


def qualifier(assessment: Assessment, lang: Lang) -> str:
    """ "as far as checked: 2 rules could not run, 1 rule ran only in part": the gaps that
    leave the verdict incomplete."""
    not_run = {gap.rule for gap in assessment.incomplete if not gap.partial}
    partial = {gap.rule for gap in assessment.incomplete if gap.partial} - not_run
    phrases = [
        text(lang, f"ui.incomplete.{kind}-one" if count == 1 else f"ui.incomplete.{kind}",
             count=count)
        for kind, count in (("not-run", len(not_run)), ("partial", len(partial)))
        if count
    ]  # fmt: skip
    return text(lang, "ui.incomplete.qualifier", gaps=", ".join(phrases))


def verdict_text(assessment: Assessment, lang: Lang, label: str | None = None) -> str:
    """The verdict as a reader gets it: "supported", or "supported as far as checked: 2 rules
    could not run". `label` replaces the verdict's own words (upper-cased in a table)."""
    shown = label if label is not None else verdict_label(assessment.verdict, lang)
    if not qualified(assessment):
        return shown
    return text(lang, "ui.incomplete.verdict", verdict=shown, qualifier=qualifier(assessment, lang))


def version_text(assessment: Assessment, lang: Lang) -> str:
    """The Kubernetes version as shown beside the cluster's name: "?" when unknown, marked
    when it was inferred rather than read."""
    version = assessment.kubernetes_version
    if version is None:
        return "?"
    evidence = assessment.kubernetes_version_evidence
    if evidence is not None and evidence.provenance is Provenance.INFERRED:
        return text(lang, "ui.inferred-version", version=version)
    return version


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
    """Whether the run fails: some finding is at or above `--fail-on fail_on`, or, whatever
    the threshold, some cluster is `undetermined` (what cannot be judged fails closed)."""
    threshold = fail_threshold(fail_on)
    return any(
        assessment.verdict == "undetermined"
        or any(SEVERITY_RANK[finding.severity] >= threshold for finding in assessment.findings)
        for assessment in assessments
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
