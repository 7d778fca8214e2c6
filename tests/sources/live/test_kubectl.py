"""The real kubectl against the loopback API server (tests/kube_emulator.py) serving the example
bundles: `get nodes`, `get pods -A` in chunks, `api-resources` and `cluster-info dump`, over TLS
with a token; then `arcsupport check` on the dump kubectl wrote, against the bundle itself.

kubectl is Debian's `kubernetes-client` in CI (.ci/run installs it); any kubectl on PATH does.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, empty_dump_namespaces, english, run_assess
from helpers import snapshot_facts as facts
from kube_emulator import (
    CUSTOM_RESOURCES,
    TEST_CA,
    TOKEN,
    KubeEmulator,
    from_bundle,
    human_duration,
    write_kubeconfig,
)

WHEN = "2025-09-15"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None,
    reason="kubectl is not installed (Debian: apt-get install kubernetes-client, as .ci/run does)",
)
# The examples of whole clusters (the k3s one lists its nodes alone).
EXAMPLE_NAMES = sorted(
    path.name for path in EXAMPLES.iterdir() if (path / "kubernetes" / "pods.json").is_file()
)


def kubectl(emulator: KubeEmulator, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """kubectl with a kubeconfig of its own (TLS, the CA, a token) and a home of its own, so
    that no discovery cache outlives the test."""
    assert KUBECTL is not None
    home.mkdir(parents=True, exist_ok=True)
    config = write_kubeconfig(home / "kubeconfig", emulator.url)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "KUBECONFIG": str(config)}
    return subprocess.run(
        [KUBECTL, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def table(output: str) -> list[dict[str, str]]:
    """kubectl's table, cut at the columns of its header (cells may hold spaces)."""
    header, *lines = output.splitlines()
    starts = [i for i, c in enumerate(header) if c != " " and (i == 0 or header[i - 1] == " ")]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    names = [header[a:b].strip() for a, b in bounds]
    return [
        {name: line[a:b].strip() for name, (a, b) in zip(names, bounds, strict=True)}
        for line in lines
    ]


def bundle_items(example: str, plural: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (EXAMPLES / example / "kubernetes" / f"{plural}.json").read_text()
    )["items"]
    return items


# --------------------------------------------------------------------------- kubectl get


@needs_kubectl
@pytest.mark.parametrize(("example", "status"), [("healthy", "Ready"), ("stopped", "NotReady")])
def test_get_nodes(example: str, status: str, tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / example)
    # kubectl cannot work without /apis; where the bundle has none (stopped: forbidden to the
    # collector), the emulator's own discovery of what it serves stands in.
    emulator.faults.forbidden.discard("/apis")
    with emulator:
        done = kubectl(emulator, tmp_path, "get", "nodes", "-o", "wide")
    assert (done.returncode, done.stderr) == (0, "")
    rows = table(done.stdout)
    nodes = bundle_items(example, "nodes")
    assert [row["NAME"] for row in rows] == [node["metadata"]["name"] for node in nodes]
    for row, node in zip(rows, nodes, strict=True):
        info = node["status"]["nodeInfo"]
        control_plane = "node-role.kubernetes.io/control-plane" in node["metadata"]["labels"]
        assert row["STATUS"] == status
        assert row["ROLES"] == ("control-plane" if control_plane else "<none>")
        assert row["VERSION"] == info["kubeletVersion"]
        assert row["INTERNAL-IP"] == node["status"]["addresses"][0]["address"]
        assert row["OS-IMAGE"] == info["osImage"]
        assert row["CONTAINER-RUNTIME"] == info["containerRuntimeVersion"]
    # Served as a Table, which kubectl asks for first.
    [listing] = [r for r in emulator.requests if r.path == "/api/v1/nodes"]
    assert listing.headers["accept"].startswith("application/json;as=Table;v=v1;g=meta.k8s.io")
    assert listing.headers["authorization"] == f"Bearer {TOKEN}"


