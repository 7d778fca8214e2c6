"""`collect --push`: a collected bundle sent to the service (POST /api/v1/bundles).

The token is read from a file (a mounted Secret in the CronJob), never from the command line,
where it would show in the process list. It is sent only over HTTPS, or plain HTTP to this
machine (loopback): over any other network plain HTTP would hand it to whoever listens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from arcsupport.errors import InputError
from arcsupport.hosts import is_loopback

_TOKEN_LIMIT = 4096
# A collected bundle of a large cluster takes a while to upload and to judge.
_TIMEOUT = httpx.Timeout(30.0, read=600.0, write=600.0)


@dataclass(frozen=True)
class Pushed:
    created: bool
    cluster_url: str
    verdict: str


def bundles_url(service: str) -> str:
    """The upload route of the service at `service` (its base URL)."""
    parts = urlsplit(service.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("--push", f"{service!r} is not an http(s) URL of the service")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InputError(
            "--push",
            f"refusing to send the token over plain HTTP to {parts.hostname}; use https:// "
            "(plain http is allowed to this machine only)",
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError("--push", "give the service's base URL, without a query or credentials")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/api/v1/bundles"


def read_token(path: Path) -> str:
    where = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(_TOKEN_LIMIT + 1)
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    if len(data) > _TOKEN_LIMIT:
        raise InputError(where, "is too large to be a token file")
    try:
        token = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise InputError(where, "does not hold a token (not ASCII text)") from None
    if not token or any(char.isspace() for char in token):
        raise InputError(where, "does not hold a token (empty, or more than one word)")
    return token


def push_bundle(bundle: Path, service: str, token_file: Path) -> Pushed:
    url = bundles_url(service)
    token = read_token(token_file)
    try:
        with bundle.open("rb") as body:
            response = httpx.post(
                url,
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/gzip"},
                timeout=_TIMEOUT,
                follow_redirects=False,
            )
    except OSError as exc:
        raise InputError(str(bundle), exc.strerror or str(exc)) from None
    except httpx.HTTPError as exc:
        raise InputError(url, f"could not reach the service: {exc}") from None
    if response.status_code not in (200, 201):
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.reason_phrase
        raise InputError(url, f"the service answered {response.status_code}: {message}")
    location = response.headers.get("location", "")
    verdict = str(response.json().get("verdict", ""))
    return Pushed(response.status_code == 201, str(response.url.join(location)), verdict)
