"""`arcsupport collect`: read a live cluster (and optionally its Azure resources) into a bundle."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import msgspec
import typer

from arcsupport.errors import InputError
from arcsupport.sources.live.kinds import KINDS

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


OutputBundleOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The bundle to write: a folder, or a file ending .tar.gz. Must not exist.",
        show_default=False,
    ),
]
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


class LiveSource(msgspec.Struct, frozen=True, gc=False):
    """Where `collect` and `check --live` read from: the cluster, and optionally Azure."""

    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool = False
    helm_secrets: bool = False
    azure_resource_id: str | None = None
    subscription: str | None = None
    resource_group: str | None = None
    name: str | None = None


def collect_bundle(output: Path, source: LiveSource, collected_at: datetime) -> str:
    """Write the bundle; return the one-line summary for the terminal."""
    # Imported here: `check` and `fleet` carry the collection options but mostly read files,
    # and never pay for the Kubernetes and Azure clients.
    from arcsupport.sources.live.azure import AzureTarget, collect_azure
    from arcsupport.sources.live.kubernetes import ClusterOptions, collect_cluster
    from arcsupport.sources.live.progress import TerminalProgress
    from arcsupport.sources.live.writer import BundleWriter

    if source.in_cluster and (source.kubeconfig is not None or source.context is not None):
        raise InputError(
            "--in-cluster", "reads the pod's service account; drop --kubeconfig and --context"
        )
    azure = any((source.azure_resource_id, source.subscription, source.resource_group, source.name))
    options = ClusterOptions(
        kubeconfig=source.kubeconfig,
        context=source.context,
        in_cluster=source.in_cluster,
        helm_secrets=source.helm_secrets,
    )
    with TerminalProgress() as progress, BundleWriter(output, collected_at) as writer:
        if azure:
            # First: a few requests, and the likelier to fail (sign-in, a mistyped id), so a
            # mistake shows before the long part rather than after it.
            target = AzureTarget(
                source.azure_resource_id, source.subscription, source.resource_group, source.name
            )
            collect_azure(writer, target, progress=progress.say)
        collect_cluster(options, writer, progress)
    objects = sum(tally.items for tally in progress.tally.values())
    line = f"wrote {output}: {objects:,} Kubernetes objects"
    missing = writer.not_collected_parts
    if missing:
        line += f"; not collected: {', '.join(missing)} (reasons in manifest.json)"
    return line


def collect(
    output: OutputBundleOption,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    in_cluster: InClusterOption = False,
    helm_secrets: HelmSecretsOption = False,
    azure_resource_id: AzureResourceIdOption = None,
    subscription: SubscriptionOption = None,
    resource_group: ResourceGroupOption = None,
    name: NameOption = None,
) -> None:
    source = LiveSource(
        kubeconfig, context, in_cluster, helm_secrets, azure_resource_id, subscription,
        resource_group, name,
    )  # fmt: skip
    sys.stdout.write(collect_bundle(output, source, datetime.now(UTC)) + "\n")


def register(app: typer.Typer) -> None:
    app.command(help=_HELP)(collect)
