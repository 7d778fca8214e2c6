"""The service judges a tenant's clusters as `arcsupport fleet` judges the same bundles: each
with the newest custom location offering its tenant's clusters on its Azure Local release
carry, whichever order they came in; a newer one has the clusters it outdates judged again
(history and notifications as for any re-judgement), and no cluster on another release.

The 2605 sites (service_kit.fresh_site): `fresh` itself (Kubernetes 1.33.3, its location
offering 1.31 to 1.34 on 2026-05-20), `site-older` (its location offered 1.31 and 1.32 only,
on 2026-05-01) and `site-bare` (no offering of its own): each of the last two alone is
at-risk on 1.33, which its calendar does not know; with `fresh`'s offering, supported."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from notify_kit import receiving
from prometheus_client.parser import text_string_to_metric_families
from service_kit import (
    EXAMPLE_NAMES,
    FRESH,
    Served,
    Service,
    auth,
    fresh_site,
    tarball,
    upload,
)

from arcsupport.service import ingest, tokens
from arcsupport.service.jobs import JobContext, reassess_due
from arcsupport.service.notify import settings
from arcsupport.service.notify.job import deliver_due
from helpers import EXAMPLES, at

AT_2605 = "2026-06-01T09:00:00Z"


def sites(folder: Path) -> dict[str, Path]:
    return {
        "fresh": FRESH,
        "site-older": fresh_site(folder, "site-older", "2026-05-01T08:00:00Z", ("1.31", "1.32")),
        "site-bare": fresh_site(folder, "site-bare", "2026-05-21T08:00:00Z", None),
        # On another release: fresh's offering is none of its business.
        "site-2604": fresh_site(folder, "site-2604", "2026-05-21T08:00:00Z", None, "2604"),
    }


def judged(document: dict[str, Any]) -> dict[str, Any]:
    """What must be the same wherever the cluster is judged (sources are named otherwise)."""
    return {
        "verdict": document["verdict"],
        "complete": document["complete"],
        "deadlines": document["deadlines"],
        "operations": document["operations"],
        "findings": [
            (f["rule"], f["severity"], f["clauses"], f["deadline"]) for f in document["findings"]
        ],
    }


def cli_fleet(arcsupport: Any, folders: list[Path], when: str) -> dict[str, dict[str, Any]]:
    code, out, err = arcsupport("fleet", *map(str, folders), "--at", when, "-o", "json")
    assert code in (0, 1), err
    return {c["cluster"]["resource_id"]: judged(c) for c in json.loads(out)["clusters"]}


def service_fleet(service: Service, folders: list[Path], when: str) -> dict[str, dict[str, Any]]:
    """The folders uploaded in turn over HTTP, then each cluster as the service judges it."""
    service.clock.now = at(when)
    operator = auth(service.token("contoso", "operator"))
    server = Served(service.app).start()
    try:
        return _judged_over(server.url, folders, operator)
    finally:
        server.stop()


def _judged_over(
    url: str, folders: list[Path], operator: dict[str, str]
) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=url) as client:
        for folder in folders:
            response = client.post(
                "/api/v1/bundles",
                content=tarball(folder),
                headers={**operator, "Content-Type": "application/gzip"},
            )
            assert response.status_code == 201, response.text
        listed = client.get("/api/v1/clusters", headers=operator).json()["clusters"]
        found = {}
        for cluster in listed:
            document = client.get(f"/api/v1/clusters/{cluster['id']}", headers=operator).json()
            found[document["cluster"]["resource_id"]] = judged(document)
    return found


@pytest.mark.parametrize("order", ["given", "reversed"])
def test_the_service_judges_the_example_fleet_as_the_cli_does(
    any_service: Service, arcsupport: Any, order: str
) -> None:
    folders = [EXAMPLES / name for name in EXAMPLE_NAMES]
    when = "2025-09-15T08:00:00Z"
    expected = cli_fleet(arcsupport, folders, when)
    if order == "reversed":
        folders.reverse()
    assert service_fleet(any_service, folders, when) == expected
    assert len(expected) == len(EXAMPLE_NAMES)


@pytest.mark.parametrize("order", ["given", "reversed"])
def test_the_service_shares_a_newer_offering_as_the_cli_does(
    any_service: Service, arcsupport: Any, tmp_path: Path, order: str
) -> None:
    """The examples and the 2605 sites, in either order, at one time: the same judgement."""
    folders = [*sites(tmp_path).values(), *(EXAMPLES / name for name in EXAMPLE_NAMES)]
    expected = cli_fleet(arcsupport, folders, AT_2605)
    if order == "reversed":
        folders.reverse()
    found = service_fleet(any_service, folders, AT_2605)
    assert found == expected
    # Not so by chance: judged alone, the sites without fresh's offering are judged otherwise.
    for name in ("site-older", "site-bare"):
        (alone,) = cli_fleet(arcsupport, [tmp_path / name], AT_2605).values()
        (shared,) = [found[key] for key in found if key.endswith(f"/{name}")]
        assert (alone["verdict"], shared["verdict"]) == ("at-risk", "supported"), name
        assert alone["deadlines"] != shared["deadlines"], name


def _verdicts(service: Service, token: str) -> dict[str, str]:
    listed = service.client().get("/api/v1/clusters", headers=auth(token)).json()["clusters"]
    return {cluster["name"]: cluster["verdict"] for cluster in listed}


def _history(service: Service, token: str, name: str) -> dict[str, Any]:
    client = service.client()
    listed = client.get(f"/api/v1/clusters?q={name}", headers=auth(token)).json()["clusters"]
    (cluster,) = [c for c in listed if c["name"] == name]
    history: dict[str, Any] = client.get(
        f"/api/v1/clusters/{cluster['id']}/history", headers=auth(token)
    ).json()
    return history


def test_a_newer_offering_uploaded_later_judges_the_clusters_it_outdates_again(
    any_service: Service, tmp_path: Path
) -> None:
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    with receiving() as receiver:
        with any_service.database.writing() as session:
            target = settings.parse_url("--webhook", receiver.url("/hook"))
            settings.add_channel(session, "contoso", "webhook", target, any_service.clock())
        upload(client, token, tarball(site["site-older"]))
        upload(client, token, tarball(site["site-bare"]))
        upload(client, token, tarball(site["site-2604"]))
        deliver_due(any_service.database, any_service.clock)
        first = len(receiver.received)
        assert _verdicts(any_service, token) == {
            "site-older": "at-risk", "site-bare": "at-risk", "site-2604": "at-risk"
        }  # fmt: skip
        any_service.clock.now += timedelta(hours=1)
        response = client.post(
            "/api/v1/bundles",
            content=tarball(FRESH),
            headers={**auth(token), "Content-Type": "application/gzip"},
        )
        assert response.status_code == 201 and response.json()["verdict"] == "supported"
        # Answered once the clusters on its release are judged again.
        assert _verdicts(any_service, token) == {
            "test-hybridakscluster": "supported",
            "site-older": "supported",
            "site-bare": "supported",
            "site-2604": "at-risk",
        }
        deliver_due(any_service.database, any_service.clock)
        told = {
            (item["cluster"]["name"], item["verdict_change"]["cause"]): item["verdict_change"]
            for item in (received.json() for received in receiver.received[first:])
            if item["event"] == "verdict-change"
        }
    assert sorted(told) == [
        ("site-bare", "reassessment"),
        ("site-older", "reassessment"),
        ("test-hybridakscluster", "upload"),
    ]
    for name in ("site-older", "site-bare"):
        history = _history(any_service, token, name)
        assert [a["verdict"] for a in history["assessments"]] == ["supported", "at-risk"]
        assert history["assessments"][0]["evaluated_at"] == "2026-06-01T10:00:00Z"
        assert history["verdict_changes"][0] == {
            "at": "2026-06-01T10:00:00Z",
            "from_verdict": "at-risk",
            "to_verdict": "supported",
            "cause": "reassessment",
        }
        change = told[(name, "reassessment")]
        assert (change["from"], change["to"]) == ("at-risk", "supported")
    # The cluster on another release: not judged again, nothing told.
    untouched = _history(any_service, token, "site-2604")
    assert [a["evaluated_at"] for a in untouched["assessments"]] == ["2026-06-01T09:00:00Z"]


def test_a_cluster_uploaded_after_the_newer_offering_is_judged_with_it(
    any_service: Service, tmp_path: Path
) -> None:
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    upload(client, token, tarball(FRESH))
    for name in ("site-older", "site-bare"):
        response = client.post(
            "/api/v1/bundles",
            content=tarball(site[name]),
            headers={**auth(token), "Content-Type": "application/gzip"},
        )
        assert response.json()["verdict"] == "supported", name
    # Nobody else was judged again: the carrier stayed fresh.
    fresh = _history(any_service, token, "test-hybridakscluster")
    assert len(fresh["assessments"]) == 1


def test_re_assessment_judges_with_the_shared_offering(
    any_service: Service, tmp_path: Path
) -> None:
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    upload(client, token, tarball(site["site-bare"]))
    upload(client, token, tarball(FRESH))
    any_service.clock.now = at("2026-06-02T00:10:00Z")
    state = any_service.state
    result = reassess_due(JobContext(state.database, state.policy, state.metrics, state.clock))
    assert result is not None and (result.clusters, result.verdicts_changed) == (2, 0)
    assert _verdicts(any_service, token) == {
        "test-hybridakscluster": "supported", "site-bare": "supported"
    }  # fmt: skip


def test_a_cluster_that_stops_carrying_the_newest_offering_hands_it_on(
    any_service: Service, tmp_path: Path
) -> None:
    """Only latest snapshots count: fresh collected again without a payload takes its
    offering away from the others, as `arcsupport fleet` given the newer bundle would."""
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    upload(client, token, tarball(FRESH))
    upload(client, token, tarball(site["site-older"]))
    assert _verdicts(any_service, token)["site-older"] == "supported"
    again = fresh_site(tmp_path / "again", "test-hybridakscluster", "2026-05-25T08:00:00Z", None)
    upload(client, token, tarball(again))
    assert _verdicts(any_service, token) == {
        "test-hybridakscluster": "at-risk", "site-older": "at-risk"
    }  # fmt: skip


def test_the_carrier_moving_to_another_release_takes_its_offering_along(
    any_service: Service, tmp_path: Path
) -> None:
    """An Azure Local update moves the clusters of a release one by one: the one whose
    offering the others share takes it along; another one's move leaves them as they are."""
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    upload(client, token, tarball(FRESH))
    upload(client, token, tarball(site["site-older"]))
    upload(client, token, tarball(site["site-bare"]))
    older_moved = fresh_site(
        tmp_path / "moved", "site-older", "2026-05-24T08:00:00Z", ("1.31", "1.32"), "2606"
    )
    any_service.clock.now += timedelta(hours=1)
    upload(client, token, tarball(older_moved))
    untouched = _history(any_service, token, "site-bare")["assessments"]
    assert [a["evaluated_at"] for a in untouched] == ["2026-06-01T09:00:00Z"]
    fresh_moved = fresh_site(
        tmp_path / "moved", "test-hybridakscluster", "2026-05-25T08:00:00Z",
        ("1.31", "1.32", "1.33", "1.34"), "2606",
    )  # fmt: skip
    upload(client, token, tarball(fresh_moved))
    assert _verdicts(any_service, token) == {
        "test-hybridakscluster": "supported",  # its own offering
        "site-older": "supported",  # on 2606 now, with fresh's newer offering
        "site-bare": "at-risk",  # alone on 2605, with no offering
    }
    assert len(_history(any_service, token, "site-bare")["assessments"]) == 2


