"""Snapshot readers: bundle directory, .tar.gz, `kubectl cluster-info dump` folder; decoding
of the real payloads and their quirks; provenance; cluster identity."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from arcsupport.errors import InputError
from arcsupport.policy.loader import load_pack
from arcsupport.rules.facts import Facts
from arcsupport.snapshot import azure as az
from arcsupport.snapshot import kube
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import DATA, REFERENCE, kube_list, node, pod, reference_body, workload, write_bundle

BUNDLES = DATA / "bundles"
PACK = load_pack()
CLUSTER_ID = (
    "/subscriptions/fd3c3665-1729-4b7b-9a38-238e83b0f98b/resourceGroups/testrg/providers/"
    "Microsoft.Kubernetes/connectedClusters/test-hybridakscluster"
)


def facts_of(snapshot: Snapshot) -> dict[str, Any]:
    """Everything a snapshot knows except where it was read from."""
    result = {
        name: getattr(snapshot, name)
        for name in snapshot.__struct_fields__
        if name not in ("source", "parts")
    }
    result["parts"] = {name: part.provenance for name, part in snapshot.parts.items()}
    return result


def make_tarball(root: Path, target: Path, prefix: str = "") -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for file in sorted(root.rglob("*")):
            if file.is_file():
                archive.add(file, arcname=prefix + file.relative_to(root).as_posix())
    return target


# --- bundle directory, tarball ------------------------------------------------------------


@pytest.mark.parametrize("name", ["current", "removed", "version-only"])
def test_tarball_reads_to_the_same_snapshot_as_the_directory(name: str, tmp_path: Path) -> None:
    directory = read_snapshot(BUNDLES / name)
    flat = read_snapshot(make_tarball(BUNDLES / name, tmp_path / f"{name}.tar.gz"))
    (tmp_path / "nested").mkdir()
    nested_tarball = make_tarball(BUNDLES / name, tmp_path / "nested" / f"{name}.tgz", f"{name}/")
    nested = read_snapshot(nested_tarball)
    assert directory.parts, "the committed bundle reads to something"
    assert facts_of(flat) == facts_of(directory)
    assert facts_of(nested) == facts_of(directory)


def test_parts_remember_their_file_and_provenance(tmp_path: Path) -> None:
    snapshot = read_snapshot(BUNDLES / "removed")
    assert snapshot.parts["facts"].provenance is Provenance.DECLARED
    assert snapshot.parts["facts"].path == str(BUNDLES / "removed" / "facts.yaml")
    observed = [name for name in snapshot.parts if name != "facts"]
    assert "azure/connected-cluster" in observed
    assert all(snapshot.parts[name].provenance is Provenance.OBSERVED for name in observed)

    tarball = make_tarball(BUNDLES / "removed", tmp_path / "removed.tar.gz")
    from_tar = read_snapshot(tarball)
    assert from_tar.parts["azure/subscription"].path == f"{tarball}:azure/subscription.json"

    # Evidence carries both: a declared host platform is reported as declared.
    facts = Facts(snapshot, PACK)
    host = facts.host_platform
    assert host is not None
    assert host[:2] == ("windows-server", "2022")
    assert host[2].provenance is Provenance.DECLARED
    version = facts.cluster_version
    assert version is not None
    assert version.evidence.provenance is Provenance.OBSERVED
    assert version.evidence.source.endswith("provisioned-cluster.json")


def test_manifest_not_collected_and_collected_at() -> None:
    snapshot = read_snapshot(BUNDLES / "removed")
    assert snapshot.not_collected == {"kubernetes/nodes": "nodes is forbidden for this account"}
    assert snapshot.collected_at == datetime(2025, 9, 15, 6, 0, tzinfo=UTC)
    current = read_snapshot(BUNDLES / "current")
    assert current.not_collected == {}
    assert current.collected_at == datetime(2025, 9, 14, 8, 0, tzinfo=UTC)  # from +00:00


# --- cluster identity ---------------------------------------------------------------------


def test_identity_from_the_manifest_wins(tmp_path: Path) -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    manifest = {
        "format": "arcsupport-bundle/v1",
        "cluster": {"name": "from-manifest", "resource_id": "/subscriptions/x/y/from-manifest"},
    }
    files = {"manifest.json": manifest, "azure/connected-cluster.json": connected}
    snapshot = read_snapshot(write_bundle(tmp_path / "b", files))
    assert (snapshot.cluster_name, snapshot.resource_id) == (
        "from-manifest",
        "/subscriptions/x/y/from-manifest",
    )


def test_identity_falls_back_to_the_connected_cluster(tmp_path: Path) -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    files = {
        "manifest.json": {"format": "arcsupport-bundle/v1", "cluster": {"name": "named"}},
        "azure/connected-cluster.json": connected,
    }
    snapshot = read_snapshot(write_bundle(tmp_path / "b", files))
    assert snapshot.cluster_name == "named"
    assert snapshot.resource_id == connected["id"]

    bare = read_snapshot(write_bundle(tmp_path / "c", {"azure/connected-cluster.json": connected}))
    assert bare.cluster_name == "connectedCluster1"
    assert bare.resource_id == connected["id"]


def test_identity_falls_back_to_the_provisioned_cluster_id(tmp_path: Path) -> None:
    provisioned = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    snapshot = read_snapshot(
        write_bundle(tmp_path / "b", {"azure/provisioned-cluster.json": provisioned})
    )
    assert snapshot.resource_id == CLUSTER_ID
    assert snapshot.cluster_name == "test-hybridakscluster"


def test_identity_falls_back_to_the_folder_or_tarball_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = REFERENCE / "k8s" / "examples" / "sonobuoy-serverversion.json"
    root = write_bundle(tmp_path / "my-cluster", {"kubernetes/version.json": version.read_text()})
    snapshot = read_snapshot(root)
    assert (snapshot.cluster_name, snapshot.resource_id) == ("my-cluster", "")
    assert read_snapshot(make_tarball(root, tmp_path / "edge-01.tar.gz")).cluster_name == "edge-01"
    monkeypatch.chdir(root)
    assert read_snapshot(".").cluster_name == "my-cluster"


# --- the real payloads ----------------------------------------------------------------------

AZURE_EXAMPLES = {
    "hybridaks-2024-01-01-GetProvisionedClusterInstance.json": "provisioned-cluster.json",
    "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json": (
        "provisioned-cluster.json"
    ),
    "hybridaks-2024-01-01-GetKubernetesVersions.json": "kubernetes-versions.json",
    "hybridaks-2024-01-01-GetVmSkus.json": "vm-skus.json",
    "hybridaks-2024-01-01-GetAgentPool.json": "agent-pools.json",
    "connectedClusters-2024-01-01-GetClusterExample.json": "connected-cluster.json",
    "connectedClusters-2024-01-01-CreateCluster_KindExample.json": "connected-cluster.json",
    "connectedClusters-2026-05-01-GetClusterExample.json": "connected-cluster.json",
    "azurestackhci-2024-04-01-GetCluster.json": "azure-local-cluster.json",
    "subscription-2022-12-01-GetSubscription.json": "subscription.json",
}


@pytest.mark.parametrize("example", sorted(AZURE_EXAMPLES))
def test_every_azure_example_body_reads_as_a_bundle_file(example: str, tmp_path: Path) -> None:
    target = AZURE_EXAMPLES[example]
    content: Any = reference_body(example)
    if target == "agent-pools.json":
        content = [content]
    snapshot = read_snapshot(write_bundle(tmp_path / "b", {f"azure/{target}": content}))
    assert list(snapshot.parts) == ["azure/" + target.removesuffix(".json")]


def test_payload_quirks_are_accepted(tmp_path: Path) -> None:
    provisioned = reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json")
    maximum = reference_body(
        "hybridaks-2024-01-01-ProvisionedClusterInstances_CreateOrUpdate_MaximumSet_Gen.json"
    )
    versions = reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    local = reference_body("azurestackhci-2024-04-01-GetCluster.json")

    one = read_snapshot(
        write_bundle(
            tmp_path / "one",
            {
                "azure/provisioned-cluster.json": provisioned,
                "azure/kubernetes-versions.json": versions,
                "azure/azure-local-cluster.json": local,
            },
        )
    )
    assert one.provisioned_cluster is not None
    assert one.provisioned_cluster.properties.kubernetesVersion == "v1.20.5"
    cluster_version = Facts(one, PACK).cluster_version
    assert cluster_version is not None
    assert str(cluster_version.version) == "1.20.5"
    assert one.kubernetes_versions is not None
    readiness = one.kubernetes_versions.properties.values[0].patchVersions["1.23.12"].readiness
    assert [entry.osSku for entry in readiness] == ["CBLMariner", "Windows", "Windows2022"]
    assert readiness[2].ready is False
    assert one.azure_local_cluster is not None
    synced = one.azure_local_cluster.properties.lastSyncTimestamp
    # Seven fractional digits: decoded to the microsecond, in UTC.
    assert synced == datetime(2020, 3, 11, 20, 44, 32, 562512, tzinfo=UTC)

    two = read_snapshot(write_bundle(tmp_path / "two", {"azure/provisioned-cluster.json": maximum}))
    assert two.provisioned_cluster is not None
    properties = two.provisioned_cluster.properties
    assert properties.provisioningState == "NotApplicable"
    assert properties.agentPoolProfiles[0].osSKU == "CBLMariner"
    assert properties.agentPoolProfiles[0].nodeTaints == [
        "env=prod:NoSchedule",
        "sku=gpu:NoSchedule",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-08-06T09:30:00Z", datetime(2025, 8, 6, 9, 30, tzinfo=UTC)),
        ("2025-08-06T09:30:00+00:00", datetime(2025, 8, 6, 9, 30, tzinfo=UTC)),
        ("2025-08-06T18:30:00+09:00", datetime(2025, 8, 6, 9, 30, tzinfo=UTC)),
        # Seven fractional digits (as ARM writes them), rounded to the microsecond.
        ("2025-08-06T09:30:00.1234567Z", datetime(2025, 8, 6, 9, 30, 0, 123457, tzinfo=UTC)),
    ],
)
def test_time_spellings(text: str, expected: datetime, tmp_path: Path) -> None:
    connected = reference_body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")
    connected["properties"]["lastConnectivityTime"] = text
    snapshot = read_snapshot(
        write_bundle(tmp_path / "b", {"azure/connected-cluster.json": connected})
    )
    assert snapshot.connected_cluster is not None
    assert snapshot.connected_cluster.kind == "ProvisionedCluster"
    seen = snapshot.connected_cluster.properties.lastConnectivityTime
    assert seen == expected
    assert seen is not None
    assert seen.utcoffset() is not None


def test_agent_pools_as_a_list_or_a_value_envelope(tmp_path: Path) -> None:
    pool = reference_body("hybridaks-2024-01-01-GetAgentPool.json")
    as_list = read_snapshot(write_bundle(tmp_path / "a", {"azure/agent-pools.json": [pool]}))
    as_value = read_snapshot(
        write_bundle(tmp_path / "b", {"azure/agent-pools.json": {"value": [pool, pool]}})
    )
    assert as_list.agent_pools is not None
    assert as_value.agent_pools is not None
    assert len(as_list.agent_pools) == 1
    assert len(as_value.agent_pools) == 2
    assert as_list.agent_pools[0] == as_value.agent_pools[1]
    assert as_list.agent_pools[0].name == "test-hybridaksnodepool"
    assert as_list.agent_pools[0].properties.count == 1
    assert as_list.agent_pools[0].properties.vmSize == "Standard_A4_v2"


def test_kubernetes_reference_objects(tmp_path: Path) -> None:
    examples = REFERENCE / "k8s" / "examples"
    root = write_bundle(
        tmp_path / "b",
        {
            "kubernetes/version.json": (examples / "sonobuoy-serverversion.json").read_text(),
            "kubernetes/nodes.json": (examples / "sonobuoy-core_v1_nodes.json").read_text(),
            "kubernetes/metrics.txt": (
                "# HELP kubernetes_feature_enabled [BETA] gates\n"
                "# TYPE kubernetes_feature_enabled gauge\n"
                'kubernetes_feature_enabled{name="InPlacePodVerticalScaling",stage="ALPHA"} 1\n'
                'kubernetes_feature_enabled{name="APIListChunking",stage=""} 1\n'
                'apiserver_request_total{code="200"} 12\n'
            ),
        },
    )
    snapshot = read_snapshot(root)
    assert snapshot.version is not None
    assert snapshot.version.gitVersion == "v1.20.0"
    assert snapshot.nodes is not None
    assert [n.metadata.name for n in snapshot.nodes] == [
        "kind-control-plane",
        "kind-worker",
        "kind-worker2",
    ]
    worker = snapshot.nodes[1]
    assert worker.status.nodeInfo.kubeletVersion == "v1.20.0"
    assert worker.status.capacity["cpu"] == "8"
    ready = worker.condition("Ready")
    assert ready is not None
    assert ready.status == "False"
    assert ready.lastTransitionTime == datetime(2022, 2, 2, 14, 59, 55, tzinfo=UTC)
    assert snapshot.nodes[0].spec.taints[0].key == "node-role.kubernetes.io/master"
    assert snapshot.metrics is not None
    assert [(g.name, g.stage, g.enabled) for g in snapshot.metrics.feature_gates] == [
        ("InPlacePodVerticalScaling", "ALPHA", True),
        ("APIListChunking", "", True),
    ]


def test_decoding_is_typed_and_narrow() -> None:
    snapshot = read_snapshot(BUNDLES / "current")
    assert snapshot.nodes is not None
    first = snapshot.nodes[0]
    assert isinstance(first, kube.Node)
    assert isinstance(first.status.nodeInfo, kube.NodeSystemInfo)
    # Fields no rule reads are skipped, not kept: no attribute for them at all.
    for obj, skipped in [
        (first.metadata, "uid"),
        (first.metadata, "resourceVersion"),
        (first.status, "allocatable"),
        (first.status, "daemonEndpoints"),
        (first.status.nodeInfo, "bootID"),
        (first.status.nodeInfo, "machineID"),
        (first.spec, "podCIDR"),
    ]:
        assert not hasattr(obj, skipped), skipped
    assert set(kube.Node.__struct_fields__) == {"metadata", "spec", "status", "kind"}
    assert "images" not in kube.NodeStatus.__struct_fields__
    assert snapshot.connected_cluster is not None
    assert not hasattr(snapshot.connected_cluster.properties, "agentPublicKeyCertificate")
    assert not hasattr(snapshot.connected_cluster, "systemData")
    assert isinstance(snapshot.connected_cluster, az.ConnectedCluster)
    # Nothing decodes into a dict of everything: the only dicts are declared maps.
    assert isinstance(first.metadata.labels, dict)
    assert all(isinstance(value, str) for value in first.metadata.labels.values())


# --- kubectl cluster-info dump --------------------------------------------------------------


def _dump_list(kind: str, api_version: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """As `kubectl cluster-info dump` prints a typed list: its items carry no kind."""
    stripped = []
    for item in items:
        copy = dict(item)
        copy.pop("kind", None)
        copy.pop("apiVersion", None)
        stripped.append(copy)
    return {
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "4242"},
        "items": stripped,
    }


def test_cluster_info_dump_reads_to_the_same_snapshot_as_a_bundle(tmp_path: Path) -> None:
    nodes = [node("moc-a"), node("moc-b", ready=False)]
    pods = {
        "calico-system": [pod("calico-node-1", "calico-system", owner=("DaemonSet", "calico"))],
        "kube-system": [
            pod("kube-proxy-1", "kube-system"),
            pod("coredns-1", "kube-system", node_name="moc-b"),
        ],
    }
    daemonsets = {
        "calico-system": [workload("DaemonSet", "calico-node", "calico-system")],
        "kube-system": [workload("DaemonSet", "kube-proxy", "kube-system")],
    }
    deployments = {"kube-system": [workload("Deployment", "coredns", "kube-system", replicas=2)]}
    services = {
        "kube-system": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kube-dns"}},
        ]
    }
    for service in services["kube-system"]:
        service["metadata"]["namespace"] = "kube-system"
    namespaces = ["calico-system", "default", "kube-system"]

    def flat(per_namespace: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        return [item for ns in sorted(per_namespace) for item in per_namespace[ns]]

    bundle = write_bundle(
        tmp_path / "bundle",
        {
            "kubernetes/nodes.json": kube_list(nodes),
            "kubernetes/pods.json": kube_list(flat(pods)),
            "kubernetes/daemonsets.json": kube_list(flat(daemonsets)),
            "kubernetes/deployments.json": kube_list(flat(deployments)),
            "kubernetes/services.json": kube_list(flat(services)),
            "kubernetes/namespaces.json": kube_list(
                [{"kind": "Namespace", "metadata": {"name": name}} for name in namespaces]
            ),
            "facts.yaml": "stopped_by: manual\n",
        },
    )
    dump_files: dict[str, Any] = {
        "nodes.json": _dump_list("NodeList", "v1", nodes),
        "facts.yaml": "stopped_by: manual\n",
    }
    for namespace in namespaces:
        for plural, per_namespace, kind, api in [
            ("pods", pods, "PodList", "v1"),
            ("daemonsets", daemonsets, "DaemonSetList", "apps/v1"),
            ("deployments", deployments, "DeploymentList", "apps/v1"),
            ("services", services, "ServiceList", "v1"),
        ]:
            items = per_namespace.get(namespace, [])
            dump_files[f"{namespace}/{plural}.json"] = _dump_list(kind, api, items)
        # What else the dump writes is ignored.
        dump_files[f"{namespace}/events.json"] = _dump_list("EventList", "v1", [])
        dump_files[f"{namespace}/replicasets.json"] = _dump_list("ReplicaSetList", "apps/v1", [])
    dump_files["kube-system/kube-proxy-1/logs.txt"] = "I0915 started\n"
    dump = write_bundle(tmp_path / "dump", dump_files)

    from_bundle = read_snapshot(bundle)
    from_dump = read_snapshot(dump)
    assert from_dump.daemonsets is not None
    assert [w.kind for w in from_dump.daemonsets] == ["DaemonSet", "DaemonSet"]
    assert [w.apiVersion for w in from_dump.daemonsets] == ["apps/v1", "apps/v1"]
    expected = facts_of(from_bundle)
    actual = facts_of(from_dump)
    assert actual["cluster_name"] == "dump"
    expected["cluster_name"] = "dump"
    assert actual == expected
    assert from_dump.parts["facts"].provenance is Provenance.DECLARED


def test_cluster_info_dump_with_azure_files(tmp_path: Path) -> None:
    connected = reference_body("connectedClusters-2026-05-01-GetClusterExample.json")
    dump = write_bundle(
        tmp_path / "dump",
        {
            "nodes.json": _dump_list("NodeList", "v1", [node("moc-a")]),
            "default/pods.json": _dump_list("PodList", "v1", [pod("web", "default")]),
            "azure/connected-cluster.json": connected,
        },
    )
    snapshot = read_snapshot(dump)
    assert snapshot.namespaces is not None
    assert [ns.metadata.name for ns in snapshot.namespaces] == ["default"]
    assert snapshot.connected_cluster is not None
    assert snapshot.cluster_name == "connectedCluster1"
    assert snapshot.pods is not None
    assert snapshot.pods[0].kind == "Pod"


def test_a_list_of_other_objects_keeps_only_what_identifies_them(tmp_path: Path) -> None:
    ingress = {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "default", "uid": "1"},
        "spec": {"rules": []},
    }
    root = write_bundle(tmp_path / "b", {"kubernetes/ingresses.json": kube_list([ingress])})
    snapshot = read_snapshot(root)
    [obj] = snapshot.other_objects["ingresses"]
    assert (obj.apiVersion, obj.kind, obj.metadata.name) == (
        "networking.k8s.io/v1beta1",
        "Ingress",
        "web",
    )
    assert not hasattr(obj, "spec")
    assert snapshot.parts["kubernetes/ingresses"].provenance is Provenance.OBSERVED


def test_a_tarball_is_read_member_by_member(tmp_path: Path) -> None:
    """Members outside the layout are ignored; a directory entry is fine."""
    version = (REFERENCE / "k8s" / "examples" / "sonobuoy-serverversion.json").read_bytes()
    target = tmp_path / "b.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        folder = tarfile.TarInfo("bundle")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in [
            ("bundle/README.txt", b"collected by hand"),
            ("bundle/kubernetes/version.json", version),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    snapshot = read_snapshot(target)
    assert list(snapshot.parts) == ["kubernetes/version"]
    assert snapshot.version is not None
    assert snapshot.version == msgspec.json.decode(version, type=kube.VersionInfo)
    assert json.loads(version)["gitVersion"] == snapshot.version.gitVersion


def _bundle_with_a_broken_manifest(root: Path, pods: int) -> Path:
    """A folder whose manifest.json, read first, is malformed: a refusal that names another
    file proves that nothing was read before it."""
    (root / "kubernetes").mkdir(parents=True)
    (root / "azure").mkdir()
    (root / "manifest.json").write_text("{")
    (root / "azure" / "subscription.json").write_text('{"subscriptionId": "' + "0" * 200 + '"}')
    items = [{"metadata": {"name": f"p{i}", "namespace": "default"}} for i in range(pods)]
    (root / "kubernetes" / "pods.json").write_text(json.dumps({"items": items}))
    return root


def test_a_tarball_list_is_bounded_by_the_total_not_the_member_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in a folder: a tarball's List is read item by item, so the member limit (of what is
    read whole) does not apply to it; other members still meet it."""
    items = [{"metadata": {"name": f"p{i}", "namespace": "default"}} for i in range(100)]
    lists = json.dumps({"kind": "PodList", "items": items}).encode()
    tarball = tmp_path / "b.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in (("b/kubernetes/pods.json", lists), ("b/facts.yaml", b"#" * 300)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert len(lists) > 4000
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "1000")
    assert len(read_snapshot(tarball).pods) == 100
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "200")
    with pytest.raises(InputError, match=r"'b/facts\.yaml' is 300 bytes, over the 200 bytes"):
        read_snapshot(tarball)


