"""Sending a notice: an HTTP POST of JSON (webhook, Slack, Teams) or a mail over SMTP.

A failure becomes a `DeliveryFailed` that says what happened in words that hold no secret:
the receiver's host and status, never its URL (the URL is the credential), and never the SMTP
password. `permanent` marks what trying again cannot fix (a webhook that is gone, a refused
login or recipient): the delivery fails at once instead of after every retry.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from arcsupport.service.notify.settings import SmtpTarget, WebhookTarget

HTTP_TIMEOUT = httpx.Timeout(10.0)
SMTP_TIMEOUT = 30.0
# Statuses a receiver may answer while it is busy or away for a while: tried again.
_TRANSIENT = {408, 425, 429}
_ERROR_LIMIT = 500


def _without_request_lines(record: logging.LogRecord) -> bool:
    # httpx logs each request's full URL at INFO, and a webhook's URL is its credential: the
    # service's log (INFO and up) would hold every Slack and Teams secret.
    return not str(record.msg).startswith("HTTP Request:")


logging.getLogger("httpx").addFilter(_without_request_lines)


class DeliveryFailed(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message[:_ERROR_LIMIT])
        self.permanent = permanent


def _scrub(value: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            value = value.replace(secret, "…")
    return " ".join(value.split())


def post_json(target: WebhookTarget, payload: bytes, client: httpx.Client) -> None:
    parts = urlsplit(target.url)
    host = parts.hostname or "?"
    secrets = (target.url, parts.path, parts.query)
    try:
        response = client.post(
            target.url,
            content=payload,
            headers={"Content-Type": "application/json", "User-Agent": "arcsupport-notify"},
        )
    except httpx.HTTPError as error:
        # httpx names the URL in some messages: only the kind of failure and the host are kept.
        raise DeliveryFailed(f"{type(error).__name__} reaching {host}") from None
    if response.is_success:
        return
    answer = _scrub(response.text[:200], secrets)
    status = response.status_code
    permanent = 400 <= status < 500 and status not in _TRANSIENT
    raise DeliveryFailed(f"HTTP {status} from {host}: {answer}".rstrip(": "), permanent)


def send_mail(target: SmtpTarget, message: EmailMessage) -> None:
    secrets = (target.password or "",)
    try:
        connection: smtplib.SMTP
        if target.security == "tls":
            connection = smtplib.SMTP_SSL(
                target.host, target.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
        with connection:
            if target.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if target.username is not None and target.password is not None:
                connection.login(target.username, target.password)
            refused: dict[str, Any] = connection.send_message(message)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused) as error:
        raise DeliveryFailed(
            f"{type(error).__name__} at {target.host}: {_scrub(str(error), secrets)}", True
        ) from None
    except smtplib.SMTPResponseException as error:
        # 5xx is the server's final word; 4xx asks to try later.
        text = _scrub(str(error.smtp_error), secrets)
        raise DeliveryFailed(
            f"SMTP {error.smtp_code} at {target.host}: {text}", error.smtp_code >= 500
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(
            f"{type(error).__name__} at {target.host}: {_scrub(str(error), secrets)}"
        ) from None
    if refused:
        raise DeliveryFailed(f"{target.host} refused {', '.join(sorted(refused))}", True)
