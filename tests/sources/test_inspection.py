"""`arcsupport bundle inspect`: what a bundle holds, and the privacy check that must catch
whatever should not be shared, without ever printing it."""

from __future__ import annotations

import base64
import io
import json
import shutil
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import secret_samples
from arcsupport.sources.inspection import MAX_LISTED_HITS
from arcsupport.sources.live.kinds import KINDS
from arcsupport.sources.live.writer import BundleWriter
from helpers import EXAMPLES, kube_list, run_cli

HEALTHY = EXAMPLES / "healthy"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    yield run


def inspect_json(cli: Run, source: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = cli("bundle", "inspect", str(source), "--output", "json")
    assert err == ""
    document: dict[str, Any] = json.loads(out)
    return code, document


def tarball(source: Path, target: Path, top: str | None = "bundle") -> Path:
    """`tar czf target -C source/.. source` (with a top-level folder) or of its contents."""
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                name = str(path.relative_to(source))
                archive.add(path, arcname=f"{top}/{name}" if top else name)
    return target


def healthy_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HEALTHY, tmp_path / "bundle"))


# --- a clean bundle --------------------------------------------------------------------------


def expected_files(root: Path) -> list[dict[str, Any]]:
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        items = None
        if path.suffix == ".json":
            content = json.loads(path.read_bytes())
            if isinstance(content, list):
                items = len(content)
            elif isinstance(content, dict) and isinstance(content.get("items"), list):
                items = len(content["items"])
            elif isinstance(content, dict) and isinstance(content.get("value"), list):
                items = len(content["value"])
        files.append(
            {"name": str(path.relative_to(root)), "size": path.stat().st_size, "items": items}
        )
    return files


def test_clean_example_bundle(cli: Run) -> None:
    code, report = inspect_json(cli, HEALTHY)
    assert code == 0
    assert report["schema"] == "arcsupport.bundle-inspection/v1"
    assert report["files"] == expected_files(HEALTHY)
    by_name = {file["name"]: file for file in report["files"]}
    assert by_name["kubernetes/pods.json"]["items"] == 32
    assert by_name["kubernetes/nodes.json"]["items"] == 4
    assert by_name["azure/agent-pools.json"]["items"] == 2
    assert by_name["kubernetes/version.json"]["items"] is None
    present = {entry["kind"]: entry["items"] for entry in report["kinds"]["present"]}
    assert present == {
        "daemonsets": 3,
        "deployments": 14,
        "namespaces": 6,
        "nodes": 4,
        "pods": 32,
        "services": 6,
    }
    missing = [entry["kind"] for entry in report["kinds"]["missing"]]
    assert missing == [kind.plural for kind in KINDS if kind.plural not in present]
    assert {entry["reason"] for entry in report["kinds"]["missing"]} == {"not in the bundle"}
    assert "kubernetes/metrics" in report["parts"]["present"]
    assert report["parts"]["missing"] == []
    assert report["manifest"]["cluster"]["name"] == "contoso-healthy"
    assert report["manifest"]["collected_at"] == "2025-09-14T09:30:12Z"
    assert report["privacy"] == {"clean": True, "hits_total": 0, "hits": []}
    assert report["archive_size"] is None


def test_clean_example_table(cli: Run) -> None:
    code, out, err = cli("bundle", "inspect", str(HEALTHY))
    assert (code, err) == (0, "")
    out = " ".join(out.split())  # 80 columns wrap the long lines
    assert "Privacy check: clean" in out
    assert "kubernetes/pods.json" in out
    assert "pods (32)" in out
    assert "missing (not in the bundle): statefulsets, ingresses" in out
    assert "cluster: contoso-healthy" in out


