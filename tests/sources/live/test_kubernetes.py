"""The Kubernetes collector against a loopback API server (tests/kube_emulator.py) serving the
example bundles' objects: what it asks for (request by request), what it writes, what it never
asks for or writes, and how it fails."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import trustme
from rich.console import Console

import arcsupport.sources.live.kubernetes as collector
import secret_samples
from arcsupport.engine.assess import Assessment
from arcsupport.errors import InputError
from arcsupport.report.progress import TerminalProgress
from arcsupport.snapshot.kube import LAST_APPLIED
from arcsupport.sources.inspection import inspect_bundle
from arcsupport.sources.live.kinds import KINDS
from arcsupport.sources.live.kubernetes import (
    REDACTED_ANNOTATIONS,
    REDACTED_ARGUMENTS,
    REDACTED_ENV,
    REDACTED_LAST_APPLIED,
    ClusterOptions,
    collect_cluster,
)
from arcsupport.sources.live.writer import BundleWriter
from arcsupport.sources.read import read_snapshot
from helpers import english, run_assess, run_cli
from kube_emulator import (
    BUILTIN,
    EXAMPLES,
    METADATA_ONLY,
    TOKEN,
    KubeEmulator,
    Resource,
    b64,
    discovery,
    from_bundle,
    write_kubeconfig,
)

WHEN = "2025-09-15"
DISCOVERY = ("/version", "/apis", "/metrics")
LIST_PATHS = {
    kind.plural: (f"/apis/{kind.group}/{kind.version}" if kind.group else "/api/v1")
    + f"/{kind.plural}"
    for kind in KINDS
}
# The examples of whole clusters (the k3s one lists its nodes alone).
EXAMPLE_NAMES = sorted(
    path.name for path in EXAMPLES.iterdir() if (path / "kubernetes" / "pods.json").is_file()
)


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds here; Retry-After is still honoured as sent."""
    monkeypatch.setattr(collector, "_BACKOFF_SECONDS", 0.01)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def collect(tmp_path: Path, emulator: KubeEmulator, name: str = "bundle", **options: Any) -> Path:
    """Collect through collect_cluster with a token kubeconfig; return the bundle folder."""
    kubeconfig = options.pop("kubeconfig", None) or write_kubeconfig(
        tmp_path / "kubeconfig", emulator.url, ca=options.pop("ca", None)
    )
    out = tmp_path / name
    with BundleWriter(out, datetime(2025, 9, 14, 8, tzinfo=UTC)) as writer:
        collect_cluster(ClusterOptions(kubeconfig=kubeconfig, **options), writer)
    return out


def manifest(bundle: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bundle / "manifest.json").read_text())
    return data


def items(bundle: Path, plural: str) -> list[dict[str, Any]]:
    document = json.loads((bundle / "kubernetes" / f"{plural}.json").read_text())
    assert document["kind"] == "List" and document["apiVersion"] == "v1"
    listed: list[dict[str, Any]] = document["items"]
    return listed