@needs_kubectl
def test_get_pods_in_all_namespaces_in_chunks(tmp_path: Path) -> None:
    pods = bundle_items("healthy", "pods")
    outputs = {}
    for chunk in (50, 5):
        with from_bundle(EXAMPLES / "healthy") as emulator:
            done = kubectl(emulator, tmp_path, "get", "pods", "-A", f"--chunk-size={chunk}")
        assert (done.returncode, done.stderr) == (0, "")
        outputs[chunk] = done.stdout
        pages = [r.query for r in emulator.requests if r.path == "/api/v1/pods"]
        assert len(pages) == math.ceil(len(pods) / chunk)
        assert all(page["limit"] == str(chunk) for page in pages)
        assert [("continue" in page) for page in pages] == [False] + [True] * (len(pages) - 1)
    assert outputs[5] == outputs[50]  # the pages join up as one table
    rows = table(outputs[50])
    expected = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods]
    assert [(row["NAMESPACE"], row["NAME"]) for row in rows] == expected
    for row, pod in zip(rows, pods, strict=True):
        statuses = pod["status"]["containerStatuses"]
        ready = sum(1 for status in statuses if status["ready"])
        assert row["READY"] == f"{ready}/{len(pod['spec']['containers'])}"
        assert row["STATUS"] == pod["status"]["phase"]
        assert row["RESTARTS"] == str(sum(status["restartCount"] for status in statuses))


@needs_kubectl
@pytest.mark.parametrize("example", ["healthy", "istio-custom-cni"])
def test_api_resources(example: str, tmp_path: Path) -> None:
    """Every group version the bundle's /apis prefers is discovered, CRD groups included."""
    with from_bundle(EXAMPLES / example) as emulator:
        done = kubectl(emulator, tmp_path, "api-resources")
    assert (done.returncode, done.stderr) == (0, "")
    rows = table(done.stdout)
    preferred = {group["preferredVersion"]["groupVersion"] for group in emulator.apis["groups"]}
    assert {row["APIVERSION"] for row in rows} == preferred | {"v1"}
    by_name = {(row["NAME"], row["APIVERSION"]): row for row in rows}
    assert by_name[("nodes", "v1")]["NAMESPACED"] == "false"
    assert by_name[("pods", "v1")]["SHORTNAMES"] == "po"
    assert by_name[("deployments", "apps/v1")]["KIND"] == "Deployment"
    for group in emulator.apis["groups"]:
        for kind, plural, _ in CUSTOM_RESOURCES.get(group["name"], ()):
            row = by_name[(plural, group["preferredVersion"]["groupVersion"])]
            assert row["KIND"] == kind


@needs_kubectl
def test_kubectl_sends_no_token_over_plain_http(tmp_path: Path) -> None:
    """What the collector does too (test_kubernetes.py): no credentials to an http:// server."""
    with from_bundle(EXAMPLES / "healthy", tls=None) as emulator:
        done = kubectl(emulator, tmp_path, "get", "nodes")
    assert done.returncode == 1 and "You must be logged in to the server" in done.stderr
    assert emulator.requests and all("authorization" not in r.headers for r in emulator.requests)


# --------------------------------------------------------------------------- cluster-info dump

# What a `kubectl cluster-info dump` cannot carry, and what a bundle reads from it.
NOT_IN_A_DUMP = ("manifest.json", "version.json", "apis.json", "metrics.txt")
NEEDS_NOT_IN_A_DUMP = ("kubernetes/apis.json", "kubernetes/metrics.txt", "managedFields")


