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


def _decide(
    judged: Sequence[OperationEffect | _NotEvaluatedRun],
    operations: Iterable[Operation] = OPERATIONS,
) -> dict[Operation, OperationDecision]:
    """Each operation's decision from what judged it, in the order given: the strictest
    decision, every clause and reason once, in the order first given. A prepared run of rules
    that could not run enters with its effects already combined per operation, which decides
    alike: the strictest of the strictest, and an ordered set of ordered sets."""
    decided: dict[Operation, OperationDecision] = {}
    for operation in operations:
        decision: Decision = "allow"
        clauses: dict[str, None] = {}  # an ordered set
        reasons: list[Message] = []
        given: tuple[Message, ...]
        for entry in judged:
            if isinstance(entry, OperationEffect):
                if entry.operation != operation:
                    continue
                strictest, cited, given = entry.decision, entry.clauses, (entry.reason,)
            else:
                combined = entry.decisions.get(operation)
                if combined is None:
                    continue
                strictest, cited, given = combined.decision, combined.clauses, combined.reasons
            if _DECISION_RANK[strictest] > _DECISION_RANK[decision]:
                decision = strictest
            clauses.update(dict.fromkeys(cited))
            for reason in given:
                if reason not in reasons:
                    reasons.append(reason)
        decided[operation] = OperationDecision(decision, tuple(clauses), tuple(reasons))
    return decided


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


def _run(spec: Rule, facts: Facts, at: datetime, today: date) -> tuple[Outcome, ...] | NotEvaluated:
    try:
        return tuple(spec.check(Context(spec.id, facts, at, today)))
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
    # Those of `not_evaluated` that leave a verdict incomplete: all but the rules that did not
    # run because the caller gave them nothing to run on (`_Plans.by_choice`).
    incomplete: tuple[NotEvaluatedRule, ...]
    # Their effects combined per operation (only the operations they judge), as `_decide`
    # takes them.
    decisions: dict[Operation, OperationDecision]


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
        *[value is None or value == {} for value in current.read_fields(snapshot)],
    )
    found = current.by_absence.get(absence)
    if found is None:
        absent = {name for name, gone in zip(current.fields, absence[1:], strict=True) if gone}
        if not advisories:
            absent.add(ADVISORIES)
        blank = Facts(Snapshot(source=""), pack, advisories)
        steps = [
            _Step(spec, _run(spec, blank, at, at.date()))
            if spec.inert_without and absent.issuperset(spec.inert_without)
            else _Step(spec)
            for spec in REGISTRY.values()
        ]
        items = tuple(steps) if absence[0] else _merge_not_evaluated(steps, current.by_choice)
        runs = [item for item in items if isinstance(item, _NotEvaluatedRun)]
        found = _Plan(items, _decide(runs))
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


def _merge_not_evaluated(steps: list[_Step], by_choice: frozenset[str]) -> tuple[_PlanItem, ...]:
    items: list[_PlanItem] = []
    run: list[_Step] = []  # consecutive steps whose rule cannot run
    for step in [*steps, None]:
        if step is not None and isinstance(step.inert, NotEvaluated):
            run.append(step)
            continue
        if run:
            items.append(_not_evaluated_run(run, by_choice))
            run = []
        if step is not None:
            items.append(step)
    return tuple(items)


def _not_evaluated_run(steps: list[_Step], by_choice: frozenset[str]) -> _NotEvaluatedRun:
    entries = []
    effects: list[OperationEffect] = []
    for step in steps:
        assert isinstance(step.inert, NotEvaluated)
        entries.append(NotEvaluatedRule(step.spec.id, step.inert.needs, partial=False))
        effects.extend(_not_evaluated_effects(step.spec, step.inert.needs))
    judged = dict.fromkeys(effect.operation for effect in effects)
    return _NotEvaluatedRun(
        tuple(entries),
        tuple(entry for entry in entries if entry.rule not in by_choice),
        _decide(effects, judged),
    )


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
    # What judges the operations, in report order: effects, and prepared runs of rules that
    # could not run (their effects combined).
    judged: list[OperationEffect | _NotEvaluatedRun] = []
    deadlines: list[Deadline] = []
    evaluated: list[str] = []
    not_evaluated: list[NotEvaluatedRule] = []
    incomplete: list[NotEvaluatedRule] = []  # the gaps that leave the verdict incomplete

    plans, plan = _plan(snapshot, pack, at, advisories)
    today = at.date()
    touched: set[Operation] = set()  # operations judged by effects of this cluster's own
    for item in plan.items:
        if isinstance(item, _NotEvaluatedRun):
            not_evaluated.extend(item.not_evaluated)
            incomplete.extend(item.incomplete)
            judged.append(item)
            continue
        spec = item.spec
        outcomes = _run(spec, facts, at, today) if item.inert is None else item.inert
        if isinstance(outcomes, NotEvaluated):
            needs = _with_collection_reasons(outcomes.needs, snapshot)
            gap = NotEvaluatedRule(spec.id, needs, partial=False)
            not_evaluated.append(gap)
            if spec.id not in plans.by_choice:
                incomplete.append(gap)
            judged.extend(_not_evaluated_effects(spec, outcomes.needs))
            touched.update(spec.operations)
            continue
        evaluated.append(spec.id)
        for outcome in outcomes:
            if isinstance(outcome, Finding):
                findings.append(outcome)
            elif isinstance(outcome, OperationEffect):
                judged.append(outcome)
                touched.add(outcome.operation)
            elif isinstance(outcome, Deadline):
                if outcome.date >= today:
                    deadlines.append(outcome)
            else:
                needs = _with_collection_reasons(outcome.needs, snapshot)
                gap = NotEvaluatedRule(spec.id, needs, partial=True)
                not_evaluated.append(gap)
                incomplete.append(gap)

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
    # Declared dates that the scans before this one contradict (history won).
    notices += tuple(facts.conflicts.values())

    if len(findings) > 1:
        findings.sort(key=_severity_key)
    if len(deadlines) > 1:
        deadlines.sort(key=lambda deadline: (deadline.date, deadline.what.key))
    version = facts.cluster_version
    missing = _missing(facts)
    verdict = _verdict(findings, deadlines, today + timedelta(days=horizon), missing)
    if missing:
        judged[:0] = _fail_closed(missing)
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
        incomplete=tuple(incomplete),
        missing=missing,
        identity=facts.identity,
        findings=tuple(findings),
        # Operations no rule run on this cluster touched keep the plan's prepared decision.
        operations={**plan.operations, **_decide(judged, touched)},
        deadlines=tuple(deadlines),
        coverage=Coverage(tuple(evaluated), tuple(not_evaluated)),
        notices=notices,
        warning_horizon_days=horizon,
    )
