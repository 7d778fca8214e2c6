"""How a case reads, the way a support engineer reads it: sentences and clauses, and for each
clause what it says of the things it names.

A clause may deny them ("we did not change CoreDNS", "설정은 건드리지 않았습니다", "커스텀
DaemonSet 없음"), say they were removed ("Linkerd was uninstalled"), clear them ("Istio runs
fine", "ArgoCD 자체는 정상 동작합니다"), or only plan or ask about them ("if we enable...",
"바꾸려고 합니다"). A sentence may report a failure ("CoreDNS crashloops", "접속이 안 됩니다":
a negated verb of working is a failure, not a denial), ask a question, or hedge ("possibly a
mesh", "깔았을 수도 있습니다"). English is read with the pack's word lists; Korean with a
morphological analyser (the `Morphology` protocol: arcsupport.textanalysis provides one) and
the pack's morpheme lists, because Korean negation and mood live in endings and auxiliaries
that plain substrings cannot tell apart (안 "not" from 안 "inside").

Pure: the analyser is handed in; nothing here reads files.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol

from arcsupport.policy.model import Reading as Lexicon
from arcsupport.policy.model import ReadingWords

# What a clause says of a term found in it.
#   asserted      stated as it is
#   question      asked about ("how do we...", "방법이 있을까요?")
#   hypothetical  planned or conditional ("we want to", "if", "-려고", "-면")
#   uncertain     hedged ("possibly", "not sure", "수도 있")
#   denied        negated ("did not", "no", "not X", "없음", "하지 않았습니다")
#   removed       said to be gone ("uninstalled", "제거")
#   cleared       said to work ("is fine", "정상")
Modality = Literal[
    "asserted", "question", "hypothetical", "uncertain", "denied", "removed", "cleared"
]

HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Morpheme(Protocol):
    @property
    def form(self) -> str: ...

    @property
    def tag(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class Morphology(Protocol):
    """A Korean morphological analyser: morphemes with tags and offsets into `text`."""

    def morphemes(self, text: str) -> Sequence[Morpheme]: ...


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    outer: int  # the line-level sentence holding it; itself unless it is an aside
    aside: bool  # the inside of parentheses or brackets: a side remark
    in_title: bool
    failure: str | None  # the words that report a failure
    question: str | None
    intent: str | None  # a plan or condition in one of its clauses
    uncertain: str | None


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    sentence: int
    denied: str | None
    removed: str | None
    cleared: str | None
    hypothetical: str | None
    question: str | None  # asked in the clause itself (not only somewhere in its sentence)
    failure: str | None  # reported in the clause itself
    presence: str | None  # only says something is there ("cert-manager is also installed")
    cause: str | None  # names what is behind the failure ("caused by", "원인은")
    # Where the denial starts: "drops between pods even with no NetworkPolicy" denies only the
    # policy, not the drops before it.
    denied_from: int
    # Where the removal starts: "we wanted Hubble, so we removed Calico" removed Calico only;
    # "Linkerd was uninstalled" (passive) removed what came before.
    removed_from: int


@dataclass(frozen=True, slots=True)
class Reading:
    text: str  # the normalised title, a newline, the normalised description
    title_end: int
    sentences: tuple[Sentence, ...]
    clauses: tuple[Clause, ...]
    _starts: tuple[int, ...]
    morphemes: tuple[Morpheme, ...]

    def find_morpheme(self, entry: str) -> list[tuple[int, int]]:
        """Where a `form/TAG` term (or several, space-separated and consecutive) stands as
        morphemes of their own: 메시/NN is "mesh", not the start of 메시지 ("message");
        "설정/NN 하/XSV" is the verb "to set" in any form (설정했습니다, 설정하였고), not the
        noun "setting"."""
        return _morpheme_spans(_morpheme_sequence(entry) or [], self.morphemes)

    def clause_at(self, offset: int) -> Clause:
        index = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        return self.clauses[index]

    def sentence_of(self, offset: int) -> Sentence:
        return self.sentences[self.clause_at(offset).sentence]

    def outer_span(self, offset: int) -> tuple[int, int]:
        """The whole line-level sentence around `offset`, its asides included."""
        outer = self.sentences[self.sentence_of(offset).outer]
        return outer.start, outer.end

    def modality(self, offset: int, *, realised: bool = False) -> tuple[Modality, str | None]:
        """What the text says at `offset`, and the words that say so. With `realised`, only a
        question in the clause itself makes it one: "we resized the VMs in Hyper-V, is that
        supported?" still says the VMs were resized."""
        clause = self.clause_at(offset)
        sentence = self.sentences[clause.sentence]
        if clause.denied and offset >= clause.denied_from:
            return "denied", clause.denied
        if clause.removed and offset >= clause.removed_from:
            # "not sure whether the subscription was deleted": the removal itself is in doubt.
            if sentence.uncertain and sentence.uncertain in self.text[clause.start : clause.end]:
                return "uncertain", sentence.uncertain
            return "removed", clause.removed
        if clause.cleared:
            return "cleared", clause.cleared
        if sentence.uncertain:
            return "uncertain", sentence.uncertain
        if clause.hypothetical:
            return "hypothetical", clause.hypothetical
        question = clause.question if realised else sentence.question
        if question:
            return "question", question
        return "asserted", None

    def removed_later(self, offset: int) -> str | None:
        """A removal said later in the same sentence of what was named here: "we ran Linkerd
        until last year but removed it", "Linkerd 를 썼었는데 올해 초에 완전히 걷어냈습니다"."""
        clause = self.clause_at(offset)
        return next(
            (
                later.removed
                for later in self.clauses
                if later.sentence == clause.sentence
                and later.start > clause.start
                and later.removed
                and not later.denied
            ),
            None,
        )

    def named_as_cause(self, offset: int) -> bool:
        """Whether the sentence at `offset` names what is behind the failure, at or before it
        ("the root cause is the API server", "원인은 API 서버"), and does not deny it: what the
        case says fails outranks what it merely names."""
        clause = self.clause_at(offset)
        if clause.denied or clause.cleared:
            return False
        # The cue may open the sentence in a clause of its own ("알고 보니 | etcd 쪽이었습니다").
        # In the cue's own clause, what follows it is the cause: "ArgoCD sync fails, the cause
        # is DNS" blames DNS, not ArgoCD; unless nothing follows ("the API server is the root
        # cause").
        for earlier in self.clauses:
            if earlier.sentence != clause.sentence or earlier.start > clause.start:
                continue
            if earlier.cause is None:
                continue
            if earlier is not clause:
                return True
            body = self.text[clause.start : clause.end]
            at = body.find(earlier.cause)
            after = body[at + len(earlier.cause) :] if at >= 0 else ""
            if at < 0 or offset >= clause.start + at or not _ANY_WORD.search(after):
                return True
        return False

    def side_note(self, offset: int) -> bool:
        """Inside parentheses, or in a clause that only says something is there."""
        clause = self.clause_at(offset)
        return self.sentences[clause.sentence].aside or bool(clause.presence and not clause.failure)

    def in_focus(self, offset: int) -> bool:
        """Whether the case is about what is found here: the title's words (its asides too:
        "key rotation (preview) fails" is about a preview feature), or a sentence that reports
        a failure, asks, or plans."""
        clause = self.clause_at(offset)
        if clause.presence and not clause.failure:
            # "(cert-manager also installed)": a side note, even in the title.
            return False
        sentence = self.sentences[clause.sentence]
        if sentence.in_title:
            return True
        return bool(sentence.failure or sentence.question or sentence.intent)


