"""History-derived facts through the service: successive uploads of the example bundles make
the facts that one bundle cannot show (STOP-2 from a stop seen long ago, SHR-4 from a label
changed between scans), declared dates the scans contradict are overruled with a notice, and
re-assessment judges with the facts stored with the snapshot."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import jsonschema
import yaml
from service_kit import EXAMPLES, Service, auth, bundle_bytes, upload

from arcsupport.schema import load_schema
from arcsupport.service import history
from arcsupport.service.models import Snapshot
from arcsupport.service.reassess import reassess_all
from helpers import at


def _stopped(collected_at: str, *, stopped_since: str | None, kubernetes: bool) -> bytes:
    """The stopped example collected at another time; facts.yaml declares `stopped_since`
    or nothing, and without `kubernetes` the API server answered nothing (the control plane
    is stopped) and the collector said so in the manifest."""
    manifest = json.loads((EXAMPLES / "stopped" / "manifest.json").read_text())
    manifest["collected_at"] = collected_at
    facts = yaml.safe_load((EXAMPLES / "stopped" / "facts.yaml").read_text())
    facts.pop("stopped_since")
    if stopped_since is not None:
        facts["stopped_since"] = stopped_since
    if not kubernetes:
        manifest["not_collected"] = [{"part": "kubernetes/nodes", "reason": "connection refused"}]
    replaced = (
        ("manifest.json", json.dumps(manifest).encode()),
        ("facts.yaml", yaml.safe_dump(facts).encode()),
    )
    return bundle_bytes("stopped", replaced, () if kubernetes else ("kubernetes/",))


def _findings(document: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [finding for finding in document["findings"] if finding["rule"] == rule]


def _stop2(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in _findings(document, "stopped") if "STOP-2" in f["clauses"]]


def test_a_cluster_seen_stopped_on_day_1_and_still_on_day_95_is_past_stop2(
    any_service: Service,
) -> None:
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    headers = auth(token)
    any_service.clock.now = at("2025-08-02T10:00:00Z")
    upload(client, token, _stopped("2025-08-02T09:00:00Z", stopped_since=None, kubernetes=True))
    any_service.clock.now = at("2025-11-04T10:00:00Z")
    day95 = _stopped("2025-11-04T09:00:00Z", stopped_since=None, kubernetes=False)
    status, cluster = upload(client, token, day95)
    assert status == 201
    document = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    (blocked,) = _stop2(document)
    assert blocked["severity"] == "blocked"
    (evidence,) = blocked["evidence"]
    assert evidence["provenance"] == "history"
    assert evidence["value"].startswith("2025-08-01T18:02:54Z")
    assert document["operations"]["upgrade"]["decision"] == "block"

    # The same bundle on its own (another tenant, no earlier scans) cannot say how long.
    other = any_service.token("fabrikam", "operator")
    _, alone = upload(client, other, day95)
    document = client.get(f"/api/v1/clusters/{alone}", headers=auth(other)).json()
    assert not _stop2(document)
    assert "stopped" in [rule["rule"] for rule in document["coverage"]["not_evaluated"]]

    # Re-assessment judges with the facts stored with the snapshot.
    state = any_service.state
    reassess_all(state.database, state.policy.get(), at("2025-11-20T00:00:00Z"), state.metrics)
    document = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert document["evaluated_at"] == "2025-11-20T00:00:00Z"
    assert [e["provenance"] for f in _stop2(document) for e in f["evidence"]] == ["history"]


def test_a_declared_stop_date_the_scans_contradict_is_overruled_with_a_notice(
    service: Service,
) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    service.clock.now = at("2025-08-02T10:00:00Z")
    upload(client, token, _stopped("2025-08-02T09:00:00Z", stopped_since=None, kubernetes=True))
    service.clock.now = at("2025-11-04T10:00:00Z")
    # Declared stopped from October, but a scan saw it stopped on 2 August.
    late = _stopped("2025-11-04T09:00:00Z", stopped_since="2025-10-01", kubernetes=False)
    _, cluster = upload(client, token, late)
    for lang, words in (
        ("en", "facts.yaml declares stopped_since: 2025-10-01"),
        ("ko", "facts.yaml은"),
    ):
        document = client.get(f"/api/v1/clusters/{cluster}?lang={lang}", headers=auth(token)).json()
        assert [n for n in document["notices"] if words in n and "2025-08-01" in n], document[
            "notices"
        ]
    assert [e["provenance"] for f in _stop2(document) for e in f["evidence"]] == ["history"]


def _labelled(collected_at: str, zone: str) -> bytes:
    """The healthy example with the app node's zone label set to `zone`."""
    root = EXAMPLES / "healthy"
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["collected_at"] = collected_at
    nodes = json.loads((root / "kubernetes" / "nodes.json").read_text())
    nodes["items"][-1]["metadata"]["labels"]["topology.kubernetes.io/zone"] = zone
    return bundle_bytes(
        "healthy",
        (
            ("manifest.json", json.dumps(manifest).encode()),
            ("kubernetes/nodes.json", json.dumps(nodes).encode()),
        ),
    )


