"""The admission guard's HTTPS server: `POST /validate` takes an AdmissionReview and answers
with the guard's decision, `GET /healthz` says it is up. Thin on purpose: decoding is
sources/admission.py's, the judgement engine/admission.py's, the reply report/admission.py's.

The standard library's threading server, because a webhook answers one small JSON document
per request and the project has no web framework to share. TLS only (the API server calls
webhooks over HTTPS); the handshake runs in the connection's own thread, so a slow client
cannot hold up the others, and a certificate renewed on disk (cert-manager rewrites the
mounted Secret) is loaded for the next connections."""

from __future__ import annotations

import signal
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import TextIO

from arcsupport.engine.admission import AdmissionDecision, AdmissionGuard
from arcsupport.errors import InputError
from arcsupport.report.admission import admission_response
from arcsupport.snapshot.admission import AdmissionRequest
from arcsupport.sources.admission import read_review
from arcsupport.types import Lang

# The API server sends the object and, on UPDATE, the stored one; etcd refuses an object over
# 1.5 MiB by default, so a genuine review stays well under this.
MAX_REVIEW_BYTES = 4 * 1024 * 1024
# Longer than the webhook's timeoutSeconds (at most 30): an idle or stalled connection is
# closed instead of holding a thread.
SOCKET_TIMEOUT_SECONDS = 35.0
VALIDATE_PATH = "/validate"
HEALTH_PATH = "/healthz"