def normalise(text: str) -> str:
    # NFKC folds full-width Latin letters (common in East Asian input) to ASCII; typographic
    # apostrophes become plain ones so that "don’t" reads like "don't".
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return folded.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


# --- matching words --------------------------------------------------------------------------

# Letters next to Hangul still end an English word: "Istio를" holds "istio".
_NOT_WORD_BEFORE = r"(?<![0-9a-z])"
_NOT_WORD_AFTER = r"(?![0-9a-z])"
_WORD_TERM = re.compile(r"[0-9a-z][0-9a-z*'\s\-]*")


@cache
def english_pattern(term: str) -> re.Pattern[str]:
    """A whole-word pattern: spaces and hyphens inside are optional, plurals count, a `*` at a
    word's end takes any ending. A term with other characters ("?", "--overwrite") is found
    as it is written."""
    term = normalise(term).strip()
    if not _WORD_TERM.fullmatch(term):
        return re.compile(re.escape(term))
    words = re.split(r"[\s\-]+", term)
    parts = [
        re.escape(word[:-1]) + "[0-9a-z]*" if word.endswith("*") else re.escape(word)
        for word in words
    ]
    plural = "" if words[-1].endswith("*") else "(?:e?s)?"
    return re.compile(_NOT_WORD_BEFORE + r"[\s\-_]*".join(parts) + plural + _NOT_WORD_AFTER)


