"""`arcsupport explain`: one clause or rule, or `--all` of them in order, as a table or as the
arcsupport.explain/v1 document, in English and Korean."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from rich.cells import cell_len

from arcsupport.i18n import render, text
from arcsupport.rules.registry import RULES
from helpers import default_pack

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def explain(arcsupport: Any, *args: str) -> dict[str, Any]:
    code, out, err = arcsupport("explain", *args, "-o", "json")
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_clause_as_json(arcsupport: Any, lang: str) -> None:
    document = explain(arcsupport, "ver-1", "--lang", lang)
    assert (document["schema"], document["lang"], document["rules"]) == (
        "arcsupport.explain/v1",
        lang,
        [],
    )
    (clause,) = document["clauses"]
    stated = default_pack().clauses["VER-1"]
    assert clause["id"] == "VER-1"
    assert clause["section"]["id"] == stated.section
    assert clause["effect"] == stated.effect
    assert (clause["statement"], clause["check"], clause["fix"]) == (
        stated.text.get(lang),
        stated.check.get(lang),
        stated.fix.get(lang),
    )
    assert clause["cited_by"] == [spec.id for spec in RULES if "VER-1" in spec.clauses]
    assert "version-lifecycle" in clause["cited_by"]
    if lang == "ko":
        assert HANGUL.search(clause["statement"]) and HANGUL.search(clause["section"]["title"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_rule_as_json(arcsupport: Any, lang: str) -> None:
    document = explain(arcsupport, "deprecated-apis", "--lang", lang)
    assert document["clauses"] == []
    (rule,) = document["rules"]
    spec = next(spec for spec in RULES if spec.id == "deprecated-apis")
    assert rule == {
        "id": "deprecated-apis",
        "title": text(lang, "rule.deprecated-apis", "title"),
        "what": text(lang, "rule.deprecated-apis", "what"),
        "why": text(lang, "rule.deprecated-apis", "why"),
        "fix": text(lang, "rule.deprecated-apis", "fix"),
        "needs": [render(lang, need) for need in spec.needs],
        "clauses": list(spec.clauses),
        "operations": list(spec.operations),
        "module": "apis",
    }
    if lang == "ko":
        assert HANGUL.search(rule["title"]) and HANGUL.search(rule["why"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_all_as_json_in_order(arcsupport: Any, lang: str) -> None:
    document = explain(arcsupport, "--all", "--lang", lang)
    assert [clause["id"] for clause in document["clauses"]] == list(default_pack().clauses)
    assert [rule["id"] for rule in document["rules"]] == [spec.id for spec in RULES]
    assert {rule["module"] for rule in document["rules"]} >= {"versions", "advisories", "apis"}
    cited = {rule for clause in document["clauses"] for rule in clause["cited_by"]}
    assert cited == {spec.id for spec in RULES}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_all_as_a_table(arcsupport: Any, lang: str) -> None:
    code, out, _ = arcsupport("explain", "--all", "--lang", lang)
    assert code == 0
    clause_label = text(lang, "ui.explain.clause")
    rule_label = text(lang, "ui.explain.rule")
    clauses = re.findall(rf"^{clause_label}: (\S+)$", out, re.MULTILINE)
    rules = re.findall(rf"^{rule_label}: (\S+) - ", out, re.MULTILINE)
    assert clauses == list(default_pack().clauses)
    assert rules == [spec.id for spec in RULES]
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    # One item is the same text whether alone or among all of them.
    _, alone, _ = arcsupport("explain", "version-patch", "--lang", lang)
    assert f"\n\n{alone}" in out


def test_one_item_or_all_but_not_both_nor_neither(arcsupport: Any) -> None:
    for args in ([], ["VER-1", "--all"]):
        code, out, err = arcsupport("explain", *args)
        assert (code, out) == (2, "")
        assert err == (
            "arcsupport: error: explain: give a clause ID or a rule id, or --all (not both)\n"
        )
