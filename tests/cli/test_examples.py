"""The shipped examples (examples/, see its README): each one, assessed on its date (2025-09-15
but for windows-server-2019), gives the verdict and the key finding its README paragraph
promises; the full AKS Arc bundles agree with themselves (nodes, pools, VM sizes, versions); and
build.py rebuilds them byte for byte (the kubectl-written dump when the same kubectl writes
it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from arcsupport.cli.app import main
from arcsupport.engine.assess import Assessment, assess
from arcsupport.rules.outcome import Finding
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.advisories import load_advisories
from arcsupport.sources.read import read_snapshot
from arcsupport.types import Operation
from helpers import EXAMPLES, at, default_pack

# The full AKS Arc bundles, each a four-node cluster with its Azure resources.
FULL = (
    "healthy",
    "deprecated-version",
    "disconnected-40d",
    "stopped",
    "changed-system-labels",
    "istio-custom-cni",
    "alpha-gates",
)
# The bundles made for the verdicts that are no judgement of an AKS Arc cluster's support,
# and for the host retirement.
OTHERS = ("empty", "k3s", "windows-server-2019")
NAMES = (*FULL, *OTHERS)
DUMPS = ("cluster-info-dump",)
WHEN = "2025-09-15"
# An example whose story happens on another day (Makefile: DEMO_AT_<name>).
DATES = {"windows-server-2019": "2026-04-15"}
# The demo matches the advisories shipped beside the examples, so the examples do too.
ADVISORIES = load_advisories([EXAMPLES / "advisories"])


@cache
def snapshot(name: str) -> Snapshot:
    return read_snapshot(EXAMPLES / name)


@cache
def assessment(name: str) -> Assessment:
    when = at(DATES.get(name, WHEN))
    return assess(snapshot(name), default_pack(), when, advisories=ADVISORIES.advisories)


def listing(result: Assessment) -> str:
    """The findings, one per line, for assertion messages."""
    lines = [
        f"{f.rule} {f.severity} {','.join(f.clauses)} {f.message.key}" for f in result.findings
    ]
    return "findings:\n  " + "\n  ".join(lines or ["(none)"])


def findings(result: Assessment, rule: str, clause: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule and clause in f.clauses]


def evidence_text(found: list[Finding]) -> str:
    return " ".join(f"{e.object} {e.field} {e.value}" for f in found for e in f.evidence)


def decision(result: Assessment, operation: Operation) -> tuple[str, tuple[str, ...]]:
    entry = result.operations[operation]
    return entry.decision, entry.clauses


# --- the bundles themselves -------------------------------------------------------------------


def test_every_example_is_listed() -> None:
    bundles = [path.name for path in EXAMPLES.iterdir() if (path / "manifest.json").is_file()]
    assert sorted(bundles) == sorted(NAMES)
    dumps = [path.name for path in EXAMPLES.iterdir() if (path / "nodes.json").is_file()]
    assert sorted(dumps) == sorted(DUMPS)


def test_the_makefile_assesses_each_example_on_its_date() -> None:
    makefile = (EXAMPLES.parent / "Makefile").read_text()
    for name, date in DATES.items():
        assert f"DEMO_AT_{name} := {date}" in makefile


@pytest.mark.parametrize("name", FULL)
def test_bundle_reads_and_stays_small(name: str) -> None:
    size = sum(path.stat().st_size for path in (EXAMPLES / name).rglob("*") if path.is_file())
    assert size < 200_000, f"{name} is {size} bytes"
    snap = snapshot(name)
    assert snap.cluster_name.startswith("contoso-")
    assert snap.resource_id.endswith(f"/connectedClusters/{snap.cluster_name}")
    assert snap.collected_at is not None and snap.collected_at.date().isoformat() == "2025-09-14"
    assert snap.nodes is not None and 3 <= len(snap.nodes) <= 6
    assert snap.pods is not None and len(snap.pods) >= 20
    for part in (
        "kubernetes/version",
        "kubernetes/nodes",
        "kubernetes/pods",
        "kubernetes/namespaces",
        "kubernetes/daemonsets",
        "kubernetes/deployments",
        "kubernetes/services",
        "azure/provisioned-cluster",
        "azure/agent-pools",
        "azure/connected-cluster",
        "azure/subscription",
        "azure/vm-skus",
        "facts",
    ):
        assert snap.has(part), f"{name} lacks {part}"


@pytest.mark.parametrize("name", FULL)
def test_bundle_agrees_with_itself(name: str) -> None:
    """Pools account for every node, node sizes match their VM size, every kubelet runs the
    API server's version, and the Azure payloads name the same cluster."""
    snap = snapshot(name)
    assert snap.version and snap.nodes and snap.agent_pools and snap.vm_skus
    assert snap.provisioned_cluster and snap.connected_cluster
    version = snap.version.gitVersion
    assert {node.status.nodeInfo.kubeletVersion for node in snap.nodes} == {version}
    assert snap.provisioned_cluster.properties.kubernetesVersion == version
    assert snap.connected_cluster.properties.kubernetesVersion == version.removeprefix("v")
    assert snap.connected_cluster.id == snap.resource_id
    assert snap.connected_cluster.properties.totalNodeCount == len(snap.nodes)

    skus = {sku.name: sku for sku in snap.vm_skus.properties.values}
    sizes = {pool.name: pool.properties.vmSize for pool in snap.agent_pools}
    control_plane = snap.provisioned_cluster.properties.controlPlane
    assert control_plane is not None and control_plane.count is not None
    counts = {pool.name: 0 for pool in snap.agent_pools}
    for node in snap.nodes:
        label = node.metadata.labels.get("msft.microsoft/nodepool-name")
        if label is None:
            assert "node-role.kubernetes.io/control-plane" in node.metadata.labels
            size = control_plane.vmSize
        else:
            assert label.startswith(f"{snap.cluster_name}-")
            pool = label.rsplit("-", 1)[1]
            counts[pool] += 1
            size = sizes[pool]
        sku = skus[size]
        assert node.status.capacity["cpu"] == sku.capability("vCpu")
        memory_kib = int(node.status.capacity["memory"].removesuffix("Ki"))
        assert 0.95 < memory_kib / (int(sku.capability("MemoryMb") or 0) * 1024) < 1.0
    assert counts == {pool.name: pool.properties.count for pool in snap.agent_pools}
    assert len(snap.nodes) == sum(counts.values()) + control_plane.count


