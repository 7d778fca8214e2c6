"""The real app served by uvicorn on a loopback port, over real HTTP: `collect --push`'s client
uploading to it, conditional reads, and no token in any log line."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_kit import Served, Service, auth, bundle_bytes, free_port, served

from arcsupport.errors import InputError
from arcsupport.service.push import bundles_url, push_bundle, read_token


@pytest.fixture
def server(any_service: Service) -> Iterator[Served]:
    yield from served(any_service.app)


def test_a_pushed_bundle_is_stored_once_and_read_back_over_http(
    any_service: Service, server: Served, tmp_path: Path
) -> None:
    bundle = tmp_path / "healthy.tar.gz"
    bundle.write_bytes(bundle_bytes("healthy"))
    token_file = tmp_path / "token"
    token_file.write_text(any_service.token("contoso", "operator") + "\n")
    first = push_bundle(bundle, server.url + "/", token_file)
    assert first.created and first.verdict == "supported"
    again = push_bundle(bundle, server.url, token_file)
    assert not again.created and again.cluster_url == first.cluster_url
    viewer = auth(any_service.token("contoso", "viewer"))
    with httpx.Client(base_url=server.url, headers=viewer) as client:
        listed = client.get("/api/v1/clusters")
        assert listed.status_code == 200
        assert [c["name"] for c in listed.json()["clusters"]] == ["contoso-healthy"]
        cached = client.get("/api/v1/clusters", headers={"If-None-Match": listed.headers["etag"]})
        assert cached.status_code == 304
        assessment = client.get(first.cluster_url)
        assert assessment.json()["verdict"] == "supported"
        assert client.get("/readyz").status_code == 200


def test_push_refuses_what_would_leak_the_token_or_is_no_token(tmp_path: Path) -> None:
    assert bundles_url("https://svc.example/base/") == "https://svc.example/base/api/v1/bundles"
    assert bundles_url("http://127.0.0.1:8080").startswith("http://127.0.0.1:8080/")
    assert bundles_url("http://[::1]:8080").startswith("http://[::1]:8080/")
    for bad in ("http://svc.example", "http://10.0.0.1", "ftp://svc.example", "svc.example",
                "https://user:pw@svc.example", "https://svc.example/?token=x"):  # fmt: skip
        with pytest.raises(InputError):
            bundles_url(bad)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    two = tmp_path / "two"
    two.write_text("arcs_a arcs_b\n")
    for path in (empty, two, tmp_path / "missing"):
        with pytest.raises(InputError):
            read_token(path)


def test_a_refused_push_says_why_in_one_line(
    any_service: Service, server: Served, tmp_path: Path
) -> None:
    bundle = tmp_path / "b.tar.gz"
    bundle.write_bytes(bundle_bytes("healthy"))
    token_file = tmp_path / "token"
    token_file.write_text(any_service.token("contoso", "viewer"))
    with pytest.raises(InputError, match="answered 403: this needs the operator role"):
        push_bundle(bundle, server.url, token_file)


def test_no_log_line_holds_a_token(
    service: Service, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [service.token("contoso", role) for role in ("viewer", "operator")]
    revoked = service.token("contoso", "admin")
    from arcsupport.service.tokens import revoke_token

    with service.database.writing() as session:
        revoke_token(session, 3, service.clock())
    for server in served(service.app):
        with httpx.Client(base_url=server.url) as client:
            for token in [*tokens, revoked, "arcs_not-a-real-token"]:
                client.get("/api/v1/clusters", headers=auth(token))
                client.get("/", headers=auth(token))
                client.post("/sign-in", data={"token": token})
                client.post(
                    "/api/v1/bundles",
                    content=b"not gzip",
                    headers={**auth(token), "Content-Type": "application/gzip"},
                )
    # The server's lines: the test's own client (httpx, httpcore) logs what it sends.
    lines = [
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    ]
    access_lines = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access_lines) >= 16  # the access log was on, and was read
    server_log = "\n".join(lines)
    for token in [*tokens, revoked]:
        assert token[5:20] not in server_log


def test_arcsupport_serve_migrates_serves_and_keeps_tokens_out_of_its_log(
    tmp_path: Path, arcsupport: Any
) -> None:
    """The real command, as `make serve` runs it: a new database is migrated on start, and its
    access log (uvicorn's own configuration) names requests without their token."""
    db = tmp_path / "service.db"
    code, token, _ = arcsupport("token", "create", "--tenant", "contoso", "--role", "operator",
                                "--db", str(db))  # fmt: skip
    assert code == 0
    token = token.strip()
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "arcsupport", "serve", "--db", str(db), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not become ready"
                time.sleep(0.1)
            answer = httpx.post(
                f"{url}/api/v1/bundles",
                content=bundle_bytes("healthy"),
                headers={**auth(token), "Content-Type": "application/gzip"},
                timeout=60,
            )
            assert answer.status_code == 201
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text()
    assert '"POST /api/v1/bundles HTTP/1.1" 201' in text
    assert "serving on" in text
    assert token[5:20] not in text


def test_collect_push_refuses_before_collecting(arcsupport: Any, tmp_path: Path) -> None:
    """A bad URL or token file ends in one line and exit 2 before any cluster is read (no
    kubeconfig is needed to get there)."""
    token_file = tmp_path / "token"
    token_file.write_text("arcs_x\n")
    cases = [
        (("--push", "http://svc.example", "--token-file", str(token_file)), "plain HTTP"),
        (("--push", "https://svc.example"), "needs --token-file"),
        (("--push", "https://svc.example", "--token-file", str(tmp_path / "none")), "none"),
        (
            (
                "--push",
                "https://svc.example",
                "--token-file",
                str(token_file),
                "-o",
                str(tmp_path / "folder"),
            ),
            ".tar.gz",
        ),
        (("--token-file", str(token_file), "-o", str(tmp_path / "b.tar.gz")), "goes with --push"),
        ((), "-o PATH"),
    ]
    for arguments, said in cases:
        code, out, err = arcsupport("collect", *arguments)
        assert code == 2, (arguments, out, err)
        assert err.count("\n") == 1 and said in err, (arguments, err)
    assert not (tmp_path / "folder").exists() and not (tmp_path / "b.tar.gz").exists()