def dump(example: str, tmp_path: Path, *options: str) -> Path:
    target = tmp_path / "dump"
    with from_bundle(EXAMPLES / example) as emulator:
        done = kubectl(
            emulator, tmp_path / "home", "cluster-info", "dump", "--all-namespaces",
            "--output-directory", str(target), *options,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target


def without_managed_fields(listing: dict[str, Any]) -> dict[str, Any]:
    for item in listing["items"]:
        item["metadata"].pop("managedFields", None)
    return listing


def comparable(assessment: Any) -> Any:
    findings = [
        (f.rule, f.severity, f.clauses, f.message.key, dict(f.message.args),
         [(e.object, e.field, e.value, e.provenance) for e in f.evidence])
        for f in assessment.findings
    ]  # fmt: skip
    not_evaluated = [
        (entry.rule, english(entry.needs)) for entry in assessment.coverage.not_evaluated
    ]
    return assessment.verdict, findings, assessment.coverage.evaluated, not_evaluated


@needs_kubectl
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_check_on_the_dump_kubectl_wrote(example: str, tmp_path: Path, arcsupport: Any) -> None:
    """The dump, given the bundle's azure/ and facts.yaml as README says, assesses exactly as
    the bundle without what a dump cannot carry: /version, /apis, /metrics, and the nodes'
    managedFields when kubectl hides them (1.21 and later). Its verdict is the bundle's."""
    source = EXAMPLES / example
    folder = dump(example, tmp_path)
    if (source / "azure").is_dir():
        shutil.copytree(source / "azure", folder / "azure")
    if (source / "facts.yaml").is_file():
        shutil.copy(source / "facts.yaml", folder / "facts.yaml")

    code, out, err = arcsupport("check", str(folder), "--at", WHEN, "-o", "json")
    assert err == "" and code in (0, 1)
    dump_result = json.loads(out)
    code, out, _ = arcsupport("check", str(source), "--at", WHEN, "-o", "json")
    bundle_result = json.loads(out)
    assert dump_result["verdict"] == bundle_result["verdict"]
    # Rules that need what a dump cannot carry went unevaluated, wholly or in part; all other
    # findings are the bundle's.
    bundle_gaps = {entry["rule"] for entry in bundle_result["coverage"]["not_evaluated"]}
    dump_gaps = {}
    for entry in dump_result["coverage"]["not_evaluated"]:
        if entry["rule"] not in bundle_gaps:
            dump_gaps[entry["rule"]] = entry["needs"]
    for rule, needs in dump_gaps.items():
        assert any(part in need for need in needs for part in NEEDS_NOT_IN_A_DUMP), (rule, needs)

    def findings(result: dict[str, Any], *, in_gaps: bool) -> list[tuple[str, str]]:
        return [
            (f["rule"], f["severity"])
            for f in result["findings"]
            if (f["rule"] in dump_gaps) == in_gaps
        ]

    assert findings(dump_result, in_gaps=False) == findings(bundle_result, in_gaps=False)
    assert set(findings(dump_result, in_gaps=True)) <= set(findings(bundle_result, in_gaps=True))

    dumped_nodes = json.loads((folder / "nodes.json").read_text())["items"]
    hides_managed_fields = not any("managedFields" in n["metadata"] for n in dumped_nodes)
    version = json.loads(
        subprocess.run(
            [str(KUBECTL), "version", "--client", "-o", "json"], capture_output=True, check=True
        ).stdout
    )["clientVersion"]
    assert hides_managed_fields == (int(version["minor"].rstrip("+")) >= 21)
    reduced = tmp_path / "reduced"
    shutil.copytree(source, reduced, ignore=shutil.ignore_patterns(*NOT_IN_A_DUMP))
    namespaces = bundle_items(example, "namespaces")
    (reduced / "kubernetes" / "namespaces.json").write_text(
        json.dumps({"items": [{"metadata": {"name": n["metadata"]["name"]}} for n in namespaces]})
    )
    if hides_managed_fields:
        for plural in ("nodes", "pods", "daemonsets", "deployments", "services"):
            file = reduced / "kubernetes" / f"{plural}.json"
            file.write_text(json.dumps(without_managed_fields(json.loads(file.read_text()))))
    assert comparable(run_assess(read_snapshot(folder), WHEN)) == comparable(
        run_assess(read_snapshot(reduced), WHEN)
    )


@needs_kubectl
def test_every_shape_kubectl_writes_reads_the_same(tmp_path: Path) -> None:
    """This kubectl's YAML folder and its two streams read as its JSON folder does (the
    streams miss the namespaces that hold nothing: they leave no trace in a stream)."""
    expected = facts(read_snapshot(dump("healthy", tmp_path / "json")))
    empty = empty_dump_namespaces(tmp_path / "json" / "dump")
    assert empty  # kube-node-lease and kube-public hold nothing in the examples
    assert facts(read_snapshot(dump("healthy", tmp_path / "yaml", "-o", "yaml"))) == expected
    streamed = [n for n in expected["namespaces"] if n["metadata"]["name"] not in empty]
    for form in ("json", "yaml"):
        stream = tmp_path / f"stream.{form}"
        with from_bundle(EXAMPLES / "healthy") as emulator, stream.open("w") as out:
            home = tmp_path / "home"
            home.mkdir(exist_ok=True)
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(home),
                "KUBECONFIG": str(write_kubeconfig(home / "kubeconfig", emulator.url)),
            }
            command = [str(KUBECTL), "cluster-info", "dump", "--all-namespaces", "-o", form]
            subprocess.run(command, env=env, stdout=out, check=True, timeout=120)
        read = facts(read_snapshot(stream))
        assert read.pop("namespaces") == streamed
        assert read == {key: value for key, value in expected.items() if key != "namespaces"}


# --------------------------------------------------------------------------- the emulator itself


@functools.cache
def _trusting_the_emulators() -> ssl.SSLContext:
    context = ssl.create_default_context()
    TEST_CA.configure_trust(context)
    return context


