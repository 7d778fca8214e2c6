"""Output formats (sarif, junit, markdown, html, ical, csv and the upgrade runbook) in English and
Korean: goldens for one cluster and for a fleet, and each format read back with its own tools.

The goldens in tests/golden/formats/ change whenever a rule, a message or a format changes.
Look at the diff, then rewrite them with:

    .venv/bin/pytest tests/report/test_formats.py --update-goldens
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import jsonschema
import pytest
from icalendar import Calendar
from junitparser import Failure, JUnitXml, Skipped
from msgspec.structs import replace
from report_cases import beyond_support, fleet, single

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import LANGS, Lang, Message, render, text
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.lifecycle.planner import ApiMigration, Plan, plan_upgrade
from arcsupport.report.csvout import COLUMNS, render_csv
from arcsupport.report.documents.assessment import sort_by_urgency
from arcsupport.report.html import render_html
from arcsupport.report.ical import render_ical
from arcsupport.report.junit import render_junit
from arcsupport.report.markdown import render_markdown, render_plan_markdown
from arcsupport.report.sarif import render_sarif
from arcsupport.rules.outcome import Evidence
from arcsupport.rules.registry import load_rules
from arcsupport.types import SEVERITY_ORDER, SEVERITY_RANK
from helpers import GOLDEN, REFERENCE, ROOT, assert_golden, default_pack, english, placeholders

GOLDEN = GOLDEN / "formats"
CATALOGS = ROOT / "src" / "arcsupport" / "i18n"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
FAIL_ON = "warning"  # the goldens' JUnit threshold

Render = Callable[[list[Assessment], Lang], str | bytes]
FORMATS: dict[str, tuple[str, Render]] = {
    "sarif": ("sarif.json", lambda items, lang: render_sarif(items, default_pack(), lang)),
    "junit": ("junit.xml", lambda items, lang: render_junit(items, lang, FAIL_ON)),
    "markdown": ("md", render_markdown),
    "html": ("html", lambda items, lang: render_html(items, default_pack(), lang)),
    "ical": ("ics", render_ical),
    "csv": ("csv", render_csv),
}
CASES: dict[str, Callable[[], list[Assessment]]] = {
    "single": lambda: [single()],
    "fleet": fleet,
    "beyond": beyond_support,
}


def _check_golden(request: pytest.FixtureRequest, name: str, produced: str | bytes) -> None:
    assert_golden(request, GOLDEN / name, produced)


def _plan() -> Plan:
    """1.28.9 on Azure Local 2408: an Azure Local update first, then three hops, with a
    FlowSchema to migrate before 1.29 (flowcontrol v1beta2 is not served from 1.29 on)."""
    flow = ApiMigration(
        "flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29",
        "flowcontrol.apiserver.k8s.io/v1", ("FlowSchema/probes", "FlowSchema/batch-jobs"),
    )  # fmt: skip
    return plan_upgrade(
        VersionCalendar(default_pack()),
        "1.28.9",
        date(2025, 9, 15),
        host_release="2408",
        removals={"1.29": [flow]},
    )


# --- goldens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("output", sorted(FORMATS))
def test_golden(request: pytest.FixtureRequest, case: str, lang: Lang, output: str) -> None:
    extension, render = FORMATS[output]
    _check_golden(request, f"{case}.{lang}.{extension}", render(CASES[case](), lang))


@pytest.mark.parametrize("lang", LANGS)
def test_golden_plan_runbook(request: pytest.FixtureRequest, lang: Lang) -> None:
    _check_golden(request, f"plan.{lang}.md", render_plan_markdown(_plan(), lang))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("output", sorted(FORMATS))
def test_every_string_comes_from_the_catalog_in_both_languages(case: str, output: str) -> None:
    _, render = FORMATS[output]
    for lang in LANGS:
        produced = render(CASES[case](), lang)
        shown = produced.decode("utf-8") if isinstance(produced, bytes) else produced
        # A key missing from a catalog is printed as the key itself.
        assert not re.search(r"\b(report|ui)\.[a-z-]+\.", shown), output
        if (output, case) == ("csv", "beyond"):
            # A CSV's only sentences are `what` and `notices`: these clusters have neither.
            assert not HANGUL.search(shown)
            continue
        assert bool(HANGUL.search(shown)) == (lang == "ko"), output


def _strings(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            found.update(_strings(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def test_report_catalogs_have_the_same_keys_andplaceholders() -> None:
    en, ko = (
        _strings(tomllib.loads((CATALOGS / lang / "report.toml").read_text(encoding="utf-8")))
        for lang in ("en", "ko")
    )
    assert sorted(en) == sorted(ko)
    for key, template in en.items():
        assert placeholders(template) == placeholders(ko[key]), key


# --- sarif -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((REFERENCE / "sarif" / "sarif-schema-2.1.0.json").read_text())
    # The schema declares draft-07 in its $schema; validate with exactly that draft.
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", LANGS)
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(
    sarif_validator: jsonschema.protocols.Validator, case: str, lang: Lang
) -> None:
    log = json.loads(render_sarif(CASES[case](), default_pack(), lang))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_maps_rules_results_locations_and_gaps() -> None:
    assessment = single()
    log = json.loads(render_sarif([assessment], default_pack(), "en"))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "arcsupport"
    rules = load_rules()
    assert [rule["id"] for rule in driver["rules"]] == list(rules)
    lifecycle = driver["rules"][list(rules).index("version-lifecycle")]
    assert lifecycle["shortDescription"]["text"] == text("en", "rule.version-lifecycle", "title")
    assert lifecycle["properties"]["clauses"] == list(rules["version-lifecycle"].clauses)
    # The help quotes each cited clause from the pack.
    assert default_pack().clauses["VER-2"].text.en in lifecycle["help"]["text"]
    assert "- **VER-2 (Service updates and releases)**: " in lifecycle["help"]["markdown"]

    assert len(run["results"]) == len(assessment.findings)
    for result, finding in zip(run["results"], assessment.findings, strict=True):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule
        assert result["properties"]["severity"] == finding.severity
        assert result["properties"]["clauses"] == list(finding.clauses)
        names = [
            logical["fullyQualifiedName"]
            for location in result["locations"]
            for logical in location["logicalLocations"]
        ]
        cluster = assessment.resource_id
        assert names == [f"{cluster}/{item.object.lstrip('/')}" for item in finding.evidence]
        assert [
            location["physicalLocation"]["artifactLocation"]["uri"]
            for location in result["locations"]
        ] == [item.source for item in finding.evidence]
        for location in result["locations"]:
            (logical,) = location["logicalLocations"]
            assert run["logicalLocations"][logical["index"]]["name"] == logical["name"]
    assert {result["level"] for result in run["results"]} == {"error", "warning", "note"}

    notifications = run["invocations"][0]["toolExecutionNotifications"]
    gaps = assessment.coverage.not_evaluated
    assert [item["associatedRule"]["id"] for item in notifications] == [gap.rule for gap in gaps]
    assert {item["level"] for item in notifications} == {"note"}
    for item, gap in zip(notifications, gaps, strict=True):
        assert item["properties"]["needs"] == list(english(gap.needs))
        assert (
            driver["notifications"][item["descriptor"]["index"]]["id"] == item["descriptor"]["id"]
        )
        assert driver["rules"][item["associatedRule"]["index"]]["id"] == gap.rule
        assert item["locations"] == [{"logicalLocations": [{"index": 0}]}]  # the cluster
    assert run["logicalLocations"][0]["properties"]["verdict"] == "unsupported"
    assert run["properties"]["evaluated_at"] == "2025-09-15T00:00:00Z"


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("unsupported", "error"),
        ("blocked", "warning"),
        ("warning", "warning"),
        ("best-effort", "note"),
        ("out-of-scope", "note"),
        ("info", "note"),
    ],
)
def test_sarif_level_of_each_severity(severity: str, level: str) -> None:
    base = single()
    finding = replace(base.findings[0], severity=severity)
    log = json.loads(render_sarif([replace(base, findings=(finding,))], default_pack(), "en"))
    assert log["runs"][0]["results"][0]["level"] == level


def test_sarif_fleet_is_one_run_with_its_clusters_by_urgency() -> None:
    """GitHub takes at most 20 runs a file, and one category per run (tests/report/test_sarif.py
    holds the whole of what it documents)."""
    log = json.loads(render_sarif(fleet(), default_pack(), "ko"))
    (run,) = log["runs"]
    clusters = [entry["name"] for entry in run["logicalLocations"] if "parentIndex" not in entry]
    assert clusters == ["edge-seoul-01", "plant-busan-02", "lab-daejeon-03"]
    named = [result["properties"]["cluster"]["name"] for result in run["results"]]
    assert named == sorted(named, key=clusters.index)
    assert "automationDetails" not in run
    assert HANGUL.search(run["tool"]["driver"]["rules"][0]["shortDescription"]["text"])


# --- junit -----------------------------------------------------------------------------------


def _expected_failures(assessment: Assessment, fail_on: str) -> set[str]:
    return {
        finding.rule
        for finding in assessment.findings
        if SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]
    }


@pytest.mark.parametrize("fail_on", ["unsupported", "warning", "info"])
def test_junit_reads_back_with_failures_and_skips_per_rule(fail_on: str) -> None:
    assessments = fleet()
    xml = JUnitXml.fromstring(render_junit(assessments, "en", fail_on).encode("utf-8"))
    suites = list(xml)
    assert [suite.name for suite in suites] == [
        a.cluster_name for a in sort_by_urgency(assessments)
    ]
    rules = list(load_rules())
    for suite, assessment in zip(suites, sort_by_urgency(assessments), strict=True):
        cases = {case.name: case for case in suite}
        assert list(cases) == rules
        failed = {name for name, case in cases.items() if case.is_failure}
        skipped = {name for name, case in cases.items() if case.is_skipped}
        assert failed == _expected_failures(assessment, fail_on)
        gaps = {gap.rule: gap for gap in assessment.coverage.not_evaluated if not gap.partial}
        assert skipped == set(gaps)
        assert suite.failures == len(failed) and suite.skipped == len(skipped)
        assert suite.tests == len(rules)
        for name in skipped:
            (result,) = cases[name].result
            assert isinstance(result, Skipped)
            assert english(gaps[name].needs)[0] in (result.message or "")
        for name in failed:
            (result,) = cases[name].result
            assert isinstance(result, Failure)
            assert result.type in SEVERITY_ORDER
            assert "SVP-1" in (result.text or "") or name != "version-skew"
    assert xml.failures == sum(len(_expected_failures(a, fail_on)) for a in assessments)


def test_junit_findings_below_the_threshold_go_to_system_out() -> None:
    xml = JUnitXml.fromstring(render_junit([single()], "ko", "unsupported").encode("utf-8"))
    (suite,) = list(xml)
    cases = {case.name: case for case in suite}
    assert cases["node-image-age"].is_passed
    assert "NODE-C-1" in (cases["node-image-age"].system_out or "")
    assert HANGUL.search(cases["subscription"].system_out or "")
    skew = cases["version-skew"]
    assert skew.is_failure
    # The warning-level skew finding is not part of the failure at --fail-on unsupported.
    assert "1.26" not in (skew.result[0].message or "")
    assert "1.26" in (skew.system_out or "")


def test_junit_refuses_an_unknown_threshold() -> None:
    with pytest.raises(ValueError, match="fail_on must be one of"):
        render_junit([single()], "en", "critical")


# --- ical ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_ical_reads_back_with_one_event_and_alarm_per_deadline(lang: Lang) -> None:
    assessments = fleet()
    calendar = Calendar.from_ical(render_ical(assessments, lang))
    events = calendar.walk("VEVENT")
    assert len(events) == sum(len(a.deadlines) for a in assessments)
    assert len(calendar.walk("VALARM")) == len(events)
    expected = [
        (a.cluster_name, deadline.date)
        for a in sort_by_urgency(assessments)
        for deadline in a.deadlines
    ]
    assert [
        (str(event["SUMMARY"]).split(":")[0], event.decoded("DTSTART")) for event in events
    ] == expected
    for event in events:
        assert event.decoded("DTSTAMP") == assessments[0].evaluated_at
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(days=-14)
        assert text(lang, "report.label.clauses") in str(event["DESCRIPTION"])
    assert len({str(event["UID"]) for event in events}) == len(events)


def test_ical_uids_are_stable_across_languages_and_runs() -> None:
    def uids(lang: Lang) -> list[str]:
        return [
            str(event["UID"])
            for event in Calendar.from_ical(render_ical(fleet(), lang)).walk("VEVENT")
        ]

    assert uids("en") == uids("ko") == uids("en")


# --- csv -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_csv_reads_back_one_row_per_cluster_by_urgency(lang: Lang) -> None:
    assessments = fleet()
    data = render_csv(assessments, lang).encode("utf-8")
    # As Python reads a CSV from Excel or for Excel: the BOM is not part of the first header.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header == list(COLUMNS)
    assert header[:7] == [
        "cluster", "resource_id", "kubernetes_version", "verdict", "evaluated_at",
        "nearest_deadline", "what",
    ]  # fmt: skip
    assert header[-2:] == ["clauses", "notices"]
    assert [row[0] for row in body] == ["edge-seoul-01", "plant-busan-02", "lab-daejeon-03"]
    by_name = {a.cluster_name: a for a in assessments}
    for row in body:
        record = dict(zip(header, row, strict=True))
        assessment = by_name[record["cluster"]]
        assert record["resource_id"] == assessment.resource_id
        # The contract's values in every language: a machine format does not translate.
        assert record["verdict"] == assessment.verdict
        assert record["evaluated_at"] == "2025-09-15T00:00:00Z"
        nearest = assessment.deadlines[0].date.isoformat() if assessment.deadlines else ""
        assert record["nearest_deadline"] == nearest
        counts = [int(record[severity.replace("-", "_")]) for severity in SEVERITY_ORDER]
        assert sum(counts) == len(assessment.findings)
        cited = record["clauses"].split()
        assert all(clause in cited for f in assessment.findings for clause in f.clauses)
        assert record["notices"] == " | ".join(
            render(lang, notice) for notice in assessment.notices
        )
    assert {row[3] for row in body} <= {"supported", "at-risk", "unsupported"}
    assert "at-risk" in {row[3] for row in body}


def test_csv_opens_in_excel_with_korean_text() -> None:
    """Excel takes a CSV as UTF-8 only when it begins with a byte order mark; without one it
    reads the Windows code page and the Korean turns into mojibake."""
    data = render_csv(fleet(), "ko").encode("utf-8")
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1
    text_read = data.decode("utf-8-sig")
    assert HANGUL.search(text_read)  # the deadline descriptions are in Korean
    rows = list(csv.DictReader(io.StringIO(text_read, newline="")))
    assert rows[0]["cluster"] == "edge-seoul-01"
    # A reader that ignores the BOM sees it glued to the first header, and nowhere else.
    plain = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert plain[0][0] == "\ufeffcluster"


# --- markdown --------------------------------------------------------------------------------


def test_markdown_keeps_cluster_data_from_becoming_markup() -> None:
    base = single()
    hostile = Evidence(
        "Node/<img src=x>",
        "metadata.name",
        "[click](javascript:alert`1`)|x",
        base.findings[0].evidence[0].provenance,
        "nodes.json",
    )
    finding = replace(base.findings[0], evidence=(hostile,))
    shown = render_markdown(
        [replace(base, cluster_name="*bold* [x](y)", findings=(finding,))], "en"
    )
    assert "<img" not in shown.replace("`Node/<img src=x>`", "")
    assert "``[click](javascript:alert`1`)|x``" in shown
    assert "\\*bold\\* \\[x\\](y)" in shown


def test_markdown_fleet_summary_then_each_cluster() -> None:
    shown = render_markdown(fleet(), "en")
    order = [
        shown.index(f"## arcsupport report: {name}")
        for name in ("edge-seoul-01", "plant-busan-02", "lab-daejeon-03")
    ]
    assert order == sorted(order)
    summary = shown[: order[0]]
    assert "| 1 | `edge-seoul-01` |" in summary and "| 3 | `lab-daejeon-03` |" in summary


def test_plan_runbook_has_numbered_steps_with_the_exact_commands() -> None:
    shown = render_plan_markdown(_plan(), "en")
    steps = re.findall(r"^### (\d+)\. (.+)$", shown, flags=re.MULTILINE)
    assert steps == [
        ("1", "Update Azure Local to 2509"),
        ("2", "Upgrade Kubernetes to 1.29.13"),
        ("3", "Upgrade Kubernetes to 1.30.9"),
        ("4", "Upgrade Kubernetes to 1.31.5"),
    ]
    for version in ("1.29.13", "1.30.9", "1.31.5"):
        assert (
            'az aksarc upgrade --resource-group "$RESOURCE_GROUP" --name "$CLUSTER_NAME" '
            f"--kubernetes-version {version}\n"
        ) in shown
    # The FlowSchemas are due before the hop to 1.29, not later.
    migrate = shown.index("`FlowSchema/probes`")
    assert shown.index("### 2.") < migrate < shown.index("### 3.")
    assert "supported until 2026-08-01" in shown


def test_plan_runbook_says_when_minors_are_skipped_and_when_no_step_is_needed() -> None:
    calendar = VersionCalendar(default_pack())
    back = plan_upgrade(calendar, "1.26.10", date(2025, 11, 1), host_release="2411")
    assert "passes over Kubernetes 1.27, 1.28, 1.29" in render_plan_markdown(back, "en")
    assert "1.27, 1.28, 1.29를 건너뜁니다" in render_plan_markdown(back, "ko")
    current = plan_upgrade(
        calendar, "1.31.5", date(2025, 9, 15), target="1.31", host_release="2509"
    )
    assert "No step is needed" in render_plan_markdown(current, "en")


# --- html ------------------------------------------------------------------------------------

_URL = re.compile(r"https?://")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", LANGS)
def test_html_is_self_contained(case: str, lang: Lang) -> None:
    shown = render_html(CASES[case](), default_pack(), lang)
    assert not _URL.search(shown)
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", shown)
    assert "url(" not in shown and "@import" not in shown
    assert f'<html lang="{lang}">' in shown
    # No support timeline for a cluster the policy does not judge.
    judged = [a for a in CASES[case]() if a.verdict != "not-applicable"]
    assert shown.count('<svg class="timeline"') == len(judged)


def test_html_escapes_cluster_data_and_keeps_its_urls_as_text() -> None:
    base = single()
    url = "https://registry.example/app:1"
    finding = replace(
        base.findings[0], evidence=(replace(base.findings[0].evidence[0], value=url),)
    )
    hostile = replace(base, cluster_name="<script>alert(1)</script>", findings=(finding,))
    shown = render_html([hostile], default_pack(), "en")
    assert "<script" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    # The only URL is the evidence value, shown as text, never as a reference.
    assert [match.start() for match in _URL.finditer(shown)] == [
        match.start() for match in re.finditer(re.escape(url), shown)
    ]
    assert not re.search(r"(href|src)=\"https?:", shown)


def test_html_timeline_marks_each_deadline_and_today() -> None:
    assessment = single()
    shown = render_html([assessment], default_pack(), "en")
    svg = shown[shown.index('<svg class="timeline"') : shown.index("</svg>")]
    assert svg.count('class="marker"') == len(assessment.deadlines)
    assert 'class="today"' in svg and "today 2025-09-15" in svg
    assert "1.29 (this cluster)" in svg
    assert 'class="bar supported own"' in svg


def test_notices_reach_every_reader() -> None:
    notice = Message(
        "engine.notice.stale-policy-data", {"days": 200, "as_of": "2025-11-19", "limit": 120}
    )
    noted = [replace(single(), notices=(notice,))]
    shown = text("en", notice.key, **notice.args)
    log = json.loads(render_sarif(noted, default_pack(), "en"))
    (configuration,) = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert configuration["message"]["text"] == shown
    assert configuration["level"] == "warning"
    assert shown.replace("`", "") in render_markdown(noted, "en").replace("`", "")
    assert "200 days old" in render_html(noted, default_pack(), "en")


def test_every_format_carries_the_stale_calendar_notice() -> None:
    """The pack's data is more than 120 days old on this date: every report must say so."""
    from arcsupport.report.csvout import render_csv
    from arcsupport.report.ical import render_ical
    from arcsupport.report.junit import render_junit
    from helpers import aks_arc_connected, make_snapshot, run_assess

    # A Windows Server host still has a deadline ahead then, so the calendar has an event.
    late = run_assess(
        make_snapshot(
            version={"gitVersion": "v1.31.5"},
            connected_cluster=aks_arc_connected(),
            facts={"host_platform": {"kind": "windows-server", "version": "2022"}},
        ),
        "2026-11-27",
    )
    assert late.notices
    needle = "The policy calendar is"
    assert needle in render_csv([late], "en")
    assert needle in render_junit([late], "en", "unsupported")
    assert needle in render_ical([late], "en").decode().replace("\r\n ", "")


