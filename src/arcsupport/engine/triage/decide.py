"""Deciding a case: which scope rules of the policy pack its words support, which one decides,
how sure that is, and when nobody should decide without asking the customer first.

Every rule gathers the terms the case uses for it (pack data, English and Korean), each read
in its clause (reading.py): a term asserted, asked about or planned speaks for the rule; a
denied or cleared one against it; a hedged one only makes the rule a candidate. A rule decides
once its evidence adds up to 1 (entries of the pack weigh 1 unless they say less).

Which rule wins:
  1. A change made by hand that leaves the cluster unsupported (kind `change`), once done:
     out of scope whatever the symptom (SHR-3, SHR-4, CUST-1, CUST-2, NET-1, PRV-1, STOP-1,
     CONN-5).
  2. Otherwise the rules about what the case is about: one the case names as the cause ("the
     root cause is the API server") first; then one named in the title or in a sentence that
     reports a failure or asks (in focus) outranks one merely mentioned, so that a product
     named beside a failing component does not decide ("Istio installed, containerd down" is
     a containerd case); then the pack's priority, then the score. Between third-party
     products, one the case names outranks a word for a kind of product (the "scanner" of
     "the Trivy scanner" is Trivy). A product (kind `product`) that the case denies, says was
     removed, or calls fine while something else fails is ruled out.
  3. A rule of another decision that ranks above the winner but was named only with doubt
     ("possibly a mesh", "not sure if they changed the VMs in Hyper-V"), a sentence doubting
     between the winner and another answer ("Arc or Flux itself, we don't know"), rules that
     tie and disagree, a winner whose pack decision is needs-review (a state the policy leaves
     to an engineer: a deleted subscription, a host platform's lifecycle), a case that says it
     holds several problems whose problems in focus get different answers, or no rule at all:
     needs-review, with the candidates and the questions to ask.
  4. A state the case says has lasted near or past a deadline of the policy (a subscription
     suspended for most of SUB-1's 60 days) turns an in-scope or best-effort answer into
     needs-review: the dates decide, and an engineer checks them.
Then the cluster: a bundle that is not of an AKS Arc cluster needs a person to route the case
(the policy does not decide for it); an attached bundle that shows changes made by hand makes
the case out of scope, and so does a change made by hand that the case describes; otherwise a
version out of support (in the bundle, or stated in the case without one, not the goal of an
upgrade still planned) makes it upgrade-first whatever the
request is about (SVP-2: a request on such a cluster is answered with upgrade first; VER-2: it
is not eligible before), a request out of scope saying that it stays so after the upgrade,
unless the cluster is also unsupported for a reason an upgrade does not fix, which an engineer
has to weigh (needs-review).

Pure: no I/O, no clock; the caller passes the moment, the reader of Korean, the bundle's
assessment and plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from arcsupport.engine.assess import Assessment
from arcsupport.engine.triage.case import Case, KnownIssue
from arcsupport.engine.triage.cluster import BundleView
from arcsupport.engine.triage.reading import (
    Modality,
    Morphology,
    Reading,
    compact,
    english_pattern,
    find_korean,
    in_address,
    is_morpheme_term,
    read,
)
from arcsupport.engine.triage.stated import StatedVersion, stated_days, stated_versions
from arcsupport.i18n.message import Message
from arcsupport.lifecycle.calendar import for_pack
from arcsupport.lifecycle.planner import Plan
from arcsupport.policy.model import Pack, Terms, TriageMatch, TriageRule
from arcsupport.rules.outcome import Finding

Decision = Literal["in-scope", "best-effort", "out-of-scope", "upgrade-first", "needs-review"]
DECISIONS: tuple[Decision, ...] = (
    "in-scope",
    "best-effort",
    "out-of-scope",
    "upgrade-first",
    "needs-review",
)
# What a rule's evidence must add up to for it to decide.
DECIDES = 1.0

# How a found word counts: for the rule, against it, or only as a doubt.
Role = Literal["for", "against", "unsure"]
_ROLES: dict[str, dict[Modality, Role]] = {
    # A covered area named with doubt ("maybe the API server") is still a covered area.
    "subject": {
        "asserted": "for", "question": "for", "hypothetical": "for", "removed": "for",
        "uncertain": "for", "denied": "against", "cleared": "against",
    },
    # A product decides only while it is there: removing it rules it out.
    "product": {
        "asserted": "for", "question": "for", "hypothetical": "for", "removed": "against",
        "uncertain": "unsure", "denied": "against", "cleared": "against",
    },
    # A change counts once done ("we removed the taint" is a change); asked about or planned,
    # it only makes the rule a candidate.
    "change": {
        "asserted": "for", "removed": "for", "question": "unsure", "hypothetical": "unsure",
        "uncertain": "unsure", "denied": "against", "cleared": "against",
    },
}  # fmt: skip

Status = Literal["decided", "also", "fired", "candidate", "ruled-out", "weak"]


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the case (or of the bundle) that a rule found, and how it was read."""

    text: str
    how: str  # a reading's modality, or listed (the case's components), flag, bundle,
    # not-in-bundle (a product the attached bundle shows is not there)
    cue: str | None  # the words that gave that reading ("did not change", "않/VX")
    focused: bool