def get(emulator: KubeEmulator, path: str, accept: str = "application/json") -> Any:
    request = urllib.request.Request(
        emulator.url + path, headers={"Authorization": f"Bearer {TOKEN}", "Accept": accept}
    )
    with urllib.request.urlopen(request, context=_trusting_the_emulators()) as answer:
        body = answer.read()
    return json.loads(body) if answer.headers["Content-Type"] == "application/json" else body


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_discovery_names_resources_for_every_group_version(example: str) -> None:
    """As kube-apiserver, never an empty resource list (kubectl refuses one)."""
    with from_bundle(EXAMPLES / example) as emulator:
        versions = get(emulator, "/api")
        core = get(emulator, "/api/v1")
        groups = {
            group["name"]: get(emulator, f"/apis/{group['name']}")
            for group in emulator.apis["groups"]
        }
        lists = {
            version["groupVersion"]: get(emulator, f"/apis/{version['groupVersion']}")
            for group in emulator.apis["groups"]
            for version in group["versions"]
        }
    assert versions["versions"] == ["v1"]
    assert versions["serverAddressByClientCIDRs"][0]["serverAddress"] == emulator.url[8:]
    assert {"nodes", "pods", "pods/log", "namespaces"} <= {r["name"] for r in core["resources"]}
    for name, group in groups.items():
        assert (group["kind"], group["name"]) == ("APIGroup", name)
    for group_version, listing in lists.items():
        assert listing["kind"] == "APIResourceList"
        assert listing["groupVersion"] == group_version
        assert listing["resources"], group_version


def test_lists_per_namespace_and_logs_per_container() -> None:
    csi = "csi-akshcicsi-controller-brhhmf8dww-x5j5d"
    logs = f"/api/v1/namespaces/kube-system/pods/{csi}/log"
    wrong = {
        logs: (400, f"a container name must be specified for pod {csi}, choose one of: "
                    "[csi-provisioner csi-attacher akshcicsi]"),
        f"{logs}?container=nginx": (400, f"container nginx is not valid for pod {csi}"),
        f"/api/v1/namespaces/retail/pods/{csi}/log": (404, f'pods "{csi}" not found'),
        "/api/v1/namespaces/kube-system/nodes": (
            404, "the server could not find the requested resource"
        ),
    }  # fmt: skip
    answers = {}
    with from_bundle(EXAMPLES / "healthy") as emulator:
        page = get(emulator, "/api/v1/namespaces/kube-system/pods?limit=4")
        token = page["metadata"]["continue"]
        rest = get(emulator, f"/api/v1/namespaces/kube-system/pods?continue={token}")
        log = get(emulator, f"{logs}?container=csi-provisioner")
        for path in wrong:
            with pytest.raises(urllib.error.HTTPError) as error:
                get(emulator, path)
            answers[path] = (error.value.code, json.loads(error.value.read())["message"])
    in_kube_system = [
        p["metadata"]["name"]
        for p in bundle_items("healthy", "pods")
        if p["metadata"]["namespace"] == "kube-system"
    ]
    assert [p["metadata"]["name"] for p in page["items"] + rest["items"]] == in_kube_system
    assert len(page["items"]) == 4 and "continue" not in rest["metadata"]
    assert log == f"kube-system/{csi} csi-provisioner: started\n".encode()
    assert answers == wrong


def test_tables_are_served_as_kubectl_asks() -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    with from_bundle(EXAMPLES / "stopped") as emulator:
        nodes = get(emulator, "/api/v1/nodes", accept)
        services = get(emulator, "/api/v1/services?includeObject=None", accept)
    assert (nodes["kind"], nodes["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in nodes["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Status", "Roles", "Age", "Version",
    ]  # fmt: skip
    assert {row["cells"][1] for row in nodes["rows"]} == {"NotReady"}  # Ready is Unknown
    assert nodes["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert [c["name"] for c in services["columnDefinitions"]] == ["Name", "Created At"]
    assert all("object" not in row for row in services["rows"])


@pytest.mark.parametrize(
    ("seconds", "written"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (130, "2m10s"),
        (600, "10m"), (10_799, "179m"), (10_800, "3h"), (11_100, "3h5m"), (28_800, "8h"),
        (172_799, "47h"), (172_800, "2d"), (180_000, "2d2h"), (691_200, "8d"),
        (63_071_999, "729d"), (63_072_000, "2y"), (63_158_400, "2y1d"), (252_288_000, "8y"),
    ],
)  # fmt: skip
def test_ages_are_written_as_kubernetes_writes_them(seconds: int, written: str) -> None:
    assert human_duration(seconds) == written
