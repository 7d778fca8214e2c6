"""The policy pack: the shipped one loads and covers POLICY.md; bad packs are refused with the
file, the field and the reason; overlays and whole user packs work."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from arcsupport.engine.assess import assess
from arcsupport.errors import InputError, PolicyError
from arcsupport.policy.loader import load_pack
from arcsupport.sources.read import read_snapshot
from helpers import DATA, at, run_cli

SHIPPED = Path(str(resources.files("arcsupport.policy") / "packs" / "aks-arc"))
BUNDLES = DATA / "bundles"

# Every clause ID of POLICY.md (../shared/POLICY.md; CI has no copy of it).
POLICY_CLAUSES = (
    "VER-1",
    "VER-2",
    "VER-3",
    "VER-4",
    "VER-5",
    "VER-6",
    "VER-7",
    "VER-8",
    "VER-9",
    "MGD-1",
    "MGD-2",
    "MGD-3",
    "SVP-1",
    "SVP-2",
    "SVP-3",
    "SHR-1",
    "SHR-2",
    "SHR-3",
    "SHR-4",
    "COV-IN-1",
    "COV-IN-2",
    "COV-IN-3",
    "COV-IN-4",
    "COV-IN-5",
    "COV-IN-6",
    "COV-IN-7",
    "COV-IN-8",
    "COV-OUT-1",
    "COV-OUT-2",
    "COV-OUT-3",
    "COV-OUT-4",
    "NODE-V-1",
    "NODE-V-2",
    "NODE-V-3",
    "NODE-C-1",
    "NODE-C-2",
    "CUST-1",
    "CUST-2",
    "CUST-3",
    "CUST-4",
    "SEC-1",
    "SEC-2",
    "ACC-1",
    "NET-1",
    "NET-2",
    "STOP-1",
    "STOP-2",
    "STOP-3",
    "CONN-1",
    "CONN-2",
    "CONN-3",
    "CONN-4",
    "CONN-5",
    "SUB-1",
    "SUB-2",
    "PRV-1",
    "PRV-2",
    "PRV-3",
    "UPS-1",
    "UPS-2",
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def overlay(tmp_path: Path, text: str, name: str = "overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text("extends: aks-arc\n" + text)
    return path


def user_pack(tmp_path: Path) -> Path:
    folder = tmp_path / "my-pack"
    shutil.copytree(SHIPPED, folder)
    return folder


# --- the shipped pack --------------------------------------------------------------------------


def test_the_shipped_pack_loads() -> None:
    pack = load_pack()
    assert pack.pack.name == "aks-arc"
    assert pack.thresholds.support_window_days == 365
    assert pack.thresholds.removal_grace_days == 30
    assert pack.calendar.kubernetes["1.28"].end_of_support is not None
    assert pack.calendar.kubernetes["1.28"].end_of_support.isoformat() == "2025-08-31"
    assert pack.calendar.kubernetes["1.29"].end_of_support is not None
    assert pack.calendar.kubernetes["1.29"].end_of_support.isoformat() == "2025-10-31"


def test_every_policy_clause_is_in_the_pack_with_english_and_korean() -> None:
    assert len(POLICY_CLAUSES) == 60
    assert len(set(POLICY_CLAUSES)) == 60
    pack = load_pack()
    missing = [clause for clause in POLICY_CLAUSES if clause not in pack.clauses]
    assert missing == []
    extra = [clause for clause in pack.clauses if clause not in POLICY_CLAUSES]
    assert extra == [], "the pack cites clauses POLICY.md does not have"
    for clause_id in POLICY_CLAUSES:
        clause = pack.clauses[clause_id]
        assert clause_id.startswith(clause.section + "-"), clause_id
        for text in (clause.text, clause.check, clause.fix):
            assert text.en.strip(), clause_id
            assert HANGUL.search(text.ko), f"{clause_id}: no Korean text"
            assert not HANGUL.search(text.en), f"{clause_id}: Korean in the English text"
    for section in pack.sections.values():
        assert section.en and HANGUL.search(section.ko)


def test_the_shipped_pack_shows_and_loads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "policy", "show")
    assert (code, err) == (0, "")
    shown = tmp_path / "shown.yaml"
    shown.write_text(out)
    assert load_pack(shown) == load_pack()
    code, out, _ = run_cli(capsys, "policy", "show", "--output", "json")
    assert code == 0
    shown_json = tmp_path / "shown.json.yaml"  # JSON is YAML
    shown_json.write_text(out)
    assert load_pack(shown_json) == load_pack()


# --- bad packs ---------------------------------------------------------------------------------

BAD_OVERLAYS: list[tuple[str, str, str, str]] = [
    # (id, overlay body, field, reason)
    (
        "wrong type",
        "thresholds:\n  support_window_days: a year\n",
        "thresholds.support_window_days",
        "Expected `int`, got `str`",
    ),
    (
        "unknown key",
        "thresholds:\n  support_window_dayz: 365\n",
        "thresholds",
        "unknown field `support_window_dayz`",
    ),
    ("unknown top-level key", "threshold: {}\n", "threshold", "unknown field `threshold`"),
    (
        "bad effect",
        "clauses:\n  VER-1: {effect: fatal}\n",
        "clauses[...].effect",
        "Invalid enum value 'fatal'",
    ),
    (
        "clause with unknown section",
        "clauses:\n  VER-1: {section: VERS}\n",
        "clauses.VER-1.section",
        "unknown section 'VERS'",
    ),
    (
        "component citing an unknown clause",
        "components:\n  calico: {clauses: [COV-IN-77]}\n",
        "components.calico.clauses",
        "unknown clause COV-IN-77",
    ),
    (
        "release name not YYMM",
        'calendar:\n  azure_local:\n    "25-08": {released: 2025-08-01, kubernetes: []}\n',
        "calendar.azure_local.25-08",
        "not a YYMM release name",
    ),
    (
        "release month 13",
        'calendar:\n  azure_local:\n    "2513": {released: 2025-12-01, kubernetes: []}\n',
        "calendar.azure_local.2513",
        "not a YYMM release name",
    ),
    (
        "release date outside its month",
        'calendar:\n  azure_local:\n    "2509": {released: 2025-10-01}\n',
        "calendar.azure_local.2509.released",
        "not in the month the name 2509 stands for",
    ),
    (
        "patch of a minor missing from calendar.kubernetes",
        'calendar:\n  azure_local:\n    "2511": {released: 2025-11-03, kubernetes: ["1.35.1"]}\n',
        "calendar.azure_local.2511.kubernetes",
        "which calendar.kubernetes lacks",
    ),
    (
        "not a version in a release",
        'calendar:\n  azure_local:\n    "2511": {released: 2025-11-03, kubernetes: ["latest"]}\n',
        "calendar.azure_local.2511.kubernetes",
        "'latest' is not a version",
    ),
    (
        "first_azure_local inconsistent with the listings",
        'calendar:\n  kubernetes:\n    "1.31": {first_azure_local: "2509"}\n',
        "calendar.kubernetes.1.31.first_azure_local",
        "first offer 1.31 in 2508",
    ),
    (
        "first_azure_local for a minor no release lists",
        'calendar:\n  kubernetes:\n    "1.33": {first_azure_local: "2510"}\n',
        "calendar.kubernetes.1.33.first_azure_local",
        "no release",
    ),
    (
        "minor key not major.minor",
        'calendar:\n  kubernetes:\n    "1.35.0": {upstream_release: 2025-12-17}\n',
        "calendar.kubernetes.1.35.0",
        "major.minor",
    ),
    (
        "end_of_support before upstream release",
        'calendar:\n  kubernetes:\n    "1.30": {end_of_support: 2024-01-01}\n',
        "calendar.kubernetes.1.30.end_of_support",
        "not after the upstream release",
    ),
    (
        "bad regex",
        "platforms:\n  node_os:\n    azure-linux-3: {os_image_patterns: ['(?i)azure linux (3']}\n",
        "platforms.node_os.azure-linux-3.os_image_patterns",
        "is not a regular expression",
    ),
    (
        "Windows Server host without its end",
        'platforms:\n  windows_server:\n    "2019": {end_of_support: null}\n',
        "platforms.windows_server.2019.end_of_support",
        "a supported host needs its end_of_support date",
    ),
    (
        "an end for a Windows Server version that is no host",
        'platforms:\n  windows_server:\n    "2025": {end_of_support: 2030-01-01}\n',
        "platforms.windows_server.2025.end_of_support",
        "not a supported host has no end_of_support",
    ),
    (
        "bad version in deprecated_apis",
        "deprecated_apis:\n  - {api_version: apps/v1beta1, kind: Deployment, deprecated_in: '1.9',"
        " removed_in: soon, replacement: apps/v1}\n",
        "deprecated_apis[0].removed_in",
        "'soon' is not a version",
    ),
    (
        "missing field in deprecated_apis",
        "deprecated_apis:\n  - {api_version: apps/v1beta1, kind: Deployment}\n",
        "deprecated_apis[0]",
        "missing required field",
    ),
    (
        "zero threshold",
        "thresholds:\n  warning_horizon_days: 0\n",
        "thresholds.warning_horizon_days",
        "Expected `int` >= 1",
    ),
    (
        "negative threshold",
        "thresholds:\n  removal_grace_days: -30\n",
        "thresholds.removal_grace_days",
        "Expected `int` >= 1",
    ),
    # Huge values once overflowed the date arithmetic (OverflowError, year out of range).
    (
        "support window of more than ten years",
        "thresholds:\n  support_window_days: 1000000000000000\n",
        "thresholds.support_window_days",
        "Expected `int` <= 3650",
    ),
    (
        "Azure Local support of more than ten years",
        "thresholds:\n  azure_local_support_months: 1000000000\n",
        "thresholds.azure_local_support_months",
        "Expected `int` <= 120",
    ),
    (
        "N-100 minors",
        "thresholds:\n  supported_minors: 101\n",
        "thresholds.supported_minors",
        "Expected `int` <= 100",
    ),
    (
        "negative skew",
        "skew:\n  kubelet: {max_newer: -1}\n",
        "skew.kubelet.max_newer",
        "Expected `int` >= 0",
    ),
    (
        "boolean threshold",
        "thresholds:\n  disconnected_days: true\n",
        "thresholds.disconnected_days",
        "Expected `int`, got `bool`",
    ),
    (
        "expected image reading an add-on a minor lacks",
        'managed:\n  versions:\n    "1.32": {coredns: v1.11.3}\n',
        "managed.components[2].containers",
        "mcr.microsoft.com/oss/calico/node:{calico} needs calico, which managed.versions.1.32 "
        "lacks",
    ),
    (
        "managed versions keyed by a patch",
        'managed:\n  versions:\n    "1.31.5": {coredns: v1.11.3}\n',
        "managed.versions.1.31.5",
        "key must be major.minor",
    ),
    (
        "expected image with a format spec",
        "managed:\n  components:\n    - {kind: Deployment, name: x,"
        " containers: [{name: x, image: 'x:{coredns:>9}'}]}\n",
        "managed.components[0].containers",
        "is not a plain {name}",
    ),
    (
        "control-plane taint without an effect",
        "system_metadata:\n  control_plane_taints: [node-role.kubernetes.io/control-plane]\n",
        "system_metadata.control_plane_taints",
        "is not key[=value]:Effect",
    ),
    (
        "control-plane taints since no version",
        "system_metadata:\n  control_plane_taints_since: always\n",
        "system_metadata.control_plane_taints_since",
        "must be major.minor",
    ),
    (
        "node image keyed by a minor",
        'node_images:\n  "1.31": []\n',
        "node_images.1.31",
        "key must be major.minor.patch",
    ),
    (
        "node image of an unknown OS",
        'node_images:\n  "1.31.6": [{os: ubuntu, os_image: Ubuntu, kernel: "6.8",'
        ' containerd: "1.7", source: x}]\n',
        "node_images.1.31.6[0].os",
        "unknown platforms.node_os 'ubuntu'",
    ),
    (
        "node image whose name is not its OS's",
        'node_images:\n  "1.31.6": [{os: azure-linux-3, os_image: "CBL-Mariner/Linux",'
        ' kernel: "6.6", containerd: "1.7", source: x}]\n',
        "node_images.1.31.6[0].os_image",
        "matches none of platforms.node_os.azure-linux-3's patterns",
    ),
    (
        "a clause checked by the same rule twice",
        "clauses:\n  VER-1: {checked_by: [version-lifecycle, version-lifecycle]}\n",
        "clauses.VER-1.checked_by",
        "names a rule twice",
    ),
    (
        "an AKS Arc pool label SHR-4 would not guard",
        "identity:\n  node_pool_label: example.com/pool\n",
        "identity.node_pool_label",
        "'example.com/pool' matches no system label of system_metadata.labels",
    ),
    ("extends not a name", "", "extends", "must be a pack name"),
]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [case[1:] for case in BAD_OVERLAYS],
    ids=[case[0] for case in BAD_OVERLAYS],
)
def test_a_bad_overlay_is_refused_with_file_field_and_reason(
    body: str, field: str, reason: str, tmp_path: Path
) -> None:
    path = overlay(tmp_path, body)
    if field == "extends":
        path.write_text("extends: [aks-arc]\n")
    with pytest.raises(PolicyError) as refused:
        load_pack(path)
    error = refused.value
    assert error.where == str(path), f"names {error.where}, not the overlay"
    assert f"field {field}" in error.problem
    assert reason in error.problem


def test_a_bad_pack_is_refused_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(tmp_path, "thresholds:\n  warning_horizon_days: -1\n")
    for args in (
        ["policy", "show", "--policy", str(path)],
        ["versions", "--policy", str(path), "--at", "2025-09-15"],
        ["check", str(BUNDLES / "version-only"), "--policy", str(path), "--at", "2025-09-15"],
    ):
        code, out, err = run_cli(capsys, *args)
        assert code == 2
        assert out == ""
        assert err.splitlines() == [
            f"arcsupport: error: {path}: field thresholds.warning_horizon_days: Expected `int` >= 1"
        ]


@pytest.mark.parametrize(
    ("checked_by", "rules"),
    [("[]", "version-lifecycle"), ("[version-lifecycle, node-drift]", "version-lifecycle")],
)
def test_a_clause_must_name_exactly_the_rules_that_cite_it(
    checked_by: str, rules: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`explain` shows the pack's account of how a clause is checked; a list of rules that
    differs from what the rules themselves cite would make that account a claim."""
    path = overlay(tmp_path, f"clauses:\n  VER-1: {{checked_by: {checked_by}}}\n")
    for args in (
        ["check", str(BUNDLES / "version-only"), "--policy", str(path), "--at", "2025-09-15"],
        ["explain", "VER-1", "--policy", str(path)],
    ):
        code, out, err = run_cli(capsys, *args)
        assert (code, out) == (2, "")
        assert err.splitlines() == [
            f"arcsupport: error: pack aks-arc: clauses.VER-1.checked_by: says "
            f"{checked_by}, but the rules citing VER-1 are [{rules}]"
        ]


