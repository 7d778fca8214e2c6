"""Reliability, measured: `kill -9` of the server in the middle of uploads loses no upload it
answered 201 and leaves no half-written one; a PostgreSQL restart makes requests fail with 503
while the database is away and succeed after, with the same app (no restart of the service)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from access_db import PostgresServer
from service_kit import EXAMPLE_NAMES, Process, auth, make_service, recollected, upload
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from arcsupport.service.db import Database
from arcsupport.service.models import Assessment, Cluster, Snapshot, Upload
from arcsupport.service.tokens import create_token
from helpers import at


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    if request.param == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "service.db"))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.new_database() as url:
        yield url


def _bodies() -> list[bytes]:
    return [
        recollected(name, f"2025-08-{day:02d}T09:00:00Z")
        for day in range(1, 29)
        for name in EXAMPLE_NAMES
    ]


def _consistent(database: Database) -> dict[str, int]:
    """Every stored upload whole: its snapshots, each cluster's latest snapshot and
    assessment present, every assessment's snapshot present. The row counts."""
    with database.reading() as session:
        uploads = session.scalars(select(Upload)).all()
        for item in uploads:
            count = session.scalar(
                select(func.count()).select_from(Snapshot).where(Snapshot.upload_id == item.id)
            )
            assert count, f"upload {item.id} without its snapshots"
        for cluster in session.scalars(select(Cluster)).all():
            assert cluster.latest_snapshot_id is not None
            assert session.get(Snapshot, cluster.latest_snapshot_id) is not None
            assert cluster.latest_assessment_id is not None
            latest = session.get(Assessment, cluster.latest_assessment_id)
            assert latest is not None and latest.snapshot_id == cluster.latest_snapshot_id
        orphans = session.scalar(
            select(func.count())
            .select_from(Assessment)
            .outerjoin(Snapshot, Snapshot.id == Assessment.snapshot_id)
            .where(Snapshot.id.is_(None))
        )
        assert orphans == 0
        return {
            "uploads": len(uploads),
            "snapshots": session.scalar(select(func.count()).select_from(Snapshot)) or 0,
            "clusters": session.scalar(select(func.count()).select_from(Cluster)) or 0,
        }


def _send(url: str, token: str, body: bytes) -> int | None:
    try:
        return httpx.post(
            f"{url}/api/v1/bundles",
            content=body,
            headers={**auth(token), "Content-Type": "application/gzip"},
            timeout=120,
        ).status_code
    except httpx.TransportError:
        return None  # the server died under it


def test_kill_9_during_uploads_loses_nothing_answered_and_leaves_no_half_record(
    database_url: URL, tmp_path: Path
) -> None:
    database = Database(database_url)
    database.upgrade()
    with database.writing() as session:
        token, _ = create_token(session, "contoso", "operator", "test", at("2025-09-15"))
    bodies = _bodies()
    answered: dict[int, int | None] = {}
    server = Process(database_url, tmp_path / "first.log").ready()
    try:
        killed = threading.Event()

        def send(index: int) -> None:
            if not killed.is_set():
                answered[index] = _send(server.url, token, bodies[index])

        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(send, index) for index in range(len(bodies))]
            deadline = time.monotonic() + 120
            while sum(status == 201 for status in answered.values()) < 8:
                assert time.monotonic() < deadline, server.log.read_text()[-3000:]
                time.sleep(0.02)
            server.kill()  # with uploads in flight
            killed.set()
            for future in futures:
                future.result()
    finally:
        server.stop()
    stored = [index for index, status in answered.items() if status == 201]
    cut = [index for index, status in answered.items() if status is None]
    assert cut, "the kill landed between uploads: nothing was in flight"
    counts = _consistent(database)
    # The figures the closing note quotes (pytest -s shows them).
    print(f"kill -9 on {database_url.get_backend_name()}: {len(stored)} answered 201, "
          f"{len(cut)} cut in flight, {counts['uploads']} uploads stored whole")  # fmt: skip
    with database.reading() as session:
        kept = set(session.scalars(select(Upload.sha256)))
    # Everything answered 201 was committed before the answer.
    assert {hashlib.sha256(bodies[index]).hexdigest() for index in stored} <= kept
    assert counts["uploads"] == len(kept) >= len(stored)

    # Served again on the same database: what was answered is known (200), what was cut off
    # is stored whole now (201), or was committed just before the kill (200).
    again = Process(database_url, tmp_path / "second.log").ready()
    try:
        for index in stored:
            assert _send(again.url, token, bodies[index]) == 200
        for index in cut:
            assert _send(again.url, token, bodies[index]) in (200, 201)
    finally:
        again.stop()
    after = _consistent(database)
    assert after["uploads"] == len(set(stored) | set(cut)) + sum(
        1 for index, status in answered.items() if status not in (201, None)
    )
    database.dispose()


def test_a_postgresql_restart_is_survived_without_restarting_the_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = PostgresServer(tmp_path_factory.mktemp("restarted"))
    server.start()
    try:
        service = make_service(server.url())
        client = service.client()
        token = service.token("contoso", "operator")
        headers = auth(token)
        upload(client, token, "healthy")
        assert client.get("/api/v1/clusters", headers=headers).status_code == 200
        options = server.data / "postmaster.opts"
        assert options.exists()
        stopped = server._run("pg_ctl", "-D", str(server.data), "-m", "fast", "-w", "stop")
        assert stopped.returncode == 0, stopped.stderr
        during = [
            client.get("/api/v1/clusters", headers=headers),
            client.get("/readyz"),
            client.post(
                "/api/v1/bundles",
                content=recollected("healthy", "2025-09-15T01:00:00Z"),
                headers={**headers, "Content-Type": "application/gzip"},
            ),
        ]
        assert [answer.status_code for answer in during] == [503, 503, 503]
        assert all(answer.json()["error"]["code"] for answer in during)
        settings = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = server._run(
            "pg_ctl", "-D", str(server.data), "-l", str(server.base / "server.log"),
            "-o", settings, "-w", "-t", "60", "start",
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        # The same app, its connection pool from before the restart.
        assert client.get("/readyz").status_code == 200
        listed = client.get("/api/v1/clusters", headers=headers)
        assert listed.status_code == 200 and len(listed.json()["clusters"]) == 1
        status, _ = upload(client, token, recollected("healthy", "2025-09-15T01:00:00Z"))
        assert status == 201
        service.database.dispose()
    finally:
        server.stop()
