"""`arcsupport collect`: read a live cluster (and optionally its Azure resources) into a bundle."""

from __future__ import annotations

import tempfile
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
from arcsupport.errors import InputError
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

--push URL sends the bundle to an `arcsupport serve` service at URL, with the API token read
from --token-file (operator role; https://, or http:// to this machine only); without -o the
bundle is written to a temporary folder and removed once sent.

Exit codes: 0 the bundle was written (and sent); 2 nothing was written or sent (unreachable
server, refused credentials, a broken kubeconfig, a full disk), the reason on one line.
"""


OutputBundleOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="The bundle to write: a folder, or a file ending .tar.gz. Must not exist. "
        "Optional with --push.",
        show_default=False,
    ),
]
PushOption = Annotated[
    str | None,
    typer.Option(
        "--push",
        help="Send the bundle to the arcsupport service at this URL (https://...).",
        show_default=False,
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="With --push: a file holding the service's API token (operator role).",
        show_default=False,
    ),
]


def collect(
    output: OutputBundleOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    in_cluster: InClusterOption = False,
    helm_secrets: HelmSecretsOption = False,
    azure_resource_id: AzureResourceIdOption = None,
    subscription: SubscriptionOption = None,
    resource_group: ResourceGroupOption = None,
    name: NameOption = None,
    push: PushOption = None,
    token_file: TokenFileOption = None,
) -> None:
    if push is not None:
        _check_push(push, token_file, output)
    elif output is None:
        raise InputError("collect", "give the bundle to write (-o PATH), or --push URL")
    elif token_file is not None:
        raise InputError("--token-file", "goes with --push")
    source = LiveSource(
        kubeconfig, context, in_cluster, helm_secrets, azure_resource_id, subscription,
        resource_group, name,
    )  # fmt: skip
    if output is not None:
        collected = collect_bundle(output, source, datetime.now(UTC), TerminalProgress())
        emit(collected_line(collected) + "\n", None)
        if push is not None and token_file is not None:
            _push(output, push, token_file)
        return
    assert push is not None and token_file is not None
    with tempfile.TemporaryDirectory(prefix="arcsupport-push-") as folder:
        bundle = Path(folder) / "bundle.tar.gz"
        collected = collect_bundle(bundle, source, datetime.now(UTC), TerminalProgress())
        emit(collected_line(collected) + "\n", None)
        _push(bundle, push, token_file)


def _check_push(push: str, token_file: Path | None, output: Path | None) -> None:
    """Everything --push needs, checked before collecting: a bad URL or token file must not
    cost a whole collection first."""
    from arcsupport.service.push import bundles_url, read_token

    bundles_url(push)
    if token_file is None:
        raise InputError("--push", "needs --token-file FILE with the service's API token")
    read_token(token_file)
    if output is not None and not output.name.endswith((".tar.gz", ".tgz")):
        raise InputError("-o", "with --push, write a .tar.gz bundle (the service takes one)")


def _push(bundle: Path, push: str, token_file: Path) -> None:
    from arcsupport.service.push import push_bundle

    pushed = push_bundle(bundle, push, token_file)
    emit(f"pushed: {pushed.verdict} {pushed.cluster_url}\n", None)


def register(app: typer.Typer) -> None:
    app.command(help=paragraphs(_TEXT))(collect)
