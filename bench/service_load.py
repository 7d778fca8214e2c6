"""The service under load on loopback, bounded in time (about two minutes and a half):

- 10,000 clusters stored (through the store, as bench/service.py does: one judged snapshot
  per example under 10,000 names);
- `arcsupport serve` in its own process on that database (SQLite by default, or `--db URL`);
- listing: 200 concurrent clients call `GET /api/v1/clusters` (a page of 100) for
  `--seconds`, each waiting for its answer before asking again: p50/p99 and requests/s;
- ingest: 200 concurrent clients upload distinct bundles (the examples as other clusters,
  collected at other times) for `--seconds`: uploads/s and p50/p99 per upload.

    .venv/bin/python bench/service_load.py [--clusters 10000] [--clients 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "service"), str(ROOT / "bench")]

from service_kit import EXAMPLE_NAMES, Process, bundle_bytes, make_service  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from helpers import EXAMPLES  # noqa: E402
from service import fill_store, percentile  # noqa: E402


def other_cluster(name: str, index: int) -> bytes:
    """The example as cluster `load-<index>`, collected at a time of its own."""
    manifest = json.loads((EXAMPLES / name / "manifest.json").read_text())
    manifest["collected_at"] = f"2025-09-14T{index // 3600 % 24:02d}:{index // 60 % 60:02d}:" \
                               f"{index % 60:02d}Z"  # fmt: skip
    manifest["cluster"]["name"] = f"load-{index}"
    manifest["cluster"]["resource_id"] = manifest["cluster"]["resource_id"].replace(
        manifest["cluster"]["resource_id"].rsplit("/", 1)[-1], f"load-{index}"
    )
    return bundle_bytes(name, (("manifest.json", json.dumps(manifest).encode()),))


async def hammer(
    clients: int,
    seconds: float,
    request: Callable[[httpx.AsyncClient, int], Awaitable[int | None]],
) -> tuple[list[float], Counter[int], float]:
    """`clients` loops, each sending its next request once the last is answered, for
    `seconds` (or until `request` has nothing more to send, None): the latencies of the
    answered ones, the statuses of the others, and the seconds it took."""
    latencies: list[float] = []
    failed: Counter[int] = Counter()
    began = time.monotonic()
    stop = began + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def loop(worker: int) -> None:
            sent = 0
            while time.monotonic() < stop:
                started = time.perf_counter()
                status = await request(client, worker * 1_000_000 + sent)
                sent += 1
                if status is None:
                    return
                if status in (200, 201):
                    latencies.append(time.perf_counter() - started)
                else:
                    failed[status] += 1

        await asyncio.gather(*(loop(worker) for worker in range(clients)))
    return latencies, failed, time.monotonic() - began


def report(label: str, latencies: list[float], failed: Counter[int], seconds: float) -> None:
    rate = len(latencies) / seconds
    print(
        f"{label}: {len(latencies)} answered in {seconds:.1f} s ({rate:.1f}/s), "
        f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"others: {dict(failed) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--db", help="a SQLAlchemy URL (default: a new SQLite file)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="arcsupport-load-"))
    url: URL = (
        make_url(options.db)
        if options.db
        else URL.create("sqlite", database=str(folder / "service.db"))
    )
    service = make_service(url)
    service.clock.now = datetime.now(UTC)
    operator = service.token("bench", "operator")
    viewer = service.token("bench", "viewer")
    started = time.perf_counter()
    fill_store(service, options.clusters)
    print(f"stored {options.clusters} clusters in {time.perf_counter() - started:.1f} s")
    service.database.dispose()
    # Distinct bundles, more than the ingest phase can take in its time.
    bodies = [
        other_cluster(EXAMPLE_NAMES[index % len(EXAMPLE_NAMES)], index)
        for index in range(int(options.seconds * 100))
    ]
    server = Process(url, folder / "serve.log", every=3600).ready()
    try:
        base = server.url
        listing = {"Authorization": f"Bearer {viewer}"}

        async def list_page(client: httpx.AsyncClient, _: int) -> int | None:
            answer = await client.get(f"{base}/api/v1/clusters?limit=100", headers=listing)
            return answer.status_code

        latencies, failed, took = asyncio.run(hammer(options.clients, options.seconds, list_page))
        report(
            f"GET /api/v1/clusters?limit=100, {options.clients} clients, "
            f"{options.clusters} clusters",
            latencies, failed, took,
        )  # fmt: skip

        uploading = {"Authorization": f"Bearer {operator}", "Content-Type": "application/gzip"}
        taken = iter(range(len(bodies)))

        async def ingest(client: httpx.AsyncClient, _: int) -> int | None:
            index = next(taken, None)
            if index is None:
                return None  # every prepared bundle sent
            answer = await client.post(
                f"{base}/api/v1/bundles", content=bodies[index], headers=uploading
            )
            return answer.status_code

        latencies, failed, took = asyncio.run(hammer(options.clients, options.seconds, ingest))
        report(f"POST /api/v1/bundles, {options.clients} clients", latencies, failed, took)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
