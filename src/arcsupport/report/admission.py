"""The admission guard's decision as the API server takes it back: an AdmissionReview of
admission.k8s.io/v1 with a `response`, in the reader's language.

The shape is Kubernetes' own (the API server validates it), not an arcsupport document, so it
has no schema in schema/. A refusal is a 403 Forbidden whose message cites each clause; its
`details.causes` carry one entry per refused change, the clause as `reason` and the changed
field as `field`, for a client that reads them. Warnings are the PRV-1 and SHR-4 cautions of an
allowed request."""

from __future__ import annotations

import msgspec

from arcsupport.engine.admission import AdmissionDecision, Denial
from arcsupport.i18n import render
from arcsupport.snapshot.admission import ADMISSION_API_VERSION
from arcsupport.types import Lang


class StatusCause(msgspec.Struct, frozen=True, gc=False):
    reason: str
    message: str
    field: str


class StatusDetails(msgspec.Struct, frozen=True, gc=False):
    causes: list[StatusCause]


class Status(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    code: int
    reason: str
    message: str
    details: StatusDetails | None = None


class Response(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    uid: str
    allowed: bool
    status: Status | None = None
    warnings: list[str] = []


class Review(msgspec.Struct, frozen=True, gc=False):
    apiVersion: str
    kind: str
    response: Response


_ENCODER = msgspec.json.Encoder()


def _denial_text(lang: Lang, denial: Denial) -> str:
    head = render(lang, denial.message)
    if not denial.changes:
        return head
    return f"{head} ({'; '.join(render(lang, change.message) for change in denial.changes)})"


def admission_response(decision: AdmissionDecision, lang: Lang) -> bytes:
    status = None
    if decision.denials:
        causes = [
            StatusCause(denial.clause, render(lang, change.message), change.field)
            for denial in decision.denials
            for change in denial.changes
        ]
        status = Status(
            code=403,
            reason="Forbidden",
            message=" · ".join(_denial_text(lang, denial) for denial in decision.denials),
            details=StatusDetails(causes) if causes else None,
        )
    response = Response(
        uid=decision.uid,
        allowed=decision.allowed,
        status=status,
        warnings=[render(lang, caution.message) for caution in decision.cautions],
    )
    return _ENCODER.encode(Review(ADMISSION_API_VERSION, "AdmissionReview", response))
