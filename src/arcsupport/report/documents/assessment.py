"""One cluster's assessment (`arcsupport.assessment/v1`) and many clusters' (`arcsupport.fleet/v1`)
in the reader's language: the documents `--output json` prints and that the table, Markdown,
HTML and SARIF views read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Final, Literal

import msgspec

from arcsupport.engine.assess import Assessment, MissingFact
from arcsupport.i18n import Lang, Message, render, text
from arcsupport.report.documents.base import (
    ClauseId,
    Document,
    IsoDate,
    NonEmpty,
    PolicyDoc,
    Timestamp,
    policy_doc,
)
from arcsupport.rules.outcome import Deadline, Evidence, Finding
from arcsupport.snapshot.model import Provenance
from arcsupport.timeutil import iso_time
from arcsupport.types import OPERATIONS, VERDICTS, Decision, Operation, Severity, Verdict

SCHEMA: Final = "arcsupport.assessment/v1"
FLEET_SCHEMA: Final = "arcsupport.fleet/v1"

Clauses = tuple[ClauseId, ...]
CitedClauses = Annotated[Clauses, msgspec.Meta(min_length=1)]


class EvidenceDoc(Document, frozen=True):
    """What a finding rests on: an object's field and its value, and where it was read."""

    object: str
    field: str
    value: str
    provenance: Provenance
    source: str


class ClusterDoc(Document, frozen=True):
    """The cluster judged: its name, its connected cluster's ARM id and its Kubernetes version
    (null when the bundle does not show them), with where the version was read or, provenance
    `inferred`, what it was inferred from."""

    name: str
    resource_id: str | None
    kubernetes_version: str | None
    kubernetes_version_evidence: EvidenceDoc | None


class IdentityDoc(Document, frozen=True):
    """Whether the cluster is AKS Arc (null: nothing in the snapshot can tell), and the signals
    that decided it: the AKS Arc marks found, or what shows another kind of cluster."""

    aks_arc: bool | None
    signals: list[EvidenceDoc]


class MissingDoc(Document, frozen=True):
    """A fact that decides support and is missing, and how to supply it."""

    fact: MissingFact
    message: NonEmpty


class FindingDoc(Document, frozen=True):
    """What a rule found, with the clauses it breaks, its evidence and how to fix it;
    `deadline` is the day support ends because of it."""

    rule: str
    clauses: CitedClauses
    severity: Severity
    title: NonEmpty
    message: NonEmpty
    evidence: list[EvidenceDoc]
    remediation: str
    deadline: IsoDate | None


class OperationDoc(Document, frozen=True):
    """Whether an operation may run on the cluster now, and why not."""

    decision: Decision
    clauses: Clauses
    reasons: list[str]


class DeadlineDoc(Document, frozen=True):
    """A date by which something must be done to stay supported."""

    date: IsoDate
    clauses: CitedClauses
    what: NonEmpty


class GapDoc(Document, frozen=True):
    """A rule that could not run (or, `partial`, ran without some of the facts it reads)."""

    rule: str
    needs: Annotated[tuple[str, ...], msgspec.Meta(min_length=1)]
    partial: bool


class CoverageDoc(Document, frozen=True):
    """The rules that ran, and those that could not for want of facts: a missing fact is
    never a pass."""

    evaluated: tuple[str, ...]
    not_evaluated: list[GapDoc]


Operations = Annotated[
    dict[Operation, OperationDoc],
    msgspec.Meta(
        description="Every operation, in this order: " + ", ".join(OPERATIONS),
        extra_json_schema={"required": list(OPERATIONS)},
    ),
]


class AssessmentDoc(Document, frozen=True):
    """One cluster judged against the support policy (arcsupport.assessment/v1)."""

    schema: Literal["arcsupport.assessment/v1"]
    cluster: ClusterDoc
    source: str
    evaluated_at: Timestamp
    lang: Lang
    policy: PolicyDoc
    verdict: Verdict
    complete: Annotated[
        bool,
        msgspec.Meta(
            description="False when a rule could not run, or ran without some facts it reads: "
            "the verdict holds as far as checked (coverage names the gaps)"
        ),
    ]
    missing: list[MissingDoc]
    identity: IdentityDoc
    notices: list[str]
    findings: list[FindingDoc]
    operations: Operations
    deadlines: list[DeadlineDoc]
    coverage: CoverageDoc


def evidence_doc(item: Evidence) -> EvidenceDoc:
    return EvidenceDoc(
        object=item.object,
        field=item.field,
        value=item.value,
        provenance=item.provenance,
        source=item.source,
    )


def finding_doc(finding: Finding, lang: Lang) -> FindingDoc:
    return FindingDoc(
        rule=finding.rule,
        clauses=finding.clauses,
        severity=finding.severity,
        title=render(lang, finding.message, "title"),
        message=render(lang, finding.message, "message"),
        evidence=[evidence_doc(item) for item in finding.evidence],
        remediation=render(lang, finding.message, "fix"),
        deadline=finding.deadline.isoformat() if finding.deadline else None,
    )


def deadline_doc(deadline: Deadline, lang: Lang) -> DeadlineDoc:
    return DeadlineDoc(
        date=deadline.date.isoformat(), clauses=deadline.clauses, what=render(lang, deadline.what)
    )


def missing_docs(assessment: Assessment, lang: Lang) -> list[MissingDoc]:
    return [
        MissingDoc(fact=fact, message=text(lang, f"engine.missing.{fact}"))
        for fact in assessment.missing
    ]


