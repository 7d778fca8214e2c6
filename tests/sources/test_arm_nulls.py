"""ARM writes `null` for unset properties; the readers must take it as absent, not fail."""

from __future__ import annotations

import json
from pathlib import Path

from arcsupport.sources.inventory import read_inventory
from arcsupport.sources.read import read_snapshot
from helpers import reference_body, write_bundle


def test_nulls_in_azure_bundle_files_read_as_absent(tmp_path: Path) -> None:
    provisioned = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    provisioned["properties"]["status"] = {"currentState": "Succeeded", "errorMessage": None}
    provisioned["properties"]["networkProfile"]["podCidr"] = None
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected["kind"] = None
    connected["properties"]["lastConnectivityTime"] = None
    connected["properties"]["distribution"] = None
    write_bundle(
        tmp_path,
        {"azure/provisioned-cluster.json": provisioned, "azure/connected-cluster.json": connected},
    )
    snapshot = read_snapshot(tmp_path)
    assert snapshot.provisioned_cluster is not None
    status = snapshot.provisioned_cluster.properties.status
    assert status is not None and (status.currentState, status.errorMessage) == ("Succeeded", "")
    assert snapshot.connected_cluster is not None
    assert snapshot.connected_cluster.kind is None
    assert snapshot.connected_cluster.properties.distribution == ""


def test_nulls_in_resource_graph_rows_read_as_absent(tmp_path: Path) -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    connected["properties"]["distribution"] = None
    rows = [
        {
            "id": connected["id"],
            "name": connected["name"],
            "type": "microsoft.kubernetes/connectedclusters",
            "kind": "ProvisionedCluster",
            "subscriptionId": "1bfbb5d0-917e-4346-9026-1d3b344417f5",
            "properties": connected["properties"],
        }
    ]
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"count": 1, "data": rows}))
    [cluster] = read_inventory(export).clusters
    assert cluster.connected_cluster is not None
    assert cluster.connected_cluster.properties.distribution == ""
