"""`arcsupport webhook` served over real TLS on loopback: AdmissionReviews in, decisions out,
over one kept-alive connection as the API server holds them; bad requests get one line and a
4xx, never a traceback; the command refuses to start without a usable certificate."""

from __future__ import annotations

import copy
import http.client
import io
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from admission_payloads import ALICE, coredns, encoded, kind_node, kubelet, node_update
from arcsupport.engine.admission import AdmissionGuard
from arcsupport.policy.loader import load_pack
from arcsupport.webhook.server import MAX_REVIEW_BYTES, TlsFiles, WebhookServer, open_server
from helpers import ROOT

JSON = dict[str, Any]


class Served:
    def __init__(self, server: WebhookServer, ca: trustme.CA, log: io.StringIO) -> None:
        self.server, self.ca, self.log = server, ca, log
        self.port = server.server_address[1]

    def connect(self) -> http.client.HTTPSConnection:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=10)


def write_pair(cert: trustme.LeafCert, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    cert_file, key_file = folder / "tls.crt", folder / "tls.key"
    cert.private_key_pem.write_to_path(str(key_file))
    cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    return cert_file, key_file


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    ca = trustme.CA()
    cert_file, key_file = write_pair(ca.issue_cert("127.0.0.1"), tmp_path / "tls")
    log = io.StringIO()
    server = open_server(
        "127.0.0.1", 0, AdmissionGuard(load_pack(None)), "en", TlsFiles(cert_file, key_file), log
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(server, ca, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def post(
    connection: http.client.HTTPSConnection, body: bytes, content_type: str = "application/json"
) -> tuple[int, bytes]:
    connection.request("POST", "/validate", body=body, headers={"Content-Type": content_type})
    response = connection.getresponse()
    return response.status, response.read()


def relabelled(os_name: str, user: JSON, sub_resource: str = "") -> JSON:
    old = kind_node()
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["kubernetes.io/os"] = os_name
    return node_update(old, new, user, sub_resource=sub_resource)


def test_reviews_over_one_kept_alive_tls_connection(served: Served) -> None:
    connection = served.connect()
    denied = relabelled("windows", ALICE)
    status, body = post(connection, encoded(denied))
    assert status == 200
    reply = json.loads(body)
    assert reply["response"]["uid"] == denied["request"]["uid"]
    assert reply["response"]["allowed"] is False
    assert reply["response"]["status"]["message"].startswith("[SHR-4]")
    # The same connection: the API server keeps its connections to a webhook open.
    allowed = relabelled("windows", kubelet("kind-control-plane"), sub_resource="status")
    status, body = post(connection, encoded(allowed))
    assert status == 200
    assert json.loads(body)["response"] == {"uid": allowed["request"]["uid"], "allowed": True}
    connection.close()
    lines = served.log.getvalue().splitlines()
    assert lines[0].endswith(
        f"{denied['request']['uid']} UPDATE nodes kind-control-plane by alice@contoso.com: "
        "denied SHR-4"
    )
    assert lines[1].endswith("UPDATE nodes/status kind-control-plane by "
                             "system:node:kind-control-plane: allowed")  # fmt: skip


def test_the_health_probe(served: Served) -> None:
    connection = served.connect()
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"ok\n")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "problem"),
    [
        (b'{"kind": "AdmissionReview"', "application/json", 400, "truncated JSON"),
        (b"[1, 2]", "application/json", 400, "unexpected content"),
        (b"{}", "text/plain", 415, "Content-Type text/plain"),
    ],
    ids=["truncated", "not a review", "not JSON"],
)
def test_a_bad_request_gets_one_line_and_no_traceback(
    served: Served, body: bytes, content_type: str, status: int, problem: str
) -> None:
    connection = served.connect()
    got, reply = post(connection, body, content_type)
    assert got == status
    text = reply.decode()
    assert text.startswith("arcsupport: error: ")
    assert problem in text
    assert text.count("\n") == 1
    assert "Traceback" not in served.log.getvalue()