def pages(count: int, size: int) -> int:
    return max(1, -(-count // size))


def comparable(result: Assessment) -> Any:
    findings = [
        (
            f.rule, f.severity, f.clauses, f.message.key, dict(f.message.args),
            [(e.object, e.field, e.value, e.provenance) for e in f.evidence],
        )
        for f in result.findings
    ]  # fmt: skip
    # What the collector recorded as not collected is added to the needs; the rest is equal.
    not_evaluated = [
        (entry.rule, tuple(re.sub(r" \(not collected: .*\)$", "", n) for n in english(entry.needs)))
        for entry in result.coverage.not_evaluated
    ]
    return result.verdict, findings, result.coverage.evaluated, not_evaluated


# --------------------------------------------------------------------------- what is collected


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_the_bundle_assesses_like_the_objects_served(example: str, tmp_path: Path) -> None:
    """Each example's kubernetes/ folder, served and collected in pages of 5, is assessed
    exactly as the folder itself: same verdict, findings, evidence and coverage."""
    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES / example / "kubernetes", reference / "kubernetes")
    with from_bundle(EXAMPLES / example) as emulator:
        bundle = collect(tmp_path, emulator, page_size=5)
    assert comparable(run_assess(read_snapshot(bundle), WHEN)) == comparable(
        run_assess(read_snapshot(reference), WHEN)
    )
    for plural in ("nodes", "pods", "daemonsets", "deployments"):
        source = json.loads((reference / "kubernetes" / f"{plural}.json").read_text())["items"]
        assert items(bundle, plural) == source, plural  # kubectl's shape, item for item


def test_requests_are_the_pages_needed_and_discovery(tmp_path: Path) -> None:
    with from_bundle(EXAMPLES / "healthy") as emulator:
        bundle = collect(tmp_path, emulator, page_size=3)
    expected = {
        path: pages(emulator.served(plural).count, 3) for plural, path in LIST_PATHS.items()
    }
    for path in DISCOVERY:
        expected[path] = 1
    seen: dict[str, int] = {}
    for request in emulator.requests:
        seen[request.path] = seen.get(request.path, 0) + 1
    assert seen == expected
    assert sum(seen.values()) == 3 + sum(expected[p] for p in LIST_PATHS.values())
    # Every list page asks for 3 items, the first without a continue token and each next one
    # with the token the previous page gave.
    pods = [r.query for r in emulator.requests if r.path == "/api/v1/pods"]
    assert all(query["limit"] == "3" for query in pods)
    assert "continue" not in pods[0] and all("continue" in query for query in pods[1:])
    assert len({query.get("continue") for query in pods}) == len(pods)
    assert len(items(bundle, "pods")) == emulator.served("pods").count


def test_lists_are_written_as_kubectl_prints_them(tmp_path: Path) -> None:
    with from_bundle(EXAMPLES / "healthy") as emulator:
        bundle = collect(tmp_path, emulator, page_size=4)
        served = [emulator.served("deployments").item(i) for i in range(4)]
    written = items(bundle, "deployments")
    assert [(d["apiVersion"], d["kind"]) for d in written[:4]] == [("apps/v1", "Deployment")] * 4
    assert written[:4] == served
    empty = json.loads((bundle / "kubernetes" / "ingresses.json").read_text())
    assert empty == {"apiVersion": "v1", "kind": "List", "items": []}
    version = bundle / "kubernetes" / "version.json"
    assert (
        version.read_bytes()
        == json.dumps(
            json.loads((EXAMPLES / "healthy/kubernetes/version.json").read_text()),
            separators=(",", ":"),
        ).encode()
    )  # as the server sent it
    assert manifest(bundle)["cluster"]["name"] == "contoso-aks-01"  # the kubeconfig's cluster


def test_each_group_is_read_in_its_preferred_version(tmp_path: Path) -> None:
    """An older server: flowcontrol only in v1beta3, autoscaling preferring v1."""
    healthy = from_bundle(EXAMPLES / "healthy")
    resources = [
        Resource.of(r.plural, [r.item(i) for i in range(r.count)], version=version)
        for r in healthy.resources.values()
        for version in [
            {"flowschemas": "v1beta3", "prioritylevelconfigurations": "v1beta3"}.get(r.plural)
            or {"horizontalpodautoscalers": "v1"}.get(r.plural)
        ]
    ]
    apis = discovery(
        {
            "apps": ["v1"], "batch": ["v1"], "policy": ["v1"], "networking.k8s.io": ["v1"],
            "autoscaling": ["v1", "v2"], "flowcontrol.apiserver.k8s.io": ["v1beta3"],
            "admissionregistration.k8s.io": ["v1"],
        }
    )  # fmt: skip
    with KubeEmulator(
        resources, version=healthy.version, metrics=healthy.metrics, apis=apis
    ) as emulator:
        bundle = collect(tmp_path, emulator)
    paths = emulator.paths()
    assert "/apis/flowcontrol.apiserver.k8s.io/v1beta3/flowschemas" in paths
    assert "/apis/autoscaling/v1/horizontalpodautoscalers" in paths
    assert not any("/v1/flowschemas" in path or "/v2/" in path for path in paths)
    assert "kubernetes/flowschemas" not in json.dumps(manifest(bundle))


def test_a_group_missing_from_discovery_is_not_asked_for(tmp_path: Path) -> None:
    healthy = from_bundle(EXAMPLES / "healthy")
    apis = json.loads(json.dumps(healthy.apis))
    apis["groups"] = [g for g in apis["groups"] if g["name"] != "flowcontrol.apiserver.k8s.io"]
    with KubeEmulator(
        list(healthy.resources.values()),
        version=healthy.version,
        metrics=healthy.metrics,
        apis=apis,
    ) as em:
        bundle = collect(tmp_path, em)
    assert not any("flowcontrol" in path for path in em.paths())
    reasons = {entry["part"]: entry["reason"] for entry in manifest(bundle)["not_collected"]}
    assert reasons == {
        "kubernetes/flowschemas": "not served by this API server "
        "(no flowcontrol.apiserver.k8s.io in /apis)",
        "kubernetes/prioritylevelconfigurations": "not served by this API server "
        "(no flowcontrol.apiserver.k8s.io in /apis)",
    }


# --------------------------------------------------------------------------- what is not


def test_forbidden_and_unserved_parts_are_recorded_and_reported_not_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    del emulator.resources["/apis/networking.k8s.io/v1/ingresses"]  # the group is in /apis
    emulator.faults.forbidden |= {"nodes", "daemonsets", "/metrics"}
    with emulator:
        bundle = collect(tmp_path, emulator)
    reasons = {entry["part"]: entry["reason"] for entry in manifest(bundle)["not_collected"]}
    assert set(reasons) == {
        "kubernetes/nodes",
        "kubernetes/daemonsets",
        "kubernetes/metrics",
        "kubernetes/ingresses",
    }
    assert reasons["kubernetes/nodes"].startswith(
        'forbidden (403): nodes is forbidden: User "system:serviceaccount:arcsupport:collector"'
    )
    assert reasons["kubernetes/nodes"].endswith("see `arcsupport rbac`")
    assert reasons["kubernetes/ingresses"] == (
        "not served by this API server (404): the server could not find the requested resource"
    )
    for part in reasons:
        assert not (bundle / f"{part}.json").exists() and not (bundle / f"{part}.txt").exists()
    # Each forbidden request was asked once: a 403 is an answer, not a failure to retry.
    assert emulator.paths().count("/api/v1/nodes") == 1

    code, out, err = run_cli(capsys, "check", str(bundle), "--at", WHEN, "--output", "json")
    assert code in (0, 1) and err == ""
    coverage = json.loads(out)["coverage"]
    not_evaluated = {entry["rule"]: " ".join(entry["needs"]) for entry in coverage["not_evaluated"]}
    assert "not collected: kubernetes/nodes: forbidden (403)" in not_evaluated["version-skew"]
    assert (
        "not collected: kubernetes/daemonsets: forbidden (403)"
        in not_evaluated["privileged-daemonsets"]
    )


def test_env_values_and_last_applied_configurations_are_redacted(tmp_path: Path) -> None:
    healthy = from_bundle(EXAMPLES / "healthy")
    applied = {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "Ingress",
        "metadata": {
            "name": "shop",
            "namespace": "retail",
            "annotations": {"team": "only-applied"},
        },
        "spec": {"rules": [{"host": "shop.contoso.com"}]},
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "shop",
            "namespace": "retail",
            "annotations": {LAST_APPLIED: json.dumps(applied)},
            "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update"}],
        },
        "spec": {"rules": [{"host": "shop.contoso.com"}]},
    }
    container = {
        "name": "app",
        "image": "contoso.azurecr.io/shop:1.4.2",
        "env": [
            {"name": "DB_PASSWORD", "value": "hunter2-very-secret"},
            {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "shop", "key": "api"}}},
        ],
    }
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "retail",
                     "annotations": {LAST_APPLIED: "not json, hand-edited"}},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [container], "initContainers": [container]}}}}},
    }  # fmt: skip
    pods = [healthy.served("pods").item(i) for i in range(healthy.served("pods").count)]
    pods.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "shop-0", "namespace": "retail"},
            "spec": {"containers": [container], "ephemeralContainers": [container]},
        }
    )
    resources = {r.plural: r for r in healthy.resources.values()}
    resources["ingresses"] = Resource.of("ingresses", [ingress])
    resources["cronjobs"] = Resource.of("cronjobs", [cronjob])
    resources["pods"] = Resource.of("pods", pods)
    with KubeEmulator(
        list(resources.values()),
        version=healthy.version,
        metrics=healthy.metrics,
        apis=healthy.apis,
    ) as emulator:
        bundle = collect(tmp_path, emulator, page_size=7)

    everything = b"".join(path.read_bytes() for path in (bundle / "kubernetes").iterdir())
    assert b"hunter2-very-secret" not in everything
    assert b"only-applied" not in everything  # nothing else of the applied configuration
    written = items(bundle, "ingresses")[0]
    assert json.loads(written["metadata"]["annotations"][LAST_APPLIED]) == {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "Ingress",
    }
    assert written["metadata"]["managedFields"] == ingress["metadata"]["managedFields"]
    assert LAST_APPLIED not in items(bundle, "cronjobs")[0]["metadata"]["annotations"]
    shop = next(p for p in items(bundle, "pods") if p["metadata"]["name"] == "shop-0")
    assert shop["spec"]["containers"][0]["env"] == [
        {"name": "DB_PASSWORD"},
        {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "shop", "key": "api"}}},
    ]
    assert manifest(bundle)["redacted"] == [
        {"what": REDACTED_ENV, "count": 4},  # containers and initContainers, ephemeral too
        {"what": REDACTED_LAST_APPLIED, "count": 2},
    ]
    assert inspect_bundle(bundle).clean
    # The deprecated-APIs rule still sees what the manifest was written for.
    result = run_assess(read_snapshot(bundle), WHEN)
    removed = [f for f in result.findings if f.rule == "deprecated-apis"]
    assert removed and any(e.value == "networking.k8s.io/v1beta1" for e in removed[0].evidence)


