"""Operation pre-flight: may this operation run on this cluster now? The answer is the
assessment's own decision for that operation, so `gate` and `check` never disagree."""

from __future__ import annotations

from typing import Any

from arcsupport.engine.assess import Assessment, OperationDecision
from arcsupport.i18n import Lang, render
from arcsupport.report.model import iso_time
from arcsupport.types import Operation

SCHEMA = "arcsupport.engine.gate/v1"


def preflight(assessment: Assessment, operation: Operation) -> OperationDecision:
    return assessment.operations[operation]


def gate_data(assessment: Assessment, operation: Operation, lang: Lang) -> dict[str, Any]:
    decision = preflight(assessment, operation)
    return {
        "schema": SCHEMA,
        "cluster": assessment.cluster_name,
        "evaluated_at": iso_time(assessment.evaluated_at),
        "operation": operation,
        "decision": decision.decision,
        "clauses": list(decision.clauses),
        "reasons": [render(lang, reason) for reason in decision.reasons],
        "verdict": assessment.verdict,
    }
