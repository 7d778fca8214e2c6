"""`kubectl cluster-info dump --all-namespaces --output-directory DIR`, read as kubectl writes it:
`nodes.json` at the top, then one folder per namespace with its lists (it may also hold `azure/`
and `facts.yaml`, as a bundle does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arcsupport.decoding import decode_list
from arcsupport.snapshot.kube import Namespace, ObjectMeta
from arcsupport.snapshot.model import Part, Provenance, Snapshot
from arcsupport.sources.archive import iter_directory
from arcsupport.sources.bundle import (
    AZURE_FILES,
    KUBE_LISTS,
    detach_managed_fields,
    ingest_kubernetes,
    route,
)


def is_cluster_info_dump(root: Path) -> bool:
    return (
        (root / "nodes.json").is_file()
        and not (root / "manifest.json").exists()
        and not (root / "kubernetes").is_dir()
    )


_DUMP_LISTS = ("pods", "daemonsets", "deployments", "statefulsets", "services")


def read_cluster_info_dump(root: Path, snapshot: Snapshot) -> None:
    """`kubectl cluster-info dump --all-namespaces --output-directory DIR`, read as it is."""
    for name, data in iter_directory(root, ["nodes.json"]):
        ingest_kubernetes(snapshot, name, data, str(root / name))
    namespaces: list[Namespace] = []
    merged: dict[str, list[Any]] = {plural: [] for plural in _DUMP_LISTS}
    seen: set[str] = set()
    for child in sorted(root.iterdir()):
        if not child.is_dir():
            continue
        if child.name == "azure" and any((child / name).is_file() for name in AZURE_FILES):
            continue
        namespaces.append(Namespace(metadata=ObjectMeta(name=child.name)))
        for plural in _DUMP_LISTS:
            file_name = f"{child.name}/{plural}.json"
            for _, data in iter_directory(root, [file_name]):
                item_type, kind, _ = KUBE_LISTS[plural]
                items = decode_list(data, item_type, kind, str(root / file_name))
                detach_managed_fields(items)
                merged[plural].extend(items)
                seen.add(plural)
    snapshot.namespaces = namespaces
    snapshot.parts["kubernetes/namespaces"] = Part(
        "kubernetes/namespaces", f"{root}/*/", Provenance.OBSERVED
    )
    for plural in seen:
        setattr(snapshot, KUBE_LISTS[plural][2], merged[plural])
        snapshot.parts[f"kubernetes/{plural}"] = Part(
            f"kubernetes/{plural}", f"{root}/*/{plural}.json", Provenance.OBSERVED
        )
    extras = [name for name in ("facts.yaml", "facts.yml") if (root / name).exists()]
    if (root / "azure").is_dir():
        extras.extend(f"azure/{name}" for name in AZURE_FILES if (root / "azure" / name).exists())
    for name, data in iter_directory(root, extras):
        route(snapshot, name, data, str(root / name))
