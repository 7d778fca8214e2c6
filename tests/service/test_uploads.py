"""Uploads: a bundle judged and stored, the same bytes answered from the store, bodies refused
for their size, their type or their content before anything is written."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import jsonschema
from service_kit import EXPORT, Service, auth, bundle_bytes, recollected, upload
from sqlalchemy import func, select

from arcsupport.schema import load_schema
from arcsupport.service.models import Assessment, Cluster, Snapshot, Upload
from arcsupport.service.settings import ServiceSettings


def _counts(service: Service) -> tuple[int, ...]:
    with service.database.reading() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Upload, Cluster, Snapshot, Assessment)
        )


def test_a_bundle_is_judged_and_stored_once_for_the_same_bytes(any_service: Service) -> None:
    token = any_service.token("contoso", "operator")
    client = any_service.client()
    status, cluster_id = upload(client, token, "healthy")
    assert status == 201
    assert _counts(any_service) == (1, 1, 1, 1)
    again = client.post(
        "/api/v1/bundles",
        content=bundle_bytes("healthy"),
        headers={**auth(token), "Content-Type": "application/gzip"},
    )
    assert again.status_code == 200
    assert again.headers["location"].endswith(cluster_id)
    assert again.json()["verdict"] == "supported"
    assert again.json()["cluster"]["name"] == "contoso-healthy"
    assert _counts(any_service) == (1, 1, 1, 1)
    # Evidence names the upload, not the server's spool folder.
    sources = {e["source"] for f in again.json()["findings"] for e in f["evidence"]}
    assert sources and all(s.startswith("upload-") for s in sources), sources


def test_the_same_bytes_from_another_tenant_are_that_tenants_own(service: Service) -> None:
    client = service.client()
    _, first = upload(client, service.token("contoso", "operator"), "healthy")
    status, second = upload(client, service.token("fabrikam", "operator"), "healthy")
    assert status == 201
    assert first != second


def test_the_bundle_collected_last_is_the_clusters_latest(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    _, cluster = upload(client, token, "healthy")
    # Collected again a day later, found on Kubernetes 1.28: the verdict moves.
    newer = recollected("healthy", "2025-09-15T06:00:00Z", version_from="deprecated-version")
    _, same = upload(client, token, newer)
    assert same == cluster
    latest = client.get(f"/api/v1/clusters/{cluster}", headers=auth(token)).json()
    assert latest["verdict"] == "unsupported"
    # A bundle collected before the latest, sent late, is kept but does not undo it.
    older = recollected("healthy", "2025-09-01T06:00:00Z")
    upload(client, token, older)
    history = client.get(f"/api/v1/clusters/{cluster}/history", headers=auth(token)).json()
    assert history["cluster"]["verdict"] == "unsupported"
    assert [(c["from_verdict"], c["to_verdict"]) for c in history["verdict_changes"]] == [
        ("supported", "unsupported"),
        (None, "supported"),
    ]
    assert [a["verdict"] for a in history["assessments"]] == ["unsupported", "supported"]
    assert _counts(service) == (3, 1, 3, 2)


def test_an_inventory_stands_in_only_for_clusters_no_bundle_has_shown(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    response = client.post(
        "/api/v1/inventory",
        content=EXPORT.read_bytes(),
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    document = response.json()
    jsonschema.validate(document, load_schema("ingest"))
    assert document["clusters"] and all(item["assessed"] for item in document["clusters"])
    assert document["partial"] is False
    # An Arc-connected cluster that is not AKS Arc is listed, judged not-applicable.
    verdicts = {item["name"]: item["verdict"] for item in document["clusters"]}
    assert verdicts["lab-k3s-sandbox"] == "not-applicable"
    again = client.post(
        "/api/v1/inventory",
        content=EXPORT.read_bytes(),
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert again.status_code == 200
    assert again.json() == document


def test_an_export_that_is_one_page_of_a_longer_result_is_stored_as_partial(
    service: Service,
) -> None:
    export = json.loads(EXPORT.read_bytes())
    export["skip_token"] = "ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDE5DQp9"
    response = service.client().post(
        "/api/v1/inventory",
        content=json.dumps(export).encode(),
        headers={**auth(service.token("contoso", "operator")), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["partial"] is True


def test_an_upload_over_the_limit_is_refused_before_and_while_it_is_read(
    service: Service,
) -> None:
    service.configure(ServiceSettings(max_upload_bytes=1000))
    client = service.client()
    token = service.token("contoso", "operator")
    headers = {**auth(token), "Content-Type": "application/gzip"}
    declared = client.post("/api/v1/bundles", content=bundle_bytes("healthy"), headers=headers)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too-large"

    def chunks() -> object:
        data = bundle_bytes("healthy")
        for start in range(0, len(data), 500):
            yield data[start : start + 500]

    streamed = client.post("/api/v1/bundles", content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    assert streamed.status_code == 413
    assert _counts(service) == (0, 0, 0, 0)


def _tarball(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def test_hostile_tarballs_are_refused_with_one_line_and_nothing_stored(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    climbing = tarfile.TarInfo("../../etc/passwd")
    climbing.size = 4
    link = tarfile.TarInfo("manifest.json")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    cases = {
        "climbs out": _tarball([(climbing, b"root")]),
        "link": _tarball([(link, None)]),
        "truncated": bundle_bytes("healthy")[:-200],
        "not a bundle": gzip.compress(b"just some text, not a tar archive" * 30),
    }
    for what, body in cases.items():
        response = client.post(
            "/api/v1/bundles",
            content=body,
            headers={**auth(token), "Content-Type": "application/gzip"},
        )
        assert response.status_code == 400, (what, response.text)
        error = response.json()["error"]
        assert error["code"] == "bad-request"
        assert "\n" not in error["message"] and "Traceback" not in error["message"]
        assert "arcsupport-upload-" not in error["message"], error["message"]
    assert _counts(service) == (0, 0, 0, 0)


def test_a_gzip_bomb_stops_at_the_unpacked_limit_with_413(service: Service) -> None:
    service.configure(ServiceSettings(max_unpacked_bytes=1_000_000))
    big = tarfile.TarInfo("kubernetes/pods.json")
    big.size = 5_000_000
    body = _tarball([(big, b" " * big.size)])
    assert len(body) < 20_000  # compresses a thousandfold
    response = service.client().post(
        "/api/v1/bundles",
        content=body,
        headers={**auth(service.token("contoso", "operator")), "Content-Type": "application/gzip"},
    )
    assert response.status_code == 413, response.text
    message = response.json()["error"]["message"]
    # The limit is the service's: the CLI's variable that raises it is not the uploader's to set.
    assert message.endswith("over the compression ratio limit; refused"), message
    assert "ARCSUPPORT_" not in message
    assert _counts(service) == (0, 0, 0, 0)


def test_the_wrong_media_type_or_an_empty_body_is_refused(service: Service) -> None:
    client = service.client()
    token = service.token("contoso", "operator")
    wrong = client.post(
        "/api/v1/bundles",
        content=bundle_bytes("healthy"),
        headers={**auth(token), "Content-Type": "text/plain"},
    )
    assert wrong.status_code == 415
    assert wrong.json()["error"]["code"] == "unsupported-media-type"
    export_as_gzip = client.post(
        "/api/v1/inventory",
        content=EXPORT.read_bytes(),
        headers={**auth(token), "Content-Type": "application/gzip"},
    )
    assert export_as_gzip.status_code == 415
    empty = client.post(
        "/api/v1/bundles", content=b"", headers={**auth(token), "Content-Type": "application/gzip"}
    )
    assert empty.status_code == 400
    malformed = client.post(
        "/api/v1/inventory",
        content=b'{"data": [',
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["message"].startswith("upload-")
    assert _counts(service) == (0, 0, 0, 0)


def test_the_same_bytes_sent_twice_at_once_are_stored_once(any_service: Service) -> None:
    import threading

    token = any_service.token("contoso", "operator")
    answers: list[int] = []

    def send() -> None:
        response = any_service.client().post(
            "/api/v1/bundles",
            content=bundle_bytes("stopped"),
            headers={**auth(token), "Content-Type": "application/gzip"},
        )
        answers.append(response.status_code)

    senders = [threading.Thread(target=send) for _ in range(3)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert sorted(answers) == [200, 200, 201]
    assert _counts(any_service) == (1, 1, 1, 1)


def test_two_bundles_of_a_new_cluster_at_once_make_one_cluster(any_service: Service) -> None:
    import threading

    token = any_service.token("contoso", "operator")
    bodies = [recollected("healthy", f"2025-09-1{day}T06:00:00Z") for day in (3, 4, 5)]
    answers: list[int] = []

    def send(body: bytes) -> None:
        response = any_service.client().post(
            "/api/v1/bundles",
            content=body,
            headers={**auth(token), "Content-Type": "application/gzip"},
        )
        answers.append(response.status_code)

    senders = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert answers == [201, 201, 201]
    uploads, clusters, snapshots, _ = _counts(any_service)
    assert (uploads, clusters, snapshots) == (3, 1, 3)
    client = any_service.client()
    (cluster,) = client.get("/api/v1/clusters", headers=auth(token)).json()["clusters"]
    history = client.get(f"/api/v1/clusters/{cluster['id']}/history", headers=auth(token))
    # Whatever order they were written in, the bundle collected last is the latest.
    latest = history.json()["assessments"][0]["snapshot"]
    assert latest["collected_at"] == "2025-09-15T06:00:00Z"
