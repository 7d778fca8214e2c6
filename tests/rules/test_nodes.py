"""node-drift, node-network, node-not-ready, privileged-daemonsets, the quantity parser, and
the nodes message catalogs."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from arcsupport.i18n import text
from arcsupport.policy.model import Pack
from arcsupport.rules.outcome import Finding, NotEvaluated
from arcsupport.snapshot.quantity import parse_quantity
from helpers import (
    DATA,
    default_pack,
    english,
    findings,
    gaps,
    make_snapshot,
    node,
    reference_body,
    reference_json,
    run_assess,
    run_rule,
    workload,
)

WHEN = "2025-07-01"
POOL_LABEL = "msft.microsoft/nodepool-name"
# Standard_A4_v2: 4 vCPUs and 8192 MiB; 8009200Ki (7.64 GiB, 95%) is what such a VM reports.
SKUS = {
    "properties": {
        "values": [
            {
                "name": "Standard_A4_v2",
                "capabilities": [
                    {"name": "vCpu", "value": "4"},
                    {"name": "MemoryMb", "value": "8192"},
                ],
            }
        ]
    }
}


def pool(name: str, count: int, **properties: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "Microsoft.HybridContainerService/provisionedClusterInstances/agentpools",
        "properties": {"count": count, "vmSize": "Standard_A4_v2", "osType": "Linux", **properties},
    }


# What a node built from the AKS Arc image of Kubernetes 1.31.5 reports (the policy pack's
# node_images, from the healthy example).
IMAGE_1_31_5 = {"kubelet": "v1.31.5", "kernel": "6.6.96.1-1.azl3", "containerd": "1.7.27"}


def worker(name: str, pool_name: str | None = "np1", **kwargs: Any) -> dict[str, Any]:
    labels = {POOL_LABEL: f"cl1-x7k2p-{pool_name}"} if pool_name else {}
    kwargs.setdefault("memory", "8009200Ki")
    return node(name, labels=labels, **{**IMAGE_1_31_5, **kwargs})


def only(outcomes: list[Any]) -> Finding:
    [finding] = findings(outcomes)
    return finding


def sonobuoy_nodes() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = reference_json("k8s/examples/sonobuoy-core_v1_nodes.json")[
        "items"
    ]
    return copy.deepcopy(items)


# --- Kubernetes quantities ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "value"),
    [
        ("4", 4),
        ("3500m", Fraction(7, 2)),
        ("16374624Ki", 16374624 * 1024),
        ("1.5Gi", 3 * 2**29),
        ("8192Mi", 8 * 2**30),
        ("2k", 2000),
        ("1e3", 1000),
        ("1E", 10**18),
        ("1Ei", 2**60),
        (".5", Fraction(1, 2)),
        ("250u", Fraction(1, 4000)),
        ("-1", -1),
    ],
)
def test_quantity_examples(quantity: str, value: Fraction | int) -> None:
    assert parse_quantity(quantity) == value


@pytest.mark.parametrize("bad", ["", "Ki", "1KiB", "1 Gi", "0x10", "1e", "1e1000", "1_000"])
def test_quantity_rejects_what_is_not_one(bad: str) -> None:
    with pytest.raises(ValueError, match=r"quantity|exponent"):
        parse_quantity(bad)


_MULTIPLIERS = {
    "": 1,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "m": Fraction(1, 1000),
}


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(sorted(_MULTIPLIERS)))
def test_quantity_suffixes_multiply(number: int, suffix: str) -> None:
    assert parse_quantity(f"{number}{suffix}") == number * _MULTIPLIERS[suffix]


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9)))
def test_quantity_plain_decimals_are_exact(number: Decimal) -> None:
    assert parse_quantity(format(number, "f")) == Fraction(number)


# --- node-drift ----------------------------------------------------------------------------


def test_drift_needs_nodes() -> None:
    with pytest.raises(NotEvaluated) as raised:
        run_rule("node-drift", make_snapshot(agent_pools=[pool("np1", 1)]), WHEN)
    assert "kubernetes/nodes.json" in english(raised.value.needs)[0]


def test_nodes_that_match_their_pool_pass() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b", cpu="4000m")],
        agent_pools=[pool("np1", 2)],
        vm_skus=SKUS,
    )
    assert run_rule("node-drift", snap, WHEN) == []


def test_workers_outside_every_pool_are_unsupported() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b", pool_name=None), worker("moc-c", "gpu")],
        agent_pools=[pool("np1", 1)],
        vm_skus=SKUS,
    )
    finding = only(run_rule("node-drift", snap, WHEN))
    assert (finding.severity, finding.message.key) == ("unsupported", "node-drift.unmanaged")
    assert finding.clauses == ("SHR-3",)
    assert finding.message.args == {"count": 2, "nodes": "moc-b, moc-c", "pools": "np1"}
    assert [e.value for e in finding.evidence] == ["<none>", "cl1-x7k2p-gpu"]


def test_pool_count_mismatch_is_a_warning() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b")], agent_pools=[pool("np1", 3)], vm_skus=SKUS
    )
    finding = only(run_rule("node-drift", snap, WHEN))
    assert (finding.severity, finding.message.key) == ("warning", "node-drift.count")
    assert finding.clauses == ("SHR-3",)
    assert finding.message.args == {"count": 1, "pools": "np1"}
    assert (finding.evidence[0].object, finding.evidence[0].field) == (
        "agentPools/np1",
        "properties.count",
    )
    assert finding.evidence[0].value == "3 (2)"


@pytest.mark.parametrize(("nodes", "flagged"), [(1, False), (3, False), (4, True)])
def test_autoscaled_pools_are_judged_by_their_range(nodes: int, flagged: bool) -> None:
    autoscaled = pool("np1", 2, enableAutoScaling=True, minCount=1, maxCount=3)
    snap = make_snapshot(
        nodes=[worker(f"moc-{index}") for index in range(nodes)],
        agent_pools=[autoscaled],
        vm_skus=SKUS,
    )
    outcomes = findings(run_rule("node-drift", snap, WHEN))
    assert bool(outcomes) == flagged
    if flagged:
        assert outcomes[0].evidence[0].value == "1..3 (4)"


@pytest.mark.parametrize(
    ("cpu", "memory", "resized"),
    [
        ("4", "8Gi", False),  # 100%: nothing reserved
        ("4", "6964Mi", False),  # just above the floor: 85% of 8192 MiB is 6963.2 MiB
        ("4", "6963Mi", True),
        ("4", "8193Mi", True),  # more than the size gives
        ("8", "8009200Ki", True),
        ("3500m", "8009200Ki", True),
    ],
)
def test_capacity_is_compared_with_the_vm_size(cpu: str, memory: str, resized: bool) -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a", cpu=cpu, memory=memory)],
        agent_pools=[pool("np1", 1)],
        vm_skus=SKUS,
    )
    outcomes = findings(run_rule("node-drift", snap, WHEN))
    assert bool(outcomes) == resized
    if resized:
        finding = outcomes[0]
        assert (finding.severity, finding.message.key) == ("unsupported", "node-drift.size")
        assert finding.clauses == ("SHR-3", "CUST-1")
        assert finding.message.args == {"count": 1, "nodes": "moc-a"}
        assert "Standard_A4_v2: vCpu=4, MemoryMb=8192" in finding.evidence[0].value


def test_without_vm_sizes_the_size_part_is_a_gap() -> None:
    snap = make_snapshot(nodes=[worker("moc-a", cpu="64")], agent_pools=[pool("np1", 1)])
    outcomes = run_rule("node-drift", snap, WHEN)
    assert findings(outcomes) == []
    assert [english(gap.needs) for gap in gaps(outcomes)] == [
        ("the VM sizes (azure/vm-skus.json)",)
    ]


def test_a_size_missing_from_the_vm_sizes_is_a_gap() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a")], agent_pools=[pool("np1", 1, vmSize="Custom_9")], vm_skus=SKUS
    )
    [gap] = gaps(run_rule("node-drift", snap, WHEN))
    assert "Custom_9" in english(gap.needs)[0]


def test_unreadable_capacity_is_a_gap_not_a_verdict() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a", cpu="four")], agent_pools=[pool("np1", 1)], vm_skus=SKUS
    )
    outcomes = run_rule("node-drift", snap, WHEN)
    assert findings(outcomes) == []
    [gap] = gaps(outcomes)
    assert "moc-a" in english(gap.needs)[0]


@cache
def confirmed_images() -> Pack:
    """The shipped pack as if its node images had been confirmed on real AKS Arc nodes (an
    overlay with `confirmed: true`): a difference is then proof of a hand change."""
    pack = default_pack()
    images = {
        patch: [msgspec.structs.replace(image, confirmed=True) for image in listed]
        for patch, listed in pack.node_images.items()
    }
    return msgspec.structs.replace(pack, node_images=images)


def test_a_hand_patched_kernel_differs_from_the_node_image() -> None:
    """SHR-3 / CUST-1: the pack's node image of 1.31.5 says which kernel the node must run."""
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b"), worker("moc-c", kernel="6.6.99-custom")],
        agent_pools=[pool("np1", 3)],
        vm_skus=SKUS,
    )
    finding = only(run_rule("node-drift", snap, WHEN, confirmed_images()))
    assert (finding.severity, finding.message.key) == ("unsupported", "node-drift.image")
    assert finding.clauses == ("SHR-3", "CUST-1", "ACC-1")
    assert finding.message.args == {"count": 1, "nodes": "moc-c"}
    assert [(e.field, e.value) for e in finding.evidence] == [
        (
            "status.nodeInfo.kernelVersion",
            "6.6.99-custom (AKS Arc node image of 1.31.5: 6.6.96.1-1.azl3)",
        )
    ]


