"""`arcsupport bundle inspect`: what a bundle holds, and whether it is safe to share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import Output, OutputOption, emit, paragraphs
from arcsupport.sources.inspection import inspect_bundle


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
    if output is not Output.table:
        from arcsupport.report.documents.inspection import inspection_document
        from arcsupport.report.jsonout import dumps

        emit(dumps(inspection_document(result), output), None)
    else:
        from arcsupport.report.inspection import render_inspection

        emit(render_inspection(result), None)
    raise typer.Exit(0 if result.clean else 1)


def register(app: typer.Typer) -> None:
    bundle_app = typer.Typer(help="Look into a bundle before it is shared.", no_args_is_help=True)
    bundle_app.command("inspect", help=paragraphs(inspect_command.__doc__ or ""))(inspect_command)
    app.add_typer(bundle_app, name="bundle")
