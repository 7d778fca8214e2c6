"""Azure Resource Graph exports (`az graph query ... -o json`) read as a fleet of inventory-only
clusters: the shipped example export, both shapes of an export, case-insensitive joins of
provisioned cluster instances and subscriptions to connected clusters, and bad rows refused
with the file and the row index."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from arcsupport.cli.app import main
from arcsupport.errors import InputError
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.inventory import _resource, _resources, _rows, is_inventory, read_inventory
from helpers import ROOT, reference_body

EXPORT = ROOT / "examples" / "resource-graph-export.json"
SUB = "fd3c3665-1729-4b7b-9a38-238e83b0f98b"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-edge/providers"
CONNECTED = "microsoft.kubernetes/connectedclusters"
PROVISIONED = "microsoft.hybridcontainerservice/provisionedclusterinstances"
SUBSCRIPTION = "microsoft.resources/subscriptions"


def export_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(EXPORT.read_text())["data"]
    return rows


def connected(name: str, version: str = "1.31.5", **extra: Any) -> dict[str, Any]:
    """A Resource Graph row of a connected cluster, from the real REST example."""
    body = reference_body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")
    properties = {
        **body["properties"],
        "kubernetesVersion": version,
        "connectivityStatus": "Connected",
        "lastConnectivityTime": "2025-09-15T05:58:31.6366667+00:00",
    }
    row = {
        "id": f"{GROUP}/Microsoft.Kubernetes/connectedClusters/{name}",
        "name": name,
        "type": CONNECTED,
        "kind": "ProvisionedCluster",
        "location": "eastus",
        "resourceGroup": "rg-edge",
        "subscriptionId": SUB,
        "properties": properties,
        "tags": {},
    }
    row.update(extra)
    return row


def provisioned(cluster: str, version: str = "v1.31.5", **extra: Any) -> dict[str, Any]:
    body = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    row = {
        "id": f"{GROUP}/Microsoft.Kubernetes/connectedClusters/{cluster}/providers/"
        "Microsoft.HybridContainerService/provisionedClusterInstances/default",
        "name": "default",
        "type": PROVISIONED,
        "kind": "",
        "resourceGroup": "rg-edge",
        "subscriptionId": SUB,
        "properties": {**body["properties"], "kubernetesVersion": version},
        "extendedLocation": body["extendedLocation"],
    }
    row.update(extra)
    return row


def subscription(state: str, subscription_id: str = SUB) -> dict[str, Any]:
    body = reference_body("subscription-2022-12-01-GetSubscription.json")
    return {
        "id": f"/subscriptions/{subscription_id}",
        "name": body["displayName"],
        "type": SUBSCRIPTION,
        "kind": "",
        "subscriptionId": subscription_id,
        "properties": {
            "state": state,
            "subscriptionPolicies": body["subscriptionPolicies"],
        },
    }


def write(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content) if not isinstance(content, str) else content)
    return path


def by_name(clusters: list[Snapshot]) -> dict[str, Snapshot]:
    return {snapshot.cluster_name: snapshot for snapshot in clusters}


# --- the shipped example export ------------------------------------------------------------------


def test_the_example_export_has_the_shape_az_graph_query_prints() -> None:
    document = json.loads(EXPORT.read_text())
    assert set(document) == {"count", "data", "skip_token", "total_records"}
    assert document["count"] == document["total_records"] == len(document["data"])
    assert document["skip_token"] is None
    types = {row["type"] for row in document["data"]}
    assert types == {CONNECTED, PROVISIONED, SUBSCRIPTION}, "Resource Graph lower-cases types"
    for row in document["data"]:
        assert {"id", "name", "type", "kind", "subscriptionId", "properties"} <= set(row)
    times = [
        row["properties"]["lastConnectivityTime"]
        for row in document["data"]
        if row["type"] == CONNECTED
    ]
    assert any(time.endswith("+00:00") for time in times), "the az CLI's form"
    assert any(time.endswith("Z") for time in times)


def test_the_example_export_reads_every_arc_connected_cluster() -> None:
    """Eight AKS Arc clusters and a k3s one: the reader keeps them all, and the engine says
    which are AKS Arc (tests/engine/test_fleet.py)."""
    clusters = by_name(read_inventory(EXPORT).clusters)
    k3s = clusters.pop("lab-k3s-sandbox")
    assert k3s.connected_cluster is not None and k3s.connected_cluster.kind is None
    assert k3s.provisioned_cluster is None
    assert sorted(clusters) == [
        "lab-daejeon-01", "lab-daejeon-02", "plant-gumi-02", "plant-ulsan-01",
        "retail-busan-02", "retail-daegu-03", "retail-incheon-04", "retail-seoul-01",
    ]  # fmt: skip
    # Every cluster has its subscription; all but one have their provisioned instance.
    assert all(snapshot.subscription is not None for snapshot in clusters.values())
    without_instance = [n for n, s in clusters.items() if s.provisioned_cluster is None]
    assert without_instance == ["retail-incheon-04"]
    states = {name: s.subscription.state for name, s in clusters.items() if s.subscription}
    assert states["plant-gumi-02"] == "Warned"
    assert states["lab-daejeon-02"] == "PastDue"
    # The instance whose id Resource Graph gave in lower case still joined its cluster.
    busan = clusters["retail-busan-02"]
    assert busan.provisioned_cluster is not None
    assert busan.provisioned_cluster.id == busan.provisioned_cluster.id.lower()
    assert busan.resource_id.endswith("/Microsoft.Kubernetes/connectedClusters/retail-busan-02")
    # Parts name the row they came from.
    part = busan.parts["azure/provisioned-cluster"]
    assert part.path.startswith(f"{EXPORT}: row ")


def test_build_export_rebuilds_the_example_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "build_export.py"), "--out", str(target)],
        check=True,
        cwd=tmp_path,
    )
    assert target.read_bytes() == EXPORT.read_bytes(), "run examples/build_export.py"


def test_build_export_uses_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "examples" / "build_export.py").read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported, "no imports found"
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --- shapes and joins ----------------------------------------------------------------------------


def test_a_bare_list_and_the_data_envelope_read_the_same(tmp_path: Path) -> None:
    rows = export_rows()
    bare = read_inventory(write(tmp_path / "bare.json", rows)).clusters
    wrapped = read_inventory(
        write(tmp_path / "wrapped.json", {"count": len(rows), "data": rows})
    ).clusters
    names = [snapshot.cluster_name for snapshot in bare]
    assert names == [snapshot.cluster_name for snapshot in wrapped]
    assert len(names) == 9
    # And with leading white space before the list.
    spaced = read_inventory(write(tmp_path / "spaced.json", "\n  " + json.dumps(rows))).clusters
    assert [snapshot.cluster_name for snapshot in spaced] == names


def test_provisioned_instances_join_their_connected_cluster_whatever_the_case(
    tmp_path: Path,
) -> None:
    upper = connected("edge-a")
    upper["id"] = upper["id"].replace("rg-edge", "RG-EDGE")
    lower = provisioned("edge-a", "v1.30.9")
    lower["id"] = lower["id"].lower()
    lower["type"] = "Microsoft.HybridContainerService/provisionedClusterInstances"
    [snapshot] = read_inventory(write(tmp_path / "x.json", [lower, upper])).clusters
    assert snapshot.cluster_name == "edge-a"
    assert snapshot.resource_id == upper["id"]
    assert snapshot.connected_cluster is not None
    assert snapshot.provisioned_cluster is not None
    assert snapshot.provisioned_cluster.properties.kubernetesVersion == "v1.30.9"


def test_an_instance_without_its_connected_cluster_row_is_named_after_the_cluster(
    tmp_path: Path,
) -> None:
    """Resource Graph may give an extension resource's id in lower case; the cluster's name and
    id are cut from it all the same."""
    for spelling in (str, str.lower):
        row = provisioned("edge-b")
        row["id"] = spelling(row["id"])
        [snapshot] = read_inventory(write(tmp_path / "b.json", [row])).clusters
        assert snapshot.cluster_name == "edge-b"
        assert snapshot.resource_id == spelling(
            f"{GROUP}/Microsoft.Kubernetes/connectedClusters/edge-b"
        )
        assert snapshot.connected_cluster is None


def test_subscription_rows_join_by_subscription_id(tmp_path: Path) -> None:
    other = "1bfbb5d0-917e-4346-9026-1d3b344417f5"
    rows = [
        connected("edge-c"),
        provisioned("edge-c"),
        connected("edge-d", id=f"/subscriptions/{other}/resourceGroups/rg/providers/"
                  "Microsoft.Kubernetes/connectedClusters/edge-d", subscriptionId=other),
        subscription("Warned"),
        subscription("PastDue", other.upper()),  # not the cluster's spelling
    ]  # fmt: skip
    clusters = by_name(read_inventory(write(tmp_path / "s.json", rows)).clusters)
    assert clusters["edge-c"].subscription is not None
    assert clusters["edge-c"].subscription.state == "Warned"
    assert clusters["edge-d"].subscription is not None
    assert clusters["edge-d"].subscription.state == "PastDue"
    # A cluster whose subscription has no row has no subscription part.
    rows = [connected("edge-e"), subscription("Warned", other)]
    [lonely] = read_inventory(write(tmp_path / "t.json", rows)).clusters
    assert lonely.subscription is None
    assert "azure/subscription" not in lonely.parts


def test_a_connected_cluster_that_is_not_aks_arc_is_read_like_the_others(tmp_path: Path) -> None:
    """Whether a cluster is AKS Arc is decided once, by the engine, for every source."""
    plain = connected("k3s", "1.30.6+k3s1", kind=None)
    marked_only = connected("arc-only")  # kind ProvisionedCluster, instance row not exported
    other_kind = connected("other", kind="AWS")
    rows = [plain, marked_only, other_kind]
    clusters = by_name(read_inventory(write(tmp_path / "k.json", rows)).clusters)
    kinds = {name: s.connected_cluster.kind for name, s in clusters.items() if s.connected_cluster}
    assert kinds == {"arc-only": "ProvisionedCluster", "k3s": None, "other": "AWS"}


def test_only_json_files_are_taken_for_exports(tmp_path: Path) -> None:
    assert is_inventory(EXPORT)
    assert not is_inventory(ROOT / "examples" / "healthy")
    tarball = tmp_path / "bundle.tar.gz"
    tarball.write_bytes(b"")
    assert not is_inventory(tarball)


# --- bad rows ------------------------------------------------------------------------------------


Row = dict[str, Any]


def _without(key: str) -> Any:
    return lambda row: {name: value for name, value in row.items() if name != key}


def _set(key: str, value: Any) -> Any:
    return lambda row: {**row, key: value}


def _set_property(key: str, value: Any) -> Any:
    return lambda row: {**row, "properties": {**row["properties"], key: value}}


BAD_ROWS: list[tuple[str, int, Any, tuple[str, ...]]] = [
    ("missing id", 3, _without("id"), ("row 3", "`id`")),
    ("empty id", 4, _set("id", ""), ("row 4", "`id`")),
    ("null id", 5, _set("id", None), ("row 5", "$.id")),
    ("missing type", 2, _without("type"), ("row 2", "`type`")),
    (
        "a virtual machine",
        2,
        _set("type", "microsoft.compute/virtualmachines"),
        ("row 2", "microsoft.compute/virtualmachines"),
    ),
    ("properties a list", 0, _set("properties", ["Connected"]), ("row 0", "properties")),
    ("properties null", 1, _set("properties", None), ("row 1", "properties")),
    (
        "version a number",
        1,
        _set_property("kubernetesVersion", 1.31),
        ("row 1", "properties", "kubernetesVersion"),
    ),
    (
        "a connectivity time that is no time",
        0,
        _set_property("lastConnectivityTime", "yesterday"),
        ("row 0", "lastConnectivityTime"),
    ),
    ("subscription state a number", 18, _set_property("state", 3), ("row 18", "state")),
    ("a row that is a list", 6, lambda row: ["not", "a", "row"], ("row 6", "array")),
]


@pytest.mark.parametrize("shape", ["envelope", "bare"])
@pytest.mark.parametrize(
    ("index", "change", "expected"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_a_bad_row_is_refused_naming_the_file_and_the_row(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    index: int,
    change: Any,
    expected: tuple[str, ...],
) -> None:
    rows = copy.deepcopy(export_rows())
    assert rows[18]["type"] == SUBSCRIPTION
    rows[index] = change(rows[index])
    source = write(tmp_path / "export.json", rows if shape == "bare" else {"data": rows})
    before = source.read_bytes()
    report = tmp_path / "fleet.json"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["fleet", str(source), "--at", "2025-09-15", "-o", "json", "--out", str(report)])
    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"arcsupport: error: {source}: ")
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    assert not report.exists(), "nothing written"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.json"]
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"data": [', "truncated JSON"),
        ("{'data': []}", "malformed JSON"),
        ({"data": {}}, "not a Resource Graph export"),
        ({"count": 0}, "`data`"),
        ("", "truncated JSON"),
    ],
)
def test_a_file_that_is_no_export_is_refused(tmp_path: Path, content: Any, expected: str) -> None:
    source = write(tmp_path / "export.json", content)
    with pytest.raises(InputError) as refused:
        read_inventory(source)
    assert str(source) in str(refused.value)
    assert expected in str(refused.value)


def test_an_empty_export_is_an_empty_fleet(tmp_path: Path) -> None:
    assert read_inventory(write(tmp_path / "e.json", {"count": 0, "data": []})).clusters == []


def test_the_one_pass_reading_equals_the_row_by_row_reading() -> None:
    """A well-formed export is decoded in one pass; anything else row by row. Both must give
    the same resources, or a fleet would depend on which path its export took."""
    data = EXPORT.read_bytes()
    one_pass, partial = _resources(data, "x")
    rows_read, rows_partial = _rows(data, False, "x")
    row_by_row = [_resource(row, "x", index) for index, row in enumerate(rows_read)]
    assert (one_pass, partial) == (row_by_row, rows_partial) == (row_by_row, False)
    # A type in another case is read row by row, to the same clusters; the page marker too.
    rows = export_rows()
    rows[0]["type"] = rows[0]["type"].replace("microsoft.kubernetes", "Microsoft.Kubernetes")
    mixed, mixed_partial = _resources(
        json.dumps({"data": rows, "skip_token": "ew=="}).encode(), "x"
    )
    assert mixed_partial is True
    assert mixed[1:] == one_pass[1:]
    assert msgspec.structs.replace(mixed[0], type=CONNECTED) == one_pass[0]


@pytest.mark.parametrize("skip_token", [None, "eyJwYWdlIjogMn0="])
def test_a_page_of_a_longer_result_is_partial(tmp_path: Path, skip_token: str | None) -> None:
    """`az graph query --first 1000` returns at most 1000 rows and a `skip_token` for the
    rest: the clusters of that page are read, each marked as from a partial source."""
    document = json.loads(EXPORT.read_text())
    document["skip_token"] = skip_token
    inventory = read_inventory(write(tmp_path / "page.json", document))
    assert inventory.partial is (skip_token is not None)
    assert len(inventory.clusters) == 9
    assert {cluster.partial_source for cluster in inventory.clusters} == {skip_token is not None}


def test_a_bare_list_of_rows_is_whole(tmp_path: Path) -> None:
    inventory = read_inventory(write(tmp_path / "rows.json", export_rows()))
    assert inventory.partial is False
