"""The upgrade plan as a table (the document is report/documents/plan.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.lifecycle.planner import Plan
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.plan import plan_document


def render_plan_table(plan: Plan, lang: Lang, *, notices: bool = True) -> list[RenderableType]:
    """`notices=False` where the caller already printed the same calendar's notices (triage)."""
    data = plan_document(clip_strings(plan, lang), lang)
    out: list[RenderableType] = [
        Text(
            text(
                lang,
                "plan.table.header",
                source=data.from_,
                target=data.to,
                at=data.evaluated_at,
            ),
            style="bold",
        )
    ]
    if notices:
        out.extend(Text(f"! {notice}", style="bold yellow") for notice in data.notices)
    out.extend(Text(f"! {note}", style="yellow") for note in data.notes)
    steps = Table(box=None, pad_edge=False, padding=(0, 1))
    for column in ("step", "kind", "to", "support-ends", "notes"):
        # Notes name API versions longer than the column: fold them, never cut them off.
        steps.add_column(
            text(lang, f"plan.table.column.{column}"),
            overflow="fold" if column == "notes" else "ellipsis",
        )
    for number, step in enumerate(data.steps, start=1):
        notes = []
        if step.skipped:
            notes.append(text(lang, "plan.table.skipped", minors=", ".join(step.skipped)))
        for api in step.migrate_apis:
            notes.append(
                text(
                    lang,
                    "plan.table.migrate",
                    api=f"{api.api_version} {api.kind}",
                    replacement=api.replacement or "-",
                    count=len(api.objects),
                )
            )
        steps.add_row(
            str(number),
            text(lang, f"plan.kind.{step.kind}"),
            step.to,
            step.support_ends or "-",
            "; ".join(notes),
        )
    if data.steps:
        out.append(steps)
    else:
        out.append(Text(text(lang, "plan.table.nothing")))
    verdict = "plan.table.reaches" if data.reaches_supported else "plan.table.does-not-reach"
    out.append(Text(text(lang, verdict, until=data.supported_until or "-"), style="bold"))
    return out
