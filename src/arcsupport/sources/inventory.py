"""Clusters known only from Azure Resource Graph rows (`az graph query ... -o json`).

An export holds `connectedClusters`, `provisionedClusterInstances` and, optionally,
subscription rows (`resourcecontainers`). Each cluster becomes a Snapshot carrying just what its
rows say: whether it is AKS Arc (a `kind: ProvisionedCluster`, a provisioned cluster instance)
is the engine's to decide, as for every source, and its coverage names everything the rows
could not tell.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path
from typing import Generic, TypeVar

import msgspec

from arcsupport.decoding import decode_json_nulls_absent, explain_msgspec_error
from arcsupport.errors import InputError
from arcsupport.snapshot import azure as az
from arcsupport.snapshot.model import Part, Provenance, Snapshot
from arcsupport.untrusted import Document, as_utf8

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
    # `az graph query` returned one page of a longer result: `--skip-token` fetches the next.
    skip_token: str | None = None


# One pass for a well-formed export: the row's `type` (Resource Graph writes it in lower case)
# picks the Struct of its properties. Anything else (another case, a `null`, a bad row) is read
# again row by row below, which accepts or names what this pass cannot.
class _TypedRow(msgspec.Struct, tag_field="type", gc=False):
    id: str
    name: str = ""
    kind: str | None = None
    subscriptionId: str = ""


class _ConnectedRow(_TypedRow, tag=_CONNECTED):
    properties: az.ConnectedClusterProperties = msgspec.field(
        default_factory=az.ConnectedClusterProperties
    )


class _ProvisionedRow(_TypedRow, tag=_PROVISIONED):
    properties: az.ProvisionedClusterProperties = msgspec.field(
        default_factory=az.ProvisionedClusterProperties
    )


class _SubscriptionRow(_TypedRow, tag=_SUBSCRIPTION):
    properties: _SubscriptionProperties = msgspec.field(default_factory=_SubscriptionProperties)


_AnyRow = _ConnectedRow | _ProvisionedRow | _SubscriptionRow


class _TypedExport(msgspec.Struct, gc=False):
    data: list[_AnyRow]
    skip_token: str | None = None


class Inventory(msgspec.Struct, frozen=True, gc=False):
    clusters: list[Snapshot]  # every Arc-connected cluster: whether it is AKS Arc is the engine's
    partial: bool  # one page of a longer result: its `skip_token` is set


_ROW = msgspec.json.Decoder(Row)
_TYPED_ROWS = msgspec.json.Decoder(list[_AnyRow])
_TYPED_EXPORT = msgspec.json.Decoder(_TypedExport)
_STARTS_AS_LIST = re.compile(rb"\s*\[")
S = TypeVar("S", bound=msgspec.Struct)


class _PropertiesReader(Generic[S]):
    """A row's `properties` as one Struct: a fast decoder, and the Struct itself for the slower
    reading that treats nulls as absent (a decoder's `type` is a type form, not a class)."""

    def __init__(self, struct: type[S]) -> None:
        self.struct = struct
        self.decoder = msgspec.json.Decoder(struct)


_CONNECTED_PROPERTIES = _PropertiesReader(az.ConnectedClusterProperties)
_PROVISIONED_PROPERTIES = _PropertiesReader(az.ProvisionedClusterProperties)
_SUBSCRIPTION_PROPERTIES = _PropertiesReader(_SubscriptionProperties)

Resource = az.ConnectedCluster | az.ProvisionedCluster | az.Subscription


def _resources(data: Document, where: str) -> tuple[list[Resource], bool]:
    """The export's rows as the resources they describe, in the export's order, and whether
    the export is one page of a longer result (a bare list of rows, `--query data`, cannot
    say: it counts as whole)."""
    as_list = _STARTS_AS_LIST.match(data) is not None
    try:
        if as_list:
            typed, partial = _TYPED_ROWS.decode(data), False
        else:
            export = _TYPED_EXPORT.decode(data)
            typed, partial = export.data, export.skip_token is not None
    except msgspec.MsgspecError:
        rows, partial = _rows(data, as_list, where)
        return [_resource(row, where, index) for index, row in enumerate(rows)], partial
    except RecursionError:
        # msgspec's own guard, in C; the rows read one by one below are checked for depth.
        raise InputError(
            where, "JSON nested too deeply (past about 1,000 levels); refused"
        ) from None
    resources: list[Resource] = []
    for index, row in enumerate(typed):
        if not row.id:
            raise InputError(f"{where}: row {index}", "the row has no `id`")
        if isinstance(row, _ConnectedRow):
            resources.append(
                az.ConnectedCluster(
                    id=row.id, name=row.name, type=_CONNECTED, kind=row.kind,
                    properties=row.properties,
                )
            )  # fmt: skip
        elif isinstance(row, _ProvisionedRow):
            resources.append(
                az.ProvisionedCluster(
                    id=row.id, name=row.name, type=_PROVISIONED, properties=row.properties
                )
            )
        else:
            resources.append(
                az.Subscription(
                    id=row.id, subscriptionId=row.subscriptionId, state=row.properties.state
                )
            )
    return resources, partial


def _rows(data: Document, as_list: bool, where: str) -> tuple[list[Row], bool]:
    """Row by row, for an error that names the row; and whether more pages exist."""
    partial = False
    try:
        if as_list:
            raw = msgspec.json.decode(data, type=list[msgspec.Raw])
        else:
            export = msgspec.json.decode(data, type=Export)
            raw, partial = export.data, export.skip_token is not None
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
        except msgspec.DecodeError as exc:  # kept raw above, so its strings were not checked
            raise InputError(f"{where}: row {index}", explain_msgspec_error(exc)) from None
    return rows, partial


def _resource(row: Row, where: str, index: int) -> Resource:
    kind = row.type.lower()
    if not row.id:
        raise InputError(f"{where}: row {index}", "the row has no `id`")
    if kind == _CONNECTED:
        properties = _properties(row, _CONNECTED_PROPERTIES, where, index)
        return az.ConnectedCluster(
            id=row.id, name=row.name, type=row.type, kind=row.kind, properties=properties
        )
    if kind == _PROVISIONED:
        aks_properties = _properties(row, _PROVISIONED_PROPERTIES, where, index)
        return az.ProvisionedCluster(
            id=row.id, name=row.name, type=row.type, properties=aks_properties
        )
    if kind == _SUBSCRIPTION:
        state = _properties(row, _SUBSCRIPTION_PROPERTIES, where, index)
        return az.Subscription(id=row.id, subscriptionId=row.subscriptionId, state=state.state)
    raise InputError(
        f"{where}: row {index}",
        f"type {row.type!r} is not a connected cluster, provisioned cluster instance "
        "or subscription row",
    )


def _properties(row: Row, reader: _PropertiesReader[S], where: str, index: int) -> S:
    try:
        return reader.decoder.decode(row.properties)
    except msgspec.ValidationError:
        # Most often a `null` where a value is unset; the slower reading treats it as absent.
        return decode_json_nulls_absent(
            row.properties, reader.struct, f"{where}: row {index}: properties"
        )
    except msgspec.DecodeError as exc:
        raise InputError(f"{where}: row {index}", f"properties: {exc}") from None


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
        data = as_utf8(memoryview(_map(path)), where)
    except OSError as exc:
        raise InputError(where, exc.strerror or str(exc)) from None
    connected: dict[str, tuple[int, az.ConnectedCluster]] = {}
    provisioned: dict[str, tuple[int, az.ProvisionedCluster]] = {}
    subscriptions: dict[str, tuple[int, az.Subscription]] = {}
    resources, partial = _resources(data, where)
    for index, resource in enumerate(resources):
        if isinstance(resource, az.ConnectedCluster):
            connected[resource.id.lower()] = (index, resource)
        elif isinstance(resource, az.ProvisionedCluster):
            owner = resource.id.lower().split(_PROVISIONED_SUFFIX)[0]
            provisioned[owner] = (index, resource)
        else:
            subscriptions[resource.subscriptionId.lower()] = (index, resource)

    clusters: list[Snapshot] = []
    owners = sorted(set(connected) | set(provisioned))
    for owner in owners:
        arc = connected.get(owner)
        aks = provisioned.get(owner)
        snapshot = Snapshot(source=where, partial_source=partial)
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
    return Inventory(clusters, partial)


def is_inventory(path: Path) -> bool:
    """Resource Graph exports are single .json files; bundles are folders or tarballs."""
    return path.is_file() and path.suffix.lower() == ".json"
