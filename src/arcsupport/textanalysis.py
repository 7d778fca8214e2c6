"""Korean morphological analysis for triage (kiwipiepy, whose model ships as the
kiwipiepy-model package: nothing is fetched at run time).

Kept out of the pure core because building the analyser reads the model files from disk: the
command creates it (`korean_morphology()`) and hands it to `engine.triage`, which only knows the
`Morphology` protocol. kiwipiepy is imported on first use, so no other command pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple


class Morpheme(NamedTuple):
    form: str  # the morpheme as the dictionary writes it: 바꾸 for 바꿨, 되 for 됩니다
    tag: str  # Sejong part-of-speech tag: VV, VX, MAG, EF, SL...
    start: int  # character offsets in the analysed text
    end: int


class KoreanMorphology:
    """Splits Korean text into morphemes with their part of speech and position."""

    def __init__(self) -> None:
        self._kiwi: Any = None

    def morphemes(self, text: str) -> list[Morpheme]:
        if self._kiwi is None:
            from kiwipiepy import Kiwi

            # The typo and multi-word dictionaries serve free text search, not the endings and
            # negations triage reads; leaving them out halves the start-up.
            self._kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
        return [
            Morpheme(token.form, token.tag, token.start, token.start + token.len)
            for token in self._kiwi.tokenize(text)
        ]


@cache
def korean_morphology() -> KoreanMorphology:
    """The one analyser of the process (its model takes seconds to load)."""
    return KoreanMorphology()