@dataclass(frozen=True, slots=True)
class RuleScore:
    """One scope rule's standing on the case: what `triage --explain` shows."""

    rule: str
    kind: str
    decision: str
    clauses: tuple[str, ...]
    priority: int
    score: float
    focused: bool
    status: Status
    words_for: tuple[Word, ...]
    words_against: tuple[Word, ...]
    words_unsure: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class ClauseEvidence:
    """Clauses cited and the words that brought them: a rule's, the bundle's, a version's."""

    clauses: tuple[str, ...]
    source: str  # a rule id, "bundle", "version", "access-grant", "known-issues"
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    rule: str
    decision: str
    clauses: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class TriageDecision:
    decision: Decision
    clauses: tuple[str, ...]
    reasons: tuple[Message, ...]
    rule: str | None  # the scope rule that decided; None when a human has to look
    business_hours_only: bool
    requires_access_grant: bool
    known_issues: tuple[KnownIssue, ...]
    assessment: Assessment | None
    plan: Plan | None  # only with upgrade-first
    confidence: float  # 0..1: how safely the answer can be given without a second look
    evidence: tuple[ClauseEvidence, ...]
    candidates: tuple[Candidate, ...]  # with needs-review: what it may be
    questions: tuple[Message, ...]  # with needs-review: what to ask the customer
    scoring: tuple[RuleScore, ...]  # every rule the case touched

    @property
    def notices(self) -> tuple[Message, ...]:
        """The assessment's notices (the calendar it was judged with, an old snapshot); none
        without a cluster, when the case is decided on its text alone."""
        return self.assessment.notices if self.assessment is not None else ()


def triage(
    case: Case,
    pack: Pack,
    *,
    morphology: Morphology,
    at: datetime,
    assessment: Assessment | None = None,
    plan: Plan | None = None,
    known_issues: Sequence[KnownIssue] | None = None,
) -> TriageDecision:
    """Decide the case as of `at`. `morphology` reads its Korean; `assessment` is the attached
    bundle's, `plan` the cluster's upgrade plan (attached when the answer is upgrade-first),
    `known_issues` those already matched to the cluster."""
    rules = pack.triage
    reading = read(case.title, case.description, rules.reading, morphology)
    bundle = BundleView.of(assessment, pack) if assessment is not None else None
    scored = [_Scored.of(rule, case, reading, bundle) for rule in rules.rules]
    touched = [entry for entry in scored if entry.touched]

    choice = _choose(touched, rules.needs_review.doubt_stops_below)
    if _plain_spans(rules.needs_review.several_problems, reading):
        choice = _split(choice, touched)
    state = _State(choice.decision, list(choice.reasons), choice.winner)
    if choice.winner is not None and choice.decision != "needs-review":
        state.cite(choice.winner, reading, at)
        for other in choice.also:
            state.cite(other, reading, at)
    elif choice.winner is not None and choice.winner.rule.decision == "needs-review":
        # The words that make it a case for an engineer are its evidence; its clauses stay
        # candidates, not an answer.
        words = tuple(dict.fromkeys(word.text for word in choice.winner.words_for))
        rule = choice.winner.rule
        state.evidence.append(ClauseEvidence(tuple(rule.clauses), rule.id, words))
    state.candidates = list(choice.candidates)
    state.deferred = [e for e in touched if e.fires and e.rule.decision == "needs-review"]
    if state.decision in ("in-scope", "best-effort"):
        _near_deadline(state, touched, reading, at)

    fired = [entry for entry in touched if entry.fires]
    preview = [entry for entry in fired if entry.rule.preview]
    _access(state, reading, pack)
    _known_issues(state, known_issues, pack)
    _cluster(state, bundle, assessment, plan, reading, pack, at)

    business_hours = bool(preview) and state.decision not in ("out-of-scope", "needs-review")
    if business_hours and not any(entry is state.winner for entry in preview):
        for entry in preview:
            state.cite(entry, reading, at)
        state.reasons.append(Message("triage.note.business-hours", {}))
    if state.decision == "out-of-scope":
        state.requires_access_grant = False

    questions = _questions(state, pack) if state.decision == "needs-review" else ()
    statuses = _statuses(touched, state, choice)
    return TriageDecision(
        decision=state.decision,
        clauses=tuple(dict.fromkeys(state.clauses)),
        reasons=tuple(state.reasons),
        rule=(
            state.winner.rule.id
            if state.winner is not None and state.decision != "needs-review"
            else None
        ),
        business_hours_only=business_hours,
        requires_access_grant=state.requires_access_grant,
        known_issues=state.known_issues,
        assessment=assessment,
        plan=state.plan,
        confidence=_confidence(state, choice),
        evidence=tuple(state.evidence),
        candidates=tuple(state.candidates) if state.decision == "needs-review" else (),
        questions=questions,
        scoring=tuple(
            entry.score_of(statuses.get(entry.rule.id, entry.status)) for entry in touched
        ),
    )


# --- each rule's evidence --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    """A word found for a rule, with what it counts for."""

    entry: int  # the number of the match entry that found it
    product: str  # for a product rule, which product it names
    word: Word
    span: tuple[int, int]  # its sentence
    failing: bool  # its own clause reports a failure
    substantive: bool  # in the case's own sentences, not a side note
    caused: bool  # its clause names it as the cause of the failure


