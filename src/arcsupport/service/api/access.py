"""The support side, scoped to the tenant: consent grants on its clusters (arcsupport.access),
access checks, and the audit log of what was done on its behalf.

A grant is given for one of the tenant's clusters (by the service's cluster id) and recorded by
the access module as the CLI records it, with the cluster's ARM id or name; the service links
the grant and each audit entry it appends to the tenant. Only linked grants count in the
tenant's checks: another tenant's cluster may carry the same name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.access import audit
from arcsupport.access import store as access_store
from arcsupport.access.audit import Problem, Verification
from arcsupport.access.consent import (
    GrantRecord,
    parse_action,
    parse_actions,
    parse_case,
    parse_duration,
    parse_identity,
    parse_reason,
    request_grant,
)
from arcsupport.access.consent import (
    GrantRequest as Consent,
)
from arcsupport.access.models import AuditEntry, AuditHead
from arcsupport.errors import InputError
from arcsupport.i18n import Lang as Language
from arcsupport.i18n import text
from arcsupport.report.documents.access import (
    AccessCheckDoc,
    AccessGrantDoc,
    AccessGrantsDoc,
    AuditDoc,
    AuditVerifyDoc,
    ProblemDoc,
    access_check_document,
    access_grant_document,
    access_grants_document,
    audit_document,
    audit_verify_document,
)
from arcsupport.report.documents.service import (
    REQUEST_SCHEMA,
    REQUESTS_SCHEMA,
    AccessRequestDoc,
    AccessRequestsDoc,
    GrantRequestDoc,
)
from arcsupport.service import store
from arcsupport.service.api.clusters import Lang
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    Admin,
    ServiceState,
    State,
    SupportEngineer,
    body_of,
    conditional,
    decode_body,
    documented,
    json_body,
    json_response,
    lang_of,
    not_found,
    small_body,
)
from arcsupport.service.models import (
    Cluster,
    GrantRequest,
    TenantAuditEntry,
    TenantGrant,
)
from arcsupport.service.tokens import Caller
from arcsupport.timeutil import iso_time, parse_at

router = APIRouter(prefix="/api/v1", tags=["support"])
_BODY_LIMIT = 64 * 1024
_WRITE_ERRORS = (*AUTH_ERRORS, 404, 413, 415)


class GrantBody(msgspec.Struct, forbid_unknown_fields=True):
    """The owner's consent for an engineer to act on one of the tenant's clusters."""

    cluster: str
    engineer: str
    actions: str
    length: str = msgspec.field(name="for")
    case: str
    approved_by: str
    starts_at: str | None = None


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """An engineer's request for access to one of the tenant's clusters."""

    cluster: str
    engineer: str
    actions: str
    length: str = msgspec.field(name="for")
    case: str
    reason: str


class ApproveBody(msgspec.Struct, forbid_unknown_fields=True):
    """The owner's consent to a pending request; the grant runs from `starts_at` (now if
    none) for as long as was asked."""

    approved_by: str
    starts_at: str | None = None


class DeclineBody(msgspec.Struct, forbid_unknown_fields=True):
    by: str
    reason: str | None = None


class RevokeBody(msgspec.Struct, forbid_unknown_fields=True):
    by: str
    reason: str | None = None
    at: str | None = None


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    cluster: str
    engineer: str
    action: str
    at: str | None = None


def _field_names(error: InputError) -> InputError:
    """The access module speaks in the CLI's option names; the API's are its body fields."""
    where = error.where.removeprefix("--").replace("-", "_")
    return InputError({"for": "for", "at": "starts_at"}.get(where, where), error.problem)


def _moment(value: str | None, where: str, state: ServiceState) -> datetime:
    return state.clock() if value is None else parse_at(value, where)


def _tenant_grants(session: Session, tenant_id: int, cluster_id: str | None = None) -> list[int]:
    query = select(TenantGrant.grant_id).where(TenantGrant.tenant_id == tenant_id)
    if cluster_id is not None:
        query = query.where(TenantGrant.cluster_id == cluster_id)
    return list(session.scalars(query))


def _link_last_entry(session: Session, tenant_id: int) -> None:
    head = session.get(AuditHead, 1)
    if head is not None:
        session.add(TenantAuditEntry(seq=head.seq, tenant_id=tenant_id))


def _cluster(session: Session, tenant_id: int, cluster_id: str) -> Cluster:
    cluster = store.cluster_of(session, tenant_id, cluster_id)
    if cluster is None:
        raise not_found("cluster")
    return cluster


@router.get(
    "/access/grants",
    summary="The tenant's support access grants, with their state now",
    responses=documented(200, AccessGrantsDoc, "The grants", errors=(*AUTH_ERRORS, 304, 404)),
)
async def list_grants(
    request: Request,
    state: State,
    caller: SupportEngineer,
    cluster: Annotated[str | None, Query(description="Only this cluster's grants.")] = None,
    active: Annotated[bool, Query(description="Only grants in force now.")] = False,
) -> Response:
    def document() -> bytes:
        return json_body(tenant_grants(state, caller, cluster, active))

    return conditional(request, await run_in_threadpool(document), "application/json")


def tenant_grants(
    state: ServiceState, caller: Caller, cluster: str | None, active: bool
) -> AccessGrantsDoc:
    """The tenant's grants (of one cluster), with their state now (the dashboard's too)."""
    now = state.clock()
    with state.database.reading() as session:
        if cluster is not None:
            _cluster(session, caller.tenant_id, cluster)
        within = _tenant_grants(session, caller.tenant_id, cluster)
        records = access_store.list_grants(session, None, now if active else None, within)
    return access_grants_document(records, now)


@router.post(
    "/access/grants",
    status_code=201,
    summary="Record the owner's consent for an engineer on one of the tenant's clusters",
    responses=documented(201, AccessGrantDoc, "The grant", errors=_WRITE_ERRORS),
    openapi_extra=body_of(GrantBody),
)
async def post_grant(request: Request, state: State, caller: Admin) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), GrantBody)
    return json_response(await run_in_threadpool(record_grant, state, caller, body), 201)


def record_grant(state: ServiceState, caller: Caller, body: GrantBody) -> AccessGrantDoc:
    """The owner's consent recorded, audited and linked to the tenant (the dashboard's too)."""
    with state.database.writing() as session:
        cluster = _cluster(session, caller.tenant_id, body.cluster)
        try:
            grant = request_grant(
                cluster=cluster.resource_id or cluster.name,
                engineer=body.engineer,
                actions=body.actions,
                case=body.case,
                approved_by=body.approved_by,
                start=_moment(body.starts_at, "starts_at", state),
                length=body.length,
            )
        except InputError as error:
            raise _field_names(error) from None
        return access_grant_document(_recorded(session, state, caller, cluster, grant))


def _recorded(
    session: Session, state: ServiceState, caller: Caller, cluster: Cluster, grant: Consent
) -> GrantRecord:
    record = access_store.create_grant(session, grant, state.clock())
    _link_last_entry(session, caller.tenant_id)
    session.add(TenantGrant(grant_id=record.id, tenant_id=caller.tenant_id, cluster_id=cluster.id))
    return record


def _request_doc(row: GrantRequest, cluster: Cluster) -> GrantRequestDoc:
    return GrantRequestDoc(
        id=row.id,
        cluster_id=cluster.id,
        cluster=cluster.name,
        engineer=row.engineer,
        actions=tuple(row.actions.split(",")),
        minutes=row.minutes,
        case=row.case_id,
        reason=row.reason,
        requested_at=iso_time(row.requested_at),
        state=row.state,  # type: ignore[arg-type]
        decided_by=row.decided_by,
        decided_at=None if row.decided_at is None else iso_time(row.decided_at),
        decline_reason=row.decline_reason,
        grant=row.grant_id,
    )


@router.get(
    "/access/requests",
    summary="The tenant's access requests, newest first, with where each stands",
    responses=documented(200, AccessRequestsDoc, "The requests", errors=(*AUTH_ERRORS, 304)),
)
async def list_requests(request: Request, state: State, caller: SupportEngineer) -> Response:
    def document() -> bytes:
        return json_body(tenant_requests(state, caller))

    return conditional(request, await run_in_threadpool(document), "application/json")


def tenant_requests(state: ServiceState, caller: Caller) -> AccessRequestsDoc:
    """The tenant's requests, newest first (the dashboard's too)."""
    with state.database.reading() as session:
        rows = session.execute(
            select(GrantRequest, Cluster)
            .join(Cluster, Cluster.id == GrantRequest.cluster_id)
            .where(GrantRequest.tenant_id == caller.tenant_id)
            .order_by(GrantRequest.id.desc())
        )
        return AccessRequestsDoc(
            schema=REQUESTS_SCHEMA, requests=[_request_doc(row, cluster) for row, cluster in rows]
        )


@router.post(
    "/access/requests",
    status_code=201,
    summary="Ask for access to one of the tenant's clusters; pending until an admin decides",
    responses=documented(201, AccessRequestDoc, "The pending request", errors=_WRITE_ERRORS),
    openapi_extra=body_of(RequestBody),
)
async def post_request(request: Request, state: State, caller: SupportEngineer) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), RequestBody)
    return json_response(await run_in_threadpool(request_access, state, caller, body), 201)


def request_access(state: ServiceState, caller: Caller, body: RequestBody) -> AccessRequestDoc:
    """A pending request, audited under the engineer's name (the dashboard's too)."""
    try:
        who = parse_identity(body.engineer, "engineer")
        actions = parse_actions(body.actions)
        minutes = parse_duration(body.length) // timedelta(minutes=1)
        case = parse_case(body.case)
        reason = parse_reason(body.reason)
    except InputError as error:
        raise _field_names(error) from None
    now = state.clock()
    with state.database.writing() as session:
        cluster = _cluster(session, caller.tenant_id, body.cluster)
        row = GrantRequest(
            tenant_id=caller.tenant_id,
            cluster_id=cluster.id,
            engineer=who,
            actions=",".join(actions),
            minutes=minutes,
            case_id=case,
            reason=reason,
            requested_at=now,
            state="pending",
        )
        session.add(row)
        session.flush()
        details = {
            "request": row.id,
            "cluster": cluster.resource_id or cluster.name,
            "engineer": who,
            "actions": list(actions),
            "minutes": minutes,
            "case": case,
            "reason": reason,
        }
        audit.append(session, now, who, audit.REQUEST, details)
        _link_last_entry(session, caller.tenant_id)
        return AccessRequestDoc(schema=REQUEST_SCHEMA, request=_request_doc(row, cluster))


def _pending(session: Session, caller: Caller, request_id: int) -> GrantRequest:
    row = session.get(GrantRequest, request_id, with_for_update=True)
    if row is None or row.tenant_id != caller.tenant_id:
        raise not_found("request")
    if row.state != "pending":
        raise InputError(f"request {request_id}", f"already {row.state} by {row.decided_by}")
    return row


@router.post(
    "/access/requests/{request_id}/approve",
    summary="Approve a pending request: the grant is recorded as the owner's consent",
    responses=documented(200, AccessRequestDoc, "The approved request", errors=_WRITE_ERRORS),
    openapi_extra=body_of(ApproveBody),
)
async def approve_request(
    request: Request, state: State, caller: Admin, request_id: int
) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), ApproveBody)
    return json_response(await run_in_threadpool(approve, state, caller, request_id, body))


def approve(
    state: ServiceState, caller: Caller, request_id: int, body: ApproveBody
) -> AccessRequestDoc:
    """The grant the request asked for, recorded and audited as any grant, and the approval
    audited with the request it answers (the dashboard's too)."""
    now = state.clock()
    with state.database.writing() as session:
        row = _pending(session, caller, request_id)
        cluster = _cluster(session, caller.tenant_id, row.cluster_id)
        try:
            grant = request_grant(
                cluster=cluster.resource_id or cluster.name,
                engineer=row.engineer,
                actions=row.actions,
                case=row.case_id,
                approved_by=body.approved_by,
                start=_moment(body.starts_at, "starts_at", state),
                length=f"{row.minutes}m",
            )
        except InputError as error:
            raise _field_names(error) from None
        record = _recorded(session, state, caller, cluster, grant)
        row.state, row.decided_by, row.decided_at = "approved", grant.approved_by, now
        row.grant_id = record.id
        details = {"request": row.id, "grant": record.id, "approved_by": grant.approved_by}
        audit.append(session, now, grant.approved_by, audit.APPROVE, details)
        _link_last_entry(session, caller.tenant_id)
        return AccessRequestDoc(schema=REQUEST_SCHEMA, request=_request_doc(row, cluster))


@router.post(
    "/access/requests/{request_id}/decline",
    summary="Decline a pending request; no grant is recorded",
    responses=documented(200, AccessRequestDoc, "The declined request", errors=_WRITE_ERRORS),
    openapi_extra=body_of(DeclineBody),
)
async def decline_request(
    request: Request, state: State, caller: Admin, request_id: int
) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), DeclineBody)
    return json_response(await run_in_threadpool(decline, state, caller, request_id, body))


