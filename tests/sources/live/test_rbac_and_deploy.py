"""`arcsupport rbac` and deploy/: least privilege generated from collect/kinds.py, manifests
valid against the Kubernetes OpenAPI schemas, a CronJob whose script really collects and
prunes, and a Containerfile that builds what the CronJob runs."""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import typer.main
import yaml

from arcsupport.cli.app import registered
from arcsupport.rules.registry import load_rules
from arcsupport.sources.live import rbac
from arcsupport.sources.live.kinds import HELM_SECRETS, KINDS, NON_RESOURCE_URLS
from arcsupport.version import __version__
from helpers import ROOT, run_cli

DEPLOY = ROOT / "deploy"
# AKS Arc ships 1.29 to 1.31 as this is written; kubernetes-validate has schemas for each.
KUBERNETES_VERSION = "1.31.0"
READ_VERBS = {"get", "list", "watch"}

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run


# Not Kubernetes objects: the service's Prometheus rules (checked by promtool in
# tests/service/web/test_monitoring.py).
MONITORING = DEPLOY / "prometheus"


def manifests() -> list[Path]:
    return sorted(
        path
        for path in DEPLOY.rglob("*.yaml")
        if path.name != "kustomization.yaml" and MONITORING not in path.parents
    )


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text())
    return document


def cronjob_pod() -> dict[str, Any]:
    pod: dict[str, Any] = load("cronjob.yaml")["spec"]["jobTemplate"]["spec"]["template"]
    return pod


def collector() -> dict[str, Any]:
    (container,) = cronjob_pod()["spec"]["containers"]
    assert isinstance(container, dict)
    return container


# --- schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", manifests(), ids=lambda path: str(path.relative_to(DEPLOY)))
def test_manifest_is_valid_against_the_kubernetes_schemas(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert len(documents) == 1, "one object per file"
    kubernetes_validate.validate(documents[0], KUBERNETES_VERSION, strict=True)


def test_the_validator_is_strict() -> None:
    """An unknown field (a typo) must fail, or the test above proves nothing."""
    cronjob = load("cronjob.yaml")
    broken = copy.deepcopy(cronjob)
    broken["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0][
        "securityContxt"
    ] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    wrong_type = copy.deepcopy(cronjob)
    wrong_type["spec"]["successfulJobsHistoryLimit"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong_type, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_object_and_the_image() -> None:
    kustomization = load("kustomization.yaml")
    top_level = sorted(
        path.name for path in DEPLOY.glob("*.yaml") if path.name != "kustomization.yaml"
    )
    assert sorted(kustomization["resources"]) == top_level
    kinds = sorted(load(name)["kind"] for name in top_level)
    assert kinds == sorted(
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "PersistentVolumeClaim",
            "CronJob",
        ]
    )
    (image,) = kustomization["images"]
    assert collector()["image"] == f"{image['name']}:{__version__}"
    assert image["newTag"] == __version__
    (reader,) = load("tools/bundle-reader.yaml")["spec"]["containers"]
    assert reader["image"] == collector()["image"]


# --- the ClusterRole -------------------------------------------------------------------------


def test_printed_rbac_is_what_deploy_ships(cli: Run) -> None:
    code, out, err = cli("rbac")
    assert (code, err) == (0, "")
    role_text = (DEPLOY / "clusterrole.yaml").read_text()
    binding_text = (DEPLOY / "clusterrolebinding.yaml").read_text()
    stale = (
        "deploy/ is out of date: write rbac.cluster_role_yaml() and "
        "rbac.cluster_role_binding_yaml() to deploy/clusterrole.yaml and clusterrolebinding.yaml"
    )
    assert role_text == rbac.cluster_role_yaml(), stale
    assert binding_text == rbac.cluster_role_binding_yaml(), stale
    # Byte for byte, comments included: `arcsupport rbac > x` and deploy/ never drift apart.
    assert out.startswith(role_text + "---\n" + binding_text)
    printed = [doc for doc in yaml.safe_load_all(out) if doc is not None]
    assert printed == [load("clusterrole.yaml"), load("clusterrolebinding.yaml")]
    assert printed == [rbac.cluster_role(), rbac.cluster_role_binding()]


def test_binding_names_deploys_service_account() -> None:
    binding = load("clusterrolebinding.yaml")
    account = load("serviceaccount.yaml")
    assert binding["roleRef"]["name"] == load("clusterrole.yaml")["metadata"]["name"]
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": account["metadata"]["namespace"],
        }
    ]
    assert account["metadata"]["namespace"] == load("namespace.yaml")["metadata"]["name"]
    assert cronjob_pod()["spec"]["serviceAccountName"] == account["metadata"]["name"]


def walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(item for child in value.values() for item in walk(child))]
    if isinstance(value, list):
        return [value, *(item for child in value for item in walk(child))]
    return [value]


@pytest.mark.parametrize("helm_secrets", [False, True])
def test_cluster_role_is_least_privilege(helm_secrets: bool, cli: Run) -> None:
    code, out, _ = cli("rbac", *(["--helm-secrets"] if helm_secrets else []))
    assert code == 0
    role = next(yaml.safe_load_all(out))
    assert role["kind"] == "ClusterRole"
    assert "*" not in json.dumps(role), "no wildcard anywhere"
    rules = role["rules"]
    granted: set[tuple[str, str]] = set()
    for rule in rules:
        assert set(rule) <= {"apiGroups", "resources", "verbs", "nonResourceURLs"}
        assert set(rule["verbs"]) <= READ_VERBS
        for group in rule.get("apiGroups", []):
            for resource in rule["resources"]:
                assert (group, resource) not in granted, "each resource in one rule"
                granted.add((group, resource))
    expected = {(kind.group, kind.plural) for kind in KINDS}
    if helm_secrets:
        expected.add(("", "secrets"))
    assert granted == expected
    secret_rules = [rule for rule in rules if "secrets" in rule.get("resources", [])]
    if helm_secrets:
        assert [rule["verbs"] for rule in secret_rules] == [["list"]]
        assert HELM_SECRETS.plural == "secrets"
    else:
        assert secret_rules == []
        assert "secrets" not in out
    url_rules = [rule for rule in rules if "nonResourceURLs" in rule]
    assert url_rules == [{"nonResourceURLs": list(NON_RESOURCE_URLS), "verbs": ["get"]}]
    assert {"/version", "/metrics"} <= set(NON_RESOURCE_URLS)


def test_every_rule_says_why_it_is_there() -> None:
    text = rbac.cluster_role_yaml(helm_secrets=True)
    for kind in (*KINDS, HELM_SECRETS):
        if kind is not HELM_SECRETS:
            assert f"# {kind.plural}: {kind.purpose}\n" in text
    for url in NON_RESOURCE_URLS:
        assert f"# {url}: " in text
    # The warning sits right above the Secrets rule, where a reviewer of the YAML looks.
    before_rule = text.split("- apiGroups:\n  - ''\n  resources:\n  - secrets\n")[0]
    assert before_rule.rstrip().endswith("worth that.")
    assert "metadata only (PartialObjectMetadataList)" in before_rule


def test_namespace_and_service_account_options(cli: Run) -> None:
    code, out, _ = cli("rbac", "--namespace", "ops", "--service-account", "reader")
    assert code == 0
    binding = list(yaml.safe_load_all(out))[1]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "reader", "namespace": "ops"}]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--namespace", "Ops"),
        ("--namespace", "ops.team"),
        ("--namespace", "a" * 64),
        ("--service-account", "reader bot"),
        ("--service-account", "-reader"),
        ("--service-account", ""),
    ],
)
def test_names_the_api_server_would_refuse(cli: Run, option: str, value: str) -> None:
    code, out, err = cli("rbac", option, value)
    assert code == 2
    assert out == ""
    assert err.startswith(f"arcsupport: error: {option}: {value!r} is not a valid name")
    assert len(err.splitlines()) == 1


def test_azure_side_is_a_comment_block_with_the_reader_role(cli: Run) -> None:
    code, out, _ = cli("rbac")
    assert code == 0
    tail = out.split("namespace: arcsupport\n", 1)[1]
    assert all(line == "" or line.startswith("#") for line in tail.splitlines())
    assert "Reader (role definition id acdd72a7-3385-48ef-bd42-f606fba81ae7)" in tail
    commands = re.findall(
        r"#   az role assignment create --assignee <principal-id> --role Reader \\\n"
        r"#     --scope /subscriptions/<subscription-id>/resourceGroups/<([a-z-]+)>\n",
        tail,
    )
    assert commands == [
        "connected-cluster-resource-group",
        "custom-location-resource-group",
        "azure-local-resource-group",
    ]


