"""`/metrics` for Prometheus: clusters by verdict, days to each cluster's next deadline, and
the time uploads and assessments take.

Every series carries a `tenant` label, and a scrape sees only its token's tenant: the gauges
are read from the database at scrape time for that tenant, and the histograms are filtered to
its label. Cluster names and upload activity are tenant data like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcsupport.service.models import NO_DEADLINE, Cluster
from arcsupport.types import VERDICTS

# Upload reading and judging: a small bundle takes milliseconds, a 150,000-pod one a minute.
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    """The service's histograms, kept per process (each replica reports its own)."""

    def __init__(self) -> None:
        self.ingest_seconds = Histogram(
            "arcsupport_ingest_seconds",
            "Time from a received upload to its stored assessments (read, judge, write).",
            ["tenant", "kind"],
            buckets=_SECONDS,
            registry=None,
        )
        self.assessment_seconds = Histogram(
            "arcsupport_assessment_seconds",
            "Time to judge one cluster's snapshot against the policy.",
            ["tenant"],
            buckets=_SECONDS,
            registry=None,
        )

    def ingested(self, tenant: str, kind: str, seconds: float) -> None:
        self.ingest_seconds.labels(tenant=tenant, kind=kind).observe(seconds)

    def assessed(self, tenant: str, seconds: float) -> None:
        self.assessment_seconds.labels(tenant=tenant).observe(seconds)

    def exposition(self, session: Session, tenant_id: int, tenant: str, today: date) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_TenantCollector(self, session, tenant_id, tenant, today))
        return generate_latest(registry)


class _TenantCollector(Collector):
    def __init__(
        self, metrics: Metrics, session: Session, tenant_id: int, tenant: str, today: date
    ) -> None:
        self.metrics = metrics
        self.session = session
        self.tenant_id = tenant_id
        self.tenant = tenant
        self.today = today

    def collect(self) -> Iterator[Metric]:
        by_verdict = GaugeMetricFamily(
            "arcsupport_clusters",
            "Clusters by the verdict of their latest assessment.",
            labels=["tenant", "verdict"],
        )
        counts = dict(
            self.session.execute(
                select(Cluster.verdict, func.count())
                .where(Cluster.tenant_id == self.tenant_id)
                .group_by(Cluster.verdict)
            ).all()
        )
        for verdict in VERDICTS:
            by_verdict.add_metric([self.tenant, verdict], counts.get(verdict, 0))
        yield by_verdict

        days = GaugeMetricFamily(
            "arcsupport_cluster_deadline_days",
            "Days from today to the cluster's next deadline (negative once it has passed).",
            labels=["tenant", "cluster", "cluster_id"],
        )
        rows = self.session.execute(
            select(Cluster.name, Cluster.id, Cluster.next_deadline)
            .where(Cluster.tenant_id == self.tenant_id, Cluster.next_deadline != NO_DEADLINE)
            .order_by(Cluster.name, Cluster.id)
        )
        for name, cluster_id, deadline in rows:
            days.add_metric([self.tenant, name, cluster_id], (deadline - self.today).days)
        yield days

        for histogram in (self.metrics.ingest_seconds, self.metrics.assessment_seconds):
            for family in histogram.collect():
                family.samples = [
                    sample for sample in family.samples if sample.labels["tenant"] == self.tenant
                ]
                yield family
