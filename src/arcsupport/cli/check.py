"""`arcsupport check`: assess one cluster, from a bundle, a dump, or the live cluster."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.api import assess, load_pack, load_snapshot
from arcsupport.cli.options import (
    AdvisoriesOption,
    AtOption,
    AzureResourceIdOption,
    ContextOption,
    FailOn,
    FailOnOption,
    HelmSecretsOption,
    InClusterOption,
    KubeconfigOption,
    LangChoice,
    LangOption,
    NameOption,
    OutFileOption,
    PolicyOption,
    ResourceGroupOption,
    SubscriptionOption,
    advisories_from,
    at_moment,
    emit,
    language,
)
from arcsupport.errors import InputError
from arcsupport.report.summary import fails
from arcsupport.sources.live.collect import LiveSource, collect_snapshot


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"
    html = "html"
    ical = "ical"


def check(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A bundle (directory or .tar.gz) or a `kubectl cluster-info dump` (its "
            "folder, that folder as .tar.gz, or the file of what it prints); omit it with --live.",
            show_default=False,
        ),
    ] = None,
    at: AtOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        CheckFormat, typer.Option("--output", "-o", help="Output format.")
    ] = CheckFormat.table,
    lang: LangOption = LangChoice.en,
    fail_on: FailOnOption = FailOn.unsupported,
    out: OutFileOption = None,
    advisories: AdvisoriesOption = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Collect the cluster now (as `arcsupport collect` does) and assess it.",
        ),
    ] = False,
    save_bundle: Annotated[
        Path | None,
        typer.Option(
            "--save-bundle",
            help="With --live: keep the collected bundle here (a folder or .tar.gz).",
            show_default=False,
        ),
    ] = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    in_cluster: InClusterOption = False,
    helm_secrets: HelmSecretsOption = False,
    azure_resource_id: AzureResourceIdOption = None,
    subscription: SubscriptionOption = None,
    resource_group: ResourceGroupOption = None,
    name: NameOption = None,
) -> None:
    """Assess one cluster: verdict, findings with their clauses, operations, deadlines.

    Formats: table (for a terminal), json (the arcsupport.assessment/v1 contract; yaml: the
    same document in YAML), sarif
    (code-scanning tools), junit (CI test reports), markdown (tickets, pull requests), html (one
    self-contained, printable page with a deadline timeline), ical (the deadlines as calendar
    events with alarms).

    With --live the cluster is read now through your kubeconfig (and Azure, with
    --azure-resource-id); the bundle is kept only with --save-bundle.

    Verdicts: unsupported, undetermined (a fact that decides support is missing: the
    Kubernetes version, or any sign of whether the cluster is AKS Arc; the report says what to
    add), at-risk, supported, not-applicable (not an AKS Arc cluster). A verdict reached while
    rules could not run reads "as far as checked".

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it or an undetermined
    verdict (whatever --fail-on), 2 bad input.
    """
    moment = at_moment(at)
    pack = load_pack(policy)
    loaded = advisories_from(advisories)
    live_source = LiveSource(
        kubeconfig, context, in_cluster, helm_secrets, azure_resource_id, subscription,
        resource_group, name,
    )  # fmt: skip
    if live:
        if source is not None:
            raise InputError("check", "give a SOURCE or --live, not both")
        from arcsupport.report.progress import TerminalProgress, collected_line

        snapshot = collect_snapshot(
            live_source,
            save_bundle,
            datetime.now(UTC),
            TerminalProgress(),
            kept=lambda collected: sys.stderr.write(collected_line(collected) + "\n"),
        )
    else:
        if source is None:
            raise InputError("check", "give a bundle, a dump folder, or --live")
        if save_bundle is not None or live_source != LiveSource():
            raise InputError("check", "--save-bundle and the collection options go with --live")
        snapshot = load_snapshot(source)
    assessment = assess(snapshot, pack, at=moment, advisories=loaded.advisories if loaded else ())
    read = (source, save_bundle, policy, *(advisories or ()))
    lang_code = language(lang)
    if output is CheckFormat.table:
        from arcsupport.report.table import render_assessment

        emit(render_assessment(assessment, lang_code), out, read)
    else:
        from arcsupport.report.formats import ReportFormat, render_document

        fmt = ReportFormat(output.value)
        emit(
            render_document(fmt, [assessment], pack, lang_code, fail_on.value, fleet=False),
            out,
            read,
        )
    raise typer.Exit(1 if fails([assessment], fail_on.value) else 0)


def register(app: typer.Typer) -> None:
    app.command()(check)