@dataclass
class _Scored:
    rule: TriageRule
    words_for: list[Word]
    words_against: list[Word]
    words_unsure: list[Word]
    score: float
    focused: bool
    ruled_out: bool
    excluded: list[Word]  # products the case denies, removed or calls fine: not counted
    spans: list[tuple[int, int]]  # sentences holding its counted words (for `lasting`)
    substantive: bool  # a counted word in the case's own sentences, not only in side notes
    caused: bool  # a counted word named as the cause of the failure
    specific: bool  # a counted word names a product or says it is commercial, not only its kind
    doubted_in: frozenset[tuple[int, int]]  # sentences that name it with doubt

    @classmethod
    def of(
        cls, rule: TriageRule, case: Case, reading: Reading, bundle: BundleView | None
    ) -> _Scored:
        roles = _ROLES[rule.kind]
        found: list[_Found] = []
        against: list[tuple[str, Word]] = []
        unsure: list[tuple[str, Word]] = []
        doubted_in: set[tuple[int, int]] = set()
        weights: dict[object, float] = {}
        realised = rule.kind == "change"
        required_in_focus = False
        for number, entry in enumerate(rule.match):
            finds = _finds(entry, reading)
            listed = _listed(entry, case.components)
            if not finds and not listed:
                continue
            if entry.requires is not None:
                plainly = _plain_spans(entry.requires, reading)
                if not plainly:
                    continue
                # What the entry requires in focus (a node NotReady beside a custom DaemonSet)
                # puts the rule in focus: the failure is the rule's own.
                required_in_focus |= any(reading.in_focus(at) for at in plainly)
            absent = (
                bundle is not None
                and entry.component is not None
                and bundle.shows_absent(entry.component)
            )
            for start, end in finds:
                # A denied find keeps the words around it that are denied with it, so that
                # --explain shows "바꾼 적 없습니다" against the rule instead of nothing.
                denied = reading.modality(start)[0] in ("denied", "cleared")
                if not all(_near(group, reading, start, denied) for group in entry.near):
                    continue
                if entry.unless is not None and _near(entry.unless, reading, start):
                    continue
                text = reading.text[start:end]
                product = _product(entry, text)
                # A product the bundle does not show counts only where the case is about it.
                if absent and not reading.in_focus(start):
                    against.append((product, Word(text, "not-in-bundle", entry.component, False)))
                    continue
                modality, cue = reading.modality(start, realised=realised)
                if rule.kind == "product" and modality == "asserted":
                    removal = reading.removed_later(start)
                    if removal is not None:
                        modality, cue = "removed", removal
                role = roles[modality]
                if modality == "uncertain":
                    doubted_in.add(reading.outer_span(start))
                # A product named only in an aside ("our IdP (Keycloak)") identifies something;
                # the case is not about it there.
                focused = (
                    role == "for"
                    and reading.in_focus(start)
                    and not (rule.kind == "product" and reading.sentence_of(start).aside)
                )
                word = Word(text, modality, cue, focused)
                if role == "for":
                    found.append(
                        _Found(
                            number,
                            product,
                            word,
                            reading.outer_span(start),
                            reading.clause_at(start).failure is not None,
                            not reading.side_note(start),
                            reading.named_as_cause(start),
                        )
                    )
                elif role == "against":
                    against.append((product, word))
                else:
                    unsure.append((product, word))
            for name in listed:
                product = _product(entry, name)
                if absent:
                    against.append((product, Word(name, "not-in-bundle", entry.component, False)))
                elif not entry.near:
                    word = Word(name, "listed", None, False)
                    found.append(_Found(number, product, word, (0, 0), False, True, False))
        # A product the case denies or says was removed is ruled out, and so is one said to
        # work ("the Helm release is fine") unless a clause of its own reports it failing
        # ("Istio works in A, but the sidecar fails in B"): each product on its own, so that
        # "we are NOT using Istio; Linkerd's proxy fails" is still a Linkerd case. Denying the
        # kind ("there is no mesh") rules out every product of the rule.
        ruled: set[str] = set()
        if rule.kind == "product":
            failing = {item.product for item in found if item.failing}
            ruled = {
                product
                for product, word in against
                if word.how in ("denied", "removed")
                or (word.how == "cleared" and (product not in failing or _itself(word)))
            }
            # A word for the kind refers back to the products named: when each of them is
            # ruled out, so is it ("Istio was removed in March, so don't blame the mesh";
            # "not asking about Qualys itself: is the scanner's finding real?").
            named = {item.product for item in found if item.product}
            if ruled - {""} and named <= ruled:
                ruled.add("")
        counted = [item for item in found if "" not in ruled and item.product not in ruled]
        ruled_out = bool(ruled) and not counted
        for item in counted:
            weights[item.entry] = max(weights.get(item.entry, 0.0), rule.match[item.entry].weight)
        words_for = [item.word for item in (found if ruled_out else counted)]
        if rule.preview and case.preview_feature:
            words_for.append(Word("preview_feature", "flag", None, True))
            weights["flag"] = 1.0
        if rule.bundle is not None and bundle is not None:
            supporting = [c for c in rule.bundle.findings if c in bundle.clauses]
            if supporting:
                words_for += [Word(clause, "bundle", None, False) for clause in supporting]
                weights["bundle"] = rule.bundle.weight
        focused = (
            any(word.focused for word in words_for)
            or (required_in_focus and bool(weights))
            or (rule.state and bool(words_for))
        )
        excluded = [word for product, word in against if product in ruled or "" in ruled]
        return cls(
            rule,
            words_for,
            [word for _, word in against],
            [word for product, word in unsure if "" not in ruled and product not in ruled],
            round(sum(weights.values()), 2),
            focused,
            ruled_out,
            excluded,
            [item.span for item in counted if item.word.how != "listed"],
            any(item.substantive for item in counted),
            any(item.caused for item in counted),
            any(item.product or rule.match[item.entry].near for item in counted),
            frozenset(doubted_in),
        )

    @property
    def touched(self) -> bool:
        return bool(self.words_for or self.words_against or self.words_unsure)

    @property
    def fires(self) -> bool:
        return not self.ruled_out and self.score >= DECIDES

    @property
    def doubtful(self) -> bool:
        """Named, but only with doubt (or, for a change, only asked about or planned)."""
        return not self.ruled_out and not self.fires and bool(self.words_unsure)

    @property
    def hedged(self) -> bool:
        """Named with doubt ("maybe someone changed the VMs in Hyper-V"): unlike a change only
        asked about or planned ("can we resize the VMs in Hyper-V?"), which has not happened,
        this may be what the case is about."""
        return self.doubtful and any(word.how == "uncertain" for word in self.words_unsure)

    @property
    def status(self) -> Status:
        if self.ruled_out:
            return "ruled-out"
        if self.fires:
            return "fired"
        return "candidate" if self.words_unsure else "weak"

    def rank(self) -> tuple[int, int, int, int, float]:
        tier = 1 if self.rule.kind == "change" else 0
        return (tier, int(self.caused), int(self.focused), self.rule.priority, self.score)

    def score_of(self, status: Status) -> RuleScore:
        rule = self.rule
        return RuleScore(
            rule=rule.id,
            kind=rule.kind,
            decision=rule.decision,
            clauses=tuple(rule.clauses),
            priority=rule.priority,
            score=self.score,
            focused=self.focused,
            status=status,
            words_for=tuple(self.words_for),
            words_against=tuple(self.words_against),
            words_unsure=tuple(self.words_unsure),
        )

    def matched(self) -> str:
        return ", ".join(dict.fromkeys(word.text for word in self.words_for))


