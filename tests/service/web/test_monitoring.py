"""The Grafana dashboard and the Prometheus alert rules in deploy/: promtool checks the rules and
runs their unit tests, and every metric and label they name exists in a real /metrics scrape of
the service (parsed by prometheus_client's own parser), with the values the API shows.

promtool comes from Debian's `prometheus` package (.ci/run installs it); without it the
promtool tests skip locally and fail under CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dashboard_kit import Fleet
from prometheus_client.parser import text_string_to_metric_families
from service_kit import auth

from arcsupport.types import VERDICTS
from helpers import ROOT

RULES = ROOT / "deploy" / "prometheus" / "arcsupport-rules.yaml"
RULE_TESTS = Path(__file__).parent / "promtool" / "arcsupport-rules.test.yaml"
GRAFANA = ROOT / "deploy" / "grafana" / "arcsupport.json"
SELECTOR = re.compile(r"\b(arcsupport_[a-z0-9_]+)\b(?:\{([^}]*)\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')
GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus package")
        pytest.skip("promtool is missing (apt-get install -y prometheus); CI runs these tests")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_checks_the_rules() -> None:
    checked = _run("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in checked.stdout


def test_promtool_runs_a_unit_test_of_each_alert() -> None:
    tested = _run("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    tested_alerts = {case["alertname"] for test in tests for case in test["alert_rule_test"]}
    assert tested_alerts == {rule["alert"] for rule in _rules()}
    # Each alert is shown both quiet and firing.
    for alert in tested_alerts:
        cases = [c for t in tests for c in t["alert_rule_test"] if c["alertname"] == alert]
        assert any(not case["exp_alerts"] for case in cases), alert
        assert any(case["exp_alerts"] for case in cases), alert


def test_a_broken_rule_fails_the_unit_tests(tmp_path: Path) -> None:
    """The unit tests can fail: with the deadline alert's threshold moved, they do."""
    rules = tmp_path / "deploy" / "prometheus"
    rules.mkdir(parents=True)
    (rules / RULES.name).write_text(RULES.read_text().replace("<= 30", "<= 29"))
    tests = tmp_path / "tests" / "service" / "web" / "promtool"
    tests.mkdir(parents=True)
    (tests / RULE_TESTS.name).write_text(RULE_TESTS.read_text())
    tested = _run("test", "rules", str(tests / RULE_TESTS.name))
    assert tested.returncode != 0
    assert "ArcSupportDeadlineWithin30Days" in tested.stdout + tested.stderr


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _grafana_expressions() -> list[str]:
    dashboard = json.loads(GRAFANA.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            expressions.append(variable["query"]["query"])
    return expressions


def _scrape(fleet: Fleet) -> dict[str, list[dict[str, str]]]:
    """Each sample name of a real scrape with the label sets it comes with."""
    client = fleet.service.client()
    text = client.get("/metrics", headers=auth(fleet.tokens["viewer"])).text
    samples: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(dict(sample.labels))
    return samples


@pytest.mark.parametrize("source", ["grafana", "rules"])
def test_every_metric_and_label_named_exists_in_a_real_scrape(fleet: Fleet, source: str) -> None:
    expressions = (
        _grafana_expressions() if source == "grafana" else [rule["expr"] for rule in _rules()]
    )
    samples = _scrape(fleet)
    named = set()
    for expression in expressions:
        for name, matchers in SELECTOR.findall(expression):
            named.add(name)
            assert name in samples, f"{name} ({source}) is not exposed by /metrics"
            label_sets = samples[name]
            for label, operator, value in MATCHER.findall(matchers):
                assert any(label in labels for labels in label_sets), (name, label)
                if operator == "=" and "$" not in value:
                    assert any(labels.get(label) == value for labels in label_sets), (name, value)
        for grouping in GROUPING.findall(expression):
            for label in (part.strip() for part in grouping.split(",")):
                names = [name for name, _ in SELECTOR.findall(expression)]
                assert any(label in labels for name in names for labels in samples[name]), (
                    expression,
                    label,
                )
    expected = 4 if source == "rules" else 6
    assert len(named) >= expected, named


def test_the_dashboard_is_one_grafana_document_on_one_data_source() -> None:
    dashboard = json.loads(GRAFANA.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"] and all(target["expr"] for target in panel["targets"])
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert variables == {"datasource", "tenant"}
    assert all('tenant=~"$tenant"' in expression for expression in _grafana_expressions()[:-1])


def test_the_per_cluster_gauges_say_what_the_api_says(fleet: Fleet) -> None:
    samples = _scrape(fleet)
    client = fleet.service.client()
    listed = client.get("/api/v1/clusters", headers=auth(fleet.tokens["viewer"])).json()
    for cluster in listed["clusters"]:
        own = {"tenant": "contoso", "cluster": cluster["name"], "cluster_id": cluster["id"]}
        verdicts = {
            labels["verdict"]: labels
            for labels in samples["arcsupport_cluster_verdict"]
            if all(labels.get(key) == value for key, value in own.items())
        }
        assert set(verdicts) == set(VERDICTS)
    # The values: read again with them (the parser keeps them on the samples).
    text = client.get("/metrics", headers=auth(fleet.tokens["viewer"])).text
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    for cluster in listed["clusters"]:
        own = {"tenant": "contoso", "cluster": cluster["name"], "cluster_id": cluster["id"]}
        for verdict in VERDICTS:
            key = tuple(sorted({**own, "verdict": verdict}.items()))
            assert values[("arcsupport_cluster_verdict", key)] == (verdict == cluster["verdict"])
        key = tuple(sorted(own.items()))
        assert values[("arcsupport_cluster_assessment_complete", key)] == cluster["complete"]
        # Uploaded on 2025-09-15 at 08:00 UTC (the test clock), re-assessed since: the last
        # upload stays the upload's time.
        assert values[("arcsupport_cluster_last_upload_timestamp_seconds", key)] == 1757923200
    # Another tenant's clusters are not in this tenant's scrape.
    assert fleet.other_cluster not in text
