"""How well triage decides, measured on three sets of labelled cases, each scored by the one
definition of a correct answer below.

  development  tests/data/triage/corpus (tune.yaml, holdout.yaml and extra.yaml) and corpus2
               to corpus12 and corpus14 (each holdout.yaml). corpus/ was written by an
               independent author before the tool was tuned; its `holdout.yaml` was run about
               ten times while tuning and its misses read. corpus2, corpus3, corpus4, corpus5
               and corpus10 were each the held-out set until their first run (83/100, 77/100,
               79/100, 76/100, 84/100): their misses were then read, so they are development
               data too. corpus6 to corpus9, corpus11, corpus12 and corpus14 were written beside
               a held-out set by further independent authors with the same instructions, run
               unread (their READMEs record those runs), then read. extra.yaml holds cases
               written from the policy to probe each clause with other phrasings. All of it may
               be read and tuned on (generalising, never special-casing a case).
  regression   tests/data/triage/cases.yaml, written beside the rules: every case must pass.
  held-out     tests/data/triage/corpus13/holdout.yaml, written by another independent author
               from the policy alone, never read by anyone tuning the triage. Its hash
               (corpus13/holdout.sha256) is checked, and this module prints only ids, labels
               and the aggregate scores, never a case's text. It must reach 90%. Until corpus13
               is committed its tests skip. Every run of it is recorded in corpus13/README.md.

A case is CORRECT when
  - the decision equals `expect.decision`;
  - every clause of `expect.clauses` is cited: among the decision's clauses or, for a
    `needs-review` answer, among its candidate clauses (citing more is not an error);
  - `business_hours_only` and `requires_access_grant` equal the expectation where the case
    states them (an absent flag is not checked);
  - (regression cases only) `expect.rule`, where given, names the scope rule that decided.

`make test` prints, for each set: accuracy, accuracy per language and per expected decision,
the confusion matrix of the five decisions, and the ids of the cases missed with the reason.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from arcsupport.engine.triage import (
    ClusterContext,
    TriageDecision,
    cluster_for_triage,
    parse_case,
    triage,
)
from arcsupport.sources.known_issues import builtin_known_issues
from arcsupport.sources.read import read_snapshot
from arcsupport.textanalysis import korean_morphology
from helpers import DATA, EXAMPLES, at, default_pack

TRIAGE = DATA / "triage"
HELD_OUT = TRIAGE / "corpus13"
PARTS: dict[str, tuple[Path, ...]] = {
    "development": (
        TRIAGE / "corpus" / "tune.yaml",
        TRIAGE / "corpus" / "holdout.yaml",
        TRIAGE / "corpus" / "extra.yaml",
        TRIAGE / "corpus2" / "holdout.yaml",
        TRIAGE / "corpus3" / "holdout.yaml",
        TRIAGE / "corpus4" / "holdout.yaml",
        TRIAGE / "corpus6" / "holdout.yaml",
        TRIAGE / "corpus7" / "holdout.yaml",
        TRIAGE / "corpus8" / "holdout.yaml",
        TRIAGE / "corpus9" / "holdout.yaml",
        TRIAGE / "corpus5" / "holdout.yaml",
        TRIAGE / "corpus10" / "holdout.yaml",
        TRIAGE / "corpus11" / "holdout.yaml",
        TRIAGE / "corpus12" / "holdout.yaml",
        TRIAGE / "corpus14" / "holdout.yaml",
    ),
    "regression": (TRIAGE / "cases.yaml",),
    "held-out": (HELD_OUT / "holdout.yaml",),
}
DAY = "2025-09-15"  # the corpus states every case as of this day
DECISIONS = ("in-scope", "best-effort", "out-of-scope", "upgrade-first", "needs-review")
FLAGS = ("business_hours_only", "requires_access_grant")
CASE_FIELDS = ("title", "description", "components", "preview_feature")
MIN_HELD_OUT_ACCURACY = 0.9  # issue 11's bar
# corpus13's first run (its README's table of runs): a change may not score below it.
HELD_OUT_FIRST_RUN = 0.90
held_out_committed = pytest.mark.skipif(
    not (HELD_OUT / "holdout.yaml").is_file(), reason="corpus13 not yet committed"
)


@cache
def cluster(name: str) -> ClusterContext:
    return cluster_for_triage(
        read_snapshot(EXAMPLES / name), default_pack(), at(DAY), builtin_known_issues()
    )


def decide(entry: dict[str, Any]) -> TriageDecision:
    fields = {name: entry[name] for name in CASE_FIELDS if name in entry}
    case = parse_case(fields, entry["id"])
    bundle = entry.get("bundle")
    if bundle is None:
        return triage(case, default_pack(), morphology=korean_morphology(), at=at(DAY))
    context = cluster(bundle)
    return triage(
        case,
        default_pack(),
        morphology=korean_morphology(),
        at=at(DAY),
        assessment=context.assessment,
        plan=context.plan,
        known_issues=context.known_issues,
    )


def cited(result: TriageDecision) -> set[str]:
    if result.decision == "needs-review":
        return {clause for candidate in result.candidates for clause in candidate.clauses}
    return set(result.clauses)


def problems(entry: dict[str, Any], result: TriageDecision) -> list[str]:
    """Why the answer is not correct (the definition in this module's docstring); [] when it is."""
    expect = entry["expect"]
    found = []
    if result.decision != expect["decision"]:
        found.append(f"decided {result.decision}")
    missing = [clause for clause in expect.get("clauses", []) if clause not in cited(result)]
    if missing:
        found.append(f"does not cite {', '.join(missing)}")
    if "rule" in expect and result.rule != expect["rule"]:
        found.append(f"rule {result.rule}")
    for flag in FLAGS:
        if flag in expect and getattr(result, flag) != expect[flag]:
            found.append(f"{flag} {getattr(result, flag)}")
    return found


@dataclass(frozen=True)
class Score:
    part: str
    cases: int
    wrong: dict[str, list[str]]  # case id -> what is wrong
    confusion: Counter[tuple[str, str]]  # (expected, decided)
    by_language: dict[str, tuple[int, int]]  # language -> (right, total)
    by_decision: dict[str, tuple[int, int]]  # expected decision -> (right, total)

    @property
    def right(self) -> int:
        return self.cases - len(self.wrong)

    @property
    def accuracy(self) -> float:
        return self.right / self.cases

    def report(self) -> str:
        def ratio(right: int, total: int) -> str:
            return f"{right}/{total} ({right / total:.0%})" if total else "0/0"

        languages = " · ".join(
            f"{language} {ratio(*counts)}" for language, counts in self.by_language.items()
        )
        lines = [
            f"triage {self.part}: {ratio(self.right, self.cases)} correct · {languages}",
            "  per expected decision: "
            + " · ".join(
                f"{decision} {ratio(*self.by_decision[decision])}"
                for decision in DECISIONS
                if self.by_decision[decision][1]
            ),
        ]
        width = max(map(len, DECISIONS)) + 2
        header = "expected / decided"
        lines.append(f"  {header:<20}" + "".join(f"{name:>{width}}" for name in DECISIONS))
        for expected in DECISIONS:
            counts = "".join(f"{self.confusion[(expected, got)]:>{width}}" for got in DECISIONS)
            lines.append(f"  {expected:<20}{counts}")
        lines += [f"  miss {case_id}: {'; '.join(why)}" for case_id, why in self.wrong.items()]
        return "\n".join(lines)


def cases(part: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = []
    for path in PARTS[part]:
        loaded += yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return loaded


_HELD_OUT_PREFIX = re.compile(r"h\d+-")


def _language(case_id: str) -> str:
    """en or ko: the corpora's ids start with it (en-0001), the held-out sets' after their
    prefix (h2-en-001, h3-ko-001)."""
    return _HELD_OUT_PREFIX.sub("", case_id, count=1)[:2]


@cache
def score(part: str) -> Score:
    entries = cases(part)
    wrong: dict[str, list[str]] = {}
    confusion: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    rights: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        result = decide(entry)
        expected = entry["expect"]["decision"]
        confusion[(expected, result.decision)] += 1
        language = _language(entry["id"])
        found = problems(entry, result)
        if found:
            wrong[entry["id"]] = found
        for key in (("language", language), ("decision", expected)):
            totals[key] += 1
            rights[key] += not found
    languages = sorted({key for kind, key in totals if kind == "language"})
    return Score(
        part,
        len(entries),
        wrong,
        confusion,
        {lang: (rights[("language", lang)], totals[("language", lang)]) for lang in languages},
        {d: (rights[("decision", d)], totals[("decision", d)]) for d in DECISIONS},
    )


@held_out_committed
def test_the_held_out_set_is_the_frozen_file() -> None:
    digest, name = (HELD_OUT / "holdout.sha256").read_text().split()
    assert name == "holdout.yaml"
    assert hashlib.sha256((HELD_OUT / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize(
    "part", ["development", pytest.param("held-out", marks=held_out_committed)]
)
def test_the_corpora_are_labelled_with_known_decisions_and_clauses(part: str) -> None:
    clauses = default_pack().clauses
    ids: list[str] = []
    for entry in cases(part):
        ids.append(entry["id"])
        assert _language(entry["id"]) in ("en", "ko"), entry["id"]
        assert entry["expect"]["decision"] in DECISIONS, entry["id"]
        assert set(entry["expect"].get("clauses", [])) <= set(clauses), entry["id"]
        assert entry.get("bundle") is None or (EXAMPLES / entry["bundle"]).is_dir()
    assert len(ids) == len(set(ids)) >= 100
    english = sum(_language(case_id) == "en" for case_id in ids)
    assert english * 2 == len(ids)


def test_development_score(record_property: Any) -> None:
    result = score("development")
    # conftest.py prints it after the run, where `make test` shows it.
    record_property("summary", result.report())


@held_out_committed
def test_held_out_score(record_property: Any) -> None:
    record_property("summary", score("held-out").report())


@held_out_committed
def test_held_out_keeps_its_first_run() -> None:
    """No change may score below corpus13's first recorded run."""
    assert score("held-out").accuracy >= HELD_OUT_FIRST_RUN


# corpus13's first run met the bar, 90/100 (corpus13/README.md, "Runs").
@held_out_committed
def test_held_out_meets_the_bar() -> None:
    assert score("held-out").accuracy >= MIN_HELD_OUT_ACCURACY


def test_regression_cases_all_pass(record_property: Any) -> None:
    result = score("regression")
    record_property("summary", result.report())
    assert not result.wrong
