"""Uploads: a bundle (`.tar.gz`) or a Resource Graph export, as the request body.

The body is refused before it is read when its declared length is over the limit, and while it
is read when it grows past it (a chunked body declares nothing); what is accepted is spooled to
a private temporary folder, hashed on the way, and handed to the hardened readers of sources/.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.report.documents.assessment import AssessmentDoc, assessment_document
from arcsupport.report.documents.service import (
    INGEST_SCHEMA,
    IngestDoc,
    IngestedClusterDoc,
)
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    Operator,
    ServiceError,
    ServiceState,
    State,
    documented,
    json_response,
)
from arcsupport.service.ingest import Outcome, Received, ingest
from arcsupport.service.store import Kind
from arcsupport.service.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["uploads"])

_BUNDLE_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
_GZIP = b"\x1f\x8b"
_UPLOAD_ERRORS = (*AUTH_ERRORS, 413, 415)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _spool(request: Request, limit: int, folder: Path, suffix: str) -> Received:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ServiceError(400, "bad-request", "Content-Length is not a number")
        if int(declared) > limit:
            raise ServiceError(413, "too-large", f"the body is over the {limit} byte limit")
    digest = hashlib.sha256()
    size = 0
    part = folder / "upload.part"
    with part.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServiceError(413, "too-large", f"the body is over the {limit} byte limit")
            digest.update(chunk)
            handle.write(chunk)
    if size == 0:
        raise ServiceError(400, "bad-request", "the body is empty")
    sha256 = digest.hexdigest()
    # Named after its hash: a bundle that names no cluster is called by it (upload-<hash>).
    path = part.rename(folder / f"upload-{sha256[:12]}{suffix}")
    return Received(path, sha256, size)


async def _received(
    request: Request, state: ServiceState, caller: Caller, kind: Kind, suffix: str
) -> Outcome:
    folder = Path(tempfile.mkdtemp(prefix="arcsupport-upload-"))
    try:
        received = await _spool(request, state.settings.max_upload_bytes, folder, suffix)
        if kind == "bundle":
            with received.path.open("rb") as handle:
                if handle.read(2) != _GZIP:
                    raise ServiceError(
                        400, "bad-request", "the body is not a .tar.gz bundle (no gzip header)"
                    )
        return await run_in_threadpool(
            ingest,
            state.database,
            caller,
            kind,
            received,
            state.policy.get(),
            state.settings.archive_limits(),
            state.clock,
            state.metrics,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.post(
    "/bundles",
    status_code=201,
    summary="Store a bundle and judge it",
    description=(
        "The body is a bundle as `arcsupport collect` writes it (`.tar.gz`), or a tarred "
        "`kubectl cluster-info dump`. 201 with its assessment; the same bytes again, 200 "
        "with the stored one. `Location` names the cluster."
    ),
    responses={
        **documented(201, AssessmentDoc, "Stored and judged", errors=_UPLOAD_ERRORS),
        200: {"description": "These bytes were stored before: their assessment"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def post_bundle(request: Request, state: State, caller: Operator) -> Response:
    if _media_type(request) not in _BUNDLE_TYPES:
        raise ServiceError(415, "unsupported-media-type", "send the bundle as application/gzip")
    outcome = await _received(request, state, caller, "bundle", ".tar.gz")
    stored = outcome.clusters[0]
    return json_response(
        assessment_document(stored.judgement, "en"),
        201 if outcome.created else 200,
        {"Location": f"/api/v1/clusters/{stored.cluster.id}"},
    )


@router.post(
    "/inventory",
    status_code=201,
    summary="Store the clusters of an Azure Resource Graph export and judge them",
    description=(
        "The body is the JSON of `az graph query ... -o json` (connected clusters, "
        "provisioned cluster instances, subscriptions). A cluster a bundle has shown keeps "
        "its bundle's judgement: rows show much less."
    ),
    responses={
        **documented(201, IngestDoc, "Stored", errors=_UPLOAD_ERRORS),
        200: {"description": "These bytes were stored before"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": ["object", "array"]}}},
        }
    },
)
async def post_inventory(request: Request, state: State, caller: Operator) -> Response:
    if _media_type(request) != "application/json":
        raise ServiceError(415, "unsupported-media-type", "send the export as application/json")
    outcome = await _received(request, state, caller, "inventory", ".json")
    document = IngestDoc(
        schema=INGEST_SCHEMA,
        sha256=outcome.sha256,
        clusters=[
            IngestedClusterDoc(
                id=stored.cluster.id,
                name=stored.cluster.name,
                verdict=stored.cluster.verdict,  # type: ignore[arg-type]
                assessed=stored.latest,
            )
            for stored in outcome.clusters
        ],
        partial=outcome.partial,
    )
    return json_response(document, 201 if outcome.created else 200)
