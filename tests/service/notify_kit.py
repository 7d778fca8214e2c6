"""Receivers of the notification tests, all on loopback: an HTTP server that records each
POST (and answers with the statuses a test scripts, per path), and an SMTP server (aiosmtpd)
that keeps each mail it is given, parsed by the email package."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from service_kit import free_port


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """POSTs to any path are kept; `answers[path]` lists the statuses to answer in turn (then
    200), and `delay` slows every answer down (to make concurrent workers overlap)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.delay = delay
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, self.headers.get("Content-Type", ""), body)
                    )
                    scripted = receiver.answers[self.path]
                    status, answer = scripted.pop(0) if scripted else (200, "ok")
                time.sleep(receiver.delay)
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test reads what was received, not a log

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if item.path == path]


@contextmanager
def receiving(delay: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(delay)
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


class _Keeper:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((envelope.mail_from or "", list(envelope.rcpt_tos), parsed))
        return "250 OK"


@contextmanager
def mail_server() -> Iterator[tuple[int, list[tuple[str, list[str], EmailMessage]]]]:
    """An SMTP server on loopback: its port and the mails it received (sender, recipients,
    the parsed message)."""
    keeper = _Keeper()
    port = free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, keeper.mails
    finally:
        controller.stop()
