"""`arcsupport explain`: a clause of the policy or a rule, or all of them in order."""

from __future__ import annotations

import difflib
from typing import Annotated

import typer

from arcsupport.cli.options import (
    LangChoice,
    LangOption,
    Output,
    OutputOption,
    PolicyOption,
    emit,
    language,
)
from arcsupport.engine.assess import check_rules_against_pack
from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.policy.model import Pack
from arcsupport.report.documents.explain import explain_document
from arcsupport.report.jsonout import dumps
from arcsupport.rules.registry import load_rules
from arcsupport.rules.rule import Rule


def _find(item: str, pack: Pack, rules: dict[str, Rule]) -> tuple[list[str], list[Rule]]:
    """The clause (any case) or the rule `item` names, or one line with the nearest names."""
    clause_id = item.upper()
    if clause_id in pack.clauses:
        return [clause_id], []
    if item in rules:
        return [], [rules[item]]
    known = [*pack.clauses, *rules]
    close = difflib.get_close_matches(item, known, n=3) or difflib.get_close_matches(
        clause_id, known, n=3
    )
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else "; clause IDs look like VER-1, rule ids like version-lifecycle"
    )
    raise InputError(item, "no such clause or rule" + hint)


def explain(
    item: Annotated[
        str | None,
        typer.Argument(
            help="A clause ID (VER-1) or a rule id (version-lifecycle).", show_default=False
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every clause, then every rule, in order."),
    ] = False,
    policy: PolicyOption = None,
    output: OutputOption = Output.table,
    lang: LangOption = LangChoice.en,
) -> None:
    """Explain a clause of the policy or a rule: what it says, how it is checked, how to fix.

    `--output json` prints the arcsupport.explain/v1 document, for one item or with --all.
    """
    if (item is None) == (not every):
        raise InputError("explain", "give a clause ID or a rule id, or --all (not both)")
    pack = load_pack(policy)
    check_rules_against_pack(pack)  # the clause texts shown must be the rules' own account
    rules = load_rules()
    if item is None:
        clauses, explained = list(pack.clauses), list(rules.values())
    else:
        clauses, explained = _find(item, pack, rules)
    lang_code = language(lang)
    document = explain_document(
        pack, list(rules.values()), lang_code, clauses=clauses, explained=explained
    )
    if output is not Output.table:
        emit(dumps(document, output), None)
    else:
        from arcsupport.report.explain import render_explain

        emit(render_explain(document, pack, lang_code), None)


def register(app: typer.Typer) -> None:
    app.command()(explain)
