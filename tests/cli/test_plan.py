"""`arcsupport plan`: from a bundle or from `--from/--to/--azure-local`, as a table, as the
`arcsupport.plan/v1` JSON contract and as a markdown runbook; exit 0 when the plan reaches a
supported version, 1 when it does not, 2 for bad input.

The goldens in tests/golden/cli/ change whenever the calendar, a message or a format changes.
Look at the diff, then rewrite them with:

    .venv/bin/pytest tests/cli/test_plan.py --update-goldens
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from helpers import EXAMPLES, GOLDEN, ROOT, assert_golden, kube_list, write_bundle

GOLDEN = GOLDEN / "cli"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
STEP_KEYS = {"kind", "to", "support_ends", "migrate_apis", "skipped"}


def plan_json(arcsupport: Any, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = arcsupport("plan", *args, "-o", "json")
    assert err == "", err
    document: dict[str, Any] = json.loads(out)
    return code, document


def steps(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(step["kind"], step["to"]) for step in document["steps"]]


def flowschema(name: str, applied_version: str) -> dict[str, Any]:
    """A FlowSchema as the API server returns it (in v1), last applied with `applied_version`."""
    applied = {
        "apiVersion": applied_version,
        "kind": "FlowSchema",
        "metadata": {"name": name},
        "spec": {
            "matchingPrecedence": 1000,
            "priorityLevelConfiguration": {"name": "workload-low"},
            "rules": [
                {
                    "subjects": [{"kind": "Group", "group": {"name": "system:serviceaccounts"}}],
                    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                }
            ],
        },
    }
    return {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {
            "name": name,
            "uid": "3f2d6c1e-8a0b-4c52-9d0e-1b7a9f3e2c41",
            "resourceVersion": "48211",
            "annotations": {LAST_APPLIED: json.dumps(applied, separators=(",", ":"))},
        },
        "spec": applied["spec"],
    }


@pytest.fixture
def flow_bundle(tmp_path: Path) -> Path:
    """Kubernetes 1.31.5 on Azure Local 2509 with two FlowSchemas last applied as
    flowcontrol v1beta3 (removed in 1.32) and one applied as v1."""
    version = json.loads(
        (ROOT / "examples" / "healthy" / "kubernetes" / "version.json").read_text()
    )
    assert version["gitVersion"] == "v1.31.5"
    return write_bundle(
        tmp_path / "flow",
        {
            "manifest.json": {
                "format": "arcsupport-bundle/v1",
                "collected_at": "2025-10-31T09:00:00Z",
                "cluster": {"name": "contoso-flow"},
            },
            "kubernetes/version.json": version,
            "kubernetes/flowschemas.json": kube_list(
                [
                    flowschema("batch-jobs", "flowcontrol.apiserver.k8s.io/v1beta3"),
                    flowschema("probes", "flowcontrol.apiserver.k8s.io/v1beta3"),
                    flowschema("system-leader", "flowcontrol.apiserver.k8s.io/v1"),
                ]
            ),
            "facts.yaml": 'host_platform: {kind: azure-local, version: "2509"}\n',
        },
    )


# --- from a bundle -------------------------------------------------------------------------------


def test_from_a_bundle_hops_one_minor_at_a_time(arcsupport: Any) -> None:
    code, document = plan_json(arcsupport, "examples/deprecated-version", "--at", "2025-09-15")
    assert code == 0
    assert document["from"] == "1.28.14"
    # The host's release comes from the bundle's facts.yaml, so it is not assumed.
    assert document["azure_local"] == {"release": "2508", "assumed": False}
    assert steps(document) == [
        ("kubernetes-upgrade", "1.29.13"),
        ("kubernetes-upgrade", "1.30.9"),
        ("kubernetes-upgrade", "1.31.5"),
    ]
    assert document["reaches_supported"] is True
    assert document["supported_until"] == "2026-08-01"
    assert document["notes"] == []


def test_apis_removed_in_a_hop_are_due_before_that_hop(arcsupport: Any, flow_bundle: Path) -> None:
    code, document = plan_json(arcsupport, str(flow_bundle), "--at", "2025-11-01")
    assert code == 0
    assert document["to"] == "1.32"
    assert steps(document) == [("azure-local-update", "2510"), ("kubernetes-upgrade", "1.32.6")]
    assert document["steps"][0]["migrate_apis"] == []
    assert document["steps"][1]["migrate_apis"] == [
        {
            "api_version": "flowcontrol.apiserver.k8s.io/v1beta3",
            "kind": "FlowSchema",
            "removed_in": "1.32",
            "replacement": "flowcontrol.apiserver.k8s.io/v1",
            "objects": ["FlowSchema/batch-jobs", "FlowSchema/probes"],
        }
    ]


def test_the_calendar_decides_how_far_a_plan_reaches(arcsupport: Any, flow_bundle: Path) -> None:
    """1.32 first ships in Azure Local 2510 (2025-10-01): in September the newest minor is
    1.31, where the cluster already is, so no migration is due yet."""
    code, document = plan_json(arcsupport, str(flow_bundle), "--at", "2025-09-15")
    assert code == 0
    assert document["to"] == "1.31"
    assert document["steps"] == []
    code, out, err = arcsupport("plan", str(flow_bundle), "--to", "1.32", "--at", "2025-09-15")
    assert (code, out) == (2, "")
    assert "ships Kubernetes 1.32" in err


def test_the_runbook_lists_the_objects_to_migrate(arcsupport: Any, flow_bundle: Path) -> None:
    code, out, _ = arcsupport("plan", str(flow_bundle), "--at", "2025-11-01", "-o", "markdown")
    assert code == 0
    assert out.startswith("# Upgrade runbook: Kubernetes 1.31.5 → 1.32\n")
    assert "### 1. Update Azure Local to 2510" in out
    assert "### 2. Upgrade Kubernetes to 1.32.6" in out
    hop = out[out.index("### 2.") :]
    assert "`flowcontrol.apiserver.k8s.io/v1beta3`" in hop
    assert "`FlowSchema/batch-jobs`" in hop and "`FlowSchema/probes`" in hop
    assert "system-leader" not in out, "applied as v1: nothing to migrate"
    assert hop.index("FlowSchema/probes") < hop.index("az aksarc upgrade"), "migrate first"
    assert "--kubernetes-version 1.32.6" in out
    assert "## Rollback" in out


def test_the_table_shows_the_migration_whole(arcsupport: Any, flow_bundle: Path) -> None:
    code, out, _ = arcsupport("plan", str(flow_bundle), "--at", "2025-11-01")
    assert code == 0
    assert "…" not in out, "nothing is cut off"
    assert "flowcontrol.apiserver.k8s.io/v1beta" in out
    for line in out.splitlines():
        assert cell_len(line) <= 80


def test_a_bundle_without_a_version_is_refused(arcsupport: Any, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", {"facts.yaml": "stopped_by: manual\n"})
    code, out, err = arcsupport("plan", str(bundle), "--at", "2025-09-15")
    assert (code, out) == (2, "")
    assert f"{bundle}: holds no Kubernetes version" in err


def test_a_cluster_that_is_not_aks_arc_gets_no_aks_arc_plan(arcsupport: Any) -> None:
    code, out, err = arcsupport("plan", str(EXAMPLES / "k3s"), "--at", "2025-09-15")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert "is not an AKS Arc cluster" in line and "k3s://lab-k3s-server-1" in line


def test_a_dump_is_planned_from_its_inferred_version(arcsupport: Any) -> None:
    code, out, _ = arcsupport("plan", str(EXAMPLES / "cluster-info-dump"), "--at", "2025-09-15")
    assert code == 0
    assert out.splitlines()[0].startswith("Upgrade plan from 1.28.14 ")


# --- from --from ---------------------------------------------------------------------------------


def test_from_a_version_with_an_azure_local_step_first(arcsupport: Any) -> None:
    code, document = plan_json(
        arcsupport, "--from", "1.28.9", "--azure-local", "2408", "--at", "2025-09-15"
    )
    assert code == 0
    assert set(document) >= {"schema", "from", "reaches_supported", "supported_until", "steps"}
    assert document["schema"] == "arcsupport.plan/v1"
    assert document["from"] == "1.28.9"
    assert document["azure_local"] == {"release": "2408", "assumed": False}
    assert steps(document) == [
        ("azure-local-update", "2509"),
        ("kubernetes-upgrade", "1.29.13"),
        ("kubernetes-upgrade", "1.30.9"),
        ("kubernetes-upgrade", "1.31.5"),
    ]
    for step in document["steps"]:
        assert set(step) == STEP_KEYS
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", step["support_ends"])
    assert [step["support_ends"] for step in document["steps"]] == [
        "2026-03-01",  # Azure Local 2509 + six months (SVP-3)
        "2025-10-31",
        "2026-03-01",
        "2026-08-01",
    ]
    assert document["supported_until"] == "2026-08-01"


def test_to_latest_is_the_default(arcsupport: Any) -> None:
    base = ("--from", "1.29.13", "--azure-local", "2509", "--at", "2025-09-15")
    _, implicit = plan_json(arcsupport, *base)
    _, latest = plan_json(arcsupport, *base, "--to", "latest")
    _, explicit = plan_json(arcsupport, *base, "--to", "1.31")
    assert implicit == latest == explicit
    assert latest["to"] == "1.31"


def test_to_a_minor_stops_there(arcsupport: Any) -> None:
    code, document = plan_json(
        arcsupport, "--from", "1.29.4", "--to", "1.30", "--azure-local", "2509",
        "--at", "2025-09-15",
    )  # fmt: skip
    assert code == 0
    assert steps(document) == [("kubernetes-upgrade", "1.30.9")]
    assert document["supported_until"] == "2026-03-01"


def test_an_unknown_host_is_assumed_and_the_plan_says_so(arcsupport: Any) -> None:
    code, document = plan_json(arcsupport, "--from", "1.30.8", "--at", "2025-09-15")
    assert code == 0
    assert document["azure_local"] == {"release": "2509", "assumed": True}
    assert len(document["notes"]) == 1 and "2509" in document["notes"][0]
    _, out, _ = arcsupport("plan", "--from", "1.30.8", "--at", "2025-09-15")
    assert "! " in out and "--azure-local" in out


def test_a_patch_upgrade_updates_an_old_host_first(arcsupport: Any) -> None:
    """1.30.4 left the release train when 2508 shipped 1.30.8 and 1.30.9 (VER-6); Azure
    Local 2507 ships no newer 1.30 patch, so the host is updated first (VER-9)."""
    code, document = plan_json(
        arcsupport, "--from", "1.30.4", "--to", "1.30", "--azure-local", "2507",
        "--at", "2025-09-15",
    )  # fmt: skip
    assert code == 0
    assert steps(document) == [("azure-local-update", "2509"), ("kubernetes-upgrade", "1.30.9")]


def test_staying_on_a_patch_off_the_release_train_does_not_reach_support(arcsupport: Any) -> None:
    code, document = plan_json(
        arcsupport, "--from", "1.30.4", "--to", "1.30.4", "--azure-local", "2507",
        "--at", "2025-09-15",
    )  # fmt: skip
    assert document["steps"] == []
    assert document["reaches_supported"] is False
    assert code == 1


def test_exit_1_when_the_plan_ends_on_an_unsupported_minor(arcsupport: Any) -> None:
    """1.29's published end of support is 2025-10-31: in November the plan still hops there
    (the target asked for), but the result is not supported."""
    code, document = plan_json(
        arcsupport, "--from", "1.28.9", "--to", "1.29", "--azure-local", "2408",
        "--at", "2025-11-05",
    )  # fmt: skip
    assert code == 1
    assert document["reaches_supported"] is False
    assert steps(document) == [("azure-local-update", "2509"), ("kubernetes-upgrade", "1.29.13")]
    code, out, _ = arcsupport(
        "plan", "--from", "1.28.9", "--to", "1.29", "--azure-local", "2408", "--at", "2025-11-05"
    )
    assert code == 1
    assert "does not reach a supported version" in out


def test_coming_back_from_an_unsupported_version_skips_minors(arcsupport: Any) -> None:
    code, document = plan_json(
        arcsupport, "--from", "1.26.10", "--azure-local", "2411", "--at", "2025-11-01"
    )
    assert code == 0
    assert document["steps"][1]["skipped"] == ["1.27", "1.28", "1.29"]
    _, out, _ = arcsupport(
        "plan", "--from", "1.26.10", "--azure-local", "2411", "--at", "2025-11-01"
    )
    assert "1.27, 1.28, 1.29" in out


def test_the_markdown_output_is_the_runbook(arcsupport: Any, tmp_path: Path) -> None:
    target = tmp_path / "runbook.md"
    code, out, _ = arcsupport(
        "plan", "--from", "1.28.9", "--azure-local", "2408", "--at", "2025-09-15",
        "-o", "markdown", "--out", str(target),
    )  # fmt: skip
    assert (code, out) == (0, "")
    runbook = target.read_text()
    assert runbook.startswith("# Upgrade runbook: Kubernetes 1.28.9 → 1.31\n")
    headings = re.findall(r"^### (\d)\. (.*)$", runbook, flags=re.MULTILINE)
    assert headings == [
        ("1", "Update Azure Local to 2509"),
        ("2", "Upgrade Kubernetes to 1.29.13"),
        ("3", "Upgrade Kubernetes to 1.30.9"),
        ("4", "Upgrade Kubernetes to 1.31.5"),
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["runbook.md"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "1.31.5", "--to", "1.30"], ("--to", "downgrades are not supported")),
        (["--from", "1.31.5", "--to", "1.31.4"], ("--to", "downgrades are not supported")),
        (["--from", "1.19.3"], ("--from", "not in the policy calendar")),
        (["--from", "banana"], ("--from", "not a Kubernetes version")),
        (["--from", "1.30.8", "--to", "1.99"], ("--to", "not in the policy calendar")),
        (["--from", "1.30.8", "--to", "1.31.7"], ("--to", "does not ship 1.31.7")),
        (["--from", "1.30.4", "--to", "1.30.99"], ("--to", "does not ship 1.30.99")),
        (["--from", "1.30.8", "--to", "2.0"], ("--to",)),
        (["--from", "1.30.8", "--azure-local", "2599"], ("unknown Azure Local release",)),
        (["--from", "1.30.8", "--azure-local", "2510"], ("not released by 2025-09-15",)),
        (["examples/healthy", "--from", "1.30.8"], ("either a bundle", "not both")),
        ([], ("either a bundle",)),
        (["examples/nowhere"], ("nowhere", "no such")),
        (["--from", "1.30.8", "-o", "sarif"], ("sarif",)),
    ],
)
def test_bad_requests_exit_2_with_one_line_and_write_nothing(
    arcsupport: Any, tmp_path: Path, args: list[str], expected: tuple[str, ...]
) -> None:
    target = tmp_path / "plan.json"
    code, out, err = arcsupport("plan", *args, "--at", "2025-09-15", "--out", str(target))
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("arcsupport: error: ")
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    assert list(tmp_path.iterdir()) == []


# --- languages and goldens -----------------------------------------------------------------------


def test_korean_says_the_same(arcsupport: Any, flow_bundle: Path) -> None:
    args = (str(flow_bundle), "--at", "2025-11-01")
    _, english = plan_json(arcsupport, *args)
    _, korean = plan_json(arcsupport, *args, "--lang", "ko")
    assert {k: v for k, v in korean.items() if k != "notes"} == {
        k: v for k, v in english.items() if k != "notes"
    }
    for output in ("table", "markdown"):
        _, out, _ = arcsupport("plan", *args, "-o", output, "--lang", "ko")
        assert HANGUL.search(out)
        assert "1.32.6" in out and "FlowSchema" in out


GOLDEN_CASES = {
    "bundle": lambda bundle: [str(bundle), "--at", "2025-11-01"],
    "from": lambda bundle: ["--from", "1.28.9", "--azure-local", "2408", "--at", "2025-09-15"],
}
EXTENSIONS = {"table": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
@pytest.mark.parametrize("output", sorted(EXTENSIONS))
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_golden(
    arcsupport: Any,
    request: pytest.FixtureRequest,
    flow_bundle: Path,
    case: str,
    output: str,
    lang: str,
) -> None:
    _, printed, _ = arcsupport(
        "plan", *GOLDEN_CASES[case](flow_bundle), "-o", output, "--lang", lang
    )
    golden = GOLDEN / f"plan.{case}.{lang}.{EXTENSIONS[output]}"
    assert_golden(request, golden, printed)