# --- the verdicts that judge no support, and the verdicts reached as far as checked ----------


def _shown(output: str, assessments: list[Assessment], lang: Lang) -> str:
    """The text a reader of the format sees: HTML unescaped, iCalendar's events' texts."""
    produced = FORMATS[output][1](assessments, lang)
    if output == "ical":
        events = Calendar.from_ical(produced).walk("VEVENT")
        return "\n".join(f"{event['SUMMARY']}\n{event['DESCRIPTION']}" for event in events)
    shown = produced.decode("utf-8") if isinstance(produced, bytes) else produced
    return html.unescape(shown) if output == "html" else shown


def _sarif_clusters(shown: str) -> list[dict[str, Any]]:
    """The properties of each cluster: its logical location (one run holds the fleet)."""
    (run,) = json.loads(shown)["runs"]
    return [entry["properties"] for entry in run["logicalLocations"] if "parentIndex" not in entry]


@pytest.mark.parametrize("output", sorted(FORMATS))
@pytest.mark.parametrize("lang", LANGS)
def test_every_format_shows_undetermined_and_says_what_is_missing(output: str, lang: Lang) -> None:
    undetermined = [a for a in beyond_support() if a.verdict == "undetermined"]
    shown = _shown(output, undetermined, lang)
    if output == "ical":  # a calendar of dates: one event on the evaluation date
        assert text(lang, "report.ical.undetermined", cluster="edge-jeju-05") in shown
    elif output == "sarif":
        (cluster,) = _sarif_clusters(shown)
        assert cluster["verdict"] == "undetermined"
        assert [item["fact"] for item in cluster["missing"]] == ["kubernetes-version"]
        return
    elif output == "csv":  # a machine format: the contract's value in every language
        assert ",undetermined," in shown
    else:
        assert text(lang, "ui.verdict.undetermined") in shown, output
    if output != "csv":  # one row per cluster: the verdict only
        first_words = text(lang, "engine.missing.kubernetes-version").split(".")[0]
        assert first_words in shown.replace("\\", ""), output


