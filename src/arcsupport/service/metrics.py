"""`/metrics` for Prometheus: clusters by verdict, each cluster's verdict, whether its
assessment is complete, days to its next deadline and when it last uploaded, and the time
uploads and assessments take. deploy/prometheus/ alerts on these and deploy/grafana/ draws
them (tests/service/web/test_monitoring.py holds both to the names exposed here).

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
        # One series per cluster and verdict, 1 for the one it has: an alert can say which
        # cluster turned unsupported, and a panel can count them.
        verdicts = GaugeMetricFamily(
            "arcsupport_cluster_verdict",
            "1 for the verdict of the cluster's latest assessment, 0 for the others.",
            labels=["tenant", "cluster", "cluster_id", "verdict"],
        )
        complete = GaugeMetricFamily(
            "arcsupport_cluster_assessment_complete",
            "1 when every rule could be evaluated; 0 when the verdict holds only as far as "
            "checked (rules not evaluated for lack of data).",
            labels=["tenant", "cluster", "cluster_id"],
        )
        last_upload = GaugeMetricFamily(
            "arcsupport_cluster_last_upload_timestamp_seconds",
            "When the service last received an upload (bundle or inventory) showing the cluster.",
            labels=["tenant", "cluster", "cluster_id"],
        )
        rows = self.session.execute(
            select(
                Cluster.name, Cluster.id, Cluster.next_deadline, Cluster.verdict,
                Cluster.complete, Cluster.last_seen,
            )
            .where(Cluster.tenant_id == self.tenant_id)
            .order_by(Cluster.name, Cluster.id)
        )  # fmt: skip
        for name, cluster_id, deadline, current, whole, seen in rows:
            labels = [self.tenant, name, cluster_id]
            if deadline != NO_DEADLINE:
                days.add_metric(labels, (deadline - self.today).days)
            for shown in VERDICTS:
                verdicts.add_metric([*labels, shown], 1 if shown == current else 0)
            complete.add_metric(labels, 1 if whole else 0)
            last_upload.add_metric(labels, seen.timestamp())
        yield from (days, verdicts, complete, last_upload)

        for histogram in (self.metrics.ingest_seconds, self.metrics.assessment_seconds):
            for family in histogram.collect():
                family.samples = [
                    sample for sample in family.samples if sample.labels["tenant"] == self.tenant
                ]
                yield family