def test_secrets_in_arguments_commands_and_annotations_are_replaced_by_a_marker(
    tmp_path: Path,
) -> None:
    """Strings that hold a secret become a marker naming its kind; everything else of the
    object, the other arguments among them, is written as served."""
    storage_key = secret_samples.storage_account_key()
    sas_url = secret_samples.sas_url()
    aws_key = secret_samples.aws_access_key_id()
    token = secret_samples.jwt()
    database = secret_samples.SECRETS["postgres-url"][0]()
    webhook = secret_samples.SECRETS["slack-webhook"][0]()
    container = {
        "name": "uploader",
        "image": "contoso.azurecr.io/uploader:2.1",
        "command": ["/bin/sh", "-c", f"curl -H 'Authorization: Bearer {token}' $(URL)"],
        "args": [f"--account-key={storage_key}", sas_url, "--region=westeurope", aws_key],
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "uploader-0",
            "namespace": "retail",
            "annotations": {"contoso.com/database": database, "contoso.com/team": "storage"},
        },
        "spec": {"containers": [container], "initContainers": [container]},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "uploader", "namespace": "retail"},
        "spec": {
            "template": {
                "metadata": {"annotations": {"contoso.com/alerts": webhook}},
                "spec": {"containers": [container]},
            }
        },
    }
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "retail"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}},
    }
    healthy = from_bundle(EXAMPLES / "healthy")
    resources = {r.plural: r for r in healthy.resources.values()}
    served_pods = resources["pods"]
    resources["pods"] = Resource.of(
        "pods", [*(served_pods.item(i) for i in range(served_pods.count)), pod]
    )
    served_deployments = resources["deployments"]
    resources["deployments"] = Resource.of(
        "deployments",
        [*(served_deployments.item(i) for i in range(served_deployments.count)), deployment],
    )
    resources["cronjobs"] = Resource.of("cronjobs", [cronjob])
    with KubeEmulator(
        list(resources.values()),
        version=healthy.version,
        metrics=healthy.metrics,
        apis=healthy.apis,
    ) as emulator:
        bundle = collect(tmp_path, emulator, page_size=7)

    everything = b"".join(path.read_bytes() for path in (bundle / "kubernetes").iterdir())
    for secret in (storage_key, sas_url, aws_key, token, database, webhook):
        assert secret.encode() not in everything
    expected_container = {
        **container,
        "command": ["/bin/sh", "-c", "[redacted by arcsupport: bearer token (JWT)]"],
        "args": [
            "[redacted by arcsupport: 64-byte base64 key (an Azure storage account key's format)]",
            "[redacted by arcsupport: Azure shared access signature (SAS)]",
            "--region=westeurope",
            "[redacted by arcsupport: AWS access key]",
        ],
    }
    written = next(p for p in items(bundle, "pods") if p["metadata"]["name"] == "uploader-0")
    assert written["spec"] == {
        "containers": [expected_container],
        "initContainers": [expected_container],
    }
    assert written["metadata"]["annotations"] == {
        "contoso.com/database": (
            "[redacted by arcsupport: connection string or URL with a password]"
        ),
        "contoso.com/team": "storage",
    }
    template = next(d for d in items(bundle, "deployments") if d["metadata"]["name"] == "uploader")[
        "spec"
    ]["template"]
    assert template["metadata"]["annotations"] == {
        "contoso.com/alerts": "[redacted by arcsupport: Slack token]"
    }
    assert template["spec"]["containers"] == [expected_container]
    job = items(bundle, "cronjobs")[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job["containers"] == [expected_container]
    assert manifest(bundle)["redacted"] == [
        {"what": REDACTED_ANNOTATIONS, "count": 2},
        {"what": REDACTED_ARGUMENTS, "count": 4 * 4},  # four containers, four strings each
    ]
    assert inspect_bundle(bundle).clean
    # Served unchanged everywhere else: the example's own objects are written as they were.
    assert items(bundle, "nodes") == [
        healthy.served("nodes").item(i) for i in range(healthy.served("nodes").count)
    ]


def helm_secrets() -> list[dict[str, Any]]:
    release = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": "sh.helm.release.v1.ingress-nginx.v3",
            "namespace": "ingress-nginx",
            "labels": {"name": "ingress-nginx", "owner": "helm", "status": "deployed",
                       "version": "3", "modifiedAt": "1755700000"},
            "annotations": {"meta.helm.sh/note": "x"},
            "managedFields": [{"manager": "helm", "operation": "Update"}],
        },
        "data": {"release": b64(b"H4sIAAAAAAAA-the-whole-release-payload")},
    }  # fmt: skip
    other = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": "db", "namespace": "retail", "labels": {"app": "db"}},
        "data": {"password": b64(b"hunter2-very-secret")},
    }
    return [release, other]