def test_a_system_label_changed_between_two_scans_is_shr4_citing_history(
    any_service: Service,
) -> None:
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    headers = auth(token)
    _, cluster = upload(client, token, _labelled("2025-09-01T09:00:00Z", "zone-a"))
    first = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert first["verdict"] == "supported" and not _findings(first, "system-metadata")
    _, again = upload(client, token, _labelled("2025-09-14T09:00:00Z", "zone-b"))
    assert again == cluster
    document = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    (finding,) = _findings(document, "system-metadata")
    assert finding["clauses"] == ["SHR-4"] and finding["severity"] == "unsupported"
    assert finding["evidence"][0]["provenance"] == "history"
    assert finding["evidence"][0]["value"] == "zone-b (an earlier scan: zone-a)"
    assert document["verdict"] == "unsupported"
    # The record stored with the snapshot is what the next upload reads.
    with any_service.database.reading() as session:
        rows = session.query(Snapshot).order_by(Snapshot.id).all()
        records = [history.decode(row.history) for row in rows if row.history is not None]
    assert [record.facts.scans for record in records] == [1, 2]
    # Put back: the label is the system's again, and the finding goes.
    upload(client, token, _labelled("2025-09-15T07:00:00Z", "zone-a"))
    document = client.get(f"/api/v1/clusters/{cluster}", headers=headers).json()
    assert not _findings(document, "system-metadata")
    assert document["verdict"] == "supported"


def _page(service: Service, token: str, path: str, lang: str) -> str:
    """`path` of the dashboard, signed in with `token` (the session the browser gets)."""
    client = service.client()
    form = client.get(f"/?lang={lang}").text
    nonce = re.search(r'name="csrf" value="([^"]*)"', form)
    assert nonce is not None
    signed = client.post(
        "/sign-in", data={"token": token, "csrf": nonce.group(1), "lang": lang},
        follow_redirects=False,
    )  # fmt: skip
    assert signed.status_code == 303
    page = client.get(f"{path}?lang={lang}")
    assert page.status_code == 200
    return unescape(page.text)


def test_the_history_route_and_the_cluster_page_show_the_facts_the_scans_tell(
    service: Service,
) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    headers = auth(token)
    _, labelled = upload(client, token, _labelled("2025-09-01T09:00:00Z", "zone-a"))
    only = client.get(f"/api/v1/clusters/{labelled}/history", headers=headers).json()
    assert only["facts"]["scans"] == 1 and only["facts"]["metadata_drift"] == []
    assert "No scan of this cluster has been compared" in _page(
        service, token, f"/clusters/{labelled}", "en"
    )
    upload(client, token, _labelled("2025-09-14T09:00:00Z", "zone-b"))
    document = client.get(f"/api/v1/clusters/{labelled}/history", headers=headers).json()
    jsonschema.validate(document, load_schema("cluster-history"))
    facts = document["facts"]
    assert (facts["at"], facts["scans"], facts["previous_scan"]) == (
        "2025-09-14T09:00:00Z", 2, "2025-09-01T09:00:00Z",
    )  # fmt: skip
    (drift,) = facts["metadata_drift"]
    assert (drift["kind"], drift["key"], drift["before"], drift["after"]) == (
        "labels", "topology.kubernetes.io/zone", "zone-a", "zone-b",
    )  # fmt: skip
    running = next(run for run in facts["runs"] if run["clock"] == "stopped")
    assert (running["state"], running["scans"]) == ("running", 2)
    for lang, words in (("en", "label"), ("ko", "레이블")):
        page = _page(service, token, f"/clusters/{labelled}", lang)
        row = re.search(r"<tr><td><code>([^<]*)</code></td><td>([^<]*)</td>(.*?)</tr>", page)
        assert row is not None, page
        assert row.group(1) == drift["node"] and row.group(2) == words
        assert "<code>topology.kubernetes.io/zone</code>" in row.group(3)
        assert "<code>zone-a</code></td><td><code>zone-b</code>" in row.group(3)

    service.clock.now = at("2025-08-02T10:00:00Z")
    upload(client, token, _stopped("2025-08-02T09:00:00Z", stopped_since=None, kubernetes=True))
    service.clock.now = at("2025-11-04T10:00:00Z")
    day95 = _stopped("2025-11-04T09:00:00Z", stopped_since=None, kubernetes=False)
    _, stopped = upload(client, token, day95)
    facts = client.get(f"/api/v1/clusters/{stopped}/history", headers=headers).json()["facts"]
    assert facts["scans"] == 2
    # The second scan read no nodes: it tells nothing of the run the first one saw begin.
    (run,) = [run for run in facts["runs"] if run["clock"] == "stopped"]
    assert (run["state"], run["since"], run["not_before"], run["last_seen"], run["scans"]) == (
        "stopped", "2025-08-01T18:02:54Z", None, "2025-08-02T09:00:00Z", 1,
    )  # fmt: skip
    assert "Stopped since 2025-08-01 18:02" in _page(service, token, f"/clusters/{stopped}", "en")
    assert "2025-08-01 18:02부터 중지됨" in _page(service, token, f"/clusters/{stopped}", "ko")
