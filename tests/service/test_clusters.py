"""Reading a tenant's fleet: pages by cursor, ETags, filters, one cluster's assessment, history
and plan; deadlines as JSON and as an iCalendar feed; the fleet as CSV and SARIF; metrics."""

from __future__ import annotations

import csv
import io
import json

import icalendar
import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families
from service_kit import EXAMPLE_NAMES, Service, auth, recollected, upload

from arcsupport.schema import load_schema
from helpers import REFERENCE


@pytest.fixture
def fleet(service: Service) -> dict[str, str]:
    """The seven examples uploaded by contoso: name -> cluster id."""
    client = service.client()
    token = service.token("contoso", "operator")
    ids = {}
    for name in EXAMPLE_NAMES:
        _, ids[name] = upload(client, token, name)
    return ids


def _viewer(service: Service) -> dict[str, str]:
    return auth(service.token("contoso", "viewer"))


def test_pages_by_cursor_cover_the_fleet_once_most_urgent_first(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    headers = _viewer(service)
    whole = client.get("/api/v1/clusters", headers=headers).json()
    assert whole["next_cursor"] is None
    schema = load_schema("clusters")
    jsonschema.validate(whole, schema)
    rank = {"unsupported": 0, "at-risk": 1, "supported": 2}
    order = [
        (rank[c["verdict"]], c["next_deadline"] or "9999", c["name"]) for c in whole["clusters"]
    ]
    assert order == sorted(order)
    paged, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/clusters?{query}", headers=headers).json()
        assert len(page["clusters"]) <= 2
        paged.extend(page["clusters"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [c["id"] for c in paged] == [c["id"] for c in whole["clusters"]]
    assert sorted(c["id"] for c in paged) == sorted(fleet.values())


def test_an_etag_answers_304_until_the_fleet_changes(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    headers = _viewer(service)
    first = client.get("/api/v1/clusters", headers=headers)
    etag = first.headers["etag"]
    same = client.get("/api/v1/clusters", headers={**headers, "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    one = client.get(f"/api/v1/clusters/{fleet['healthy']}", headers=headers)
    assert (
        client.get(
            f"/api/v1/clusters/{fleet['healthy']}",
            headers={**headers, "If-None-Match": f'W/{one.headers["etag"]}, "other"'},
        ).status_code
        == 304
    )
    newer = recollected("healthy", "2025-09-15T06:00:00Z", version_from="deprecated-version")
    upload(client, service.token("contoso", "operator"), newer)
    changed = client.get("/api/v1/clusters", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_filters_by_verdict_clause_deadline_and_text(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    headers = _viewer(service)

    def names(query: str) -> set[str]:
        response = client.get(f"/api/v1/clusters?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return {c["name"] for c in response.json()["clusters"]}

    assert names("verdict=supported") == {"contoso-healthy", "contoso-mesh"}
    assert names("verdict=at-risk") == {"contoso-disconnected"}
    assert names("clause=SHR-4") == {"contoso-labels"}
    assert names("clause=shr-4") == {"contoso-labels"}
    assert "contoso-stopped" in names("clause=STOP-3")
    assert names("q=STOPPED") == {"contoso-stopped"}
    assert names("q=%25") == set()  # % is a character, not a wildcard
    everything = client.get("/api/v1/clusters", headers=headers).json()["clusters"]
    cutoff = "2025-11-01"
    expected = {c["name"] for c in everything if c["next_deadline"] and c["next_deadline"] < cutoff}
    assert names(f"deadline_before={cutoff}") == expected
    assert expected  # the stopped cluster's STOP-2 day falls before it
    assert names("verdict=supported&q=mesh") == {"contoso-mesh"}


def test_one_clusters_assessment_history_and_plan(service: Service, fleet: dict[str, str]) -> None:
    client = service.client()
    headers = _viewer(service)
    cluster = fleet["deprecated-version"]
    assessment = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    jsonschema.validate(assessment, load_schema("assessment"))
    assert assessment["verdict"] == "unsupported"
    korean = client.get(f"/api/v1/clusters/{cluster}?lang=ko", headers=headers).json()
    assert (
        korean["lang"] == "ko"
        and korean["findings"][0]["title"] != assessment["findings"][0]["title"]
    )
    history = client.get(f"/api/v1/clusters/{cluster}/history", headers=headers).json()
    jsonschema.validate(history, load_schema("cluster-history"))
    assert history["verdict_changes"] == [
        {"at": "2025-09-15T08:00:00Z", "from_verdict": None, "to_verdict": "unsupported",
         "cause": "upload"}
    ]  # fmt: skip
    plan = client.get(f"/api/v1/clusters/{cluster}/plan", headers=headers).json()
    jsonschema.validate(plan, load_schema("plan"))
    assert plan["from"].startswith("1.28")
    assert client.get("/api/v1/clusters/" + "0" * 32, headers=headers).status_code == 404


def test_deadlines_as_json_and_as_an_icalendar_feed(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    headers = _viewer(service)
    listed = client.get("/api/v1/deadlines", headers=headers).json()
    jsonschema.validate(listed, load_schema("deadlines"))
    days = [d["date"] for d in listed["deadlines"]]
    assert days == sorted(days) and len(days) >= len(EXAMPLE_NAMES) - 1
    before = client.get("/api/v1/deadlines?before=2026-01-01", headers=headers).json()
    assert [d["date"] for d in before["deadlines"]] == [d for d in days if d < "2026-01-01"]
    paged = client.get("/api/v1/deadlines?limit=1", headers=headers).json()
    following = client.get(
        f"/api/v1/deadlines?limit=1&cursor={paged['next_cursor']}", headers=headers
    ).json()
    assert paged["deadlines"] + following["deadlines"] == listed["deadlines"][:2]
    feed = client.get("/api/v1/deadlines.ics", headers=headers)
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    events = list(calendar.walk("VEVENT"))
    assert sorted(str(e.decoded("dtstart")) for e in events) == sorted(days)


def test_the_fleet_as_csv_and_sarif(service: Service, fleet: dict[str, str]) -> None:
    client = service.client()
    headers = _viewer(service)
    table = client.get("/api/v1/fleet.csv", headers=headers)
    # The CLI's CSV, byte for byte: it starts with a BOM for spreadsheets.
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert {row["cluster"] for row in rows} == {
        c["name"] for c in client.get("/api/v1/clusters", headers=headers).json()["clusters"]
    }
    assert len(rows) == len(EXAMPLE_NAMES)
    sarif = client.get("/api/v1/fleet.sarif", headers=headers)
    log = json.loads(sarif.text)
    schema = json.loads((REFERENCE / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(log)
    # One run for the fleet (GitHub code scanning takes one per tool); each cluster is one of
    # its top-level logical locations.
    (run,) = log["runs"]
    clusters = [entry for entry in run["logicalLocations"] if "parentIndex" not in entry]
    assert len(clusters) == len(EXAMPLE_NAMES)


def test_metrics_show_the_tenants_verdicts_deadlines_and_latencies(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    upload(client, service.token("fabrikam", "operator"), "healthy")
    text = client.get("/metrics", headers=_viewer(service)).text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    verdicts = {
        sample.labels["verdict"]: sample.value for sample in families["arcsupport_clusters"].samples
    }
    # Every verdict has its series, a verdict no cluster has at 0 (an alert can watch it).
    assert verdicts == {
        "unsupported": 4.0,
        "undetermined": 0.0,
        "at-risk": 1.0,
        "supported": 2.0,
        "not-applicable": 0.0,
    }
    days = families["arcsupport_cluster_deadline_days"].samples
    assert {s.labels["cluster"] for s in days} <= {f"contoso-{n}" for n in (
        "healthy", "deprecated", "disconnected", "stopped", "labels", "mesh", "alpha")}  # fmt: skip
    assert all(s.labels["tenant"] == "contoso" for f in families.values() for s in f.samples)
    ingest = families["arcsupport_ingest_seconds"]
    counts = [s.value for s in ingest.samples if s.name.endswith("_count")]
    assert counts == [float(len(EXAMPLE_NAMES))]
    assessed = families["arcsupport_assessment_seconds"]
    assert [s.value for s in assessed.samples if s.name.endswith("_count")] == [7.0]


def test_a_case_is_triaged_with_the_tenants_cluster(
    service: Service, fleet: dict[str, str]
) -> None:
    client = service.client()
    headers = _viewer(service)
    case = {"title": "Upgrade to 1.29 fails", "description": "az aksarc upgrade times out"}
    alone = client.post("/api/v1/triage", json=case, headers=headers)
    assert alone.status_code == 200, alone.text
    jsonschema.validate(alone.json(), load_schema("triage"))
    with_cluster = client.post(
        f"/api/v1/triage?cluster={fleet['deprecated-version']}", json=case, headers=headers
    )
    document = with_cluster.json()
    jsonschema.validate(document, load_schema("triage"))
    assert document["decision"] == "upgrade-first"
    assert document["plan"]["from"].startswith("1.28")
    bad = client.post("/api/v1/triage", json={"title": ""}, headers=headers)
    assert bad.status_code == 400 and "title" in bad.json()["error"]["message"]
    unknown = client.post(f"/api/v1/triage?cluster={'0' * 32}", json=case, headers=headers)
    assert unknown.status_code == 404