def test_a_one_node_pool_is_judged_against_its_image() -> None:
    """No sibling to compare with, yet a containerd updated by hand is seen."""
    snap = make_snapshot(
        nodes=[worker("moc-a", containerd="2.0.5")], agent_pools=[pool("np1", 1)], vm_skus=SKUS
    )
    finding = only(run_rule("node-drift", snap, WHEN, confirmed_images()))
    assert finding.message.key == "node-drift.image"
    assert [(e.field, e.value) for e in finding.evidence] == [
        (
            "status.nodeInfo.containerRuntimeVersion",
            "containerd://2.0.5 (AKS Arc node image of 1.31.5: containerd://1.7.27)",
        )
    ]
    untouched = make_snapshot(nodes=[worker("moc-a")], agent_pools=[pool("np1", 1)], vm_skus=SKUS)
    assert run_rule("node-drift", untouched, WHEN) == []


def test_against_the_shipped_unconfirmed_images_a_difference_is_a_warning() -> None:
    """The shipped node images come from example clusters: a one-node pool that differs from
    them draws a warning saying so; in a pool, the comparison with the siblings still proves
    a hand change."""
    alone = make_snapshot(
        nodes=[worker("moc-a", containerd="2.0.5")], agent_pools=[pool("np1", 1)], vm_skus=SKUS
    )
    finding = only(run_rule("node-drift", alone, WHEN))
    assert (finding.severity, finding.message.key) == ("warning", "node-drift.image-reference")
    assert "containerd://2.0.5" in finding.evidence[0].value
    pooled = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b"), worker("moc-c", kernel="6.6.99-custom")],
        agent_pools=[pool("np1", 3)],
        vm_skus=SKUS,
    )
    keys = {(f.severity, f.message.key) for f in findings(run_rule("node-drift", pooled, WHEN))}
    assert keys == {
        ("warning", "node-drift.image-reference"),
        ("unsupported", "node-drift.patched"),
    }


