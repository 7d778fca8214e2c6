"""The service's costs, measured on loopback in bounded time (about a minute):

- ingest: each example bundle uploaded over real HTTP (read, judged, stored), time per bundle;
- listing: `GET /api/v1/clusters` (a page of 100, and the cheapest page's cursor walk) with
  1,000 stored clusters, p50/p99 of 200 requests.

    .venv/bin/python bench/service.py [--clusters 1000] [--requests 200]

The 1,000 clusters are written through the store (one judged snapshot per example, stored
under 1,000 names) so that the bench measures reading, not a thousand uploads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "service")]

import msgspec  # noqa: E402
from service_kit import EXAMPLE_NAMES, Service, bundle_bytes, make_service, served  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

from arcsupport.engine.assess import assess  # noqa: E402
from arcsupport.engine.fleet import assess_fleet  # noqa: E402
from arcsupport.service import codec, history, store  # noqa: E402
from arcsupport.service.models import Snapshot as StoredSnapshot  # noqa: E402
from arcsupport.service.models import Tenant, Upload  # noqa: E402
from arcsupport.service.reassess import reassess_all  # noqa: E402
from arcsupport.sources.read import read_snapshot  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="arcsupport-bench-"))
    service = make_service(URL.create("sqlite", database=str(folder / "service.db")))
    service.clock.now = datetime.now(UTC)
    operator = service.token("bench", "operator")
    viewer = service.token("bench", "viewer")
    for server in served(service.app):
        with httpx.Client(base_url=server.url, timeout=120) as client:
            seconds = []
            for name in EXAMPLE_NAMES:
                body = bundle_bytes(name)
                started = time.perf_counter()
                answer = client.post(
                    "/api/v1/bundles",
                    content=body,
                    headers={"Authorization": f"Bearer {operator}",
                             "Content-Type": "application/gzip"},
                )  # fmt: skip
                seconds.append(time.perf_counter() - started)
                assert answer.status_code == 201, answer.text
            print(
                f"ingest over HTTP, {len(seconds)} example bundles (~60 KB gzipped): "
                f"median {statistics.median(seconds) * 1000:.0f} ms, "
                f"max {max(seconds) * 1000:.0f} ms per bundle"
            )

            started = time.perf_counter()
            fill_store(service, options.clusters)
            print(f"stored {options.clusters} clusters in {time.perf_counter() - started:.1f} s")

            headers = {"Authorization": f"Bearer {viewer}"}
            for label, path in (
                ("first page of 100", "/api/v1/clusters?limit=100"),
                ("filtered (verdict, q)", "/api/v1/clusters?verdict=unsupported&q=bench-1"),
            ):
                latencies = []
                for _ in range(options.requests):
                    started = time.perf_counter()
                    answer = client.get(path, headers=headers)
                    latencies.append(time.perf_counter() - started)
                    assert answer.status_code == 200
                print(
                    f"GET {label} with {options.clusters} clusters: "
                    f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                    f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms "
                    f"({options.requests} requests, one client)"
                )
            started = time.perf_counter()
            cursor, pages = None, 0
            while True:
                query = "limit=500" + (f"&cursor={cursor}" if cursor else "")
                page = client.get(f"/api/v1/clusters?{query}", headers=headers).json()
                pages += 1
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            print(
                f"every cluster by cursor: {pages} pages in {time.perf_counter() - started:.2f} s"
            )
    _reassessment(service, options.clusters)
    service.database.dispose()


def _reassessment(service: Service, count: int) -> None:
    """Re-assessing every stored cluster a year later, against judging the same snapshots in
    memory (`assess_fleet`, what `arcsupport fleet` does once its inputs are read)."""
    policy = service.state.policy.get()
    later = service.clock() + timedelta(days=365)
    with service.database.reading() as session:
        bodies = list(session.scalars(select(StoredSnapshot.body)))
    snapshots = [codec.decode_snapshot(body) for body in bodies]
    started = time.perf_counter()
    assess_fleet(snapshots, policy.pack, later)
    fleet = time.perf_counter() - started
    started = time.perf_counter()
    result = reassess_all(service.database, policy, later, service.state.metrics)
    stored = time.perf_counter() - started
    print(
        f"re-assessing {result.clusters} stored clusters: {stored:.1f} s "
        f"({result.changed} judged otherwise); assess_fleet on the same snapshots in memory: "
        f"{fleet:.1f} s (ratio {stored / fleet:.2f})"
    )
    assert result.clusters >= count
    started = time.perf_counter()
    again = reassess_all(
        service.database, policy, later + timedelta(hours=1), service.state.metrics
    )
    print(
        f"again an hour later, every judgement the same: {time.perf_counter() - started:.1f} s "
        f"({again.changed} judged otherwise, {again.clusters - again.changed} confirmed)"
    )


def fill_store(service: Service, count: int) -> None:
    now = service.clock()
    policy = service.state.policy.get()
    judged = []
    for name in EXAMPLE_NAMES:
        snapshot = read_snapshot(ROOT / "examples" / name)
        record = history.encode(history.with_history(snapshot, None, policy.pack, now))
        judged.append(
            (snapshot, codec.encode_snapshot(snapshot), record, assess(snapshot, policy.pack, now))
        )
    with service.database.writing() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == "bench"))
        assert tenant_id is not None
        upload = Upload(tenant_id=tenant_id, sha256="0" * 64, kind="bundle", size=0,
                        received_at=now, skipped=0)  # fmt: skip
        session.add(upload)
        session.flush()
        for index in range(count):
            snapshot, body, record, judgement = judged[index % len(judged)]
            snapshot.cluster_name = f"bench-{index}"
            snapshot.resource_id = ""
            cluster, _ = store.find_or_add_cluster(session, tenant_id, snapshot, now)
            row = store.add_snapshot(session, cluster, upload, "bundle", body, record, None, now)
            named = msgspec.structs.replace(judgement, cluster_name=f"bench-{index}")
            store.record_judgement(session, cluster, row.id, named, policy.digest, "upload")


if __name__ == "__main__":
    main()
