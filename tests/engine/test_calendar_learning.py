"""An assessment judges with the calendar as the cluster's own custom location updates it (its
bundle's azure/kubernetes-versions.json), with the bundle named in the notice and the payload
cited as evidence; a fleet shares the newest such payload among the clusters of one Azure Local
release. The merge itself is tested in tests/lifecycle/test_learn.py."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from arcsupport.engine.assess import Assessment, assess
from arcsupport.engine.fleet import assess_fleet
from arcsupport.i18n import render
from arcsupport.lifecycle.calendar import for_pack
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.read import read_snapshot
from helpers import DATA, aks_arc_connected, at, default_pack, make_snapshot, versions_payload

FRESH = DATA / "bundles" / "fresh"  # 1.33.3 on Azure Local 2605, collected 2026-05-20
AFTER = {
    "1.31": ["1.31.12", "1.31.13"],
    "1.32": ["1.32.8", "1.32.9"],
    "1.33": ["1.33.2", "1.33.3"],
}
AS_2510 = {
    "1.30": ["1.30.13", "1.30.14"],
    "1.31": ["1.31.9", "1.31.10"],
    "1.32": ["1.32.5", "1.32.6"],
}


def without_payload(tmp_path: Path) -> Path:
    copy = tmp_path / "fresh"
    shutil.copytree(FRESH, copy)
    (copy / "azure" / "kubernetes-versions.json").unlink()
    return copy


def cluster(
    version: str,
    listing: dict[str, list[str]] | None = None,
    *,
    collected: str = "2026-05-20T08:00:00Z",
    release: str | None = "2605",
    source: str = "test",
) -> Snapshot:
    parts: dict[str, Any] = {
        "version": {"gitVersion": f"v{version}"},
        "connected_cluster": aks_arc_connected(),
    }
    if listing is not None:
        parts["kubernetes_versions"] = versions_payload(listing)
    if release is not None:
        parts["facts"] = {"host_platform": {"kind": "azure-local", "version": release}}
    snapshot = make_snapshot(**parts)
    snapshot.source = source
    snapshot.parts = {
        name: msgspec.structs.replace(part, path=f"{source}/{part.path}")
        for name, part in snapshot.parts.items()
    }
    snapshot.collected_at = datetime.fromisoformat(collected).astimezone(UTC)
    return snapshot


def keys(assessment: Assessment) -> list[str]:
    return [finding.message.key for finding in assessment.findings]


def judged(assessment: Assessment) -> list[tuple[object, ...]]:
    return [
        (finding.rule, finding.clauses, finding.severity, finding.deadline, finding.evidence)
        for finding in assessment.findings
    ]


def notices(assessment: Assessment) -> list[str]:
    return [notice.key for notice in assessment.notices]


def test_a_cluster_on_a_minor_newer_than_the_pack_is_judged_on_its_locations_offer(
    tmp_path: Path,
) -> None:
    learned = assess(read_snapshot(FRESH), default_pack(), at("2026-06-01"))
    alone = assess(read_snapshot(without_payload(tmp_path)), default_pack(), at("2026-06-01"))
    assert alone.verdict == "at-risk"
    assert "version-lifecycle.not-in-calendar" in keys(alone)
    assert learned.verdict == "supported"
    assert "version-lifecycle.not-in-calendar" not in keys(learned)
    deadline = next(
        d for d in learned.deadlines if d.what.key == "version-lifecycle.deadline.end-of-support"
    )
    # VER-1's year from the earliest day a release after the pack's data can have shipped 1.33.
    assert deadline.date.isoformat() == "2026-11-20"
    assert notices(alone) == ["engine.notice.stale-policy-data"]
    assert notices(learned) == ["engine.notice.stale-policy-data", "engine.notice.calendar-learned"]
    said = render("en", learned.notices[1])
    assert "tests/data/bundles/fresh" in said and "(collected 2026-05-20)" in said
    assert "new 1.31.12, 1.31.13, 1.32.8, 1.32.9, 1.33.2, 1.33.3" in said
    assert "no longer offered 1.30, 1.31.9, 1.31.10, 1.32.5, 1.32.6" in said
    assert "2026-05-20" in render("ko", learned.notices[1])


def test_the_payload_is_cited_where_it_decided_a_finding() -> None:
    assessment = assess(read_snapshot(FRESH), default_pack(), at("2026-12-06"))
    finding = next(f for f in assessment.findings if f.rule == "version-lifecycle")
    assert finding.message.key == "version-lifecycle.may-end-learned"
    assert finding.message.args["source"] == str(FRESH)
    cited = finding.evidence[-1]
    assert cited.source.endswith("fresh/azure/kubernetes-versions.json")
    assert (cited.field, cited.value) == ("properties.values[1.33].patchVersions", "1.33.2, 1.33.3")
    assert "custom location still offered it on 2026-05-20" in render("en", finding.message)


def test_a_minor_a_lagging_location_does_not_list_keeps_the_packs_words() -> None:
    """A location that lists only 1.23 (the REST example's) is far behind: 1.31 stays as
    the pack has it, and the warning names the pack's newest release, not that location."""
    far = cluster("1.31.10", {"1.23": ["1.23.12", "1.23.13"]}, release="2510")
    findings = assess(far, default_pack(), at("2026-12-06")).findings
    finding = next(f for f in findings if f.rule == "version-lifecycle")
    assert finding.message.key == "version-lifecycle.may-end"
    assert finding.message.args["release"] == "2510"
    assert finding.evidence == (finding.evidence[0],)  # nothing of that location to cite


def test_a_patch_newer_than_the_pack_is_supported() -> None:
    alone = assess(cluster("1.32.9"), default_pack(), at("2026-06-01"))
    learned = assess(cluster("1.32.9", AFTER), default_pack(), at("2026-06-01"))
    assert "version-patch.newer-than-calendar" in keys(alone) and alone.verdict == "at-risk"
    assert learned.verdict == "supported" and keys(learned) == []
    # The patch the pack thought newest left with the location's newer ones: VER-6's grace.
    older = assess(cluster("1.32.6", AFTER), default_pack(), at("2026-06-01"))
    assert keys(older) == ["version-patch.grace"]
    assert older.findings[0].evidence[-1].value == "1.32.8, 1.32.9"
    assert assess(cluster("1.32.6"), default_pack(), at("2026-06-01")).verdict == "supported"


def test_a_minor_the_location_no_longer_lists_gets_the_grace_from_the_collection_date() -> None:
    """VER-5: 1.30 is no longer listed on 2026-05-20, so it left that location by then; its
    support ends 30 days later at the latest (the pack alone keeps it, still shipped)."""
    alone = assess(cluster("1.30.14"), default_pack(), at("2026-06-01"))
    assert keys(alone) == ["version-lifecycle.may-end"]
    during = assess(cluster("1.30.14", AFTER), default_pack(), at("2026-06-01"))
    assert keys(during) == ["version-lifecycle.grace"]
    grace = during.findings[0]
    assert grace.deadline is not None and grace.deadline.isoformat() == "2026-06-19"
    assert grace.clauses == ("VER-5", "VER-3")
    cited = grace.evidence[-1]
    assert (cited.field, cited.value) == ("properties.values[].version", "1.31, 1.32, 1.33")
    assert during.operations["create-nodepool"].decision == "block"
    after = assess(cluster("1.30.14", AFTER), default_pack(), at("2026-06-19"))
    assert after.verdict == "unsupported"
    assert keys(after)[0] == "version-lifecycle.removed"


def test_a_payload_that_contradicts_nothing_changes_no_judgement() -> None:
    for version in ("1.30.14", "1.31.10", "1.32.5", "1.29.13"):
        alone = assess(cluster(version, release="2510"), default_pack(), at("2026-01-15"))
        learned = assess(
            cluster(version, AS_2510, collected="2026-01-10T00:00:00Z", release="2510"),
            default_pack(),
            at("2026-01-15"),
        )
        assert learned.verdict == alone.verdict
        # The same findings; one that says what still ships the minor names the location.
        assert judged(learned) == judged(alone)
        assert learned.deadlines == alone.deadlines
        assert learned.operations == alone.operations
        assert notices(learned) == [*notices(alone), "engine.notice.calendar-confirmed"]


def test_a_payload_older_than_the_pack_is_not_used() -> None:
    old = cluster("1.30.4", {"1.28": ["1.28.14"]}, collected="2025-09-14T08:00:00Z")
    assessment = assess(old, default_pack(), at("2025-09-15"))
    assert notices(assessment) == []
    assert keys(assessment) == keys(assess(cluster("1.30.4"), default_pack(), at("2025-09-15")))


def test_a_payload_that_cannot_teach_says_why_and_changes_nothing() -> None:
    unusable = cluster("1.33.3", AFTER)
    assert unusable.kubernetes_versions is not None
    unusable.kubernetes_versions.properties.values[0].version = "latest"
    assessment = assess(unusable, default_pack(), at("2026-06-01"))
    assert notices(assessment)[-1] == "engine.notice.calendar-payload-unusable"
    assert "version-lifecycle.not-in-calendar" in keys(assessment)
    assert "azure/kubernetes-versions.json" in render("ko", assessment.notices[-1])
    undated = cluster("1.33.3", AFTER)
    undated.collected_at = None
    assessment = assess(undated, default_pack(), at("2026-06-01"))
    assert notices(assessment)[-1] == "engine.notice.calendar-payload-undated"
    assert "version-lifecycle.not-in-calendar" in keys(assessment)


def test_one_clusters_payload_never_reaches_another_assessment(tmp_path: Path) -> None:
    pack = default_pack()
    assess(read_snapshot(FRESH), pack, at("2026-06-01"))
    after = assess(read_snapshot(without_payload(tmp_path)), pack, at("2026-06-01"))
    assert "version-lifecycle.not-in-calendar" in keys(after)
    assert notices(after) == ["engine.notice.stale-policy-data"]
    assert for_pack(pack).learned is None


def test_fleet_shares_the_newest_payload_among_clusters_of_one_azure_local_release() -> None:
    carrier = cluster("1.33.3", AFTER, source="site-a")
    older = cluster(
        "1.32.6", {"1.31": ["1.31.10"], "1.32": ["1.32.6"]}, collected="2026-02-01T00:00:00Z",
        source="site-b",
    )  # fmt: skip
    same_release = cluster("1.33.3", source="site-c")
    other_release = cluster("1.33.3", release="2604", source="site-d")
    no_release = cluster("1.33.3", release=None, source="site-e")
    fleet = assess_fleet(
        [same_release, carrier, older, other_release, no_release], default_pack(), at("2026-06-01")
    )
    by_source = {assessment.source: assessment for assessment in fleet.assessments}
    for name in ("site-a", "site-b", "site-c"):
        learned = [n for n in by_source[name].notices if n.key == "engine.notice.calendar-learned"]
        assert [notice.args["source"] for notice in learned] == ["site-a"], name
    assert by_source["site-c"].verdict == "supported"
    # site-b's own payload is older than site-a's; with site-a's, 1.32.6 is in its grace.
    assert keys(by_source["site-b"]) == ["version-patch.grace"]
    # ... citing site-a's payload, where it was read.
    assert by_source["site-b"].findings[0].evidence[-1].source == (
        "site-a/azure/kubernetes-versions.json"
    )
    for name in ("site-d", "site-e"):
        assert "version-lifecycle.not-in-calendar" in keys(by_source[name]), name
        assert notices(by_source[name]) == ["engine.notice.stale-policy-data"], name
    # The same clusters one by one: each learns only from its own payload.
    alone = assess(same_release, default_pack(), at("2026-06-01"))
    assert "version-lifecycle.not-in-calendar" in keys(alone)


def test_a_fleet_without_payloads_assesses_as_before() -> None:
    snapshots = [cluster("1.31.10", release="2510"), cluster("1.33.3")]
    fleet = assess_fleet(snapshots, default_pack(), at("2026-01-15"))
    one_by_one = [assess(snapshot, default_pack(), at("2026-01-15")) for snapshot in snapshots]
    assert [msgspec.to_builtins(a) for a in fleet.assessments] == [
        msgspec.to_builtins(a) for a in one_by_one
    ]
