"""One voice: every text users read (the catalogs of both languages and the pack's texts) uses
the glossary's term for each concept and none of its variants, and no Korean text leaves a
particle for the reader to choose ("Calico을(를)")."""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from arcsupport.i18n import LANGS, Lang, catalog
from arcsupport.i18n.particles import GENERIC_PAIRS, PAIRS, PARTICLE_FIELD, particle
from arcsupport.safeyaml import load_yaml
from helpers import ROOT

PACK = ROOT / "src" / "arcsupport" / "policy" / "packs" / "aks-arc"
GLOSSARY: dict[str, dict[str, Any]] = tomllib.loads(
    (resources.files("arcsupport.i18n") / "glossary.toml").read_text(encoding="utf-8")
)["term"]


def _pack_texts(node: Any, where: str, lang: Lang) -> Iterator[tuple[str, str]]:
    """The pack's texts in `lang`: every string under a `ko:`/`en:` key. Lists under those keys
    are the words triage looks for in a customer's case, not text shown to anyone."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == lang and isinstance(value, str):
                yield where, value
            else:
                yield from _pack_texts(value, f"{where}.{key}", lang)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _pack_texts(value, f"{where}[{index}]", lang)


def texts(lang: Lang) -> list[tuple[str, str]]:
    found = [
        (f"catalog {key}.{field}", template)
        for key, entry in sorted(catalog(lang).items())
        for field, template in entry.items()
    ]
    for path in sorted(PACK.glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
        found += list(_pack_texts(data, path.name, lang))
    return found


def test_there_is_text_to_check() -> None:
    assert len(texts("ko")) > 500
    assert sum(1 for where, _ in texts("ko") if where.startswith("clauses.yaml")) > 150


def test_the_glossary_is_well_formed() -> None:
    assert len(GLOSSARY) >= 10
    for concept, term in GLOSSARY.items():
        assert set(term) <= {"en", "ko", "forbidden", "note"}, concept
        assert term["en"] and term["ko"], concept
        for lang, variants in term.get("forbidden", {}).items():
            assert lang in LANGS, concept
            for variant in variants:
                assert variant.lower() not in term[lang].lower(), f"{concept}: {variant}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_forbidden_variant_is_written(lang: Lang) -> None:
    found = []
    for where, value in texts(lang):
        for concept, term in GLOSSARY.items():
            for variant in term.get("forbidden", {}).get(lang, []):
                if variant.lower() in value.lower():
                    found.append(f"{where}: {variant!r} (say {term[lang]!r}, {concept})")
    assert found == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_term_is_in_use(lang: Lang) -> None:
    """The glossary speaks of the project's real words: each term appears in what users read."""
    everything = "\n".join(value for _, value in texts(lang)).lower()
    unused = [concept for concept, term in GLOSSARY.items() if term[lang].lower() not in everything]
    assert unused == []


def test_the_policy_vendor_is_named() -> None:
    korean = "\n".join(value for _, value in texts("ko"))
    english = "\n".join(value for _, value in texts("en"))
    assert korean.count("Microsoft") >= 20
    assert english.count("Microsoft") >= 20


def test_no_generic_particle_is_left() -> None:
    found = [
        f"{where}: {value}"
        for where, value in texts("ko")
        if any(pair in value for pair in GENERIC_PAIRS)
    ]
    assert found == []


def test_every_particle_field_follows_the_value_it_agrees_with() -> None:
    """`{name}{name:을/를}`, or `{name}(...){name:을/를}` after a parenthesis: the field
    names the placeholder printed just before it, and no brace is left unformatted."""
    fields = 0
    for key, entry in catalog("ko").items():
        for field, template in entry.items():
            for match in PARTICLE_FIELD.finditer(template):
                fields += 1
                before = template[: match.start()]
                assert re.search(r"\{" + match[1] + r"(![rs])?\}(\([^()]*\))?$", before), (
                    f"{key}.{field}: {match[0]} does not follow {{{match[1]}}}"
                )
            leftover = PARTICLE_FIELD.sub("", template)
            for _, name, spec, _ in string.Formatter().parse(leftover):
                if name is not None and spec and "=" not in spec:
                    pytest.fail(f"{key}.{field}: unknown field {{{name}:{spec}}}")
    assert fields >= 150


# A Latin word or a number written in the catalog itself, then a particle of a pair.
_WRITTEN = re.compile(
    r"(?<![\w{}/.-])([A-Za-z][A-Za-z-]*|[0-9][0-9.,]*[0-9]|[0-9])"
    r"(을|를|이|가|은|는|과|와|으로|로)(?=[\s.,)(:;]|$)"
)
_PAIR_OF = {form: pair for pair in PAIRS for form in pair.split("/")}


def test_particles_after_written_words_agree() -> None:
    """'Calico를', 'Azure Local을', 'Hyper-V로': the particle a writer chose after a word the
    catalog spells out is the one that word takes."""
    wrong, checked = [], 0
    for where, value in texts("ko"):
        for match in _WRITTEN.finditer(value):
            word, written = match[1], match[2]
            right = particle(word, _PAIR_OF[written])
            checked += 1
            if right != written:
                wrong.append(f"{where}: {word}{written} (should be {word}{right})")
    assert checked > 100
    assert wrong == []
