"""`arcsupport rbac`: the least privilege a collection needs, for Kubernetes and for Azure."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from arcsupport.cli.options import emit, paragraphs
from arcsupport.report.jsonout import dumps
from arcsupport.sources.live import rbac


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


def register(app: typer.Typer) -> None:
    app.command("rbac", help=paragraphs(rbac_command.__doc__ or ""))(rbac_command)