def decline(
    state: ServiceState, caller: Caller, request_id: int, body: DeclineBody
) -> AccessRequestDoc:
    """The request closed without a grant, audited (the dashboard's too)."""
    try:
        who = parse_identity(body.by, "by")
        why = None if body.reason is None else parse_reason(body.reason)
    except InputError as error:
        raise _field_names(error) from None
    now = state.clock()
    with state.database.writing() as session:
        row = _pending(session, caller, request_id)
        cluster = _cluster(session, caller.tenant_id, row.cluster_id)
        row.state, row.decided_by, row.decided_at = "declined", who, now
        row.decline_reason = why
        details = {"request": row.id, "declined_by": who, "reason": why}
        audit.append(session, now, who, audit.DECLINE, details)
        _link_last_entry(session, caller.tenant_id)
        return AccessRequestDoc(schema=REQUEST_SCHEMA, request=_request_doc(row, cluster))


@router.post(
    "/access/grants/{grant_id}/revoke",
    summary="End a grant before it expires",
    responses=documented(200, AccessGrantDoc, "The revoked grant", errors=_WRITE_ERRORS),
    openapi_extra=body_of(RevokeBody),
)
async def revoke_grant(
    request: Request, state: State, caller: SupportEngineer, grant_id: int
) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), RevokeBody)
    return json_response(
        await run_in_threadpool(revoke_tenant_grant, state, caller, grant_id, body)
    )