def test_build_reproduces_the_committed_bundles(tmp_path: Path) -> None:
    # -B: no __pycache__ under examples/, which `make demo` would take for a bundle.
    subprocess.run(
        [sys.executable, "-B", str(EXAMPLES / "build.py"), "--out", str(tmp_path), *NAMES],
        check=True,
    )
    _same_files(tmp_path, NAMES)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_build_reproduces_the_committed_dump(tmp_path: Path) -> None:
    """Byte for byte when the same kubectl release writes it (another may write other bytes;
    Google Cloud's kubectl picks its release by the server's, so only the run can tell)."""
    [name] = DUMPS
    subprocess.run(
        [sys.executable, "-B", str(EXAMPLES / "build.py"), "--out", str(tmp_path), name],
        check=True,
    )
    wrote = (EXAMPLES / name / "KUBECTL_VERSION").read_text()
    writes = (tmp_path / name / "KUBECTL_VERSION").read_text()
    if writes != wrote:
        pytest.skip(f"examples/{name} was written by kubectl {wrote.strip()}, not {writes.strip()}")
    _same_files(tmp_path, DUMPS)


def _same_files(tmp_path: Path, names: tuple[str, ...]) -> None:
    for name in names:
        built = {
            p.relative_to(tmp_path / name): p.read_bytes()
            for p in (tmp_path / name).rglob("*")
            if p.is_file()
        }
        shipped = {
            p.relative_to(EXAMPLES / name): p.read_bytes()
            for p in (EXAMPLES / name).rglob("*")
            if p.is_file()
        }
        assert sorted(built) == sorted(shipped), name
        changed = [str(path) for path in built if built[path] != shipped[path]]
        assert changed == [], f"{name}: rerun examples/build.py ({', '.join(changed)})"


# --- what each example shows --------------------------------------------------------------------


def test_healthy_is_supported_without_findings() -> None:
    result = assessment("healthy")
    assert result.verdict == "supported", listing(result)
    serious = [f for f in result.findings if f.severity in ("unsupported", "blocked", "warning")]
    assert serious == [], listing(result)
    # Calico's basic-support note is scope information, and SEC-1's note on advisories about
    # image contents a bundle cannot show is information; nothing else should speak up.
    others = {f.rule for f in result.findings} - {"cni", "third-party-components"}
    assert {f.severity for f in result.findings if f.rule in others} <= {"info"}, listing(result)
    assert others <= {"security-advisories"}, listing(result)
    assert all("COV-IN-7" in f.clauses for f in result.findings if f.rule == "cni")
    assert {op.decision for op in result.operations.values()} == {"allow"}
    assert result.coverage.not_evaluated == ()


