"""--output junit: JUnit XML for CI test reports.

One testsuite per cluster, one testcase per rule. A rule fails when it has findings at or above
`--fail-on`, is skipped when it could not run (the facts it needs are missing), and passes
otherwise; findings below the threshold and partial gaps go to the testcase's system-out so that
a passing case still shows them. An `undetermined` cluster fails one more testcase, `verdict`,
whatever `--fail-on` (a missing deciding fact fails closed, as `check` exits 1); on a cluster
that is not AKS Arc every rule is skipped, none having run."""

from __future__ import annotations

import io

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from arcsupport.engine.assess import Assessment, NotEvaluatedRule
from arcsupport.i18n import Lang, render, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.summary import (
    at_or_above,
    fail_threshold,
    partial_gaps,
    skipped_rules,
    verdict_label,
    verdict_text,
)
from arcsupport.rules.outcome import Finding
from arcsupport.rules.registry import load_rules
from arcsupport.timeutil import iso_time
from arcsupport.types import SEVERITY_ORDER


def _describe(lang: Lang, finding: Finding) -> str:
    lines = [
        text(
            lang,
            "report.junit.finding",
            severity=text(lang, f"ui.severity.{finding.severity}"),
            title=render(lang, finding.message, "title"),
            clauses=", ".join(finding.clauses),
        ),
        render(lang, finding.message, "message"),
    ]
    if finding.deadline is not None:
        lines.append(f"{text(lang, 'report.label.deadline')}: {finding.deadline.isoformat()}")
    lines.extend(
        f"{text(lang, 'report.label.evidence')}: {item.object} {item.field} = {item.value}"
        f" ({text(lang, f'report.provenance.{item.provenance}')}, {item.source})"
        for item in finding.evidence
    )
    fix = render(lang, finding.message, "fix")
    if fix:
        lines.append(f"{text(lang, 'report.label.fix')}: {fix}")
    return "\n".join(lines)


def _needs(lang: Lang, gap: NotEvaluatedRule) -> str:
    return "; ".join(render(lang, need) for need in gap.needs)


def _suite(assessment: Assessment, lang: Lang, fail_on: str, threshold: int) -> TestSuite:
    suite = TestSuite(assessment.cluster_name)
    suite.timestamp = iso_time(assessment.evaluated_at)
    suite.add_property("verdict", assessment.verdict)
    suite.add_property("verdict_label", verdict_text(assessment, lang))
    suite.add_property("complete", str(assessment.complete).lower())
    suite.add_property("kubernetes_version", assessment.kubernetes_version or "")
    suite.add_property("resource_id", assessment.resource_id)
    suite.add_property("policy", f"{assessment.policy.name} {assessment.policy.version}")
    suite.add_property("fail_on", fail_on)
    # Notices (a stale calendar, an old snapshot) qualify every result of the suite.
    for notice in assessment.notices:
        suite.add_property("notice", render(lang, notice))

    if assessment.verdict == "undetermined":
        case = TestCase("verdict", f"arcsupport.{assessment.cluster_name}", 0.0)
        missing = [text(lang, f"engine.missing.{fact}") for fact in assessment.missing]
        failure = Failure(verdict_label("undetermined", lang), "undetermined")
        failure.text = "\n".join(missing)
        case.result = [failure]
        suite.add_testcase(case)
    if assessment.verdict == "not-applicable":
        signals = "; ".join(
            f"{item.object} {item.field} = {item.value}" for item in assessment.identity.signals
        )
        reason = f"{text(lang, 'ui.not-aks-arc')} {signals}"
        for rule_id in load_rules():
            case = TestCase(rule_id, f"arcsupport.{assessment.cluster_name}", 0.0)
            case.result = [Skipped(reason)]
            suite.add_testcase(case)
        return suite
    skipped = skipped_rules(assessment)
    partial = partial_gaps(assessment)
    for rule_id in load_rules():
        case = TestCase(rule_id, f"arcsupport.{assessment.cluster_name}", 0.0)
        gap = skipped.get(rule_id)
        if gap is not None:
            case.result = [Skipped(text(lang, "report.junit.skipped", needs=_needs(lang, gap)))]
            suite.add_testcase(case)
            continue
        mine = [finding for finding in assessment.findings if finding.rule == rule_id]
        failing = at_or_above(mine, threshold)
        if failing:
            worst = min(failing, key=lambda finding: SEVERITY_ORDER.index(finding.severity))
            failure = Failure(
                "; ".join(render(lang, finding.message, "title") for finding in failing),
                worst.severity,
            )
            failure.text = "\n\n".join(_describe(lang, finding) for finding in failing)
            case.result = [failure]
        notes = [_describe(lang, finding) for finding in mine if finding not in failing] + [
            text(lang, "ui.partially-evaluated", rule=rule_id, needs=_needs(lang, part))
            for part in partial.get(rule_id, [])
        ]
        if notes:
            case.system_out = "\n\n".join(notes)
        suite.add_testcase(case)  # keeps the suite's counts up to date
    return suite


def render_junit(assessments: list[Assessment], lang: Lang, fail_on: str) -> str:
    """JUnit XML: a testsuite per cluster (most urgent first), a testcase per rule.

    `fail_on` is a severity name (a key of SEVERITY_RANK), as `--fail-on` takes it."""
    threshold = fail_threshold(fail_on)
    xml = JUnitXml("arcsupport")
    for assessment in sort_by_urgency(clip_strings(assessments, lang)):
        xml.add_testsuite(_suite(assessment, lang, fail_on, threshold))
    xml.update_statistics()  # type: ignore[no-untyped-call]  # junitparser leaves it unannotated
    out = io.BytesIO()
    xml.write(out, pretty=True)
    return out.getvalue().decode("utf-8")