@pytest.mark.parametrize("top", ["bundle", None])
def test_tarball_reads_like_the_directory(tmp_path: Path, cli: Run, top: str | None) -> None:
    archive = tarball(HEALTHY, tmp_path / "healthy.tar.gz", top)
    code, report = inspect_json(cli, archive)
    _, directory = inspect_json(cli, HEALTHY)
    assert code == 0
    assert report["archive_size"] == archive.stat().st_size
    prefix = f"{top}/" if top else ""
    assert report["files"] == [
        {**file, "name": prefix + file["name"]} for file in directory["files"]
    ]
    for key in ("kinds", "parts", "manifest", "privacy"):
        assert report[key] == directory[key]


@pytest.mark.parametrize(
    "example",
    sorted(path.name for path in EXAMPLES.iterdir() if (path / "manifest.json").is_file()),
)
def test_every_example_is_clean(cli: Run, example: str) -> None:
    code, report = inspect_json(cli, EXAMPLES / example)
    assert code == 0
    assert report["privacy"]["clean"] is True


def test_a_collected_bundle_shows_its_manifest(tmp_path: Path, cli: Run) -> None:
    """Written by the collector's own BundleWriter: what was not collected and redacted."""
    target = tmp_path / "collected.tar.gz"
    with BundleWriter(target, datetime(2025, 9, 14, 9, 30, tzinfo=UTC)) as writer:
        writer.cluster.name = "contoso"
        writer.write_bytes(
            "kubernetes/nodes.json", (HEALTHY / "kubernetes/nodes.json").read_bytes()
        )
        writer.not_collected("kubernetes/ingresses", "forbidden (403): ingresses is forbidden")
        writer.not_collected("kubernetes/metrics", "forbidden (403): /metrics")
        writer.redacted("environment variable values", 12)
        writer.redacted("last-applied-configuration annotations", 3)
    code, report = inspect_json(cli, target)
    assert code == 0
    manifest = report["manifest"]
    assert manifest["collector"].startswith("arcsupport ")
    assert manifest["redacted"] == [
        {"what": "environment variable values", "count": 12},
        {"what": "last-applied-configuration annotations", "count": 3},
    ]
    missing = {entry["kind"]: entry["reason"] for entry in report["kinds"]["missing"]}
    assert missing["ingresses"] == "forbidden (403): ingresses is forbidden"
    assert missing["pods"] == "not in the bundle"
    parts = {entry["part"]: entry["reason"] for entry in report["parts"]["missing"]}
    assert parts["kubernetes/metrics"] == "forbidden (403): /metrics"
    code, out, _ = cli("bundle", "inspect", str(target))
    assert code == 0
    out = " ".join(out.split())
    assert "redacted: environment variable values 12" in out
    assert "missing (forbidden (403): ingresses is forbidden): ingresses" in out
    assert "collector: arcsupport " in out


# --- what must not be shared -----------------------------------------------------------------

SECRET = "s3cr3t-Value-That-Must-Not-Leak"
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ."
    "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0."
    "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"
)
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA"
    + SECRET
    + "\n-----END RSA PRIVATE KEY-----\n"
)
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIC" + SECRET + "\n-----END CERTIFICATE-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def pod(name: str, **extra: dict[str, Any]) -> dict[str, Any]:
    """A Pod in namespace apps; `extra` fields are merged into metadata or spec."""
    item: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"containers": [{"name": "app", "image": "example/app:1"}]},
    }
    for key, value in extra.items():
        item[key].update(value)
    return item


def annotated(name: str, value: str, key: str = "example.com/note") -> dict[str, Any]:
    return pod(name, metadata={"annotations": {key: value}})


def with_env(env: list[dict[str, Any]]) -> dict[str, Any]:
    item = pod("web")
    item["spec"]["containers"][0]["env"] = env
    return item


def secret(payload: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "apps"},
        "type": "Opaque",
        payload: {"password": b64(SECRET) if payload == "data" else SECRET},
    }


def deployment_with_env() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "apps"},
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "migrate", "env": [{"name": "X", "value": "1"}]}],
                    "containers": [
                        {"name": "api", "env": [{"name": "DB_PASSWORD", "value": SECRET}]}
                    ],
                }
            }
        },
    }