def identity_doc(assessment: Assessment) -> IdentityDoc:
    return IdentityDoc(
        aks_arc=assessment.identity.aks_arc,
        signals=[evidence_doc(item) for item in assessment.identity.signals],
    )


def assessment_document(assessment: Assessment, lang: Lang) -> AssessmentDoc:
    return AssessmentDoc(
        schema=SCHEMA,
        cluster=ClusterDoc(
            name=assessment.cluster_name,
            resource_id=assessment.resource_id or None,
            kubernetes_version=assessment.kubernetes_version,
            kubernetes_version_evidence=(
                evidence_doc(version)
                if (version := assessment.kubernetes_version_evidence)
                else None
            ),
        ),
        source=assessment.source,
        evaluated_at=iso_time(assessment.evaluated_at),
        lang=lang,
        policy=policy_doc(assessment.policy),
        verdict=assessment.verdict,
        complete=assessment.complete,
        missing=missing_docs(assessment, lang),
        identity=identity_doc(assessment),
        notices=[render(lang, notice) for notice in assessment.notices],
        findings=[finding_doc(finding, lang) for finding in assessment.findings],
        operations={
            operation: OperationDoc(
                decision=decision.decision,
                clauses=decision.clauses,
                reasons=[render(lang, reason) for reason in decision.reasons],
            )
            for operation, decision in assessment.operations.items()
        },
        deadlines=[deadline_doc(deadline, lang) for deadline in assessment.deadlines],
        coverage=CoverageDoc(
            evaluated=assessment.coverage.evaluated,
            not_evaluated=[
                GapDoc(
                    rule=gap.rule,
                    needs=tuple(render(lang, need) for need in gap.needs),
                    partial=gap.partial,
                )
                for gap in assessment.coverage.not_evaluated
            ],
        ),
    )


_VERDICT_URGENCY = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


def urgency_key(assessment: Assessment) -> tuple[int, date, str]:
    """Most urgent first: the verdict, then the nearest deadline, then the name."""
    nearest = assessment.deadlines[0].date if assessment.deadlines else date.max
    return (_VERDICT_URGENCY[assessment.verdict], nearest, assessment.cluster_name)


def sort_by_urgency(assessments: list[Assessment]) -> list[Assessment]:
    return sorted(assessments, key=urgency_key)


class FleetTotalsDoc(Document, frozen=True):
    """Clusters by verdict and by the clauses their findings cite."""

    clusters: int
    by_verdict: Annotated[
        dict[Verdict, int], msgspec.Meta(extra_json_schema={"required": list(VERDICTS)})
    ]
    by_clause: Annotated[
        dict[ClauseId, int],
        msgspec.Meta(description="How many clusters cite each clause, most cited first"),
    ]
    # Kept from the first arcsupport.fleet/v1, when sources left such clusters out: they are
    # now assessed (`not-applicable`, listed last) and this is how many there are.
    skipped: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            description="Clusters that are not AKS Arc, which the policy does not judge: the "
            "same count as by_verdict.not-applicable",
        ),
    ]
    partial: Annotated[
        bool,
        msgspec.Meta(
            description="Clusters are missing: a Resource Graph export was one page of a "
            "longer result (its skip_token set); `notices` names it"
        ),
    ]


class FleetDoc(Document, frozen=True):
    """Many clusters, most urgent first, with totals (arcsupport.fleet/v1); the time and the
    policy are null only when no cluster was assessed."""

    schema: Literal["arcsupport.fleet/v1"]
    evaluated_at: Timestamp | None
    lang: Lang
    policy: PolicyDoc | None
    totals: FleetTotalsDoc
    notices: Annotated[list[str], msgspec.Meta(description="About the fleet as a whole")]
    clusters: list[AssessmentDoc]


def fleet_totals(ordered: list[Assessment], partial: bool = False) -> FleetTotalsDoc:
    """Clusters by verdict, and how many clusters cite each clause (most cited first)."""
    by_verdict: dict[Verdict, int] = dict.fromkeys(VERDICTS, 0)
    by_clause: dict[str, int] = {}
    for assessment in ordered:
        by_verdict[assessment.verdict] += 1
        cited = {clause for finding in assessment.findings for clause in finding.clauses}
        for clause in cited:
            by_clause[clause] = by_clause.get(clause, 0) + 1
    return FleetTotalsDoc(
        clusters=len(ordered),
        by_verdict=by_verdict,
        by_clause=dict(sorted(by_clause.items(), key=lambda item: (-item[1], item[0]))),
        skipped=by_verdict["not-applicable"],
        partial=partial,
    )


def fleet_document(
    assessments: list[Assessment],
    lang: Lang,
    partial: bool = False,
    notices: Sequence[Message] = (),
) -> FleetDoc:
    """Many clusters: one entry per cluster by urgency (those that are not AKS Arc last), the
    totals by verdict and by clause, and whether the fleet is partial."""
    ordered = sort_by_urgency(assessments)
    first = ordered[0] if ordered else None
    return FleetDoc(
        schema=FLEET_SCHEMA,
        evaluated_at=iso_time(first.evaluated_at) if first else None,
        lang=lang,
        policy=policy_doc(first.policy) if first else None,
        totals=fleet_totals(ordered, partial),
        notices=[render(lang, notice) for notice in notices],
        clusters=[assessment_document(assessment, lang) for assessment in ordered],
    )