def test_json_output_is_an_appliable_list_and_the_notes_go_to_stderr(cli: Run) -> None:
    code, out, err = cli("rbac", "--output", "json", "--helm-secrets")
    assert code == 0
    document = json.loads(out)
    assert document["apiVersion"] == "v1"
    assert document["kind"] == "List"
    assert document["items"] == [rbac.cluster_role(True), rbac.cluster_role_binding()]
    assert all(line == "" or line.startswith("#") for line in err.splitlines())
    assert "metadata only" in err
    assert "acdd72a7-3385-48ef-bd42-f606fba81ae7" in err


def test_help_explains_why_list_on_secrets_is_sensitive(cli: Run) -> None:
    code, out, _ = cli("rbac", "--help")
    assert code == 0
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
    assert "RBAC cannot limit list to metadata" in flat
    assert "read the data of every Secret" in flat


# --- the CronJob -----------------------------------------------------------------------------


def test_security_context_is_restrictive() -> None:
    spec = cronjob_pod()["spec"]
    pod_context = spec["securityContext"]
    assert pod_context["runAsNonRoot"] is True
    assert pod_context["runAsUser"] != 0
    assert pod_context["seccompProfile"] == {"type": "RuntimeDefault"}
    for pod in (spec, load("tools/bundle-reader.yaml")["spec"]):
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["runAsNonRoot"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert "privileged" not in context
    assert load("namespace.yaml")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )


def test_service_account_token_only_where_needed() -> None:
    assert load("serviceaccount.yaml")["automountServiceAccountToken"] is False
    assert cronjob_pod()["spec"]["automountServiceAccountToken"] is True
    assert load("tools/bundle-reader.yaml")["spec"]["automountServiceAccountToken"] is False


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity.removesuffix(suffix)) * factor
    return float(quantity) / 1024**2


def test_resources_fit_a_collector_that_streams() -> None:
    resources = collector()["resources"]
    assert set(resources) == {"requests", "limits"}
    # The collector's budget is 200 MB on a 5,000-node cluster; leave headroom, not gigabytes.
    assert (
        200 < mebibytes(resources["requests"]["memory"]) <= mebibytes(resources["limits"]["memory"])
    )
    assert mebibytes(resources["limits"]["memory"]) <= 1024
    assert "cpu" in resources["requests"]


def test_the_bundle_volume_is_where_the_script_writes() -> None:
    container = collector()
    env = {item["name"]: item["value"] for item in container["env"]}
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in cronjob_pod()["spec"]["volumes"]}
    assert mounts["bundles"] == env["BUNDLE_DIR"]
    claim = volumes["bundles"]["persistentVolumeClaim"]["claimName"]
    assert claim == load("persistentvolumeclaim.yaml")["metadata"]["name"]
    assert int(env["KEEP_BUNDLES"]) >= 1
    assert load("cronjob.yaml")["spec"]["concurrencyPolicy"] == "Forbid"