# (file, content, [(object, field, problem)])
SENSITIVE: dict[str, tuple[str, Any, list[tuple[str, str, str]]]] = {
    "secret-data": (
        "kubernetes/secrets.json",
        kube_list([secret("data")], "SecretList"),
        [("Secret apps/db", "data", "Secret payload (1 key)")],
    ),
    "secret-string-data": (
        "kubernetes/secrets.json",
        kube_list([secret("stringData")]),
        [("Secret apps/db", "stringData", "Secret payload (1 key)")],
    ),
    "env-value": (
        "kubernetes/pods.json",
        kube_list([with_env([{"name": "DB_PASSWORD", "value": SECRET}])]),
        [
            (
                "Pod apps/web",
                "spec.containers[app].env[DB_PASSWORD].value",
                "environment variable value",
            )
        ],
    ),
    "env-values-in-a-template": (
        "kubernetes/deployments.json",
        kube_list([deployment_with_env()]),
        [
            (
                "Deployment apps/api",
                "spec.template.spec.initContainers[migrate].env[X].value",
                "environment variable value",
            ),
            (
                "Deployment apps/api",
                "spec.template.spec.containers[api].env[DB_PASSWORD].value",
                "environment variable value",
            ),
        ],
    ),
    "full-last-applied": (
        "kubernetes/pods.json",
        kube_list(
            [
                annotated(
                    "web",
                    json.dumps({"apiVersion": "v1", "kind": "Pod", "spec": {"password": SECRET}}),
                    LAST_APPLIED,
                )
            ]
        ),
        [
            (
                "Pod apps/web",
                f'metadata.annotations["{LAST_APPLIED}"]',
                "last-applied-configuration with more than apiVersion and kind",
            )
        ],
    ),
    "jwt": (
        "kubernetes/pods.json",
        kube_list([annotated("web", f"token={JWT}")]),
        [("Pod apps/web", 'metadata.annotations["example.com/note"]', "bearer token (JWT)")],
    ),
    "bearer-header": (
        "kubernetes/pods.json",
        kube_list(
            [
                pod(
                    "web",
                    spec={
                        "containers": [
                            {"name": "app", "args": [f"--header=Authorization: Bearer {SECRET}"]}
                        ]
                    },
                )
            ]
        ),
        [("Pod apps/web", "spec.containers[app].args[0]", "bearer token")],
    ),
    "bootstrap-token": (
        "kubernetes/nodes.json",
        kube_list(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": "n1", "annotations": {"join": "07401b.f395accd246ae52d"}},
                }
            ]
        ),
        [("Node n1", "metadata.annotations.join", "bootstrap token")],
    ),
    "private-key": (
        "kubernetes/pods.json",
        kube_list([annotated("web", PRIVATE_KEY)]),
        [("Pod apps/web", 'metadata.annotations["example.com/note"]', "private key (PEM)")],
    ),
    "base64-private-key": (
        "kubernetes/pods.json",
        kube_list([annotated("web", b64(PRIVATE_KEY))]),
        [("Pod apps/web", 'metadata.annotations["example.com/note"]', "private key (base64 PEM)")],
    ),
    "client-certificate": (
        "kubernetes/pods.json",
        kube_list([annotated("web", b64(CERTIFICATE), "example.com/client-cert")]),
        [
            (
                "Pod apps/web",
                'metadata.annotations["example.com/client-cert"]',
                "client certificate (base64 PEM)",
            )
        ],
    ),
    "kubeconfig-fields": (
        "azure/notes.yaml",
        "users:\n- name: admin\n  user:\n"
        f"    client-certificate-data: {b64(CERTIFICATE)}\n    token: {SECRET}\n",
        [
            (
                "-",
                "users[admin].user.client-certificate-data",
                "credential field (client-certificate-data)",
            ),
            ("-", "users[admin].user.token", "credential field (token)"),
        ],
    ),
    "yaml-with-a-number-for-a-key": (
        "facts.yaml",
        f"host_platform: {{kind: azure-local}}\n8080:\n  note: {JWT}\n",
        [("-", '["8080"].note', "bearer token (JWT)")],
    ),
    "token-in-metrics": (
        "kubernetes/metrics.txt",
        f'# HELP x\nx{{a="1"}} 1\nauth{{header="Bearer {SECRET}"}} 1\n',
        [("line 3", "-", "bearer token")],
    ),
    "token-in-an-arm-payload": (
        "azure/connected-cluster.json",
        {
            "name": "contoso",
            "type": "Microsoft.Kubernetes/connectedClusters",
            "properties": {"accessToken": SECRET},
        },
        [("contoso", "properties.accessToken", "credential field (accessToken)")],
    ),
}


