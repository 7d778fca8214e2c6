"""Known issues (UPS-2): the record format and its validation, the shipped starter set (built
from the documented AKS Arc known issues in our own words), matching records to clusters, and
`arcsupport known-issues list|match`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from rich.cells import cell_len

from arcsupport.engine.known_issues import KnownIssueMatch, match_known_issues
from arcsupport.errors import InputError
from arcsupport.i18n import LANGS, render
from arcsupport.rules.facts import Facts
from arcsupport.snapshot.facts import HostPlatform
from arcsupport.snapshot.known_issue import KnownIssue
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.known_issues import (
    builtin_known_issues,
    load_known_issues,
    parse_known_issues,
)
from arcsupport.sources.read import read_snapshot
from helpers import REFERENCE, ROOT, at, default_pack, make_snapshot, node

EXAMPLES = ROOT / "examples"
REFERENCE_ISSUES = yaml.safe_load(
    (REFERENCE / "known-issues" / "aksarc-known-issues.yaml").read_text()
)["records"]


def with_host(snapshot: Snapshot, release: str | None) -> Snapshot:
    assert snapshot.facts is not None
    host = HostPlatform("azure-local", release) if release else None
    snapshot.facts = msgspec.structs.replace(snapshot.facts, host_platform=host)
    return snapshot


def matches(
    snapshot: Snapshot, when: str, records: list[KnownIssue] | None = None
) -> dict[str, KnownIssueMatch]:
    found = match_known_issues(
        Facts(snapshot, default_pack()), records or builtin_known_issues(), at(when)
    )
    return {item.issue.id: item for item in found}


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "test-issue",
        "title": "A test issue",
        "status": "active",
        "affected": {"components": ["kube-apiserver"]},
        "symptoms": ["Something breaks."],
        "workaround": "Do something else.",
        "timeline": "Unknown.",
        "source": "https://example.invalid/issue",
    }
    base.update(changes)
    return base


def records_file(*items: dict[str, Any]) -> bytes:
    return yaml.safe_dump(
        {"schema": "arcsupport.known-issues/v1", "records": list(items)}, sort_keys=False
    ).encode()


# --- the starter set ---------------------------------------------------------------------------


def test_the_starter_set_covers_the_documented_issues() -> None:
    shipped = {issue.id: issue for issue in builtin_known_issues()}
    assert set(shipped) == {item["id"] for item in REFERENCE_ISSUES}
    for reference in REFERENCE_ISSUES:
        issue = shipped[reference["id"]]
        assert issue.source == reference["source_url"]
        assert issue.status == reference["status"]
        assert issue.fixed_in == reference["fixed_in"]
        upstream = reference["cause"]["upstream"]
        if upstream:
            assert upstream in issue.upstream
        assert issue.affected.extension_versions == reference["affected"].get(
            "hybridaksextension_versions", []
        )


def test_the_starter_set_is_written_afresh() -> None:
    """The reference is already a summary; ours must not copy its sentences."""
    shipped = {issue.id: issue for issue in builtin_known_issues()}
    for reference in REFERENCE_ISSUES:
        issue = shipped[reference["id"]]
        assert issue.title != reference["title"]
        assert issue.workaround != reference["workaround"]
        assert not set(issue.symptoms) & set(reference["symptoms"])
        for sentence in reference["workaround"].split(". "):
            if len(sentence) > 40:
                assert sentence not in issue.workaround


def test_release_spans_follow_the_documented_releases() -> None:
    shipped = {issue.id: issue for issue in builtin_known_issues()}
    storage = shipped["aksarc-2506-storage-single-volume-placement"].affected.azure_local
    assert storage is not None and (storage.from_, storage.through) == ("2506", "2506")
    upgrade = shipped["aksarc-upgrade-stuck-upgrading-2503-2504"].affected.azure_local
    assert upgrade is not None and (upgrade.from_, upgrade.through) == ("2503", "2504")
    # "before 2507": no span of its own, ended by fixed_in.
    assert shipped["aksarc-telemetry-pod-high-cpu-memory"].affected.azure_local is None
    assert shipped["aksarc-telemetry-pod-high-cpu-memory"].fixed_in == "2507"


# --- matching ----------------------------------------------------------------------------------


def test_a_current_cluster_only_meets_the_general_issues() -> None:
    found = matches(read_snapshot(EXAMPLES / "healthy"), "2025-09-15")
    assert {key: item.certainty for key, item in found.items()} == {
        "aksarc-deleted-cluster-still-in-portal": "general"
    }


def test_an_older_release_meets_the_issues_fixed_since() -> None:
    found = matches(with_host(read_snapshot(EXAMPLES / "healthy"), "2503"), "2025-04-15")
    assert {key: item.certainty for key, item in found.items()} == {
        "aksarc-telemetry-pod-high-cpu-memory": "confirmed",
        "aksarc-image-download-gallery-image-degraded": "confirmed",
        "aksarc-apiserver-audit-logs-fill-disk": "confirmed",
        "aksarc-upgrade-stuck-upgrading-2503-2504": "confirmed",
        "aksarc-deleted-cluster-still-in-portal": "general",
    }
    telemetry = found["aksarc-telemetry-pod-high-cpu-memory"]
    reasons = [render("en", reason) for reason in telemetry.reasons]
    assert reasons == [
        "Azure Local 2503 is among the affected releases (<2507)",
        "akshci-telemetry is present (kube-system/Deployment/akshci-telemetry)",
    ]
    # 2507 is not out on 2025-04-15: the fix is expected, not available.
    assert render("en", telemetry.fix) == "A fix is expected in Azure Local 2507."
    later = matches(with_host(read_snapshot(EXAMPLES / "healthy"), "2503"), "2025-09-15")
    fix = later["aksarc-telemetry-pod-high-cpu-memory"].fix
    assert render("en", fix) == "Update Azure Local to 2507 (available since 2025-07-01)."
    # A fix in 2503 does not concern 2503; 2506's regression does not concern 2503 either.
    assert "aksarc-delete-blocked-by-pdb" not in found
    assert "aksarc-2506-storage-single-volume-placement" not in found


def test_release_edges() -> None:
    snapshot = read_snapshot(EXAMPLES / "healthy")
    assert "aksarc-2506-storage-single-volume-placement" in matches(
        with_host(snapshot, "2506"), "2025-07-15"
    )
    for release in ("2505", "2507"):
        assert "aksarc-2506-storage-single-volume-placement" not in matches(
            with_host(snapshot, release), "2025-07-15"
        )
    assert "aksarc-upgrade-stuck-upgrading-2503-2504" in matches(
        with_host(snapshot, "2504"), "2025-05-01"
    )
    assert "aksarc-upgrade-stuck-upgrading-2503-2504" not in matches(
        with_host(snapshot, "2502"), "2025-05-01"
    )


def test_an_unknown_release_or_component_leaves_the_record_possible() -> None:
    snapshot = make_snapshot(version={"gitVersion": "v1.30.4"}, nodes=[node("moc-a")])
    found = matches(snapshot, "2025-06-01")
    telemetry = found["aksarc-telemetry-pod-high-cpu-memory"]
    assert telemetry.certainty == "possible"
    assert [render("en", item) for item in telemetry.unknowns] == [
        "the host's Azure Local release is unknown (declare host_platform in facts.yaml)",
        "whether akshci-telemetry is present cannot be told from the bundle",
    ]
    # Nodes were collected and none has a GPU: the GPU issue does not concern the cluster.
    assert "aksarc-gpu-default-nodepool-create-fails" not in found


def test_components_are_detected_in_the_bundle() -> None:
    gpu = node("moc-gpu")
    gpu["status"]["capacity"]["nvidia.com/gpu"] = "1"
    found = matches(make_snapshot(nodes=[gpu], facts={}), "2025-06-01")
    assert found["aksarc-gpu-default-nodepool-create-fails"].certainty == "confirmed"
    budget = {"name": "azure-wi-webhook", "namespace": "arc-workload-identity"}
    listed = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": budget}
    budgets = {"poddisruptionbudgets": [listed]}
    snapshot = make_snapshot(
        nodes=[node("moc-a")],
        other_objects=budgets,
        facts={"host_platform": {"kind": "azure-local", "version": "2411"}},
    )
    pdb = matches(snapshot, "2025-01-15")["aksarc-delete-blocked-by-pdb"]
    assert pdb.certainty == "confirmed"
    assert any("PodDisruptionBudget/azure-wi-webhook" in render("en", r) for r in pdb.reasons)
    none = make_snapshot(
        nodes=[node("moc-a")],
        other_objects={"poddisruptionbudgets": []},
        facts={"host_platform": {"kind": "azure-local", "version": "2411"}},
    )
    assert "aksarc-delete-blocked-by-pdb" not in matches(none, "2025-01-15")


def test_kubernetes_version_spans() -> None:
    issues = parse_known_issues(
        records_file(
            record(id="exact", affected={"components": ["node-image"],
                                         "kubernetes": {"from": "1.29.0", "through": "1.29.4"}}),
            record(id="minor", affected={"components": ["node-image"],
                                         "kubernetes": {"through": "1.29"}}),
        ),
        "test.yaml",
    )  # fmt: skip

    def found(version: str | None) -> dict[str, str]:
        parts: dict[str, Any] = {"nodes": [node("moc-a")]}
        if version:
            parts["version"] = {"gitVersion": version}
        return {
            k: v.certainty for k, v in matches(make_snapshot(**parts), "2025-06-01", issues).items()
        }

    assert found("v1.29.4") == {"exact": "confirmed", "minor": "confirmed"}
    assert found("v1.29.13") == {"minor": "confirmed"}
    assert found("v1.30.0") == {}
    assert found("v1.28.9") == {"minor": "confirmed"}
    assert found(None) == {"exact": "possible", "minor": "possible"}


def test_an_overdue_fix_is_said_so() -> None:
    issues = parse_known_issues(
        records_file(
            record(expected_by="2025-03-31"), record(id="later", expected_by="2099-01-01")
        ),
        "test.yaml",
    )
    found = matches(make_snapshot(nodes=[node("moc-a")]), "2025-06-01", issues)
    assert render("en", found["test-issue"].fix) == (
        "The fix was expected by 2025-03-31; check the release notes for it."
    )
    assert render("en", found["later"].fix) == "No fixed release is named yet; use the workaround."


@pytest.mark.parametrize("lang", LANGS)
def test_match_messages_render_in_both_languages(lang: str) -> None:
    snapshot = with_host(read_snapshot(EXAMPLES / "healthy"), "2503")
    for item in matches(snapshot, "2025-09-15").values():
        for message in (*item.reasons, *item.unknowns, item.fix):
            assert "{" not in render(lang, message)


# --- validation --------------------------------------------------------------------------------

BAD_RECORDS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown field": (record(severity="high"), "unknown field `severity`"),
    "unknown component": (
        record(affected={"components": ["etcd"]}),
        "records[0].affected.components[0]",
    ),
    "bad release": (record(fixed_in="25-07"), "not an Azure Local release"),
    "unquoted release": (record(fixed_in=2507), 'quote release names and versions ("2507")'),
    "fixed without release": (record(status="fixed"), "names the release that fixes it"),
    "fix before the span": (
        record(fixed_in="2503", affected={"components": ["kube-apiserver"],
                                          "azure_local": {"from": "2503", "through": "2504"}}),
        "must come after the affected releases",
    ),
    "reversed span": (
        record(affected={"components": ["kube-apiserver"],
                         "azure_local": {"from": "2505", "through": "2503"}}),
        "`from` is after `through`",
    ),
    "bad version": (
        record(affected={"components": ["kube-apiserver"], "kubernetes": {"from": "latest"}}),
        "not a Kubernetes version",
    ),
    "no symptoms": (record(symptoms=[]), "symptoms: list at least one"),
    "not a link": (record(source="learn.microsoft.com/x"), "not an http(s) link"),
    "bad id": (record(id="Has Spaces"), "lower-case letters"),
    "empty workaround": (record(workaround=" "), "workaround: must not be empty"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_malformed_records_are_refused_with_the_file_and_record(case: str) -> None:
    item, expected = BAD_RECORDS[case]
    with pytest.raises(InputError) as raised:
        parse_known_issues(records_file(item), "mine.yaml")
    assert raised.value.where == "mine.yaml"
    assert expected in raised.value.problem
    assert "\n" not in str(raised.value)


def test_file_level_problems() -> None:
    with pytest.raises(InputError, match="records\\[1\\]: id test-issue appears twice"):
        parse_known_issues(records_file(record(), record()), "dup.yaml")
    with pytest.raises(InputError, match=r"schema: 'other/v1' is not arcsupport\.known-issues/v1"):
        parse_known_issues(b"schema: other/v1\nrecords: []\n", "schema.yaml")
    with pytest.raises(InputError, match="a known-issue file is a mapping"):
        parse_known_issues(b"- 1\n", "list.yaml")
    with pytest.raises(InputError, match="malformed YAML"):
        parse_known_issues(b"records: [\n", "broken.yaml")


def test_own_records_replace_shipped_ones_and_may_not_repeat(tmp_path: Path) -> None:
    own = record(id="aksarc-deleted-cluster-still-in-portal", title="Our own wording")
    first = tmp_path / "a.yaml"
    first.write_bytes(records_file(own))
    loaded = {issue.id: issue for issue in load_known_issues([first])}
    assert loaded["aksarc-deleted-cluster-still-in-portal"].title == "Our own wording"
    assert len(loaded) == len(builtin_known_issues())
    (tmp_path / "b.yaml").write_bytes(records_file(own))
    with pytest.raises(InputError, match="is already set in"):
        load_known_issues([tmp_path])
    with pytest.raises(InputError, match="no such known-issue file"):
        load_known_issues([tmp_path / "missing.yaml"])


# --- the command -------------------------------------------------------------------------------


def test_cli_list(arcsupport: Any, tmp_path: Path) -> None:
    code, out, err = arcsupport("known-issues", "list")
    assert (code, err) == (0, "")
    assert out.startswith("Known issues (8)")
    code, out, _ = arcsupport("known-issues", "list", "-o", "json")
    document = json.loads(out)
    assert document["schema"] == "arcsupport.known-issues/v1"
    assert len(document["records"]) == 8
    # The JSON is itself a record file.
    copy = tmp_path / "copy.yaml"
    copy.write_text(out)
    assert parse_known_issues(copy.read_bytes(), str(copy)) == builtin_known_issues()


def test_cli_match_exit_codes_and_json(arcsupport: Any, tmp_path: Path) -> None:
    code, out, _ = arcsupport("known-issues", "match", "examples/healthy", "--at", "2025-09-15")
    assert code == 0  # only an issue of an operation any cluster may run
    assert "[general] aksarc-deleted-cluster-still-in-portal" in out
    bundle = tmp_path / "older"
    shutil.copytree(EXAMPLES / "healthy", bundle)
    (bundle / "facts.yaml").write_text(
        "host_platform:\n  kind: azure-local\n  version: '2503'\nnode_subnets: ['172.16.30.0/24']\n"
    )
    code, out, _ = arcsupport(
        "known-issues", "match", str(bundle), "--at", "2025-04-15", "-o", "json"
    )
    assert code == 1
    document = json.loads(out)
    assert document["schema"] == "arcsupport.known-issues/v1"
    assert document["azure_local_release"] == "2503"
    by_id = {item["id"]: item for item in document["matches"]}
    assert by_id["aksarc-upgrade-stuck-upgrading-2503-2504"]["certainty"] == "confirmed"
    assert by_id["aksarc-upgrade-stuck-upgrading-2503-2504"]["record"]["fixed_in"] == "2505"
    for lang in LANGS:
        code, out, _ = arcsupport(
            "known-issues", "match", str(bundle), "--at", "2025-04-15", "--lang", lang
        )
        assert code == 1
        for line in out.splitlines():
            assert cell_len(line) <= 80, line


def test_cli_malformed_known_issue_file_exits_2_with_one_line(
    arcsupport: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(records_file(record(fixed_in="25-07")))
    for command in (("list",), ("match", "examples/healthy")):
        code, out, err = arcsupport("known-issues", *command, "--known-issues", str(bad))
        assert (code, out) == (2, "")
        assert err.startswith(f"arcsupport: error: {bad}: records[0] (test-issue): fixed_in")
        assert err.count("\n") == 1