@cache
def _alternation(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile("|".join(f"(?:{english_pattern(term).pattern})" for term in terms))


def find_english(
    terms: Sequence[str], text: str, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    pattern = _alternation(tuple(terms))
    if pattern is None:
        return None
    return pattern.search(text, start, len(text) if end is None else end)


# The last labels of the host names tickets paste (registries, vaults, brokers on the
# customer's network); a file name ("kube-apiserver.yaml", "containerd.service") ends in none.
_HOST_SUFFIXES = frozenset(
    ["local", "lan", "internal", "intra", "intranet", "corp", "home", "private", "example",
     "test", "com", "net", "org", "kr", "cloud"]
)  # fmt: skip
_DOTTED = re.compile(r"[0-9a-z-]+(?:\.[0-9a-z-]+)+")


def in_address(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is part of a URL or a host name ("https://istio.io/docs",
    "harbor.contoso.local/pay/api"): an address names a machine, not the product a word
    would otherwise name."""
    token_start = max(text.rfind(char, 0, start) for char in " \n\"'(<[") + 1
    token_end = min(
        (at for char in " \n\"')>]" if (at := text.find(char, end)) >= 0), default=len(text)
    )
    if "://" in text[token_start:token_end]:
        return True
    for dotted in _DOTTED.finditer(text, token_start, token_end):
        if dotted.start() <= start and end <= dotted.end():
            return dotted.group().rsplit(".", 1)[-1] in _HOST_SUFFIXES
    return False


def compact(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, and for each kept character its offset in `text`: Korean
    spacing varies ("미리 보기", "미리보기"), so Korean terms are found with spaces ignored."""
    kept = [index for index, char in enumerate(text) if not char.isspace()]
    return "".join(text[index] for index in kept), kept


def is_morpheme_term(term: str) -> bool:
    return _morpheme_sequence(term) is not None


_LATIN = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def find_korean(term: str, text: str, squeezed: str, offsets: list[int]) -> list[tuple[int, int]]:
    """Every place of `term` (spaces ignored) as (start, end) offsets in `text`, whose
    `compact` form is `squeezed`. Latin letters at the term's edge must end a word in `text`,
    as in English: VLAN is not the end of macvlan, nor apt the start of aptitude."""
    needle = "".join(normalise(term).split())
    found = []
    at = squeezed.find(needle)
    while at >= 0 and needle:
        start, end = offsets[at], offsets[at + len(needle) - 1] + 1
        inside_before = needle[0] in _LATIN and start > 0 and text[start - 1] in _LATIN
        inside_after = needle[-1] in _LATIN and end < len(text) and text[end] in _LATIN
        if not (inside_before or inside_after):
            found.append((start, end))
        at = squeezed.find(needle, at + 1)
    return found


def _morpheme_cue(entry: str) -> tuple[str, str] | None:
    """`form/TAG` names a morpheme (the tag is a prefix: V matches VV, VA, VX); anything
    else is a surface substring."""
    form, slash, tag = entry.rpartition("/")
    if slash and form and tag.isupper() and tag.isalpha():
        return form, tag
    return None


def _morpheme_sequence(entry: str) -> list[tuple[str, str]] | None:
    """`form/TAG form/TAG...`: consecutive morphemes; None when `entry` is a substring."""
    parts = [_morpheme_cue(part) for part in entry.split()]
    if not parts or any(part is None for part in parts):
        return None
    return [part for part in parts if part is not None]


def _morpheme_spans(
    sequence: Sequence[tuple[str, str]], morphemes: Sequence[Morpheme]
) -> list[tuple[int, int]]:
    if not sequence:
        return []
    found = []
    for index in range(len(morphemes) - len(sequence) + 1):
        window = morphemes[index : index + len(sequence)]
        if all(
            m.form == form and m.tag.startswith(tag)
            for m, (form, tag) in zip(window, sequence, strict=True)
        ):
            found.append((window[0].start, window[-1].end))
    return found


def _korean_cue(
    entries: Sequence[str],
    squeezed: str,
    morphemes: Sequence[Morpheme],
    *,
    unless_after: str = "",
) -> str | None:
    """The first entry found: a morpheme among `morphemes` or a substring of `squeezed`; a
    substring right after one of the characters of `unless_after` does not count."""
    for entry in entries:
        sequence = _morpheme_sequence(entry)
        if sequence is not None:
            if _morpheme_spans(sequence, morphemes):
                return entry
            continue
        needle = "".join(entry.split())
        at = squeezed.find(needle)
        while at >= 0:
            if not (at and squeezed[at - 1] in unless_after):
                return entry
            at = squeezed.find(needle, at + 1)
    return None


# --- sentences and clauses -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?。]+(?=[\s\"')\]]|$)")
_CLAUSE_PUNCTUATION = re.compile(r"[,;:](?=\s|$)|\s[-–—]\s|=>|->")
_BRACKETS = {"(": ")", "[": "]"}
_LONGEST_ASIDE = 200
_FILLERS = frozenset(
    [
        "be",
        "been",
        "being",
        "is",
        "are",
        "was",
        "were",
        "am",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "yet",
        "even",
        "really",
        "ever",
        "actually",
        "any",
        "anything",
        "to",
        "get",
        "got",
        "the",
        "a",
        "an",
        "at",
        "all",
        "also",
        "so",
        "too",
        "properly",
        "correctly",
        "always",
        "currently",
        "been",
        "able",
        "it",
    ]
)
_DETERMINER_NEGATION = frozenset(
    {"no", "none", "nothing", "nobody", "no one", "without", "never", "neither", "nor"}
)
_COPULAS = frozenset({"is", "are", "was", "were", "it's", "that's", "be", "'s"})
# An active verb negated: "does not inject", "doesn't install", "won't create".
_DO_NEGATIONS = frozenset(
    {"don't", "doesn't", "didn't", "won't", "dont", "doesnt", "didnt", "wont"}
)
_DO = frozenset({"do", "does", "did", "will", "would"})
# Wrapped prose: lines of at least this many characters, not indented, without runs of spaces
# (aligned columns) and not ending a sentence; the next line starts with a word.
_WRAP_WIDTH = 50
_PROSE_LINE = re.compile(r"[^\s$#>|*-](?:(?!  ).)*[^.!?:;。\s]")
_CONTINUATION = re.compile(r"[0-9a-z\uac00-\ud7a3(\"'`]")
_LOG_RECORD = re.compile(r"[ewif]\d{4}\s|\d{4}-\d\d-\d\d[t ]|\[?(?:error|warn|info|debug)\b")
# A shell or PowerShell prompt at the start of a pasted command line.
_PROMPT = re.compile(
    r"[ \t]*(?:\$|ps(?: [a-z]:\\[^>]*)?>|[a-z0-9_.-]+@[a-z0-9_.-]+:[^$#\n]*[$#])\s"
)
_TRAILING_ASIDE = re.compile(r"[ \t]*\([^()]{1,120}\)[.!?。]*(?=\s|$)")
_PASSIVE = frozenset({"was", "were", "been", "got", "is", "are", "be", "being", "get", "gets"})
_ANY_WORD = re.compile(r"[0-9a-z\uac00-\ud7a3]")
_ABILITY = frozenset({"cannot", "can't", "cant", "couldn't"})
_WORD = re.compile(r"[0-9a-z][0-9a-z'._/-]*")


def read(title: str, description: str, lexicon: Lexicon, morphology: Morphology) -> Reading:
    """Read a case: its title and description, normalised, cut into sentences and clauses
    with what each says."""
    title_n = normalise(title)
    text = f"{title_n}\n{normalise(description)}"
    morphemes: Sequence[Morpheme] = morphology.morphemes(text) if HANGUL.search(text) else ()
    spans = _sentence_spans(text, morphemes)
    sentence_spans: list[tuple[int, int, int, bool]] = []  # start, end, outer, aside
    for start, end in spans:
        outer = len(sentence_spans)
        sentence_spans.append((start, end, outer, False))
        sentence_spans += [(a, b, outer, True) for a, b in _asides(text, start, end)]
    clause_spans = _clause_spans(text, morphemes, sentence_spans, lexicon)

    clauses: list[Clause] = []
    failures: dict[int, str] = {}
    starts = [m.start for m in morphemes]
    for start, end, sentence in clause_spans:
        inside = morphemes[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
        clause = _clause(text, start, end, sentence, inside, lexicon)
        clauses.append(clause)
        if clause.failure and sentence not in failures:
            failures[sentence] = clause.failure
    clauses = _across_asides(clauses, sentence_spans)

    sentences: list[Sentence] = []
    for index, (start, end, outer, aside) in enumerate(sentence_spans):
        own = [clause for clause in clauses if clause.sentence == index]
        parts = [text[clause.start : clause.end] for clause in own]
        inside = [
            m
            for clause in own
            for m in morphemes[
                bisect.bisect_left(starts, clause.start) : bisect.bisect_left(starts, clause.end)
            ]
        ]
        body = " ".join(parts)
        uncertain = _cue(lexicon, "uncertainty", body, inside)
        if aside and sentences[outer].uncertain:
            uncertain = sentences[outer].uncertain
        sentences.append(
            Sentence(
                start=start,
                end=end,
                outer=outer,
                aside=aside,
                in_title=start < len(title_n),
                failure=failures.get(index),
                question=_cue(lexicon, "question", body, inside),
                intent=next((c.hypothetical for c in own if c.hypothetical), None),
                uncertain=uncertain,
            )
        )
    sentences = _commands_share_their_output(text, sentences)
    ordered = sorted(clauses, key=lambda clause: clause.start)
    return Reading(
        text,
        len(title_n),
        tuple(sentences),
        tuple(ordered),
        tuple(c.start for c in ordered),
        tuple(morphemes),
    )


def _commands_share_their_output(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """A pasted command ("$ kubectl -n kube-system logs kube-proxy-4cnjs"), or a line that
    introduces what follows ("kube-proxy 파드 로그:"), names what the output is about: when
    the lines right below it report a failure, so does it."""
    shared = list(sentences)
    for index, sentence in enumerate(sentences):
        if sentence.aside or sentence.failure:
            continue
        heading = text[sentence.start : sentence.end].rstrip().endswith(":")
        if not (heading or _PROMPT.match(text, sentence.start)):
            continue
        previous = sentence
        for following in sentences[index + 1 :]:
            if following.aside:
                continue
            # The output may start after a blank line; a later blank line ends it.
            between = text[previous.end : following.start]
            if _PROMPT.match(text, following.start) or (
                previous is not sentence and "\n\n" in between
            ):
                break
            previous = following
            if following.failure:
                shared[index] = dataclasses.replace(sentence, failure=following.failure)
                break
    return shared


def _across_asides(
    clauses: list[Clause], sentences: list[tuple[int, int, int, bool]]
) -> list[Clause]:
    """A parenthesis belongs to the clause around it: "서비스 메시(Istio 등)도 설치 안
    했습니다" denies Istio and the mesh alike, "Istio (istiod, sidecars) runs fine" clears
    Istio. The clause's denial, removal, clearing and condition cover the parenthesis and
    the parts on either side of it; what the parenthesis itself says stays inside it."""
    group = list(range(len(clauses)))

    def root(index: int) -> int:
        while group[index] != index:
            index = group[index]
        return index

    for start, end, _, aside in sentences:
        if not aside:
            continue
        members = [
            index
            for index, clause in enumerate(clauses)
            if start <= clause.start < end
            or clause.end in (start, start - 1)
            or clause.start in (end, end + 1)
        ]
        for index in members[1:]:
            group[root(index)] = root(members[0])
    merged: dict[int, dict[str, str]] = {}
    for index, clause in enumerate(clauses):
        said = merged.setdefault(root(index), {})
        if sentences[clause.sentence][3]:
            continue  # what a parenthesis says stays inside it: "(CoreDNS not touched)"
        for name in ("denied", "removed", "cleared", "hypothetical"):
            value = getattr(clause, name)
            if value and name not in said:
                said[name] = value
    return [
        dataclasses.replace(
            clause,
            denied=clause.denied or merged[root(index)].get("denied"),
            removed=clause.removed or merged[root(index)].get("removed"),
            cleared=clause.cleared or merged[root(index)].get("cleared"),
            hypothetical=clause.hypothetical or merged[root(index)].get("hypothetical"),
        )
        for index, clause in enumerate(clauses)
    ]


def _sentence_spans(text: str, morphemes: Sequence[Morpheme]) -> list[tuple[int, int]]:
    """Lines, cut after sentence punctuation and after Korean sentence-final endings."""
    # An ellipsis ("moc-...", "pvc-7c1f...") shortens a name; it does not end a sentence.
    cuts = {
        match.end() for match in _SENTENCE_END.finditer(text) if not match.group().startswith("..")
    }
    for index, morpheme in enumerate(morphemes):
        if not morpheme.tag.startswith("EF"):
            continue
        end = morpheme.end
        following = morphemes[index + 1] if index + 1 < len(morphemes) else None
        if following is not None and following.tag.startswith("SF") and following.start == end:
            end = following.end
        # Not before a quotation mark: a quoted sentence ("조정했다"고) goes on.
        if end >= len(text) or text[end].isspace():
            # A parenthesis after the ending still belongs to it: "지원 끝난 버전입니다 (1.28.9)."
            trailing = _TRAILING_ASIDE.match(text, end)
            cuts.add(trailing.end() if trailing else end)
    spans = []
    position = 0
    start = 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        line_end = position + len(line)
        for cut in sorted(c for c in cuts if position < c < line_end):
            spans.append((start, cut))
            start = cut
        next_line = lines[number + 1] if number + 1 < len(lines) else None
        # The title (line 0) is a sentence of its own; prose wrapped at a fixed width goes on.
        if number == 0 or next_line is None or not _wrapped(line, next_line):
            spans.append((start, line_end))
            start = line_end + 1
        position = line_end + 1
    return [(start, end) for start, end in spans if text[start:end].strip()]


def _wrapped(line: str, following: str) -> bool:
    """Whether a line break only wraps prose: the line is long, reads as a sentence cut
    mid-way (no final punctuation, no aligned columns, not indented like pasted output) and
    the next line goes on with words, not a list item, prompt or log record."""
    return (
        len(line) >= _WRAP_WIDTH
        and _PROSE_LINE.fullmatch(line) is not None
        and _CONTINUATION.match(following) is not None
        and _LOG_RECORD.match(following) is None
    )


def _asides(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The insides of balanced, short parentheses and brackets (outermost only)."""
    found = []
    stack: list[tuple[str, int]] = []
    for index in range(start, end):
        char = text[index]
        if char in _BRACKETS:
            stack.append((_BRACKETS[char], index))
        elif stack and char == stack[-1][0]:
            _, opened = stack.pop()
            if not stack and 0 < index - opened <= _LONGEST_ASIDE:
                found.append((opened + 1, index))
    return found


def _clause_spans(
    text: str,
    morphemes: Sequence[Morpheme],
    sentences: list[tuple[int, int, int, bool]],
    lexicon: Lexicon,
) -> list[tuple[int, int, int]]:
    """Clauses: sentences cut at clause punctuation, at English words that start a clause
    ("but", "after"...), after Korean connective endings that are not followed by an
    auxiliary (-지 않, -고 싶, -고 있 stay inside their clause) and after the Korean words
    that close a clause (설치 후, 설치한 뒤로); asides are their own."""
    cuts: set[int] = set()
    for start, end, _, _ in sentences:
        cuts.update((start, end))
    cuts.update(match.end() for match in _CLAUSE_PUNCTUATION.finditer(text))
    pattern = _alternation(tuple(lexicon.en.clause_breaks))
    if pattern is not None:
        cuts.update(match.start() for match in pattern.finditer(text))
    closers = [cue for cue in map(_morpheme_cue, lexicon.ko.clause_breaks) if cue is not None]
    for index, morpheme in enumerate(morphemes):
        if any(morpheme.form == form and morpheme.tag.startswith(tag) for form, tag in closers):
            after = index + 1
            while after < len(morphemes) and morphemes[after].tag.startswith("J"):
                after += 1
            cuts.add(morphemes[after - 1].end)
    for index, morpheme in enumerate(morphemes):
        if not morpheme.tag.startswith("EC"):
            continue
        following = morphemes[index + 1] if index + 1 < len(morphemes) else None
        if following is not None and following.tag.startswith(("VX", "VCN")):
            continue
        cuts.add(morpheme.end)
    spans = []
    for start, end in itertools.pairwise(sorted(cuts)):
        if not text[start:end].strip():
            continue
        holders = [
            (b - a, index)
            for index, (a, b, _, _) in enumerate(sentences)
            if a <= start and end <= b
        ]
        if holders:
            spans.append((start, end, min(holders)[1]))
    return spans


def _cue(lexicon: Lexicon, kind: str, body: str, morphemes: Sequence[Morpheme]) -> str | None:
    english: ReadingWords = lexicon.en
    korean: ReadingWords = lexicon.ko
    found = find_english(getattr(english, kind), body)
    if found is not None:
        return found.group().strip()
    if not morphemes:
        return None
    squeezed, _ = compact(body)
    return _korean_cue(getattr(korean, kind), squeezed, morphemes)


def _clause(
    text: str,
    start: int,
    end: int,
    sentence: int,
    morphemes: Sequence[Morpheme],
    lexicon: Lexicon,
) -> Clause:
    """The clause and what it says."""
    body = text[start:end]
    english, korean = lexicon.en, lexicon.ko
    denied: str | None = None
    denied_from = start
    failure: str | None = None

    cleared_match = find_english(english.exoneration, body)
    cleared = cleared_match.group().strip() if cleared_match else None
    if cleared is None and morphemes:
        squeezed, _ = compact(body)
        # 비정상 ("abnormal") and 불안정 ("unstable") do not clear anything.
        cleared = _korean_cue(korean.exoneration, squeezed, morphemes, unless_after="비불")

    absent = find_english(english.absence, body)
    if absent is not None:
        denied = absent.group().strip()
    if denied is None and cleared is None:
        denied, failure, denied_at = _english_negation(body, english, _lead(text, start))
        denied_from = start + denied_at
    if morphemes and denied is None and cleared is None:
        said, words = _korean_negation(body, start, morphemes, korean)
        if said == "denied":
            denied = words
        elif said == "cleared":
            cleared = words
        elif said == "failure":
            failure = words

    removed_match = find_english(english.removal, body)
    removed = removed_match.group().strip() if removed_match else None
    removed_from = start
    if removed_match is not None:
        before = _WORD.findall(body, 0, removed_match.start())
        if before and not _PASSIVE.intersection(before[-2:]):
            removed_from = start + removed_match.start()
    if removed is None and morphemes:
        squeezed, _ = compact(body)
        removed = _korean_cue(korean.removal, squeezed, morphemes)

    hypothetical_match = find_english(english.hypothetical, body)
    hypothetical = hypothetical_match.group().strip() if hypothetical_match else None
    if hypothetical is None and morphemes:
        squeezed, _ = compact(body)
        hypothetical = _korean_cue(korean.hypothetical, squeezed, morphemes)
    question = _cue(lexicon, "question", body, morphemes)
    failure = failure or _cue(lexicon, "failure", body, morphemes)
    presence = _cue(lexicon, "presence", body, morphemes)
    cause = _cue(lexicon, "cause", body, morphemes)
    return Clause(
        start,
        end,
        sentence,
        denied,
        removed,
        cleared,
        hypothetical,
        question,
        failure,
        presence,
        cause,
        denied_from,
        removed_from,
    )


def _lead(text: str, start: int) -> str:
    """What leads into a clause that starts right after a parenthesis: the words before the
    parenthesis, back to the previous clause punctuation ("our agent (the vendor's) doesn't
    report": the agent is the subject of "doesn't report")."""
    stripped = text[start:].lstrip()
    if not stripped or stripped[0] not in ")]":
        return ""
    opened = text.rfind("(" if stripped[0] == ")" else "[", 0, start)
    if opened < 0:
        return ""
    line = text[text.rfind("\n", 0, opened) + 1 : opened]
    cut = max(line.rfind(mark) for mark in (",", ";", ":", ". "))
    return line[cut + 1 :]


def _english_negation(
    body: str, words: ReadingWords, lead: str = ""
) -> tuple[str | None, str | None, int]:
    """(denial, failure): a negation says something was not done or is not there, unless it
    negates a verb of working ("does not start", "can't reach", "not ready"): then it reports
    a failure. Negations inside failure phrases ("no longer", "no such host") are failures."""
    pattern = _alternation(tuple(words.negation))
    if pattern is None:
        return None, None, 0
    failure_spans = [match.span() for match in _alternation_iter(tuple(words.failure), body)]
    # "not sure", "don't know" hedge, "not yet generally available" names a state; they deny
    # nothing.
    hedges = [
        match.span()
        for match in _alternation_iter((*words.uncertainty, *words.negated_states), body)
    ]
    denial: str | None = None
    denied_at = 0
    failure: str | None = None
    for match in pattern.finditer(body):
        if any(a <= match.start() < b for a, b in hedges):
            continue
        if any(a <= match.start() < b for a, b in failure_spans):
            failure = failure or match.group()
            continue
        cue = match.group().strip()
        predicate = _next_content_word(body, match.end())
        if cue == "without" and (
            predicate.endswith("ing") or find_english(words.functioning, body[: match.start()])
        ):
            # How something is to be done ("fix it without deleting the release"), or what is
            # seen ("the pod shows up without a sidecar"): not a denial.
            continue
        before = f"{lead} {body[: match.start()]}"
        meaning = _english_meaning(cue, predicate, before, body[match.end() :], words)
        said = f"{cue} {predicate}".strip()
        if meaning == "failure":
            failure = failure or said
        elif denial is None:
            denial = said
            # "no X" after the clause's own words denies X, not what came before it.
            if cue in _DETERMINER_NEGATION and _WORD.search(body, 0, match.start()):
                denied_at = match.start()
    return denial, failure, denied_at


def _alternation_iter(terms: tuple[str, ...], body: str) -> list[re.Match[str]]:
    pattern = _alternation(terms)
    return list(pattern.finditer(body)) if pattern is not None else []


def _next_content_word(body: str, at: int) -> str:
    for match in itertools.islice(_WORD.finditer(body, at), 4):
        if match.group() not in _FILLERS:
            return match.group()
    return ""


def _english_meaning(cue: str, predicate: str, before: str, after: str, words: ReadingWords) -> str:
    if cue in _ABILITY:
        return "failure"
    if not _WORD.search(before):
        # A clause that opens with the negation sets one thing against another: ", not
        # HashiCorp Vault", "no custom DaemonSets"; unless nothing works or gets made ("no
        # pods are running", "no ReplicaSet is ever created").
        working = find_english(words.functioning, predicate) or (
            cue in _DETERMINER_NEGATION
            and (
                find_english(words.functioning, after)
                or (find_english(words.produced, after) and not _person(after, words))
            )
        )
        return "failure" if working else "denied"
    person = _person(before, words)
    if person and predicate and find_english(words.action, predicate):
        # What a person did not do, even with a verb that also says a thing works: "we are
        # not running Istio" (but "the pods are not running" fails).
        return "denied"
    preceding = _WORD.findall(before)[-1:]
    # "the agent shows no data", "the service returns no endpoints": what it does fails.
    if (
        cue in _DETERMINER_NEGATION
        and preceding
        and not person
        and find_english(words.functioning, preceding[0])
    ):
        return "failure"
    if predicate and find_english(words.functioning, predicate):
        return "failure"
    if predicate and find_english(words.produced, predicate):
        # What the cluster makes: "pods not created", "the sidecar is not injected" fail;
        # "we did not create any DaemonSet" was not done.
        return "denied" if person else "failure"
    if predicate and find_english(words.performed, predicate):
        # What a component does as well as a person: "we did not install Istio" and "Istio
        # (was) not installed" say it was not done; "the injector does not inject", "Helm
        # doesn't install the CRDs", "sidecars not injected any more" report a failure.
        if person:
            return "denied"
        active = (
            cue in _DO_NEGATIONS
            or bool(preceding and preceding[0] in _DO)
            or predicate.endswith(("ing", "es", "ts"))
        )
        return "failure" if active or find_english(words.persisting, after) else "denied"
    if predicate and find_english(words.action, predicate):
        return "denied"
    if cue in _DETERMINER_NEGATION:
        # "No CoreDNS pods are running", "none of the nodes is ready": nothing works.
        if find_english(words.functioning, after):
            return "failure"
        return "failure" if find_english(words.produced, after) and not person else "denied"
    if preceding and preceding[0] in _COPULAS:
        return "denied"
    if person:
        return "denied"
    return "failure"


def _person(words_before: str, words: ReadingWords) -> bool:
    """Whether a person is the subject: the writer ("we", "I") or someone else ("the admins")."""
    return bool(
        find_english(words.first_person, words_before) or find_english(words.people, words_before)
    )


# Korean: particles and endings skipped when looking for what a negation governs.
_PARTICLE = ("J", "E", "X", "SP", "SS", "SF", "SO")


def _korean_negation(
    body: str, offset: int, morphemes: Sequence[Morpheme], words: ReadingWords
) -> tuple[str | None, str | None]:
    """What the clause's negation says: "denied" (하지 않았습니다, 설치 안 했습니다, 바꾼 적
    없습니다, X 없음, X가 아닙니다), "failure" (안 됩니다, 뜨지 않습니다, 받지 못하고) or
    "cleared" (문제가 없습니다), with the morphemes that say it."""
    cues = [_morpheme_cue(entry) for entry in words.negation]
    negations = [cue for cue in cues if cue is not None]
    squeezed, _ = compact(body)
    first_person = _korean_cue(words.first_person, squeezed, morphemes) is not None
    for index, morpheme in enumerate(morphemes):
        if not any(
            morpheme.form == form and morpheme.tag.startswith(tag) for form, tag in negations
        ):
            continue
        said = f"{morpheme.form}/{morpheme.tag}"
        tag = morpheme.tag
        if tag.startswith("VCN") or morpheme.form == "무관":
            return "denied", said
        if tag.startswith("VA") and morpheme.form == "없":
            return _korean_absence(morphemes, index, words, said)
        predicate = _korean_predicate(morphemes, index)
        meaning = _korean_meaning(predicate, words)
        if meaning is None or (
            # What the cluster makes, not made: a failure unless we are the subject
            # ("리포트를 만들지 않습니다" fails; "저희는 DaemonSet을 만들지 않았습니다"
            # was not done).
            meaning == "denied" and predicate is not None and predicate[0] in words.produced
        ):
            meaning = "denied" if first_person else "failure"
        return meaning, f"{predicate[0] if predicate else ''} {said}".strip()
    return None, None


def _korean_predicate(morphemes: Sequence[Morpheme], index: int) -> tuple[str, str] | None:
    """(noun or verb, light verb): what a negation at `index` negates. After -지 (하지 않,
    되지 못하) it is the verb before; after 안/못 the verb that follows, or the noun before
    when that verb is only 하 (설치 안 했습니다)."""
    negation = morphemes[index]
    if negation.tag.startswith("VX"):
        at = index - 1
        while at >= 0 and morphemes[at].tag.startswith("E"):
            at -= 1
        return _korean_stem(morphemes, at)
    for at in range(index + 1, min(index + 4, len(morphemes))):
        candidate = morphemes[at]
        if candidate.tag.startswith(("VV", "VA", "XSV", "XSA")):
            if candidate.form in ("하", "되"):
                before = index - 1
                while before >= 0 and morphemes[before].tag.startswith(_PARTICLE):
                    before -= 1
                if before >= 0 and morphemes[before].tag.startswith("NN"):
                    return morphemes[before].form, candidate.form
            return candidate.form, ""
    return None


def _korean_stem(morphemes: Sequence[Morpheme], at: int) -> tuple[str, str] | None:
    if at < 0:
        return None
    verb = morphemes[at]
    if verb.tag.startswith(("XSV", "XSA")) and at > 0 and morphemes[at - 1].tag.startswith("NN"):
        return morphemes[at - 1].form, verb.form
    if verb.tag.startswith(("VV", "VA", "VX")):
        return verb.form, ""
    return None


def _korean_meaning(predicate: tuple[str, str] | None, words: ReadingWords) -> str | None:
    """A passive 되 reads first as working (적용되지 않습니다: not applied, a failure), an
    active 하 first as an action (적용하지 않았습니다: we did not apply it)."""
    if predicate is None:
        return None
    stem, light = predicate
    lists = (
        (("failure", words.functioning), ("denied", words.action))
        if light == "되"
        else (("denied", words.action), ("failure", words.functioning))
    )
    for meaning, stems in lists:
        if stem in stems:
            return meaning
    if light == "되":
        return "failure"
    return None


def _korean_absence(
    morphemes: Sequence[Morpheme], index: int, words: ReadingWords, said: str
) -> tuple[str, str]:
    """없: "never done" after -ㄴ 적 (바꾼 적 없습니다), "cleared" after a word for trouble
    (문제가 없습니다), a failure after a word for an answer (응답이 없습니다), else "not
    there" (커스텀 DaemonSet 없음)."""
    at = index - 1
    while at >= 0 and morphemes[at].tag.startswith(("J", "X")):
        at -= 1
    if at < 0:
        return "denied", said
    before = morphemes[at]
    if before.form == "적" and before.tag.startswith("NNB"):
        return "denied", f"{before.form} {said}"
    if before.form in words.exoneration or before.form in words.failure:
        # "문제가 없습니다", "에러가 없어요": no trouble, it works.
        return "cleared", f"{before.form} {said}"
    if before.form in words.functioning:
        return "failure", f"{before.form} {said}"
    return "denied", f"{before.form} {said}"
