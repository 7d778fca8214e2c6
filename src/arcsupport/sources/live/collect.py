"""One collection: the cluster (and its Azure resources when named) written into a bundle, for
`arcsupport collect` and `check --live`.

The Kubernetes and Azure clients are imported when a collection runs: `check` and `fleet`
carry the collection options but mostly read files, and never pay for them."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import msgspec

from arcsupport.errors import InputError
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.live.progress import Tally
from arcsupport.sources.read import read_snapshot


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


class Collected(msgspec.Struct, frozen=True, gc=False):
    bundle: Path
    objects: int  # Kubernetes objects written
    not_collected: tuple[str, ...]  # parts, with their reasons in manifest.json


def collect_bundle(
    output: Path, source: LiveSource, collected_at: datetime, progress: Tally
) -> Collected:
    """Write the bundle; `progress` is entered for as long as the collection runs."""
    from arcsupport.sources.live.azure import AzureTarget, collect_azure
    from arcsupport.sources.live.kubernetes import ClusterOptions, collect_cluster
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
    with progress, BundleWriter(output, collected_at) as writer:
        if azure:
            # First: a few requests, and the likelier to fail (sign-in, a mistyped id), so a
            # mistake shows before the long part rather than after it.
            target = AzureTarget(
                source.azure_resource_id, source.subscription, source.resource_group, source.name
            )
            collect_azure(writer, target, progress=progress.say)
        collect_cluster(options, writer, progress)
    return Collected(output, progress.objects, tuple(writer.not_collected_parts))


def collect_snapshot(
    source: LiveSource,
    keep: Path | None,
    collected_at: datetime,
    progress: Tally,
    kept: Callable[[Collected], object],
) -> Snapshot:
    """Collect into `keep`, or into a temporary folder removed once the bundle is read.
    `kept` hears of a kept bundle before it is read, so its place is known even when it turns
    out unreadable."""
    if keep is not None:
        kept(collect_bundle(keep, source, collected_at, progress))
        return read_snapshot(keep)
    with tempfile.TemporaryDirectory(prefix="arcsupport-live-") as folder:
        bundle = Path(folder) / "bundle"
        collect_bundle(bundle, source, collected_at, progress)
        return read_snapshot(bundle)
