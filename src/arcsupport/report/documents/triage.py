"""A support case's triage (`arcsupport.triage/v1`): in scope, best effort, out of scope or
upgrade first, with the clauses and reasons, and the cluster's assessment when a bundle was
given."""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from msgspec import UNSET, UnsetType

from arcsupport.engine.triage import Decision, TriageDecision
from arcsupport.i18n import Lang, render
from arcsupport.report.documents.assessment import AssessmentDoc, assessment_document
from arcsupport.report.documents.base import ClauseId, Document
from arcsupport.report.documents.plan import PlanDoc, plan_document

SCHEMA: Final = "arcsupport.triage/v1"


class TriageKnownIssueDoc(Document, frozen=True):
    id: str
    title: str
    workaround: str


class TriageDoc(Document, frozen=True):
    """The answer to a support case (arcsupport.triage/v1). `rule` is the scope rule that
    decided, null when a human has to look; `plan` is present only with upgrade-first (null
    when no bundle gave a version to plan from)."""

    schema: Literal["arcsupport.triage/v1"]
    decision: Decision
    clauses: tuple[ClauseId, ...]
    reasons: list[str]
    rule: str | None
    business_hours_only: bool
    requires_access_grant: bool
    known_issues: list[TriageKnownIssueDoc]
    assessment: AssessmentDoc | None
    notices: list[str]
    plan: PlanDoc | UnsetType | None = UNSET


# What the schema adds to the Struct: `plan` is there with upgrade-first, and only then.
PLAN_WITH_UPGRADE_FIRST = msgspec.Meta(
    extra_json_schema={
        "if": {"properties": {"decision": {"const": "upgrade-first"}}},
        "then": {"required": ["plan"]},
        "else": {"not": {"required": ["plan"]}},
    }
)


def triage_document(result: TriageDecision, lang: Lang) -> TriageDoc:
    plan: PlanDoc | UnsetType | None = UNSET
    if result.decision == "upgrade-first":
        plan = plan_document(result.plan, lang) if result.plan is not None else None
    return TriageDoc(
        schema=SCHEMA,
        decision=result.decision,
        clauses=result.clauses,
        reasons=[render(lang, reason) for reason in result.reasons],
        rule=result.rule,
        business_hours_only=result.business_hours_only,
        requires_access_grant=result.requires_access_grant,
        known_issues=[
            TriageKnownIssueDoc(id=issue.id, title=issue.title, workaround=issue.workaround)
            for issue in result.known_issues
        ],
        assessment=(
            assessment_document(result.assessment, lang) if result.assessment is not None else None
        ),
        notices=[render(lang, notice) for notice in result.notices],
        plan=plan,
    )
