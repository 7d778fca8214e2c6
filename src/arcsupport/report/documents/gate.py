"""The gate's decision on one operation (`arcsupport.gate/v1`)."""

from __future__ import annotations

from typing import Final, Literal

from arcsupport.engine.assess import Assessment
from arcsupport.engine.gate import preflight
from arcsupport.i18n import Lang, render
from arcsupport.report.documents.base import ClauseId, Document, Timestamp
from arcsupport.timeutil import iso_time
from arcsupport.types import Decision, Operation, Verdict

SCHEMA: Final = "arcsupport.gate/v1"


class GateDoc(Document, frozen=True):
    """May this operation run on the cluster now (arcsupport.gate/v1)?"""

    schema: Literal["arcsupport.gate/v1"]
    cluster: str
    evaluated_at: Timestamp
    operation: Operation
    decision: Decision
    clauses: tuple[ClauseId, ...]
    reasons: list[str]
    verdict: Verdict
    notices: list[str]


def gate_document(assessment: Assessment, operation: Operation, lang: Lang) -> GateDoc:
    decision = preflight(assessment, operation)
    return GateDoc(
        schema=SCHEMA,
        cluster=assessment.cluster_name,
        evaluated_at=iso_time(assessment.evaluated_at),
        operation=operation,
        decision=decision.decision,
        clauses=decision.clauses,
        reasons=[render(lang, reason) for reason in decision.reasons],
        verdict=assessment.verdict,
        notices=[render(lang, notice) for notice in assessment.notices],
    )
