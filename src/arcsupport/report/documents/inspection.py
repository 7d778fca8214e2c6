"""What a bundle holds and whether it is safe to share (`arcsupport.bundle-inspection/v1`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

from arcsupport.report.documents.base import Document
from arcsupport.sources.inspection import MAX_LISTED_HITS, Inspection

SCHEMA: Final = "arcsupport.bundle-inspection/v1"

Count = Annotated[int, msgspec.Meta(ge=0)]


class FileDoc(Document, frozen=True):
    name: str
    size: Annotated[Count, msgspec.Meta(description="Bytes, uncompressed")]
    items: Annotated[Count | None, msgspec.Meta(description="For Lists: how many objects")]


class ManifestClusterDoc(Document, frozen=True):
    name: str
    resource_id: str


class PartReasonDoc(Document, frozen=True):
    part: str
    reason: str


class RedactionDoc(Document, frozen=True):
    """As the bundle's manifest records it."""

    what: str
    count: int


class ManifestDoc(Document, frozen=True):
    format: str
    collected_at: datetime | None
    cluster: ManifestClusterDoc
    collector: str
    not_collected: list[PartReasonDoc]
    redacted: list[RedactionDoc]


class KindPresentDoc(Document, frozen=True):
    kind: str
    items: Count | None


class KindMissingDoc(Document, frozen=True):
    kind: str
    reason: str


class KindsDoc(Document, frozen=True):
    present: list[KindPresentDoc]
    missing: list[KindMissingDoc]


class PartsDoc(Document, frozen=True):
    present: list[str]
    missing: list[PartReasonDoc]


class HitDoc(Document, frozen=True):
    """A sensitive place, named by file, object and field; never its value."""

    file: str
    object: str
    field: str
    problem: str


class PrivacyDoc(Document, frozen=True):
    clean: bool
    hits_total: Count
    hits: Annotated[
        list[HitDoc],
        msgspec.Meta(
            max_length=MAX_LISTED_HITS, description=f"The first {MAX_LISTED_HITS} of hits_total"
        ),
    ]


class InspectionDoc(Document, frozen=True):
    """A bundle's files, manifest, parts and privacy check (arcsupport.bundle-inspection/v1);
    `manifest` is null when the bundle has no manifest.json."""

    schema: Literal["arcsupport.bundle-inspection/v1"]
    bundle: str
    archive_size: Count | None
    files: list[FileDoc]
    manifest: ManifestDoc | None
    kinds: KindsDoc
    parts: PartsDoc
    privacy: PrivacyDoc


def inspection_document(result: Inspection) -> InspectionDoc:
    manifest = result.manifest
    return InspectionDoc(
        schema=SCHEMA,
        bundle=result.source,
        archive_size=result.archive_size,
        files=[FileDoc(name=file.name, size=file.size, items=file.items) for file in result.files],
        manifest=None
        if manifest is None
        else ManifestDoc(
            format=manifest.format,
            collected_at=manifest.collected_at,
            cluster=ManifestClusterDoc(
                name=manifest.cluster.name, resource_id=manifest.cluster.resource_id
            ),
            collector=manifest.collector,
            not_collected=[
                PartReasonDoc(part=entry.part, reason=entry.reason)
                for entry in manifest.not_collected
            ],
            redacted=[
                RedactionDoc(what=entry.what, count=entry.count) for entry in manifest.redacted
            ],
        ),
        kinds=KindsDoc(
            present=[
                KindPresentDoc(kind=kind, items=items)
                for kind, items in result.kinds_present.items()
            ],
            missing=[
                KindMissingDoc(kind=entry.part, reason=entry.reason)
                for entry in result.kinds_missing
            ],
        ),
        parts=PartsDoc(
            present=list(result.parts_present),
            missing=[
                PartReasonDoc(part=entry.part, reason=entry.reason)
                for entry in result.parts_missing
            ],
        ),
        privacy=PrivacyDoc(
            clean=result.clean,
            hits_total=result.hits_total,
            hits=[
                HitDoc(file=hit.file, object=hit.object, field=hit.field, problem=hit.problem)
                for hit in result.hits
            ],
        ),
    )
