"""`arcsupport gate OPERATION SOURCE`: the assessment's own decision for one operation, with
its clauses and reasons; exit 0 for allow and warn (the warnings printed), 1 for block, 2 for
bad input.

The goldens in tests/golden/cli/ change whenever a rule or a message changes. Look at the
diff, then rewrite them with:

    .venv/bin/pytest tests/engine/test_gate.py --update-goldens
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from rich.cells import cell_len

from arcsupport.engine.assess import assess
from arcsupport.engine.gate import preflight
from arcsupport.report.documents.gate import gate_document
from arcsupport.sources.read import read_snapshot
from arcsupport.types import OPERATIONS
from helpers import GOLDEN, ROOT, assert_golden, at, default_pack

EXAMPLES = Path("examples")  # relative to ROOT: the outputs name their source
GOLDEN = GOLDEN / "cli"
WHEN = "2025-09-15"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NAMES = sorted(
    path.name for path in (ROOT / EXAMPLES).iterdir() if (path / "manifest.json").is_file()
)


def gate(arcsupport: Any, operation: str, name: str, *extra: str) -> tuple[int, str, str]:
    result: tuple[int, str, str] = arcsupport(
        "gate", operation, str(EXAMPLES / name), "--at", WHEN, *extra
    )
    return result


def test_the_five_operations_are_the_assessments() -> None:
    assert OPERATIONS == ("upgrade", "update-os", "scale", "create-nodepool", "create-vm")


# --- exit codes ----------------------------------------------------------------------------------


def test_allow_exits_0_and_says_no_clause_limits_it(arcsupport: Any) -> None:
    code, out, err = gate(arcsupport, "create-vm", "deprecated-version")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "create-vm on contoso-deprecated (as of 2025-09-15): ALLOW"
    assert "No clause limits this operation." in out


@pytest.mark.parametrize("operation", OPERATIONS)
def test_what_cannot_be_told_fails_closed(arcsupport: Any, operation: str) -> None:
    """The empty example lacks the version and every sign of AKS Arc: every operation is
    blocked, exit 1, with what is missing as the reasons."""
    code, out, _ = gate(arcsupport, operation, "empty", "-o", "json")
    document = json.loads(out)
    assert (code, document["decision"], document["verdict"]) == (1, "block", "undetermined")
    assert document["reasons"][:2] == [
        "the cluster's Kubernetes version is unknown: blocked until it is known",
        "nothing shows whether this is an AKS Arc cluster: blocked until it is known",
    ]


def test_a_cluster_that_is_not_aks_arc_is_not_judged(arcsupport: Any) -> None:
    code, out, _ = gate(arcsupport, "upgrade", "k3s", "-o", "json")
    document = json.loads(out)
    assert (code, document["decision"], document["verdict"]) == (0, "warn", "not-applicable")
    assert document["clauses"] == []
    assert document["reasons"] == [
        "not an AKS Arc cluster: the AKS Arc support policy does not judge this operation"
    ]


def test_warn_exits_0_with_the_warnings_printed(arcsupport: Any) -> None:
    code, out, err = gate(arcsupport, "upgrade", "deprecated-version")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith(": WARN")
    assert "  - Kubernetes 1.28 is deprecated" in lines
    assert "  - upgrade to the newest release is required" in lines
    assert lines[-1] == "  VER-3, VER-4"


def test_block_exits_1(arcsupport: Any) -> None:
    code, out, err = gate(arcsupport, "create-nodepool", "deprecated-version")
    assert (code, err) == (1, "")
    assert out.splitlines()[0].endswith(": BLOCK")
    assert "VER-8, VER-9" in out
    code, out, _ = gate(arcsupport, "create-vm", "disconnected-40d")
    assert code == 1
    assert "CONN-3" in out


def test_a_wrapped_reason_keeps_its_indent(arcsupport: Any) -> None:
    _, out, _ = gate(arcsupport, "create-nodepool", "deprecated-version")
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "does not ship Kubernetes 1.28" in line)
    assert lines[first].startswith("  - ")
    assert lines[first + 1].startswith("    1.3"), "the continuation is indented under the text"
    for line in lines:
        assert cell_len(line) <= 80


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["gate", "upgrade", "examples/nowhere", "--at", WHEN], ("nowhere", "no such")),
        (["gate", "reboot", "examples/healthy", "--at", WHEN], ("reboot",)),
        (["gate", "upgrade", "examples/healthy", "--at", "15/09/2025"], ("--at",)),
        (["gate", "upgrade", "examples/healthy", "-o", "sarif"], ("sarif",)),
        (["gate", "upgrade"], ("Missing argument",)),
        (["gate", "scale", "examples/healthy", "--lang", "fr"], ("fr",)),
    ],
)
def test_bad_input_exits_2_with_one_line(
    arcsupport: Any, args: list[str], expected: tuple[str, ...]
) -> None:
    code, out, err = arcsupport(*args)
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("arcsupport: error: ")
    for part in expected:
        assert part in line


def test_a_malformed_bundle_exits_2(arcsupport: Any, tmp_path: Path) -> None:
    (tmp_path / "kubernetes").mkdir()
    (tmp_path / "kubernetes" / "version.json").write_text('{"gitVersion": ')
    code, out, err = arcsupport("gate", "upgrade", str(tmp_path), "--at", WHEN)
    assert (code, out) == (2, "")
    assert "version.json" in err and len(err.splitlines()) == 1


# --- the same decisions as `check` ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_gate_decides_as_the_assessment_does(arcsupport: Any, name: str, lang: str) -> None:
    _, out, _ = arcsupport(
        "check", str(EXAMPLES / name), "--at", WHEN, "-o", "json", "--lang", lang
    )
    operations = json.loads(out)["operations"]
    assert sorted(operations) == sorted(OPERATIONS)
    for operation in OPERATIONS:
        code, out, err = gate(arcsupport, operation, name, "-o", "json", "--lang", lang)
        assert err == ""
        decided = json.loads(out)
        expected = operations[operation]
        assert decided["decision"] == expected["decision"], (name, operation)
        assert decided["clauses"] == expected["clauses"], (name, operation)
        assert decided["reasons"] == expected["reasons"], (name, operation)
        assert code == (1 if expected["decision"] == "block" else 0)
        # And the table says the same.
        code_table, table, _ = gate(arcsupport, operation, name, "--lang", lang)
        assert code_table == code
        for reason in expected["reasons"]:
            assert reason.split()[0] in table
        if expected["clauses"]:
            # A long list of clauses wraps at 80 columns.
            assert ", ".join(expected["clauses"]) in " ".join(table.split())


def test_every_decision_occurs_over_the_examples() -> None:
    """The comparison above is only worth something if allow, warn and block all occur."""
    seen = set()
    for name in NAMES:
        assessment = assess(read_snapshot(ROOT / EXAMPLES / name), default_pack(), at(WHEN))
        for operation in OPERATIONS:
            seen.add(preflight(assessment, operation).decision)
    assert seen == {"allow", "warn", "block"}


def test_gate_json_contract(arcsupport: Any) -> None:
    code, out, _ = gate(arcsupport, "update-os", "deprecated-version", "-o", "json")
    document = json.loads(out)
    assert set(document) == {
        "schema", "cluster", "evaluated_at", "operation", "decision", "clauses", "reasons",
        "verdict", "notices",
    }  # fmt: skip
    assert document["schema"] == "arcsupport.gate/v1"
    assert document["cluster"] == "contoso-deprecated"
    assert document["evaluated_at"] == "2025-09-15T00:00:00Z"
    assert document["operation"] == "update-os"
    assert document["decision"] == "block" and code == 1
    assert document["clauses"] == ["VER-3", "VER-4"]
    assert document["verdict"] == "unsupported"
    assert document["reasons"] == [
        "Kubernetes 1.28 is deprecated",
        "Kubernetes 1.28 was removed from the release servers",
    ]
    assert document["notices"] == []  # the calendar is current on 2025-09-15


def test_gate_data_in_korean() -> None:
    assessment = assess(
        read_snapshot(ROOT / EXAMPLES / "deprecated-version"), default_pack(), at(WHEN)
    )
    english = msgspec.to_builtins(gate_document(assessment, "create-nodepool", "en"))
    korean = msgspec.to_builtins(gate_document(assessment, "create-nodepool", "ko"))
    assert {k: v for k, v in english.items() if k != "reasons"} == {
        k: v for k, v in korean.items() if k != "reasons"
    }
    assert len(korean["reasons"]) == len(english["reasons"]) == 2
    assert all(HANGUL.search(reason) for reason in korean["reasons"])


def test_korean_table(arcsupport: Any) -> None:
    code, out, _ = gate(arcsupport, "create-nodepool", "deprecated-version", "--lang", "ko")
    assert code == 1
    assert out.splitlines()[0] == "contoso-deprecated의 create-nodepool (2025-09-15 기준): 차단"
    _, allowed, _ = gate(arcsupport, "scale", "healthy", "--lang", "ko")
    assert "허용" in allowed
    assert "No clause" not in allowed


# --- goldens -------------------------------------------------------------------------------------

GOLDEN_BUNDLES = ("deprecated-version", "disconnected-40d", "stopped")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_golden(arcsupport: Any, request: pytest.FixtureRequest, lang: str) -> None:
    """Every operation on three examples, with the exit code of each."""
    parts = []
    for name in GOLDEN_BUNDLES:
        for operation in OPERATIONS:
            code, out, _ = gate(arcsupport, operation, name, "--lang", lang)
            command = f"$ arcsupport gate {operation} {EXAMPLES / name} --at {WHEN} --lang {lang}"
            parts.append(f"{command}\n{out}(exit {code})\n")
    printed = "\n".join(parts)
    golden = GOLDEN / f"gate.{lang}.txt"
    assert_golden(request, golden, printed)
