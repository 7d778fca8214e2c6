"""Facts a case states in passing: the Kubernetes version the cluster runs ("Server Version:
v1.27.3", "아직 1.24 입니다") and how long something lasted ("since 2025-07-20", "6 weeks",
"7/25부터", "3주 뒤")."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from arcsupport.engine.triage.reading import (
    HANGUL,
    Reading,
    compact,
    find_english,
    find_korean,
)
from arcsupport.policy.model import Terms, VersionInText

# Kubernetes 1.x minors worth reading: older ones are not AKS Arc's, newer ones do not exist.
_MINORS = range(10, 41)
# ASCII classes: a Korean particle right after the number ("1.30에서") still ends it. Not
# after ":" or "@": an image's tag ("nginx:1.25.3") is the image's version.
_VERSION = re.compile(r"(?<![0-9a-z_./=:@-])(v?)1\.(\d{1,2})(?:\.(\d{1,3}))?(?![0-9a-z_]|\.\d)")
# A row of pasted tool output: columns aligned with runs of spaces ("azure-arc  pending-upgrade
# 1.24.5" from `helm list`).
_COLUMNS = re.compile(r"\S {2,}\S+ {2,}\S")
# How far before a number a word still names what the number is the version of.
_NAMED_WITHIN = 40
_CONTEXT_WITHIN = 60
_WORDS = re.compile(r"[0-9a-z\uac00-\ud7a3][0-9a-z\uac00-\ud7a3._/-]*")


@dataclass(frozen=True, slots=True)
class StatedVersion:
    minor: str  # "1.27"
    text: str  # as written: "v1.27.3"
    start: int
    still: bool  # said to be still run ("still on 1.28.12"), whatever else the case names


def stated_versions(reading: Reading, words: VersionInText) -> list[StatedVersion]:
    """The versions the case gives for its cluster: numbers beside words for the cluster or
    Kubernetes, not right after another product's name (Istio 1.24, cert-manager v1.15,
    "Client Version: v1.30.2"), not the old version of an upgrade already done nor the goal of
    one not yet done, not one only imagined ("as if it were on 1.30"), and in a row of pasted
    tool output only where the row lists a node (`kubectl get nodes`): the other columns
    of such tables are charts', apps' and images' versions."""
    text = reading.text
    found = []
    for match in _VERSION.finditer(text):
        minor = int(match.group(2))
        if minor not in _MINORS:
            continue
        # The product a number belongs to is named right before it: "Client Version: v1.30",
        # "Istio 1.24", "cert-manager v1.15".
        before = " ".join(
            _WORDS.findall(text[max(0, match.start() - _NAMED_WITHIN) : match.start()])[-2:]
        )
        if _has(words.other_products, before):
            continue
        clause = reading.clause_at(match.start())
        if _has(words.other_in_clause, text[clause.start : match.start()]):
            continue
        start, end = reading.outer_span(match.start())
        window = text[max(start, match.start() - _CONTEXT_WITHIN) : min(end, match.end() + 12)]
        row = _output_row(text, match.start())
        if row is not None and not _has(words.node_rows, row):
            continue
        # A node's row is context enough: its VERSION column is the kubelet's.
        if not (match.group(1) or row is not None or _has(words.context, window)):
            continue
        if _left_behind(text, match, start, end, words) or _goal(reading, match, start, end, words):
            continue
        # "treat it as if it were on 1.30", "1.30이라고 가정하면": a version imagined, not run.
        # An English plan after the version is about what comes next: "we are on 1.28.5 and
        # planning to go to 1.29" runs 1.28.5.
        still = _has(words.still, text[max(start, match.start() - 24) : match.start()])
        modality, cue = reading.modality(match.start())
        # "if we were to upgrade from our current 1.28.5": the plan is hypothetical, the
        # version it starts from is not.
        if (
            modality == "hypothetical"
            and not still
            and not _plan_after(text, clause.start, match.start(), cue)
        ):
            continue
        # "the other cluster (1.30) is fine": a version said to work elsewhere is not the one
        # in trouble; "Supported versions: 1.29.12, 1.30.9" lists what is offered.
        if modality == "cleared" and _has(words.elsewhere, text[start:end]):
            continue
        if _has(words.listing, text[start : match.start()]):
            continue
        found.append(StatedVersion(f"1.{minor}", match.group(), match.start(), still))
    return found


