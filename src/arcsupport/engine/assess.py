"""assess(snapshot, pack, at): decide whether the cluster is AKS Arc, run every rule, then
derive verdict, operations, deadlines and coverage. Pure: no I/O, no clock; `at` is chosen by
the caller.

The verdict (DESIGN.md "Core contracts"): `not-applicable` when the snapshot shows a cluster
that is not AKS Arc (no rule runs); `unsupported` when a finding is; `undetermined` when a fact
that decides support is missing (the Kubernetes version, or every sign of whether the cluster is
AKS Arc); else `at-risk` on a warning, a block or a deadline within the horizon; else
`supported`.

Whether the verdict is complete: a verdict reached while a rule could not run, or ran without
some of the facts it reads (a `Gap`), holds only as far as the rules checked: it carries
`complete = False`, and reports say "as far as checked". The one gap that leaves an assessment
complete is a rule that needs reference data the caller did not ask to match (the advisories of
`--advisories`): that is a choice of what to check, not evidence missing from the snapshot, and
coverage still lists it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Literal, cast

import msgspec

from arcsupport.engine.declared import declared_fact_notices
from arcsupport.errors import PolicyError
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.learn import Offering
from arcsupport.policy.model import Pack, PackInfo
from arcsupport.rules.facts import ClusterIdentity, Facts, per_pack
from arcsupport.rules.needs import names_part
from arcsupport.rules.outcome import (
    Deadline,
    Evidence,
    Finding,
    NotEvaluated,
    OperationEffect,
    Outcome,
)
from arcsupport.rules.registry import REGISTRY, load_rules
from arcsupport.rules.rule import ADVISORIES, Context, Rule
from arcsupport.snapshot.model import Snapshot
from arcsupport.types import OPERATIONS, SEVERITY_ORDER, Decision, Operation, Verdict

if TYPE_CHECKING:  # the advisory module is imported only when advisories are matched
    from arcsupport.snapshot.advisory import Advisory

# The facts without which support cannot be decided (`undetermined`).
MissingFact = Literal["kubernetes-version", "aks-arc-identity"]
_DECISION_RANK: dict[Decision, int] = {"allow": 0, "warn": 1, "block": 2}


class OperationDecision(msgspec.Struct, frozen=True, gc=False):
    decision: Decision
    clauses: tuple[str, ...]
    reasons: tuple[Message, ...]


class NotEvaluatedRule(msgspec.Struct, frozen=True, gc=False):
    rule: str
    needs: tuple[Message, ...]
    partial: bool


class Coverage(msgspec.Struct, frozen=True, gc=False):
    evaluated: tuple[str, ...]
    not_evaluated: tuple[NotEvaluatedRule, ...]


class Assessment(msgspec.Struct, frozen=True, gc=False):
    source: str
    cluster_name: str
    resource_id: str
    kubernetes_version: str | None
    # Where the version came from: observed, declared, or inferred from the control plane.
    kubernetes_version_evidence: Evidence | None
    evaluated_at: datetime
    policy: PackInfo
    verdict: Verdict
    # The gaps of coverage that leave the verdict holding only as far as checked.
    incomplete: tuple[NotEvaluatedRule, ...]
    missing: tuple[MissingFact, ...]  # deciding facts the snapshot lacks
    identity: ClusterIdentity  # AKS Arc or not, and the signals that decided it
    findings: tuple[Finding, ...]
    operations: dict[Operation, OperationDecision]
    deadlines: tuple[Deadline, ...]
    coverage: Coverage
    notices: tuple[Message, ...]
    warning_horizon_days: int

    @property
    def complete(self) -> bool:
        return not self.incomplete


def check_rules_against_pack(pack: Pack) -> None:
    load_rules()
    for spec in REGISTRY.values():
        missing = [clause for clause in spec.clauses if clause not in pack.clauses]
        if missing:
            raise PolicyError(
                f"pack {pack.pack.name}",
                f"clauses {', '.join(missing)} used by rule {spec.id} are missing from the pack",
            )
    # `explain` shows a clause's `check` text as the account of how it is checked, so the
    # pack's list of the rules behind it must be the rules' own.
    for clause_id, clause in pack.clauses.items():
        citing = [spec.id for spec in REGISTRY.values() if clause_id in spec.clauses]
        if sorted(clause.checked_by) != sorted(citing):
            raise PolicyError(
                f"pack {pack.pack.name}",
                f"clauses.{clause_id}.checked_by: says [{', '.join(clause.checked_by)}], but "
                f"the rules citing {clause_id} are [{', '.join(citing)}]",
            )


def _with_collection_reasons(needs: tuple[Message, ...], snapshot: Snapshot) -> tuple[Message, ...]:
    """Say why a needed part is missing when the collector recorded it (a 403, a 404)."""
    if not snapshot.not_collected:
        return needs
    annotated = []
    for need in needs:
        reasons = [
            f"{part}: {reason}"
            for part, reason in snapshot.not_collected.items()
            if names_part(need, part)
        ]
        if reasons:
            need = Message("needs.not-collected", {"need": need, "reasons": "; ".join(reasons)})
        annotated.append(need)
    return tuple(annotated)


def _severity_key(finding: Finding) -> tuple[int, str, str]:
    return (SEVERITY_ORDER.index(finding.severity), finding.rule, finding.message.key)


def _combine_operations(
    effects: list[OperationEffect], operations: Iterable[Operation] = OPERATIONS
) -> dict[Operation, OperationDecision]:
    return {
        operation: _combine([effect for effect in effects if effect.operation == operation])
        for operation in operations
    }


def _combine(effects: list[OperationEffect]) -> OperationDecision:
    """The strictest decision; every clause and reason once, in the order first given."""
    decision: Decision = "allow"
    clauses: dict[str, None] = {}  # an ordered set
    reasons: list[Message] = []
    for effect in effects:
        if _DECISION_RANK[effect.decision] > _DECISION_RANK[decision]:
            decision = effect.decision
        clauses.update(dict.fromkeys(effect.clauses))
        if effect.reason not in reasons:
            reasons.append(effect.reason)
    return OperationDecision(decision, tuple(clauses), tuple(reasons))


def _verdict(
    findings: list[Finding],
    deadlines: list[Deadline],
    horizon_end: date,
    missing: tuple[MissingFact, ...],
) -> Verdict:
    severities = {finding.severity for finding in findings}
    if "unsupported" in severities:
        return "unsupported"
    if missing:
        return "undetermined"
    if "warning" in severities or "blocked" in severities:
        return "at-risk"
    # Deadlines are sorted: the first is the nearest.
    if deadlines and deadlines[0].date <= horizon_end:
        return "at-risk"
    return "supported"


def _missing(facts: Facts) -> tuple[MissingFact, ...]:
    missing: list[MissingFact] = []
    if facts.cluster_version is None:
        missing.append("kubernetes-version")
    if facts.identity.aks_arc is None:
        missing.append("aks-arc-identity")
    return tuple(missing)


def _fail_closed(missing: tuple[MissingFact, ...]) -> list[OperationEffect]:
    """What cannot be judged is not allowed: without a deciding fact every operation is
    blocked, so that `gate` refuses what `check` cannot vouch for (the verdict is then
    `undetermined`, or `unsupported` on a finding)."""
    reasons = [Message(f"engine.op.undetermined.{fact}") for fact in missing]
    return [
        OperationEffect(operation, "block", (), reason)
        for operation in OPERATIONS
        for reason in reasons
    ]


def _incomplete(
    not_evaluated: list[NotEvaluatedRule], by_choice: frozenset[str]
) -> tuple[NotEvaluatedRule, ...]:
    """Every gap, but for a rule that did not run because the caller gave it nothing to run
    on (`by_choice`: no advisories to match)."""
    if not by_choice:
        return tuple(not_evaluated)
    return tuple([gap for gap in not_evaluated if gap.partial or gap.rule not in by_choice])


def _not_applicable(snapshot: Snapshot, pack: Pack, at: datetime, facts: Facts) -> Assessment:
    """A cluster that is not AKS Arc: the AKS Arc policy neither supports nor refuses it, so
    no rule runs and each operation warns that this policy does not judge it."""
    version = facts.cluster_version
    decision = OperationDecision("warn", (), (Message("engine.op.not-applicable"),))
    return Assessment(
        source=snapshot.source,
        cluster_name=snapshot.cluster_name,
        resource_id=snapshot.resource_id,
        kubernetes_version=str(version.version) if version else None,
        kubernetes_version_evidence=version.evidence if version else None,
        evaluated_at=at,
        policy=pack.pack,
        verdict="not-applicable",
        incomplete=(),
        missing=(),
        identity=facts.identity,
        findings=(),
        operations=dict.fromkeys(OPERATIONS, decision),
        deadlines=(),
        coverage=Coverage((), ()),
        notices=(),
        warning_horizon_days=pack.thresholds.warning_horizon_days,
    )


_NOT_EVALUATED_EFFECTS: dict[tuple[str, tuple[Message, ...]], tuple[OperationEffect, ...]] = {}


def _not_evaluated_effects(spec: Rule, needs: tuple[Message, ...]) -> tuple[OperationEffect, ...]:
    """A rule that could not run warns on the operations it judges. The effects are immutable
    and the same for every cluster that lacks the same facts, so a fleet builds them once."""
    key = (spec.id, needs)
    found = _NOT_EVALUATED_EFFECTS.get(key)
    if found is None:
        reason = Message("engine.op.not-evaluated", {"rule": spec.id, "needs": needs})
        found = tuple(
            OperationEffect(operation, "warn", spec.clauses, reason)
            for operation in spec.operations
        )
        _NOT_EVALUATED_EFFECTS[key] = found
    return found


def _run(spec: Rule, facts: Facts, at: datetime) -> tuple[Outcome, ...] | NotEvaluated:
    try:
        return tuple(spec.check(Context(spec.id, facts, at)))
    except NotEvaluated as missing:
        return missing


class _Step(msgspec.Struct, frozen=True, gc=False):
    spec: Rule
    # None: run the rule on the cluster. Otherwise the rule lacks all its `inert_without`
    # fields, reads nothing else of the snapshot, and this is what it gives every such cluster.
    inert: tuple[Outcome, ...] | NotEvaluated | None = None


class _NotEvaluatedRun(msgspec.Struct, frozen=True, gc=False):
    """Consecutive inert rules that cannot run, entered into the assessment in one go."""

    not_evaluated: tuple[NotEvaluatedRule, ...]
    effects: tuple[OperationEffect, ...]


_PlanItem = _Step | _NotEvaluatedRun


class _Plan(msgspec.Struct, frozen=True, gc=False):
    items: tuple[_PlanItem, ...]
    # The operations as the prepared not-evaluated runs alone decide them: an operation that
    # no rule run on the cluster touches keeps this decision.
    operations: dict[Operation, OperationDecision]


class _Plans(msgspec.Struct):
    """The plan for each combination of absent fields, for one pack, time and set of
    advisories: a fleet's clusters share a handful of combinations (say, "Azure rows only"),
    so the inert rules run once per combination instead of once per cluster."""

    at: datetime
    advisories: Sequence[Advisory]
    fields: tuple[str, ...]  # every snapshot field some rule is inert without
    read_fields: Callable[[Snapshot], tuple[object, ...]]
    by_absence: dict[tuple[bool, ...], _Plan]
    by_choice: frozenset[str]  # rules that do not run because the caller asked for nothing


def _plan(
    snapshot: Snapshot, pack: Pack, at: datetime, advisories: Sequence[Advisory]
) -> tuple[_Plans, _Plan]:
    plans = per_pack(pack, "engine.plans", lambda: [_new_plans(pack, at, advisories)])
    if plans[0].at != at or plans[0].advisories is not advisories:
        plans[0] = _new_plans(pack, at, advisories)
    current = plans[0]
    # Collection gaps are written into coverage per cluster, so such clusters take every
    # step one by one.
    absence = (
        bool(snapshot.not_collected),
        *(value is None or value == {} for value in current.read_fields(snapshot)),
    )
    found = current.by_absence.get(absence)
    if found is None:
        absent = {name for name, gone in zip(current.fields, absence[1:], strict=True) if gone}
        if not advisories:
            absent.add(ADVISORIES)
        blank = Facts(Snapshot(source=""), pack, advisories)
        steps = [
            _Step(spec, _run(spec, blank, at))
            if spec.inert_without and absent.issuperset(spec.inert_without)
            else _Step(spec)
            for spec in REGISTRY.values()
        ]
        items = tuple(steps) if absence[0] else _merge_not_evaluated(steps)
        prepared = [
            effect
            for item in items
            if isinstance(item, _NotEvaluatedRun)
            for effect in item.effects
        ]
        found = _Plan(items, _combine_operations(prepared))
        current.by_absence[absence] = found
    return current, found


def _new_plans(pack: Pack, at: datetime, advisories: Sequence[Advisory]) -> _Plans:
    check_rules_against_pack(pack)  # loads the rules, in their fixed order, before any plan
    fields = tuple(
        sorted({name for spec in REGISTRY.values() for name in spec.inert_without} - {ADVISORIES})
    )
    # attrgetter of one name returns the value itself; every plan reads at least two.
    assert len(fields) > 1
    read_fields = cast("Callable[[Snapshot], tuple[object, ...]]", attrgetter(*fields))
    by_choice = frozenset(
        () if advisories else (s.id for s in REGISTRY.values() if ADVISORIES in s.inert_without)
    )
    return _Plans(at, advisories, fields, read_fields, {}, by_choice)


def _merge_not_evaluated(steps: list[_Step]) -> tuple[_PlanItem, ...]:
    items: list[_PlanItem] = []
    for step in steps:
        if not isinstance(step.inert, NotEvaluated):
            items.append(step)
            continue
        entry = NotEvaluatedRule(step.spec.id, step.inert.needs, partial=False)
        effects = _not_evaluated_effects(step.spec, step.inert.needs)
        last = items[-1] if items else None
        if isinstance(last, _NotEvaluatedRun):
            items[-1] = _NotEvaluatedRun((*last.not_evaluated, entry), (*last.effects, *effects))
        else:
            items.append(_NotEvaluatedRun((entry,), effects))
    return tuple(items)


def assess(
    snapshot: Snapshot,
    pack: Pack,
    at: datetime,
    *,
    advisories: Sequence[Advisory] = (),
    offering: Offering | None = None,
) -> Assessment:
    """`offering`: what another bundle's custom location offered, for the calendar to learn
    from where it is newer than the snapshot's own (a fleet's, engine/fleet.py)."""
    facts = Facts(snapshot, pack, advisories, offering=offering)
    if facts.identity.aks_arc is False:
        return _not_applicable(snapshot, pack, at, facts)
    findings: list[Finding] = []
    effects: list[OperationEffect] = []
    deadlines: list[Deadline] = []
    evaluated: list[str] = []
    not_evaluated: list[NotEvaluatedRule] = []

    plans, plan = _plan(snapshot, pack, at, advisories)
    today = at.date()
    touched: set[Operation] = set()  # operations judged by effects of this cluster's own
    for item in plan.items:
        if isinstance(item, _NotEvaluatedRun):
            not_evaluated.extend(item.not_evaluated)
            effects.extend(item.effects)
            continue
        spec = item.spec
        outcomes = _run(spec, facts, at) if item.inert is None else item.inert
        if isinstance(outcomes, NotEvaluated):
            needs = _with_collection_reasons(outcomes.needs, snapshot)
            not_evaluated.append(NotEvaluatedRule(spec.id, needs, partial=False))
            effects.extend(_not_evaluated_effects(spec, outcomes.needs))
            touched.update(spec.operations)
            continue
        evaluated.append(spec.id)
        for outcome in outcomes:
            if isinstance(outcome, Finding):
                findings.append(outcome)
            elif isinstance(outcome, OperationEffect):
                effects.append(outcome)
                touched.add(outcome.operation)
            elif isinstance(outcome, Deadline):
                if outcome.date >= today:
                    deadlines.append(outcome)
            else:
                needs = _with_collection_reasons(outcome.needs, snapshot)
                not_evaluated.append(NotEvaluatedRule(spec.id, needs, partial=True))

    horizon = pack.thresholds.warning_horizon_days
    # The calendar's notices: its age, and what it learned from which bundle.
    notices = facts.calendar_notices(today)
    collected = snapshot.collected_at
    if collected is not None and collected.date() < today - timedelta(days=horizon):
        notices += (
            Message(
                "engine.notice.old-snapshot",
                {"collected": collected.date().isoformat(), "at": today.isoformat()},
            ),
        )

    notices += declared_fact_notices(snapshot, at)

    if len(findings) > 1:
        findings.sort(key=_severity_key)
    if len(deadlines) > 1:
        deadlines.sort(key=lambda deadline: (deadline.date, deadline.what.key))
    version = facts.cluster_version
    missing = _missing(facts)
    verdict = _verdict(findings, deadlines, today + timedelta(days=horizon), missing)
    if missing:
        effects[:0] = _fail_closed(missing)
        touched.update(OPERATIONS)
    return Assessment(
        source=snapshot.source,
        cluster_name=snapshot.cluster_name,
        resource_id=snapshot.resource_id,
        kubernetes_version=str(version.version) if version else None,
        kubernetes_version_evidence=version.evidence if version else None,
        evaluated_at=at,
        policy=pack.pack,
        verdict=verdict,
        incomplete=_incomplete(not_evaluated, plans.by_choice),
        missing=missing,
        identity=facts.identity,
        findings=tuple(findings),
        # Operations no rule run on this cluster touched keep the plan's prepared decision.
        operations={**plan.operations, **_combine_operations(effects, touched)},
        deadlines=tuple(deadlines),
        coverage=Coverage(tuple(evaluated), tuple(not_evaluated)),
        notices=notices,
        warning_horizon_days=horizon,
    )