@pytest.mark.parametrize("output", sorted(FORMATS))
@pytest.mark.parametrize("lang", LANGS)
def test_every_format_shows_not_applicable(output: str, lang: Lang) -> None:
    k3s = [a for a in beyond_support() if a.verdict == "not-applicable"]
    shown = _shown(output, k3s, lang)
    if output == "ical":
        # A calendar of deadlines: a cluster the policy does not judge has none.
        assert shown == ""
    elif output == "sarif":
        (cluster,) = _sarif_clusters(shown)
        assert cluster["verdict"] == "not-applicable"
        assert cluster["identity"]["aks_arc"] is False
        assert json.loads(shown)["runs"][0]["results"] == []
    elif output == "csv":
        assert ",not-applicable," in shown
    else:
        assert text(lang, "ui.verdict.not-applicable") in shown, output
    if output in ("markdown", "html", "junit"):  # with the signals that decided it
        assert "properties.distribution" in shown and "k3s" in shown, output


def test_junit_fails_an_undetermined_cluster_and_skips_every_rule_of_one_not_judged() -> None:
    xml = JUnitXml.fromstring(render_junit(beyond_support(), "en", "unsupported").encode("utf-8"))
    suites = {suite.name: suite for suite in xml}
    undetermined = {case.name: case for case in suites["edge-jeju-05"]}
    assert undetermined["verdict"].is_failure, "fails closed whatever --fail-on"
    assert undetermined["verdict"].result[0].type == "undetermined"
    k3s = list(suites["lab-k3s-01"])
    assert [case.name for case in k3s] == list(load_rules())
    assert all(case.is_skipped for case in k3s)
    assert "Not an AKS Arc cluster" in (k3s[0].result[0].message or "")


def test_a_verdict_reached_while_rules_could_not_run_says_so() -> None:
    """Never a bare "supported" over missing evidence: lab-daejeon-03 has no connectivity data."""
    [supported] = [a for a in fleet() if a.verdict == "supported"]
    assert not supported.complete
    for lang in LANGS:
        qualifier = text(lang, "ui.incomplete.qualifier", gaps="")
        for output in ("markdown", "html"):
            assert qualifier in _shown(output, [supported], lang), (output, lang)
    assert "as far as checked: " in _shown("junit", [supported], "en")
    markdown = render_markdown(fleet(), "en")
    assert "🟢 supported\\* |" in markdown  # starred in the fleet table
    assert "\\* as far as checked" in markdown
