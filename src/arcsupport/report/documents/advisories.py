"""Security advisories matched to clusters (`arcsupport.advisories/v1`, SEC-1, SEC-2): per
cluster the affected components with their instances and the upgrade that fixes them, what
could not be determined, and the records that were withdrawn or name untracked packages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

from arcsupport.i18n import Lang, render, text
from arcsupport.report.documents.base import Document, Timestamp
from arcsupport.rules.advisories.match import (
    ClusterAdvisories,
    Exposure,
    RemedyKind,
    Undetermined,
    UndeterminedReason,
)
from arcsupport.snapshot.advisory import AdvisorySet, Component, SkipReason
from arcsupport.snapshot.model import Snapshot
from arcsupport.timeutil import iso_time

SCHEMA: Final = "arcsupport.advisories/v1"

Ids = Annotated[
    tuple[str, ...], msgspec.Meta(min_length=1, description="The CVE first, then the records' ids")
]


class SkippedDoc(Document, frozen=True):
    source: str
    id: str
    reason: SkipReason
    text: str


class LoadedDoc(Document, frozen=True):
    records: Annotated[int, msgspec.Meta(ge=0)]
    skipped: list[SkippedDoc]


class VulnerabilityDoc(Document, frozen=True):
    ids: Ids
    summary: str
    severity: str | None
    url: str | None


class InstanceEvidenceDoc(Document, frozen=True):
    object: str
    field: str
    value: str
    source: str


class InstanceDoc(Document, frozen=True):
    node: Annotated[str | None, msgspec.Meta(description="null: cluster-wide")]
    installed: str
    fixed: Annotated[
        str,
        msgspec.Meta(
            description="The fixed version, `> X` after a last affected one, `-` when none"
        ),
    ]
    record: str
    ids: Ids
    evidence: InstanceEvidenceDoc


class RemediationDoc(Document, frozen=True):
    kind: RemedyKind
    kubernetes_version: str | None
    azure_local_release: str | None
    update_azure_local: bool
    text: str


class ExposureDoc(Document, frozen=True):
    component: Component
    title: str
    message: str
    vulnerabilities: Annotated[list[VulnerabilityDoc], msgspec.Meta(min_length=1)]
    instances: Annotated[list[InstanceDoc], msgspec.Meta(min_length=1)]
    remediation: RemediationDoc


class UndeterminedDoc(Document, frozen=True):
    ids: Ids
    component: Component
    reason: UndeterminedReason
    text: str
    nodes: tuple[str, ...]
    packages: tuple[str, ...]


class UntrackedDoc(Document, frozen=True):
    record: str
    package: str


class ClusterAdvisoriesDoc(Document, frozen=True):
    source: str
    cluster: str
    kubernetes_version: str | None
    azure_local_release: str | None
    affected: bool
    components: list[ExposureDoc]
    undetermined: list[UndeterminedDoc]
    withdrawn: tuple[str, ...]
    untracked: list[UntrackedDoc]


class AdvisoriesDoc(Document, frozen=True):
    """Security advisories matched to clusters (arcsupport.advisories/v1)."""

    schema: Literal["arcsupport.advisories/v1"]
    evaluated_at: Timestamp
    lang: Lang
    advisories: LoadedDoc
    clusters: list[ClusterAdvisoriesDoc]


def _exposure(exposure: Exposure, lang: Lang) -> ExposureDoc:
    remedy = exposure.remediation
    return ExposureDoc(
        component=exposure.component,
        title=render(lang, exposure.message, "title"),
        message=render(lang, exposure.message, "message"),
        vulnerabilities=[
            VulnerabilityDoc(
                ids=flaw.ids, summary=flaw.summary, severity=flaw.severity, url=flaw.url
            )
            for flaw in exposure.vulnerabilities
        ],
        instances=[
            InstanceDoc(
                node=hit.node,
                installed=hit.installed,
                fixed=hit.bound.describe(),
                record=hit.record,
                ids=hit.vulnerability.ids,
                evidence=InstanceEvidenceDoc(
                    object=hit.evidence.object,
                    field=hit.evidence.field,
                    value=hit.evidence.value,
                    source=hit.evidence.source,
                ),
            )
            for hit in exposure.hits
        ],
        remediation=RemediationDoc(
            kind=remedy.kind,
            kubernetes_version=remedy.target,
            azure_local_release=remedy.release,
            update_azure_local=remedy.kind.endswith("-update-host"),
            text=render(lang, exposure.message, "fix"),
        ),
    )


def _undetermined(item: Undetermined, lang: Lang) -> UndeterminedDoc:
    return UndeterminedDoc(
        ids=item.vulnerability.ids,
        component=item.component,
        reason=item.reason,
        text=text(
            lang, f"advisories.reason.{item.reason}", packages=", ".join(item.packages) or "-"
        ),
        nodes=item.nodes,
        packages=item.packages,
    )


def advisories_document(
    loaded: AdvisorySet,
    results: Sequence[tuple[Snapshot, ClusterAdvisories]],
    at: datetime,
    lang: Lang,
) -> AdvisoriesDoc:
    return AdvisoriesDoc(
        schema=SCHEMA,
        evaluated_at=iso_time(at),
        lang=lang,
        advisories=LoadedDoc(
            records=len(loaded.advisories),
            skipped=[
                SkippedDoc(
                    source=item.source,
                    id=item.id,
                    reason=item.reason,
                    text=text(lang, f"advisories.skip.{item.reason}", line=item.detail),
                )
                for item in loaded.skipped
            ],
        ),
        clusters=[
            ClusterAdvisoriesDoc(
                source=snapshot.source,
                cluster=snapshot.cluster_name,
                kubernetes_version=result.kubernetes_version,
                azure_local_release=result.host_release,
                affected=result.affected,
                components=[_exposure(exposure, lang) for exposure in result.exposures],
                undetermined=[_undetermined(item, lang) for item in result.undetermined],
                withdrawn=result.withdrawn,
                untracked=[
                    UntrackedDoc(record=record, package=package)
                    for record, package in result.untracked
                ],
            )
            for snapshot, result in results
        ],
    )