def write(root: Path, name: str, content: Any) -> None:
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content if isinstance(content, str) else json.dumps(content))


@pytest.mark.parametrize("case", sorted(SENSITIVE))
@pytest.mark.parametrize("packed", [False, True], ids=["directory", "tarball"])
def test_sensitive_content_is_named_not_printed(
    tmp_path: Path, cli: Run, case: str, packed: bool
) -> None:
    name, content, expected = SENSITIVE[case]
    root = healthy_copy(tmp_path)
    write(root, name, content)
    source = tarball(root, tmp_path / "b.tar.gz", top=None) if packed else root
    code, report = inspect_json(cli, source)
    assert code == 1
    hits = [
        (hit["file"], hit["object"], hit["field"], hit["problem"])
        for hit in report["privacy"]["hits"]
    ]
    assert sorted(hits) == sorted((name, *hit) for hit in expected)
    assert report["privacy"]["hits_total"] == len(expected)
    assert report["privacy"]["clean"] is False
    code, out, err = cli("bundle", "inspect", str(source))
    assert code == 1
    assert f"Privacy check: {len(expected)} sensitive place" in out
    for object_name, _, problem in expected:
        assert problem in " ".join(out.split())
        if object_name != "-":
            assert object_name in out
    for leaked in (SECRET, b64(SECRET), JWT, "07401b.f395accd246ae52d", "MIIEowIBAAKCAQEA"):
        for text in (out, err, json.dumps(report)):
            assert leaked not in text


# --- secrets in any string --------------------------------------------------------------------

STORAGE_KEY = secret_samples.storage_account_key()
SAS_URL = secret_samples.sas_url()
AWS_KEY_ID = secret_samples.aws_access_key_id()
SERVICE_JWT = secret_samples.jwt()
POSTGRES_URL = secret_samples.SECRETS["postgres-url"][0]()
SLACK_WEBHOOK = secret_samples.SECRETS["slack-webhook"][0]()
GITHUB_TOKEN = secret_samples.SECRETS["github-classic"][0]()
SQL_PASSWORD = secret_samples.password()
GENERATED = (
    STORAGE_KEY,
    SAS_URL,
    AWS_KEY_ID,
    SERVICE_JWT,
    POSTGRES_URL,
    SLACK_WEBHOOK,
    GITHUB_TOKEN,
    SQL_PASSWORD,
)


def uploader() -> dict[str, Any]:
    """The issue's case: a storage key, a SAS URL and an AWS key in container arguments."""
    return pod(
        "uploader",
        spec={
            "containers": [
                {
                    "name": "app",
                    "image": "contoso.azurecr.io/uploader:2.1",
                    "command": ["/bin/sh", "-c", f"curl -H 'Authorization: Bearer {SERVICE_JWT}'"],
                    "args": [
                        f"--account-key={STORAGE_KEY}",
                        SAS_URL,
                        "--region=westeurope",
                        f"--aws-access-key-id={AWS_KEY_ID}",
                    ],
                    "env": [{"name": "GITHUB_TOKEN", "value": GITHUB_TOKEN}],
                }
            ]
        },
    )


