"""The upgrade plan (`arcsupport.plan/v1`): the hops that keep a cluster supported, one minor at
a time (VER-7), the Azure Local updates they need first (VER-9) and the APIs to migrate."""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from arcsupport.i18n import Lang, render
from arcsupport.lifecycle.planner import Plan, StepKind
from arcsupport.report.documents.base import Document, IsoDate

SCHEMA: Final = "arcsupport.plan/v1"


class ApiMigrationDoc(Document, frozen=True):
    api_version: str
    kind: str
    removed_in: str
    replacement: str | None
    objects: tuple[str, ...]


class PlanStepDoc(Document, frozen=True):
    kind: StepKind
    to: str
    support_ends: IsoDate | None
    skipped: tuple[str, ...]
    migrate_apis: list[ApiMigrationDoc]


class AzureLocalDoc(Document, frozen=True):
    release: str | None
    assumed: bool


class PlanDoc(Document, frozen=True):
    """Upgrade hops from a version to a target (arcsupport.plan/v1)."""

    schema: Literal["arcsupport.plan/v1"]
    from_: str = msgspec.field(name="from")
    to: str
    evaluated_at: IsoDate
    azure_local: AzureLocalDoc
    reaches_supported: bool
    supported_until: IsoDate | None
    steps: list[PlanStepDoc]
    notes: list[str]
    notices: list[str]


def plan_document(plan: Plan, lang: Lang) -> PlanDoc:
    return PlanDoc(
        schema=SCHEMA,
        from_=plan.from_version,
        to=plan.target,
        evaluated_at=plan.at.isoformat(),
        azure_local=AzureLocalDoc(release=plan.host_release, assumed=plan.host_assumed),
        reaches_supported=plan.reaches_supported,
        supported_until=plan.supported_until.isoformat() if plan.supported_until else None,
        steps=[
            PlanStepDoc(
                kind=step.kind,
                to=step.to,
                support_ends=step.support_ends.isoformat() if step.support_ends else None,
                skipped=step.skipped,
                migrate_apis=[
                    ApiMigrationDoc(
                        api_version=api.api_version,
                        kind=api.kind,
                        removed_in=api.removed_in,
                        replacement=api.replacement,
                        objects=api.objects,
                    )
                    for api in step.migrate_apis
                ],
            )
            for step in plan.steps
        ],
        notes=[render(lang, note) for note in plan.notes],
        notices=[render(lang, notice) for notice in plan.notices],
    )
