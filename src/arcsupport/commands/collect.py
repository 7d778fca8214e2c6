"""`arcsupport collect`: read a live cluster (and optionally its Azure resources) into a bundle."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.collect.kinds import KINDS
from arcsupport.collect.progress import TerminalProgress
from arcsupport.collect.writer import BundleWriter
from arcsupport.errors import InputError

_LISTED = ", ".join(kind.plural for kind in KINDS)

_TEXT = f"""Read a live cluster (and its Azure resources) into a bundle for `check`.

Collected: GET /version, /apis and the API server's /metrics, and a cluster-wide LIST (in pages
of 500) of {_LISTED}. With --azure-resource-id (or --subscription, --resource-group and --name)
also the connected cluster, the AKS Arc resources around it and the subscription, read with
your Azure sign-in (`az login`).

Never collected: Secrets, ConfigMaps, or any credential. Environment variable values are
dropped from every pod spec (names and valueFrom references stay); last-applied-configuration
annotations are cut down to their apiVersion and kind; manifest.json counts what was removed.
Nothing from the kubeconfig (tokens, client keys, exec plugin settings) is written anywhere.
Look at a bundle before sharing it with `arcsupport bundle inspect`.

--helm-secrets also lists the Secrets labelled owner=helm, asking for their metadata only
(PartialObjectMetadataList): name, namespace and labels are kept, no Secret payload is
requested. It needs `list` on Secrets, which lets its holder read every Secret's data: grant
it only on purpose.

Permissions: get and list on those resources and get on the three paths, nothing more;
`arcsupport rbac` prints the ClusterRole, and the Azure role (Reader). A kind or path the
credentials may not read is recorded as not collected, and the assessment then reports the
rules that needed it as not evaluated.

Exit codes: 0 the bundle was written; 2 nothing was written (unreachable server, refused
credentials, a broken kubeconfig, a full disk), the reason on one line.
"""
# One line per paragraph: the help renderer keeps line breaks, so it rewraps only long lines.
_HELP = "\n\n".join(" ".join(paragraph.split()) for paragraph in _TEXT.split("\n\n"))


def collect(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="The bundle to write: a folder, or a file ending .tar.gz. Must not exist.",
            show_default=False,
        ),
    ],
    kubeconfig: Annotated[
        Path | None,
        typer.Option(
            "--kubeconfig",
            help="The kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config.",
            show_default=False,
        ),
    ] = None,
    context: Annotated[
        str | None,
        typer.Option(
            "--context",
            help="The kubeconfig context. Default: its current-context.",
            show_default=False,
        ),
    ] = None,
    in_cluster: Annotated[
        bool,
        typer.Option(
            "--in-cluster", help="Use the service account of the pod this runs in (a CronJob)."
        ),
    ] = False,
    helm_secrets: Annotated[
        bool,
        typer.Option(
            "--helm-secrets",
            help="Also list Helm release Secrets, metadata only (see above).",
        ),
    ] = False,
    azure_resource_id: Annotated[
        str | None,
        typer.Option(
            "--azure-resource-id",
            help="The connected cluster's ARM id: also read its Azure resources (az login first).",
            show_default=False,
        ),
    ] = None,
    subscription: Annotated[
        str | None,
        typer.Option(
            "--subscription",
            help="With --resource-group and --name: instead of --azure-resource-id.",
            show_default=False,
        ),
    ] = None,
    resource_group: Annotated[
        str | None,
        typer.Option(
            "--resource-group", help="The connected cluster's resource group.", show_default=False
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The connected cluster's name.", show_default=False),
    ] = None,
) -> None:
    # Imported here: `arcsupport check` never pays for the Kubernetes and Azure clients.
    from arcsupport.collect.azure import AzureTarget, collect_azure
    from arcsupport.collect.kubernetes import ClusterOptions, collect_cluster

    if in_cluster and (kubeconfig is not None or context is not None):
        raise InputError(
            "--in-cluster", "reads the pod's service account; drop --kubeconfig and --context"
        )
    azure = any((azure_resource_id, subscription, resource_group, name))
    options = ClusterOptions(
        kubeconfig=kubeconfig, context=context, in_cluster=in_cluster, helm_secrets=helm_secrets
    )
    with TerminalProgress() as progress, BundleWriter(output, datetime.now(UTC)) as writer:
        if azure:
            # First: a few requests, and the likelier to fail (sign-in, a mistyped id), so a
            # mistake shows before the long part rather than after it.
            target = AzureTarget(azure_resource_id, subscription, resource_group, name)
            collect_azure(writer, target, progress=progress.say)
        collect_cluster(options, writer, progress)
    objects = sum(tally.items for tally in progress.tally.values())
    missing = sorted(part for part, tally in progress.tally.items() if tally.outcome != "done")
    line = f"wrote {output}: {objects:,} Kubernetes objects"
    if missing:
        line += f"; Kubernetes parts not collected: {', '.join(missing)} (see manifest.json)"
    sys.stdout.write(line + "\n")


def register(app: typer.Typer) -> None:
    app.command(help=_HELP)(collect)
