"""What `explain` says about how a clause is checked is held to the rules that cite it.

The convention (clauses.yaml, top): `checked_by` lists exactly the rules that cite the clause;
`check` names no other rule; a clause no rule checks says so first, in both languages; and the
other commands a `check` text credits really apply the clause."""

from __future__ import annotations

import re
from typing import Any

import pytest

from arcsupport.policy.model import Clause, Pack
from arcsupport.rules.registry import RULES
from helpers import default_pack

NOT_CHECKED = {
    "en": "No rule of `arcsupport check` checks this clause",
    "ko": "`arcsupport check`의 규칙은 이 조항을 확인하지 않습니다",
}
PACK = default_pack()
CLAUSES = sorted(PACK.clauses.items())


def citing(clause_id: str) -> list[str]:
    return sorted(spec.id for spec in RULES if clause_id in spec.clauses)


def rules_named(text: str) -> set[str]:
    """Rule ids the text names: in backticks, as the texts write them, and any hyphenated id
    written bare (one-word ids such as `connectivity` are ordinary words unless quoted)."""
    quoted = set(re.findall(r"`([a-z][a-z0-9-]*)`", text))
    bare = {
        spec.id
        for spec in RULES
        if "-" in spec.id and re.search(rf"(?<![\w-]){re.escape(spec.id)}(?![\w-])", text)
    }
    return {name for name in quoted if name in RULE_IDS} | bare


RULE_IDS = {spec.id for spec in RULES}


def triage_cited(pack: Pack) -> set[str]:
    triage = pack.triage
    return {
        *triage.upgrade_first.clauses,
        *triage.known_issues.clauses,
        *triage.access_grant.clauses,
        *(clause for rule in triage.rules for clause in rule.clauses),
    }


def texts(clause: Clause) -> list[tuple[str, str]]:
    return [("en", clause.check.en), ("ko", clause.check.ko)]


@pytest.mark.parametrize(("clause_id", "clause"), CLAUSES, ids=[item[0] for item in CLAUSES])
def test_checked_by_is_the_rules_that_cite_the_clause(clause_id: str, clause: Clause) -> None:
    assert sorted(clause.checked_by) == citing(clause_id)


@pytest.mark.parametrize(("clause_id", "clause"), CLAUSES, ids=[item[0] for item in CLAUSES])
def test_a_clause_no_rule_checks_says_so_and_only_then(clause_id: str, clause: Clause) -> None:
    for lang, check in texts(clause):
        says_unchecked = check.startswith(NOT_CHECKED[lang])
        assert says_unchecked == (not clause.checked_by), (clause_id, lang, check)
        if says_unchecked:
            # The reason, and what applies the clause instead or what to check by hand.
            assert len(check) > len(NOT_CHECKED[lang]) + 20, (clause_id, lang)


@pytest.mark.parametrize(("clause_id", "clause"), CLAUSES, ids=[item[0] for item in CLAUSES])
def test_the_check_text_names_only_the_rules_that_cite_it(clause_id: str, clause: Clause) -> None:
    for lang, check in texts(clause):
        assert rules_named(check) <= set(clause.checked_by), (clause_id, lang)


@pytest.mark.parametrize(("clause_id", "clause"), CLAUSES, ids=[item[0] for item in CLAUSES])
def test_commands_credited_with_a_clause_apply_it(clause_id: str, clause: Clause) -> None:
    """`arcsupport triage` applies the clauses its scope rules cite; `arcsupport access` is
    the consent that the triage's access grant (SHR-2, COV-IN-8) asks for."""
    for lang, check in texts(clause):
        if "`arcsupport triage`" in check:
            assert clause_id in triage_cited(PACK), (clause_id, lang)
        if "`arcsupport access`" in check:
            assert clause_id in PACK.triage.access_grant.clauses, (clause_id, lang)


def test_the_conventions_catch_a_false_claim() -> None:
    """The tests above fail on the texts this issue found: NET-2 describing a check no rule
    makes, and a text crediting a rule that does not cite the clause."""
    net2 = PACK.clauses["NET-2"]
    assert net2.checked_by == []
    old = "A warning is raised when connectivity tests show endpoints cannot be reached."
    assert not old.startswith(NOT_CHECKED["en"])
    assert rules_named("Checked by `connectivity` and node-drift, not connectivity.") - set(
        PACK.clauses["SHR-4"].checked_by
    ) == {"connectivity", "node-drift"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_explain_net_2_says_plainly_that_nothing_checks_it(arcsupport: Any, lang: str) -> None:
    _, printed, _ = arcsupport("explain", "NET-2", "--lang", lang)
    flat = " ".join(printed.split())
    assert NOT_CHECKED[lang] in flat
    assert ("Checked by rules: none" if lang == "en" else "이 조항을 확인하는 규칙: 없음") in flat


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_explain_shr_4_promises_the_previous_scan_only_where_the_service_runs(
    arcsupport: Any, lang: str
) -> None:
    """The comparison with the previous scan needs stored scans: the fleet service makes it,
    a single check cannot, and the text says which."""
    _, printed, _ = arcsupport("explain", "SHR-4", "--lang", lang)
    flat = " ".join(printed.split())
    assert "system-metadata" in flat
    service = (
        "in the fleet service (`arcsupport serve`), system labels, annotations and taints "
        "changed or removed since the previous scan it stored"
        if lang == "en"
        else "플릿 서비스(`arcsupport serve`)에서는 저장된 이전 스캔 뒤"
    )
    assert service in flat
    single = (
        "A single `check` compares the nodes as collected only."
        if lang == "en"
        else "한 번의 `check`는 수집된 노드 그대로만 비교합니다."
    )
    assert single in flat