def test_a_file_over_the_member_limit_is_refused_before_any_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _bundle_with_a_broken_manifest(tmp_path / "b", pods=100)
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "200")
    with pytest.raises(InputError) as refused:
        read_snapshot(root)
    assert str(refused.value).startswith(f"{root / 'azure' / 'subscription.json'}: is ")
    assert "over the 200 bytes limit (ARCSUPPORT_MAX_MEMBER_SIZE raises it)" in str(refused.value)


def test_a_list_is_bounded_by_the_total_not_the_member_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A List is read item by item, so a file over the member limit is fine; the folder's
    total still bounds it, checked before anything is read."""
    root = _bundle_with_a_broken_manifest(tmp_path / "b", pods=100)
    (root / "azure" / "subscription.json").unlink()
    monkeypatch.setenv("ARCSUPPORT_MAX_MEMBER_SIZE", "300")
    with pytest.raises(InputError, match=r"manifest\.json: truncated JSON"):
        read_snapshot(root)  # pods.json (5 KB) passed the checks; the manifest is read
    monkeypatch.setenv("ARCSUPPORT_MAX_BUNDLE_SIZE", "4KiB")
    with pytest.raises(InputError) as refused:
        read_snapshot(root)
    assert str(refused.value).startswith(f"{root}: its files add up to more than 4 KiB")
    assert "ARCSUPPORT_MAX_BUNDLE_SIZE raises it" in str(refused.value)