def deployment_annotated() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "orders",
            "namespace": "apps",
            "labels": {"aws-key": AWS_KEY_ID},
            "annotations": {"contoso.com/database": POSTGRES_URL},
        },
        "spec": {
            "template": {
                "metadata": {"annotations": {"contoso.com/alerts": SLACK_WEBHOOK}},
                "spec": {"containers": [{"name": "orders", "image": "contoso/orders:1"}]},
            }
        },
    }


def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "apps"},
        "data": data,
    }


def connected_cluster_tagged() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((HEALTHY / "azure/connected-cluster.json").read_text())
    document["tags"] = {**(document.get("tags") or {}), "backupTarget": SAS_URL}
    return document


SAS = "Azure shared access signature (SAS)"
# (file, content, [(object, field, problem)])
SECRETS_ANYWHERE: dict[str, tuple[str, Any, list[tuple[str, str, str]]]] = {
    "container-args-and-command": (
        "kubernetes/pods.json",
        kube_list([uploader()]),
        [
            ("Pod apps/uploader", "spec.containers[app].command[2]", "bearer token (JWT)"),
            (
                "Pod apps/uploader",
                "spec.containers[app].args[0]",
                "64-byte base64 key (an Azure storage account key's format)",
            ),
            ("Pod apps/uploader", "spec.containers[app].args[1]", SAS),
            ("Pod apps/uploader", "spec.containers[app].args[3]", "AWS access key"),
            (
                "Pod apps/uploader",
                "spec.containers[app].env[GITHUB_TOKEN].value",
                "environment variable value (GitHub token)",
            ),
        ],
    ),
    "annotations-and-labels": (
        "kubernetes/deployments.json",
        kube_list([deployment_annotated()]),
        [
            ("Deployment apps/orders", "metadata.labels.aws-key", "AWS access key"),
            (
                "Deployment apps/orders",
                'metadata.annotations["contoso.com/database"]',
                "connection string or URL with a password",
            ),
            (
                "Deployment apps/orders",
                'spec.template.metadata.annotations["contoso.com/alerts"]',
                "Slack token",
            ),
        ],
    ),
    "config-map-data": (
        "kubernetes/configmaps.json",
        kube_list(
            [
                config_map(
                    "orders-settings",
                    {
                        "appsettings.json": json.dumps(
                            {
                                "ConnectionStrings": {
                                    "Orders": "Server=tcp:orders.database.windows.net,1433;"
                                    f"User ID=app;Password={SQL_PASSWORD};Encrypt=True;"
                                }
                            }
                        ),
                        "log-level": "info",
                    },
                )
            ]
        ),
        [
            (
                "ConfigMap apps/orders-settings",
                'data["appsettings.json"]',
                "connection string or URL with a password",
            )
        ],
    ),
    "azure-payload": (
        "azure/connected-cluster.json",
        connected_cluster_tagged(),
        [("contoso-healthy", "tags.backupTarget", SAS)],
    ),
    "metrics-text": (
        "kubernetes/metrics.txt",
        f'# HELP x\nupload_total{{target="{SAS_URL}"}} 3\n',
        [("line 2", "-", SAS)],
    ),
}


@pytest.mark.parametrize("case", sorted(SECRETS_ANYWHERE))
def test_secrets_in_any_string_are_named_by_kind(tmp_path: Path, cli: Run, case: str) -> None:
    name, content, expected = SECRETS_ANYWHERE[case]
    root = healthy_copy(tmp_path)
    write(root, name, content)
    code, report = inspect_json(cli, root)
    assert code == 1
    hits = [
        (hit["file"], hit["object"], hit["field"], hit["problem"])
        for hit in report["privacy"]["hits"]
    ]
    assert sorted(hits) == sorted((name, *hit) for hit in expected)
    code, out, err = cli("bundle", "inspect", str(root))
    assert code == 1
    for _, _, problem in expected:
        assert problem in " ".join(out.split())
    for leaked in GENERATED:
        for text in (out, err, json.dumps(report)):
            assert leaked not in text


