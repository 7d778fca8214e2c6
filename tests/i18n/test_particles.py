"""Korean particles after a value known only at render time: the form follows the value's last
sound (Hangul batchim, numbers as Korean reads them, Latin letters as the loanword ends)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.i18n import text
from arcsupport.i18n.particles import PAIRS, choose_particles, final_sound, particle

DIGIT_NAMES = "영일이삼사오육칠팔구"
# The unit 10**k ends in, read by a Korean reader: 십 백 천 만 십만 ... 천억 조.
UNIT_NAMES = ["십", "백", "천", "만", "십만", "백만", "천만", "억", "십억", "백억", "천억", "조"]
LETTER_NAMES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ["에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠",
     "엔", "오", "피", "큐", "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "지"],
    strict=True))  # fmt: skip

syllables = st.builds(
    lambda initial, medial, final: chr(0xAC00 + (initial * 21 + medial) * 28 + final),
    st.integers(0, 18),
    st.integers(0, 20),
    st.integers(0, 27),
)
prefixes = st.text(st.characters(codec="utf-8", exclude_characters="()[]"), max_size=12)
pairs = st.sampled_from(sorted(PAIRS))


def expected(final: str, pair: str) -> str:
    after_consonant, after_vowel = PAIRS[pair]
    if not final or (final == "ㄹ" and pair == "으로/로"):
        return after_vowel
    return after_consonant


@given(prefixes, syllables, pairs)
def test_hangul_takes_the_form_of_its_batchim(prefix: str, syllable: str, pair: str) -> None:
    final_index = (ord(syllable) - 0xAC00) % 28
    form = particle(prefix + syllable, pair)
    consonant, vowel = PAIRS[pair]
    if final_index == 0:
        assert form == vowel
    elif final_index == 8:  # ㄹ: 로, but 을 이 은 과
        assert form == (vowel if pair == "으로/로" else consonant)
    else:
        assert form == consonant


def test_hangul_examples() -> None:
    assert [particle(word, "을/를") for word in ("노드", "클러스터", "버전", "레이블")] == [
        "를", "를", "을", "을",
    ]  # fmt: skip
    assert [particle(word, "으로/로") for word in ("서버", "파일", "버전")] == ["로", "로", "으로"]


@given(st.integers(1, 10**15), pairs)
def test_numbers_end_as_korean_reads_them(number: int, pair: str) -> None:
    digits = str(number)
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    reading = DIGIT_NAMES[int(digits[-1])] if zeros == 0 else UNIT_NAMES[min(zeros, 12) - 1]
    want = expected(final_sound(reading) or "", pair)
    assert particle(digits, pair) == want
    assert particle(f"{number:,}", pair) == want  # grouping commas are read through
    assert particle(f"1.{digits}", pair) == want  # a version's last part is a number
    assert particle(f"Kubernetes {digits}", pair) == want


def test_number_examples() -> None:
    assert particle("1.30", "을/를") == "을"  # 삼십
    assert particle("1.29", "을/를") == "를"  # 이십구
    assert particle("1.31", "으로/로") == "로"  # 삼십일: ㄹ
    assert particle("1.30", "으로/로") == "으로"
    assert particle("2508", "이/가") == "이"  # 팔
    assert particle("2411", "으로/로") == "로"  # 일
    assert particle("0", "은/는") == "은"  # 영
    assert particle("Windows Server 2019", "이/가") == "가"  # 구
    assert particle("50%", "이/가") == "가"  # 퍼센트


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=5), pairs)
def test_acronyms_end_in_their_last_letters_name(acronym: str, pair: str) -> None:
    want = expected(final_sound(LETTER_NAMES[acronym[-1]]) or "", pair)
    assert particle(acronym, pair) == want
    assert particle(f"Core{acronym}", pair) == want


@pytest.mark.parametrize(
    ("word", "object_form", "direction"),
    [
        ("Calico", "를", "로"),
        ("CoreDNS", "를", "로"),
        ("Kubernetes", "를", "로"),
        ("kube-proxy", "를", "로"),
        ("AKS Arc", "를", "로"),
        ("Azure Local", "을", "로"),
        ("Flannel", "을", "로"),
        ("Helm", "을", "으로"),
        ("Istio", "를", "로"),
        ("VM", "을", "으로"),
        ("Hyper-V", "를", "로"),
        ("Succeeded", "를", "로"),
        ("string", "을", "으로"),
        ("table", "을", "로"),
        ("stack", "을", "으로"),
        ("public", "을", "으로"),
        ("group", "을", "으로"),
        ("Kubelet", "을", "으로"),
        ("timeout", "을", "으로"),
        ("root", "를", "로"),
        ("node", "를", "로"),
        ("Microsoft", "를", "로"),
    ],
)
def test_latin_words_end_as_the_loanword_does(word: str, object_form: str, direction: str) -> None:
    assert particle(word, "을/를") == object_form
    assert particle(word, "으로/로") == direction


@given(st.sampled_from(["노드", "Calico", "1.30", "Azure Local", "VM"]), prefixes, pairs)
def test_a_parenthesis_and_trailing_marks_are_passed_over(word: str, aside: str, pair: str) -> None:
    form = particle(word, pair)
    assert particle(f"{word}({aside})", pair) == form
    assert particle(f"'{word}'", pair) == form
    assert particle(f"{word}.", pair) == form


@given(st.text(st.characters(categories=["Lo"]).filter(lambda c: not "\uac00" <= c <= "\ud7a3"),
               min_size=1, max_size=4))  # fmt: skip
def test_a_word_that_cannot_be_read_keeps_both_forms(word: str) -> None:
    assert particle(word, "을/를") == "을(를)"
    assert particle(word, "으로/로") == "(으)로"
    assert particle(word, "이/가") == "이(가)"


def test_fields_are_filled_when_rendered() -> None:
    template = "{a}{a:을/를} {b}({c}){b:으로/로} {count:one=x|other=y}"
    assert choose_particles(template, {"a": "Calico", "b": "1.31", "c": "2508"}) == (
        "{a}를 {b}({c})로 {count:one=x|other=y}"
    )
    # A real catalog entry, in both languages.
    args = {"minor": "1.30", "date": "2026-03-01"}
    assert text("ko", "version-lifecycle.ending", **args).startswith("Kubernetes 1.30은")
    assert text("en", "version-lifecycle.ending", **args).startswith("Kubernetes 1.30")
    args = {"minor": "1.29", "date": "2026-03-01"}
    assert text("ko", "version-lifecycle.ending", **args).startswith("Kubernetes 1.29는")
