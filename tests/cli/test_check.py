"""The `arcsupport` command on small bundles: exit codes, JSON contracts, Korean, the 80-column
table, and golden outputs.

The goldens in tests/golden/ change whenever a rule or a message changes. Look at the diff,
then rewrite them with:

    .venv/bin/pytest tests/cli/test_check.py --update-goldens
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.cells import cell_len

from arcsupport.engine.assess import assess
from arcsupport.report.documents.assessment import assessment_document
from arcsupport.report.jsonout import dumps
from arcsupport.rules.registry import RULES, load_rules
from arcsupport.rules.rule import Rule
from arcsupport.schema import load_schema
from arcsupport.sources.read import read_snapshot
from helpers import GOLDEN, ROOT, assert_golden, at, default_pack, run_cli

BUNDLES = Path("tests") / "data" / "bundles"  # relative to ROOT: outputs name their source
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# (bundle, evaluation date) pairs the goldens pin.
GOLDEN_CASES = [("current", "2025-10-15"), ("removed", "2025-09-15")]
DATES = ["2025-09-15", "2025-10-15", "2026-01-15"]
SEVERITIES_AT_OR_ABOVE = {
    "unsupported": {"unsupported"},
    "warning": {"unsupported", "blocked", "warning"},
    "info": {"unsupported", "blocked", "warning", "best-effort", "out-of-scope", "info"},
}


def bundle_names() -> list[str]:
    return sorted(path.name for path in (ROOT / BUNDLES).iterdir() if path.is_dir())


@pytest.fixture
def arcsupport(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the command in-process from the repository root (not a terminal: 80 columns)."""
    monkeypatch.chdir(ROOT)

    def run(*args: str) -> tuple[int, str]:
        code, out, err = run_cli(capsys, *args)
        assert err == "", err
        return code, out

    return run


def check(arcsupport: Any, bundle: str, day: str, *extra: str) -> tuple[int, str]:
    result: tuple[int, str] = arcsupport("check", str(BUNDLES / bundle), "--at", day, *extra)
    return result


# --- exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-09-15", {"unsupported": 0, "warning": 0, "info": 1}),  # Calico: best effort
        ("2025-10-15", {"unsupported": 0, "warning": 1, "info": 1}),  # the host's release ends
        ("2026-01-15", {"unsupported": 1, "warning": 1, "info": 1}),  # the patch is out
    ],
)
def test_exit_codes_by_fail_on(arcsupport: Any, day: str, expected: dict[str, int]) -> None:
    codes = {level: check(arcsupport, "current", day, "--fail-on", level)[0] for level in expected}
    assert codes == expected
    assert check(arcsupport, "current", day)[0] == expected["unsupported"]


@pytest.mark.parametrize("day", DATES)
@pytest.mark.parametrize("level", SEVERITIES_AT_OR_ABOVE)
def test_undetermined_fails_closed_whatever_fail_on(arcsupport: Any, day: str, level: str) -> None:
    """GET /version alone: nothing says whether the cluster is AKS Arc. Once its patch is out
    of support (2026-01-15) that finding decides: unsupported comes before undetermined."""
    code, out = check(arcsupport, "version-only", day, "-o", "json", "--fail-on", level)
    document = json.loads(out)
    verdict = "unsupported" if day == "2026-01-15" else "undetermined"
    assert (code, document["verdict"]) == (1, verdict)
    assert [item["fact"] for item in document["missing"]] == ["aks-arc-identity"]


@pytest.mark.parametrize("bundle", bundle_names())
@pytest.mark.parametrize("day", DATES)
def test_exit_code_follows_the_findings(arcsupport: Any, bundle: str, day: str) -> None:
    code, out = check(arcsupport, bundle, day, "-o", "json")
    document = json.loads(out)
    severities = {finding["severity"] for finding in document["findings"]}
    undetermined = document["verdict"] == "undetermined"
    assert code == (1 if severities & SEVERITIES_AT_OR_ABOVE["unsupported"] or undetermined else 0)
    for level, failing in SEVERITIES_AT_OR_ABOVE.items():
        code, _ = check(arcsupport, bundle, day, "-o", "json", "--fail-on", level)
        assert code == (1 if severities & failing or undetermined else 0), (level, severities)


# --- JSON contracts --------------------------------------------------------------------------


@pytest.mark.parametrize("bundle", bundle_names())
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_json_output_validates_against_the_schema(arcsupport: Any, bundle: str, lang: str) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    for day in DATES:
        _, out = check(arcsupport, bundle, day, "-o", "json", "--lang", lang)
        document = json.loads(out)
        validator.validate(document)
        assert document["evaluated_at"] == f"{day}T00:00:00Z"
        assert document["source"] == str(BUNDLES / bundle)
        assert document["lang"] == lang


def test_every_bundle_and_example_validates_on_many_dates() -> None:
    """The same contract straight from the engine, over examples/ too and more dates."""
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    sources = [ROOT / BUNDLES / name for name in bundle_names()]
    if (ROOT / "examples").is_dir():
        sources += sorted(
            path for path in (ROOT / "examples").iterdir() if (path / "manifest.json").is_file()
        )
    for source in sources:
        snapshot = read_snapshot(source)
        for day in ["2024-01-15", *DATES, "2027-06-01"]:
            assessment = assess(snapshot, default_pack(), at(day))
            for lang in ("en", "ko"):
                document = json.loads(dumps(assessment_document(assessment, lang)))
                errors = [error.message for error in validator.iter_errors(document)]
                assert errors == [], f"{source.name} on {day} ({lang})"