def test_a_patch_without_a_known_image_is_compared_with_its_pool_and_said_so() -> None:
    """1.31.4 has no image in the pack: a containerd that differs from the rest of the pool is
    still seen, and coverage says the image comparison did not run."""
    older = {"kubelet": "v1.31.4", "kernel": "6.6.85.1-2.azl3", "containerd": "1.7.26"}
    snap = make_snapshot(
        nodes=[worker("moc-a", **older), worker("moc-b", **older),
               worker("moc-c", **{**older, "containerd": "1.7.27"})],
        agent_pools=[pool("np1", 3)],
        vm_skus=SKUS,
    )  # fmt: skip
    outcomes = run_rule("node-drift", snap, WHEN)
    [gap] = gaps(outcomes)
    assert english(gap.needs)[0] == (
        "the AKS Arc node image of Kubernetes 1.31.4 (policy pack: node_images), for "
        "moc-a, moc-b, moc-c: compared only with the rest of their pool"
    )
    finding = only(outcomes)
    assert (finding.severity, finding.message.key) == ("unsupported", "node-drift.patched")
    assert finding.message.args == {"count": 1, "nodes": "moc-c", "pools": "np1"}
    assert finding.evidence[0].field == "status.nodeInfo.containerRuntimeVersion"
    assert "majority containerd://1.7.26" in finding.evidence[0].value