def script() -> str:
    command = collector()["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    text: str = command[2]
    return text


FAKE_ARCSUPPORT = """#!/bin/sh
# Stands in for the image's arcsupport: records its arguments, writes the -o bundle.
printf '%s\\n' "$@" > "$ARGV_FILE"
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then echo bundle > "$2"; fi
  shift
done
"""


def run_script(
    tmp_path: Path, keep: str, push_url: str | None = None
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "arcsupport"
    fake.write_text(FAKE_ARCSUPPORT)
    fake.chmod(0o755)
    bundles = tmp_path / "bundles"
    bundles.mkdir(exist_ok=True)
    argv_file = tmp_path / "argv"
    environment = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "BUNDLE_DIR": str(bundles),
        "KEEP_BUNDLES": keep,
        "ARGV_FILE": str(argv_file),
    }
    if push_url is not None:
        environment["PUSH_URL"] = push_url
        environment["PUSH_TOKEN_FILE"] = "/var/run/arcsupport-push/token"
    result = subprocess.run(
        ["/bin/sh", "-c", script()],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, bundles, argv_file


def test_the_cronjob_collects_and_keeps_the_last_n(tmp_path: Path, cli: Run) -> None:
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    old = [f"arcsupport-2025010{day}T031700Z.tar.gz" for day in range(1, 6)]
    for name in old:
        (bundles / name).write_text("old")
    (bundles / "notes.txt").write_text("not a bundle: stays")
    leftover = bundles / ".arcsupport-20250106T031700Z.tar.gz.k2j4h1"
    leftover.mkdir()
    (leftover / "manifest.json").write_text("{}")
    (bundles / ".arcsupport-20250106T031700Z.tar.gz.partial").write_text("half")

    result, bundles, argv_file = run_script(tmp_path, keep="3")

    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in bundles.iterdir())
    (new,) = [name for name in names if name not in old and name != "notes.txt"]
    assert re.fullmatch(r"arcsupport-\d{8}T\d{6}Z\.tar\.gz", new)
    assert names == sorted(["notes.txt", old[3], old[4], new])
    argv = argv_file.read_text().splitlines()
    assert argv == ["collect", "--in-cluster", "-o", str(bundles / new)]
    parse_with_the_real_cli(argv)
    code, help_text, _ = cli("collect", "--help")
    assert code == 0
    for flag in (arg for arg in argv if arg.startswith("-")):
        assert re.search(rf"(^|\s){re.escape(flag)}\b", help_text), flag


def test_the_cronjob_pushes_to_the_service_when_told(tmp_path: Path, cli: Run) -> None:
    result, bundles, argv_file = run_script(tmp_path, keep="3", push_url="https://svc.example")
    assert result.returncode == 0, result.stderr
    (bundle,) = bundles.iterdir()
    argv = argv_file.read_text().splitlines()
    assert argv == [
        "collect", "--in-cluster", "-o", str(bundle),
        "--push", "https://svc.example", "--token-file", "/var/run/arcsupport-push/token",
    ]  # fmt: skip
    parse_with_the_real_cli(argv)
    container = collector()
    env = {item["name"]: item["value"] for item in container["env"]}
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert env["PUSH_URL"] == ""  # off until the user sets it
    assert env["PUSH_TOKEN_FILE"].startswith(mounts["push-token"] + "/")
    volumes = {volume["name"]: volume for volume in cronjob_pod()["spec"]["volumes"]}
    assert volumes["push-token"]["secret"]["optional"] is True


def test_the_first_run_on_an_empty_volume(tmp_path: Path) -> None:
    result, bundles, _ = run_script(tmp_path, keep="1")
    assert result.returncode == 0, result.stderr
    (bundle,) = bundles.iterdir()
    assert bundle.read_text() == "bundle\n"


def parse_with_the_real_cli(argv: list[str]) -> None:
    """The arguments the CronJob passes must be accepted by `arcsupport collect` itself."""
    group = typer.main.get_command(registered())
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands[argv[0]]
    context = command.make_context(argv[0], argv[1:])
    assert context.params["in_cluster"] is True
    assert str(context.params["output"]).endswith(".tar.gz")


@pytest.mark.parametrize("keep", ["", "0", "-1", "seven", "3 4"])
def test_a_bad_keep_count_collects_nothing(tmp_path: Path, keep: str) -> None:
    result, bundles, argv_file = run_script(tmp_path, keep=keep)
    assert result.returncode == 2
    assert "KEEP_BUNDLES must be a whole number above 0" in result.stderr
    assert not argv_file.exists()
    assert list(bundles.iterdir()) == []


def test_a_failed_collection_prunes_nothing(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    for day in range(1, 4):
        (bundles / f"arcsupport-2025010{day}T031700Z.tar.gz").write_text("old")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    failing = bin_dir / "arcsupport"
    failing.write_text("#!/bin/sh\necho 'arcsupport: error: unreachable' >&2\nexit 2\n")
    failing.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", "-c", script()],
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "BUNDLE_DIR": str(bundles),
            "KEEP_BUNDLES": "1",
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert len(list(bundles.iterdir())) == 3, "the Job fails and the old bundles stay"


# --- the Containerfile -----------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped, as the
    Dockerfile parser reads them (no container engine runs here to build it)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, _, rest = stripped.partition(" ")
        found.append((word.upper(), rest.strip()))
    return found


def test_containerfile_builds_what_the_cronjob_runs() -> None:
    steps = instructions((ROOT / "Containerfile").read_text())
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "ENTRYPOINT", "CMD", "ARG"}
    assert {word for word, _ in steps} <= known
    froms = [rest for word, rest in steps if word == "FROM"]
    assert froms == ["python:3.11-slim AS build", "python:3.11-slim"], "multi-stage, slim"
    installs = [rest for word, rest in steps if word == "RUN" and "uv sync" in rest]
    assert len(installs) == 1
    for flag in ("--locked", "--no-dev", "--extra live", "--no-editable", "--require-hashes"):
        assert flag in installs[0], f"the image installs exactly the lock: {flag}"
    final = steps[[word for word, _ in steps].index("FROM", 1) :]
    copies = [rest for word, rest in final if word == "COPY"]
    assert copies == ["--from=build /opt/arcsupport /opt/arcsupport"], "no source in the image"
    assert any("pip uninstall --yes pip setuptools wheel" in rest for word, rest in final)
    for word, rest in steps:
        if word == "COPY" and not rest.startswith("--from"):
            for source in shlex.split(rest)[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the source tree"
    (user,) = [rest for word, rest in final if word == "USER"]
    uid, _, gid = user.partition(":")
    pod_context = cronjob_pod()["spec"]["securityContext"]
    assert (int(uid), int(gid)) == (pod_context["runAsUser"], pod_context["runAsGroup"])
    assert int(uid) != 0
    (entrypoint,) = [rest for word, rest in final if word == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["arcsupport"]


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    """Without an ignore file a build sends the whole checkout, the local .venv included."""
    ignore = (ROOT / ".containerignore").read_text().splitlines()
    assert (ROOT / ".dockerignore").resolve() == (ROOT / ".containerignore").resolve()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "everything is left out unless listed"
    allowed = {line.removeprefix("!").rstrip("/") for line in rules if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for word, rest in instructions((ROOT / "Containerfile").read_text())
        if word == "COPY" and not rest.startswith("--from")
        for source in shlex.split(rest)[:-1]
    }
    assert copied == allowed


def test_the_image_environment_has_arcsupport_and_no_installer(tmp_path: Path) -> None:
    """The build stage's install, run here from uv's cache (no network): the environment it
    makes runs arcsupport and holds neither pip nor setuptools."""
    target = tmp_path / "opt-arcsupport"
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "uv"), "sync", "--offline", "--locked", "--no-dev",
            "--extra", "live", "--no-editable", "--quiet",
            "--python", os.path.realpath(ROOT / ".venv" / "bin" / "python"),
        ],
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(target)},
        check=True,
        timeout=120,
    )  # fmt: skip
    packages = {path.name.lower() for path in target.glob("lib/python3.*/site-packages/*")}
    assert not {name for name in packages if name.startswith(("pip", "setuptools"))}
    assert not (target / "bin" / "pip").exists()
    version = subprocess.run(
        [str(target / "bin" / "arcsupport"), "versions", "--at", "2025-09-15", "-o", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(version.stdout)["schema"] == "arcsupport.versions/v1"


# --- the docs --------------------------------------------------------------------------------


def test_least_privilege_doc_explains_every_resource_of_the_role() -> None:
    text = (ROOT / "docs" / "least-privilege.md").read_text()
    rows = {
        match[0]: (match[1], match[2])
        for match in re.findall(r"^\| `([a-z]+)` \| [^|]+ \| ([^|]+) \| ([^|]+) \|$", text, re.M)
    }
    assert set(rows) == {kind.plural for kind in KINDS}
    known_rules = set(load_rules())
    for kind in KINDS:
        purpose, rules = rows[kind.plural]
        assert purpose.strip() == kind.purpose
        named = set(re.findall(r"`([a-z-]+)`", rules))
        assert named and named <= known_rules, named - known_rules
    for url in NON_RESOURCE_URLS:
        assert f"| `{url}` |" in text
    assert rbac.AZURE_READER_ROLE_ID in text


def test_in_cluster_doc_names_every_file_of_deploy() -> None:
    text = (ROOT / "docs" / "in-cluster.md").read_text()
    listed = set(re.findall(r"^\| `([a-z/.-]+\.yaml)` \|", text, re.M))
    assert listed == {str(path.relative_to(DEPLOY)) for path in DEPLOY.rglob("*.yaml")}