# A term inside a label or annotation key or a URL path ("node-role.kubernetes.io/control-plane")
# names the key, not the thing; one inside a URL or a host name names the machine.
_KEY_PREFIX = re.compile(r"\.[a-z0-9-]+/[a-z0-9._-]*$")


def _itself(word: Word) -> bool:
    """Cleared as such ("Helm is fine itself", "ArgoCD 자체는 정상"): ruled out even where a
    sentence names it beside the failure."""
    return word.cue is not None and ("itself" in word.cue or "자체" in word.cue)


def _product(entry: TriageMatch, name: str) -> str:
    """Which product a word names: the entry's component (Istio for istiod, istio-proxy...),
    else the product name itself, spelled without spaces or hyphens (Argo CD, argo-cd); "" for
    a word that only says what kind of product it is ("mesh", "open-source tool")."""
    if entry.component is not None:
        return entry.component
    if any(english_pattern(term).fullmatch(name.casefold()) for term in entry.components):
        return re.sub(r"[\s_-]+", "", name.casefold())
    return ""


def _finds(entry: TriageMatch, reading: Reading) -> list[tuple[int, int]]:
    text = reading.text
    words = [
        match.span()
        for term in [*entry.components, *entry.phrases.en]
        for match in english_pattern(term).finditer(text)
    ]
    words += _korean_spans(entry.phrases.ko, reading, 0, len(text))
    # Patterns say themselves what they look for, addresses included (":6443" in a URL).
    found = {
        match.span() for pattern in entry.phrases.patterns for match in re.finditer(pattern, text)
    }
    found.update(span for span in words if not in_address(text, *span))
    return sorted(
        (start, end)
        for start, end in found
        if not _KEY_PREFIX.search(text, max(0, start - 60), start)
    )


def _listed(entry: TriageMatch, components: Iterable[str]) -> list[str]:
    return [
        name
        for name in components
        if any(english_pattern(term).search(name.casefold()) for term in entry.components)
    ]


def _term_spans(
    terms: Terms, reading: Reading, start: int = 0, end: int | None = None
) -> list[int]:
    text = reading.text
    stop = len(text) if end is None else end
    found = [
        match.start()
        for term in terms.en
        for match in english_pattern(term).finditer(text, start, stop)
    ]
    found += [
        start + match.start()
        for pattern in terms.patterns
        for match in re.finditer(pattern, text[start:stop])
    ]
    found += [span[0] for span in _korean_spans(terms.ko, reading, start, stop)]
    return found


def _korean_spans(
    terms: Sequence[str], reading: Reading, start: int, stop: int
) -> list[tuple[int, int]]:
    """Korean terms between `start` and `stop`: substrings with spaces ignored, or `form/TAG`
    morphemes."""
    if not terms:
        return []
    window = reading.text[start:stop]
    squeezed, offsets = compact(window)
    found = []
    for term in terms:
        if is_morpheme_term(term):
            found += [(a, b) for a, b in reading.find_morpheme(term) if start <= a < stop]
        else:
            spans = find_korean(term, window, squeezed, offsets)
            found += [(start + a, start + b) for a, b in spans]
    return found


def _plain_spans(terms: Terms, reading: Reading) -> list[int]:
    """Where `terms` are found outside a clause that denies or clears them."""
    return [
        at
        for at in _term_spans(terms, reading)
        if reading.modality(at)[0] not in ("denied", "cleared")
    ]


