"""The bundle (a directory or a .tar.gz in the layout of DESIGN.md) and the file readers every
cluster source shares.

Each file is decoded straight into the narrow typed model (never into dicts), and each part
remembers the file it came from and its provenance.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from arcsupport import usercache
from arcsupport.decoding import (
    LIST_BUFFER_BYTES,
    Readable,
    convert,
    decode_json,
    decode_json_nulls_absent,
    decode_list,
)
from arcsupport.errors import InputError
from arcsupport.snapshot import azure as az
from arcsupport.snapshot.facts import DeclaredFacts
from arcsupport.snapshot.kube import (
    APIGroupList,
    GenericObject,
    Namespace,
    Node,
    Pod,
    Service,
    VersionInfo,
    Workload,
    share_pod_strings,
)
from arcsupport.snapshot.model import Part, Provenance, Snapshot
from arcsupport.sources.archive import ArchiveLimits, MemberStream, checked_files, read_file
from arcsupport.sources.metrics import parse_metrics
from arcsupport.untrusted import as_utf8

BUNDLE_FORMAT = "arcsupport-bundle/v1"


class ManifestCluster(msgspec.Struct):
    name: str = ""
    resource_id: str = ""


class NotCollected(msgspec.Struct):
    part: str
    reason: str


class Redaction(msgspec.Struct):
    what: str
    count: int


class Manifest(msgspec.Struct, omit_defaults=True):
    format: str
    collected_at: datetime | None = None
    cluster: ManifestCluster = msgspec.field(default_factory=ManifestCluster)
    not_collected: list[NotCollected] = []
    redacted: list[Redaction] = []
    collector: str = ""


# plural file name -> (item type, kind, Snapshot attribute)
KUBE_LISTS: dict[str, tuple[type[Any], str, str]] = {
    "nodes": (Node, "Node", "nodes"),
    "pods": (Pod, "Pod", "pods"),
    "namespaces": (Namespace, "Namespace", "namespaces"),
    "daemonsets": (Workload, "DaemonSet", "daemonsets"),
    "deployments": (Workload, "Deployment", "deployments"),
    "statefulsets": (Workload, "StatefulSet", "statefulsets"),
    "services": (Service, "Service", "services"),
}

# azure file name -> (type, Snapshot attribute, ARM resource type or "" when it has none)
_AZURE_PARTS: dict[str, tuple[type[Any], str, str]] = {
    "provisioned-cluster.json": (
        az.ProvisionedCluster,
        "provisioned_cluster",
        "Microsoft.HybridContainerService/provisionedClusterInstances",
    ),
    "kubernetes-versions.json": (
        az.KubernetesVersions,
        "kubernetes_versions",
        "Microsoft.HybridContainerService/kubernetesVersions",
    ),
    "connected-cluster.json": (
        az.ConnectedCluster,
        "connected_cluster",
        "Microsoft.Kubernetes/connectedClusters",
    ),
    "azure-local-cluster.json": (
        az.AzureLocalCluster,
        "azure_local_cluster",
        "Microsoft.AzureStackHCI/clusters",
    ),
    "subscription.json": (az.Subscription, "subscription", ""),
    "vm-skus.json": (az.VmSkus, "vm_skus", "Microsoft.HybridContainerService/skus"),
}
_AGENT_POOL_TYPE = "Microsoft.HybridContainerService/provisionedClusterInstances/agentPools"
AZURE_FILES = (*_AZURE_PARTS, "agent-pools.json")


def _check_resource_type(found: str, expected: str, where: str) -> None:
    if expected and found and found.lower() != expected.lower():
        raise InputError(where, f"is a {found} resource, expected {expected}")


_STARTS_AS_LIST = re.compile(rb"\s*\[")


def _ingest_azure(snapshot: Snapshot, name: str, data: bytes, where: str) -> None:
    if name == "agent-pools.json":
        if _STARTS_AS_LIST.match(as_utf8(data, where)):
            pools = decode_json_nulls_absent(data, list[az.AgentPool], where)
        else:
            pools = decode_json_nulls_absent(data, az.AgentPoolList, where).value
        for pool in pools:
            _check_resource_type(pool.type, _AGENT_POOL_TYPE, where)
        snapshot.agent_pools = pools
        snapshot.parts["azure/agent-pools"] = Part("azure/agent-pools", where, Provenance.OBSERVED)
        return
    spec = _AZURE_PARTS.get(name)
    if spec is None:
        known = ", ".join(AZURE_FILES)
        raise InputError(where, f"unknown Azure file; expected one of: {known}")
    typ, attribute, resource_type = spec
    resource = decode_json_nulls_absent(data, typ, where)
    _check_resource_type(getattr(resource, "type", ""), resource_type, where)
    setattr(snapshot, attribute, resource)
    part = "azure/" + name.removesuffix(".json")
    snapshot.parts[part] = Part(part, where, Provenance.OBSERVED)


def ingest_kubernetes(snapshot: Snapshot, name: str, data: bytes, where: str) -> None:
    part = "kubernetes/" + name.rsplit(".", 1)[0]
    if name == "version.json":
        snapshot.version = decode_json(data, VersionInfo, where)
    elif name == "apis.json":
        snapshot.apis = decode_json(data, APIGroupList, where)
    elif name == "metrics.txt":
        snapshot.metrics = parse_metrics(data, where)
    elif name.endswith(".json"):
        ingest_list(snapshot, name, data, where)
        return
    else:
        return
    snapshot.parts[part] = Part(part, where, Provenance.OBSERVED)


def is_list_file(name: str) -> bool:
    """`kubernetes/<plural>.json` of a bundle: a List, read item by item from a folder."""
    folder, _, file = name.partition("/")
    return folder == "kubernetes" and file.endswith(".json") and file not in _NOT_LISTS


_NOT_LISTS = ("version.json", "apis.json")


def ingest_list(
    snapshot: Snapshot,
    name: str,
    data: bytes | Readable,
    where: str,
    buffer_bytes: int = LIST_BUFFER_BYTES,
) -> None:
    """A Kubernetes List (`nodes.json`, ...), from its bytes or, item by item, from a file."""
    plural = name.removesuffix(".json")
    max_item_bytes = ArchiveLimits.from_environment().object_bytes
    spec = KUBE_LISTS.get(plural)
    if spec is None:
        snapshot.other_objects[plural] = decode_list(
            data, GenericObject, None, where, max_item_bytes, buffer_bytes
        )
    else:
        item_type, kind, attribute = spec
        settle = share_pod_strings if item_type is Pod else None
        items = decode_list(data, item_type, kind, where, max_item_bytes, buffer_bytes, settle)
        setattr(snapshot, attribute, items)
    part = f"kubernetes/{plural}"
    snapshot.parts[part] = Part(part, where, Provenance.OBSERVED)


def _ingest_manifest(snapshot: Snapshot, data: bytes, where: str) -> None:
    manifest = decode_json(data, Manifest, where)
    if manifest.format != BUNDLE_FORMAT:
        raise InputError(where, f"format {manifest.format!r} is not {BUNDLE_FORMAT!r}")
    snapshot.collected_at = manifest.collected_at
    snapshot.cluster_name = manifest.cluster.name
    snapshot.resource_id = manifest.cluster.resource_id
    snapshot.not_collected = {entry.part: entry.reason for entry in manifest.not_collected}
    snapshot.parts["manifest"] = Part("manifest", where, Provenance.OBSERVED)


def _ingest_facts(snapshot: Snapshot, data: bytes, where: str) -> None:
    snapshot.facts = declared_facts(data, where)
    snapshot.parts["facts"] = Part("facts", where, Provenance.DECLARED)


_KEPT_FACTS = 16  # one per facts file in use (they seldom change); older ones are removed


def declared_facts(data: bytes, where: str) -> DeclaredFacts:
    """`facts.yaml` read. Facts read before are kept in the user's cache folder, keyed by the
    file's bytes and the code that reads them: PyYAML's import alone was a tenth of `check`'s
    start-up on a small bundle, and an operator's declared facts seldom change."""
    key = hashlib.sha256(_facts_reader_digest() + data).hexdigest()
    kept = usercache.read("facts", key, DeclaredFacts)
    if kept is not None:
        return kept
    from arcsupport.safeyaml import load_yaml

    loaded = load_yaml(data, where)
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise InputError(where, "expected a mapping of facts (host_platform, stopped_since, ...)")
    facts = convert(loaded, DeclaredFacts, where)
    usercache.keep("facts", key, facts, newest=_KEPT_FACTS)
    return facts


