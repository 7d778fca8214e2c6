"""What an attached bundle tells triage: the cluster's assessment seen from the support desk
(made unsupported by hand? out of support for a version an upgrade fixes? which third-party
components does it run? which findings speak for a scope rule?), its known issues and, when
the answer will be upgrade-first, its upgrade plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from arcsupport.engine.assess import Assessment, assess
from arcsupport.engine.known_issues import match_known_issues
from arcsupport.engine.plan import plan_for_snapshot
from arcsupport.engine.triage.case import KnownIssue
from arcsupport.errors import InputError
from arcsupport.lifecycle.planner import Plan
from arcsupport.policy.model import Pack
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Finding
from arcsupport.snapshot.known_issue import KnownIssue as KnownIssueRecord
from arcsupport.snapshot.model import Snapshot

# The assessment rules whose findings name the third-party components a cluster runs.
_COMPONENT_RULES = {"cni": "cni", "other": "third-party-components"}


def upgrade_findings(assessment: Assessment | None, pack: Pack) -> tuple[Finding, ...]:
    """The findings that make the cluster unsupported and that an upgrade resolves (SVP-2)."""
    if assessment is None or assessment.verdict != "unsupported":
        return ()
    under = set(pack.triage.upgrade_first.when_unsupported_under)
    return tuple(
        finding
        for finding in assessment.findings
        if finding.severity == "unsupported" and under.intersection(finding.clauses)
    )


@dataclass(frozen=True, slots=True)
class BundleView:
    """The assessment of the attached bundle, sorted the way triage uses it."""

    changed_by_hand: tuple[Finding, ...]  # unsupported because of a change made by hand
    upgrade: tuple[Finding, ...]  # unsupported, and an upgrade resolves it
    other_unsupported: tuple[Finding, ...]  # unsupported for a reason an engineer must weigh
    clauses: frozenset[str]  # every clause some finding cites
    components: frozenset[str]  # keys of the pack's components the cluster runs
    looked_for: frozenset[str]  # keys of components the bundle could have shown

    @classmethod
    def of(cls, assessment: Assessment, pack: Pack) -> BundleView:
        by_hand = set(pack.triage.changed_by_hand.clauses)
        upgrade = upgrade_findings(assessment, pack)
        unsupported = [f for f in assessment.findings if f.severity == "unsupported"]
        changed = tuple(f for f in unsupported if by_hand.intersection(f.clauses))
        other = tuple(f for f in unsupported if f not in changed and f not in upgrade)
        names = {
            str(finding.message.args.get("name"))
            for finding in assessment.findings
            if finding.rule in _COMPONENT_RULES.values()
        }
        evaluated = set(assessment.coverage.evaluated)
        looked_for = {
            key
            for key, component in pack.components.items()
            if _COMPONENT_RULES["cni" if component.category == "cni" else "other"] in evaluated
        }
        running = {key for key, component in pack.components.items() if component.name in names}
        return cls(
            changed_by_hand=changed,
            upgrade=upgrade,
            other_unsupported=other,
            clauses=frozenset(c for finding in assessment.findings for c in finding.clauses),
            components=frozenset(running),
            looked_for=frozenset(looked_for),
        )

    def shows_absent(self, component: str) -> bool:
        """The bundle could have shown the component and does not."""
        return component in self.looked_for and component not in self.components


@dataclass(frozen=True, slots=True)
class ClusterContext:
    assessment: Assessment
    plan: Plan | None  # only when the answer will be upgrade-first
    known_issues: list[KnownIssue]


def cluster_for_triage(
    snapshot: Snapshot, pack: Pack, moment: datetime, records: Sequence[KnownIssueRecord]
) -> ClusterContext:
    """The cluster's assessment, the known issues among `records` that concern it, and its
    upgrade plan when the answer may be upgrade-first (planned as `arcsupport plan SOURCE`
    does: to the latest, on the bundle's host release)."""
    assessment = assess(snapshot, pack, moment)
    facts = Facts(snapshot, pack)
    # A "general" match names only an operation (create, delete...) and fits every cluster:
    # attaching those to every case would bury the ones that concern this cluster.
    issues: list[KnownIssue] = [
        match.issue
        for match in match_known_issues(facts, records, moment)
        if match.certainty != "general"
    ]
    if not upgrade_findings(assessment, pack) or facts.cluster_version is None:
        return ClusterContext(assessment, None, issues)
    try:
        plan: Plan | None = plan_for_snapshot(snapshot, pack, moment)
    except InputError:
        # Upgrade-first stands without a plan; its reason sends the reader to `plan`.
        plan = None
    return ClusterContext(assessment, plan, issues)
