"""What a rule is: a pure function of a Context (the shared facts, the pack, the evaluation
time) that yields outcomes, declared with its clauses, needs and operations by `@rule`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime

import msgspec

from arcsupport.i18n.message import Message
from arcsupport.policy.model import Pack
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Deadline, Evidence, Finding, OperationEffect, Outcome
from arcsupport.snapshot.model import Snapshot
from arcsupport.types import Arg, Decision, Operation, Severity


class Context(msgspec.Struct, frozen=True, gc=False):
    """What one rule sees: the shared facts, the pack, and the evaluation time."""

    rule: str
    facts: Facts
    at: datetime
    today: date  # at.date(): asked for several times by most rules, for every cluster of a fleet

    @property
    def snapshot(self) -> Snapshot:
        return self.facts.snapshot

    @property
    def pack(self) -> Pack:
        return self.facts.pack

    def finding(
        self,
        key: str,
        severity: Severity,
        clauses: tuple[str, ...],
        evidence: tuple[Evidence, ...] | list[Evidence],
        deadline: date | None = None,
        **args: Arg,
    ) -> Finding:
        return Finding(
            self.rule, clauses, severity, Message(f"{self.rule}.{key}", args), tuple(evidence),
            deadline,
        )  # fmt: skip

    def operation(
        self,
        operation: Operation,
        decision: Decision,
        clauses: tuple[str, ...],
        key: str,
        **args: Arg,
    ) -> OperationEffect:
        return OperationEffect(operation, decision, clauses, Message(f"{self.rule}.op.{key}", args))

    def deadline(self, day: date, clauses: tuple[str, ...], key: str, **args: Arg) -> Deadline:
        return Deadline(day, clauses, Message(f"{self.rule}.deadline.{key}", args))


RuleFunction = Callable[[Context], Iterator[Outcome]]
ADVISORIES = "advisories"


class Rule(msgspec.Struct, frozen=True, gc=False):
    id: str
    clauses: tuple[str, ...]
    needs: tuple[Message, ...]  # the facts it reads, as coverage words them (`needs.*`)
    operations: tuple[Operation, ...]  # operations it can warn on or block
    check: RuleFunction
    # Snapshot fields (or ADVISORIES, the advisories given to the engine) without which the
    # rule reads nothing else of the snapshot: when all are absent its outcome depends on the
    # pack, the time and the advisories alone, and the engine reuses it across a fleet (tests
    # check the claim by recording what each rule reads).
    inert_without: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """`versions` for a rule of arcsupport.rules.versions, `advisories` for one of that
        package: the name of the catalog that documents it (i18n/<lang>/rules/<module>.toml)."""
        return self.check.__module__.split(".")[2]


def rule(
    id: str,
    *,
    clauses: tuple[str, ...],
    needs: tuple[Message, ...],
    operations: tuple[Operation, ...] = (),
    inert_without: tuple[str, ...] = (),
) -> Callable[[RuleFunction], Rule]:
    """Declare a rule under a stable id; `registry.RULES` lists it. Its documentation lives in
    the message catalog of its module (`i18n/<lang>/rules/<module>.toml`)."""

    def declare(function: RuleFunction) -> Rule:
        return Rule(id, clauses, needs, operations, function, inert_without)

    return declare
