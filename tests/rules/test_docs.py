"""Every rule's documentation, the ruff way: one parametrised test over the registry.

Each rule module has a catalog of the same name in both languages (`i18n/<lang>/rules/
<module>.toml`) that holds the rule's docs (`rule.<id>`: title, what, why, fix) and its
messages (`<id>.<variant>`), with the same entries, fields and placeholders in English and
Korean."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from arcsupport.i18n import LANGS, text
from arcsupport.rules.registry import RULES
from arcsupport.rules.rule import Rule
from helpers import ROOT

CATALOGS = ROOT / "src" / "arcsupport" / "i18n"
DOC_FIELDS = {"title", "what", "why", "fix"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def module_of(spec: Rule) -> str:
    """`versions` for arcsupport.rules.versions, `advisories` for a rule of that package."""
    return spec.check.__module__.split(".")[2]


def catalog_file(lang: str, spec: Rule) -> Path:
    return CATALOGS / lang / "rules" / f"{module_of(spec)}.toml"


def flat(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        else:
            out[prefix] = value

    walk("", tomllib.loads(path.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("spec", RULES, ids=[spec.id for spec in RULES])
@pytest.mark.parametrize("lang", LANGS)
def test_the_rule_is_documented_in_its_modules_catalog(spec: Rule, lang: str) -> None:
    entries = flat(catalog_file(lang, spec))
    docs = {key.rpartition(".")[2] for key in entries if key.startswith(f"rule.{spec.id}.")}
    assert docs == DOC_FIELDS
    for field in DOC_FIELDS:
        assert text(lang, f"rule.{spec.id}", field).strip()
    if lang == "ko":
        assert HANGUL.search(text("ko", f"rule.{spec.id}", "title"))


@pytest.mark.parametrize("spec", RULES, ids=[spec.id for spec in RULES])
def test_both_languages_have_the_same_messages_and_placeholders(spec: Rule) -> None:
    def own(lang: str) -> dict[str, set[str]]:
        return {
            key: set(PLACEHOLDER.findall(template))
            for key, template in flat(catalog_file(lang, spec)).items()
            if key.startswith((f"rule.{spec.id}.", f"{spec.id}."))
        }

    assert own("en") == own("ko")


@pytest.mark.parametrize("lang", LANGS)
def test_a_rule_catalog_holds_only_its_own_modules_rules(lang: str) -> None:
    ids_by_module: dict[str, set[str]] = {}
    for spec in RULES:
        ids_by_module.setdefault(module_of(spec), set()).add(spec.id)
    files = sorted((CATALOGS / lang / "rules").glob("*.toml"))
    assert {path.stem for path in files} == set(ids_by_module)
    for path in files:
        owners = {
            key.split(".")[1] if key.startswith("rule.") else key.split(".")[0]
            for key in flat(path)
        }
        assert owners <= ids_by_module[path.stem], path.name
