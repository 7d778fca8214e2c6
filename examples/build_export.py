#!/usr/bin/env python3
"""Build examples/resource-graph-export.json: what `az graph query ... -o json` prints for a
small AKS Arc fleet, from the real REST examples in tests/data/reference/azure.

The query (Resource Graph lower-cases `type`; `resourcecontainers` holds the subscriptions):

    az graph query -q "resources
      | where type =~ 'microsoft.kubernetes/connectedclusters'
         or type =~ 'microsoft.hybridcontainerservice/provisionedclusterinstances'
      | union (resourcecontainers | where type == 'microsoft.resources/subscriptions')" -o json

Each connected cluster starts from a connectedClusters GET body (api-version 2026-05-01, or
2024-01-01 for the older agents, with `kind` as in the CreateCluster_KindExample), each
provisioned cluster instance from the GetProvisionedClusterInstance body, each subscription
from the GetSubscription body; the builder sets names, ids, versions, connectivity and states,
and adds `connectivityStatus` / `lastConnectivityTime` (read-only fields the examples lack), some
in the az CLI's `+00:00` form. Standard library only; the output is deterministic:

    python3 examples/build_export.py                # rewrite examples/resource-graph-export.json
    python3 examples/build_export.py --out FILE     # write it elsewhere

The fleet: eight AKS Arc clusters over three subscriptions (Enabled, Warned, PastDue) with a
spread of versions (1.27 to 1.31) and connectivity (Connected, Offline, Expired), one of them
known only from its connected-cluster row, plus one plain Arc-connected k3s cluster (kind null,
no provisioned cluster instance) that `arcsupport fleet` skips and counts.
`arcsupport fleet examples/resource-graph-export.json --at 2025-09-15` judges them.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AZURE = HERE.parent / "tests" / "data" / "reference" / "azure"
TARGET = HERE / "resource-graph-export.json"
Json = dict[str, Any]

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the connectedClusters examples' tenant
# (subscription id, display name, state); the ids are the reference examples' own.
SUBSCRIPTIONS = {
    "retail": ("fd3c3665-1729-4b7b-9a38-238e83b0f98b", "Contoso Retail Edge", "Enabled"),
    "plant": ("1bfbb5d0-917e-4346-9026-1d3b344417f5", "Contoso Manufacturing", "Warned"),
    "lab": ("291bba3f-e0a5-47bc-a099-3bdcb2a50a05", "Contoso Labs", "PastDue"),
}
CUSTOM_LOCATION_RG = "test-arcappliance-resgrp"


def body(name: str) -> Json:
    """The response body of a REST example."""
    document = json.loads((AZURE / name).read_text(encoding="utf-8"))
    found: Json = document["responses"]["200"]["body"]
    return copy.deepcopy(found)


def connected_row(
    subscription: str,
    group: str,
    name: str,
    *,
    version: str,
    nodes: int,
    status: str,
    last_seen: str,
    kind: str | None = "ProvisionedCluster",
    old_api: bool = False,
    distribution: str = "AKS",
    infrastructure: str = "azure_stack_hci",
    agent: str = "1.24.5",
) -> Json:
    source = body(
        "connectedClusters-2024-01-01-GetClusterExample.json"
        if old_api
        else "connectedClusters-2026-05-01-GetClusterExample.json"
    )
    props = source["properties"]
    props.update(
        {
            "kubernetesVersion": version,
            "totalNodeCount": nodes,
            "totalCoreCount": nodes * 4,
            "agentVersion": agent,
            "distribution": distribution,
            "infrastructure": infrastructure,
            "connectivityStatus": status,
            "lastConnectivityTime": last_seen,
            "managedIdentityCertificateExpirationTime": "2025-11-28T10:41:00Z"
            if status != "Expired"
            else "2025-06-20T10:41:00Z",
        }
    )
    props.pop("agentPublicKeyCertificate", None)  # Resource Graph keeps it; it is just noise here
    profile = props.get("arcAgentProfile")
    if profile is not None:
        profile.update(
            {
                "agentState": "Succeeded",
                "agentErrors": [],
                "desiredAgentVersion": agent,
                "systemComponents": [],
            }
        )
    sub = SUBSCRIPTIONS[subscription][0]
    resource_id = (
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/"
        f"Microsoft.Kubernetes/connectedClusters/{name}"
    )
    return {
        "id": resource_id,
        "name": name,
        "type": "microsoft.kubernetes/connectedclusters",
        "tenantId": TENANT,
        "kind": kind,
        "location": "eastus",
        "resourceGroup": group,
        "subscriptionId": sub,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": props,
        "tags": {"site": name.split("-")[1], "owner": "platform-team"},
        "identity": {
            "type": "SystemAssigned",
            "principalId": source["identity"].get(
                "principalId", "d8cd1fd9-154f-4da7-b348-595f283c13a3"
            ),
            "tenantId": TENANT,
        },
        "zones": None,
        "extendedLocation": None,
    }


def provisioned_row(
    subscription: str,
    group: str,
    cluster: str,
    *,
    version: str,
    pools: list[tuple[str, int, str]],
    state: str = "Succeeded",
    lower_case_id: bool = False,
) -> Json:
    source = body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    props = source["properties"]
    sub = SUBSCRIPTIONS[subscription][0]
    custom_location = (
        f"/subscriptions/{sub}/resourcegroups/{CUSTOM_LOCATION_RG}/providers/"
        f"microsoft.extendedlocation/customlocations/cl-{cluster.split('-')[1]}"
    )
    props["kubernetesVersion"] = version
    props["provisioningState"] = state
    props["controlPlane"]["vmSize"] = "Standard_A4_v2"
    props["controlPlane"].pop("linuxProfile", None)
    props.pop("linuxProfile", None)  # Resource Graph rows carry no SSH keys in these examples
    props["agentPoolProfiles"] = [
        {
            "name": pool,
            "count": count,
            "vmSize": size,
            "osType": "Linux",
            "osSKU": "CBLMariner",
            "kubernetesVersion": version.removeprefix("v"),
        }
        for pool, count, size in pools
    ]
    props["cloudProviderProfile"]["infraNetworkProfile"]["vnetSubnetIds"] = [
        f"/subscriptions/{sub}/resourceGroups/{CUSTOM_LOCATION_RG}/providers/"
        f"Microsoft.AzureStackHCI/logicalNetworks/lnet-{cluster.split('-')[1]}"
    ]
    props["status"] = {"currentState": state}
    resource_id = (
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/"
        f"Microsoft.Kubernetes/connectedClusters/{cluster}/providers/"
        "Microsoft.HybridContainerService/provisionedClusterInstances/default"
    )
    if lower_case_id:
        # Resource Graph returns some extension resources' ids in lower case: the join to the
        # connected cluster must not depend on case.
        resource_id = resource_id.lower()
    return {
        "id": resource_id,
        "name": "default",
        "type": "microsoft.hybridcontainerservice/provisionedclusterinstances",
        "tenantId": TENANT,
        "kind": "",
        "location": "",
        "resourceGroup": group,
        "subscriptionId": sub,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": props,
        "tags": None,
        "identity": None,
        "zones": None,
        "extendedLocation": {"name": custom_location, "type": "CustomLocation"},
    }


def subscription_row(key: str) -> Json:
    source = body("subscription-2022-12-01-GetSubscription.json")
    sub, display, state = SUBSCRIPTIONS[key]
    return {
        "id": f"/subscriptions/{sub}",
        "name": display,
        "type": "microsoft.resources/subscriptions",
        "tenantId": source["tenantId"],
        "kind": "",
        "location": "",
        "resourceGroup": "",
        "subscriptionId": sub,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": {
            "subscriptionPolicies": source["subscriptionPolicies"],
            "state": state,
            "managedByTenants": source["managedByTenants"],
        },
        "tags": {"costCenter": key},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
    }


SYSTEM = ("nodepool1", 2, "Standard_A4_v2")
APPS = ("apppool", 1, "Standard_D8s_v3")

# (subscription, resource group, cluster, version, connectivity, last connectivity, options)
CLUSTERS: list[tuple[str, str, str, str, str, str, dict[str, bool]]] = [
    # Retail: current versions, connected; one instance id in lower case; one cluster whose
    # provisioned instance the exporting account could not see (only its Arc row is there).
    ("retail", "rg-retail-edge", "retail-seoul-01", "1.31.5", "Connected",
     "2025-09-15T05:58:31.6366667Z", {}),
    ("retail", "rg-retail-edge", "retail-busan-02", "1.30.9", "Connected",
     "2025-09-15T05:57:02.1187452+00:00", {"lower_case_id": True}),
    ("retail", "rg-retail-edge", "retail-daegu-03", "1.29.13", "Connected",
     "2025-09-15T05:59:48.9021175Z", {}),
    ("retail", "rg-retail-edge", "retail-incheon-04", "1.31.4", "Connected",
     "2025-09-15T05:55:10.4402311+00:00", {"instance": False}),
    # Manufacturing (subscription Warned): an old minor, and a plant offline for 45 days.
    ("plant", "rg-plants", "plant-ulsan-01", "1.28.14", "Connected",
     "2025-09-15T05:50:27.3319054Z", {"old_api": True}),
    ("plant", "rg-plants", "plant-gumi-02", "1.30.4", "Offline",
     "2025-07-31T22:14:05.5123409+00:00", {}),
    # Labs (subscription PastDue): offline for ten days; an expired agent certificate.
    ("lab", "rg-labs", "lab-daejeon-01", "1.31.5", "Offline",
     "2025-09-05T13:02:44.0071236+00:00", {}),
    ("lab", "rg-labs", "lab-daejeon-02", "1.27.9", "Expired",
     "2025-04-02T08:41:19.7781020Z", {"old_api": True}),
]  # fmt: skip


def rows() -> list[Json]:
    out: list[Json] = []
    for subscription, group, name, version, status, last_seen, options in CLUSTERS:
        out.append(
            connected_row(
                subscription,
                group,
                name,
                version=version,
                nodes=SYSTEM[1] + APPS[1] + 1,
                status=status,
                last_seen=last_seen,
                old_api=options.get("old_api", False),
            )
        )
        if options.get("instance", True):
            out.append(
                provisioned_row(
                    subscription,
                    group,
                    name,
                    version=f"v{version}",
                    pools=[SYSTEM, APPS],
                    lower_case_id=options.get("lower_case_id", False),
                )
            )
    # Arc-enabled Kubernetes that is not AKS Arc: a k3s cluster someone connected by hand.
    out.append(
        connected_row(
            "lab",
            "rg-labs",
            "lab-k3s-sandbox",
            version="1.30.6+k3s1",
            nodes=1,
            status="Connected",
            last_seen="2025-09-15T05:52:36.1004526Z",
            kind=None,
            distribution="k3s",
            infrastructure="generic",
        )
    )
    out.extend(subscription_row(key) for key in SUBSCRIPTIONS)
    return out


def export() -> Json:
    data = rows()
    return {"count": len(data), "data": data, "skip_token": None, "total_records": len(data)}


def render() -> str:
    # `az ... -o json` prints two-space indentation and keeps non-ASCII characters.
    return json.dumps(export(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="where to write the export")
    args = parser.parse_args()
    args.out.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