def test_a_review_over_the_size_limit_is_refused_unread(served: Served) -> None:
    connection = served.connect()
    connection.putrequest("POST", "/validate")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(MAX_REVIEW_BYTES + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert response.read().decode().startswith("arcsupport: error: a review of ")
    assert response.getheader("Connection") == "close"


def test_other_paths_and_a_missing_length(served: Served) -> None:
    connection = served.connect()
    connection.request("POST", "/mutate", body=b"{}", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 404
    assert b"POST /validate" in response.read()
    connection = served.connect()
    connection.putrequest("POST", "/validate")
    connection.putheader("Content-Type", "application/json")
    connection.endheaders()
    assert connection.getresponse().status == 411


def test_plain_http_is_not_served(served: Served) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        connection.request("POST", "/validate", body=b"{}")
        connection.getresponse()


def test_a_renewed_certificate_is_served_to_new_connections(served: Served, tmp_path: Path) -> None:
    renewed_ca = trustme.CA()
    cert_file, key_file = served.server.tls.cert, served.server.tls.key
    renewed_cert, renewed_key = write_pair(renewed_ca.issue_cert("127.0.0.1"), tmp_path / "new")
    cert_file.write_bytes(renewed_cert.read_bytes())
    key_file.write_bytes(renewed_key.read_bytes())
    served.ca = renewed_ca
    connection = served.connect()  # trusts only the new CA
    status, _ = post(connection, encoded(relabelled("linux", ALICE)))
    assert status == 200


def test_a_managed_deployment_edit_is_refused_over_the_wire(served: Served) -> None:
    from admission_payloads import workload_update

    old = coredns()
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 3
    status, body = post(served.connect(), encoded(workload_update(old, new, ALICE)))
    assert status == 200
    response = json.loads(body)["response"]
    assert response["allowed"] is False
    assert response["status"]["details"]["causes"][0]["reason"] == "MGD-3"


# --- the command ---------------------------------------------------------------------------


def arcsupport(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arcsupport", "webhook", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_the_command_refuses_to_start_without_tls(tmp_path: Path) -> None:
    result = arcsupport("--port", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("arcsupport: error: Missing option '--tls-cert'")
    assert len(result.stderr.splitlines()) == 1


def test_the_command_refuses_a_missing_or_mismatched_certificate(tmp_path: Path) -> None:
    result = arcsupport(
        "--port", "0", "--tls-cert", str(tmp_path / "nope.crt"), "--tls-key", str(tmp_path / "k")
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"arcsupport: error: --tls-cert {tmp_path / 'nope.crt'}: No such file or directory\n"
    )
    ca = trustme.CA()
    cert_file, _ = write_pair(ca.issue_cert("127.0.0.1"), tmp_path / "a")
    _, other_key = write_pair(ca.issue_cert("127.0.0.1"), tmp_path / "b")
    result = arcsupport("--port", "0", "--tls-cert", str(cert_file), "--tls-key", str(other_key))
    assert result.returncode == 2
    assert "not a PEM certificate and the key that belongs to it" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_command_serves_until_terminated(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert_file, key_file = write_pair(ca.issue_cert("127.0.0.1"), tmp_path / "tls")
    process = subprocess.Popen(
        [sys.executable, "-m", "arcsupport", "webhook", "--port", "0",
         "--tls-cert", str(cert_file), "--tls-key", str(key_file), "--lang", "ko"],
        stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith("arcsupport webhook: listening on https://127.0.0.1:")
        port = int(first.rsplit(":", 1)[1].split("/", 1)[0])
        context = ssl.create_default_context()
        ca.configure_trust(context)
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        status, body = post(connection, encoded(relabelled("windows", ALICE)))
        assert status == 200
        assert "노드 kind-control-plane의" in json.loads(body)["response"]["status"]["message"]
        connection.close()
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
    assert process.stderr.read().splitlines()[-1] == "arcsupport webhook: stopped"
