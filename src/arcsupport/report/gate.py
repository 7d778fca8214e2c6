"""The gate's decision for a terminal (the document is report/documents/gate.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.gate import GateDoc
from arcsupport.report.table import DECISION_STYLE


def render_gate(data: GateDoc, lang: Lang) -> list[RenderableType]:
    data = clip_strings(data, lang)
    decision = Text(text(lang, f"ui.decision.{data.decision}").upper())
    decision.stylize(DECISION_STYLE[data.decision])
    lines: list[RenderableType] = [
        Text(
            text(
                lang,
                "gate.header",
                operation=data.operation,
                cluster=data.cluster,
                at=data.evaluated_at[:10],
                decision="",
            ),
            style="bold",
        )
        + decision
    ]
    lines.extend(Text(f"! {notice}", style="bold yellow") for notice in data.notices)
    # A reason that wraps keeps its indent (a grid column, not a leading space).
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(no_wrap=True)
    reasons.add_column()
    for reason in data.reasons:
        reasons.add_row("  -", reason)
    if data.reasons:
        lines.append(reasons)
    if data.clauses:
        lines.append(Text(f"  {', '.join(data.clauses)}", style="dim"))
    else:
        lines.append(Text("  " + text(lang, "gate.no-reasons")))
    return lines
