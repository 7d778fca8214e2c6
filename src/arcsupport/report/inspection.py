"""What a bundle holds and whether it is safe to share, for a terminal (the document is
report/documents/inspection.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.report.clip import clip_strings
from arcsupport.sources.inspection import MAX_LISTED_HITS, Inspection, Missing
from arcsupport.timeutil import as_utc

# The table lists this many hits; --output json lists up to MAX_LISTED_HITS.
_TABLE_HITS = 50


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    unit = "KB"
    for larger in ("MB", "GB"):
        if value < 1024:
            break
        value /= 1024
        unit = larger
    return f"{value:.1f} {unit}"


def _manifest_lines(result: Inspection) -> list[RenderableType]:
    manifest = result.manifest
    if manifest is None:
        return [
            Text("Manifest: none (no manifest.json: when and by what it was collected is unknown)")
        ]
    collected = (
        as_utc(manifest.collected_at).isoformat().replace("+00:00", "Z")
        if manifest.collected_at
        else "unknown"
    )
    out: list[RenderableType] = [
        Text(f"Manifest: {manifest.format}, collected {collected}"),
        Text(f"  cluster: {manifest.cluster.name or 'unnamed'}"),
    ]
    if manifest.cluster.resource_id:
        out.append(Text(f"  resource id: {manifest.cluster.resource_id}"))
    out.append(Text(f"  collector: {manifest.collector or 'not recorded'}"))
    for entry in manifest.not_collected:
        out.append(Text(f"  not collected: {entry.part}: {entry.reason}"))
    redacted = ", ".join(f"{entry.what} {entry.count}" for entry in manifest.redacted)
    out.append(Text(f"  redacted: {redacted or 'nothing recorded'}"))
    return out


def _files_table(result: Inspection) -> Table:
    table = Table(title=None, box=None, pad_edge=False, show_edge=False)
    table.add_column("file")
    table.add_column("size", justify="right")
    table.add_column("items", justify="right")
    for file in result.files:
        table.add_row(file.name, _size(file.size), "" if file.items is None else str(file.items))
    return table


def _missing_lines(missing: list[Missing]) -> list[RenderableType]:
    """One line per reason: most parts are missing for the same one."""
    by_reason: dict[str, list[str]] = {}
    for entry in missing:
        by_reason.setdefault(entry.reason, []).append(entry.part)
    return [
        Text(f"  missing ({reason}): {', '.join(parts)}", style="yellow")
        for reason, parts in by_reason.items()
    ]


def _parts_lines(result: Inspection) -> list[RenderableType]:
    present = ", ".join(
        kind if items is None else f"{kind} ({items})"
        for kind, items in result.kinds_present.items()
    )
    return [
        Text(f"Kinds present: {present or 'none'}"),
        *_missing_lines(result.kinds_missing),
        Text(f"Other parts present: {', '.join(result.parts_present) or 'none'}"),
        *_missing_lines(result.parts_missing),
    ]


def _privacy_lines(result: Inspection) -> list[RenderableType]:
    if result.clean:
        return [Text("Privacy check: clean", style="bold green")]
    out: list[RenderableType] = [
        Text(
            f"Privacy check: {result.hits_total} sensitive place(s); remove them before sharing "
            "(values are not shown)",
            style="bold red",
        )
    ]
    for hit in result.hits[:_TABLE_HITS]:
        where = ": ".join(part for part in (hit.file, hit.object, hit.field) if part != "-")
        out.append(Text(f"  {where}: {hit.problem}"))
    hidden = result.hits_total - min(len(result.hits), _TABLE_HITS)
    if hidden:
        out.append(Text(f"  ... and {hidden} more (--output json lists up to {MAX_LISTED_HITS})"))
    return out


def render_inspection(result: Inspection) -> list[RenderableType]:
    result = clip_strings(result, "en")
    total = sum(file.size for file in result.files)
    head = f"Bundle {result.source}: {len(result.files)} files, {_size(total)}"
    if result.archive_size is not None:
        head += f" ({_size(result.archive_size)} compressed)"
    return [
        Text(head, style="bold"),
        *_manifest_lines(result),
        _files_table(result),
        *_parts_lines(result),
        *_privacy_lines(result),
    ]
