"""The gate's decision as data (`arcsupport.gate/v1`)."""

from __future__ import annotations

from typing import Any

from arcsupport.engine.assess import Assessment
from arcsupport.engine.gate import preflight
from arcsupport.i18n import Lang, render
from arcsupport.timeutil import iso_time
from arcsupport.types import Operation

SCHEMA = "arcsupport.gate/v1"


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
