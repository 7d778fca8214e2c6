"""The version calendar on a date (`arcsupport.versions/v1`): every minor with its status,
end of support and patches, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

from arcsupport.i18n import Lang, render
from arcsupport.lifecycle.calendar import EndBasis, MinorState, VersionCalendar
from arcsupport.policy.model import Pack
from arcsupport.report.documents.base import Document, IsoDate, PolicyDoc, Timestamp, policy_doc
from arcsupport.timeutil import iso_time

SCHEMA: Final = "arcsupport.versions/v1"


class MinorDoc(Document, frozen=True):
    minor: Annotated[str, msgspec.Meta(pattern=r"^\d+\.\d+$")]
    status: MinorState
    end_of_support: IsoDate | None
    days_left: Annotated[int | None, msgspec.Meta(description="Negative once support has ended")]
    basis: EndBasis | None
    first_azure_local: str | None
    patches: tuple[str, ...]


class VersionsDoc(Document, frozen=True):
    """The AKS Arc Kubernetes minors on a date, newest first (arcsupport.versions/v1)."""

    schema: Literal["arcsupport.versions/v1"]
    evaluated_at: Timestamp
    policy: PolicyDoc
    newest_azure_local: str | None
    versions: list[MinorDoc]
    notices: list[str]


def versions_document(pack: Pack, at: datetime, lang: Lang) -> VersionsDoc:
    calendar = VersionCalendar(pack)
    today = at.date()
    newest = calendar.newest_release(today)
    return VersionsDoc(
        schema=SCHEMA,
        evaluated_at=iso_time(at),
        policy=policy_doc(pack.pack),
        newest_azure_local=newest.name if newest else None,
        versions=[
            MinorDoc(
                minor=status.minor,
                status=status.status,
                end_of_support=status.end_of_support.isoformat() if status.end_of_support else None,
                days_left=status.days_left(today),
                basis=status.basis,
                first_azure_local=status.first_release,
                patches=status.patches,
            )
            for status in reversed(calendar.all_minors(today))
        ],
        notices=[render(lang, notice) for notice in calendar.notices(today)],
    )