def _near(terms: Terms, reading: Reading, offset: int, denied: bool = False) -> bool:
    """One of `terms` in the sentence around `offset`, outside a clause that denies it
    (unless the find at `offset` is itself denied)."""
    start, end = reading.outer_span(offset)
    return any(
        denied or reading.modality(at)[0] not in ("denied", "cleared")
        for at in _term_spans(terms, reading, start, end)
    )


# --- choosing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Choice:
    decision: Decision
    winner: _Scored | None
    also: tuple[_Scored, ...]  # rules of the same answer cited with the winner
    candidates: tuple[Candidate, ...]
    reasons: tuple[Message, ...]
    doubts: tuple[_Scored, ...]  # named with doubt, but not enough to stop the decision
    rivals: int = 0  # rules that matched below the winner with another answer


def _candidate(entry: _Scored) -> Candidate:
    rule = entry.rule
    return Candidate(rule.id, rule.decision, tuple(rule.clauses), entry.score)


def _candidates(entries: Iterable[_Scored]) -> tuple[Candidate, ...]:
    """Strongest claim first: changes made by hand, then by priority and score."""
    ordered = sorted(entries, key=lambda e: (e.rank()[0], e.rule.priority, e.score), reverse=True)
    return tuple(map(_candidate, ordered))


def _choose(touched: list[_Scored], doubt_stops_below: int) -> _Choice:
    fired = sorted((entry for entry in touched if entry.fires), key=_Scored.rank, reverse=True)
    doubtful = [entry for entry in touched if entry.doubtful]
    notes: list[Message] = []
    if any(entry.excluded for entry in touched):
        words = ", ".join(dict.fromkeys(word.text for entry in touched for word in entry.excluded))
        notes.append(Message("triage.note.ruled-out", {"words": words}))
    products = [entry for entry in doubtful if entry.hedged and entry.rule.kind == "product"]
    if not fired and products and not any(e.rule.kind == "change" for e in doubtful):
        # Nothing but a product, named with doubt ("the issue might be in our Istio
        # config"): the case is about that product; the doubt lowers the confidence.
        winner = max(products, key=lambda entry: (entry.rule.priority, len(entry.words_unsure)))
        reason = Message(
            f"triage.reason.{winner.rule.reason}",
            {"matched": ", ".join(dict.fromkeys(word.text for word in winner.words_unsure))},
        )
        words = ", ".join(dict.fromkeys(word.text for word in winner.words_unsure))
        return _Choice(
            winner.rule.decision,
            winner,
            (),
            (),
            (reason, Message("triage.note.named-with-doubt", {"words": words}), *notes),
            (winner,),
        )
    if not fired:
        weak = [entry for entry in touched if not entry.ruled_out and entry.score > 0]
        candidates = [*doubtful, *(entry for entry in weak if entry not in doubtful)]
        return _Choice(
            "needs-review",
            None,
            (),
            _candidates(candidates),
            (Message("triage.note.needs-review", {}), *notes),
            (),
        )

    winner = fired[0]
    if winner.rule.kind == "product":
        # Between third-party products the policy's order decides, not which one the failing
        # sentence names: Istio installed with Helm is an Istio case. But a word that only says
        # what kind of product it is yields to a product the case names: the "scanner" of
        # "the Trivy scanner" is Trivy, an open-source project, not closed-source software.
        winner = max(
            (entry for entry in fired if entry.rule.kind == "product" and entry.substantive),
            key=lambda entry: (entry.specific, entry.rule.priority, entry.focused, entry.score),
            default=winner,
        )
        fired = [winner, *(entry for entry in fired if entry is not winner)]
    if winner.rule.kind == "change":
        # Every change made by hand is cited, and so is any other reason to decline that the
        # case is about (a swapped CNI beside the kube-proxy edit made for it).
        also = tuple(
            entry
            for entry in fired[1:]
            if entry.rule.kind == "change"
            or (entry.focused and entry.rule.decision == winner.rule.decision)
        )
    elif winner.rule.decision in ("in-scope", "out-of-scope") and winner.focused:
        # Several covered areas in focus: all are in scope, and each is cited; several reasons
        # to decline in focus (a custom controller for a vendor's device): each is cited.
        also = tuple(
            entry
            for entry in fired[1:]
            if entry.focused
            and entry.rule.decision == winner.rule.decision
            and entry.rule.kind != "change"
            # A word for a kind of product that a named product outranked is that product.
            and (entry.rule.kind != "product" or entry.specific or not winner.specific)
        )
    else:
        also = ()
    tied = [
        entry
        for entry in fired[1:]
        if entry.rank()[:4] == winner.rank()[:4] and entry.rule.decision != winner.rule.decision
    ]
    if tied:
        names = ", ".join(f"{e.rule.id} ({e.rule.decision})" for e in (winner, *tied))
        return _Choice(
            "needs-review",
            winner,
            (),
            _candidates((winner, *tied)),
            (Message("triage.note.disagree", {"rules": names}), *notes),
            (),
        )
    # A doubt about something that would change the answer stops it, and so does one
    # sentence doubting between the winner and another answer ("not sure whether it is Arc or
    # Flux itself", "클러스터 쪽인지 앱 쪽인지 모르겠습니다").
    stopping = [
        entry
        for entry in touched
        if entry is not winner
        and not entry.ruled_out
        and entry.rule.decision != winner.rule.decision
        and (entry.rule.kind == "change") >= (winner.rule.kind == "change")
        and (
            (bool(entry.doubted_in & winner.doubted_in) and (entry.fires or entry.doubtful))
            or (
                entry.hedged
                and (
                    entry.rule.kind == "change"
                    or (
                        entry.rule.priority > winner.rule.priority
                        and winner.rule.priority < doubt_stops_below
                    )
                )
            )
        )
    ]
    if stopping:
        words = ", ".join(
            dict.fromkeys(word.text for entry in stopping for word in entry.words_unsure)
        )
        return _Choice(
            "needs-review",
            winner,
            (),
            _candidates((winner, *stopping)),
            (Message("triage.note.unsure", {"words": words}), *notes),
            (),
        )
    reasons = [Message(f"triage.reason.{winner.rule.reason}", {"matched": winner.matched()})]
    if winner.rule.decision == "needs-review":
        # A state the policy leaves to an engineer (a deleted subscription, a host platform's
        # lifecycle, a pre-release flag): the other rules the case touched are candidates.
        others = [
            entry
            for entry in touched
            if entry is not winner and not entry.ruled_out and (entry.score > 0 or entry.doubtful)
        ]
        return _Choice(
            "needs-review",
            winner,
            (),
            _candidates((winner, *others)),
            (*reasons, Message("triage.note.policy-needs-review", {}), *notes),
            (),
        )
    below = [entry for entry in fired[1:] if entry not in also]
    if below:
        reasons.append(
            Message("triage.note.also-matched", {"rules": ", ".join(e.rule.id for e in below)})
        )
    return _Choice(
        winner.rule.decision,
        winner,
        also,
        (),
        (*reasons, *notes),
        tuple(doubtful),
        sum(entry.rule.decision != winner.rule.decision for entry in below),
    )


