"""The verdict and every gate decision come from the same facts: the issue found 1.31.3 on
Azure Local 2508 UNSUPPORTED while `gate create-nodepool` said allow (1.28 was blocked for the
same reason). Held here over every example bundle and over a generated set of (version,
release, date) cases built from the pack's own calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arcsupport.engine.assess import Assessment
from arcsupport.semver import KubeVersion
from arcsupport.sources.read import read_snapshot
from helpers import EXAMPLES, at, default_pack, make_snapshot, run_assess

VERSION_RULES = ("version-lifecycle", "version-patch")
EXAMPLE_DATES = ("2025-09-15", "2025-11-01", "2026-04-15")


def assert_verdict_and_gate_agree(result: Assessment) -> list[str]:
    """The invariant, checked on one assessment; returns the keys of the findings it applied to.

    Whenever a finding of version-lifecycle or version-patch is `unsupported` (the cluster's
    Kubernetes version is out of support, removed, or a patch the calendar's releases no longer
    offer), the gate blocks `create-nodepool` (no new node pool on that version: VER-8, VER-9)
    and `upgrade` is `warn` or `block`, never a bare `allow` (the upgrade is the way back:
    VER-2, VER-4, VER-6). A finding about an older minor that a node pool still runs
    (`version-lifecycle.pool-*`) holds `upgrade` to the same but not `create-nodepool`, since a
    new pool takes the cluster's own version."""
    applied = []
    for finding in result.findings:
        if finding.rule not in VERSION_RULES or finding.severity != "unsupported":
            continue
        key = finding.message.key
        applied.append(key)
        upgrade = result.operations["upgrade"]
        assert upgrade.decision in ("warn", "block"), (result.source, key, upgrade)
        assert upgrade.reasons, (result.source, key)
        if not key.startswith("version-lifecycle.pool-"):
            create = result.operations["create-nodepool"]
            assert create.decision == "block", (result.source, result.kubernetes_version, key)
    return applied


EXAMPLE_BUNDLES = sorted(path for path in EXAMPLES.iterdir() if (path / "manifest.json").is_file())


@pytest.mark.parametrize("bundle", EXAMPLE_BUNDLES, ids=[path.name for path in EXAMPLE_BUNDLES])
def test_every_example_bundle_agrees_with_its_gate(bundle: object) -> None:
    snapshot = read_snapshot(bundle)  # type: ignore[arg-type]
    for when in EXAMPLE_DATES:
        assert_verdict_and_gate_agree(run_assess(snapshot, when))


def _cases() -> list[tuple[str, str, str]]:
    """(version, Azure Local release, date): every patch a release of the calendar lists, the
    patches just below and above it (never shipped), on every named release, judged twenty days
    after that release came out and on the demo date."""
    pack = default_pack()
    listed = {
        KubeVersion.parse(text)
        for release in pack.calendar.azure_local.values()
        for text in release.kubernetes
    }
    versions = set()
    for version in listed:
        if version.patch is None:
            continue
        for patch in (version.patch - 1, version.patch, version.patch + 1):
            versions.add(f"{version.major}.{version.minor}.{patch}")
    cases = []
    for name, release in sorted(pack.calendar.azure_local.items()):
        for day in (release.released + timedelta(days=20), at("2025-09-15").date()):
            for version in sorted(versions, key=KubeVersion.parse):
                cases.append((version, name, day.isoformat()))
    return cases


CASES = _cases()


def test_every_generated_version_and_release_agrees_with_its_gate() -> None:
    applied: list[str] = []
    for version, release, when in CASES:
        snapshot = make_snapshot(
            version={"gitVersion": f"v{version}"},
            facts={"host_platform": {"kind": "azure-local", "version": release}},
        )
        snapshot.source = f"{version} on {release} at {when}"
        applied += assert_verdict_and_gate_agree(run_assess(snapshot, when))
    # The cases reach every kind of version finding the invariant is about.
    assert {"version-patch.unsupported", "version-lifecycle.removed"} <= set(applied)
    assert len(applied) > 100


def test_the_issue_case_1_31_3_on_2508() -> None:
    snapshot = make_snapshot(
        version={"gitVersion": "v1.31.3"},
        facts={"host_platform": {"kind": "azure-local", "version": "2508"}},
    )
    result = run_assess(snapshot, "2025-09-15")
    assert result.verdict == "unsupported"
    assert assert_verdict_and_gate_agree(result) == ["version-patch.unsupported"]
    create = result.operations["create-nodepool"]
    assert set(create.clauses) >= {"VER-6", "VER-8", "VER-9"}