def test_duplicate_top_level_key_across_files(tmp_path: Path) -> None:
    folder = user_pack(tmp_path)
    (folder / "more.yaml").write_text("thresholds:\n  warning_horizon_days: 30\n")
    with pytest.raises(PolicyError) as refused:
        load_pack(folder)
    assert refused.value.where == str(folder / "pack.yaml")
    assert "top-level key 'thresholds' is already set in" in refused.value.problem
    assert str(folder / "more.yaml") in refused.value.problem


def test_unknown_top_level_key_in_a_user_pack_names_its_file(tmp_path: Path) -> None:
    folder = user_pack(tmp_path)
    (folder / "zz-extra.yaml").write_text("extras: {a: 1}\n")
    with pytest.raises(PolicyError) as refused:
        load_pack(folder)
    assert refused.value.where == str(folder / "zz-extra.yaml")
    assert "extras" in refused.value.problem


def test_a_user_pack_missing_a_file_names_the_pack_and_the_field(tmp_path: Path) -> None:
    folder = user_pack(tmp_path)
    (folder / "apis.yaml").unlink()
    with pytest.raises(PolicyError) as refused:
        load_pack(folder)
    assert refused.value.where == str(folder)
    assert "missing required field `deprecated_apis`" in refused.value.problem


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "missing required field `pack`"),
        ("- a\n- b\n", "must be a mapping"),
        ("pack: {name: x\n", "malformed YAML at line 2"),
        ("pack: {data_as_of: 2025-02-30}\n", "malformed YAML"),
    ],
)
def test_an_empty_or_broken_policy_file(content: str, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(content)
    with pytest.raises(InputError) as refused:
        load_pack(path)
    assert refused.value.where == str(path)
    assert reason in refused.value.problem


def test_missing_policy_paths(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file or folder"):
        load_pack(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyError, match=r"holds no \.yaml files"):
        load_pack(tmp_path / "empty")
    other = tmp_path / "other.yaml"
    other.write_text("extends: aks-arm\n")
    with pytest.raises(PolicyError, match="no such shipped pack"):
        load_pack(other)


# --- overlays and user packs -------------------------------------------------------------------

OVERLAY = """\
thresholds:
  warning_horizon_days: 90
calendar:
  kubernetes:
    "1.33": {first_azure_local: "2511"}
  azure_local:
    "2511":
      released: 2025-11-01
      kubernetes: ["1.31.10", "1.31.11", "1.32.6", "1.32.7", "1.33.2", "1.33.3"]
"""


def test_an_overlay_merges_key_by_key(tmp_path: Path) -> None:
    base = load_pack()
    pack = load_pack(overlay(tmp_path, OVERLAY))
    assert pack.thresholds.warning_horizon_days == 90
    # Everything else stays as shipped, including the rest of the entry the overlay touched.
    assert pack.thresholds.support_window_days == base.thresholds.support_window_days
    assert pack.calendar.kubernetes["1.33"].upstream_release.isoformat() == "2025-04-23"
    assert pack.calendar.kubernetes["1.33"].first_azure_local == "2511"
    assert set(pack.calendar.azure_local) == {*base.calendar.azure_local, "2511"}
    assert pack.clauses == base.clauses


def test_an_overlay_shows_in_policy_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(tmp_path, OVERLAY)
    code, out, _ = run_cli(capsys, "policy", "show", "--policy", str(path))
    assert code == 0
    shown: dict[str, Any] = yaml.safe_load(out)
    code, out, _ = run_cli(capsys, "policy", "show", "--policy", str(path), "--output", "json")
    assert code == 0
    shown_json: dict[str, Any] = json.loads(out)
    for document in (shown, shown_json):
        assert document["thresholds"]["warning_horizon_days"] == 90
        assert document["thresholds"]["support_window_days"] == 365
        assert document["calendar"]["azure_local"]["2511"]["kubernetes"][-1] == "1.33.3"
        assert "2510" in document["calendar"]["azure_local"]
        assert document["calendar"]["kubernetes"]["1.33"]["first_azure_local"] == "2511"
    assert json.loads(json.dumps(shown, default=str)) == shown_json


def test_an_overlay_changes_the_calendar_the_commands_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(tmp_path, OVERLAY)
    code, out, _ = run_cli(capsys, "versions", "--at", "2025-11-15", "-o", "json")
    assert code == 0
    shipped = {row["minor"]: row for row in json.loads(out)["versions"]}
    code, out, _ = run_cli(
        capsys, "versions", "--at", "2025-11-15", "-o", "json", "--policy", str(path)
    )
    assert code == 0
    changed = {row["minor"]: row for row in json.loads(out)["versions"]}
    assert shipped["1.33"]["status"] == "unreleased"
    assert changed["1.33"]["status"] == "supported"
    assert changed["1.33"]["patches"] == ["1.33.3", "1.33.2"]
    assert changed["1.30"]["status"] == "deprecated"  # 2511 no longer offers it


def test_a_full_user_pack_in_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = user_pack(tmp_path)
    text = (folder / "pack.yaml").read_text()
    (folder / "pack.yaml").write_text(text.replace("name: aks-arc", "name: my-pack", 1))
    pack = load_pack(folder)
    assert pack.pack.name == "my-pack"
    code, out, _ = run_cli(
        capsys,
        "check",
        str(BUNDLES / "current"),
        "--policy",
        str(folder),
        "--at",
        "2025-09-15",
        "-o",
        "json",
    )
    assert code == 0
    assert json.loads(out)["policy"]["name"] == "my-pack"


def test_the_engine_refuses_a_pack_missing_clauses_rules_cite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = user_pack(tmp_path)
    clauses_file = folder / "clauses.yaml"
    document = yaml.safe_load(clauses_file.read_text())
    del document["clauses"]["VER-4"]
    clauses_file.write_text(yaml.safe_dump(document, allow_unicode=True))
    pack = load_pack(folder)  # consistent in itself: no component or triage rule cites VER-4
    snapshot = read_snapshot(BUNDLES / "version-only")
    with pytest.raises(PolicyError, match="VER-4") as refused:
        assess(snapshot, pack, at("2025-09-15"))
    assert "version-lifecycle" in refused.value.problem
    code, out, err = run_cli(
        capsys,
        "check",
        str(BUNDLES / "version-only"),
        "--policy",
        str(folder),
        "--at",
        "2025-09-15",
    )
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "VER-4" in err