def fresh_arrives_before_the_next_write(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, token: str
) -> None:
    """The next upload is judged, then FRESH (a newer offering) is uploaded and stored before
    that upload is written: two uploads at once, in a fixed order."""
    write = ingest._write

    def meanwhile(*args: Any) -> Any:
        monkeypatch.setattr(ingest, "_write", write)
        upload(client, token, tarball(FRESH))
        return write(*args)

    monkeypatch.setattr(ingest, "_write", meanwhile)


def test_an_upload_judged_before_another_brought_a_newer_offering_is_judged_again(
    any_service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two uploads at once: site-bare is judged (with no offering to share), then fresh is
    stored and judges the release again before site-bare is written; site-bare's own upload,
    once written, finds the carrier changed, judges the release again and answers with that."""
    site = sites(tmp_path)
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    fresh_arrives_before_the_next_write(monkeypatch, client, token)
    body = tmp_path / "site-bare.tar.gz"
    body.write_bytes(tarball(site["site-bare"]))
    state = any_service.state
    with state.database.reading() as session:
        caller, _ = tokens.authenticate(session, token) or (None, None)
    assert caller is not None
    outcome = ingest.ingest(
        state.database,
        caller,
        "bundle",
        ingest.Received(body, hashlib.sha256(body.read_bytes()).hexdigest(), body.stat().st_size),
        state.policy.get(),
        state.settings.archive_limits(),
        state.clock,
        state.metrics,
    )
    # Answered as stored: judged again, not as it was judged before fresh came.
    assert outcome.clusters[0].judgement.verdict == "supported"
    assert outcome.clusters[0].cluster.verdict == "supported"
    assert _verdicts(any_service, token) == {
        "test-hybridakscluster": "supported", "site-bare": "supported"
    }  # fmt: skip


def test_clusters_pushing_the_same_days_offering_at_once_judge_nothing_again(
    any_service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cluster of a site pushes its bundle at the same hour: one judged while another
    with the same day's offering was being stored holds (its own offering is as new), so no
    release is judged again for it."""
    same_day = fresh_site(
        tmp_path, "site-same", "2026-05-20T09:00:00Z", ("1.31", "1.32", "1.33", "1.34")
    )
    client = any_service.client()
    token = any_service.token("contoso", "operator")
    any_service.clock.now = at(AT_2605)
    fresh_arrives_before_the_next_write(monkeypatch, client, token)
    upload(client, token, tarball(same_day))
    assert _verdicts(any_service, token) == {
        "test-hybridakscluster": "supported", "site-same": "supported"
    }  # fmt: skip
    metrics = client.get("/metrics", headers=auth(token)).text
    assessed = {
        sample.name: sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "arcsupport_assessment_seconds_count"
    }
    assert assessed == {"arcsupport_assessment_seconds_count": 2.0}  # one per upload
