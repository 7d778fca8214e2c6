"""Operation pre-flight: may this operation run on this cluster now? The answer is the
assessment's own decision for that operation, so `gate` and `check` never disagree."""

from __future__ import annotations

from arcsupport.engine.assess import Assessment, OperationDecision
from arcsupport.types import Operation


def preflight(assessment: Assessment, operation: Operation) -> OperationDecision:
    return assessment.operations[operation]