class TlsFiles:
    """The serving certificate and key, reloaded when either file changes on disk."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.cert, self.key = cert, key
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.stamp = self._stamp()
        self._load(self.context)

    def _stamp(self) -> tuple[int, int]:
        try:
            return self.cert.stat().st_mtime_ns, self.key.stat().st_mtime_ns
        except OSError as error:
            path = self.cert if not self.cert.exists() else self.key
            option = "--tls-cert" if path == self.cert else "--tls-key"
            raise InputError(f"{option} {path}", error.strerror or str(error)) from None

    def _load(self, context: ssl.SSLContext) -> None:
        try:
            context.load_cert_chain(self.cert, self.key)
        except ssl.SSLError as error:
            raise InputError(
                f"--tls-cert {self.cert} --tls-key {self.key}",
                f"not a PEM certificate and the key that belongs to it ({error.reason or error})",
            ) from None
        except OSError as error:
            raise InputError(
                f"--tls-cert {self.cert} --tls-key {self.key}", error.strerror or str(error)
            ) from None

    def refresh(self) -> str | None:
        """Load the files again if they changed; the reason when the new ones cannot be used
        (the old certificate then stays: a half-written rotation must not stop the guard)."""
        try:
            stamp = self._stamp()
        except InputError as error:
            return str(error)
        if stamp == self.stamp:
            return None
        try:
            self._load(self.context)
        except InputError as error:
            return str(error)
        self.stamp = stamp
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        guard: AdmissionGuard,
        lang: Lang,
        tls: TlsFiles,
        log: TextIO | None,
    ) -> None:
        self.guard = guard
        self.lang: Lang = lang
        self.tls = tls
        self.log_stream = log
        self.log_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        connection, client = super().get_request()
        problem = self.tls.refresh()
        if problem:
            self.log(f"keeping the current certificate: {problem}")
        wrapped = self.tls.context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, client

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError)):
            return  # a client that went away or spoke no TLS: nothing to answer
        self.log(f"connection from {client_address}: {type(error).__name__}: {error}")

    def log(self, line: str) -> None:
        if self.log_stream is None:
            return
        with self.log_lock:
            self.log_stream.write(f"arcsupport webhook: {_one_line(line)}\n")
            self.log_stream.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the API server reuses its connections
    server: WebhookServer
    timeout = SOCKET_TIMEOUT_SECONDS
    server_version = "arcsupport-webhook"
    sys_version = ""
    # Headers and body go out as separate writes; with Nagle's algorithm the second waits for
    # the client's delayed ACK, 40 ms per review.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket):
            connection.do_handshake()

    def do_GET(self) -> None:
        if self.path == HEALTH_PATH:
            self._reply(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8")
        else:
            self._fail(HTTPStatus.NOT_FOUND, f"no such path {self.path!r}; POST {VALIDATE_PATH}")

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != VALIDATE_PATH:
            self._fail(HTTPStatus.NOT_FOUND, f"no such path {self.path!r}; POST {VALIDATE_PATH}")
            return
        body = self._body()
        if body is None:
            return
        try:
            request = read_review(body)
        except InputError as error:
            self._fail(HTTPStatus.BAD_REQUEST, str(error))
            return
        try:
            decision = self.server.guard.decide(request)
            payload = admission_response(decision, self.server.lang)
        except Exception as error:  # a defect: one line for the log, a 500 for the API server
            self._fail(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}")
            return
        # Logged before the reply: once the API server has the answer, its record exists.
        self.server.log(_decision_line(request, decision))
        self._reply(HTTPStatus.OK, payload, "application/json")

    def _body(self) -> bytes | None:
        """The request's body, or None once an error has been sent."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._fail(HTTPStatus.LENGTH_REQUIRED, "send the review with a Content-Length")
            return None
        declared = self.headers.get("Content-Length")
        if declared is None:
            self._fail(HTTPStatus.LENGTH_REQUIRED, "send the review with a Content-Length")
            return None
        if not declared.isdigit():
            self._fail(HTTPStatus.BAD_REQUEST, f"Content-Length {declared!r} is not a number")
            return None
        length = int(declared)
        if length > MAX_REVIEW_BYTES:
            self._fail(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"a review of {length} bytes is over the limit of {MAX_REVIEW_BYTES}",
            )
            return None
        media_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            self._fail(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"Content-Type {media_type or 'none'}; an AdmissionReview is application/json",
            )
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True  # the client went away mid-body
            return None
        return body

    def _fail(self, status: HTTPStatus, problem: str) -> None:
        line = f"arcsupport: error: {_one_line(problem)}"
        # A body left unread would be taken for the next request on this connection.
        self.close_connection = True
        self.server.log(f"{status.value} {self.command} {self.path}: {_one_line(problem)}")
        self._reply(status, (line + "\n").encode(), "text/plain; charset=utf-8")

    def _reply(self, status: HTTPStatus, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        # http.server's access log would print every request; decisions are logged instead.
        pass


def _decision_line(request: AdmissionRequest, decision: AdmissionDecision) -> str:
    resource = request.resource.resource
    if request.sub_resource:
        resource += f"/{request.sub_resource}"
    name = f"{request.namespace}/{request.name}" if request.namespace else request.name
    outcome = (
        "denied " + ",".join(denial.clause for denial in decision.denials)
        if decision.denials
        else "allowed"
    )
    if decision.cautions:
        outcome += " warned " + ",".join(caution.clause for caution in decision.cautions)
    dry_run = " (dry run)" if request.dry_run else ""
    return (
        f"{request.uid} {request.operation} {resource} {name} by "
        f"{request.user.username or '?'}{dry_run}: {outcome}"
    )


def open_server(
    host: str,
    port: int,
    guard: AdmissionGuard,
    lang: Lang,
    tls: TlsFiles,
    log: TextIO | None,
) -> WebhookServer:
    try:
        return WebhookServer((host, port), guard, lang, tls, log)
    except OSError as error:
        raise InputError(f"--host {host} --port {port}", error.strerror or str(error)) from None


def serve(server: WebhookServer) -> None:
    """Until SIGTERM (a pod stopping) or Ctrl-C: requests in flight are answered first."""
    host, port = server.server_address[:2]
    shown = host.decode() if isinstance(host, bytes) else host
    server.log(f"listening on https://{shown}:{port}{VALIDATE_PATH}")

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever, which runs in this thread: ask from another.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous: Callable[[int, FrameType | None], object] | int | None = signal.signal(
        signal.SIGTERM, stop
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        server.log("stopped")