def test_an_os_aks_arc_does_not_ship_is_not_judged() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b", os_image="Ubuntu 22.04.4 LTS")],
        agent_pools=[pool("np1", 2)],
        vm_skus=SKUS,
    )
    outcomes = run_rule("node-drift", snap, WHEN)
    assert findings(outcomes) == []
    assert [english(gap.needs)[0] for gap in gaps(outcomes)] == [
        "an AKS Arc node OS (moc-b: 'Ubuntu 22.04.4 LTS' is none AKS Arc ships): their node "
        "image was not judged"
    ]


def test_without_a_majority_every_disagreeing_node_is_listed() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a", kubelet="v1.31.4"),
               worker("moc-b", kubelet="v1.31.4", kernel="6.6.99-custom")],
        agent_pools=[pool("np1", 2)],
        vm_skus=SKUS,
    )  # fmt: skip
    finding = only(run_rule("node-drift", snap, WHEN))
    assert finding.message.args["nodes"] == "moc-a, moc-b"
    assert "majority -" in finding.evidence[0].value


def test_without_pools_the_nodes_are_still_compared_with_their_image() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a"), worker("moc-b"), worker("moc-c", kernel="5.15.0-custom")]
    )
    outcomes = run_rule("node-drift", snap, WHEN, confirmed_images())
    assert [english(gap.needs) for gap in gaps(outcomes)] == [
        ("the node pools (azure/agent-pools.json or azure/provisioned-cluster.json)",)
    ]
    finding = only(outcomes)
    assert finding.message.key == "node-drift.image"
    assert finding.message.args["nodes"] == "moc-c"


def test_without_pools_nodes_of_an_unknown_patch_are_compared_by_their_label() -> None:
    snap = make_snapshot(
        nodes=[worker("moc-a", kubelet="v1.31.4"), worker("moc-b", kubelet="v1.31.4"),
               worker("moc-c", kubelet="v1.31.4", kernel="5.15.0-custom")]
    )  # fmt: skip
    finding = only(run_rule("node-drift", snap, WHEN))
    assert finding.message.key == "node-drift.patched"
    assert finding.message.args["pools"] == "cl1-x7k2p-np1"


def test_reference_kind_nodes_against_the_reference_cluster() -> None:
    # A kind cluster is not AKS Arc: its workers carry no pool label.
    snap = make_snapshot(
        nodes=sonobuoy_nodes(),
        provisioned_cluster=reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json"),
        agent_pools=[reference_body("hybridaks-2024-01-01-GetAgentPool.json")],
        vm_skus=reference_body("hybridaks-2024-01-01-GetVmSkus.json"),
    )  # fmt: skip
    outcomes = run_rule("node-drift", snap, WHEN)
    by_key = {finding.message.key: finding for finding in findings(outcomes)}
    assert set(by_key) == {"node-drift.unmanaged", "node-drift.count"}
    assert by_key["node-drift.unmanaged"].message.args["nodes"] == "kind-worker, kind-worker2"
    # The control plane (count 1) matches; both worker pools have no nodes.
    assert by_key["node-drift.count"].message.args == {
        "count": 2,
        "pools": "test-hybridaksnodepool, default-nodepool-1",
    }
    # Standard_A4_v2 is not among the reference VM sizes (only Standard_A0), and kind's
    # Ubuntu is no AKS Arc node image.
    size, image = gaps(outcomes)
    assert "Standard_A4_v2" in english(size.needs)[0]
    assert (
        "'Ubuntu Groovy Gorilla (development branch)' is none AKS Arc ships"
        in english(image.needs)[0]
    )


