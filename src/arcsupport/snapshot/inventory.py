"""Clusters known only from Azure Resource Graph rows (`az graph query ... -o json`).

An export holds `connectedClusters`, `provisionedClusterInstances` and, optionally,
subscription rows (`resourcecontainers`). Each AKS Arc cluster becomes a Snapshot carrying just
what its rows say; the engine's coverage then names everything the rows could not tell.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from arcsupport.errors import InputError
from arcsupport.snapshot import azure as az
from arcsupport.snapshot.decode import decode_json_nulls_absent, explain_msgspec_error
from arcsupport.snapshot.model import Part, Provenance, Snapshot

_CONNECTED = "microsoft.kubernetes/connectedclusters"
_PROVISIONED = "microsoft.hybridcontainerservice/provisionedclusterinstances"
_SUBSCRIPTION = "microsoft.resources/subscriptions"
_PROVISIONED_SUFFIX = "/providers/microsoft.hybridcontainerservice/provisionedclusterinstances/"


class Row(msgspec.Struct, gc=False):
    id: str
    type: str
    name: str = ""
    kind: str | None = None
    subscriptionId: str = ""
    # Decoded per row type below, into the same narrow Structs the bundle reader uses.
    properties: msgspec.Raw = msgspec.Raw(b"{}")


class _SubscriptionProperties(msgspec.Struct, gc=False):
    state: str = ""


class Export(msgspec.Struct, gc=False):
    data: list[msgspec.Raw]  # each row decoded on its own, so that an error names its index


class _DecodedExport(msgspec.Struct, gc=False):
    data: list[Row]


@dataclass(frozen=True, slots=True)
class Inventory:
    clusters: list[Snapshot]
    skipped: int  # connected clusters that are not AKS Arc (no provisioned cluster instance)


_ROW = msgspec.json.Decoder(Row)
_ROWS = msgspec.json.Decoder(list[Row])
_EXPORT = msgspec.json.Decoder(_DecodedExport)
_STARTS_AS_LIST = re.compile(rb"\s*\[")


def _rows(data: bytes | mmap.mmap, where: str) -> list[Row]:
    """Every row in one pass; if that fails, row by row, for an error that names the row."""
    as_list = _STARTS_AS_LIST.match(data) is not None
    try:
        return _ROWS.decode(data) if as_list else _EXPORT.decode(data).data
    except msgspec.MsgspecError:
        pass
    try:
        if as_list:
            raw = msgspec.json.decode(data, type=list[msgspec.Raw])
        else:
            raw = msgspec.json.decode(data, type=Export).data
    except msgspec.ValidationError as exc:
        raise InputError(where, f"not a Resource Graph export: {exc}") from None
    except msgspec.DecodeError as exc:
        raise InputError(where, explain_msgspec_error(exc)) from None
    rows = []
    for index, row in enumerate(raw):
        try:
            rows.append(_ROW.decode(row))
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: row {index}", str(exc)) from None
    return rows


S = TypeVar("S", bound=msgspec.Struct)


def _properties(row: Row, decoder: msgspec.json.Decoder[S], where: str, index: int) -> S:
    try:
        return decoder.decode(row.properties)
    except msgspec.ValidationError:
        # Most often a `null` where a value is unset; the slower reading treats it as absent.
        return decode_json_nulls_absent(
            row.properties, decoder.type, f"{where}: row {index}: properties"
        )
    except msgspec.DecodeError as exc:
        raise InputError(f"{where}: row {index}", f"properties: {exc}") from None


_CONNECTED_PROPERTIES = msgspec.json.Decoder(az.ConnectedClusterProperties)
_PROVISIONED_PROPERTIES = msgspec.json.Decoder(az.ProvisionedClusterProperties)
_SUBSCRIPTION_PROPERTIES = msgspec.json.Decoder(_SubscriptionProperties)


def _map(path: Path) -> bytes | mmap.mmap:
    """The file's pages, decoded in place: copying a 30 MiB export costs as much as a third of
    decoding it. The mapping closes when the last view of it (a msgspec.Raw) is gone."""
    with path.open("rb") as file:
        try:
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return file.read()


def read_inventory(path: Path) -> Inventory:
    where = str(path)
    try:
        data = _map(path)
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    connected: dict[str, tuple[int, az.ConnectedCluster]] = {}
    provisioned: dict[str, tuple[int, az.ProvisionedCluster]] = {}
    subscriptions: dict[str, tuple[int, az.Subscription]] = {}
    for index, row in enumerate(_rows(data, where)):
        kind = row.type.lower()
        if not row.id:
            raise InputError(f"{where}: row {index}", "the row has no `id`")
        if kind == _CONNECTED:
            properties = _properties(row, _CONNECTED_PROPERTIES, where, index)
            resource = az.ConnectedCluster(
                id=row.id, name=row.name, type=row.type, kind=row.kind, properties=properties
            )
            connected[row.id.lower()] = (index, resource)
        elif kind == _PROVISIONED:
            aks_properties = _properties(row, _PROVISIONED_PROPERTIES, where, index)
            owner = row.id.lower().split(_PROVISIONED_SUFFIX)[0]
            provisioned[owner] = (
                index,
                az.ProvisionedCluster(
                    id=row.id, name=row.name, type=row.type, properties=aks_properties
                ),
            )
        elif kind == _SUBSCRIPTION:
            state = _properties(row, _SUBSCRIPTION_PROPERTIES, where, index)
            subscriptions[row.subscriptionId.lower()] = (
                index,
                az.Subscription(id=row.id, subscriptionId=row.subscriptionId, state=state.state),
            )
        else:
            raise InputError(
                f"{where}: row {index}",
                f"type {row.type!r} is not a connected cluster, provisioned cluster instance "
                "or subscription row",
            )

    clusters: list[Snapshot] = []
    skipped = 0
    owners = sorted(set(connected) | set(provisioned))
    for owner in owners:
        arc = connected.get(owner)
        aks = provisioned.get(owner)
        if aks is None and (arc is None or arc[1].kind != "ProvisionedCluster"):
            skipped += 1
            continue
        snapshot = Snapshot(source=where)
        if arc is not None:
            snapshot.connected_cluster = arc[1]
            snapshot.parts["azure/connected-cluster"] = Part(
                "azure/connected-cluster", f"{where}: row {arc[0]}", Provenance.OBSERVED
            )
            snapshot.resource_id = arc[1].id
            snapshot.cluster_name = arc[1].name
        if aks is not None:
            snapshot.provisioned_cluster = aks[1]
            snapshot.parts["azure/provisioned-cluster"] = Part(
                "azure/provisioned-cluster", f"{where}: row {aks[0]}", Provenance.OBSERVED
            )
            if not snapshot.resource_id:
                # The connected cluster's id, in the instance id's own spelling (Resource
                # Graph may give either in lower case).
                snapshot.resource_id = aks[1].id[: len(owner)]
                snapshot.cluster_name = snapshot.resource_id.rstrip("/").rsplit("/", 1)[-1]
        subscription_id = owner.split("/")[2] if owner.startswith("/subscriptions/") else ""
        found = subscriptions.get(subscription_id)
        if found is not None:
            snapshot.subscription = found[1]
            snapshot.parts["azure/subscription"] = Part(
                "azure/subscription", f"{where}: row {found[0]}", Provenance.OBSERVED
            )
        clusters.append(snapshot)
    return Inventory(clusters, skipped)


def is_inventory(path: Path) -> bool:
    """Resource Graph exports are single .json files; bundles are folders or tarballs."""
    return path.is_file() and path.suffix.lower() == ".json"
