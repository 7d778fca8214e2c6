"""Beyond one machine: two servers and two job-only workers share one PostgreSQL. Uploads sent
to both at once are all stored, and a re-assessment made due runs once, on one process, as
procrastinate's queue hands it out; the notification job, run by every process's queue, sends
each event once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from access_db import PostgresServer
from notify_kit import receiving
from service_kit import EXAMPLE_NAMES, Process, auth, recollected
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL

from arcsupport.service.db import Database
from arcsupport.service.jobs import JOBS
from arcsupport.service.models import Cluster, NotifyDelivery, Snapshot, Upload
from arcsupport.service.notify import settings
from arcsupport.service.tokens import create_token
from helpers import at


@pytest.fixture
def shared(postgres_server: PostgresServer) -> Iterator[URL]:
    with postgres_server.new_database() as url:
        yield url


def test_two_servers_and_two_workers_store_every_upload_and_run_each_job_once(
    shared: URL, tmp_path: Path
) -> None:
    assert [name for name, _ in JOBS] == ["reassess", "notify"]
    stack = ExitStack()
    database = Database(shared)
    database.upgrade()
    with database.writing() as session:
        token, _ = create_token(session, "contoso", "operator", "test", at("2025-09-15"))
    receiver = stack.enter_context(receiving())
    with database.writing() as session:
        target = settings.parse_url("--webhook", receiver.url("/hook"))
        settings.add_channel(session, "contoso", "webhook", target, at("2025-09-15"))
    processes = [
        *(Process(shared, tmp_path / f"server{n}.log") for n in (1, 2)),
        *(Process(shared, tmp_path / f"worker{n}.log", jobs_only=True) for n in (1, 2)),
    ]
    try:
        for process in processes:
            process.ready()
        servers = processes[:2]
        # 14 different bundles (7 clusters, each collected twice), half to each server, at once.
        bodies = [
            recollected(name, f"2025-09-{day}T09:00:00Z")
            for name in EXAMPLE_NAMES
            for day in (13, 14)
        ]

        def send(index: int) -> int:
            server = servers[index % 2]
            return httpx.post(
                f"{server.url}/api/v1/bundles",
                content=bodies[index],
                headers={**auth(token), "Content-Type": "application/gzip"},
                timeout=120,
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(len(bodies))))
        assert statuses == [201] * len(bodies)
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(Upload)) == len(bodies)
            assert session.scalar(select(func.count()).select_from(Snapshot)) == len(bodies)
            assert session.scalar(select(func.count()).select_from(Cluster)) == len(EXAMPLE_NAMES)

        # Every cluster judged two days ago: the next tick makes them all due at once, on
        # every process's schedule.
        with database.writing() as session:
            session.execute(
                text(
                    "UPDATE service_assessment SET evaluated_at = evaluated_at - interval '2 days'"
                )
            )
        logs = [process.log for process in processes]
        pattern = re.compile(r"re-assessed (\d+) clusters")

        def runs() -> list[int]:
            return [int(n) for log in logs for n in pattern.findall(log.read_text())]

        waited = time.monotonic() + 60
        while not runs() and time.monotonic() < waited:
            time.sleep(0.2)
        # A few more periods: a second run, were there one, would show by now.
        time.sleep(8)
        assert runs() == [len(EXAMPLE_NAMES)], [log.read_text()[-2000:] for log in logs]
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(Cluster)) == len(EXAMPLE_NAMES)

        def statuses() -> list[str]:
            with database.reading() as session:
                return list(session.scalars(select(NotifyDelivery.status)))

        waited = time.monotonic() + 30
        while set(statuses()) != {"sent"} and time.monotonic() < waited:
            time.sleep(0.2)
        # Every cluster's first verdict at least, each sent once by whichever process ran it.
        ids = [item.json()["id"] for item in receiver.received]
        assert len(ids) >= len(EXAMPLE_NAMES) and len(set(ids)) == len(ids)
        assert statuses() == ["sent"] * len(ids)
    finally:
        for process in processes:
            process.stop()
        database.dispose()
        stack.close()


def test_jobs_only_needs_postgresql(arcsupport: Any, tmp_path: Path) -> None:
    """On SQLite the one server runs the jobs itself: a worker beside it is refused, in one
    line, before anything is written."""
    db = tmp_path / "service.db"
    code, out, err = arcsupport("serve", "--jobs-only", "--db", str(db))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--jobs-only" in err and "PostgreSQL" in err
    assert not db.exists()
