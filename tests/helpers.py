"""Builders for tests: snapshots from JSON-shaped dicts, real reference payloads, rule runs."""

from __future__ import annotations

import copy
import json
import re
import string
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest

from arcsupport.cli.app import main
from arcsupport.engine.assess import Assessment, assess
from arcsupport.i18n import Message, render
from arcsupport.i18n.plural import PLURAL_FIELD
from arcsupport.policy.loader import load_pack
from arcsupport.policy.model import Pack
from arcsupport.rules.facts import Facts
from arcsupport.rules.outcome import Deadline, Finding, Gap, OperationEffect, Outcome
from arcsupport.rules.registry import load_rules
from arcsupport.rules.rule import Context
from arcsupport.snapshot import azure as az
from arcsupport.snapshot import kube
from arcsupport.snapshot.facts import DeclaredFacts
from arcsupport.snapshot.model import Part, Provenance, Snapshot
from arcsupport.timeutil import parse_at

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
EXAMPLES = ROOT / "examples"
REFERENCE = DATA / "reference"

# Snapshot attribute -> (part name, type of one item or of the whole value)
_PARTS: dict[str, tuple[str, Any]] = {
    "version": ("kubernetes/version", kube.VersionInfo),
    "nodes": ("kubernetes/nodes", list[kube.Node]),
    "pods": ("kubernetes/pods", list[kube.Pod]),
    "namespaces": ("kubernetes/namespaces", list[kube.Namespace]),
    "daemonsets": ("kubernetes/daemonsets", list[kube.Workload]),
    "deployments": ("kubernetes/deployments", list[kube.Workload]),
    "statefulsets": ("kubernetes/statefulsets", list[kube.Workload]),
    "services": ("kubernetes/services", list[kube.Service]),
    "apis": ("kubernetes/apis", kube.APIGroupList),
    "provisioned_cluster": ("azure/provisioned-cluster", az.ProvisionedCluster),
    "agent_pools": ("azure/agent-pools", list[az.AgentPool]),
    "kubernetes_versions": ("azure/kubernetes-versions", az.KubernetesVersions),
    "connected_cluster": ("azure/connected-cluster", az.ConnectedCluster),
    "azure_local_cluster": ("azure/azure-local-cluster", az.AzureLocalCluster),
    "subscription": ("azure/subscription", az.Subscription),
    "vm_skus": ("azure/vm-skus", az.VmSkus),
    "facts": ("facts", DeclaredFacts),
}


def make_snapshot(**parts: Any) -> Snapshot:
    """A Snapshot from JSON-shaped values, e.g. make_snapshot(nodes=[{...}], facts={...}).

    Values that are already typed (Structs, MetricsFacts) are used as they are."""
    snap = Snapshot(source="test", cluster_name="test-cluster")
    for name, value in parts.items():
        if name == "metrics":
            snap.metrics = value
            snap.parts["kubernetes/metrics"] = Part(
                "kubernetes/metrics", "kubernetes/metrics.txt", Provenance.OBSERVED
            )
            continue
        if name == "other_objects":
            snap.other_objects = {
                plural: msgspec.convert(items, list[kube.GenericObject])
                for plural, items in value.items()
            }
            for plural in value:
                snap.parts[f"kubernetes/{plural}"] = Part(
                    f"kubernetes/{plural}", f"kubernetes/{plural}.json", Provenance.OBSERVED
                )
            continue
        part, typ = _PARTS[name]
        # Through JSON, as the readers do: msgspec.Raw fields (managedFields) need real bytes.
        converted = (
            value
            if isinstance(value, msgspec.Struct)
            else msgspec.json.decode(msgspec.json.encode(value), type=typ)
        )
        setattr(snap, name, converted)
        provenance = Provenance.DECLARED if name == "facts" else Provenance.OBSERVED
        path = "facts.yaml" if name == "facts" else f"{part}.json"
        snap.parts[part] = Part(part, path, provenance)
    return snap


@cache
def default_pack() -> Pack:
    return load_pack()


def at(text: str) -> datetime:
    return parse_at(text)