def revoke_tenant_grant(
    state: ServiceState, caller: Caller, grant_id: int, body: RevokeBody
) -> AccessGrantDoc:
    """One of the tenant's grants ended now, audited (the dashboard's too)."""
    try:
        who = parse_identity(body.by, "by")
        why = None if body.reason is None else parse_reason(body.reason)
    except InputError as error:
        raise _field_names(error) from None
    moment = _moment(body.at, "at", state)
    with state.database.writing() as session:
        if grant_id not in _tenant_grants(session, caller.tenant_id):
            raise not_found("grant")
        record = access_store.revoke_grant(session, grant_id, who, why, moment, state.clock())
        _link_last_entry(session, caller.tenant_id)
        return access_grant_document(record)


@router.post(
    "/access/check",
    summary="May this engineer do this on this cluster now? Every check is audited",
    responses=documented(200, AccessCheckDoc, "The decision", errors=_WRITE_ERRORS),
    openapi_extra=body_of(CheckBody),
)
async def post_check(
    request: Request, state: State, caller: SupportEngineer, lang: Lang = "en"
) -> Response:
    language = lang_of(lang)
    body = decode_body(await small_body(request, _BODY_LIMIT), CheckBody)
    try:
        who = parse_identity(body.engineer, "engineer")
        what = parse_action(body.action)
    except InputError as error:
        raise _field_names(error) from None

    def write() -> AccessCheckDoc:
        moment = _moment(body.at, "at", state)
        with state.database.writing() as session:
            cluster = _cluster(session, caller.tenant_id, body.cluster)
            name = cluster.resource_id or cluster.name
            within = _tenant_grants(session, caller.tenant_id, cluster.id)
            decision = access_store.check_access(
                session, name, who, what, moment, state.clock(), within
            )
            _link_last_entry(session, caller.tenant_id)
        return access_check_document(decision, name, who, what, moment, language)

    return json_response(await run_in_threadpool(write))


