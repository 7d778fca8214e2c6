"""What every command shares: the common options, the evaluation time, the console, and
writing a document to stdout or to a file without ever leaving half of it behind."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arcsupport.errors import InputError
from arcsupport.timeutil import parse_evaluation_time

if TYPE_CHECKING:  # rich is imported when a table is drawn, not by every command
    from rich.console import Console, RenderableType

    from arcsupport.i18n import Lang


class Output(StrEnum):
    table = "table"
    json = "json"


class LangChoice(StrEnum):
    en = "en"
    ko = "ko"


class FailOn(StrEnum):
    unsupported = "unsupported"
    warning = "warning"
    info = "info"


AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Evaluate as of this date or time (2025-09-15 or 2025-09-15T00:00:00Z). Default: now.",
        show_default=False,
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="A policy pack (folder or file), or an overlay that says `extends: aks-arc`.",
        show_default=False,
    ),
]
OutputOption = Annotated[Output, typer.Option("--output", "-o", help="Output format.")]
LangOption = Annotated[LangChoice, typer.Option("--lang", help="Language of the report.")]


def at_moment(value: str | None) -> datetime:
    return parse_evaluation_time(value) if value else datetime.now(UTC).replace(microsecond=0)


def console() -> Console:
    from rich.console import Console

    interactive = sys.stdout.isatty()
    return Console(
        width=None if interactive else 80,
        highlight=False,
        soft_wrap=False,
        color_system="auto" if interactive else None,
    )


def language(lang: LangChoice) -> Lang:
    language: Lang = lang.value
    return language


def write_atomically(target: Path, data: bytes) -> None:
    """Write next to the target, then rename: a failure never leaves half a report behind."""
    if not target.name:  # `--out ''` arrives as Path("."), the current folder
        raise InputError("--out", f"{str(target)!r} names a folder, not a file (so does '')")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(target)
    except OSError as exc:
        # Below a file (ENOTDIR) the temporary file cannot exist, and unlink fails the same way.
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise InputError(str(target), exc.strerror or str(exc)) from None


def emit(document: str | bytes | list[RenderableType], out: Path | None) -> None:
    """Print to stdout, or write `--out` (tables are drawn at 80 columns into a file)."""
    if isinstance(document, list):
        from rich.console import Console

        from arcsupport.report.table import print_renderables

        if out is None:
            print_renderables(console(), document)
            return
        buffer = io.StringIO()
        print_renderables(
            Console(file=buffer, width=80, color_system=None, highlight=False), document
        )
        document = buffer.getvalue()
    data = document.encode("utf-8") if isinstance(document, str) else document
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(out, data)


OutFileOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write the report to this file instead of stdout.", show_default=False
    ),
]
FailOnOption = Annotated[
    FailOn,
    typer.Option("--fail-on", help="Exit 1 when any finding is at or above this severity."),
]


AdvisoriesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--advisories",
        "-a",
        help=(
            "Security advisories to match (SEC-2): OSV JSON files, folders of them, or the "
            "Kubernetes official CVE feed. Repeat for several."
        ),
        show_default=False,
    ),
]