def test_reference_nodes_resized_beyond_the_reference_vm_size() -> None:
    nodes = sonobuoy_nodes()
    for item in nodes[1:]:
        # A dashed pool name, as in the ARM example, still resolves by suffix.
        item["metadata"]["labels"][POOL_LABEL] = "kind-ab12c-test-hybridaksnodepool"
    agent_pool = reference_body("hybridaks-2024-01-01-GetAgentPool.json")
    agent_pool["properties"].update(vmSize="Standard_A0", count=2)
    snap = make_snapshot(
        nodes=nodes,
        agent_pools=[agent_pool],
        vm_skus=reference_body("hybridaks-2024-01-01-GetVmSkus.json"),
    )
    outcomes = run_rule("node-drift", snap, WHEN)
    finding = only(outcomes)
    # 8 CPUs and 29.4 GiB against Standard_A0's 2 vCPUs and 2345 MB.
    assert finding.message.key == "node-drift.size"
    assert finding.message.args == {"count": 2, "nodes": "kind-worker, kind-worker2"}
    [gap] = gaps(outcomes)
    assert "their node image was not judged" in english(gap.needs)[0]


# --- node-network --------------------------------------------------------------------------


def _facts(*subnets: str) -> dict[str, Any]:
    return {"node_subnets": list(subnets)}


def _addresses(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"type": kind, "address": address} for kind, address in pairs]


def test_network_needs_nodes() -> None:
    with pytest.raises(NotEvaluated):
        run_rule("node-network", make_snapshot(facts=_facts("10.0.0.0/24")), WHEN)


def test_addresses_inside_the_declared_subnets_pass() -> None:
    dual_stack = _addresses(("InternalIP", "10.0.0.11"), ("InternalIP", "fd00::11"))
    snap = make_snapshot(
        nodes=[node("moc-a"), node("moc-b", addresses=dual_stack)],
        facts=_facts("10.0.0.0/24", "fd00::/64"),
    )
    assert run_rule("node-network", snap, WHEN) == []


def test_addresses_outside_the_subnets_are_unsupported() -> None:
    out = "192.168.5.4"
    snap = make_snapshot(
        nodes=[
            node("moc-a"),
            node("moc-b", addresses=_addresses(("InternalIP", "10.0.0.12"), ("ExternalIP", out))),
        ],
        facts=_facts("10.0.0.0/24"),
    )
    finding = only(run_rule("node-network", snap, WHEN))
    assert (finding.severity, finding.message.key) == (
        "unsupported",
        "node-network.outside-subnets",
    )
    assert finding.clauses == ("CUST-2", "NET-1")
    assert finding.message.args == {"count": 1, "nodes": "moc-b", "subnets": "10.0.0.0/24"}
    declared, address = finding.evidence
    assert (declared.field, str(declared.provenance)) == ("node_subnets", "declared")
    assert address.value == "ExternalIP=192.168.5.4"


def test_a_second_ipv4_address_is_a_warning_even_without_subnets() -> None:
    two = _addresses(("InternalIP", "10.0.0.11"), ("InternalIP", "10.0.1.11"))
    outcomes = run_rule("node-network", make_snapshot(nodes=[node("moc-a", addresses=two)]), WHEN)
    finding = only(outcomes)
    assert (finding.severity, finding.message.key) == ("warning", "node-network.extra-nic")
    assert finding.clauses == ("NET-1",)
    assert finding.evidence[0].value == "10.0.0.11, 10.0.1.11"
    assert [english(gap.needs)[0] for gap in gaps(outcomes)] == [
        "facts.yaml node_subnets (the CIDRs node addresses must come from)"
    ]


