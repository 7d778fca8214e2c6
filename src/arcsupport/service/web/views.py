"""What each page shows, read through the same store and document functions as the API's
routes: the fleet by urgency, one cluster, and the support side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from arcsupport.engine.plan import plan_for_snapshot
from arcsupport.errors import InputError
from arcsupport.i18n import Lang
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.report.documents.access import AccessGrantsDoc, AuditDoc, AuditVerifyDoc
from arcsupport.report.documents.assessment import AssessmentDoc, FindingDoc, assessment_document
from arcsupport.report.documents.plan import PlanDoc, plan_document
from arcsupport.report.documents.service import (
    AccessRequestsDoc,
    ClusterHistoryDoc,
    ClusterSummaryDoc,
    TenantDeadlineDoc,
)
from arcsupport.report.summary import severity_counts
from arcsupport.report.timeline import Timeline, build_timeline
from arcsupport.service import store
from arcsupport.service.api.access import (
    tenant_audit,
    tenant_grants,
    tenant_requests,
    tenant_verification,
)
from arcsupport.service.api.clusters import cluster_history
from arcsupport.service.api.common import ServiceState, not_found
from arcsupport.service.api.documents import cluster_summary, tenant_deadlines
from arcsupport.service.tokens import Caller
from arcsupport.service.web.charts import VerdictChart, daily_counts, verdict_chart
from arcsupport.types import SEVERITY_ORDER, VERDICTS, Severity, Verdict

PAGE = 100
DEADLINE_DAYS = 90
_CHART_DAYS = 90
_DEADLINES_SHOWN = 50
_HISTORY_SHOWN = 50


@dataclass(frozen=True)
class Filters:
    verdict: str | None = None
    clause: str | None = None
    release: str | None = None
    text: str | None = None

    @classmethod
    def read(cls, values: dict[str, str]) -> Filters:
        """The filters a query names; an empty value is no filter, an unknown verdict a 400."""
        verdict = values.get("verdict") or None
        if verdict is not None and verdict not in VERDICTS:
            raise InputError("verdict", f"must be one of {', '.join(VERDICTS)}")
        clause = values.get("clause") or None
        text = (values.get("q") or "").strip()[:256] or None
        release = (values.get("release") or "")[:8] or None
        return cls(verdict, clause.upper()[:32] if clause else None, release, text)

    def query(self) -> dict[str, str]:
        named = {"verdict": self.verdict, "clause": self.clause, "release": self.release}
        return {key: value for key, value in {**named, "q": self.text}.items() if value}


@dataclass(frozen=True)
class ClusterRow:
    summary: ClusterSummaryDoc
    release: str | None


@dataclass(frozen=True)
class FleetView:
    today: date
    totals: dict[Verdict, int]
    chart: VerdictChart
    deadlines: list[TenantDeadlineDoc]
    more_deadlines: bool
    deadline_end: date
    filters: Filters
    clauses: list[str]
    releases: list[str]
    clusters: list[ClusterRow]
    next_cursor: str | None


def fleet(
    state: ServiceState, caller: Caller, filters: Filters, cursor: str | None, lang: Lang
) -> FleetView:
    today = state.clock().date()
    end = today + timedelta(days=DEADLINE_DAYS)
    wanted = store.ClusterFilter(
        verdict=filters.verdict,
        clause=filters.clause,
        text=filters.text,
        azure_local_release=filters.release,
    )
    with state.database.reading() as session:
        rows, following = store.list_clusters(session, caller.tenant_id, wanted, cursor, PAGE)
        clusters = [ClusterRow(cluster_summary(row), row.azure_local_release) for row in rows]
        counts = store.verdict_counts(session, caller.tenant_id)
        changes = [
            (change.cluster_id, change.at, change.to_verdict)
            for change in store.tenant_verdict_changes(session, caller.tenant_id)
        ]
        due, more = store.deadlines(
            session, caller.tenant_id, end + timedelta(days=1), None, _DEADLINES_SHOWN
        )
        deadlines = tenant_deadlines(due, lang)
        clauses = store.cited_clauses(session, caller.tenant_id)
        releases = store.azure_local_releases(session, caller.tenant_id)
    return FleetView(
        today=today,
        totals={verdict: counts.get(verdict, 0) for verdict in VERDICTS},
        chart=verdict_chart(daily_counts(changes, today, _CHART_DAYS)),
        deadlines=deadlines,
        more_deadlines=more is not None,
        deadline_end=end,
        filters=filters,
        clauses=clauses,
        releases=releases,
        clusters=clusters,
        next_cursor=following,
    )


@dataclass(frozen=True)
class Group:
    severity: Severity
    findings: list[FindingDoc]


@dataclass(frozen=True)
class ClusterView:
    """`cluster` is what report/templates/timeline.svg.j2 draws: it reads `cluster.timeline`."""

    today: date
    release: str | None
    doc: AssessmentDoc
    groups: list[Group]
    counts: dict[Severity, int]
    clause_texts: dict[str, str]
    timeline: Timeline
    plan: PlanDoc | None
    plan_problem: str | None
    history: ClusterHistoryDoc

    @property
    def cluster(self) -> ClusterView:
        return self


def cluster(state: ServiceState, caller: Caller, cluster_id: str, lang: Lang) -> ClusterView:
    with state.database.reading() as session:
        row = store.cluster_of(session, caller.tenant_id, cluster_id)
        if row is None:
            raise not_found("cluster")
        judgement = store.latest_judgement(session, row)
        snapshot = store.latest_snapshot(session, row)
        history = cluster_history(session, row, None, _HISTORY_SHOWN)
        release = row.azure_local_release
    pack = state.policy.get().pack
    doc = assessment_document(judgement, lang)
    plan = problem = None
    try:
        plan = plan_document(plan_for_snapshot(snapshot, pack, state.clock()), lang)
    except InputError as error:
        problem = error.problem
    cited = {clause for finding in doc.findings for clause in finding.clauses}
    return ClusterView(
        today=judgement.evaluated_at.date(),
        release=release,
        doc=doc,
        groups=[
            Group(severity, found)
            for severity in SEVERITY_ORDER
            if (found := [item for item in doc.findings if item.severity == severity])
        ],
        counts=severity_counts(judgement),
        clause_texts={
            clause: pack.clauses[clause].text.get(lang)
            for clause in sorted(cited)
            if clause in pack.clauses
        },
        timeline=build_timeline(judgement, VersionCalendar(pack), lang),
        plan=plan,
        plan_problem=problem,
        history=history,
    )


@dataclass(frozen=True)
class SupportView:
    grants: AccessGrantsDoc
    requests: AccessRequestsDoc
    audit: AuditDoc
    verification: AuditVerifyDoc
    clusters: list[ClusterSummaryDoc]


def support(state: ServiceState, caller: Caller, lang: Lang) -> SupportView:
    with state.database.reading() as session:
        clusters = [cluster_summary(row) for row in store.every_cluster(session, caller.tenant_id)]
    return SupportView(
        grants=tenant_grants(state, caller, None, False),
        requests=tenant_requests(state, caller),
        audit=tenant_audit(state, caller),
        verification=tenant_verification(state, caller, lang),
        clusters=sorted(clusters, key=lambda summary: summary.name),
    )