def test_healthy_has_no_version_findings() -> None:
    result = assessment("healthy")
    assert [f for f in result.findings if f.rule in ("version-lifecycle", "version-patch")] == []
    assert "version-lifecycle" in result.coverage.evaluated
    assert "version-patch" in result.coverage.evaluated


def test_healthy_arc_agents_are_not_third_party() -> None:
    """The Arc agents are the `azure-arc` Helm release in the vendor namespace azure-arc;
    they are AKS Arc's own, not a third-party package (COV-OUT-2)."""
    result = assessment("healthy")
    third_party = [f for f in result.findings if f.rule == "third-party-components"]
    assert third_party == [], listing(result)


def test_deprecated_version_is_unsupported() -> None:
    result = assessment("deprecated-version")
    assert result.verdict == "unsupported", listing(result)
    removed = findings(result, "version-lifecycle", "VER-2")
    assert removed and removed[0].severity == "unsupported", listing(result)
    assert "VER-4" in removed[0].clauses
    assert decision(result, "create-nodepool")[0] == "block"
    assert "VER-8" in decision(result, "create-nodepool")[1]
    assert decision(result, "update-os")[0] == "block"
    assert "VER-4" in decision(result, "update-os")[1]


def test_disconnected_40d_blocks_day_2_operations() -> None:
    result = assessment("disconnected-40d")
    assert result.verdict == "at-risk", listing(result)
    assert findings(result, "connectivity", "CONN-1"), listing(result)
    operation: Operation
    for operation in ("upgrade", "scale"):
        assert decision(result, operation)[0] == "block", operation
        assert "CONN-1" in decision(result, operation)[1], operation
    assert decision(result, "create-vm")[0] == "block"
    assert "CONN-3" in decision(result, "create-vm")[1]


def test_stopped_for_45_days_is_unsupported() -> None:
    result = assessment("stopped")
    assert result.verdict == "unsupported", listing(result)
    stop = findings(result, "stopped", "STOP-3")
    assert stop and stop[0].severity == "unsupported", listing(result)
    # Every node NotReady since the stop; the patch the cluster stopped on fell out of support.
    assert findings(result, "node-not-ready", "NODE-V-3"), listing(result)
    assert findings(result, "version-patch", "VER-6"), listing(result)
    assert any(
        # Stopped on 2025-08-01: STOP-2's "90 days or more" is reached on day 90.
        "STOP-2" in d.clauses and d.date.isoformat() == "2025-10-30"
        for d in result.deadlines
    )


def test_changed_system_labels_is_unsupported_and_spares_user_labels() -> None:
    result = assessment("changed-system-labels")
    assert result.verdict == "unsupported", listing(result)
    changed = findings(result, "system-metadata", "SHR-4")
    assert changed and all(f.severity == "unsupported" for f in changed), listing(result)
    text = evidence_text(changed)
    assert "kubernetes.io/os" in text
    assert "team" not in text and "workload" not in text, text


def test_istio_and_cilium_are_scope_information() -> None:
    result = assessment("istio-custom-cni")
    assert result.verdict == "supported", listing(result)
    istio = findings(result, "third-party-components", "COV-OUT-2")
    assert "istiod" in evidence_text(istio), listing(result)
    cilium = findings(result, "cni", "COV-OUT-4")
    assert "cilium" in evidence_text(cilium), listing(result)
    assert all(f.severity == "out-of-scope" for f in cilium)
    assert not findings(result, "cni", "COV-IN-7"), "Calico was removed"
    # Cilium's Helm release sits in kube-system, but only the managed components there are
    # the vendor's: its privileged DaemonSets make node support best effort (CUST-4).
    [privileged] = findings(result, "privileged-daemonsets", "CUST-4")
    assert privileged.severity == "best-effort"
    assert privileged.message.args["daemonsets"] == "kube-system/cilium, kube-system/cilium-envoy"
    assert not [f for f in result.findings if f.rule == "managed-components" and
                f.severity == "unsupported"], listing(result)  # fmt: skip