def test_no_secret_is_asked_for_by_default(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.resources["/api/v1/secrets"] = Resource.of("secrets", helm_secrets())
    with emulator:
        bundle = collect(tmp_path, emulator)
    assert not any("secret" in path for path in emulator.paths())
    assert not (bundle / "kubernetes" / "helm-releases.json").exists()


def test_helm_secrets_are_listed_as_metadata_only(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.resources["/api/v1/secrets"] = Resource.of("secrets", helm_secrets() * 3)
    with emulator:
        bundle = collect(tmp_path, emulator, helm_secrets=True, page_size=2)
    asked = [r for r in emulator.requests if "secret" in r.path]
    assert len(asked) == 2  # three releases in pages of two (the other Secrets are filtered)
    for request in asked:
        assert request.path == "/api/v1/secrets"
        assert request.headers["accept"] == (
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
        )
        assert request.query["labelSelector"] == "owner=helm"
    document = json.loads((bundle / "kubernetes" / "helm-releases.json").read_text())
    assert (
        document["items"]
        == [
            {
                "apiVersion": "meta.k8s.io/v1",
                "kind": "PartialObjectMetadata",
                "metadata": {
                    "name": "sh.helm.release.v1.ingress-nginx.v3",
                    "namespace": "ingress-nginx",
                    "labels": helm_secrets()[0]["metadata"]["labels"],
                },
            }
        ]
        * 3
    )
    assert b"release-payload" not in (bundle / "kubernetes" / "helm-releases.json").read_bytes()
    assert inspect_bundle(bundle).clean
    read_snapshot(bundle)  # the reader takes it


def test_a_server_that_ignores_metadata_only_gets_nothing_kept(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.resources["/api/v1/secrets"] = Resource.of("secrets", helm_secrets())
    emulator.faults.ignore_metadata_only = True
    with emulator:
        bundle = collect(tmp_path, emulator, helm_secrets=True)
    assert [r.headers["accept"] for r in emulator.requests if "secret" in r.path] == [
        METADATA_ONLY.join(["application/json;", ";g=meta.k8s.io;v=v1"])
    ]
    assert not (bundle / "kubernetes" / "helm-releases.json").exists()
    reasons = {entry["part"]: entry["reason"] for entry in manifest(bundle)["not_collected"]}
    assert "metadata-only" in reasons["kubernetes/helm-releases"]


# --------------------------------------------------------------------------- retries


def test_an_expired_continue_token_restarts_the_list(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.faults.expire["pods"] = 1
    count = emulator.served("pods").count
    with emulator:
        bundle = collect(tmp_path, emulator, page_size=5)
    # Page 1, then 410 on page 2's token, then the whole list again.
    assert emulator.paths().count("/api/v1/pods") == 2 + pages(count, 5)
    names = [p["metadata"]["name"] for p in items(bundle, "pods")]
    assert len(names) == count == len(set(names))
    assert "not_collected" not in manifest(bundle)


def test_a_list_that_keeps_expiring_is_not_collected(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.faults.expire["pods"] = 100
    with emulator:
        bundle = collect(tmp_path, emulator, page_size=5)
    assert emulator.paths().count("/api/v1/pods") == 2 * (collector._RESTARTS + 1)
    assert not (bundle / "kubernetes" / "pods.json").exists()
    reason = manifest(bundle)["not_collected"][0]
    assert reason["part"] == "kubernetes/pods"
    assert reason["reason"].startswith("the API server answered 410: The provided continue")


def test_429_waits_as_long_as_retry_after_says(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.faults.throttle["nodes"] = (1, 1)
    with emulator:
        started = time.monotonic()
        bundle = collect(tmp_path, emulator)
        elapsed = time.monotonic() - started
    assert emulator.paths().count("/api/v1/nodes") == 2
    assert elapsed >= 1.0
    assert len(items(bundle, "nodes")) == emulator.served("nodes").count


@pytest.mark.parametrize(
    ("fault", "setting"),
    [("unavailable", 2), ("drop", 2), ("slow", (1, 1.0))],
)
def test_transient_failures_are_retried(tmp_path: Path, fault: str, setting: Any) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    getattr(emulator.faults, fault)["deployments"] = setting
    with emulator:
        bundle = collect(tmp_path, emulator, timeout=0.4)
    retries = setting if isinstance(setting, int) else setting[0]
    assert emulator.paths().count("/apis/apps/v1/deployments") == 1 + retries
    assert len(items(bundle, "deployments")) == emulator.served("deployments").count


def test_a_kind_that_keeps_failing_is_not_collected(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.faults.unavailable["deployments"] = 100
    with emulator:
        bundle = collect(tmp_path, emulator)
    assert emulator.paths().count("/apis/apps/v1/deployments") == collector._ATTEMPTS
    assert manifest(bundle)["not_collected"] == [
        {
            "part": "kubernetes/deployments",
            "reason": "the API server kept answering 503 (5 tries): the server is currently unable",
        }
    ]


# --------------------------------------------------------------------------- authentication


def test_tls_with_a_client_certificate(tmp_path: Path, ca: trustme.CA) -> None:
    leaf = ca.issue_cert("collector@arcsupport.test")
    user = {
        "client-certificate-data": b64(leaf.cert_chain_pems[0].bytes()),
        "client-key-data": b64(leaf.private_key_pem.bytes()),
    }
    with from_bundle(EXAMPLES / "healthy", tls=ca) as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url, ca=ca, user=user)
        bundle = collect(tmp_path, emulator, kubeconfig=kubeconfig)
    assert emulator.url.startswith("https://")
    assert all("authorization" not in request.headers for request in emulator.requests)
    assert len(items(bundle, "pods")) == emulator.served("pods").count
    assert leaf.private_key_pem.bytes().split(b"\n")[1] not in _all_bytes(bundle)


def test_tls_with_a_bearer_token(tmp_path: Path, ca: trustme.CA) -> None:
    with from_bundle(EXAMPLES / "healthy", tls=ca) as emulator:
        bundle = collect(tmp_path, emulator, ca=ca)
    assert {r.headers["authorization"] for r in emulator.requests} == {f"Bearer {TOKEN}"}
    assert TOKEN.encode() not in _all_bytes(bundle)


def exec_plugin(tmp_path: Path, script: str) -> dict[str, Any]:
    """A kubeconfig user whose token comes from an exec plugin, as kubelogin's does."""
    plugin = tmp_path / "plugin.py"
    plugin.write_text(script)
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(plugin), "get-token", "--client-secret", "s3cr3t-client-secret"],
            "env": [{"name": "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "value": "s3cr3t-env"}],
        }
    }


def test_an_exec_plugin_supplies_the_token(tmp_path: Path, ca: trustme.CA) -> None:
    script = f"""import json, os
assert os.environ["AAD_SERVICE_PRINCIPAL_CLIENT_SECRET"] == "s3cr3t-env"
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential", "status": {{"token": "{TOKEN}",
    "expirationTimestamp": "2999-01-01T00:00:00Z"}}}}))
"""
    user = exec_plugin(tmp_path, script)
    with from_bundle(EXAMPLES / "healthy", tls=ca) as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url, ca=ca, user=user)
        bundle = collect(tmp_path, emulator, kubeconfig=kubeconfig)
    assert {r.headers["authorization"] for r in emulator.requests} == {f"Bearer {TOKEN}"}
    data = _all_bytes(bundle)
    assert b"s3cr3t" not in data and TOKEN.encode() not in data


def test_in_cluster_service_account(
    tmp_path: Path, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kubernetes.config.incluster_config as incluster

    token_file, ca_file = tmp_path / "token", tmp_path / "ca.crt"
    token_file.write_text(TOKEN)
    ca_file.write_bytes(ca.cert_pem.bytes())
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(token_file))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(ca_file))
    with from_bundle(EXAMPLES / "healthy", tls=ca) as emulator:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", emulator.url.rsplit(":", 1)[1])
        out = tmp_path / "bundle"
        with BundleWriter(out, datetime(2025, 9, 14, tzinfo=UTC)) as writer:
            collect_cluster(ClusterOptions(in_cluster=True), writer)
    assert {r.headers["authorization"].lower() for r in emulator.requests} == {f"bearer {TOKEN}"}
    assert len(items(out, "nodes")) == emulator.served("nodes").count


PLUGIN_THAT_LEAVES_A_MARK = """import pathlib, sys
pathlib.Path(sys.argv[1]).with_name("plugin-ran").touch()
"""


@pytest.mark.parametrize(
    ("credential", "named"),
    [
        ("token", "a bearer token"),
        ("tokenFile", "a bearer token (tokenFile)"),
        ("exec", "the token of a credential plugin (exec)"),
        ("auth-provider", "the token of an auth provider"),
        ("password", "a user name and password"),
    ],
)
def test_no_credential_goes_over_plain_http(
    credential: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before the plugin runs and before any request: the server sees nothing."""
    (tmp_path / "token").write_text(TOKEN)
    user = {
        "token": {"token": TOKEN},
        "tokenFile": {"tokenFile": str(tmp_path / "token")},
        "exec": exec_plugin(tmp_path, PLUGIN_THAT_LEAVES_A_MARK),
        "auth-provider": {"auth-provider": {"name": "oidc", "config": {"id-token": TOKEN}}},
        "password": {"username": "admin", "password": "s3cr3t-password"},
    }[credential]
    out = tmp_path / "out"
    out.mkdir()
    with from_bundle(EXAMPLES / "healthy", tls=None) as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url, user=user)
        code, stdout, stderr = run_cli(
            capsys, "collect", "--kubeconfig", str(kubeconfig), "-o", str(out / "b")
        )
    assert emulator.url.startswith("http://")
    assert emulator.requests == []  # so no Authorization header either
    assert not (tmp_path / "plugin-ran").exists()
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"arcsupport: error: kubeconfig {kubeconfig}: context 'contoso' would send {named} to "
        f"{emulator.url} over plain HTTP, where anyone on the way can read it; refused (kubectl "
        "does not send credentials over HTTP either): use the API server's https:// address\n"
    )
    assert list(out.iterdir()) == []


def test_plain_http_without_credentials_is_still_read(tmp_path: Path) -> None:
    """`kubectl proxy` holds the credentials and listens on plain HTTP: nothing to protect."""
    with from_bundle(EXAMPLES / "healthy", tls=None, token=None) as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url, user={})
        bundle = collect(tmp_path, emulator, kubeconfig=kubeconfig)
    assert all("authorization" not in request.headers for request in emulator.requests)
    assert len(items(bundle, "pods")) == emulator.served("pods").count


def _all_bytes(bundle: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(bundle.rglob("*")) if path.is_file())


# --------------------------------------------------------------------------- the command


def test_collect_then_check_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with from_bundle(EXAMPLES / "deprecated-version") as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url)
        code, stdout, stderr = run_cli(
            capsys, "collect", "--kubeconfig", str(kubeconfig), "-o", str(out / "b.tar.gz")
        )
    assert (code, stderr) == (0, "")  # quiet: stderr is not a terminal here
    objects = sum(emulator.served(kind.plural).count for kind in KINDS)
    assert stdout == f"wrote {out / 'b.tar.gz'}: {objects:,} Kubernetes objects\n"
    assert len(emulator.requests) == len(DISCOVERY) + len(KINDS)  # every list fits one page
    assert [path.name for path in out.iterdir()] == ["b.tar.gz"]
    code, stdout, _ = run_cli(capsys, "check", str(out / "b.tar.gz"), "--at", WHEN, "-o", "json")
    result = json.loads(stdout)
    assert result["cluster"]["name"] == "contoso-aks-01"
    assert result["cluster"]["kubernetes_version"] == "1.28.14"
    assert any(f["rule"] == "version-lifecycle" for f in result["findings"])


def test_progress_on_a_terminal_only() -> None:
    screen = StringIO()
    with TerminalProgress(Console(file=screen, force_terminal=True, width=100)) as progress:
        progress.update("kubernetes/pods", items=500, pages=1, total=1200)
        progress.update("kubernetes/pods", items=1200, pages=3)
        progress.finish("kubernetes/pods", "done")
        progress.finish("kubernetes/metrics", "not collected")
    shown = screen.getvalue()
    assert "kubernetes/pods" in shown and "1,200 items, 3 pages" in shown
    assert "not collected" in shown
    assert progress.tally["kubernetes/pods"].items == 1200
    quiet = StringIO()
    with TerminalProgress(Console(file=quiet, force_terminal=False)) as progress:
        progress.update("kubernetes/pods", items=1, pages=1)
        progress.finish("kubernetes/pods", "done")
        progress.say("Azure: connected cluster")
    assert quiet.getvalue() == "" and progress.tally["kubernetes/pods"].outcome == "done"


def test_the_client_is_imported_only_when_collecting() -> None:
    code = "import sys, arcsupport.cli.app; assert 'kubernetes' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- faults


@contextmanager
def _budgeted(handle: BinaryIO, budget: int) -> Iterator[BinaryIO]:
    """A file that takes `budget` bytes, then fails as a full disk does."""

    class Full:
        written = 0

        def write(self, data: bytes) -> int:
            if Full.written + len(data) > budget:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            Full.written += len(data)
            return handle.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(handle, name)

    yield Full()  # type: ignore[misc]


PLUGIN_THAT_FAILS = """import os, sys
secret = os.environ["AAD_SERVICE_PRINCIPAL_CLIENT_SECRET"]
sys.stderr.write(f"AADSTS7000215: {sys.argv[-1]}, {secret}\\nTrace ID: 0f2a\\n")
sys.exit(1)
"""

FAULTS = (
    "unreachable",
    "not-yaml",
    "no-such-file",
    "no-such-context",
    "bad-user-entry",
    "failing-exec-plugin",
    "expired-token",
    "wrong-ca",
    "not-kubernetes",
    "disk-full",
)


@pytest.mark.parametrize("fault", FAULTS)
def test_faults_end_in_one_line_exit_2_and_nothing_written(
    fault: str,
    tmp_path: Path,
    ca: trustme.CA,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    secret = "tok-" + "9" * 24
    other_ca = trustme.CA()
    emulator = from_bundle(EXAMPLES / "healthy", tls=other_ca if fault == "wrong-ca" else ca)
    kubeconfig = tmp_path / "kubeconfig"
    args = ["collect", "--kubeconfig", str(kubeconfig), "-o", str(out / "b.tar.gz")]
    with emulator:
        user: dict[str, Any] = {"token": secret if fault == "expired-token" else TOKEN}
        server = emulator.url
        if fault == "unreachable":
            server = "https://127.0.0.1:9"  # discard: nothing listens
        if fault == "bad-user-entry":
            # No id-token: the client's message quotes the whole user entry, secret included.
            user = {"auth-provider": {"name": "oidc", "config": {"client-secret": secret}}}
        if fault == "failing-exec-plugin":
            # A plugin that echoes its secret argument and environment on a failure.
            user = exec_plugin(tmp_path, PLUGIN_THAT_FAILS)
        write_kubeconfig(kubeconfig, server, ca=ca, user=user)
        if fault == "not-yaml":
            kubeconfig.write_text("clusters: [\n  - name: {")
        if fault == "no-such-file":
            kubeconfig.unlink()
        if fault == "no-such-context":
            args += ["--context", "prod"]
        if fault == "not-kubernetes":
            emulator.version = {"status": "ok"}
        if fault == "disk-full":
            real_open = BundleWriter.open

            @contextmanager
            def open_on_a_full_disk(self: BundleWriter, name: str) -> Iterator[BinaryIO]:
                with real_open(self, name) as handle:
                    if name != "kubernetes/pods.json":
                        yield handle
                    else:
                        with _budgeted(handle, 3000) as full:
                            yield full

            monkeypatch.setattr(BundleWriter, "open", open_on_a_full_disk)
        code, stdout, stderr = run_cli(capsys, *args)
    assert code == 2, stderr
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("arcsupport: error: "), stderr
    assert secret not in stderr and "s3cr3t" not in stderr
    # The client's own log records (the plugin's stderr) reach no handler of the process.
    assert not [record for record in caplog.records if "kubernetes" in record.pathname]
    assert list(out.iterdir()) == []  # no bundle, no temporary folder, no partial tarball
    expected = {
        "unreachable": "https://127.0.0.1:9: cannot reach the API server: connection refused",
        "not-yaml": "cannot be read",
        "no-such-file": "no such kubeconfig file",
        "no-such-context": "has no context named 'prod' (it has: contoso)",
        "bad-user-entry": "context 'contoso': Invalid kube-config file.",
        "failing-exec-plugin": "the credential plugin of context 'contoso': exec: process "
        "returned 1. AADSTS7000215: [redacted], [redacted]",
        "expired-token": "refused the credentials (401 Unauthorized)",
        "wrong-ca": "TLS with the API server failed ([SSL: CERTIFICATE_VERIFY_FAILED]",
        "not-kubernetes": "does not answer like a Kubernetes API server",
        "disk-full": "the disk is full; nothing was written",
    }[fault]
    assert expected in stderr, stderr


def test_a_server_that_never_answers_in_time(tmp_path: Path) -> None:
    emulator = from_bundle(EXAMPLES / "healthy")
    emulator.faults.slow["pods"] = (100, 0.3)
    out = tmp_path / "out"
    out.mkdir()
    with emulator, pytest.raises(InputError) as error:
        collect(out, emulator, timeout=0.1)
    assert str(error.value) == (
        f"{emulator.url}: cannot reach the API server: no answer in time (read timed out) "
        f"(GET /api/v1/pods, {collector._ATTEMPTS} tries)"
    )
    assert [path.name for path in out.iterdir()] == ["kubeconfig"]


def test_azure_usage_mistakes_fail_before_the_cluster_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with from_bundle(EXAMPLES / "healthy") as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url)
        code, _, stderr = run_cli(
            capsys, "collect", "--kubeconfig", str(kubeconfig), "-o", str(tmp_path / "b"),
            "--subscription", "5f1c2b3a-7d4e-4c1b-9a8f-0e2d3c4b5a69",
        )  # fmt: skip
    assert code == 2 and "missing --resource-group, --name" in stderr
    assert emulator.requests == [] and not (tmp_path / "b").exists()


def test_in_cluster_outside_a_pod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    code, _, stderr = run_cli(capsys, "collect", "--in-cluster", "-o", str(tmp_path / "b"))
    assert (code, stderr) == (
        2,
        "arcsupport: error: --in-cluster: no service account here: Service host/port is not set.\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_in_cluster_excludes_a_kubeconfig(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = run_cli(
        capsys, "collect", "--in-cluster", "--context", "x", "-o", str(tmp_path / "b")
    )
    assert code == 2 and stderr.startswith("arcsupport: error: --in-cluster:")


def test_messages_name_no_credential(tmp_path: Path) -> None:
    """Whatever the collector says passes the scrubber: every string of the kubeconfig's user
    entries, and the token the client holds now (an exec plugin's or a service account's)."""
    scrub = collector._Scrubber()
    scrub.add_user(exec_plugin(tmp_path, "")["exec"] | {"token": "kubeconfig-token"})
    scrub.add_url_password("http://proxy-user:proxy-pass-123@proxy:3128")

    class Configuration:
        def __init__(self) -> None:
            self.api_key = {"BearerToken": "Bearer live-token-from-exec"}
            self.password = None

    scrub.watch(Configuration())
    line = scrub("refused kubeconfig-token, live-token-from-exec and proxy-pass-123: s3cr3t-env")
    assert line == "refused [redacted], [redacted] and [redacted]: [redacted]"


def test_the_emulator_serves_each_kind_where_the_collector_asks_by_default() -> None:
    for kind in KINDS:
        group, version, _ = BUILTIN[kind.plural]
        assert (group, version) == (kind.group, kind.version)
