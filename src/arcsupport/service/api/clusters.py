"""A tenant's clusters: the list (filtered, most urgent first, a page at a time), one
cluster's latest assessment, its history and its upgrade plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.errors import InputError
from arcsupport.report.documents.assessment import AssessmentDoc, assessment_document
from arcsupport.report.documents.plan import PlanDoc, plan_document
from arcsupport.report.documents.service import (
    CLUSTERS_SCHEMA,
    HISTORY_SCHEMA,
    ClusterHistoryDoc,
    ClustersDoc,
)
from arcsupport.service import history, store
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    State,
    Viewer,
    conditional,
    documented,
    json_body,
    lang_of,
    not_found,
)
from arcsupport.service.api.documents import (
    cluster_summary,
    history_entry,
    history_facts,
    verdict_change,
)
from arcsupport.service.models import Cluster
from arcsupport.types import VERDICTS

router = APIRouter(prefix="/api/v1", tags=["clusters"])

Limit = Annotated[int, Query(ge=1, le=store.MAX_PAGE, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(description="The `next_cursor` of the previous page.", max_length=2048)
]
Lang = Annotated[str, Query(pattern="^(en|ko)$", description="Language of the document.")]


@router.get(
    "/clusters",
    summary="The tenant's clusters, most urgent first",
    responses=documented(200, ClustersDoc, "A page of clusters", errors=(*AUTH_ERRORS, 304)),
)
async def list_clusters(
    request: Request,
    state: State,
    caller: Viewer,
    verdict: Annotated[str | None, Query(description="Only this verdict.")] = None,
    clause: Annotated[
        str | None, Query(description="Only clusters whose findings cite this clause (VER-2).")
    ] = None,
    deadline_before: Annotated[
        date | None, Query(description="Only clusters with a deadline before this day.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=256, description="Only clusters whose name or ARM id contains this."),
    ] = None,
    azure_local_release: Annotated[
        str | None,
        Query(max_length=8, description="Only clusters on this Azure Local release (2411)."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    if verdict is not None and verdict not in VERDICTS:
        raise InputError("verdict", f"must be one of {', '.join(VERDICTS)}")
    wanted = store.ClusterFilter(
        verdict, clause.upper() if clause else None, deadline_before, q, azure_local_release
    )

    def page() -> bytes:
        with state.database.reading() as session:
            rows, following = store.list_clusters(session, caller.tenant_id, wanted, cursor, limit)
            document = ClustersDoc(
                schema=CLUSTERS_SCHEMA,
                clusters=[cluster_summary(row) for row in rows],
                next_cursor=following,
            )
        return json_body(document)

    return conditional(request, await run_in_threadpool(page), "application/json")


@router.get(
    "/clusters/{cluster_id}",
    summary="A cluster's latest assessment (arcsupport.assessment/v1)",
    responses=documented(
        200, AssessmentDoc, "The latest assessment", errors=(*AUTH_ERRORS, 304, 404)
    ),
)
async def get_cluster(
    request: Request, state: State, caller: Viewer, cluster_id: str, lang: Lang = "en"
) -> Response:
    language = lang_of(lang)

    def document() -> bytes:
        with state.database.reading() as session:
            cluster = store.cluster_of(session, caller.tenant_id, cluster_id)
            if cluster is None:
                raise not_found("cluster")
            judgement = store.latest_judgement(session, cluster)
        return json_body(assessment_document(judgement, language))

    return conditional(request, await run_in_threadpool(document), "application/json")


@router.get(
    "/clusters/{cluster_id}/history",
    summary="A cluster's assessments over time, its verdict changes and history-derived facts",
    responses=documented(200, ClusterHistoryDoc, "The history", errors=(*AUTH_ERRORS, 304, 404)),
)
async def get_history(
    request: Request,
    state: State,
    caller: Viewer,
    cluster_id: str,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    def document() -> bytes:
        with state.database.reading() as session:
            cluster = store.cluster_of(session, caller.tenant_id, cluster_id)
            if cluster is None:
                raise not_found("cluster")
            return json_body(cluster_history(session, cluster, cursor, limit))

    return conditional(request, await run_in_threadpool(document), "application/json")


def cluster_history(
    session: Session, cluster: Cluster, cursor: str | None, limit: int
) -> ClusterHistoryDoc:
    """The history document (the dashboard's cluster page shows the same)."""
    rows, changes, following = store.history(session, cluster, cursor, limit)
    newest = history.newest_scan(session, cluster)
    return ClusterHistoryDoc(
        schema=HISTORY_SCHEMA,
        cluster=cluster_summary(cluster),
        assessments=[history_entry(row, snapshot) for row, snapshot in rows],
        verdict_changes=[verdict_change(change) for change in changes],
        facts=None if newest is None else history_facts(newest),
        next_cursor=following,
    )


@router.get(
    "/clusters/{cluster_id}/plan",
    summary="The upgrade hops that keep the cluster supported (arcsupport.plan/v1)",
    responses=documented(200, PlanDoc, "The plan", errors=(*AUTH_ERRORS, 304, 404)),
)
async def get_plan(
    request: Request,
    state: State,
    caller: Viewer,
    cluster_id: str,
    to: Annotated[
        str | None, Query(max_length=32, description="Target minor or version, or `latest`.")
    ] = None,
    lang: Lang = "en",
) -> Response:
    language = lang_of(lang)

    def document() -> bytes:
        from arcsupport.engine.plan import plan_for_snapshot

        with state.database.reading() as session:
            cluster = store.cluster_of(session, caller.tenant_id, cluster_id)
            if cluster is None:
                raise not_found("cluster")
            snapshot = store.latest_snapshot(session, cluster)
        plan = plan_for_snapshot(snapshot, state.policy.get().pack, state.clock(), target=to)
        return json_body(plan_document(plan, language))

    return conditional(request, await run_in_threadpool(document), "application/json")
