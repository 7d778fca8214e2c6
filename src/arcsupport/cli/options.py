"""What the commands share: the common options, the evaluation time, and writing a document
to stdout or to a file (drawn by report/terminal.py when it is a table)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arcsupport.files import write_output
from arcsupport.timeutil import parse_evaluation_time

if TYPE_CHECKING:  # the table views are drawn by rich, imported only to draw one
    from arcsupport.i18n import Lang
    from arcsupport.report.terminal import Renderables
    from arcsupport.snapshot.advisory import AdvisorySet


class Output(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


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
OutFileOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help=(
            "Write the report to this file instead of stdout (`-`: stdout). A file is "
            "replaced whole or not at all; a device, a pipe or `>(cmd)` is written to as "
            "it is; the run's own inputs are refused."
        ),
        show_default=False,
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

# Where `collect` and `check --live` read from.
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="The kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config.",
        show_default=False,
    ),
]
ContextOption = Annotated[
    str | None,
    typer.Option(
        "--context",
        help="The kubeconfig context. Default: its current-context.",
        show_default=False,
    ),
]
InClusterOption = Annotated[
    bool,
    typer.Option(
        "--in-cluster", help="Use the service account of the pod this runs in (a CronJob)."
    ),
]
HelmSecretsOption = Annotated[
    bool,
    typer.Option(
        "--helm-secrets", help="Also list Helm release Secrets, metadata only (see above)."
    ),
]
AzureResourceIdOption = Annotated[
    str | None,
    typer.Option(
        "--azure-resource-id",
        help="The connected cluster's ARM id: also read its Azure resources (az login first).",
        show_default=False,
    ),
]
SubscriptionOption = Annotated[
    str | None,
    typer.Option(
        "--subscription",
        help="With --resource-group and --name: instead of --azure-resource-id.",
        show_default=False,
    ),
]
ResourceGroupOption = Annotated[
    str | None,
    typer.Option(
        "--resource-group", help="The connected cluster's resource group.", show_default=False
    ),
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="The connected cluster's name.", show_default=False),
]


def at_moment(value: str | None) -> datetime:
    return parse_evaluation_time(value) if value else datetime.now(UTC).replace(microsecond=0)


def language(lang: LangChoice) -> Lang:
    language: Lang = lang.value
    return language


def advisories_from(paths: list[Path] | None) -> AdvisorySet | None:
    """Loaded only when asked for: the matching code is a noticeable part of start-up."""
    if not paths:
        return None
    from arcsupport.sources.advisories import load_advisories

    return load_advisories(paths)


def emit(
    document: str | bytes | Renderables, out: Path | None, inputs: Iterable[Path | None] = ()
) -> None:
    """Print to stdout, or write `--out` (tables are drawn at 80 columns into a file); `-` is
    stdout. `inputs` are the files and folders the run read, which `--out` may not name."""
    if out is not None and str(out) == "-":
        out = None
    if isinstance(document, list):
        from arcsupport.report.terminal import draw, show

        if out is None:
            show(document)
            return
        document = draw(document)
    data = document.encode("utf-8") if isinstance(document, str) else document
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from arcsupport.policy.loader import user_overlay_path

        sys.stdout.flush()  # --out /dev/stdout writes to the same descriptor
        read = [path for path in inputs if path is not None]
        write_output(out, data, [*read, user_overlay_path()])


def paragraphs(text: str) -> str:
    """Help text with one line per paragraph: the help renderer keeps line breaks, so it
    rewraps only long lines."""
    text = inspect.cleandoc(text)
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n"))


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ARCSUPPORT_DB",
        help=(
            "The access database: a SQLite file path or a URL (postgresql+psycopg://...). "
            "Default: access.db in your data folder."
        ),
        show_default=False,
    ),
]
ServiceDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ARCSUPPORT_SERVICE_DB",
        help=(
            "The service's database: a SQLite file path or a URL (postgresql+psycopg://...). "
            "Default: service.db in your data folder."
        ),
        show_default=False,
    ),
]
