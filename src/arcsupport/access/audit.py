"""The audit log: an append-only hash chain of every grant, revocation and access check.

Entry n carries `hash = SHA-256(canonical JSON of {seq, recorded_at, actor, action, details,
prev_hash})`, where `prev_hash` is entry n-1's hash (64 zeros for the first). The head table holds
the last sequence number and hash, written in the same transaction as each entry. `verify` walks
the chain, compares its end with the head, and replays the grant and revoke entries against the
grants table, so an edit to any of the three tables is found.

The chain has no secret key: whoever can write to the database and recompute hashes can rewrite
it from any entry onwards, head included. An anchor (a sequence number and hash recorded
elsewhere) catches that for every entry up to the anchor; see docs/support-access.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arcsupport.access.consent import cluster_key, identity_key
from arcsupport.access.models import GENESIS_HASH, AuditEntry, AuditHead, Grant

GRANT = "access.grant"
REVOKE = "access.revoke"
CHECK = "access.check"
# The fleet service's access requests: asked by an engineer, approved (beside the grant's own
# entry) or declined by the tenant's admin.
REQUEST = "access.request"
APPROVE = "access.approve"
DECLINE = "access.decline"


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 text as is, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def stamp(moment: datetime) -> str:
    """Fixed width with microseconds, so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    seq: int, recorded_at: str, actor: str, action: str, details: Any, prev_hash: str
) -> str:
    payload = canonical_json(
        {
            "seq": seq,
            "recorded_at": recorded_at,
            "actor": actor,
            "action": action,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class HeadMissing(Exception):
    """The head row is gone: only an edit outside arcsupport removes it."""


def lock_head(session: Session) -> AuditHead:
    """The head, locked until the transaction ends; every write transaction takes it first.

    On PostgreSQL, FOR UPDATE makes a second appender wait until the first commits; under READ
    COMMITTED (which store pins) its wait ends by reading the head as the first left it, so it
    extends that head and no two appends ever extend the same one (a fork). The primary key on
    `seq` is the backstop. On SQLite, BEGIN IMMEDIATE (see store) has already serialised every
    writer, and SQLAlchemy leaves the clause out there."""
    query = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = session.scalars(query).one_or_none()
    if head is None:
        raise HeadMissing
    return head


def append(session: Session, now: datetime, actor: str, action: str, details: Any) -> None:
    """The only way an entry is written. It extends the head, not the last row found: after a
    tampered tail, the gap stays visible to `verify`."""
    head = lock_head(session)
    seq = head.seq + 1
    recorded_at = stamp(now)
    digest = entry_hash(seq, recorded_at, actor, action, details, head.hash)
    entry = AuditEntry(
        seq=seq,
        recorded_at=recorded_at,
        actor=actor,
        action=action,
        details=canonical_json(details),
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq = seq
    head.hash = digest
    session.flush()


def entries(session: Session, since: datetime | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if since is not None:
        query = query.where(AuditEntry.recorded_at >= stamp(since))
    return list(session.scalars(query))


def details_of(entry: AuditEntry) -> Any:
    """The parsed details, or the stored text when an edit has left it unreadable."""
    try:
        return json.loads(entry.details)
    except (TypeError, ValueError):
        return entry.details


ProblemKind = Literal[
    "changed",
    "reordered",
    "missing",
    "added",
    "truncated",
    "head-missing",
    "anchor",
    "grant-added",
    "grant-missing",
    "grant-changed",
    "grant-unreadable",
]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    # The first audit entry concerned (None when only the grants table or the head is).
    seq: int | None = None
    grant: int | None = None
    # What the message needs besides: the head's seq, the seq written as, or a field name.
    other: str | None = None

    def data(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "grant": self.grant, "other": self.other}


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int | None
    head_hash: str | None
    problem: Problem | None


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str


_GRANT_FIELDS = (
    "cluster",
    "engineer",
    "actions",
    "case",
    "approved_by",
    "starts_at",
    "ends_at",
    "revoked_at",
    "revoked_by",
    "revoke_reason",
)


@dataclass(frozen=True)
class _Stored:
    """An entry as read back for verification; any field may hold what an edit put there."""

    seq: int
    recorded_at: Any
    actor: Any
    action: Any
    details: Any
    prev_hash: Any
    hash: Any

    def text_fields(self) -> bool:
        fields = (self.recorded_at, self.actor, self.action, self.details, self.prev_hash)
        return all(isinstance(value, str) for value in (*fields, self.hash))


def _decoded(text: str) -> Any:
    """The details if they are canonical JSON; None when an edit changed their spelling."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if canonical_json(value) == text else None


def _why_mismatch(row: _Stored, details: Any, last_seq: int) -> Problem:
    """A row whose hash fails: was it written under another sequence number (moved), or
    edited? The nearest numbers are tried first; this runs only once a problem is found."""
    candidates = sorted(range(1, last_seq + 1), key=lambda seq: abs(seq - row.seq))
    for seq in candidates:
        if seq != row.seq and row.hash == entry_hash(
            seq, row.recorded_at, row.actor, row.action, details, row.prev_hash
        ):
            return Problem("reordered", seq=row.seq, other=str(seq))
    return Problem("changed", seq=row.seq)


def _replay(
    expected: dict[int, tuple[int, dict[str, Any]]], entry: _Stored, details: Any
) -> Problem | None:
    """Fold one grant or revoke entry into the grants the log says exist."""
    if entry.action not in (GRANT, REVOKE):
        return None
    grant_id = details.get("id") if isinstance(details, dict) else None
    if not isinstance(grant_id, int):
        return Problem("changed", seq=entry.seq)
    if entry.action == GRANT:
        expected[grant_id] = (entry.seq, {field: details.get(field) for field in _GRANT_FIELDS})
        return None
    if grant_id not in expected:
        return Problem("changed", seq=entry.seq)
    seq, fields = expected[grant_id]
    revoked = {key: details.get(key) for key in ("revoked_at", "revoked_by", "revoke_reason")}
    expected[grant_id] = (seq, {**fields, **revoked})
    return None


def _check_grants(
    session: Session, expected: dict[int, tuple[int, dict[str, Any]]]
) -> Problem | None:
    try:
        grants = list(session.scalars(select(Grant).order_by(Grant.id)))
    except (ValueError, TypeError):
        # SQLite stores whatever text it is given; a date that no longer parses was edited.
        return Problem("grant-unreadable")
    for grant in grants:
        if grant.id not in expected:
            return Problem("grant-added", grant=grant.id)
        seq, fields = expected.pop(grant.id)
        actual = grant.record().data()
        for field in _GRANT_FIELDS:
            if actual[field] != fields[field]:
                return Problem("grant-changed", seq=seq, grant=grant.id, other=field)
        # The keys the lookups use are derived; an edit to them alone would move the grant.
        if grant.cluster_key != cluster_key(grant.cluster):
            return Problem("grant-changed", seq=seq, grant=grant.id, other="cluster_key")
        if grant.engineer_key != identity_key(grant.engineer):
            return Problem("grant-changed", seq=seq, grant=grant.id, other="engineer_key")
    if expected:
        grant_id, (seq, _) = min(expected.items(), key=lambda item: item[1][0])
        return Problem("grant-missing", seq=seq, grant=grant_id)
    return None


def verify(session: Session, anchors: tuple[Anchor, ...] = ()) -> Verification:
    """Walk the chain; stop at the first problem, naming the entry it concerns. It locks
    nothing: run it in a transaction that reads one snapshot (store.read_transaction), so that
    the head, the entries and the grants it compares are of one moment."""
    head = session.get(AuditHead, 1)
    head_seq = None if head is None else head.seq
    head_hash = None if head is None else head.hash
    pinned = {anchor.seq: anchor.hash for anchor in anchors}
    expected_grants: dict[int, tuple[int, dict[str, Any]]] = {}
    count = 0
    previous_hash = GENESIS_HASH

    def result(problem: Problem | None) -> Verification:
        return Verification(count, head_seq, head_hash, problem)

    columns = AuditEntry.__table__.c
    rows = session.execute(
        select(
            columns.seq,
            columns.recorded_at,
            columns.actor,
            columns.action,
            columns.details,
            columns.prev_hash,
            columns.hash,
        ).order_by(columns.seq)
    )
    for values in rows:
        row = _Stored(*values)
        expected_seq = count + 1
        if row.seq < expected_seq or (head_seq is not None and row.seq > head_seq):
            return result(Problem("added", seq=row.seq))
        if row.seq > expected_seq:
            return result(Problem("missing", seq=expected_seq))
        details = _decoded(row.details) if row.text_fields() else None
        if details is None:
            return result(Problem("changed", seq=row.seq))
        recomputed = entry_hash(
            row.seq, row.recorded_at, row.actor, row.action, details, row.prev_hash
        )
        if recomputed != row.hash:
            last_seq = session.scalar(select(func.max(columns.seq))) or row.seq
            return result(_why_mismatch(row, details, last_seq))
        if row.prev_hash != previous_hash:
            # This entry is intact, so its predecessor was edited and re-hashed.
            return result(Problem("changed", seq=row.seq - 1))
        if row.seq in pinned and pinned.pop(row.seq) != row.hash:
            return result(Problem("anchor", seq=row.seq))
        problem = _replay(expected_grants, row, details)
        if problem is not None:
            return result(problem)
        previous_hash = row.hash
        count += 1
    if head is None:
        return result(Problem("head-missing"))
    if count < head.seq:
        return result(Problem("truncated", seq=count + 1, other=str(head.seq)))
    if previous_hash != head.hash:
        # The last entry verifies by itself but not against the head: edited and re-hashed.
        return result(Problem("changed", seq=count))
    if pinned:
        return result(Problem("missing", seq=min(pinned)))
    return result(_check_grants(session, expected_grants))