def run_rule(rule_id: str, snap: Snapshot, when: str, pack: Pack | None = None) -> list[Outcome]:
    """The outcomes of one rule; raises NotEvaluated like the rule does."""
    spec = load_rules()[rule_id]
    moment = at(when)
    context = Context(rule_id, Facts(snap, pack or default_pack()), moment, moment.date())
    return list(spec.check(context))


def findings(outcomes: list[Outcome]) -> list[Finding]:
    return [outcome for outcome in outcomes if isinstance(outcome, Finding)]


def operations(outcomes: list[Outcome]) -> list[OperationEffect]:
    return [outcome for outcome in outcomes if isinstance(outcome, OperationEffect)]


def deadlines(outcomes: list[Outcome]) -> list[Deadline]:
    return [outcome for outcome in outcomes if isinstance(outcome, Deadline)]


def gaps(outcomes: list[Outcome]) -> list[Gap]:
    return [outcome for outcome in outcomes if isinstance(outcome, Gap)]


def english(needs: tuple[Message, ...]) -> tuple[str, ...]:
    """What a rule needs, as English coverage words it."""
    return tuple(render("en", need) for need in needs)


def run_assess(snap: Snapshot, when: str, pack: Pack | None = None) -> Assessment:
    return assess(snap, pack or default_pack(), at(when))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `arcsupport ARGS` in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def placeholders(template: str) -> set[str]:
    """The arguments a catalog template prints; a plural field (`{count:one=node|other=nodes}`)
    only chooses words by its argument, which a language without plurals need not name."""
    names = set()
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None and not PLURAL_FIELD.fullmatch(f"{{{name}:{spec}}}"):
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def reference_body(name: str, status: str = "200") -> dict[str, Any]:
    """The response body of an Azure REST example in tests/data/reference/azure."""
    document = json.loads((REFERENCE / "azure" / name).read_text())
    body: dict[str, Any] = document["responses"][status]["body"]
    return body


def aks_arc_connected() -> dict[str, Any]:
    """The real connectedCluster of an AKS Arc cluster (`kind: ProvisionedCluster`): the one
    mark of AKS Arc a test snapshot can carry without bringing nodes or pools of its own. Its
    body holds no connectivity fields, so the connectivity rule cannot run on it."""
    return reference_body("connectedClusters-2024-01-01-CreateCluster_KindExample.json")


def versions_payload(listing: dict[str, list[str]], preview: tuple[str, ...] = ()) -> Any:
    """`az aksarc get-versions` as the REST example returns it, with today's versions: each
    minor's patches keep the example's readiness entries and list their upgrades."""
    body = reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    template = body["properties"]["values"][0]
    readiness = [entry["readiness"] for entry in template["patchVersions"].values()]
    values = []
    for minor, patches in listing.items():
        entry = copy.deepcopy(template)
        entry["version"] = minor
        entry["isPreview"] = minor in preview
        entry["patchVersions"] = {
            patch: {
                "readiness": copy.deepcopy(readiness[index % 2]),
                "upgrades": patches[index + 1 :],
            }
            for index, patch in enumerate(patches)
        }
        values.append(entry)
    body["properties"]["values"] = values
    return body


def reference_json(relative: str) -> Any:
    return json.loads((REFERENCE / relative).read_text())