def test_subnets_that_are_not_cidrs_are_a_gap() -> None:
    snap = make_snapshot(nodes=[node("moc-a")], facts=_facts("10.0.0.0/24", "lan"))
    outcomes = run_rule("node-network", snap, WHEN)
    assert findings(outcomes) == []
    [gap] = gaps(outcomes)
    assert english(gap.needs)[0].endswith("not CIDRs: lan")


@pytest.mark.parametrize(("subnet", "outside"), [("172.18.0.0/16", 0), ("10.0.0.0/8", 3)])
def test_reference_kind_nodes_against_declared_subnets(subnet: str, outside: int) -> None:
    snap = make_snapshot(nodes=sonobuoy_nodes(), facts=_facts(subnet))
    outcomes = findings(run_rule("node-network", snap, WHEN))
    assert [finding.message.args["count"] for finding in outcomes] == ([outside] if outside else [])


# --- node-not-ready ------------------------------------------------------------------------


def test_not_ready_needs_nodes() -> None:
    with pytest.raises(NotEvaluated):
        run_rule("node-not-ready", make_snapshot(), WHEN)


def test_ready_nodes_give_nothing() -> None:
    assert run_rule("node-not-ready", make_snapshot(nodes=[node("moc-a")]), WHEN) == []


def test_not_ready_nodes_are_listed_longest_first() -> None:
    snap = make_snapshot(
        nodes=[
            node("moc-a", ready=False, ready_since="2025-06-30T18:00:00Z"),
            node("moc-b", ready=False, ready_since="2025-06-27T18:30:00Z"),
            node("moc-c"),
        ]
    )
    finding = only(run_rule("node-not-ready", snap, WHEN))
    assert (finding.severity, finding.message.key) == ("info", "node-not-ready.not-ready")
    assert finding.clauses == ("NODE-V-3",)
    assert finding.message.args == {
        "count": 2,
        "nodes": "moc-b, moc-a",
        "longest": "moc-b",
        "hours": 77,
        "days": 3,
    }
    assert finding.evidence[1].value == "False since 2025-06-30T18:00:00+00:00 (6h)"


def test_a_node_without_a_ready_condition_is_not_ready_since_unknown() -> None:
    silent = node("moc-a")
    silent["status"]["conditions"] = []
    finding = only(run_rule("node-not-ready", make_snapshot(nodes=[silent]), WHEN))
    assert finding.message.key == "node-not-ready.not-ready-since-unknown"
    assert finding.message.args == {"count": 1, "nodes": "moc-a"}
    assert finding.evidence[0].value == "<none>"


def test_a_transition_after_the_evaluation_time_counts_as_zero_hours() -> None:
    snap = make_snapshot(nodes=[node("moc-a", ready=False, ready_since="2025-08-01T00:00:00Z")])
    assert only(run_rule("node-not-ready", snap, WHEN)).message.args["hours"] == 0


def test_reference_kind_worker_not_ready() -> None:
    snap = make_snapshot(nodes=sonobuoy_nodes())
    finding = only(run_rule("node-not-ready", snap, "2022-02-04"))
    # NotReady since 2022-02-02T14:59:55Z (cni config uninitialized).
    assert finding.message.args == {
        "count": 1,
        "nodes": "kind-worker",
        "longest": "kind-worker",
        "hours": 33,
        "days": 1,
    }


# --- privileged-daemonsets -----------------------------------------------------------------


PRIVILEGED = {"privileged": True}
WORKLOADS = DATA / "workloads"


def otel_agent() -> dict[str, Any]:
    """The OpenTelemetry Collector agent as its Helm chart renders it: a log shipper that
    mounts /var/log/pods and /var/lib/docker/containers read-only (tests/data/workloads)."""
    loaded: dict[str, Any] = yaml.safe_load(
        (WORKLOADS / "otel-collector-agent-daemonset.yaml").read_text()
    )
    return loaded


