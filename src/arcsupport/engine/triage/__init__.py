"""Case triage: which scope rule of the policy pack a support case falls under, and what the
answer is: in scope, best effort, out of scope, upgrade first (SVP-2), or needs review with
the questions to ask. The rules and the words they look for are pack data
(policy/packs/aks-arc/triage.yaml); reading.py reads the case, decide.py decides, cluster.py
brings in what an attached bundle shows. Pure: no I/O, no clock."""

from arcsupport.engine.triage.case import (
    MAX_COMPONENTS,
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    Case,
    KnownIssue,
    parse_case,
)
from arcsupport.engine.triage.cluster import (
    BundleView,
    ClusterContext,
    cluster_for_triage,
    upgrade_findings,
)
from arcsupport.engine.triage.decide import (
    DECISIONS,
    Candidate,
    ClauseEvidence,
    Decision,
    RuleScore,
    TriageDecision,
    Word,
    triage,
)
from arcsupport.engine.triage.reading import Morpheme, Morphology

__all__ = [
    "DECISIONS",
    "MAX_COMPONENTS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_TITLE_CHARS",
    "BundleView",
    "Candidate",
    "Case",
    "ClauseEvidence",
    "ClusterContext",
    "Decision",
    "KnownIssue",
    "Morpheme",
    "Morphology",
    "RuleScore",
    "TriageDecision",
    "Word",
    "cluster_for_triage",
    "parse_case",
    "triage",
    "upgrade_findings",
]