def test_the_schema_catches_a_broken_document(arcsupport: Any) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    _, out = check(arcsupport, "removed", "2025-09-15", "-o", "json")
    document = json.loads(out)
    assert document["findings"], "the removed bundle has findings"
    document["findings"][0]["severity"] = "fatal"
    assert not validator.is_valid(document)
    document = json.loads(out)
    del document["operations"]["create-vm"]
    assert not validator.is_valid(document)


@pytest.mark.parametrize("day", ["2024-03-01", "2025-09-15", "2025-10-15", "2027-01-01"])
def test_versions_json_validates_against_its_schema(arcsupport: Any, day: str) -> None:
    code, out = arcsupport("versions", "--at", day, "-o", "json")
    assert code == 0
    document = json.loads(out)
    jsonschema.Draft202012Validator(load_schema("versions")).validate(document)
    assert document["schema"] == "arcsupport.versions/v1"
    statuses = {row["minor"]: row["status"] for row in document["versions"]}
    if day == "2025-09-15":
        assert statuses["1.28"] == "removed"
        assert statuses["1.29"] == "supported"
        assert statuses["1.32"] == "unreleased"


def test_english_and_korean_json_say_the_same(arcsupport: Any) -> None:
    def shape(document: dict[str, Any]) -> Any:
        return {
            "verdict": document["verdict"],
            "findings": [
                (f["rule"], f["clauses"], f["severity"], f["deadline"], f["evidence"])
                for f in document["findings"]
            ],
            "operations": {
                name: (op["decision"], op["clauses"], len(op["reasons"]))
                for name, op in document["operations"].items()
            },
            "deadlines": [(d["date"], d["clauses"]) for d in document["deadlines"]],
            # What a rule needs is said in the document's language, as its reasons are.
            "coverage": (
                document["coverage"]["evaluated"],
                [
                    (gap["rule"], gap["partial"], len(gap["needs"]))
                    for gap in document["coverage"]["not_evaluated"]
                ],
            ),
        }

    for bundle in bundle_names():
        for day in DATES:
            english = json.loads(check(arcsupport, bundle, day, "-o", "json")[1])
            korean = json.loads(check(arcsupport, bundle, day, "-o", "json", "--lang", "ko")[1])
            assert shape(korean) == shape(english)
            texts = [f["title"] for f in korean["findings"]] + [
                d["what"] for d in korean["deadlines"]
            ]
            texts += [need for gap in korean["coverage"]["not_evaluated"] for need in gap["needs"]]
            for text in texts:
                assert HANGUL.search(text), f"not Korean: {text!r}"


# --- the table -------------------------------------------------------------------------------


def test_korean_table(arcsupport: Any) -> None:
    _, english = check(arcsupport, "removed", "2025-09-15")
    _, korean = check(arcsupport, "removed", "2025-09-15", "--lang", "ko")
    assert "Verdict: UNSUPPORTED" in english
    assert "판정: 지원되지 않음" in korean
    assert "작업" in korean  # Operations
    assert "Verdict" not in korean


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_table_fits_80_columns(arcsupport: Any, lang: str) -> None:
    outputs = [
        check(arcsupport, bundle, day, "--lang", lang)[1]
        for bundle in bundle_names()
        for day in DATES
    ]
    outputs += [arcsupport("versions", "--at", day, "--lang", lang)[1] for day in DATES]
    outputs += [
        arcsupport("explain", item, "--lang", lang)[1]
        for item in ("VER-1", "CONN-4", "version-lifecycle")
    ]
    for output in outputs:
        assert output.strip()
        for line in output.splitlines():
            assert cell_len(line) <= 80, f"{cell_len(line)} columns: {line!r}"
            assert "\x1b[" not in line, "no colour codes when not a terminal"


def test_explain_in_both_languages(arcsupport: Any) -> None:
    _, english = arcsupport("explain", "VER-1")
    _, korean = arcsupport("explain", "ver-1", "--lang", "ko")
    assert english.startswith("Clause: VER-1")
    assert "version-lifecycle" in english  # the rules that check it
    assert HANGUL.search(korean)
    assert "VER-1" in korean
    _, rule = arcsupport("explain", "version-lifecycle")
    assert "VER-2" in rule


# --- goldens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("bundle", "day"), GOLDEN_CASES)
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("output", ["table", "json"])
def test_golden(
    arcsupport: Any, request: pytest.FixtureRequest, bundle: str, day: str, lang: str, output: str
) -> None:
    _, printed = check(arcsupport, bundle, day, "--lang", lang, "--output", output)
    golden = GOLDEN / f"{bundle}.{lang}.{'txt' if output == 'table' else 'json'}"
    assert_golden(request, golden, printed)


def test_every_declared_rule_is_in_the_registry_table_once() -> None:
    """Goldens and coverage list rules in the table's order; a rule declared with @rule but
    left out of the table would never run."""
    import importlib
    import pkgutil

    import arcsupport.rules

    declared: list[Rule] = []
    for module in pkgutil.walk_packages(arcsupport.rules.__path__, "arcsupport.rules."):
        loaded = importlib.import_module(module.name)
        declared += [value for value in vars(loaded).values() if isinstance(value, Rule)]
    table = list(RULES)
    assert len(set(map(id, table))) == len(table), "a rule is listed twice"
    assert {id(spec) for spec in declared} == {id(spec) for spec in table}
    assert list(load_rules()) == [spec.id for spec in table]