def test_alpha_gate_is_unsupported() -> None:
    result = assessment("alpha-gates")
    assert result.verdict == "unsupported", listing(result)
    alpha = findings(result, "alpha-features", "PRV-1")
    assert alpha and alpha[0].severity == "unsupported", listing(result)
    assert "InPlacePodVerticalScaling" in evidence_text(alpha)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("healthy", 0),
        ("deprecated-version", 1),
        ("empty", 1),  # undetermined fails closed
        ("k3s", 0),  # the policy has nothing against a cluster it does not judge
        ("cluster-info-dump", 1),
        ("windows-server-2019", 1),
    ],
)
def test_check_exit_code(name: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", str(EXAMPLES / name), "--at", DATES.get(name, WHEN)])
    assert exited.value.code == code
    assert ("cluster-info-dump" if name in DUMPS else "contoso-") in capsys.readouterr().out


def test_an_old_containerd_draws_the_advisory_with_a_named_fix() -> None:
    result = assessment("deprecated-version")
    [advisory] = [
        f for f in result.findings if f.rule == "security-advisories" and f.severity == "warning"
    ]
    assert advisory.clauses == ("SEC-2",)
    assert "CVE-2024-40635" in str(advisory.message.args)


# --- the verdicts that are no judgement of support, and the host retirement ---------------------


def test_empty_is_undetermined_and_says_what_to_add() -> None:
    result = assessment("empty")
    assert result.verdict == "undetermined", listing(result)
    assert result.missing == ("kubernetes-version", "aks-arc-identity")
    assert result.findings == ()
    assert {decision.decision for decision in result.operations.values()} == {"block"}


def test_k3s_is_not_applicable_on_the_signals_it_carries() -> None:
    result = assessment("k3s")
    assert result.verdict == "not-applicable", listing(result)
    assert result.findings == () and result.deadlines == ()
    signals = {(item.field, item.value) for item in result.identity.signals}
    assert ("kind", "<none>") in signals
    assert ("properties.distribution", "k3s") in signals
    assert ("spec.providerID", "k3s://lab-k3s-server-1") in signals
    snap = snapshot("k3s")
    assert snap.nodes is not None
    assert {node.status.nodeInfo.osImage for node in snap.nodes} == {"Ubuntu 22.04.5 LTS"}
    assert {node.status.nodeInfo.kubeletVersion for node in snap.nodes} == {"v1.31.5+k3s1"}


def test_windows_server_2019_host_is_unsupported_after_march_2026() -> None:
    result = assessment("windows-server-2019")
    assert result.evaluated_at.date().isoformat() == "2026-04-15"
    assert result.verdict == "unsupported", listing(result)
    [retired] = findings(result, "host-platform", "SVP-3")
    assert retired.severity == "unsupported"
    assert retired.deadline is not None and retired.deadline.isoformat() == "2026-04-01"
    # A month earlier the host was still supported, its retirement near: a warning.
    earlier = assess(snapshot("windows-server-2019"), default_pack(), at("2026-03-15"))
    assert [f.severity for f in findings(earlier, "host-platform", "SVP-3")] == ["warning"]
    assert earlier.verdict == "at-risk", listing(earlier)


def test_the_dump_is_unsupported_on_a_version_inferred_from_the_static_pod() -> None:
    result = assessment("cluster-info-dump")
    assert result.verdict == "unsupported", listing(result)
    assert result.kubernetes_version == "1.28.14"
    evidence = result.kubernetes_version_evidence
    assert evidence is not None
    assert evidence.provenance == "inferred"
    assert evidence.object.startswith("kube-system/Pod/kube-apiserver-")
    assert evidence.value == "mcr.microsoft.com/oss/kubernetes/kube-apiserver:v1.28.14"
    [removed] = findings(result, "version-lifecycle", "VER-2")
    assert removed.severity == "unsupported"
    assert removed.evidence[0].provenance == "inferred"
    # No Azure data, no facts: the rules that need them say so.
    assert not result.complete
    assert {"connectivity", "host-platform", "subscription"} <= {
        gap.rule for gap in result.incomplete
    }


def test_the_dump_holds_what_the_bundle_it_was_served_from_holds() -> None:
    """kubectl wrote it from deprecated-version: the same nodes and pods, read back."""
    dump, bundle = snapshot("cluster-info-dump"), snapshot("deprecated-version")
    assert dump.version is None and bundle.version is not None
    assert dump.nodes is not None and bundle.nodes is not None
    assert [n.metadata.name for n in dump.nodes] == [n.metadata.name for n in bundle.nodes]
    assert dump.pods is not None and bundle.pods is not None
    assert sorted(p.metadata.name for p in dump.pods) == sorted(
        p.metadata.name for p in bundle.pods
    )