@cache
def _facts_reader_digest() -> bytes:
    """Every module that turns the bytes into DeclaredFacts, this one included, and PyYAML's
    (found, not imported): kept facts from other code are never reused."""
    import importlib.util

    package = Path(__file__).parent.parent
    modules = [
        package / name
        for name in ("safeyaml.py", "untrusted.py", "decoding.py", "snapshot/facts.py")
    ]
    yaml = importlib.util.find_spec("yaml")
    if yaml is not None and yaml.origin is not None:
        modules.append(Path(yaml.origin))
    hashed = hashlib.sha256(f"msgspec {msgspec.__version__}".encode())
    for module in (Path(__file__), *modules):
        hashed.update(module.read_bytes())
    return hashed.digest()


_ROOTS = ("manifest.json", "facts.yaml", "facts.yml", "kubernetes", "azure")


def route(snapshot: Snapshot, name: str, data: bytes, where: str) -> bool:
    """Hand one file to its reader; False when the name is not part of the bundle layout."""
    if name == "manifest.json":
        _ingest_manifest(snapshot, data, where)
    elif name in ("facts.yaml", "facts.yml"):
        _ingest_facts(snapshot, data, where)
    elif name.startswith("kubernetes/") and name.count("/") == 1:
        ingest_kubernetes(snapshot, name.removeprefix("kubernetes/"), data, where)
    elif name.startswith("azure/") and name.count("/") == 1:
        _ingest_azure(snapshot, name.removeprefix("azure/"), data, where)
    else:
        return False
    return True


