"""Korean particles chosen from the word they follow: a catalog template says
`{minor}{minor:을/를} 실행합니다`, and the field `{minor:을/를}` becomes 을 after a word that
ends in a consonant ("1.30을": 삼십) and 를 after one that ends in a vowel ("1.29를": 구). A
placeholder's value is known only when the message is rendered, so the catalog cannot write
the particle itself; the generic "을(를)" reads as a form left unfilled.

How the end of a word is read (a Korean reader says the word, and the particle follows the
sound):
- A Hangul syllable: its final consonant (batchim), from the Unicode syllable block.
- Digits: as Korean reads the number (Sino-Korean). A run that ends in a non-zero digit ends in
  that digit's name (일 칠 팔 end in ㄹ, 삼 ㅁ, 육 ㄱ, 영 ㅇ; 이 사 오 구 in a vowel); trailing
  zeros end in the unit they make: 10 십, 100 백, 1000 천, 10,000 만, 10^8 억, 10^12 조.
  Grouping commas are read through ("10,485,760": 육십), a version's parts after the last dot
  are read as a number ("1.30": 삼십, so "1.30을", "1.30으로").
- Latin letters: an upper-case letter at the end (an acronym, CoreDNS) or a letter alone is
  read by its name (L 엘, M 엠, N 엔, R 알 end in a consonant; the others, 에스 디 케이...,
  in a vowel).
  A word ends as its English sound ends in the Korean loanword: -ng ㅇ, -m ㅁ, -n ㄴ, -l ㄹ,
  a silent e after m, n, l the same (name, line, table); -ck, a vowel before k or c ㄱ
  (stack, public); a vowel before p or b ㅂ (group, web); a short vowel before t ㅅ (set,
  Kubelet, timeout); anything else in a vowel (Calico, CoreDNS, server, node, pod, Arc).
- A closing bracket's contents and trailing punctuation or quotes are passed over: a particle
  after a parenthesis agrees with the word before it ("노드(NotReady)가" after 노드).
- A word that cannot be read (no letters or digits, another script) keeps both forms, "을(를)":
  a wrong particle reads worse than an honest pair.

(으)로 follows a vowel and ㄹ alike ("1.31로": 삼십일, "Azure Local로"), 으로 the other
consonants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

# Each pair as the catalogs write it: the form after a consonant, then after a vowel.
PAIRS: Mapping[str, tuple[str, str]] = {
    "을/를": ("을", "를"),
    "이/가": ("이", "가"),
    "은/는": ("은", "는"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
}
PARTICLE_FIELD = re.compile(r"\{(\w+):(" + "|".join(map(re.escape, PAIRS)) + r")\}")
# What a Korean writer writes when the word is unknown; none may be left in a catalog.
GENERIC_PAIRS = ("을(를)", "를(을)", "이(가)", "가(이)", "은(는)", "는(은)", "과(와)", "와(과)",
                 "(으)로")  # fmt: skip

_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_DIGIT_FINALS = {
    "0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ",
    "9": "",
}  # fmt: skip
# The unit trailing zeros make: 십 백 천 만, then 십만 백만 천만 (만), 억 (to 천억), 조, 경.
_ZERO_UNIT_FINALS = ("ㅂ", "ㄱ", "ㄴ", "ㄴ", "ㄴ", "ㄴ", "ㄴ", "ㄱ", "ㄱ", "ㄱ", "ㄱ", "", "", "",
                     "", "ㅇ")  # fmt: skip
# Letter names whose Korean reading ends in a consonant: 엘 엠 엔 알.
_LETTER_FINALS = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_VOWELS = frozenset("aeiou")
_TRAILING = " \t\n\"'`.,;:!?”’」』>"
_CLOSING = {")": "(", "]": "["}
_NUMBER = re.compile(r"[0-9][0-9,]*$")


def _number_final(digits: str) -> str:
    digits = digits.replace(",", "")
    stripped = digits.rstrip("0")
    if not stripped:
        return "ㅇ"  # 영
    zeros = len(digits) - len(stripped)
    if zeros == 0:
        return _DIGIT_FINALS[digits[-1]]
    return _ZERO_UNIT_FINALS[min(zeros, len(_ZERO_UNIT_FINALS)) - 1]


def _latin_final(word: str) -> str:
    last = word[-1]
    if len(word) == 1 or last.isupper():
        return _LETTER_FINALS.get(last.lower(), "")
    lower = word.lower()
    if lower.endswith("ng"):
        return "ㅇ"
    if lower[-1] in "mnl":
        return {"m": "ㅁ", "n": "ㄴ", "l": "ㄹ"}[lower[-1]]
    if lower[-1] == "e" and len(lower) > 2 and lower[-2] in "mnl":
        return {"m": "ㅁ", "n": "ㄴ", "l": "ㄹ"}[lower[-2]]
    stem = lower.rstrip(lower[-1])  # "app", "stack" and "butt" end as "ap", "stac", "but"
    previous = stem[-1:] if stem else ""
    if lower.endswith("ck") or (lower[-1] in "kc" and previous in _VOWELS):
        return "ㄱ"
    if lower[-1] in "pb" and previous in _VOWELS:
        return "ㅂ"
    if lower[-1] == "t" and previous in _VOWELS:
        vowels = stem[-2:]
        if len(stem) < 2 or stem[-2] not in _VOWELS or vowels == "ou":
            return "ㅅ"
    return ""


def final_sound(word: str) -> str | None:
    """The final consonant a Korean reader hears at the end of `word` ("" for a vowel), as a
    Hangul compatibility jamo; None when the word cannot be read."""
    while True:
        word = word.rstrip(_TRAILING)
        if word[-1:] in _CLOSING and _CLOSING[word[-1]] in word[:-1]:
            word = word[: word.rindex(_CLOSING[word[-1]])]
            continue
        break
    if not word:
        return None
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        return _FINALS[(ord(last) - 0xAC00) % 28].strip()
    if last == "%":
        return ""  # 퍼센트
    if last.isascii() and last.isdigit():
        number = _NUMBER.search(word)
        assert number is not None
        return _number_final(number[0])
    if last.isascii() and last.isalpha():
        letters = re.search(r"[A-Za-z]+$", word)
        assert letters is not None
        return _latin_final(letters[0])
    return None


def particle(word: str, pair: str) -> str:
    """The form of `pair` ("을/를", "으로/로"...) that follows `word`."""
    after_consonant, after_vowel = PAIRS[pair]
    final = final_sound(word)
    if final is None:
        return (
            f"({after_consonant[:-1]}){after_vowel}"
            if pair == "으로/로"
            else (f"{after_consonant}({after_vowel})")
        )
    if not final or (final == "ㄹ" and pair == "으로/로"):
        return after_vowel
    return after_consonant


@cache
def has_particle_fields(template: str) -> bool:
    return PARTICLE_FIELD.search(template) is not None


def choose_particles(template: str, args: Mapping[str, Any]) -> str:
    """The template with each particle field replaced by the form its argument's value takes."""

    def form(match: re.Match[str]) -> str:
        value = args.get(match[1])
        return particle("" if value is None else str(value), match[2])

    return PARTICLE_FIELD.sub(form, template)