def _split(choice: _Choice, touched: list[_Scored]) -> _Choice:
    """A case that says it holds several problems, where problems in focus would get another
    answer than the winner's (an etcd fault beside an Istio question): no single answer fits
    the whole case, so a person splits it, with each problem's rule as a candidate. Changes
    made by hand are not split off: they decide the whole cluster."""
    winner = choice.winner
    if winner is None or choice.decision == "needs-review" or winner.rule.kind == "change":
        return choice
    others = [
        entry
        for entry in touched
        if entry.fires
        and entry.focused
        and entry is not winner
        and entry.rule.kind != "change"
        and entry.rule.decision not in (winner.rule.decision, "needs-review")
    ]
    if not others:
        return choice
    names = ", ".join(f"{e.rule.id} ({e.rule.decision})" for e in (winner, *others))
    return _Choice(
        "needs-review",
        winner,
        (),
        _candidates((winner, *others)),
        (Message("triage.note.several-problems", {"rules": names}), *choice.reasons[1:]),
        (),
    )


def _statuses(touched: list[_Scored], state: _State, choice: _Choice) -> dict[str, Status]:
    statuses: dict[str, Status] = {}
    # A rule whose own answer is needs-review decided it, too.
    if state.winner is not None and (
        state.decision != "needs-review" or state.winner.rule.decision == "needs-review"
    ):
        statuses[state.winner.rule.id] = "decided"
        for entry in choice.also:
            statuses[entry.rule.id] = "also"
    return statuses


# --- the answer, step by step ----------------------------------------------------------------


class _State:
    def __init__(self, decision: Decision, reasons: list[Message], winner: _Scored | None):
        self.decision: Decision = decision
        self.reasons = reasons
        self.winner = winner
        self.clauses: list[str] = []
        self.evidence: list[ClauseEvidence] = []
        self.candidates: list[Candidate] = []
        self.requires_access_grant = False
        self.known_issues: tuple[KnownIssue, ...] = ()
        self.plan: Plan | None = None
        self.grounded = False  # the decision rests on the bundle or a stated version
        self.deferred: list[_Scored] = []  # rules that fired for a state left to an engineer

    def cite(self, entry: _Scored, reading: Reading, at: datetime) -> None:
        clauses = list(entry.rule.clauses)
        lasting = entry.rule.lasting
        if lasting is not None:
            days = _lasted(entry, reading, at)
            if days is not None and days > lasting.over_days:
                clauses += lasting.clauses
        found = entry.words_for or entry.words_unsure
        words = tuple(dict.fromkeys(word.text for word in found))
        self.add(tuple(clauses), entry.rule.id, words)

    def add(self, clauses: tuple[str, ...], source: str, words: tuple[str, ...]) -> None:
        self.clauses += clauses
        self.evidence.append(ClauseEvidence(clauses, source, words))


def _lasted(entry: _Scored, reading: Reading, at: datetime) -> int | None:
    """How long the state the rule found lasted, in days. How long may be told apart from
    it ("we shut the VMs down in Hyper-V. ... The line was idle from mid-July to early
    September."): the rule's own sentences first, then the whole case."""
    days = stated_days(reading.text, entry.spans, at.date())
    if days is None:
        days = stated_days(reading.text, [(0, len(reading.text))], at.date())
    return days


def _near_deadline(
    state: _State, touched: Sequence[_Scored], reading: Reading, at: datetime
) -> None:
    """A state the case says has lasted close to or past a deadline of the policy (a
    subscription suspended for 50 of SUB-1's 60 days): whatever the request, an engineer
    checks the dates first, with the request's own rule as a candidate."""
    for entry in touched:
        lasting = entry.rule.lasting
        if not entry.fires or lasting is None or not lasting.review:
            continue
        days = _lasted(entry, reading, at)
        if days is None or days <= lasting.over_days:
            continue
        clauses = tuple(dict.fromkeys([*entry.rule.clauses, *lasting.clauses]))
        winner = state.winner
        state.decision = "needs-review"
        state.clauses = []
        state.candidates = [Candidate(entry.rule.id, "needs-review", clauses, entry.score)]
        if winner is not None and winner is not entry:
            state.candidates.append(_candidate(winner))
        state.reasons.insert(
            0, Message("triage.note.lasting-review", {"days": days, "clauses": ", ".join(clauses)})
        )
        return


