"""Every `--output json` of every command validates against the shipped schema its `schema`
field names, in English and in Korean; and the schemas catch what they promise to."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from arcsupport.report.schemas import SCHEMAS, SERVICE_SCHEMAS
from arcsupport.safeyaml import load_yaml
from arcsupport.schema import load_schema
from helpers import EXAMPLES

AT = "2025-09-15"
CLUSTER = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-edge"
    "/providers/Microsoft.Kubernetes/connectedClusters/edge-01"
)
EXAMPLE_BUNDLES = sorted(
    f"examples/{path.parent.name}" for path in EXAMPLES.glob("*/manifest.json")
)
ADVISORIES = "tests/data/reference/advisories"


class Validated:
    """`validated(run)`: the document a run printed, checked against the schema it names;
    `names` holds the schemas seen."""

    def __init__(self, loads: Callable[[str], Any] = json.loads) -> None:
        self.names: set[str] = set()
        self.loads = loads

    def __call__(
        self, result: tuple[int, str, str], codes: tuple[int, ...] = (0, 1)
    ) -> dict[str, Any]:
        code, out, err = result
        assert code in codes, err
        document: dict[str, Any] = self.loads(out)
        name = document["schema"].removeprefix("arcsupport.").removesuffix("/v1")
        assert name in SCHEMAS, document["schema"]
        errors = list(jsonschema.Draft202012Validator(load_schema(name)).iter_errors(document))
        assert errors == [], [f"{list(error.absolute_path)}: {error.message}" for error in errors]
        self.names.add(name)
        return document


def dirty_copy(folder: Path) -> str:
    """The healthy example with an environment variable value: the privacy check finds it."""
    bundle = folder / "dirty"
    shutil.copytree(EXAMPLES / "healthy", bundle)
    pods = bundle / "kubernetes" / "pods.json"
    document = json.loads(pods.read_text())
    document["items"][0]["spec"]["containers"][0]["env"] = [{"name": "TOKEN", "value": "x" * 12}]
    pods.write_text(json.dumps(document))
    return str(bundle)


def check_and_fleet(validated: Validated, arcsupport: Any, lang: str, tmp_path: Path) -> None:
    for bundle in [*EXAMPLE_BUNDLES, "tests/data/bundles/version-only"]:
        validated(
            arcsupport("check", bundle, "--at", AT, "-a", ADVISORIES, "-o", "json", "--lang", lang)
        )
    fleet = validated(
        arcsupport(
            "fleet",
            *EXAMPLE_BUNDLES,
            "examples/resource-graph-export.json",
            "--at",
            AT,
            "-o",
            "json",
            "--lang",
            lang,
        )
    )
    assert fleet["totals"]["clusters"] > len(EXAMPLE_BUNDLES)
    nothing = tmp_path / "export.json"
    nothing.write_text("[]")
    empty = validated(arcsupport("fleet", str(nothing), "--at", AT, "-o", "json", "--lang", lang))
    assert (empty["evaluated_at"], empty["policy"], empty["clusters"]) == (None, None, [])


def gate_plan_and_versions(
    validated: Validated, arcsupport: Any, lang: str, tmp_path: Path
) -> None:
    for operation in ("upgrade", "update-os", "scale", "create-nodepool", "create-vm"):
        for bundle in ("examples/healthy", "examples/deprecated-version"):
            gate = validated(
                arcsupport("gate", operation, bundle, "--at", AT, "-o", "json", "--lang", lang)
            )
            assert gate["operation"] == operation
    for bundle in EXAMPLE_BUNDLES:
        # No plan without a version, nor for a cluster that is not AKS Arc (one line, exit 2).
        if bundle in ("examples/empty", "examples/k3s"):
            code, out, err = arcsupport("plan", bundle, "--at", AT, "-o", "json")
            assert (code, out, len(err.splitlines())) == (2, "", 1), err
            continue
        validated(arcsupport("plan", bundle, "--at", AT, "-o", "json", "--lang", lang))
    validated(arcsupport("plan", "--from", "1.27.3", "--to", "latest", "--at", AT, "-o", "json"))
    for day in ("2024-03-01", AT, "2027-01-01"):
        validated(arcsupport("versions", "--at", day, "-o", "json", "--lang", lang))


def triage_cases(validated: Validated, arcsupport: Any, lang: str, tmp_path: Path) -> None:
    cases = [
        ("etcd request timed out", None, "in-scope"),
        ("Istio VirtualService returns 404", None, "out-of-scope"),
        ("DNS lookups fail intermittently", "examples/deprecated-version", "upgrade-first"),
        ("CoreDNS pods restart", "examples/healthy", "in-scope"),
    ]
    for title, bundle, decision in cases:
        argv = ["triage", "--title", title, "--at", AT, "-o", "json", "--lang", lang]
        document = validated(arcsupport(*argv, *(["--bundle", bundle] if bundle else [])), (0,))
        assert document["decision"] == decision
        assert ("plan" in document) == (decision == "upgrade-first")


def advisories_and_known_issues(
    validated: Validated, arcsupport: Any, lang: str, tmp_path: Path
) -> None:
    matched = validated(
        arcsupport(
            "advisories",
            "match",
            *EXAMPLE_BUNDLES,
            "-a",
            ADVISORIES,
            "-a",
            "examples/advisories",
            "--at",
            "2025-10-15",
            "-o",
            "json",
            "--lang",
            lang,
        )
    )
    assert any(cluster["components"] for cluster in matched["clusters"])
    listed = validated(arcsupport("known-issues", "list", "-o", "json", "--lang", lang))
    assert listed["records"]
    for bundle in EXAMPLE_BUNDLES:
        validated(
            arcsupport("known-issues", "match", bundle, "--at", AT, "-o", "json", "--lang", lang)
        )


def bundle_inspection(validated: Validated, arcsupport: Any, lang: str, tmp_path: Path) -> None:
    for bundle in [*EXAMPLE_BUNDLES, "tests/data/bundles/current"]:
        validated(arcsupport("bundle", "inspect", bundle, "-o", "json"), (0,))
    dirty = validated(arcsupport("bundle", "inspect", dirty_copy(tmp_path), "-o", "json"), (1,))
    assert dirty["privacy"]["hits"]
    bare = tmp_path / "bare"
    shutil.copytree(EXAMPLES / "healthy", bare)
    (bare / "manifest.json").unlink()
    assert validated(arcsupport("bundle", "inspect", str(bare), "-o", "json"))["manifest"] is None


def access_and_audit(validated: Validated, arcsupport: Any, lang: str, tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "access.db"), "-o", "json", "--lang", lang]
    grant = [
        "access", "grant", "--cluster", CLUSTER, "--engineer", "alice@contoso.com",
        "--actions", "view-logs,node-login", "--for", "8h", "--case", "CASE-1",
        "--approved-by", "owner@contoso.com", "--at", "2025-09-15T08:00:00Z",
    ]  # fmt: skip
    assert "rbac" not in validated(arcsupport(*grant, *db), (0,))
    emitted = validated(arcsupport(*grant, "--emit-rbac", "--namespace", "apps", *db), (0,))
    assert [item["kind"] for item in emitted["rbac"]] == ["Role", "RoleBinding"]
    check = ["access", "check", "--cluster", CLUSTER, "--engineer", "alice@contoso.com"]
    allowed = validated(
        arcsupport(*check, "--action", "view-logs", "--at", "2025-09-15T09:00:00Z", *db)
    )
    denied = validated(
        arcsupport(*check, "--action", "run-commands", "--at", "2025-09-15T09:00:00Z", *db)
    )
    assert (allowed["allowed"], denied["allowed"]) == (True, False)
    revoked = validated(
        arcsupport(
            "access",
            "revoke",
            "1",
            "--by",
            "owner@contoso.com",
            "--at",
            "2025-09-15T10:00:00Z",
            *db,
        )
    )
    assert revoked["grant"]["revoked_by"] == "owner@contoso.com"
    listed = validated(arcsupport("access", "list", *db))
    assert [grant["state"] for grant in listed["grants"]] == ["revoked", "expired"]
    log = validated(arcsupport("audit", "show", *db))
    assert len(log["entries"]) == 5
    assert validated(arcsupport("audit", "verify", *db), (0,))["problem"] is None
    anchored = validated(arcsupport("audit", "verify", "--anchor", f"1:{'0' * 64}", *db), (1,))
    assert anchored["problem"]["kind"] == "anchor"


def explain_items(validated: Validated, arcsupport: Any, lang: str, tmp_path: Path) -> None:
    for item in ("VER-1", "cov-in-8", "version-lifecycle", "security-advisories"):
        validated(arcsupport("explain", item, "-o", "json", "--lang", lang), (0,))
    validated(arcsupport("explain", "--all", "-o", "json", "--lang", lang), (0,))


RUNS = (
    check_and_fleet,
    gate_plan_and_versions,
    triage_cases,
    advisories_and_known_issues,
    bundle_inspection,
    access_and_audit,
    explain_items,
)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_json_output_validates_against_its_schema(
    arcsupport: Any, lang: str, tmp_path: Path
) -> None:
    validated = Validated()
    for run in RUNS:
        run(validated, arcsupport, lang, tmp_path)
    printed = set(SCHEMAS) - set(SERVICE_SCHEMAS)
    assert validated.names == printed, "a document no command printed here"


def test_every_yaml_output_is_the_document_and_validates(arcsupport: Any, tmp_path: Path) -> None:
    """`-o yaml` wherever `-o json` is: the same runs, each asked for YAML, loaded as arcsupport
    loads YAML and held to the same schemas (in Korean: the YAML keeps the text as it is)."""

    def as_yaml(*args: str) -> tuple[int, str, str]:
        argv = list(args)
        position = argv.index("json")
        assert argv[position - 1] == "-o"
        argv[position] = "yaml"
        result: tuple[int, str, str] = arcsupport(*argv)
        return result

    validated = Validated(loads=lambda text: load_yaml(text.encode(), "stdout"))
    for run in RUNS:
        run(validated, as_yaml, "ko", tmp_path)
    assert validated.names == set(SCHEMAS) - set(SERVICE_SCHEMAS)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "examples/disconnected-40d", "--at", AT, "--lang", "ko"],
        ["fleet", *EXAMPLE_BUNDLES, "examples/resource-graph-export.json", "--at", AT],
        ["plan", "--from", "1.28.9", "--azure-local", "2408", "--at", AT],
        ["versions", "--at", AT],
        ["explain", "VER-1", "--lang", "ko"],
    ],
)
def test_yaml_and_json_are_the_same_document(arcsupport: Any, argv: list[str]) -> None:
    json_code, json_out, _ = arcsupport(*argv, "-o", "json")
    yaml_code, yaml_out, _ = arcsupport(*argv, "-o", "yaml")
    assert json_code == yaml_code
    assert load_yaml(yaml_out.encode(), "stdout") == json.loads(json_out)


# --- what the schemas catch ------------------------------------------------------------------


def test_the_triage_schema_ties_the_plan_to_upgrade_first(arcsupport: Any) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("triage"))
    argv = ["triage", "--title", "DNS lookups fail", "--at", AT, "-o", "json"]
    upgrade = json.loads(arcsupport(*argv, "--bundle", "examples/deprecated-version")[1])
    in_scope = json.loads(arcsupport(*argv, "--bundle", "examples/healthy")[1])
    assert validator.is_valid(upgrade) and validator.is_valid(in_scope)
    del upgrade["plan"]
    assert not validator.is_valid(upgrade)
    in_scope["plan"] = None
    assert not validator.is_valid(in_scope)


def test_the_known_issues_schema_takes_either_shape_but_not_a_mixture(arcsupport: Any) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("known-issues"))
    listed = json.loads(arcsupport("known-issues", "list", "-o", "json")[1])
    matched = json.loads(arcsupport("known-issues", "match", "examples/healthy", "-o", "json")[1])
    assert validator.is_valid(listed) and validator.is_valid(matched)
    assert not validator.is_valid({**matched, "records": listed["records"]})
    listed["records"][0]["status"] = "maybe"
    assert not validator.is_valid(listed)


@pytest.mark.parametrize(
    ("argv", "path", "value"),
    [
        (["gate", "scale", "examples/healthy", "--at", AT], ["decision"], "perhaps"),
        (["versions", "--at", AT], ["versions", 0, "status"], "eternal"),
        (["plan", "examples/healthy", "--at", AT], ["steps"], None),
        (["explain", "VER-1"], ["clauses", 0, "id"], "ver-1"),
        (["explain", "version-lifecycle"], ["rules", 0, "clauses"], []),
        (["bundle", "inspect", "examples/healthy"], ["privacy", "hits_total"], -1),
        (["check", "examples/healthy", "--at", AT], ["schema"], "arcsupport.assessment/v2"),
    ],
)
def test_a_broken_document_is_refused(
    arcsupport: Any, argv: list[str], path: list[Any], value: Any
) -> None:
    out = arcsupport(*argv, "-o", "json")[1]
    document = json.loads(out)
    name = document["schema"].removeprefix("arcsupport.").removesuffix("/v1")
    validator = jsonschema.Draft202012Validator(load_schema(name))
    assert validator.is_valid(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    assert not validator.is_valid(document)
