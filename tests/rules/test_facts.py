"""The facts the engine decides support on before any rule runs: the cluster's version (read,
or inferred where a source lacks /version) and whether the cluster is AKS Arc at all. Real
`kubectl cluster-info dump` output (tests/data/dumps, written by kubectl) and the real
kube-apiserver pods of minikube and RKE2 (tests/data/reference/k8s/examples)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.rules.facts import Facts, _image_tag
from arcsupport.snapshot.model import Provenance, Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import (
    DATA,
    EXAMPLES,
    REFERENCE,
    aks_arc_connected,
    default_pack,
    make_snapshot,
    node,
    reference_json,
)

DUMPS = DATA / "dumps"
SHAPES = ("json", "yaml", "stream.json", "stream.yaml")


def facts(snapshot: Snapshot) -> Facts:
    return Facts(snapshot, default_pack())


def reference_pod(name: str) -> dict[str, Any]:
    pod: dict[str, Any] = yaml.safe_load(
        (REFERENCE / "k8s" / "examples" / name).read_text(encoding="utf-8")
    )
    return pod


# --- the version, inferred -------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_a_real_dump_has_no_version_but_its_apiserver_pod_tells_it(shape: str) -> None:
    snapshot = read_snapshot(DUMPS / shape)
    assert snapshot.version is None and snapshot.provisioned_cluster is None
    found = facts(snapshot).cluster_version
    assert found is not None
    assert str(found.version) == "1.31.5"
    evidence = found.evidence
    assert evidence.provenance is Provenance.INFERRED
    assert evidence.object == "kube-system/Pod/kube-apiserver-moc-dba58bypqc2"
    assert evidence.field == "spec.containers[kube-apiserver].image"
    assert evidence.value == "mcr.microsoft.com/oss/kubernetes/kube-apiserver:v1.31.5"
    assert str(DUMPS / shape) in evidence.source  # the file it was read from


@pytest.mark.parametrize(
    ("name", "version", "suffix"),
    [
        ("kubescape-kube-apiserver-pod-minikube.yaml", "1.24.1", ""),
        ("kubescape-kube-apiserver-pod-rke2.yaml", "1.32.11", "-rke2r1"),
    ],
)
def test_the_reference_apiserver_pods_give_their_version(
    name: str, version: str, suffix: str
) -> None:
    found = facts(make_snapshot(pods=[reference_pod(name)])).cluster_version
    assert found is not None
    assert (str(found.version), found.version.suffix) == (version, suffix)
    assert found.evidence.provenance is Provenance.INFERRED


def test_what_is_stated_wins_over_what_is_inferred() -> None:
    pod = reference_pod("kubescape-kube-apiserver-pod-minikube.yaml")
    stated = facts(make_snapshot(version={"gitVersion": "v1.31.5"}, pods=[pod])).cluster_version
    assert stated is not None and str(stated.version) == "1.31.5"
    assert stated.evidence.provenance is Provenance.OBSERVED
    connected = aks_arc_connected()
    connected["properties"]["kubernetesVersion"] = "1.30.9"
    from_azure = facts(make_snapshot(connected_cluster=connected, pods=[pod])).cluster_version
    assert from_azure is not None and str(from_azure.version) == "1.30.9"


def test_without_the_apiserver_pod_the_control_plane_kubelet_tells_it() -> None:
    control = node(
        "moc-cp", kubelet="v1.30.9", labels={"node-role.kubernetes.io/control-plane": ""}
    )
    worker = node("moc-w1", kubelet="v1.29.12")  # a worker's kubelet may trail: not the API's
    found = facts(make_snapshot(nodes=[worker, control])).cluster_version
    assert found is not None and str(found.version) == "1.30.9"
    assert (found.evidence.object, found.evidence.field) == (
        "nodes/moc-cp",
        "status.nodeInfo.kubeletVersion",
    )
    assert found.evidence.provenance is Provenance.INFERRED
    assert facts(make_snapshot(nodes=[worker])).cluster_version is None


def test_a_control_plane_caught_mid_upgrade_is_judged_on_its_oldest_apiserver() -> None:
    old = reference_pod("kubescape-kube-apiserver-pod-minikube.yaml")
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "kube-apiserver-minikube-m02"
    new["spec"]["containers"][0]["image"] = "k8s.gcr.io/kube-apiserver:v1.25.3"
    found = facts(make_snapshot(pods=[new, old])).cluster_version
    assert found is not None and str(found.version) == "1.24.1"
    assert found.evidence.object == "kube-system/Pod/kube-apiserver-minikube"


def test_an_image_pinned_by_digest_alone_tells_nothing() -> None:
    pod = reference_pod("kubescape-kube-apiserver-pod-minikube.yaml")
    pod["spec"]["containers"][0]["image"] = "k8s.gcr.io/kube-apiserver@sha256:" + "a" * 64
    assert facts(make_snapshot(pods=[pod])).cluster_version is None
    # A pod elsewhere than kube-system is not the control plane's.
    elsewhere = reference_pod("kubescape-kube-apiserver-pod-minikube.yaml")
    elsewhere["metadata"]["namespace"] = "default"
    assert facts(make_snapshot(pods=[elsewhere])).cluster_version is None


_NAME = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)


@given(
    registry=st.sampled_from(["", "mcr.microsoft.com/", "localhost:5000/", "k8s.gcr.io/"]),
    path=st.lists(_NAME, min_size=1, max_size=3),
    tag=st.none() | _TAG,
    digest=st.none() | st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
)
def test_image_tag_is_the_tag_whatever_the_registry_port_or_digest(
    registry: str, path: list[str], tag: str | None, digest: str | None
) -> None:
    image = registry + "/".join(path)
    if tag is not None:
        image += f":{tag}"
    if digest is not None:
        image += f"@sha256:{digest}"
    assert _image_tag(image) == (tag or "")


# --- AKS Arc or not --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_a_real_dump_of_an_aks_arc_cluster_shows_its_marks(shape: str) -> None:
    identity = facts(read_snapshot(DUMPS / shape)).identity
    assert identity.aks_arc is True
    fields = {(item.field, item.value.split("://")[0]) for item in identity.signals}
    assert ("spec.providerID", "moc") in fields
    assert ("metadata.name", "csi-akshcicsi-controller") in fields


def test_the_real_kind_nodes_are_not_aks_arc() -> None:
    nodes = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")["items"]
    identity = facts(make_snapshot(nodes=nodes)).identity
    assert identity.aks_arc is False
    assert [item.value for item in identity.signals] == [
        "kind://docker/kind/kind-control-plane",
        "kind://docker/kind/kind-worker",
        "kind://docker/kind/kind-worker2",
    ]


def test_nothing_to_look_at_tells_nothing() -> None:
    identity = facts(make_snapshot(version={"gitVersion": "v1.31.5"}, facts={})).identity
    assert (identity.aks_arc, identity.signals) == (None, ())


def test_every_example_is_what_its_readme_says() -> None:
    expected = {"k3s": False, "empty": None}
    for folder in sorted(EXAMPLES.iterdir()):
        if (folder / "manifest.json").is_file() or (folder / "nodes.json").is_file():
            found = facts(read_snapshot(folder)).identity.aks_arc
            assert found is expected.get(folder.name, True), folder.name