def _access(state: _State, reading: Reading, pack: Pack) -> None:
    """SHR-2, COV-IN-8: the case asks support to sign in to nodes or read their logs, or is a
    node problem diagnosed there; what the case denies ("no need to log in") does not count."""
    grant = pack.triage.access_grant
    words: list[str] = []
    for entry in grant.when:
        if entry.requires is not None and not _plain_spans(entry.requires, reading):
            continue
        words += [
            reading.text[start:end]
            for start, end in _finds(entry, reading)
            if reading.modality(start)[0] not in ("denied", "cleared")
        ]
    if words and state.decision != "out-of-scope":
        state.requires_access_grant = True
        found = ", ".join(dict.fromkeys(words))
        state.add(tuple(grant.clauses), "access-grant", tuple(dict.fromkeys(words)))
        state.reasons.append(Message("triage.note.access-grant", {"matched": found}))


def _known_issues(state: _State, known_issues: Sequence[KnownIssue] | None, pack: Pack) -> None:
    issues = tuple(known_issues or ())
    state.known_issues = issues
    if not issues:
        return
    ids = tuple(issue.id for issue in issues)
    state.add(tuple(pack.triage.known_issues.clauses), "known-issues", ids)
    state.reasons.append(
        Message("triage.note.known-issues", {"count": len(issues), "ids": ", ".join(ids)})
    )


def _cluster(
    state: _State,
    bundle: BundleView | None,
    assessment: Assessment | None,
    plan: Plan | None,
    reading: Reading,
    pack: Pack,
    at: datetime,
) -> None:
    """What the cluster itself says: changed by hand (out of scope), out of support for a
    version (upgrade first), or unsupported for a reason an engineer has to weigh."""
    upgrade_clauses: tuple[str, ...] = ()
    upgrade_words: tuple[str, ...] = ()
    stated: list[StatedVersion] = []
    if assessment is not None and assessment.verdict == "not-applicable":
        # The bundle shows another distribution (k3s, a plain kubeadm cluster connected to
        # Arc): no clause of this policy decides for it, whatever the case's words say.
        _to_an_engineer(state, "triage.note.not-aks-arc")
        return
    if assessment is not None and assessment.verdict == "undetermined":
        # The bundle shows too little of the cluster (no version, no nodes) to say whether it
        # is supported: an answer in scope would promise more than the evidence holds.
        if state.decision in ("in-scope", "best-effort"):
            _to_an_engineer(state, "triage.note.bundle-undetermined")
        return
    if bundle is not None:
        if bundle.changed_by_hand:
            clauses = _clauses_of(bundle.changed_by_hand)
            hand_clauses = set(pack.triage.changed_by_hand.clauses)
            cited = tuple(c for c in clauses if c in hand_clauses)
            state.decision = "out-of-scope"
            state.clauses = [*cited, *state.clauses]
            found = tuple(dict.fromkeys(finding.rule for finding in bundle.changed_by_hand))
            state.evidence.insert(0, ClauseEvidence(cited, "bundle", found))
            state.reasons.insert(
                0, Message("triage.note.changed-by-hand", {"clauses": ", ".join(cited)})
            )
            state.candidates = []
            state.grounded = True
            return
        if bundle.upgrade:
            upgrade_clauses = _clauses_of(bundle.upgrade)
            upgrade_words = tuple(dict.fromkeys(finding.rule for finding in bundle.upgrade))
    else:
        stated = _out_of_support(reading, pack, at)
        if stated:
            upgrade_clauses = tuple(pack.triage.upgrade_first.from_text.clauses)
            upgrade_words = tuple(version.text for version in stated)

    other = bundle.other_unsupported if bundle is not None else ()
    by_hand = state.winner is not None and state.winner.rule.kind == "change"
    out_of_scope = state.decision == "out-of-scope"
    if out_of_scope and (by_hand or not upgrade_clauses):
        # A change made by hand stays out of scope: an upgrade would not undo it. So does a
        # request out of scope on a cluster whose version is supported.
        if assessment is not None and assessment.verdict == "unsupported":
            unsupported = [f for f in assessment.findings if f.severity == "unsupported"]
            listed = ", ".join(_clauses_of(unsupported))
            state.reasons.append(Message("triage.note.cluster-unsupported", {"clauses": listed}))
        return
    # SVP-2 and VER-2: a cluster on a version out of support must be upgraded before any
    # request is eligible, so the answer is upgrade first whatever the request is about; a
    # request out of scope says so too, since the upgrade will not bring it into scope.
    if out_of_scope:
        topic = ", ".join(dict.fromkeys(state.clauses))
        state.reasons.append(Message("triage.note.out-of-scope-after-upgrade", {"clauses": topic}))
    if other:
        clauses = _clauses_of(other)
        state.decision = "needs-review"
        state.candidates += [Candidate("cluster-unsupported", "needs-review", clauses, 1.0)]
        if state.winner is not None and not any(
            candidate.rule == state.winner.rule.id for candidate in state.candidates
        ):
            state.candidates.insert(0, _candidate(state.winner))
        # What the case itself says of that state ("stopped with az aksarc stop on 1 August")
        # brings the clauses an engineer weighs with the bundle's.
        state.candidates += [
            _candidate(entry)
            for entry in state.deferred
            if not any(candidate.rule == entry.rule.id for candidate in state.candidates)
        ]
        key = "upgrade-blocked" if upgrade_clauses else "unsupported-needs-review"
        state.reasons.insert(0, Message(f"triage.note.{key}", {"clauses": ", ".join(clauses)}))
        state.grounded = True
        return
    if not upgrade_clauses:
        _blocked(state, assessment)
        return
    cited = tuple(dict.fromkeys([*pack.triage.upgrade_first.clauses, *upgrade_clauses]))
    state.decision = "upgrade-first"
    state.clauses = [*cited, *state.clauses]
    state.evidence.insert(
        0, ClauseEvidence(cited, "bundle" if bundle is not None else "version", upgrade_words)
    )
    state.candidates = []
    state.grounded = True
    if stated:
        version = stated[0]
        state.reasons.insert(
            0,
            Message(
                "triage.note.version-stated",
                {"version": version.text, "minor": version.minor, "clauses": ", ".join(cited)},
            ),
        )
        return
    state.plan = plan
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
    state.reasons.insert(0, note)