def node(
    name: str,
    *,
    kubelet: str = "v1.30.4",
    os: str = "linux",
    arch: str = "amd64",
    os_image: str = "Microsoft Azure Linux 3.0",
    kernel: str = "6.6.64.2-1.azl3",
    containerd: str = "1.7.20",
    ready: bool = True,
    ready_since: str = "2025-06-01T00:00:00Z",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    managed_fields: list[dict[str, Any]] | None = None,
    taints: list[dict[str, str]] | None = None,
    cpu: str = "4",
    memory: str = "16374624Ki",
    addresses: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A Node as `kubectl get nodes -o json` prints one (the fields rules read, and a few more)."""
    base_labels = {
        "kubernetes.io/os": os,
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "beta.kubernetes.io/os": os,
        "beta.kubernetes.io/arch": arch,
    }
    base_labels.update(labels or {})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": base_labels,
            "annotations": annotations or {"node.alpha.kubernetes.io/ttl": "0"},
            "creationTimestamp": "2025-05-01T10:00:00Z",
            "managedFields": managed_fields
            or [
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "fieldsV1": {"f:metadata": {"f:labels": {"f:kubernetes.io/os": {}}}},
                }
            ],
        },
        "spec": {"providerID": f"moc://{name}", "taints": taints or []},
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "addresses": addresses
            or [
                {"type": "InternalIP", "address": "10.0.0.10"},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "KubeletReady" if ready else "KubeletNotReady",
                    "lastTransitionTime": ready_since,
                    "lastHeartbeatTime": ready_since,
                }
            ],
            "nodeInfo": {
                "kubeletVersion": kubelet,
                "kubeProxyVersion": kubelet,
                "osImage": os_image,
                "kernelVersion": kernel,
                "operatingSystem": os,
                "architecture": arch,
                "containerRuntimeVersion": f"containerd://{containerd}",
            },
        },
    }


def workload(
    kind: str,
    name: str,
    namespace: str,
    *,
    image: str = "mcr.microsoft.com/oss/kubernetes/app:v1",
    containers: list[dict[str, Any]] | None = None,
    replicas: int | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    managed_fields: list[dict[str, Any]] | None = None,
    pod_spec: dict[str, Any] | None = None,
    api_version: str = "apps/v1",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": containers or [{"name": name, "image": image}],
                **(pod_spec or {}),
            },
        }
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels or {},
            "annotations": annotations or {},
            "managedFields": managed_fields or [],
        },
        "spec": spec,
    }


def pod(
    name: str,
    namespace: str,
    *,
    node_name: str = "moc-node-1",
    containers: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels or {},
            "ownerReferences": [{"kind": owner[0], "name": owner[1]}] if owner else [],
        },
        "spec": {
            "nodeName": node_name,
            "containers": containers or [{"name": "app", "image": "registry.example/app:1"}],
        },
    }


def write_bundle(root: Path, files: dict[str, Any]) -> Path:
    """Write a bundle directory: dict/list values as JSON, str/bytes as they are."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif isinstance(content, str):
            target.write_text(content)
        else:
            target.write_text(json.dumps(content, indent=1))
    return root


def kube_list(items: list[dict[str, Any]], kind: str = "List") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": kind, "items": items, "metadata": {}}


def snapshot_facts(snapshot: Snapshot) -> dict[str, Any]:
    """What a snapshot holds, but its name and where each part was read from (both follow the
    file names): the same dump in two shapes gives equal facts. managedFields' fieldsV1 stay
    undecoded and keep the whitespace of their file, so everything compares as its JSON."""
    plain = {
        name: msgspec.json.decode(msgspec.json.encode(getattr(snapshot, name)))
        for name in snapshot.__struct_fields__
        if name not in ("source", "parts", "cluster_name")
    }
    plain["parts"] = {name: part.provenance for name, part in snapshot.parts.items()}
    return plain


def empty_dump_namespaces(folder: Path) -> set[str]:
    """The namespaces of a JSON dump folder whose every list is empty: a dump stream, which
    names namespaces only through their objects, cannot name them."""
    return {
        child.name
        for child in folder.iterdir()
        if child.is_dir()
        and all(not json.loads(f.read_text())["items"] for f in child.glob("*.json"))
    }


def assert_golden(request: pytest.FixtureRequest, golden: Path, produced: str | bytes) -> None:
    """The output must equal the golden file byte for byte (CSV and iCalendar keep their CRLF);
    `pytest --update-goldens` rewrites the file from the output, for review in the diff."""
    data = produced.encode("utf-8") if isinstance(produced, str) else produced
    if request.config.getoption("--update-goldens"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.is_file(), f"{golden} is missing: run pytest --update-goldens"
    assert data == golden.read_bytes(), (
        f"{golden.relative_to(TESTS)} differs from the output; if the change is intended, run "
        "`.venv/bin/pytest --update-goldens` and review the diff"
    )