def _tenant_entries(session: Session, tenant_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .join(TenantAuditEntry, TenantAuditEntry.seq == AuditEntry.seq)
            .where(TenantAuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq)
        )
    )


@router.get(
    "/audit",
    summary="The audit entries appended on the tenant's behalf, oldest first",
    responses=documented(200, AuditDoc, "The entries", errors=(*AUTH_ERRORS, 304)),
)
async def list_audit(request: Request, state: State, caller: SupportEngineer) -> Response:
    def document() -> bytes:
        return json_body(tenant_audit(state, caller))

    return conditional(request, await run_in_threadpool(document), "application/json")


def tenant_audit(state: ServiceState, caller: Caller) -> AuditDoc:
    with state.database.reading() as session:
        return audit_document(_tenant_entries(session, caller.tenant_id))


@router.get(
    "/audit/verify",
    summary="Whether the audit log holding the tenant's entries is intact",
    description=(
        "The log is one hash chain for the whole service; the answer counts the tenant's own "
        "entries and gives its last one as the head (to keep as an anchor). A problem in "
        "another tenant's entry is reported without naming it."
    ),
    responses=documented(200, AuditVerifyDoc, "The verification", errors=AUTH_ERRORS),
)
async def verify_audit(state: State, caller: SupportEngineer, lang: Lang = "en") -> Response:
    language = lang_of(lang)
    return json_response(await run_in_threadpool(tenant_verification, state, caller, language))


def tenant_verification(state: ServiceState, caller: Caller, language: Language) -> AuditVerifyDoc:
    """The chain verified, told as the tenant may see it (the dashboard's too)."""
    with state.database.reading() as session:
        result = audit.verify(session)
        own = _tenant_entries(session, caller.tenant_id)
        grants = set(_tenant_grants(session, caller.tenant_id))
    seqs = {entry.seq for entry in own}
    last = own[-1] if own else None
    scoped = Verification(
        entries=len(own),
        head_seq=None if last is None else last.seq,
        head_hash=None if last is None else last.hash,
        problem=result.problem,
    )
    problem = result.problem
    if problem is None or _concerns(problem, seqs, grants):
        return audit_verify_document(scoped, language)
    return msgspec.structs.replace(
        audit_verify_document(scoped, language),
        problem=ProblemDoc(
            kind=problem.kind,
            seq=None,
            grant=None,
            other=None,
            message=text(language, "service.audit-elsewhere"),
        ),
    )


def _concerns(problem: Problem, seqs: set[int], grants: set[int]) -> bool:
    return (problem.seq is not None and problem.seq in seqs) or (
        problem.grant is not None and problem.grant in grants
    )
