"""The version calendar as a table (the document is report/documents/versions.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.versions import VersionsDoc


def render_versions(data: VersionsDoc, lang: Lang) -> list[RenderableType]:
    data = clip_strings(data, lang)
    title = Text(
        text(
            lang,
            "ui.versions.title",
            at=data.evaluated_at[:10],
            policy=f"{data.policy.name} {data.policy.version}",
            as_of=data.policy.data_as_of,
        ),
        style="bold",
    )
    table = Table(box=None, pad_edge=False)
    for column in ("minor", "status", "end", "days", "basis", "patches"):
        table.add_column(text(lang, f"ui.versions.column.{column}"))
    for row in data.versions:
        table.add_row(
            row.minor,
            text(lang, f"ui.versions.status.{row.status}"),
            row.end_of_support or "-",
            "-" if row.days_left is None else str(row.days_left),
            text(lang, f"ui.basis.{row.basis}") if row.basis else "-",
            ", ".join(row.patches) or "-",
        )
    notices = [Text(f"! {notice}", style="bold yellow") for notice in data.notices]
    return [title, *notices, table]
