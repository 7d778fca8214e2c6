"""Case triage: which scope rule of the policy pack a support case falls under, and what the
answer is: in scope, best effort, out of scope, or upgrade first (SVP-2).

The rules are pack data (policy/packs/aks-arc/triage.yaml documents how terms are found and
which rule wins). Pure: no I/O, no clock; the caller reads the case, the bundle and the plan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, Protocol

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.engine.known_issues import match_known_issues
from arcsupport.engine.plan import plan_for_snapshot
from arcsupport.errors import InputError
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.planner import Plan
from arcsupport.policy.model import Pack, Terms, TriageMatch, TriageRule
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Finding
from arcsupport.snapshot.known_issue import KnownIssue as KnownIssueRecord
from arcsupport.snapshot.model import Snapshot

Decision = Literal["in-scope", "best-effort", "out-of-scope", "upgrade-first"]

# A support ticket, not a document: generous for pasted error output, small enough to refuse
# a file given by mistake.
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 20_000
MAX_COMPONENTS = 50

ComponentName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Case(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE_CHARS)]
    description: Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_CHARS)] = ""
    components: Annotated[list[ComponentName], msgspec.Meta(max_length=MAX_COMPONENTS)] = []
    preview_feature: bool = False


class KnownIssue(Protocol):
    """A known issue already matched to the cluster (UPS-2); the fields triage shows."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def workaround(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TriageDecision:
    decision: Decision
    clauses: tuple[str, ...]
    reasons: tuple[Message, ...]
    rule: str | None  # the scope rule that fired; None when a human has to look
    business_hours_only: bool
    requires_access_grant: bool
    known_issues: tuple[KnownIssue, ...]
    assessment: Assessment | None
    plan: Plan | None  # only with upgrade-first

    @property
    def notices(self) -> tuple[Message, ...]:
        """The assessment's notices (the calendar it was judged with, an old snapshot); none
        without a cluster, when the case is decided on its text alone."""
        return self.assessment.notices if self.assessment is not None else ()


def parse_case(document: Any, where: str) -> Case:
    """A case from decoded YAML/JSON (or the command line), with unknown keys refused."""
    if not isinstance(document, dict):
        raise InputError(where, "a case must be a mapping with a title and a description")
    try:
        case = msgspec.convert(document, Case)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `")
        field = path.rstrip("`").removeprefix("$").lstrip(".")
        raise InputError(where, f"field {field}: {reason}" if field else reason) from None
    if not case.title.strip():
        raise InputError(where, "field title: must not be blank")
    return case


# --- finding terms in a case -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CaseText:
    words: str  # normalised title and description: English terms and patterns
    compact: str  # the same without any whitespace: Korean terms
    components: tuple[str, ...]


def _normalise(text: str) -> str:
    # NFKC folds full-width Latin letters (common in East Asian input) to ASCII.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _compact(text: str) -> str:
    return "".join(_normalise(text).split())


def _case_text(case: Case) -> _CaseText:
    words = _normalise(f"{case.title}\n{case.description}")
    return _CaseText(words, "".join(words.split()), tuple(map(_normalise, case.components)))


# Word characters for English terms are ASCII letters and digits only, so that a particle
# written right after a Latin word ("Istio를") still ends that word.
_NOT_WORD_BEFORE = r"(?<![0-9a-z])"
_NOT_WORD_AFTER = r"(?![0-9a-z])"


@cache
def _english(term: str) -> re.Pattern[str]:
    words = re.split(r"[\s\-]+", _normalise(term))
    parts = [
        re.escape(word[:-1]) + "[0-9a-z]*" if word.endswith("*") else re.escape(word)
        for word in words
    ]
    plural = "" if words[-1].endswith("*") else "(?:e?s)?"
    return re.compile(_NOT_WORD_BEFORE + r"[\s\-_]*".join(parts) + plural + _NOT_WORD_AFTER)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _found(terms: Terms, text: _CaseText) -> list[str]:
    return [
        *(term for term in terms.en if _english(term).search(text.words)),
        *(term for term in terms.ko if _compact(term) in text.compact),
        *(pattern for pattern in terms.patterns if _pattern(pattern).search(text.words)),
    ]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _matched(match: TriageMatch, text: _CaseText) -> list[str]:
    found = [
        name
        for name in match.components
        if _english(name).search(text.words)
        or any(_english(name).search(component) for component in text.components)
    ]
    found += _found(match.phrases, text)
    if not found:
        return []
    if match.requires is not None:
        also = _found(match.requires, text)
        if not also:
            return []
        found += also
    return _unique(found)


def _fired(matches: list[TriageMatch], text: _CaseText) -> list[str]:
    return _unique(term for match in matches for term in _matched(match, text))


# --- the decision ----------------------------------------------------------------------------


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


