"""Triage of a support case, against the policy's scope rules, optionally with one of the
tenant's clusters (its latest snapshot is judged, as `triage --bundle` does)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.engine.triage import Case, cluster_for_triage, parse_case, triage
from arcsupport.report.documents.triage import triage_document
from arcsupport.report.schemas import SCHEMAS
from arcsupport.service import store
from arcsupport.service.api.clusters import Lang
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    State,
    Viewer,
    body_of,
    decode_body,
    documented,
    json_response,
    lang_of,
    not_found,
    small_body,
)
from arcsupport.sources.case import MAX_CASE_BYTES
from arcsupport.textanalysis import korean_morphology

router = APIRouter(prefix="/api/v1", tags=["support"])


@router.post(
    "/triage",
    summary="Triage a support case (in scope, best effort, out of scope, upgrade first)",
    responses=documented(
        200, SCHEMAS["triage"][0], "The decision", errors=(*AUTH_ERRORS, 404, 413, 415)
    ),
    openapi_extra=body_of(Case),
)
async def post_triage(
    request: Request,
    state: State,
    caller: Viewer,
    cluster: Annotated[
        str | None, Query(description="One of the tenant's clusters, judged with the case.")
    ] = None,
    lang: Lang = "en",
) -> Response:
    language = lang_of(lang)
    document: Any = decode_body(await small_body(request, MAX_CASE_BYTES), dict[str, Any])
    case = parse_case(document, "body")

    def decide() -> bytes | Any:
        from arcsupport.sources.known_issues import builtin_known_issues

        pack = state.policy.get().pack
        # Loaded once per process, on the first case (its model takes seconds).
        morphology = korean_morphology()
        moment = state.clock()
        if cluster is None:
            return triage_document(triage(case, pack, morphology=morphology, at=moment), language)
        with state.database.reading() as session:
            found = store.cluster_of(session, caller.tenant_id, cluster)
            if found is None:
                raise not_found("cluster")
            snapshot = store.latest_snapshot(session, found)
        context = cluster_for_triage(snapshot, pack, moment, builtin_known_issues())
        result = triage(
            case,
            pack,
            morphology=morphology,
            at=moment,
            assessment=context.assessment,
            plan=context.plan,
            known_issues=context.known_issues,
        )
        return triage_document(result, language)

    return json_response(await run_in_threadpool(decide))
