"""What a rule returns: findings with their evidence, operation effects, deadlines, and gaps
(the part of a rule that could not run); `NotEvaluated` when none of it could."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.snapshot.model import Provenance
from arcsupport.types import Decision, Operation, Severity

# A finding about many objects shows this many as evidence and by name in its message; its
# arguments say how many there are in all.
EVIDENCE_CAP = 10


def name_list(names: Sequence[str], cap: int = EVIDENCE_CAP) -> str:
    """`a, b, c (+7)`: the first `cap` names for a message, and how many more there are."""
    more = len(names) - cap
    return ", ".join(names[:cap]) + (f" (+{more})" if more > 0 else "")


class Evidence(msgspec.Struct, frozen=True, gc=False):
    object: str
    field: str
    value: str
    provenance: Provenance
    source: str


class Finding(msgspec.Struct, frozen=True, gc=False):
    rule: str
    clauses: tuple[str, ...]
    severity: Severity
    message: Message  # the catalog entry has title, message and fix
    evidence: tuple[Evidence, ...]
    deadline: date | None = None


class OperationEffect(msgspec.Struct, frozen=True, gc=False):
    operation: Operation
    decision: Decision
    clauses: tuple[str, ...]
    reason: Message


class Deadline(msgspec.Struct, frozen=True, gc=False):
    date: date
    clauses: tuple[str, ...]
    what: Message


class Gap(msgspec.Struct, frozen=True, gc=False):
    """Part of a rule could not run; the rest of it did."""

    needs: tuple[Message, ...]  # catalog entries `needs.*`: what it read nothing of


Outcome = Finding | OperationEffect | Deadline | Gap


class NotEvaluated(Exception):
    """Raised by a rule that lacks the facts it needs."""

    def __init__(self, *needs: Message) -> None:
        super().__init__(", ".join(need.key for need in needs))
        self.needs = needs
