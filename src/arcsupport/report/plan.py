"""The upgrade plan as JSON (`arcsupport.plan/v1`) and as a table."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.i18n import Lang, render, text
from arcsupport.lifecycle.planner import Plan

SCHEMA = "arcsupport.plan/v1"


def plan_data(plan: Plan, lang: Lang) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "from": plan.from_version,
        "to": plan.target,
        "evaluated_at": plan.at.isoformat(),
        "azure_local": {"release": plan.host_release, "assumed": plan.host_assumed},
        "reaches_supported": plan.reaches_supported,
        "supported_until": plan.supported_until.isoformat() if plan.supported_until else None,
        "steps": [
            {
                "kind": step.kind,
                "to": step.to,
                "support_ends": step.support_ends.isoformat() if step.support_ends else None,
                "skipped": list(step.skipped),
                "migrate_apis": [
                    {
                        "api_version": api.api_version,
                        "kind": api.kind,
                        "removed_in": api.removed_in,
                        "replacement": api.replacement,
                        "objects": list(api.objects),
                    }
                    for api in step.migrate_apis
                ],
            }
            for step in plan.steps
        ],
        "notes": [render(lang, note) for note in plan.notes],
    }


def render_plan_table(plan: Plan, lang: Lang) -> list[RenderableType]:
    data = plan_data(plan, lang)
    out: list[RenderableType] = [
        Text(
            text(
                lang,
                "plan.table.header",
                source=data["from"],
                target=data["to"],
                at=data["evaluated_at"],
            ),
            style="bold",
        )
    ]
    out.extend(Text(f"! {note}", style="yellow") for note in data["notes"])
    steps = Table(box=None, pad_edge=False, padding=(0, 1))
    for column in ("step", "kind", "to", "support-ends", "notes"):
        # Notes name API versions longer than the column: fold them, never cut them off.
        steps.add_column(
            text(lang, f"plan.table.column.{column}"),
            overflow="fold" if column == "notes" else "ellipsis",
        )
    for number, step in enumerate(data["steps"], start=1):
        notes = []
        if step["skipped"]:
            notes.append(text(lang, "plan.table.skipped", minors=", ".join(step["skipped"])))
        for api in step["migrate_apis"]:
            notes.append(
                text(
                    lang,
                    "plan.table.migrate",
                    api=f"{api['api_version']} {api['kind']}",
                    replacement=api["replacement"] or "-",
                    count=len(api["objects"]),
                )
            )
        steps.add_row(
            str(number),
            text(lang, f"plan.kind.{step['kind']}"),
            step["to"],
            step["support_ends"] or "-",
            "; ".join(notes),
        )
    if data["steps"]:
        out.append(steps)
    else:
        out.append(Text(text(lang, "plan.table.nothing")))
    verdict = "plan.table.reaches" if data["reaches_supported"] else "plan.table.does-not-reach"
    out.append(Text(text(lang, verdict, until=data["supported_until"] or "-"), style="bold"))
    return out