def _to_an_engineer(state: _State, note: str) -> None:
    """The attached cluster cannot ground an answer: a person routes the case, with the rule
    the words matched as the candidate."""
    if state.winner is not None and state.decision != "needs-review":
        state.candidates = [_candidate(state.winner)]
    state.decision = "needs-review"
    state.clauses = []
    state.reasons.insert(0, Message(note, {}))
    state.grounded = True


def _blocked(state: _State, assessment: Assessment | None) -> None:
    """An in-scope case on a cluster the bundle shows blocked (disconnected too long: no
    upgrade, no scaling) cites what blocks it: that is the first thing to resolve."""
    if assessment is None or state.decision != "in-scope":
        return
    blocked = [finding for finding in assessment.findings if finding.severity == "blocked"]
    if not blocked:
        return
    clauses = _clauses_of(blocked)
    state.clauses = list(dict.fromkeys([*state.clauses, *clauses]))
    state.evidence.append(
        ClauseEvidence(clauses, "bundle", tuple(dict.fromkeys(f.rule for f in blocked)))
    )
    state.reasons.append(Message("triage.note.blocked", {"clauses": ", ".join(clauses)}))


def _clauses_of(findings: Iterable[Finding]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clause for finding in findings for clause in finding.clauses))


def _out_of_support(reading: Reading, pack: Pack, at: datetime) -> list[StatedVersion]:
    """The versions the case states for its cluster when all of them are out of support at
    `at`; a case naming a supported version too does not say the cluster is out of support
    (two clusters, nodes mid-upgrade), unless it says part of the cluster is still on the old
    one ("apppool failed and is still on 1.28.12")."""
    calendar = for_pack(pack)
    stated = stated_versions(reading, pack.triage.upgrade_first.from_text)
    old = [
        version
        for version in stated
        if calendar.minor_status(version.minor, at.date()).status in ("deprecated", "removed")
    ]
    if len(old) == len(stated):
        return old
    return [version for version in old if version.still]


def _questions(state: _State, pack: Pack) -> tuple[Message, ...]:
    rules = {rule.id: rule for rule in pack.triage.rules}
    keys = [
        rules[candidate.rule].question
        for candidate in state.candidates
        if candidate.rule in rules and rules[candidate.rule].question
    ]
    messages = [Message(f"triage.question.{key}", {}) for key in dict.fromkeys(keys) if key]
    if any(candidate.rule == "cluster-unsupported" for candidate in state.candidates):
        clauses = ", ".join(
            c for candidate in state.candidates if candidate.rule == "cluster-unsupported"
            for c in candidate.clauses
        )  # fmt: skip
        messages.append(Message("triage.question.cluster-unsupported", {"clauses": clauses}))
    messages += [
        Message(f"triage.question.{key}", {}) for key in pack.triage.needs_review.questions
    ]
    return tuple(messages)


def _confidence(state: _State, choice: _Choice) -> float:
    """How safely the answer can be given as it is, 0 to 1.

    needs-review: 0.3 with candidates to ask about, 0.1 with none. Grounded in the bundle or
    a stated version: 0.95 (bundle) or 0.85 (the case's own words). Decided by a rule: 0.6,
    +0.1 when it is in focus (or a change made by hand), +0.1 when its evidence adds up to 2
    or more, +0.1 when the words come from the text rather than only the components list or
    a flag; -0.1 for every other rule that fired with another answer, and -0.1 when something
    that would change the answer was named with doubt. Kept between 0.5 and 0.95.
    """
    if state.decision == "needs-review":
        return 0.3 if state.candidates else 0.1
    if state.grounded:
        return 0.95 if any(e.source == "bundle" for e in state.evidence) else 0.85
    winner = choice.winner
    if winner is None:
        return 0.5
    value = 0.6
    if winner.focused or winner.rule.kind == "change":
        value += 0.1
    if winner.score >= 2 * DECIDES:
        value += 0.1
    if any(word.how not in ("listed", "flag", "bundle") for word in winner.words_for):
        value += 0.1
    value -= 0.1 * (len(choice.doubts) + choice.rivals)
    return round(max(0.5, min(0.95, value)), 2)
