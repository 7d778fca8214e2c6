"""Support access and its audit log: a grant (`arcsupport.access-grant/v1`), a list of grants
(`arcsupport.access-grants/v1`), an access check (`arcsupport.access-check/v1`), the log
(`arcsupport.audit/v1`) and its verification (`arcsupport.audit-verify/v1`), with the sentences
the table view prints too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import UNSET, UnsetType

from arcsupport.access.audit import Problem, ProblemKind, Verification, details_of
from arcsupport.access.consent import ACTIONS, Decision, GrantRecord, Reason, State, iso
from arcsupport.access.models import AuditEntry
from arcsupport.i18n import Lang, text
from arcsupport.report.documents.base import Document

GRANT_SCHEMA: Final = "arcsupport.access-grant/v1"
GRANTS_SCHEMA: Final = "arcsupport.access-grants/v1"
CHECK_SCHEMA: Final = "arcsupport.access-check/v1"
AUDIT_SCHEMA: Final = "arcsupport.audit/v1"
VERIFY_SCHEMA: Final = "arcsupport.audit-verify/v1"

# consent.iso: UTC with a `Z`, to the microsecond when the moment has them.
Moment = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
Action = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(ACTIONS)})]
Actions = Annotated[
    tuple[str, ...],
    msgspec.Meta(min_length=1, extra_json_schema={"items": {"enum": list(ACTIONS)}}),
]


class GrantDoc(Document, frozen=True):
    """A grant as recorded: the owner's consent, and its revocation if any."""

    id: int
    cluster: str
    engineer: str
    actions: Actions
    case: str
    approved_by: str
    starts_at: Moment
    ends_at: Moment
    revoked_at: Moment | None
    revoked_by: str | None
    revoke_reason: str | None


class ListedGrantDoc(GrantDoc, frozen=True):
    state: State


class AccessGrantDoc(Document, frozen=True):
    """A grant just recorded or revoked (arcsupport.access-grant/v1); `rbac` holds the Role
    and RoleBinding objects with --emit-rbac."""

    schema: Literal["arcsupport.access-grant/v1"]
    grant: GrantDoc
    rbac: list[dict[str, Any]] | UnsetType = UNSET


class AccessGrantsDoc(Document, frozen=True):
    """Grants with their state at `evaluated_at` (arcsupport.access-grants/v1)."""

    schema: Literal["arcsupport.access-grants/v1"]
    evaluated_at: Moment
    grants: list[ListedGrantDoc]


class AccessCheckDoc(Document, frozen=True):
    """Whether an engineer may do an action on a cluster at a moment
    (arcsupport.access-check/v1); `until` is when the allowing grant ends."""

    schema: Literal["arcsupport.access-check/v1"]
    allowed: bool
    reason: Reason | None
    message: str | None
    cluster: str
    engineer: str
    action: Action
    at: Moment
    grant: int | None
    until: Moment | None


class AuditEntryDoc(Document, frozen=True):
    seq: int
    recorded_at: str
    actor: str
    action: str
    details: Annotated[
        Any, msgspec.Meta(description="The recorded JSON, or its text if unreadable")
    ]
    prev_hash: str
    hash: str


class AuditDoc(Document, frozen=True):
    """The audit log, oldest first (arcsupport.audit/v1)."""

    schema: Literal["arcsupport.audit/v1"]
    entries: list[AuditEntryDoc]


class HeadDoc(Document, frozen=True):
    seq: int | None
    hash: str | None


class ProblemDoc(Document, frozen=True):
    kind: ProblemKind
    seq: int | None
    grant: int | None
    other: str | None
    message: str


class AuditVerifyDoc(Document, frozen=True):
    """Whether the audit log is intact, or the first problem found
    (arcsupport.audit-verify/v1)."""

    schema: Literal["arcsupport.audit-verify/v1"]
    intact: bool
    entries: int
    head: HeadDoc
    problem: ProblemDoc | None


def grant_doc(record: GrantRecord) -> GrantDoc:
    return GrantDoc(
        id=record.id,
        cluster=record.cluster,
        engineer=record.engineer,
        actions=record.actions,
        case=record.case,
        approved_by=record.approved_by,
        starts_at=iso(record.starts_at),
        ends_at=iso(record.ends_at),
        revoked_at=None if record.revoked_at is None else iso(record.revoked_at),
        revoked_by=record.revoked_by,
        revoke_reason=record.revoke_reason,
    )


def access_grant_document(
    record: GrantRecord, rbac: list[dict[str, Any]] | UnsetType = UNSET
) -> AccessGrantDoc:
    return AccessGrantDoc(schema=GRANT_SCHEMA, grant=grant_doc(record), rbac=rbac)


def access_grants_document(records: Sequence[GrantRecord], at: datetime) -> AccessGrantsDoc:
    return AccessGrantsDoc(
        schema=GRANTS_SCHEMA,
        evaluated_at=iso(at),
        grants=[
            ListedGrantDoc(
                **msgspec.structs.asdict(grant_doc(record)), state=record.state_at(at)[0]
            )
            for record in records
        ],
    )


def decision_message(lang: Lang, decision: Decision, engineer: str, action: str) -> str:
    """Why access is denied; empty when it is allowed."""
    if decision.reason is None:
        return ""
    grant = decision.grant
    return text(
        lang,
        f"access.reason.{decision.reason}",
        grant="-" if grant is None else grant.id,
        when="-" if decision.when is None else iso(decision.when),
        by="-" if grant is None else grant.revoked_by,
        engineer=engineer,
        action=action,
    )


def access_check_document(
    decision: Decision, cluster: str, engineer: str, action: str, at: datetime, lang: Lang
) -> AccessCheckDoc:
    grant = decision.grant
    return AccessCheckDoc(
        schema=CHECK_SCHEMA,
        allowed=decision.allowed,
        reason=decision.reason,
        message=decision_message(lang, decision, engineer, action) or None,
        cluster=cluster,
        engineer=engineer,
        action=action,
        at=iso(at),
        grant=None if grant is None else grant.id,
        until=iso(decision.when) if decision.allowed and decision.when else None,
    )


def audit_document(entries: Sequence[AuditEntry]) -> AuditDoc:
    """Built inside the session the entries were read in."""
    return AuditDoc(
        schema=AUDIT_SCHEMA,
        entries=[
            AuditEntryDoc(
                seq=entry.seq,
                recorded_at=entry.recorded_at,
                actor=entry.actor,
                action=entry.action,
                details=details_of(entry),
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
            for entry in entries
        ],
    )


def problem_message(lang: Lang, problem: Problem) -> str:
    return text(
        lang,
        f"audit.problem.{problem.kind}",
        seq=problem.seq,
        grant=problem.grant,
        other=problem.other,
    )


def audit_verify_document(result: Verification, lang: Lang) -> AuditVerifyDoc:
    problem = result.problem
    return AuditVerifyDoc(
        schema=VERIFY_SCHEMA,
        intact=problem is None,
        entries=result.entries,
        head=HeadDoc(seq=result.head_seq, hash=result.head_hash),
        problem=None
        if problem is None
        else ProblemDoc(
            kind=problem.kind,
            seq=problem.seq,
            grant=problem.grant,
            other=problem.other,
            message=problem_message(lang, problem),
        ),
    )
