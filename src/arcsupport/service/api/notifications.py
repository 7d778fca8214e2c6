"""The tenant's notifications, for its admins: the settings (reminder days, language) to read
and to set, the channels without their secrets, and the latest deliveries with their attempts
and errors. Channels themselves are added and removed with `arcsupport notify` by whoever runs
the service: a webhook URL or an SMTP password is handed to the service's operator, not sent
through the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from arcsupport.report.documents.notification import (
    ChannelDoc,
    DeliveryDoc,
    NotificationsDoc,
    NotifySettingsDoc,
)
from arcsupport.service.api.common import (
    AUTH_ERRORS,
    Admin,
    State,
    body_of,
    conditional,
    decode_body,
    documented,
    json_body,
    json_response,
    small_body,
)
from arcsupport.service.models import NotifyChannel, NotifyDelivery, Tenant
from arcsupport.service.notify import settings
from arcsupport.timeutil import iso_time

router = APIRouter(prefix="/api/v1", tags=["notifications"])
# The deliveries shown: the newest; older ones stay in the database.
LATEST = 100
_BODY_LIMIT = 4096


def _document(session: Session, tenant_id: int) -> NotificationsDoc:
    tenant = session.get(Tenant, tenant_id)
    chosen = settings.NotifySettings() if tenant is None else settings.tenant_settings(tenant)
    channels = session.scalars(
        select(NotifyChannel)
        .where(NotifyChannel.tenant_id == tenant_id, NotifyChannel.removed_at.is_(None))
        .order_by(NotifyChannel.id)
    )
    deliveries = session.scalars(
        select(NotifyDelivery)
        .where(NotifyDelivery.tenant_id == tenant_id)
        .order_by(NotifyDelivery.id.desc())
        .limit(LATEST)
    )
    return NotificationsDoc(
        schema="arcsupport.notifications/v1",
        settings=NotifySettingsDoc(days=list(chosen.days), lang=chosen.lang),
        channels=[
            ChannelDoc(
                id=channel.id,
                kind=channel.kind,  # type: ignore[arg-type]
                where=settings.describe(settings.decode_target(channel.target)),
                created_at=iso_time(channel.created_at),
            )
            for channel in channels
        ],
        deliveries=[
            DeliveryDoc(
                id=row.id,
                channel_id=row.channel_id,
                cluster_id=row.cluster_id,
                event="deadline" if row.event == "deadline" else "verdict-change",
                subject=row.subject,
                threshold_days=row.threshold if row.event == "deadline" else None,
                status=row.status,  # type: ignore[arg-type]
                attempts=row.attempts,
                last_error=row.last_error,
                created_at=iso_time(row.created_at),
                next_attempt_at=iso_time(row.next_attempt_at) if row.status == "pending" else None,
                sent_at=None if row.sent_at is None else iso_time(row.sent_at),
            )
            for row in deliveries
        ],
    )


@router.get(
    "/notifications",
    summary="The tenant's notification settings, channels and latest deliveries",
    responses=documented(200, NotificationsDoc, "The notifications", errors=(*AUTH_ERRORS, 304)),
)
async def get_notifications(request: Request, state: State, caller: Admin) -> Response:
    def document() -> bytes:
        with state.database.reading() as session:
            return json_body(_document(session, caller.tenant_id))

    return conditional(request, await run_in_threadpool(document), "application/json")


@router.put(
    "/notifications/settings",
    summary="Set the days before each deadline to remind at, and the language",
    responses=documented(
        200, NotificationsDoc, "The notifications", errors=(*AUTH_ERRORS, 413, 415)
    ),
    openapi_extra=body_of(NotifySettingsDoc),
)
async def put_settings(request: Request, state: State, caller: Admin) -> Response:
    body = decode_body(await small_body(request, _BODY_LIMIT), NotifySettingsDoc)
    days = tuple(sorted(set(body.days), reverse=True))

    def write() -> NotificationsDoc:
        with state.database.writing() as session:
            settings.set_settings(session, caller.tenant, state.clock(), days, body.lang)
            return _document(session, caller.tenant_id)

    return json_response(await run_in_threadpool(write))
