"""`arcsupport rbac` (the least privilege a collection needs) and `arcsupport bundle inspect`
(what a bundle holds, and whether it is safe to share)."""

from __future__ import annotations

import inspect
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from arcsupport.cli.options import Output, OutputOption, emit
from arcsupport.report.jsonout import dumps
from arcsupport.sources.inspection import MAX_LISTED_HITS, Inspection, Missing, inspect_bundle
from arcsupport.sources.live import rbac
from arcsupport.timeutil import as_utc

INSPECTION_SCHEMA = "arcsupport.bundle-inspection/v1"
# The table lists this many hits; --output json lists up to MAX_LISTED_HITS.
_TABLE_HITS = 50


class RbacFormat(StrEnum):
    yaml = "yaml"
    json = "json"


def rbac_command(
    helm_secrets: Annotated[
        bool,
        typer.Option(
            "--helm-secrets",
            help="Add `list` on Secrets, for `arcsupport collect --helm-secrets` (see above).",
        ),
    ] = False,
    namespace: Annotated[
        str, typer.Option("--namespace", help="Namespace of the ServiceAccount that collects.")
    ] = rbac.DEFAULT_NAMESPACE,
    service_account: Annotated[
        str, typer.Option("--service-account", help="The ServiceAccount that collects.")
    ] = rbac.DEFAULT_SERVICE_ACCOUNT,
    output: Annotated[
        RbacFormat, typer.Option("--output", "-o", help="Output format.")
    ] = RbacFormat.yaml,
) -> None:
    """Print the least privilege `arcsupport collect` needs: a ClusterRole, its binding to a
    ServiceAccount, and the Azure role.

    The ClusterRole grants only get and list, on exactly the resources the rules read, plus get
    on /version, /apis and /metrics. It grants nothing on Secrets: Helm releases are recognised
    from the labels and annotations of the workloads themselves. With --helm-secrets it adds
    `list` on Secrets, because Helm keeps its releases there; arcsupport then asks for their
    metadata only, but RBAC cannot limit `list` to metadata, so that rule lets its holder read
    the data of every Secret in the cluster (tokens, keys, passwords). Grant it only on
    purpose.

    Azure: the built-in role Reader (acdd72a7-3385-48ef-bd42-f606fba81ae7) on the resource
    groups of the connected cluster, the custom location and the Azure Local instance; the
    `az role assignment create` commands follow the YAML as comments. With --output json,
    stdout is a v1 List that `kubectl apply -f -` takes, and those comments go to stderr.
    """
    if output is RbacFormat.json:
        emit(dumps(rbac.rbac_list(helm_secrets, namespace, service_account)), None)
        sys.stderr.write(rbac.notes(helm_secrets))
    else:
        emit(rbac.rbac_yaml(helm_secrets, namespace, service_account), None)


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


def inspection_data(result: Inspection) -> dict[str, Any]:
    manifest = result.manifest
    return {
        "schema": INSPECTION_SCHEMA,
        "bundle": result.source,
        "archive_size": result.archive_size,
        "files": [
            {"name": file.name, "size": file.size, "items": file.items} for file in result.files
        ],
        "manifest": None
        if manifest is None
        else {
            "format": manifest.format,
            "collected_at": manifest.collected_at,
            "cluster": {
                "name": manifest.cluster.name,
                "resource_id": manifest.cluster.resource_id,
            },
            "collector": manifest.collector,
            "not_collected": [
                {"part": entry.part, "reason": entry.reason} for entry in manifest.not_collected
            ],
            "redacted": [{"what": entry.what, "count": entry.count} for entry in manifest.redacted],
        },
        "kinds": {
            "present": [
                {"kind": kind, "items": items} for kind, items in result.kinds_present.items()
            ],
            "missing": [
                {"kind": entry.part, "reason": entry.reason} for entry in result.kinds_missing
            ],
        },
        "parts": {
            "present": result.parts_present,
            "missing": [
                {"part": entry.part, "reason": entry.reason} for entry in result.parts_missing
            ],
        },
        "privacy": {
            "clean": result.clean,
            "hits_total": result.hits_total,
            "hits": [
                {"file": hit.file, "object": hit.object, "field": hit.field, "problem": hit.problem}
                for hit in result.hits
            ],
        },
    }


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


def inspect_command(
    bundle: Annotated[
        Path,
        typer.Argument(help="A bundle: a directory or a .tar.gz.", show_default=False),
    ],
    output: OutputOption = Output.table,
) -> None:
    """Show what a bundle holds before it is shared, and check it for what must not be.

    Lists each file with its size and, for Lists, its item count; the kinds present and
    missing (with the reason the manifest gives); the manifest (when and by what it was
    collected, what was not collected, what was redacted). The privacy check looks for Secret
    objects with data, environment variable values, last-applied-configuration annotations with
    more than apiVersion and kind, client certificates, and any string that holds a secret:
    private keys, JWTs and bearer tokens, AWS keys, Azure storage account keys, shared access
    keys and SAS URLs, GitHub and Slack tokens, connection strings with a password. It names
    the file, object and field of each and the kind of secret, never the value.

    Exit codes: 0 clean, 1 something sensitive found, 2 bad input.
    """
    result = inspect_bundle(bundle)
    if output is Output.json:
        emit(dumps(inspection_data(result)), None)
    else:
        emit(render_inspection(result), None)
    raise typer.Exit(0 if result.clean else 1)


def _help(function: Any) -> str:
    """The docstring with one line per paragraph: the help renderer keeps line breaks, so it
    rewraps only long lines."""
    text = inspect.cleandoc(function.__doc__ or "")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n"))


def register(app: typer.Typer) -> None:
    app.command("rbac", help=_help(rbac_command))(rbac_command)
    bundle_app = typer.Typer(help="Look into a bundle before it is shared.", no_args_is_help=True)
    bundle_app.command("inspect", help=_help(inspect_command))(inspect_command)
    app.add_typer(bundle_app, name="bundle")