def otel_spec(daemonset: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = daemonset["spec"]["template"]["spec"]
    return spec


def test_privileged_daemonsets_need_daemonsets() -> None:
    with pytest.raises(NotEvaluated):
        run_rule("privileged-daemonsets", make_snapshot(), WHEN)


def test_vendor_and_unprivileged_daemonsets_pass() -> None:
    privileged = [{"name": "p", "image": "x", "securityContext": PRIVILEGED}]
    snap = make_snapshot(
        daemonsets=[
            # A managed component of kube-system, and the vendor's agents in their namespace.
            workload("DaemonSet", "kube-proxy", "kube-system", containers=privileged),
            workload("DaemonSet", "agent", "azure-arc", pod_spec={"hostNetwork": True}),
            workload("DaemonSet", "log-shipper", "logging"),
        ]
    )
    assert run_rule("privileged-daemonsets", snap, WHEN) == []


def test_a_read_only_log_shipper_changes_no_node() -> None:
    """CUST-4 is about DaemonSets that can change their node; reading the host's logs through
    read-only hostPath mounts cannot."""
    snap = make_snapshot(daemonsets=[otel_agent()])
    assert run_rule("privileged-daemonsets", snap, WHEN) == []


def test_a_hostpath_mounted_read_write_counts() -> None:
    agent = otel_agent()
    mounts = otel_spec(agent)["containers"][0]["volumeMounts"]
    del mounts[1]["readOnly"]  # /var/log/pods, as a shipper that keeps its positions there
    finding = only(run_rule("privileged-daemonsets", make_snapshot(daemonsets=[agent]), WHEN))
    assert finding.message.args == {
        "count": 1,
        "daemonsets": "default/example-opentelemetry-collector-agent",
    }
    [evidence] = finding.evidence
    assert evidence.value == (
        "volumes[varlogpods].hostPath=/var/log/pods (read-write in opentelemetry-collector)"
    )


def test_a_hostpath_no_container_mounts_counts_for_nothing() -> None:
    agent = otel_agent()
    otel_spec(agent)["containers"][0]["volumeMounts"] = []
    assert run_rule("privileged-daemonsets", make_snapshot(daemonsets=[agent]), WHEN) == []


def test_an_init_container_writing_a_hostpath_counts() -> None:
    agent = otel_agent()
    otel_spec(agent)["initContainers"] = [
        {"name": "prepare", "image": "busybox",
         "volumeMounts": [{"name": "varlibdockercontainers", "mountPath": "/c"}]}
    ]  # fmt: skip
    finding = only(run_rule("privileged-daemonsets", make_snapshot(daemonsets=[agent]), WHEN))
    assert finding.evidence[0].value == (
        "volumes[varlibdockercontainers].hostPath=/var/lib/docker/containers "
        "(read-write in prepare)"
    )


def test_a_helm_release_in_kube_system_is_not_the_vendors() -> None:
    """The same chart installed with `helm install -n kube-system` and `hostNetwork: true`:
    kube-system holds the vendor's managed components, but not every DaemonSet in it is one."""
    agent = otel_agent()
    agent["metadata"]["namespace"] = "kube-system"
    otel_spec(agent)["hostNetwork"] = True
    finding = only(run_rule("privileged-daemonsets", make_snapshot(daemonsets=[agent]), WHEN))
    assert finding.message.args["daemonsets"] == "kube-system/example-opentelemetry-collector-agent"
    assert finding.evidence[0].value == "hostNetwork"


def test_privileged_daemonsets_make_node_support_best_effort() -> None:
    tuner = {
        "hostPID": True,
        "initContainers": [
            {"name": "tune", "image": "busybox", "securityContext": PRIVILEGED,
             "volumeMounts": [{"name": "etc", "mountPath": "/host/etc"}]}
        ],
        "volumes": [{"name": "etc", "hostPath": {"path": "/etc"}}],
    }  # fmt: skip
    snap = make_snapshot(
        daemonsets=[
            workload("DaemonSet", "sysctl-tuner", "ops", pod_spec=tuner),
            workload(
                "DaemonSet", "scanner", "sec", pod_spec={"hostIPC": True, "hostNetwork": True}
            ),
        ]
    )
    finding = only(run_rule("privileged-daemonsets", snap, WHEN))
    assert (finding.severity, finding.message.key) == (
        "best-effort",
        "privileged-daemonsets.privileged",
    )
    assert finding.clauses == ("CUST-4",)
    assert finding.message.args == {"count": 2, "daemonsets": "ops/sysctl-tuner, sec/scanner"}
    assert [(e.object, e.value) for e in finding.evidence] == [
        (
            "ops/DaemonSet/sysctl-tuner",
            "initContainers[tune].securityContext.privileged; hostPID; "
            "volumes[etc].hostPath=/etc (read-write in tune)",
        ),
        # hostIPC shares the host's IPC namespace but is none of the policy's signals.
        ("sec/DaemonSet/scanner", "hostNetwork"),
    ]


def test_evidence_and_names_are_capped() -> None:
    snap = make_snapshot(
        daemonsets=[
            workload("DaemonSet", f"ds{index:02}", "ops", pod_spec={"hostPID": True})
            for index in range(12)
        ]
    )
    finding = only(run_rule("privileged-daemonsets", snap, WHEN))
    assert finding.message.args["count"] == 12
    assert len(finding.evidence) == 10
    assert str(finding.message.args["daemonsets"]).endswith("ops/ds09 (+2)")


# --- end to end ----------------------------------------------------------------------------


def test_assessment_of_a_drifted_cluster() -> None:
    snap = make_snapshot(
        version={"gitVersion": "v1.31.5"},
        nodes=[
            worker("moc-a", addresses=_addresses(("InternalIP", "10.0.0.11"))),
            worker("moc-b", cpu="8", addresses=_addresses(("InternalIP", "10.0.0.12"))),
            worker("moc-c", pool_name=None, addresses=_addresses(("InternalIP", "10.9.0.13"))),
        ],
        agent_pools=[pool("np1", 2)],
        vm_skus=SKUS,
        daemonsets=[workload("DaemonSet", "tuner", "ops", pod_spec={"hostPID": True})],
        facts=_facts("10.0.0.0/24"),
    )
    assessment = run_assess(snap, "2025-09-15")
    assert assessment.verdict == "unsupported"
    mine = {
        (finding.rule, finding.message.key, finding.severity)
        for finding in assessment.findings
        if finding.rule in {"node-drift", "node-network", "privileged-daemonsets"}
    }
    assert mine == {
        ("node-drift", "node-drift.unmanaged", "unsupported"),
        ("node-drift", "node-drift.size", "unsupported"),
        ("node-network", "node-network.outside-subnets", "unsupported"),
        ("privileged-daemonsets", "privileged-daemonsets.privileged", "best-effort"),
    }
    for rule_id in ("node-drift", "node-network", "node-not-ready", "privileged-daemonsets"):
        assert rule_id in assessment.coverage.evaluated
    partial = {item.rule for item in assessment.coverage.not_evaluated if item.partial}
    assert "node-drift" not in partial
    assert "node-network" not in partial


# --- message catalogs ----------------------------------------------------------------------


def test_findings_render_every_placeholder() -> None:
    two_nics = _addresses(("InternalIP", "10.0.0.1"), ("InternalIP", "10.1.0.1"))
    snap = make_snapshot(
        nodes=[
            worker("moc-a", ready=False),
            worker("moc-b", cpu="8", kernel="x", addresses=two_nics),
            worker("moc-c", pool_name="zz"),
            worker("moc-d"),
            worker("moc-e", kubelet="v1.31.4"),
            worker("moc-f", kubelet="v1.31.4", kernel="y"),
        ],
        agent_pools=[pool("np1", 9)],
        vm_skus=SKUS,
        daemonsets=[workload("DaemonSet", "tuner", "ops", pod_spec={"hostPID": True})],
        facts=_facts("192.168.0.0/24"),
    )  # fmt: skip
    produced = [
        finding
        for rule_id in ("node-drift", "node-network", "node-not-ready", "privileged-daemonsets")
        for finding in findings(run_rule(rule_id, snap, WHEN))
    ]
    assert len(produced) == 9
    for finding in produced:
        for lang in ("en", "ko"):
            for field in ("title", "message", "fix"):
                rendered = text(lang, finding.message.key, field, **finding.message.args)
                assert rendered and "{" not in rendered, (finding.message.key, lang, field)