def _plan_after(text: str, clause_start: int, at: int, cue: str | None) -> bool:
    """Whether an English cue of a plan or condition stands only after `at` in its clause."""
    if cue is None or HANGUL.search(text, clause_start, at) or HANGUL.search(cue):
        return False
    return find_english((cue,), text[clause_start:at]) is None


def _output_row(text: str, at: int) -> str | None:
    """The line around `at` when it is a row of pasted tool output."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : len(text) if end < 0 else end]
    return line if _COLUMNS.search(line) else None


def _left_behind(
    text: str, match: re.Match[str], start: int, end: int, words: VersionInText
) -> bool:
    """A version the cluster ran before: "we were on 1.27", or the "from" side of an upgrade
    the sentence says was done ("upgraded from 1.28 to 1.29", "1.28에서 업그레이드했")."""
    before = text[max(start, match.start() - 24) : match.start()]
    if _has(words.history, before):
        return True
    after = text[match.end() : end]
    source = before.rstrip().endswith("from") or after.lstrip().startswith("에서")
    return source and _has(words.upgraded, text[start:end])


# "1.29 -> 1.30": a step of an upgrade path, on its way somewhere else.
_PATH_STEP = re.compile(r"\s*(?:->|→|=>)\s*v?1\.\d")
# "to 1.30", "-> v1.30", "1.30으로", "1.30 로": the version an upgrade goes to.
_TOWARDS = re.compile(r"(?:\bto|->|→|=>)\s*(?:kubernetes\s+|k8s\s+|version\s+)?$")
_TOWARDS_KO = re.compile(r"\s*(?:으로|로)(?![가-힣\s]*(?:운영|사용|돌|쓰|써))")


def _goal(
    reading: Reading, match: re.Match[str], start: int, end: int, words: VersionInText
) -> bool:
    """The goal of an upgrade not yet done ("the upgrade to 1.30 is planned", "1.30으로 올릴
    예정"): it says where the cluster is going, not what it runs. Once the version's clause says
    the upgrade was done ("upgraded to 1.30"), the goal is the version it runs."""
    text = reading.text
    before = text[max(start, match.start() - 24) : match.start()]
    towards = (
        _TOWARDS.search(before)
        or _TOWARDS_KO.match(text, match.end(), end)
        or _PATH_STEP.match(text, match.end(), end)
    )
    clause = reading.clause_at(match.start())
    done = _has(words.upgraded, text[clause.start : clause.end])
    return bool(towards) and _has(words.moving, text[start:end]) and not done


def _has(terms: Terms, window: str) -> bool:
    if find_english(terms.en, window) is not None:
        return True
    if any(re.search(pattern, window) for pattern in terms.patterns):
        return True
    squeezed, offsets = compact(window)
    return any(find_korean(term, window, squeezed, offsets) for term in terms.ko)


# --- durations -------------------------------------------------------------------------------

_COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a few": 3, "few": 3, "several": 3, "a couple of": 2, "couple of": 2,
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "몇": 2,
}  # fmt: skip
_UNIT_DAYS = {
    "day": 1, "week": 7, "month": 30, "일": 1, "주": 7, "주일": 7, "개월": 30, "달": 30,
}  # fmt: skip
_ENGLISH_SPAN = re.compile(
    r"\b(\d{1,3}|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve)\s*(day|week|month)s?\b"
)
_KOREAN_SPAN = re.compile(
    r"(?<![\d월])(\d{1,3}|한|두|세|네|다섯|여섯|일곱|여덟|몇)\s*(주일|개월|일|주|달)"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_ENGLISH_DATE = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_ENGLISH_DATE_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\b")
_ENGLISH_MONTH = re.compile(rf"\b(?:since|from|in|early|mid|late|end of)\s+({_MONTH})\b")
_SLASH_DATE = re.compile(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?![\d/])")
_KOREAN_DATE = re.compile(r"(\d{1,2})월\s*(\d{1,2})일")
_KOREAN_MONTH = re.compile(r"(\d{1,2})월\s*(초|중순|말)?(?!\s*\d)")
_UNTIL = re.compile(r"\b(?:until|till|to|through)\b|까지|~")
_PART_OF_MONTH = {"초": 10, "중순": 15, "말": 31}


def stated_days(text: str, spans: Iterable[tuple[int, int]], today: date) -> int | None:
    """The longest time the given parts of the case say something lasted, in days: a
    duration ("6 weeks", "3주"), or a date up to `today` or to a later date in the same
    sentence ("July 28 ... until Sept 10"). Months alone count from their last day."""
    longest: int | None = None
    for start, end in spans:
        for days in _days_in(text[start:end], today):
            longest = days if longest is None else max(longest, days)
    return longest


def _days_in(part: str, today: date) -> list[int]:
    found = [
        _COUNTS.get(match.group(1), 0) * _UNIT_DAYS[match.group(2)]
        if not match.group(1).isdigit()
        else int(match.group(1)) * _UNIT_DAYS[match.group(2)]
        for match in (*_ENGLISH_SPAN.finditer(part), *_KOREAN_SPAN.finditer(part))
    ]
    dates = sorted(_dates_in(part, today))
    if not dates:
        return found
    first_at, first = dates[0]
    later = [day for at, day in dates[1:] if _UNTIL.search(part, first_at, at)]
    end = later[-1] if later else today
    found.append((end - first).days)
    return found


def _dates_in(part: str, today: date) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []

    def add(at: int, span: tuple[int, int], month: int, day: int, year: int | None = None) -> None:
        if any(a < span[1] and span[0] < b for a, b in taken):
            return
        if not 1 <= month <= 12:
            return
        day = min(day, calendar.monthrange(year or today.year, month)[1])
        candidate = _on_or_before(today, month, day, year)
        if candidate is not None:
            found.append((at, candidate))
            taken.append(span)

    for match in _ISO.finditer(part):
        year, month, day = (int(group) for group in match.groups())
        add(match.start(), match.span(), month, day, year)
    for match in _KOREAN_DATE.finditer(part):
        add(match.start(), match.span(), int(match.group(1)), int(match.group(2)))
    for match in _ENGLISH_DATE.finditer(part):
        add(match.start(), match.span(), _MONTHS[match.group(1)], int(match.group(2)))
    for match in _ENGLISH_DATE_DAY_FIRST.finditer(part):
        add(match.start(), match.span(), _MONTHS[match.group(2)], int(match.group(1)))
    for match in _SLASH_DATE.finditer(part):
        add(match.start(), match.span(), int(match.group(1)), int(match.group(2)))
    for match in _ENGLISH_MONTH.finditer(part):
        add(match.start(), match.span(), _MONTHS[match.group(1)], 31)
    for match in _KOREAN_MONTH.finditer(part):
        add(
            match.start(),
            match.span(),
            int(match.group(1)),
            _PART_OF_MONTH.get(match.group(2) or "말", 31),
        )
    return found


def _on_or_before(today: date, month: int, day: int, year: int | None) -> date | None:
    """The date with that month and day, in `year` or else the latest year not after today."""
    try:
        if year is not None:
            candidate = date(year, month, day)
            return candidate if candidate <= today else None
        candidate = date(today.year, month, day)
        return candidate if candidate <= today else date(today.year - 1, month, day)
    except ValueError:
        return None