NOT_SENSITIVE: dict[str, tuple[str, Any]] = {
    # What the collector leaves behind once it has redacted.
    "last-applied-stub": (
        "kubernetes/pods.json",
        kube_list([annotated("web", '{"apiVersion":"v1","kind":"Pod"}', LAST_APPLIED)]),
    ),
    "env-without-values": (
        "kubernetes/pods.json",
        kube_list(
            [
                with_env(
                    [
                        {
                            "name": "FROM_FIELD",
                            "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                        },
                        {"name": "EMPTY", "value": ""},
                        {"name": "NAME_ONLY"},
                    ]
                )
            ]
        ),
    ),
    # --helm-secrets: metadata only.
    "helm-secret-metadata": (
        "kubernetes/secrets.json",
        {
            "apiVersion": "meta.k8s.io/v1",
            "kind": "PartialObjectMetadataList",
            "items": [
                {
                    "apiVersion": "meta.k8s.io/v1",
                    "kind": "PartialObjectMetadata",
                    "metadata": {
                        "name": "sh.helm.release.v1.web.v3",
                        "namespace": "apps",
                        "labels": {"owner": "helm", "name": "web", "status": "deployed"},
                    },
                }
            ],
        },
    ),
    # A CA bundle is public: webhook configurations carry one.
    "webhook-ca-bundle": (
        "kubernetes/mutatingwebhookconfigurations.json",
        kube_list(
            [
                {
                    "apiVersion": "admissionregistration.k8s.io/v1",
                    "kind": "MutatingWebhookConfiguration",
                    "metadata": {"name": "istio-sidecar-injector"},
                    "webhooks": [
                        {"name": "sidecar", "clientConfig": {"caBundle": b64(CERTIFICATE)}}
                    ],
                }
            ]
        ),
    ),
    # Certificates are public: the cluster's CA in its ConfigMap and in annotations, as PEM
    # and in base64.
    "ca-bundles": (
        "kubernetes/configmaps.json",
        kube_list(
            [
                config_map("kube-root-ca.crt", {"ca.crt": secret_samples.certificate_pem()}),
                {
                    **config_map("trust", {}),
                    "metadata": {
                        "name": "trust",
                        "namespace": "apps",
                        "annotations": {
                            "contoso.com/ca-bundle": b64(secret_samples.certificate_pem())
                        },
                    },
                },
            ]
        ),
    ),
    "digests-ids-and-references": (
        "kubernetes/pods.json",
        kube_list(
            [
                pod(
                    "web",
                    metadata={"uid": secret_samples.BENIGN["uuid-upper"]()},
                    spec={
                        "containers": [
                            {
                                "name": "app",
                                "image": secret_samples.BENIGN["image-digest"](),
                                "args": [
                                    secret_samples.BENIGN["password-reference-in-url"](),
                                    secret_samples.BENIGN["password-file-flag"](),
                                    secret_samples.BENIGN["key-file-flags"](),
                                    secret_samples.BENIGN["sha512-integrity"](),
                                ],
                            }
                        ]
                    },
                )
            ]
        ),
    ),
    "words-that-look-alike": (
        "kubernetes/pods.json",
        kube_list(
            [
                annotated(
                    "web", "bearer token auth; see mcr.microsoft.com/abcdef.ghijklmnopqrstuv.io"
                )
            ]
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_SENSITIVE))
def test_what_the_collector_keeps_is_clean(tmp_path: Path, cli: Run, case: str) -> None:
    name, content = NOT_SENSITIVE[case]
    root = healthy_copy(tmp_path)
    write(root, name, content)
    code, report = inspect_json(cli, root)
    assert report["privacy"]["hits"] == []
    assert code == 0


def test_hits_are_counted_all_and_listed_up_to_a_limit(tmp_path: Path, cli: Run) -> None:
    root = healthy_copy(tmp_path)
    pods = []
    for index in range(MAX_LISTED_HITS + 200):
        item = with_env([{"name": "TOKEN", "value": SECRET}])
        item["metadata"]["name"] = f"web-{index}"
        pods.append(item)
    write(root, "kubernetes/pods.json", kube_list(pods))
    code, report = inspect_json(cli, root)
    assert code == 1
    assert report["privacy"]["hits_total"] == MAX_LISTED_HITS + 200
    assert len(report["privacy"]["hits"]) == MAX_LISTED_HITS
    code, out, _ = cli("bundle", "inspect", str(root))
    assert code == 1
    assert (
        f"... and {MAX_LISTED_HITS + 150} more (--output json lists up to {MAX_LISTED_HITS})" in out
    )
    assert SECRET not in out


def test_escaped_json_does_not_hide_a_hit(tmp_path: Path, cli: Run) -> None:
    """The raw-byte prefilter must not be fooled by JSON escapes."""
    root = healthy_copy(tmp_path)
    item = with_env([{"name": "DB_PASSWORD", "value": SECRET}])
    text = json.dumps(kube_list([item])).replace('"env"', '"\\u0065nv"')
    write(root, "kubernetes/pods.json", text)
    code, report = inspect_json(cli, root)
    assert code == 1
    assert report["privacy"]["hits"][0]["field"] == "spec.containers[app].env[DB_PASSWORD].value"


# --- bad input -------------------------------------------------------------------------------


def assert_refused(result: tuple[int, str, str], *expected: str) -> None:
    code, out, err = result
    assert code == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("arcsupport: error: ")
    for part in expected:
        assert part in lines[0]


def test_missing_bundle(tmp_path: Path, cli: Run) -> None:
    assert_refused(cli("bundle", "inspect", str(tmp_path / "nope")), "no such bundle")


def test_not_a_tarball(tmp_path: Path, cli: Run) -> None:
    junk = tmp_path / "bundle.tar.gz"
    junk.write_bytes(b"this is not an archive")
    assert_refused(cli("bundle", "inspect", str(junk)), "not a readable .tar.gz bundle")


def test_truncated_tarball(tmp_path: Path, cli: Run) -> None:
    whole = tarball(HEALTHY, tmp_path / "whole.tar.gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    assert_refused(cli("bundle", "inspect", str(cut)), "cut.tar.gz")


def test_hostile_tarball(tmp_path: Path, cli: Run) -> None:
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as archive:
        data = b"{}"
        member = tarfile.TarInfo("../manifest.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    assert_refused(cli("bundle", "inspect", str(hostile)), "climbs out of the bundle")


def test_not_a_bundle(tmp_path: Path, cli: Run) -> None:
    """A `kubectl cluster-info dump` folder or any other folder: nothing of the layout."""
    (tmp_path / "dump" / "kube-system").mkdir(parents=True)
    (tmp_path / "dump" / "nodes.json").write_text(json.dumps(kube_list([])))
    (tmp_path / "dump" / "kube-system" / "pods.json").write_text(json.dumps(kube_list([])))
    assert_refused(cli("bundle", "inspect", str(tmp_path / "dump")), "holds nothing of a bundle")
    (tmp_path / "empty").mkdir()
    assert_refused(cli("bundle", "inspect", str(tmp_path / "empty")), "holds nothing of a bundle")


def test_malformed_json(tmp_path: Path, cli: Run) -> None:
    root = healthy_copy(tmp_path)
    (root / "kubernetes" / "pods.json").write_text('{"items": [{"kind": "Pod"')
    assert_refused(cli("bundle", "inspect", str(root)), "kubernetes/pods.json")


def test_wrong_manifest_format(tmp_path: Path, cli: Run) -> None:
    root = healthy_copy(tmp_path)
    (root / "manifest.json").write_text('{"format": "something-else/v9"}')
    assert_refused(cli("bundle", "inspect", str(root)), "is not 'arcsupport-bundle/v1'")


def test_link_out_of_the_bundle(tmp_path: Path, cli: Run) -> None:
    root = healthy_copy(tmp_path)
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (root / "kubernetes" / "extra.json").symlink_to(outside)
    assert_refused(cli("bundle", "inspect", str(root)), "points outside the bundle")
