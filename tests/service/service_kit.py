"""What the service tests share: a migrated database (a SQLite file, or a fresh database on the
throwaway PostgreSQL server of tests/access), the app with a clock the test sets, tokens, the
example bundles as the tarballs `collect` would send, and the real app served by uvicorn on a
loopback port."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from arcsupport.service.api.common import ServiceState
from arcsupport.service.app import create_app
from arcsupport.service.db import Database
from arcsupport.service.metrics import Metrics
from arcsupport.service.policy import CurrentPolicy
from arcsupport.service.settings import ServiceSettings
from arcsupport.service.tokens import Role, create_token
from helpers import DATA, EXAMPLES, at, default_pack

EXAMPLE_NAMES = (
    "healthy",
    "deprecated-version",
    "disconnected-40d",
    "stopped",
    "changed-system-labels",
    "istio-custom-cni",
    "alpha-gates",
)
EXPORT = EXAMPLES / "resource-graph-export.json"
FRESH = DATA / "bundles" / "fresh"


def bundle_bytes(
    name: str, replaced: tuple[tuple[str, bytes], ...] = (), dropped: tuple[str, ...] = ()
) -> bytes:
    """The example bundle as a .tar.gz, with some files `replaced` (path, bytes) and the
    paths starting with one of `dropped` left out."""
    return tarball(EXAMPLES / name, replaced, dropped)


@cache
def tarball(
    root: Path, replaced: tuple[tuple[str, bytes], ...] = (), dropped: tuple[str, ...] = ()
) -> bytes:
    """A bundle folder as a .tar.gz (see `bundle_bytes`); the same bytes on every call (fixed
    times in the tar and gzip headers)."""
    buffer = io.BytesIO()
    name = root.name
    replacements = dict(replaced)
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(root.rglob("*")):
            relative = str(path.relative_to(root))
            if relative.startswith(dropped) and dropped:
                continue
            info = archive.gettarinfo(str(path), arcname=f"{name}/{relative}")
            info.mtime = 1757836800
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_file():
                data = replacements.get(relative, path.read_bytes())
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                archive.addfile(info)
    data = bytearray(buffer.getvalue())
    data[4:8] = b"\x00\x00\x00\x00"  # gzip's own timestamp
    return bytes(data)


def fresh_site(
    folder: Path,
    name: str,
    collected_at: str,
    minors: tuple[str, ...] | None,
    release: str = "2605",
) -> Path:
    """Another cluster like tests/data/bundles/fresh (Kubernetes 1.33.3 on Azure Local 2605,
    its custom location offering 1.31 to 1.34 on 2026-05-20), named `name`, collected at
    `collected_at` on Azure Local `release`, its location offering only `minors` (None: the
    bundle carries no offering)."""
    site = folder / name
    shutil.copytree(FRESH, site)
    for path in site.rglob("*.json"):
        path.write_text(path.read_text().replace("test-hybridakscluster", name))
    manifest = json.loads((site / "manifest.json").read_text())
    manifest["collected_at"] = collected_at
    (site / "manifest.json").write_text(json.dumps(manifest))
    host = site / "azure" / "azure-local-cluster.json"
    host.write_text(host.read_text().replace('"12.2605.', f'"12.{release}.'))
    offered = site / "azure" / "kubernetes-versions.json"
    if minors is None:
        offered.unlink()
    else:
        payload = json.loads(offered.read_text())
        values = payload["properties"]["values"]
        payload["properties"]["values"] = [v for v in values if v["version"] in minors]
        offered.write_text(json.dumps(payload))
    return site


def recollected(name: str, collected_at: str, version_from: str | None = None) -> bytes:
    """The example as if collected again at `collected_at`, on the Kubernetes version of the
    example `version_from` when given."""
    manifest = json.loads((EXAMPLES / name / "manifest.json").read_text())
    manifest["collected_at"] = collected_at
    replaced = [("manifest.json", json.dumps(manifest).encode())]
    if version_from is not None:
        version = (EXAMPLES / version_from / "kubernetes" / "version.json").read_bytes()
        replaced.append(("kubernetes/version.json", version))
    return bundle_bytes(name, tuple(replaced))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: at("2025-09-15T08:00:00Z"))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    database: Database
    state: ServiceState
    app: FastAPI
    clock: Clock

    def token(self, tenant: str, role: Role) -> str:
        with self.database.writing() as session:
            token, _ = create_token(session, tenant, role, "test", self.clock())
        return token

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def configure(self, settings: ServiceSettings) -> None:
        """Serve from now on with other settings (limits)."""
        self.state = dataclasses.replace(self.state, settings=settings)
        self.app.state.service = self.state


def make_service(url: URL, settings: ServiceSettings | None = None) -> Service:
    database = Database(url)
    database.upgrade()
    clock = Clock()
    state = ServiceState(
        database, settings or ServiceSettings(), CurrentPolicy(default_pack()), Metrics(), clock
    )
    return Service(database, state, create_app(state), clock)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, token: str, name: str | bytes) -> tuple[int, str]:
    """Upload an example bundle (or a tarball's bytes): the status and the cluster id."""
    response = client.post(
        "/api/v1/bundles",
        content=bundle_bytes(name) if isinstance(name, str) else name,
        headers={**auth(token), "Content-Type": "application/gzip"},
    )
    assert response.status_code in (200, 201), response.text
    return response.status_code, response.headers["location"].rsplit("/", 1)[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Served:
    """The app served by uvicorn in a thread on a loopback port, stopped by `stop()`."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        # log_config=None: uvicorn's loggers (its access log too) reach the test's capture.
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def served(app: FastAPI) -> Iterator[Served]:
    server = Served(app).start()
    try:
        yield server
    finally:
        server.stop()


_SERVE = """
import sys
from sqlalchemy.engine import make_url
from arcsupport.service.server import serve
from arcsupport.service.settings import ServiceSettings
serve(make_url(sys.argv[1]), ServiceSettings(port=int(sys.argv[2]),
      reassess_check_seconds=float(sys.argv[3])), jobs_only=sys.argv[4] == "jobs")
"""


class Process:
    """`arcsupport serve` in a process of its own (as `serve` runs it, with a short period
    for the background jobs), its output in `log`."""

    def __init__(self, url: URL, log: Path, *, jobs_only: bool = False, every: float = 2.0):
        self.port = free_port()
        self.log = log
        self.jobs_only = jobs_only
        with log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _SERVE, url.render_as_string(hide_password=False),
                 str(self.port), str(every), "jobs" if jobs_only else "http"],
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self, timeout: float = 60) -> Process:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log.read_text()
            if self.jobs_only:
                if "worker" in self.log.read_text().lower():
                    return self
            else:
                try:
                    if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, f"not ready: {self.log.read_text()}"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or rolled back by the process."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def openapi_schema(app: FastAPI) -> Any:
    """The app's OpenAPI document as schemathesis drives it; a bundle body is sent as the
    generated bytes (the hardened readers must refuse them)."""
    import schemathesis

    @schemathesis.serializer("application/gzip")
    def _raw_bytes(context: object, value: object) -> bytes:
        return value if isinstance(value, bytes) else str(value).encode()

    return schemathesis.openapi.from_asgi("/openapi.json", app)