def triage(
    case: Case,
    pack: Pack,
    *,
    assessment: Assessment | None = None,
    plan: Plan | None = None,
    known_issues: Sequence[KnownIssue] | None = None,
) -> TriageDecision:
    """Decide the case. `plan` is the cluster's upgrade plan, attached when the answer is
    upgrade-first; `known_issues` are those already matched to the cluster."""
    rules = pack.triage
    text = _case_text(case)
    hits: list[tuple[TriageRule, list[str]]] = []
    for rule in rules.rules:
        found = _fired(rule.match, text)
        if rule.preview and case.preview_feature:
            found.append("preview_feature")
        if found:
            hits.append((rule, found))

    clauses: list[str] = []
    reasons: list[Message] = []
    winner: TriageRule | None = None
    decision: Decision = "in-scope"
    if hits:
        top = max(rule.priority for rule, _ in hits)
        leaders = [(rule, found) for rule, found in hits if rule.priority == top]
        if len({rule.decision for rule, _ in leaders}) > 1:
            names = ", ".join(f"{rule.id} ({rule.decision})" for rule, _ in leaders)
            reasons.append(Message("triage.note.disagree", {"rules": names}))
        else:
            winner, found = leaders[0]
            decision = winner.decision
            clauses += winner.clauses
            reasons.append(Message(f"triage.reason.{winner.reason}", {"matched": ", ".join(found)}))
        below = sorted(
            (rule for rule, _ in hits if rule.priority < top), key=lambda rule: -rule.priority
        )
        if below:
            reasons.append(
                Message("triage.note.also-matched", {"rules": ", ".join(r.id for r in below)})
            )
    else:
        reasons.append(Message("triage.note.needs-human-look", {}))

    # PRV-3 holds whenever a preview rule fired, even if a higher rule decided; a case that
    # support does not take at all has no hours to keep.
    preview = [rule for rule, _ in hits if rule.preview]
    business_hours_only = bool(preview) and decision != "out-of-scope"
    if business_hours_only and winner not in preview:
        clauses += (clause for rule in preview for clause in rule.clauses)
        reasons.append(Message("triage.note.business-hours", {}))

    access = _fired(rules.access_grant.when, text)
    requires_access_grant = bool(access) and decision != "out-of-scope"
    if requires_access_grant:
        clauses += rules.access_grant.clauses
        reasons.append(Message("triage.note.access-grant", {"matched": ", ".join(access)}))

    issues = tuple(known_issues or ())
    if issues:
        clauses += rules.known_issues.clauses
        reasons.append(
            Message(
                "triage.note.known-issues",
                {"count": len(issues), "ids": ", ".join(issue.id for issue in issues)},
            )
        )

    attached_plan = None
    blocking = upgrade_findings(assessment, pack)
    if blocking and decision != "out-of-scope":
        # Out of scope stays out of scope: upgrading would not bring the request into scope.
        cited = _unique(
            [*rules.upgrade_first.clauses, *(c for finding in blocking for c in finding.clauses)]
        )
        decision = "upgrade-first"
        clauses = [*cited, *clauses]
        attached_plan = plan
        if plan is None:
            note = Message("triage.note.upgrade-first-no-plan", {"clauses": ", ".join(cited)})
        else:
            landing = next(
                (step.to for step in reversed(plan.steps) if step.kind == "kubernetes-upgrade"),
                plan.target,
            )
            note = Message(
                "triage.note.upgrade-first",
                {"clauses": ", ".join(cited), "source": plan.from_version, "target": landing},
            )
        reasons.insert(0, note)
    if assessment is not None and assessment.verdict == "unsupported":
        others = [
            finding
            for finding in assessment.findings
            if finding.severity == "unsupported"
            and (decision != "upgrade-first" or finding not in blocking)
        ]
        if others:
            key = "also-unsupported" if decision == "upgrade-first" else "cluster-unsupported"
            others_cited = _unique(c for finding in others for c in finding.clauses)
            reasons.append(Message(f"triage.note.{key}", {"clauses": ", ".join(others_cited)}))

    return TriageDecision(
        decision=decision,
        clauses=tuple(_unique(clauses)),
        reasons=tuple(reasons),
        rule=winner.id if winner else None,
        business_hours_only=business_hours_only,
        requires_access_grant=requires_access_grant,
        known_issues=issues,
        assessment=assessment,
        plan=attached_plan,
    )


@dataclass(frozen=True, slots=True)
class ClusterContext:
    assessment: Assessment
    plan: Plan | None  # only when the answer will be upgrade-first
    known_issues: list[KnownIssue]


def cluster_for_triage(
    snapshot: Snapshot, pack: Pack, moment: datetime, records: Sequence[KnownIssueRecord]
) -> ClusterContext:
    """The cluster's assessment, the known issues among `records` that concern it, and its
    upgrade plan when the answer will be upgrade-first (planned as `arcsupport plan SOURCE`
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
