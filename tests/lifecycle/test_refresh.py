"""`arcsupport policy update`: fresh version data merged into the user's overlay (in
ARCSUPPORT_CONFIG_DIR, which tests/conftest.py points at a temporary folder), never into the
shipped pack. A kubernetesVersions payload is an observation of the day it was taken: new
versions count as offered from that day, versions it no longer lists as removed that day. An
endoflife.date release-data file fills upstream release dates."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from arcsupport.policy import loader
from helpers import REFERENCE, reference_body, run_cli, versions_payload

ENDOFLIFE = REFERENCE / "k8s" / "endoflife.date" / "release-data-kubernetes.json"
PACKS = Path(loader.__file__).parent / "packs"
DAY = "2025-11-20"  # after Azure Local 2510 (1.30.13/14, 1.31.9/10, 1.32.5/6)


# What a custom location on Azure Local 2510 lists once a new 1.31 patch arrived.
CURRENT = {
    "1.30": ["1.30.13", "1.30.14"],
    "1.31": ["1.31.9", "1.31.10", "1.31.11"],
    "1.32": ["1.32.5", "1.32.6"],
}
# ... and after 1.30 left the list and 1.33 came as a preview.
WITHOUT_130 = {
    "1.31": ["1.31.10", "1.31.11"],
    "1.32": ["1.32.5", "1.32.6"],
    "1.33": ["1.33.2"],
}


def config_dir() -> Path:
    return Path(os.environ["ARCSUPPORT_CONFIG_DIR"])


def overlay() -> Path:
    return config_dir() / "overlay.yaml"


def pack_digest() -> dict[str, str]:
    return {
        str(path.relative_to(PACKS)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(PACKS.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def arcsupport(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Any:
    """Run the command in-process: (exit code, stdout, stderr); the shipped pack never changes."""
    monkeypatch.chdir(tmp_path)
    before = pack_digest()

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    yield run
    assert pack_digest() == before, "the shipped pack changed"


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def versions(arcsupport: Any, day: str) -> dict[str, dict[str, Any]]:
    code, out, err = arcsupport("versions", "--at", day, "-o", "json")
    assert (code, err) == (0, "")
    return {row["minor"]: row for row in json.loads(out)["versions"]}


def update(arcsupport: Any, tmp_path: Path, listing: dict[str, list[str]], day: str = DAY) -> str:
    payload = write(tmp_path, f"versions-{len(list(tmp_path.iterdir()))}.json", versions_payload(
        listing, preview=("1.33",)
    ))  # fmt: skip
    code, out, err = arcsupport(
        "policy", "update", "--from-kubernetes-versions", str(payload), "--at", day
    )
    assert (code, err) == (0, ""), err
    return str(out)


def test_the_test_config_folder_is_used_and_starts_empty() -> None:
    assert loader.user_overlay_path() == overlay()
    assert not overlay().exists()


# --- kubernetesVersions --------------------------------------------------------------------------


def test_new_patches_are_offered_from_the_day_they_were_seen(
    arcsupport: Any, tmp_path: Path
) -> None:
    before = versions(arcsupport, DAY)
    assert before["1.31"]["patches"] == ["1.31.10", "1.31.9"]
    printed = update(arcsupport, tmp_path, CURRENT)
    assert printed.splitlines() == [f"updated {overlay()}", "  new patches: 1.31.11"]
    after = versions(arcsupport, DAY)
    assert after["1.31"]["patches"] == ["1.31.11", "1.31.10"]
    assert after["1.31"]["status"] == "supported"
    # The day before, the calendar is as it was.
    assert versions(arcsupport, "2025-11-19")["1.31"]["patches"] == ["1.31.10", "1.31.9"]
    # Nothing else moved.
    for minor in ("1.29", "1.30", "1.32"):
        assert after[minor] == before[minor], minor


def test_a_minor_no_longer_listed_is_removed_that_day_with_the_grace(
    arcsupport: Any, tmp_path: Path
) -> None:
    """VER-5: a removed minor keeps support for removal_grace_days (30) after its removal;
    before that, still shipped, it had its one-year window (2503 + 365 days = 2026-03-01)."""
    before = versions(arcsupport, DAY)["1.30"]
    assert (before["status"], before["end_of_support"], before["basis"]) == (
        "supported", "2026-03-01", "one-year",
    )  # fmt: skip
    printed = update(arcsupport, tmp_path, WITHOUT_130)
    assert "  no longer listed (removed from this date): 1.30, 1.31.9" in printed.splitlines()
    on_the_day = versions(arcsupport, DAY)["1.30"]
    assert on_the_day["status"] == "deprecated"
    assert on_the_day["end_of_support"] == "2025-12-20"
    assert on_the_day["basis"] == "removal"
    assert versions(arcsupport, "2025-12-19")["1.30"]["status"] == "deprecated"
    assert versions(arcsupport, "2025-12-20")["1.30"]["status"] == "removed"
    # A dropped patch of a minor still listed leaves the supported patches.
    assert versions(arcsupport, DAY)["1.31"]["patches"] == ["1.31.11", "1.31.10"]
    # The preview is recorded as a preview.
    assert versions(arcsupport, DAY)["1.33"]["status"] == "preview"


def test_the_overlay_is_written_in_the_config_folder_and_shown(
    arcsupport: Any, tmp_path: Path
) -> None:
    update(arcsupport, tmp_path, CURRENT)
    assert [path.name for path in config_dir().iterdir()] == ["overlay.yaml"]
    text = overlay().read_text()
    assert text.startswith("# arcsupport user overlay, written by `arcsupport policy update`.\n")
    assert "extends: aks-arc" in text
    code, out, _ = arcsupport("policy", "show", "-o", "json")
    assert code == 0
    shown = json.loads(out)
    observed = shown["calendar"]["observed"]
    assert list(observed) == [DAY]
    assert observed[DAY]["kubernetes"] == [
        "1.30.13", "1.30.14", "1.31.9", "1.31.10", "1.31.11", "1.32.5", "1.32.6",
    ]  # fmt: skip
    assert observed[DAY]["kubernetes_preview"] == []
    assert observed[DAY]["source"].endswith("/kubernetesVersions/default")
    assert shown["pack"]["data_as_of"] == DAY
    code, yaml_out, _ = arcsupport("policy", "show")
    assert "observed:" in yaml_out and "1.31.11" in yaml_out


def test_a_second_run_on_the_same_day_replaces_that_days_observation(
    arcsupport: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = update(arcsupport, tmp_path, WITHOUT_130)
    second = update(arcsupport, tmp_path, CURRENT)
    twice = overlay().read_bytes()
    assert versions(arcsupport, DAY)["1.30"]["status"] == "supported", "listed again"
    # The same as if only the second payload had ever been merged, changes included.
    monkeypatch.setenv("ARCSUPPORT_CONFIG_DIR", str(tmp_path / "fresh"))
    once = update(arcsupport, tmp_path, CURRENT)
    assert overlay().read_bytes() == twice
    assert once.splitlines()[1:] == second.splitlines()[1:] == ["  new patches: 1.31.11"]
    assert "1.30" in first
    # And running the same payload again changes nothing.
    update(arcsupport, tmp_path, CURRENT)
    assert overlay().read_bytes() == twice


def test_observations_of_different_days_are_kept(arcsupport: Any, tmp_path: Path) -> None:
    update(arcsupport, tmp_path, CURRENT, "2025-11-20")
    printed = update(arcsupport, tmp_path, WITHOUT_130, "2025-12-01")
    assert "new patches" not in printed, "1.31.11 was seen on 2025-11-20"
    _, out, _ = arcsupport("policy", "show", "-o", "json")
    shown = json.loads(out)
    assert list(shown["calendar"]["observed"]) == ["2025-11-20", "2025-12-01"]
    assert shown["pack"]["data_as_of"] == "2025-12-01"
    assert versions(arcsupport, "2025-11-25")["1.30"]["status"] == "supported"
    assert versions(arcsupport, "2025-12-01")["1.30"]["end_of_support"] == "2025-12-31"


def test_the_updated_calendar_reaches_check_and_plan(arcsupport: Any, tmp_path: Path) -> None:
    update(arcsupport, tmp_path, WITHOUT_130)
    code, out, _ = arcsupport(
        "plan", "--from", "1.30.14", "--to", "1.30", "--at", DAY, "-o", "json"
    )
    assert code == 1, "1.30 is in its removal grace: the plan does not reach support"
    assert json.loads(out)["reaches_supported"] is False


# --- endoflife.date ------------------------------------------------------------------------------


def test_endoflife_adds_minors_and_their_upstream_dates(arcsupport: Any) -> None:
    before = versions(arcsupport, DAY)
    assert "1.35" not in before
    code, out, err = arcsupport("policy", "update", "--from-endoflife", str(ENDOFLIFE))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"updated {overlay()}",
        "  new minors: 1.35, 1.36",
        "  upstream release dates: 1.35 2025-12-17, 1.36 2026-04-22",
    ]
    after = versions(arcsupport, DAY)
    assert after["1.35"]["status"] == after["1.36"]["status"] == "unreleased"
    _, shown, _ = arcsupport("policy", "show", "-o", "json")
    kubernetes = json.loads(shown)["calendar"]["kubernetes"]
    assert kubernetes["1.35"]["upstream_release"] == "2025-12-17"
    assert kubernetes["1.34"]["upstream_release"] == "2025-08-27", "the shipped date stays"
    # Nothing new the second time.
    _, again, _ = arcsupport("policy", "update", "--from-endoflife", str(ENDOFLIFE))
    assert again.splitlines()[1:] == ["  nothing new; the overlay records the observation"]


def test_endoflife_corrects_an_upstream_date(arcsupport: Any) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    overlay().write_text(
        "extends: aks-arc\ncalendar:\n  kubernetes:\n    '1.34': {upstream_release: 2025-09-01}\n"
    )
    _, shown, _ = arcsupport("policy", "show", "-o", "json")
    assert json.loads(shown)["calendar"]["kubernetes"]["1.34"]["upstream_release"] == "2025-09-01"
    code, out, _ = arcsupport("policy", "update", "--from-endoflife", str(ENDOFLIFE))
    assert code == 0
    assert "1.34 2025-08-27" in out
    _, shown, _ = arcsupport("policy", "show", "-o", "json")
    assert json.loads(shown)["calendar"]["kubernetes"]["1.34"]["upstream_release"] == "2025-08-27"


def test_both_sources_in_turn_share_one_overlay(arcsupport: Any, tmp_path: Path) -> None:
    update(arcsupport, tmp_path, CURRENT)
    arcsupport("policy", "update", "--from-endoflife", str(ENDOFLIFE))
    _, shown, _ = arcsupport("policy", "show", "-o", "json")
    calendar = json.loads(shown)["calendar"]
    assert list(calendar["observed"]) == [DAY]
    assert "1.36" in calendar["kubernetes"]


# --- bad input -----------------------------------------------------------------------------------


def _wrong_patch(body: dict[str, Any]) -> dict[str, Any]:
    body["properties"]["values"][0]["patchVersions"]["1.32.1"] = {"readiness": []}
    return body


BAD: list[tuple[str, list[str], Any, tuple[str, ...]]] = [
    (
        "a connected cluster",
        ["--from-kubernetes-versions"],
        reference_body("connectedClusters-2026-05-01-GetClusterExample.json"),
        ("Microsoft.Kubernetes/connectedClusters", "expected kubernetesVersions"),
    ),
    (
        "a provisioned cluster",
        ["--from-kubernetes-versions"],
        reference_body("hybridaks-2024-01-01-GetProvisionedClusterInstance.json"),
        ("provisionedClusterInstances", "expected kubernetesVersions"),
    ),
    ("malformed JSON", ["--from-kubernetes-versions"], '{"properties": {', ("JSON",)),
    ("not JSON at all", ["--from-endoflife"], "<html>rate limited</html>", ("JSON",)),
    (
        "an empty listing",
        ["--from-kubernetes-versions"],
        versions_payload({}),
        ("lists no Kubernetes versions",),
    ),
    (
        "a patch of another minor",
        ["--from-kubernetes-versions"],
        _wrong_patch(versions_payload({"1.31": ["1.31.10"]})),
        ("patchVersions of 1.31",),
    ),
    (
        "the REST example document itself",
        ["--from-kubernetes-versions"],
        json.loads(
            (REFERENCE / "azure" / "hybridaks-2024-01-01-GetKubernetesVersions.json").read_text()
        ),
        ("lists no Kubernetes versions",),
    ),
    (
        "release data given as versions",
        ["--from-kubernetes-versions"],
        json.loads(ENDOFLIFE.read_text()),
        ("lists no Kubernetes versions",),
    ),
    (
        "versions given as release data",
        ["--from-endoflife"],
        versions_payload(CURRENT),
        ("versions",),
    ),
    ("release data without X.Y.0", ["--from-endoflife"], {"versions": {}}, ("X.Y.0",)),
]


@pytest.mark.parametrize("existing", [False, True], ids=["no overlay yet", "an overlay"])
@pytest.mark.parametrize(
    ("option", "content", "expected"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_payloads_exit_2_and_leave_the_overlay_as_it_was(
    arcsupport: Any,
    tmp_path: Path,
    existing: bool,
    option: list[str],
    content: Any,
    expected: tuple[str, ...],
) -> None:
    if existing:
        update(arcsupport, tmp_path, CURRENT)
    before = overlay().read_bytes() if existing else None
    payload = write(tmp_path, "payload.json", content)
    code, out, err = arcsupport("policy", "update", *option, str(payload), "--at", DAY)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"arcsupport: error: {payload}: ")
    for part in expected:
        assert part in line, f"{part!r} not in {line!r}"
    if existing:
        assert overlay().read_bytes() == before
    else:
        assert not overlay().exists()
    assert sorted(path.name for path in config_dir().iterdir()) == (
        ["overlay.yaml"] if existing else []
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "give --from-kubernetes-versions FILE or --from-endoflife FILE"),
        (["--from-kubernetes-versions", "K", "--from-endoflife", "E"], "give --from"),
        (["--from-kubernetes-versions", "missing.json"], "missing.json"),
        (["--from-kubernetes-versions", "K", "--at", "soon"], "--at"),
    ],
)
def test_bad_usage_exits_2(arcsupport: Any, tmp_path: Path, args: list[str], expected: str) -> None:
    update(arcsupport, tmp_path, CURRENT)
    before = overlay().read_bytes()
    good = write(tmp_path, "k.json", versions_payload(CURRENT))
    named = {"K": str(good), "E": str(ENDOFLIFE), "missing.json": str(tmp_path / "missing.json")}
    code, out, err = arcsupport("policy", "update", *[named.get(arg, arg) for arg in args])
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert expected in line
    assert overlay().read_bytes() == before


def test_a_broken_overlay_is_reported_not_replaced(arcsupport: Any, tmp_path: Path) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    overlay().write_text("- not\n- a mapping\n")
    before = overlay().read_bytes()
    payload = write(tmp_path, "k.json", versions_payload(CURRENT))
    code, out, err = arcsupport("policy", "update", "--from-kubernetes-versions", str(payload))
    assert (code, out) == (2, "")
    assert str(overlay()) in err
    assert overlay().read_bytes() == before
