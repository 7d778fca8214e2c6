"""The package face: `arcsupport.__all__` is the Python API, every name resolves, importing the
package stays cheap, the API gives what the CLI prints, and docs/python-api.md's script runs
and prints what the page says."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

import arcsupport
import arcsupport.api
from helpers import EXAMPLES, ROOT

WHEN = datetime(2025, 9, 15, tzinfo=UTC)


def test_the_face_is_the_api_and_every_name_resolves() -> None:
    assert set(arcsupport.__all__) == {*arcsupport.api.__all__, "__version__"}
    for name in arcsupport.__all__:
        assert getattr(arcsupport, name) is not None
    assert dir(arcsupport) == sorted(arcsupport.__all__)
    with pytest.raises(AttributeError):
        arcsupport.engine_internals  # noqa: B018


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, arcsupport, arcsupport.types; "
        "print(sorted(m for m in sys.modules if m.startswith('arcsupport.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "arcsupport.engine" not in loaded and "arcsupport.sources" not in loaded


def test_assess_and_render_match_the_command(arcsupport: Any) -> None:
    pack = arcsupport_api().load_pack()
    snapshot = arcsupport_api().load_snapshot(EXAMPLES / "deprecated-version")
    assessment = arcsupport_api().assess(snapshot, pack, at=WHEN)
    assert assessment.verdict == "unsupported"
    assert any("VER-2" in finding.clauses for finding in assessment.findings)
    _, printed, _ = arcsupport(
        "check", str(EXAMPLES / "deprecated-version"), "--at", "2025-09-15", "-o", "json"
    )
    assert arcsupport_api().render(assessment, pack, "json") == printed


def test_a_fleet_from_bundles_and_an_export() -> None:
    api = arcsupport_api()
    snapshots = api.load_snapshots([EXAMPLES / "healthy", EXAMPLES / "resource-graph-export.json"])
    # The export's k3s cluster is read like the others; the engine says it is not AKS Arc.
    assert len(snapshots) == 10
    fleet = api.assess_fleet(snapshots, api.load_pack(), at=WHEN)
    assert [a.verdict for a in fleet.assessments].count("not-applicable") == 1
    assert "cluster" in str(api.render(fleet.assessments, api.load_pack(), "csv")).lower()


def test_bad_input_raises_input_error() -> None:
    api = arcsupport_api()
    pack = api.load_pack()
    snapshot = api.load_snapshot(EXAMPLES / "healthy")
    with pytest.raises(api.InputError, match="time zone"):
        api.assess(snapshot, pack, at=datetime(2025, 9, 15))
    with pytest.raises(api.InputError, match="no such bundle"):
        api.load_snapshot(EXAMPLES / "nowhere")
    with pytest.raises(api.InputError, match="not one of"):
        api.render(api.assess(snapshot, pack, at=WHEN), pack, "pdf")


def test_the_docs_script_prints_what_the_page_says() -> None:
    page = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    script = re.findall(r"```python\n(.*?)```", page, re.S)[0]
    expected = re.findall(r"it prints:\n\n```\n(.*?)```", page, re.S)[0]
    printed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert printed == expected


def arcsupport_api() -> Any:
    """The package itself, looked up by name: the `arcsupport` fixture shadows it here."""
    return sys.modules["arcsupport"]
