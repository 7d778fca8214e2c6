"""A support case's triage (`arcsupport.triage/v1`): in scope, best effort, out of scope,
upgrade first or needs review, with the clauses, reasons, deciding words and confidence, and
the cluster's assessment when a bundle was given."""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from msgspec import UNSET, UnsetType

from arcsupport.engine.triage import Decision, RuleScore, TriageDecision, Word
from arcsupport.i18n import Lang, render
from arcsupport.report.documents.assessment import AssessmentDoc, assessment_document
from arcsupport.report.documents.base import ClauseId, Document
from arcsupport.report.documents.plan import PlanDoc, plan_document

SCHEMA: Final = "arcsupport.triage/v1"


class TriageKnownIssueDoc(Document, frozen=True):
    id: str
    title: str
    workaround: str


class TriageEvidenceDoc(Document, frozen=True):
    """Clauses cited and the words that brought them: a scope rule's (its id), the bundle's
    (`bundle`), a stated version's (`version`), the access grant's, the known issues'."""

    clauses: tuple[ClauseId, ...]
    source: str
    words: tuple[str, ...]


class TriageCandidateDoc(Document, frozen=True):
    rule: str
    decision: str
    clauses: tuple[ClauseId, ...]
    score: float


class TriageWordDoc(Document, frozen=True):
    """A word a scope rule found, and how it was read (`how`: asserted, denied, hypothetical,
    asked...; `cue`: the words that gave that reading; `focused`: in the title or a failing or
    asking sentence)."""

    text: str
    how: str
    cue: str | None
    focused: bool


class TriageScoreDoc(Document, frozen=True, rename={"words_for": "for"}):
    """One scope rule's standing on the case, as `triage --explain` shows it."""

    rule: str
    kind: str
    decision: str
    clauses: tuple[ClauseId, ...]
    priority: int
    score: float
    focused: bool
    status: Literal["decided", "also", "fired", "candidate", "ruled-out", "weak"]
    words_for: list[TriageWordDoc]
    against: list[TriageWordDoc]
    unsure: list[TriageWordDoc]


class TriageDoc(Document, frozen=True):
    """The answer to a support case (arcsupport.triage/v1). `rule` is the scope rule that
    decided, null when a human has to look; `plan` is present only with upgrade-first (null
    when no bundle gave a version to plan from); `scoring` only with `--explain`."""

    schema: Literal["arcsupport.triage/v1"]
    decision: Decision
    clauses: tuple[ClauseId, ...]
    reasons: list[str]
    rule: str | None
    business_hours_only: bool
    requires_access_grant: bool
    known_issues: list[TriageKnownIssueDoc]
    assessment: AssessmentDoc | None
    # 0..1: how safely the answer can be given without a second look.
    confidence: float
    evidence: list[TriageEvidenceDoc]
    candidates: list[TriageCandidateDoc]  # with needs-review: what the case may be
    questions: list[str]  # with needs-review: what to ask the customer
    notices: list[str]
    plan: PlanDoc | UnsetType | None = UNSET
    scoring: list[TriageScoreDoc] | UnsetType = UNSET  # with --explain


# What the schema adds to the Struct: `plan` is there with upgrade-first, and only then.
PLAN_WITH_UPGRADE_FIRST = msgspec.Meta(
    extra_json_schema={
        "if": {"properties": {"decision": {"const": "upgrade-first"}}},
        "then": {"required": ["plan"]},
        "else": {"not": {"required": ["plan"]}},
    }
)


def _word(word: Word) -> TriageWordDoc:
    return TriageWordDoc(text=word.text, how=word.how, cue=word.cue, focused=word.focused)


def _score(score: RuleScore) -> TriageScoreDoc:
    return TriageScoreDoc(
        rule=score.rule,
        kind=score.kind,
        decision=score.decision,
        clauses=score.clauses,
        priority=score.priority,
        score=score.score,
        focused=score.focused,
        status=score.status,
        words_for=[_word(word) for word in score.words_for],
        against=[_word(word) for word in score.words_against],
        unsure=[_word(word) for word in score.words_unsure],
    )


def triage_document(result: TriageDecision, lang: Lang, *, explain: bool = False) -> TriageDoc:
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
        confidence=result.confidence,
        evidence=[
            TriageEvidenceDoc(clauses=item.clauses, source=item.source, words=item.words)
            for item in result.evidence
        ],
        candidates=[
            TriageCandidateDoc(
                rule=candidate.rule,
                decision=candidate.decision,
                clauses=candidate.clauses,
                score=candidate.score,
            )
            for candidate in result.candidates
        ],
        questions=[render(lang, question) for question in result.questions],
        notices=[render(lang, notice) for notice in result.notices],
        plan=plan,
        scoring=[_score(score) for score in result.scoring] if explain else UNSET,
    )