def finish_identity(snapshot: Snapshot, fallback_name: str) -> None:
    connected = snapshot.connected_cluster
    provisioned = snapshot.provisioned_cluster
    if not snapshot.resource_id:
        if connected and connected.id:
            snapshot.resource_id = connected.id
        elif provisioned and provisioned.id:
            snapshot.resource_id = provisioned.id.split(
                "/providers/Microsoft.HybridContainerService"
            )[0]
    if not snapshot.cluster_name:
        if connected and connected.name:
            snapshot.cluster_name = connected.name
        elif snapshot.resource_id:
            snapshot.cluster_name = snapshot.resource_id.rstrip("/").rsplit("/", 1)[-1]
        else:
            snapshot.cluster_name = fallback_name


def read_bundle_directory(root: Path, snapshot: Snapshot) -> None:
    names = [
        name for name in ("manifest.json", "facts.yaml", "facts.yml") if (root / name).exists()
    ]
    for folder in ("kubernetes", "azure"):
        if (root / folder).is_dir():
            names.extend(f"{folder}/{child.name}" for child in sorted((root / folder).iterdir()))
    for name, file in checked_files(root, names, streamed=is_list_file):
        where = str(root / name)
        if not is_list_file(name):
            route(snapshot, name, read_file(file), where)
            continue
        try:
            with file.open("rb", buffering=0) as handle:
                # A small file gets a buffer of its size: zeroing 16 MiB per List costs 3 ms.
                buffer_bytes = min(LIST_BUFFER_BYTES, os.fstat(handle.fileno()).st_size + 64)
                ingest_list(snapshot, name.removeprefix("kubernetes/"), handle, where, buffer_bytes)
        except OSError as exc:
            raise InputError(where, exc.strerror or str(exc)) from None


def split_root(name: str) -> tuple[str, str] | None:
    """(the folder the bundle sits in, or "" at the top; the name inside the bundle) for a
    member of the layout, None for anything else. `tar czf b.tar.gz bundle/` puts everything
    under one top-level folder."""
    if name.split("/", 1)[0] in _ROOTS:
        return "", name
    top, _, inner = name.partition("/")
    if inner and inner.split("/", 1)[0] in _ROOTS:
        return top, inner
    return None


class OneRoot:
    """A tarball holds one bundle: files of two (`a/manifest.json`, `b/manifest.json`) would
    be merged file by file into a cluster that does not exist."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.root: str | None = None

    def see(self, root: str) -> None:
        if self.root is None:
            self.root = root
        elif root != self.root:
            first, second = sorted((self.root, root))
            if first:
                named = f"one under {first + '/'!r} and one under {second + '/'!r}"
            else:
                named = f"one at the top level and one under {second + '/'!r}"
            raise InputError(self.where, f"holds two bundles, {named}; give each bundle on its own")


def is_list_member(name: str) -> bool:
    """A tarball member that is a bundle's List, to be read item by item."""
    placed = split_root(name)
    return placed is not None and is_list_file(placed[1])


def route_tarball_member(
    snapshot: Snapshot, name: str, data: bytes | MemberStream, where: str
) -> tuple[str, str] | None:
    """Hand a tarball member to its reader: (the folder the bundle sits in, the name it was
    read as), or None if the member is not part of the bundle layout (then it is ignored).
    A List (is_list_member) comes as a stream."""
    placed = split_root(name)
    if placed is None:
        return None
    if isinstance(data, MemberStream):
        buffer_bytes = min(LIST_BUFFER_BYTES, data.size + 64)
        ingest_list(snapshot, placed[1].removeprefix("kubernetes/"), data, where, buffer_bytes)
        return placed
    if route(snapshot, placed[1], data, where):
        return placed
    return None
