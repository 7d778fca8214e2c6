"""Clauses of the policy and the rules that check them (`arcsupport.explain/v1`), in the
reader's language: what `arcsupport explain` prints, for one item or for all of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Final, Literal

import msgspec

from arcsupport.i18n import Lang, render, text
from arcsupport.policy.model import Pack
from arcsupport.report.documents.base import ClauseId, Document, PolicyDoc, policy_doc
from arcsupport.rules.rule import Rule
from arcsupport.types import Effect, Operation

SCHEMA: Final = "arcsupport.explain/v1"


class SectionDoc(Document, frozen=True):
    id: str
    title: str


class ClauseDoc(Document, frozen=True):
    """A clause of the policy: what it says, how arcsupport checks it, how to comply."""

    id: ClauseId
    section: SectionDoc
    effect: Annotated[Effect, msgspec.Meta(description="What applies when the clause is broken")]
    statement: str
    check: str
    fix: str
    cited_by: Annotated[tuple[str, ...], msgspec.Meta(description="Ids of the rules citing it")]


class RuleDoc(Document, frozen=True):
    """A rule: what it checks and why, how to fix what it finds, the facts it reads."""

    id: str
    title: str
    what: str
    why: str
    fix: str
    needs: tuple[str, ...]
    clauses: Annotated[tuple[ClauseId, ...], msgspec.Meta(min_length=1)]
    operations: Annotated[
        tuple[Operation, ...], msgspec.Meta(description="Operations it can warn on or block")
    ]
    module: Annotated[
        str,
        msgspec.Meta(
            description="Its module under arcsupport.rules, and so its catalog "
            "(i18n/<lang>/rules/<module>.toml)"
        ),
    ]


class ExplainDoc(Document, frozen=True):
    """Clauses and rules (arcsupport.explain/v1): one of them, or every one in order."""

    schema: Literal["arcsupport.explain/v1"]
    lang: Lang
    policy: PolicyDoc
    clauses: list[ClauseDoc]
    rules: list[RuleDoc]


def clause_doc(pack: Pack, clause_id: str, rules: Sequence[Rule], lang: Lang) -> ClauseDoc:
    clause = pack.clauses[clause_id]
    section = pack.sections[clause.section]
    return ClauseDoc(
        id=clause_id,
        section=SectionDoc(id=clause.section, title=section.ko if lang == "ko" else section.en),
        effect=clause.effect,
        statement=clause.text.get(lang),
        check=clause.check.get(lang),
        fix=clause.fix.get(lang),
        cited_by=tuple(spec.id for spec in rules if clause_id in spec.clauses),
    )


def rule_doc(spec: Rule, lang: Lang) -> RuleDoc:
    entry = f"rule.{spec.id}"
    return RuleDoc(
        id=spec.id,
        title=text(lang, entry, "title"),
        what=text(lang, entry, "what"),
        why=text(lang, entry, "why"),
        fix=text(lang, entry, "fix"),
        needs=tuple(render(lang, need) for need in spec.needs),
        clauses=spec.clauses,
        operations=spec.operations,
        module=spec.module,
    )


def explain_document(
    pack: Pack,
    rules: Sequence[Rule],
    lang: Lang,
    *,
    clauses: Sequence[str],
    explained: Sequence[Rule],
) -> ExplainDoc:
    """`clauses` (ids of the pack) and `explained` (rules); `rules` are all of them, for the
    rules each clause is cited by."""
    return ExplainDoc(
        schema=SCHEMA,
        lang=lang,
        policy=policy_doc(pack.pack),
        clauses=[clause_doc(pack, clause_id, rules, lang) for clause_id in clauses],
        rules=[rule_doc(spec, lang) for spec in explained],
    )
