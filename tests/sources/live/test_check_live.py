"""`arcsupport check --live`: collect through the kubeconfig, then assess, in one command."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

import arcsupport.sources.live.kubernetes as collector
from helpers import EXAMPLES, run_cli
from kube_emulator import from_bundle, write_kubeconfig

WHEN = "2025-09-15"


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "_BACKOFF_SECONDS", 0.01)


def _leftovers() -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob("arcsupport-live-*"))


def test_live_check_assesses_what_the_cluster_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _leftovers()
    with from_bundle(EXAMPLES / "deprecated-version") as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url)
        code, out, err = run_cli(
            capsys, "check", "--live", "--kubeconfig", str(kubeconfig), "--at", WHEN, "-o", "json"
        )
    assert (code, err) == (1, "")  # the version is out of support: findings at the default level
    document = json.loads(out)
    assert document["cluster"]["kubernetes_version"] == "1.28.14"
    lifecycle = [f for f in document["findings"] if f["rule"] == "version-lifecycle"]
    assert lifecycle and lifecycle[0]["severity"] == "unsupported"
    # Served objects, observed: the evidence points at the collected (now removed) bundle.
    assert all(e["provenance"] == "observed" for e in lifecycle[0]["evidence"])
    assert _leftovers() == before  # the temporary bundle is gone


def test_live_check_can_keep_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "kept.tar.gz"
    with from_bundle(EXAMPLES / "healthy") as emulator:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url)
        code, _, err = run_cli(
            capsys, "check", "--live", "--kubeconfig", str(kubeconfig), "--save-bundle",
            str(kept), "--at", WHEN,
        )  # fmt: skip
    assert code == 0
    assert err.startswith(f"wrote {kept}: ")
    code, out, _ = run_cli(capsys, "check", str(kept), "--at", WHEN, "-o", "json")
    assert json.loads(out)["cluster"]["kubernetes_version"] == "1.31.5"


def test_unreachable_cluster_is_one_line_and_nothing_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _leftovers()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:9")
    kept = tmp_path / "kept"
    code, out, err = run_cli(
        capsys, "check", "--live", "--kubeconfig", str(kubeconfig), "--save-bundle", str(kept)
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("arcsupport: error:")
    assert not kept.exists()
    assert list(tmp_path.iterdir()) == [kubeconfig]
    assert _leftovers() == before


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["check", "--live", "examples/healthy"], "not both"),
        (["check"], "or --live"),
        (["check", "examples/healthy", "--save-bundle", "x"], "go with --live"),
        (["check", "examples/healthy", "--kubeconfig", "k"], "go with --live"),
    ],
)
def test_source_and_live_options_are_exclusive(
    capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (2, "")
    assert problem in err and err.count("\n") == 1


def test_live_check_with_azure_uses_both_sides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole --live path with the Azure half: the SDK clients talk to the ARM stand-in
    on loopback with a fake credential (the real DefaultAzureCredential is never built)."""
    import functools

    import arcsupport.sources.live.azure as azure_collector
    from arm_emulator import (
        CLUSTER_ID,
        FULL_RUN,
        TOKEN,
        ArmEmulator,
        FakeCredential,
        aks_arc_bodies,
        serve_aks_arc,
    )

    monkeypatch.setattr("azure.identity.DefaultAzureCredential", lambda: FakeCredential())
    arm = ArmEmulator(TOKEN).start()
    try:
        serve_aks_arc(arm, aks_arc_bodies(last_connected="2025-08-01T08:15:00+00:00"))
        monkeypatch.setattr(
            azure_collector,
            "collect_azure",
            functools.partial(azure_collector.collect_azure, base_url=arm.base_url),
        )
        with from_bundle(EXAMPLES / "healthy") as emulator:
            kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url)
            code, out, err = run_cli(
                capsys, "check", "--live", "--kubeconfig", str(kubeconfig),
                "--azure-resource-id", CLUSTER_ID, "--at", WHEN, "-o", "json",
            )  # fmt: skip
        assert arm.calls() == FULL_RUN
    finally:
        arm.stop()
    assert err == ""
    document = json.loads(out)
    # Offline since 2025-08-01: more than 30 days on 2025-09-15, so day-2 operations block.
    connectivity = [f for f in document["findings"] if f["rule"] == "connectivity"]
    assert connectivity and connectivity[0]["severity"] == "blocked"
    assert document["operations"]["upgrade"]["decision"] == "block"
    assert "connectivity" in document["coverage"]["evaluated"]
    unsupported = [f["rule"] for f in document["findings"] if f["severity"] == "unsupported"]
    assert code == (1 if unsupported else 0), unsupported
