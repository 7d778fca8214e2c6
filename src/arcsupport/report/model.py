"""The assessment as plain data in the reader's language: the one shape every format reads.

This is the `arcsupport.assessment/v1` JSON contract (schema/assessment.schema.json)."""

from __future__ import annotations

from datetime import date
from typing import Any

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.rules.outcome import Deadline, Finding
from arcsupport.timeutil import iso_time

SCHEMA = "arcsupport.assessment/v1"


def finding_data(finding: Finding, lang: Lang) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "clauses": list(finding.clauses),
        "severity": finding.severity,
        "title": render(lang, finding.message, "title"),
        "message": render(lang, finding.message, "message"),
        "evidence": [
            {
                "object": item.object,
                "field": item.field,
                "value": item.value,
                "provenance": str(item.provenance),
                "source": item.source,
            }
            for item in finding.evidence
        ],
        "remediation": render(lang, finding.message, "fix"),
        "deadline": finding.deadline.isoformat() if finding.deadline else None,
    }


def deadline_data(deadline: Deadline, lang: Lang) -> dict[str, Any]:
    return {
        "date": deadline.date.isoformat(),
        "clauses": list(deadline.clauses),
        "what": render(lang, deadline.what),
    }


def assessment_data(assessment: Assessment, lang: Lang) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "cluster": {
            "name": assessment.cluster_name,
            "resource_id": assessment.resource_id or None,
            "kubernetes_version": assessment.kubernetes_version,
        },
        "source": assessment.source,
        "evaluated_at": iso_time(assessment.evaluated_at),
        "lang": lang,
        "policy": {
            "name": assessment.policy.name,
            "version": assessment.policy.version,
            "data_as_of": assessment.policy.data_as_of.isoformat(),
        },
        "verdict": assessment.verdict,
        "notices": [render(lang, notice) for notice in assessment.notices],
        "findings": [finding_data(finding, lang) for finding in assessment.findings],
        "operations": {
            operation: {
                "decision": decision.decision,
                "clauses": list(decision.clauses),
                "reasons": [render(lang, reason) for reason in decision.reasons],
            }
            for operation, decision in assessment.operations.items()
        },
        "deadlines": [deadline_data(deadline, lang) for deadline in assessment.deadlines],
        "coverage": {
            "evaluated": list(assessment.coverage.evaluated),
            "not_evaluated": [
                {"rule": gap.rule, "needs": list(gap.needs), "partial": gap.partial}
                for gap in assessment.coverage.not_evaluated
            ],
        },
    }


def verdict_label(verdict: str, lang: Lang) -> str:
    return text(lang, f"ui.verdict.{verdict}") or verdict


FLEET_SCHEMA = "arcsupport.fleet/v1"
_VERDICT_URGENCY = {"unsupported": 0, "at-risk": 1, "supported": 2}


def urgency_key(assessment: Assessment) -> tuple[int, date, str]:
    """Most urgent first: the verdict, then the nearest deadline, then the name."""
    nearest = assessment.deadlines[0].date if assessment.deadlines else date.max
    return (_VERDICT_URGENCY[assessment.verdict], nearest, assessment.cluster_name)


def sort_by_urgency(assessments: list[Assessment]) -> list[Assessment]:
    return sorted(assessments, key=urgency_key)


def fleet_totals(ordered: list[Assessment], skipped: int = 0) -> dict[str, Any]:
    """Clusters by verdict, and how many clusters cite each clause (most cited first)."""
    by_verdict = {"unsupported": 0, "at-risk": 0, "supported": 0}
    by_clause: dict[str, int] = {}
    for assessment in ordered:
        by_verdict[assessment.verdict] += 1
        cited = {clause for finding in assessment.findings for clause in finding.clauses}
        for clause in cited:
            by_clause[clause] = by_clause.get(clause, 0) + 1
    return {
        "clusters": len(ordered),
        "by_verdict": by_verdict,
        "by_clause": dict(sorted(by_clause.items(), key=lambda item: (-item[1], item[0]))),
        "skipped": skipped,
    }


def fleet_data(assessments: list[Assessment], lang: Lang, skipped: int = 0) -> dict[str, Any]:
    """Many clusters: one entry per cluster by urgency, totals by verdict and by clause, and
    how many Arc-connected clusters were left out because they are not AKS Arc."""
    ordered = sort_by_urgency(assessments)
    first = ordered[0] if ordered else None
    return {
        "schema": FLEET_SCHEMA,
        "evaluated_at": iso_time(first.evaluated_at) if first else None,
        "lang": lang,
        "policy": {
            "name": first.policy.name,
            "version": first.policy.version,
            "data_as_of": first.policy.data_as_of.isoformat(),
        }
        if first
        else None,
        "totals": fleet_totals(ordered, skipped),
        "clusters": [assessment_data(assessment, lang) for assessment in ordered],
    }
