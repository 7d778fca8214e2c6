"""Clauses and rules for a terminal, one labelled line per field (the document is
report/documents/explain.py); with several items, a blank line between them."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.policy.model import Pack
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.explain import ClauseDoc, ExplainDoc, RuleDoc


def _line(lang: Lang, label_key: str, value: str) -> Text:
    return Text(f"{text(lang, label_key)}: ", style="bold") + Text(value)


def _clause(item: ClauseDoc, lang: Lang) -> list[RenderableType]:
    return [
        _line(lang, "ui.explain.clause", item.id),
        _line(lang, "ui.explain.section", f"{item.section.id} - {item.section.title}"),
        _line(lang, "ui.explain.effect", text(lang, f"ui.severity.{item.effect}")),
        _line(lang, "ui.explain.statement", item.statement),
        _line(lang, "ui.explain.check", item.check),
        _line(lang, "ui.explain.fix", item.fix),
        _line(
            lang,
            "ui.explain.cited-by",
            ", ".join(item.cited_by) or text(lang, "ui.explain.none"),
        ),
    ]


def _rule(item: RuleDoc, pack: Pack, lang: Lang) -> list[RenderableType]:
    return [
        _line(lang, "ui.explain.rule", f"{item.id} - {item.title}"),
        _line(lang, "ui.explain.what", item.what),
        _line(lang, "ui.explain.why", item.why),
        _line(lang, "ui.explain.fix", item.fix),
        _line(lang, "ui.explain.needs", "; ".join(item.needs)),
        Text(f"{text(lang, 'ui.explain.clauses')}:", style="bold"),
        *(
            Text(f"  {clause_id}: {pack.clauses[clause_id].text.get(lang)}")
            for clause_id in item.clauses
        ),
    ]


def render_explain(data: ExplainDoc, pack: Pack, lang: Lang) -> list[RenderableType]:
    """`pack` words the clauses a rule cites."""
    data = clip_strings(data, lang)
    blocks = [_clause(item, lang) for item in data.clauses]
    blocks += [_rule(item, pack, lang) for item in data.rules]
    out: list[RenderableType] = []
    for number, block in enumerate(blocks):
        if number:
            out.append(Text(""))
        out.extend(block)
    return out
