"""`arcsupport collect`: read a live cluster (and optionally its Azure resources) into a bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from arcsupport.cli.options import (
    AzureResourceIdOption,
    ContextOption,
    HelmSecretsOption,
    InClusterOption,
    KubeconfigOption,
    NameOption,
    ResourceGroupOption,
    SubscriptionOption,
    emit,
    paragraphs,
)
from arcsupport.report.progress import TerminalProgress, collected_line
from arcsupport.sources.live.collect import LiveSource, collect_bundle
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


OutputBundleOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The bundle to write: a folder, or a file ending .tar.gz. Must not exist.",
        show_default=False,
    ),
]


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
    collected = collect_bundle(output, source, datetime.now(UTC), TerminalProgress())
    emit(collected_line(collected) + "\n", None)


def register(app: typer.Typer) -> None:
    app.command(help=paragraphs(_TEXT))(collect)
