"""Human formats cut a value longer than MAX_TEXT characters, with an ellipsis and the original
length, in time that does not grow with the value; JSON keeps every value whole. A 10 MB
feature-gate name took 26 s to draw as a table, 50 MB did not finish."""

from __future__ import annotations

import json
import re
import time

import pytest

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import LANGS, Lang
from arcsupport.report.clip import MAX_TEXT, clip, clip_strings
from arcsupport.report.formats import ReportFormat, render_document
from arcsupport.report.table import render_assessment, render_fleet
from arcsupport.report.terminal import draw
from arcsupport.snapshot.model import FeatureGateState, MetricsFacts
from helpers import default_pack, make_snapshot, node, reference_json, run_assess

HUGE = 50 * 1024 * 1024
MARKER = {"en": "… (52,428,800 characters in all)", "ko": "… (전체 52,428,800자)"}


@pytest.fixture(scope="module")
def huge_gate() -> Assessment:
    """A bundle whose API server reports an enabled alpha gate with a 50 MB name."""
    name = "G" * HUGE
    snapshot = make_snapshot(
        version=reference_json("k8s/examples/sonobuoy-serverversion.json"),
        nodes=[node("moc-a")],
        metrics=MetricsFacts(
            feature_gates=(FeatureGateState(name=name, stage="ALPHA", enabled=True),),
            deprecated_api_requests=(),
        ),
    )
    assessment = run_assess(snapshot, "2025-09-15")
    assert any(name in str(finding.message.args) for finding in assessment.findings)
    return assessment


def test_clip_keeps_short_values_and_cuts_long_ones() -> None:
    assert clip("x" * MAX_TEXT, "en") == "x" * MAX_TEXT
    assert clip("x" * (MAX_TEXT + 1), "en") == "x" * MAX_TEXT + "… (2,001 characters in all)"
    assert clip("가" * 3000, "ko") == "가" * MAX_TEXT + "… (전체 3,000자)"


def test_clip_strings_rebuilds_only_what_it_cuts(huge_gate: Assessment) -> None:
    short = run_assess(make_snapshot(nodes=[node("moc-a")]), "2025-09-15")
    assert clip_strings(short, "en") is short
    cut = clip_strings(huge_gate, "en")
    assert cut is not huge_gate
    assert cut.operations is not huge_gate.operations or cut.findings is not huge_gate.findings
    assert max(len(str(value)) for f in cut.findings for value in f.message.args.values()) < 3000


def longest_line(rendered: str) -> int:
    return max(len(line) for line in rendered.splitlines())


@pytest.mark.parametrize("lang", LANGS)
def test_every_human_format_cuts_it(
    huge_gate: Assessment, lang: Lang, record_property: pytest.RecordProperty
) -> None:
    timings = {}
    started = time.perf_counter()
    table = draw(render_assessment(huge_gate, lang))
    timings["table"] = time.perf_counter() - started
    assert MARKER[lang] in table.replace("\n", "")  # wrapped at 80 columns
    assert len(table) < 100_000

    outputs = {}
    for fmt in (ReportFormat.markdown, ReportFormat.html, ReportFormat.junit, ReportFormat.ical):
        started = time.perf_counter()
        rendered = render_document(fmt, [huge_gate], default_pack(), lang, "info", fleet=False)
        timings[fmt.value] = time.perf_counter() - started
        outputs[fmt.value] = rendered.decode() if isinstance(rendered, bytes) else rendered
    for fmt in ("markdown", "html", "junit"):
        assert MARKER[lang] in outputs[fmt], fmt
        assert len(outputs[fmt]) < 200_000, fmt
    # The gate's name is in no deadline: the calendar only had to stay small.
    assert len(outputs["ical"]) < 200_000
    record_property(
        "summary",
        f"50 MB value, {lang}: "
        + ", ".join(f"{name} {took:.2f} s" for name, took in timings.items()),
    )


def test_the_fleet_table_cuts_the_cluster_name(huge_gate: Assessment) -> None:
    import msgspec

    named = msgspec.structs.replace(huge_gate, cluster_name="c" * (MAX_TEXT * 3))
    table = draw(render_fleet([named], "en"))
    # Folded into its narrow column, between the other columns' lines.
    assert sum(len(run) for run in re.findall("c{4,}", table)) == MAX_TEXT
    assert "characters" in table


def test_machine_formats_keep_the_whole_value(huge_gate: Assessment) -> None:
    document = json.loads(
        render_document(ReportFormat.json, [huge_gate], default_pack(), "en", "info", fleet=False)
    )
    titles = [finding["message"] for finding in document["findings"]]
    assert any(re.search(f"G{{{HUGE}}}", title) for title in titles)
