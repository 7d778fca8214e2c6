"""Security advisories: reading the real OSV records and the Kubernetes CVE feed, version and
range semantics (with property tests), matching against clusters built from the example
bundles, the `security-advisories` rule through assess(), and `arcsupport advisories match`."""

from __future__ import annotations

import json
import re
import shutil
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from arcsupport.engine.assess import assess
from arcsupport.errors import InputError
from arcsupport.i18n import LANGS, render
from arcsupport.rules.advisories.installed import node_distro
from arcsupport.rules.advisories.match import ClusterAdvisories, match_advisories, vulnerabilities
from arcsupport.rules.facts import Facts
from arcsupport.schema import load_schema
from arcsupport.snapshot.advisory import (
    Advisory,
    Range,
    Version,
    rpm_compare,
    semver_key,
    sorted_events,
)
from arcsupport.snapshot.model import Snapshot
from arcsupport.sources.advisories import load_advisories, parse_document, parse_feed, parse_osv
from arcsupport.sources.inventory import read_inventory
from arcsupport.sources.read import read_snapshot
from helpers import REFERENCE, ROOT, at, default_pack, english, make_snapshot, node, pod, workload

ADVISORIES = REFERENCE / "advisories"
FEED = ADVISORIES / "k8s-official-cve-feed" / "k8s-db.json"
EXAMPLES = ROOT / "examples"
OSV_FILES = sorted(ADVISORIES.glob("*.json"))


def record(name: str) -> Advisory:
    path = ADVISORIES / name
    return parse_osv(path.read_bytes(), str(path))


def feed() -> list[Advisory]:
    return parse_feed(FEED.read_bytes(), str(FEED))[0]


def everything() -> list[Advisory]:
    return list(load_advisories([ADVISORIES]).advisories)


def semver(text: str) -> Version:
    return Version(text, "semver")


def match(snapshot: Snapshot, advisories: list[Advisory], when: str) -> ClusterAdvisories:
    return match_advisories(Facts(snapshot, default_pack()), advisories, at(when))


def exposure(result: ClusterAdvisories, component: str) -> Any:
    found = [item for item in result.exposures if item.component == component]
    assert len(found) == 1, [item.component for item in result.exposures]
    return found[0]


OLD_CONTAINERD = "containerd://1.7.26"  # CVE-2024-40635 (GO-2025-3528) is fixed in 1.7.27


def example(name: str, kubelet: str | None = None, version: str | None = None) -> Snapshot:
    """An example bundle with the containerd the advisories hit (the examples themselves are
    patched on purpose), optionally with every kubelet (and the API server) on another
    version."""
    snapshot = read_snapshot(EXAMPLES / name)
    assert snapshot.nodes is not None
    snapshot.nodes = [
        msgspec.structs.replace(
            item,
            status=msgspec.structs.replace(
                item.status,
                nodeInfo=msgspec.structs.replace(
                    item.status.nodeInfo, containerRuntimeVersion=OLD_CONTAINERD
                ),
            ),
        )
        for item in snapshot.nodes
    ]
    if kubelet is not None:
        assert snapshot.nodes is not None
        snapshot.nodes = [
            msgspec.structs.replace(
                item,
                status=msgspec.structs.replace(
                    item.status,
                    nodeInfo=msgspec.structs.replace(item.status.nodeInfo, kubeletVersion=kubelet),
                ),
            )
            for item in snapshot.nodes
        ]
        # Without the static pods the control plane follows /version.
        snapshot.pods = None
        if snapshot.version is not None:
            snapshot.version = msgspec.structs.replace(
                snapshot.version, gitVersion=version or kubelet
            )
    return snapshot


def cluster(
    version: str,
    *,
    host: str | None = "2508",
    nodes: list[dict[str, Any]] | None = None,
    **parts: Any,
) -> Snapshot:
    facts = {"host_platform": {"kind": "azure-local", "version": host}} if host else {}
    return make_snapshot(
        version={"gitVersion": f"v{version}"},
        nodes=nodes if nodes is not None else [node("moc-a", kubelet=f"v{version}")],
        facts=facts,
        **parts,
    )


def osv(
    package: dict[str, str],
    events: list[dict[str, str]] | None = None,
    *,
    versions: list[str] | None = None,
    range_type: str = "SEMVER",
    ident: str = "TEST-1",
    extra: dict[str, Any] | None = None,
) -> Advisory:
    affected: dict[str, Any] = {"package": package}
    if events is not None:
        affected["ranges"] = [{"type": range_type, "events": events}]
    if versions is not None:
        affected["versions"] = versions
    document = {"id": ident, "summary": "test", "affected": [affected], **(extra or {})}
    return parse_osv(json.dumps(document).encode(), f"{ident}.json")


KUBERNETES = {"ecosystem": "Go", "name": "k8s.io/kubernetes"}


# --- reading the real files --------------------------------------------------------------------


@pytest.mark.parametrize("path", OSV_FILES, ids=[path.name for path in OSV_FILES])
def test_every_reference_record_parses(path: Path) -> None:
    advisories, skipped = parse_document(path.read_bytes(), str(path))
    assert skipped == []
    (advisory,) = advisories
    raw = json.loads(path.read_text())
    assert advisory.id == raw["id"]
    assert advisory.aliases == tuple(raw.get("aliases", ()))
    assert len(advisory.packages) == len(raw["affected"])
    assert advisory.source == str(path)


def test_the_loader_reads_the_folder_and_skips_licenses_and_notes() -> None:
    loaded = load_advisories([ADVISORIES])
    ids = {advisory.id for advisory in loaded.advisories}
    assert len(OSV_FILES) == 18
    assert {json.loads(path.read_text())["id"] for path in OSV_FILES} <= ids
    assert {"CVE-2023-2431", "CVE-2023-2727", "CVE-2023-2878", "CVE-2020-8557"} <= ids
    assert len(loaded.advisories) == 18 + 4


def test_the_feed_carries_versions_only_as_prose() -> None:
    advisories, skipped = parse_feed(FEED.read_bytes(), str(FEED))
    assert [item.id for item in advisories] == [
        "CVE-2023-2431",
        "CVE-2023-2727",
        "CVE-2023-2878",
        "CVE-2020-8557",
    ]
    # Items without an "Affected Versions" list are counted, with the reason.
    assert [(item.id, item.reason) for item in skipped] == [
        ("CVE-2021-3121", "no-versions"),
        ("CVE-2020-8554", "no-versions"),
        ("CVE-2017-1002102", "no-versions"),
    ]
    by_id = {item.id: item for item in advisories}
    # Two CVEs in one item: the second is an alias.
    assert by_id["CVE-2023-2727"].aliases == ("CVE-2023-2728",)
    apiserver = by_id["CVE-2023-2727"].packages
    assert [(p.name, p.components) for p in apiserver] == [
        ("k8s.io/apiserver", ("kube-apiserver",))
    ]
    # `v1.27.0 - v1.27.2` is inclusive; `<= v1.24.14` starts at the first version.
    assert apiserver[0].bound(semver("1.27.2")) is not None
    assert apiserver[0].bound(semver("1.27.3")) is None
    assert apiserver[0].bound(semver("1.20.0")) is not None
    # No component on the line: Kubernetes as a whole.
    (seccomp,) = by_id["CVE-2023-2431"].packages
    assert seccomp.components == ("kubernetes",)
    bound = seccomp.bound(semver("1.26.4"))
    assert bound is not None and bound.describe() == "> 1.26.4"
    assert seccomp.bound(semver("1.26.5")) is None
    # `kubelet v1.18.0-1.18.5` and `kubelet < v1.16.13`.
    (kubelet,) = by_id["CVE-2020-8557"].packages
    assert kubelet.components == ("kubelet",)
    assert kubelet.bound(semver("1.18.5")) is not None
    assert kubelet.bound(semver("1.18.6")) is None
    assert str(kubelet.bound(semver("1.16.2")).fixed) == "1.16.13"  # type: ignore[union-attr]
    # A component arcsupport does not track keeps its ranges but maps to nothing.
    assert by_id["CVE-2023-2878"].packages[0].components == ()


def test_a_feed_item_with_an_unreadable_affected_line_is_skipped_with_the_line() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {
                "id": "CVE-2099-0001",
                "summary": "x",
                "content_text": "### Affected Versions\r\n\r\n- kubelet 1.3.x-1.6.x\r\n",
            }
        ],
    }
    advisories, skipped = parse_feed(json.dumps(document).encode(), "feed.json")
    assert advisories == []
    assert skipped[0].reason == "unrecognised-line"
    assert skipped[0].detail == "kubelet 1.3.x-1.6.x"


def test_same_cve_in_two_records_is_one_flaw() -> None:
    flaws = vulnerabilities(everything())
    assert flaws["GO-2023-2341"] is flaws["GHSA-hq6q-c2x6-hmch"]
    assert flaws["GO-2023-2341"].ids == ("CVE-2023-5528", "GHSA-hq6q-c2x6-hmch", "GO-2023-2341")
    # The reviewed GHSA record's severity word wins over nothing (Go) or a CVSS vector.
    assert flaws["GO-2023-2341"].severity == "HIGH"
    assert flaws["GO-2024-2746"] is flaws["GHSA-pxhw-596r-rwq5"]
    # Different package names, one CVE: the feed-derived record and the Go one.
    assert flaws["CVE-2023-3676"] is flaws["GO-2023-2330"]
    # A distribution's `related` CVEs are other flaws, not aliases.
    alsa = record("ALSA-2024-1607.json")
    assert "CVE-2024-1086" in alsa.related
    assert flaws["ALSA-2024:1607"].ids == ("ALSA-2024:1607",)


def test_record_details_from_the_real_files() -> None:
    runc = record("GO-2024-2491.json")
    (package,) = runc.packages
    assert package.components == ("runc",)
    assert package.bound(semver("1.0.0-rc92")) is None
    assert package.bound(semver("1.0.0-rc93")) is not None
    assert package.bound(semver("1.1.11")) is not None
    assert package.bound(semver("1.1.12")) is None

    containerd = record("GO-2025-3528.json")
    v1, v2 = containerd.packages
    assert (v1.module_major, v2.module_major) == (1, 2)
    assert v1.bound(semver("2.0.1")) is None  # the v1 module's ranges do not reach 2.x
    assert v2.bound(semver("2.0.1")) is not None
    assert v1.bound(semver("1.7.0-beta.0")) is not None
    assert v1.bound(semver("1.6.38")) is None

    windows = record("GO-2023-2330.json")
    assert windows.packages[0].goos == ("windows",)
    assert windows.packages[0].components == ("kubelet",)
    assert record("GO-2024-2746.json").packages[0].components == ("kube-apiserver",)
    assert record("GO-2024-3286.json").packages[0].components == ("kubelet",)
    assert record("GO-2023-2341.json").packages[0].components == ("kubernetes",)
    mount_utils = record("GO-2023-2170.json").packages[1]
    assert mount_utils.name == "k8s.io/mount-utils" and mount_utils.components == ()

    withdrawn = record("GO-2022-0617.json")
    assert withdrawn.withdrawn == datetime(2024, 8, 21, 16, 25, 56, tzinfo=UTC)

    # The placeholder `introduced: 0` gives way to the real custom ranges.
    ingress = record("GO-2025-3567.json").packages[0]
    assert ingress.bound(semver("1.11.4")) is not None
    assert ingress.bound(semver("1.11.5")) is None
    assert ingress.bound(semver("1.12.0")) is not None
    assert ingress.bound(semver("1.12.1")) is None

    alsa = record("ALSA-2024-1607.json")
    assert alsa.severity == "IMPORTANT"
    assert len(alsa.packages) == 24
    kernel = next(p for p in alsa.packages if p.name == "kernel")
    assert kernel.components == ("node-image",)
    assert kernel.distro is not None and (kernel.distro.family, kernel.distro.major) == (
        "almalinux",
        "8",
    )
    assert kernel.bound(Version("4.18.0-513.18.1.el8_9", "rpm")) is not None
    assert kernel.bound(Version("4.18.0-513.24.1.el8_9", "rpm")) is None


# --- version and range semantics ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0-rc93", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.0.0-rc.1", "1.0.0"),
        ("1.3.0-rc.1", "1.3.0-rc.2"),
        ("1.9.0", "1.10.0"),
        ("v1.28.3", "1.28.4"),
        # Go pseudo-versions: before the next release, after the base, ordered by time.
        ("1.2.3", "1.2.4-0.20191109021931-daa7c04131f5"),
        ("1.2.4-0.20191109021931-daa7c04131f5", "1.2.4-0.20200101000000-000000000000"),
        ("1.2.4-0.20200101000000-000000000000", "1.2.4"),
        ("0.0.0-20210101000000-abcdefabcdef", "0.0.1"),
    ],
)
def test_semver_order(lower: str, higher: str) -> None:
    assert semver(lower) < semver(higher)
    assert semver(higher) > semver(lower)


def test_semver_equality_ignores_prefix_and_build() -> None:
    assert semver("v1.28.4") == semver("1.28.4")
    assert semver("2.0.0+incompatible") == semver("2.0.0")
    assert semver("1.18") == semver("1.18.0")
    with pytest.raises(ValueError):
        semver_key("1.x")


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("4.18.0-513.18.1.el8_9", "4.18.0-513.24.1.el8_9"),
        ("6.6.92.2-1.azl3", "6.6.96.1-1.azl3"),
        ("1.0~rc1-1", "1.0-1"),
        ("1.0-1", "1.0^git1-1"),
        ("1.9-1", "1.10-1"),
        ("1.0a-1", "1.0.1-1"),
        ("2:1.0-1", "10:0.1-1"),
        ("1.0-1", "1:0.1-1"),
    ],
)
def test_rpm_order(lower: str, higher: str) -> None:
    assert rpm_compare(lower, higher) == -1
    assert rpm_compare(higher, lower) == 1
    assert Version(lower, "rpm") < Version(higher, "rpm")


def test_versions_of_different_schemes_do_not_compare() -> None:
    with pytest.raises(TypeError):
        _ = semver("1.0.0") < Version("1.0.0-1", "rpm")


def test_introduced_fixed_and_last_affected() -> None:
    advisory = osv(
        KUBERNETES,
        [{"introduced": "1.28.0"}, {"fixed": "1.28.4"}, {"introduced": "1.29.0"},
         {"last_affected": "1.29.2"}],
    )  # fmt: skip
    (package,) = advisory.packages
    assert package.bound(semver("1.27.9")) is None
    assert str(package.bound(semver("1.28.0")).fixed) == "1.28.4"  # type: ignore[union-attr]
    assert package.bound(semver("1.28.3")) is not None
    assert package.bound(semver("1.28.4")) is None
    assert package.bound(semver("1.29.2")) is not None  # last_affected is inclusive
    assert package.bound(semver("1.29.3")) is None


def test_unordered_events_and_several_ranges() -> None:
    """cve-feed-osv lists the newest branch first; OSV evaluates events in version order."""
    advisory = osv(
        KUBERNETES,
        [{"introduced": "1.28.0"}, {"fixed": "1.28.1"}, {"introduced": "1.27.0"},
         {"fixed": "1.27.5"}],
    )  # fmt: skip
    (package,) = advisory.packages
    assert package.bound(semver("1.27.4")) is not None
    assert package.bound(semver("1.27.5")) is None
    assert package.bound(semver("1.28.0")) is not None

    document = {
        "id": "TEST-2",
        "affected": [
            {
                "package": {"ecosystem": "kubernetes", "name": "k8s.io/kubelet"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}]},
                    {"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}, {"limit": "d"}]},
                ],
            }
        ],
    }
    (package,) = parse_osv(json.dumps(document).encode(), "t.json").packages
    assert package.bound(semver("0.0.1-alpha")) is not None  # `introduced: 0` is before all
    assert package.bound(semver("1.5.0")) is None
    assert package.bound(semver("3.0.0")) is not None  # open-ended
    assert package.bound(semver("3.0.0")).open_ended  # type: ignore[union-attr]


def test_versions_list() -> None:
    (package,) = osv(KUBERNETES, versions=["1.28.3", "v1.28.5"]).packages
    assert package.bound(semver("1.28.3")) is not None
    assert package.bound(semver("1.28.5")) is not None
    assert package.bound(semver("1.28.4")) is None


def test_installed_versions_drop_distribution_suffixes() -> None:
    snapshot = cluster(
        "1.30.4",
        nodes=[
            {**node("moc-a", kubelet="v1.30.4-hotfix.20250101")}
            | {"status": {**node("moc-a")["status"], "nodeInfo": {
                **node("moc-a")["status"]["nodeInfo"],
                "kubeletVersion": "v1.30.4-hotfix.20250101",
                "containerRuntimeVersion": "containerd://1.7.26-1.azl3"}}},
        ],
    )  # fmt: skip
    result = match(snapshot, [record("GO-2025-3528.json")], "2025-09-15")
    (hit,) = exposure(result, "containerd").hits
    assert hit.installed == "1.7.26-1.azl3"
    assert hit.bound.describe() == "1.7.27"


# --- property tests ----------------------------------------------------------------------------

identifiers = st.one_of(
    st.integers(0, 30).map(str),
    st.text(string.ascii_letters + "-", min_size=1, max_size=4),
)
semvers = st.builds(
    lambda major, minor, patch, pre: (
        f"{major}.{minor}.{patch}" + (f"-{'.'.join(pre)}" if pre else "")
    ),
    st.integers(0, 3),
    st.integers(0, 12),
    st.integers(0, 12),
    st.lists(identifiers, max_size=3),
)


def reference_semver_compare(one: str, two: str) -> int:
    """SemVer 2.0 §11, written out independently of semver_key."""

    def split(text: str) -> tuple[list[int], list[str]]:
        core, _, pre = text.partition("-")
        return [int(part) for part in core.split(".")], pre.split(".") if pre else []

    (core_one, pre_one), (core_two, pre_two) = split(one), split(two)
    if core_one != core_two:
        return -1 if core_one < core_two else 1
    if not pre_one or not pre_two:
        return (not pre_one) - (not pre_two)
    for left, right in zip(pre_one, pre_two, strict=False):
        if left == right:
            continue
        if left.isdigit() and right.isdigit():
            return -1 if int(left) < int(right) else 1
        if left.isdigit() != right.isdigit():
            return -1 if left.isdigit() else 1
        return -1 if left < right else 1
    return (len(pre_one) > len(pre_two)) - (len(pre_one) < len(pre_two))


@given(semvers, semvers)
def test_semver_matches_the_specification(one: str, two: str) -> None:
    assert semver(one).compare(semver(two)) == reference_semver_compare(one, two)
    assert semver("v" + one).compare(semver(two + "+build.5")) == reference_semver_compare(one, two)


@given(st.lists(semvers, min_size=3, max_size=3))
def test_semver_order_is_total(three: list[str]) -> None:
    a, b, c = (semver(text) for text in three)
    assert [a < b, a == b, a > b].count(True) == 1
    if a <= b and b <= c:
        assert a <= c


@given(
    st.integers(0, 5),
    st.integers(0, 20),
    st.integers(0, 20),
    st.lists(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)),
             min_size=2, max_size=2),
)  # fmt: skip
def test_go_pseudo_versions(major: int, minor: int, patch: int, times: list[datetime]) -> None:
    base = f"{major}.{minor}.{patch}"
    after = f"{major}.{minor}.{patch + 1}"
    first, second = (f"{after}-0.{moment:%Y%m%d%H%M%S}-0123456789ab" for moment in times)
    assert semver(base) < semver(first) < semver(after)
    assert (semver(first) < semver(second)) == (times[0] < times[1])


rpm_parts = st.text(string.ascii_lowercase[:3] + string.digits + ".~^_", min_size=1, max_size=6)
evrs = st.builds(
    lambda epoch, version, release: (
        f"{epoch}:{version}-{release}" if epoch else f"{version}-{release}"
    ),
    st.integers(0, 2),
    rpm_parts,
    rpm_parts,
)


@given(evrs, evrs)
def test_rpm_compare_is_antisymmetric(one: str, two: str) -> None:
    assert rpm_compare(one, two) == -rpm_compare(two, one)
    assert rpm_compare(one, one) == 0


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
       st.lists(st.integers(0, 10**6), min_size=1, max_size=4))  # fmt: skip
def test_rpm_numbers_compare_as_numbers(one: list[int], two: list[int]) -> None:
    left = ".".join(str(n) for n in one) + "-1"
    right = ".".join(str(n) for n in two) + "-1"
    # Dotted numbers compare like tuples of numbers, leading zeros aside.
    expected = (one > two) - (one < two)
    assert rpm_compare(left, right) == expected


@given(st.lists(evrs, min_size=3, max_size=3))
def test_rpm_order_is_transitive(three: list[str]) -> None:
    a, b, c = three
    if rpm_compare(a, b) <= 0 and rpm_compare(b, c) <= 0:
        assert rpm_compare(a, c) <= 0


branch_points = st.lists(st.integers(0, 30), min_size=0, max_size=8, unique=True).map(sorted)


@given(branch_points, st.integers(0, 31), st.randoms())
def test_ranges_agree_with_plain_intervals(points: list[int], probe: int, shuffle: Any) -> None:
    """Well-formed ranges (introduced/fixed pairs, the last perhaps open) mean the union of
    their intervals, in whatever order the record lists the events."""
    versions = [semver(f"1.{point}.0") for point in points]
    events: list[Any] = [
        ("introduced" if index % 2 == 0 else "fixed", version)
        for index, version in enumerate(versions)
    ]
    shuffle.shuffle(events)
    version = semver(f"1.{probe}.0")
    pairs = [
        (points[index], points[index + 1] if index + 1 < len(points) else None)
        for index in range(0, len(points), 2)
    ]
    inside = [(low, high) for low, high in pairs if low <= probe and (high is None or probe < high)]
    bound = Range.of(events).bound(version)
    assert (bound is not None) == bool(inside)
    if bound is not None:
        ((_, high),) = inside
        assert bound.fixed == (None if high is None else semver(f"1.{high}.0"))


def spec_affected(events: list[Any], version: Version) -> bool:
    """The OSV schema's evaluation of one range, as the specification writes it."""
    affected = False
    for kind, bound in sorted_events(events):
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif kind == "fixed" and bound is not None and version >= bound:  # noqa: SIM114 (as written)
            affected = False
        elif kind == "last_affected" and bound is not None and version > bound:
            affected = False
    return affected


any_events = st.lists(
    st.tuples(
        st.sampled_from(["introduced", "fixed", "last_affected"]),
        st.one_of(st.none(), st.integers(0, 9)),
    ),
    max_size=8,
)


@given(any_events, st.integers(0, 10), st.randoms())
def test_any_range_follows_the_osv_evaluation(raw: list[Any], probe: int, shuffle: Any) -> None:
    """Ill-formed ranges too (fixed and last_affected mixed, repeated introduced): the answer
    is the specification's, and a version's way out lies above it and is not affected."""
    typed: list[Any] = [
        (kind, None if value is None else semver(f"1.{value}.0"))
        for kind, value in raw
        if kind == "introduced" or value is not None
    ]
    shuffle.shuffle(typed)
    version = semver(f"1.{probe}.0")
    item = Range.of(typed)
    bound = item.bound(version)
    assert (bound is not None) == spec_affected(typed, version)
    if bound is not None and bound.fixed is not None:
        assert bound.fixed > version


# --- matching ----------------------------------------------------------------------------------


def test_a_kubelet_in_range_gets_the_newest_offered_patch() -> None:
    """Nodes of the healthy example on 1.29.4 (Azure Local 2508 offers 1.29.12 and 1.29.13):
    CVE-2024-10220 (kubelet, fixed 1.29.7) names 1.29.13."""
    snapshot = example("healthy", kubelet="v1.29.4")
    result = match(snapshot, [record("GO-2024-3286.json")], "2025-09-15")
    found = exposure(result, "kubelet")
    assert found.remediation.kind == "patch"
    assert (found.remediation.target, found.remediation.release) == ("1.29.13", "2508")
    assert {hit.node for hit in found.hits} == {item.metadata.name for item in snapshot.nodes or ()}
    assert {hit.bound.describe() for hit in found.hits} == {"1.29.7"}
    assert found.hits[0].evidence.field == "status.nodeInfo.kubeletVersion"
    assert found.hits[0].evidence.source.endswith("kubernetes/nodes.json")
    assert "1.29.13" in render("en", found.message, "fix")
    assert "2508" in render("en", found.message, "fix")


def test_a_fix_not_yet_offered_is_said_so() -> None:
    """The healthy example on 2025-09-15: containerd 1.7.26 needs 1.7.27, and neither 2508
    nor the newest release (2509) offers a newer node image for 1.31."""
    result = match(example("healthy"), [record("GO-2025-3528.json")], "2025-09-15")
    found = exposure(result, "containerd")
    assert found.remediation.kind == "not-offered"
    assert found.remediation.release == "2509"
    text = render("en", found.message)
    assert "No Kubernetes version that Azure Local 2509 offers carries the fix yet" in text
    assert "1.7.27" in text


def test_a_node_image_fix_in_a_newer_release_names_the_host_update() -> None:
    result = match(example("healthy"), [record("GO-2025-3528.json")], "2025-10-15")
    remedy = exposure(result, "containerd").remediation
    assert (remedy.kind, remedy.target, remedy.release, remedy.host_release) == (
        "image-update-host",
        "1.31.10",
        "2510",
        "2508",
    )


def test_no_fixed_patch_of_the_minor_names_the_minor_upgrade() -> None:
    """The deprecated-version example: 1.28.14 on 2508, which ships no 1.28 at all."""
    result = match(read_snapshot(EXAMPLES / "deprecated-version"), everything(), "2025-09-15")
    remedy = exposure(result, "containerd").remediation
    assert (remedy.kind, remedy.target, remedy.release) == ("minor", "1.29.13", "2508")


def test_kubernetes_patch_not_offered_by_the_host_then_offered_by_a_newer_release() -> None:
    snapshot = cluster("1.28.9", host="2411")
    advisory = [record("GO-2024-3286.json")]  # fixed in 1.28.12; 1.29 fixed in 1.29.7
    # In January 2025 2411 is the newest release: its 1.28 and 1.29 patches are all affected.
    early = exposure(match(snapshot, advisory, "2025-01-15"), "kubelet").remediation
    assert (early.kind, early.target, early.release) == ("not-offered", None, "2411")
    later = exposure(match(snapshot, advisory, "2025-03-15"), "kubelet").remediation
    assert (later.kind, later.target, later.release) == ("patch-update-host", "1.28.14", "2503")
    fix = render("en", exposure(match(snapshot, advisory, "2025-03-15"), "kubelet").message, "fix")
    assert (
        fix
        == "Update Azure Local from 2411 to 2503, then upgrade the cluster to Kubernetes 1.28.14."
    )


def test_the_next_minor_must_not_be_affected_either() -> None:
    snapshot = cluster("1.27.9", host="2411")
    result = match(snapshot, [record("GO-2024-2746.json")], "2025-01-15")
    remedy = exposure(result, "kube-apiserver").remediation
    # No 1.27 patch >= 1.27.13 is offered; 1.28.9 is the first fixed 1.28 patch.
    assert (remedy.kind, remedy.target, remedy.release) == ("minor", "1.28.9", "2411")


def test_without_a_declared_host_the_newest_release_is_used() -> None:
    result = match(cluster("1.29.4", host=None), [record("GO-2024-3286.json")], "2025-09-15")
    remedy = exposure(result, "kubelet").remediation
    assert (remedy.kind, remedy.target, remedy.release, remedy.host_release) == (
        "patch",
        "1.29.13",
        "2509",
        None,
    )


def test_withdrawn_records_count_only_until_withdrawn() -> None:
    withdrawn = [record("GO-2022-0617.json")]
    before = match(cluster("1.29.4"), withdrawn, "2024-06-01")
    assert exposure(before, "kubernetes").remediation.kind == "no-fix"
    after = match(cluster("1.29.4"), withdrawn, "2025-09-15")
    assert after.exposures == () and after.withdrawn == ("GO-2022-0617",)


def test_generic_kubernetes_records_check_the_api_server_and_every_kubelet() -> None:
    snapshot = cluster(
        "1.27.7", nodes=[node("moc-a", kubelet="v1.27.7"), node("moc-b", kubelet="v1.26.3")]
    )
    result = match(
        snapshot, [record("GO-2023-2341.json"), record("GHSA-hq6q-c2x6-hmch.json")], "2024-06-01"
    )
    found = exposure(result, "kubernetes")
    # Two records of one CVE: one hit per instance, not two.
    assert sorted((hit.node or "", hit.installed) for hit in found.hits) == [
        ("", "v1.27.7"),
        ("moc-a", "v1.27.7"),
        ("moc-b", "v1.26.3"),
    ]
    assert len(found.vulnerabilities) == 1
    assert found.hits[0].evidence.field == "gitVersion"


def test_windows_only_flaws_skip_linux_nodes() -> None:
    nodes = [node("moc-linux", kubelet="v1.27.4"), node("moc-win", kubelet="v1.27.4", os="windows")]
    result = match(cluster("1.27.4", nodes=nodes), [record("GO-2023-2330.json")], "2024-06-01")
    assert [hit.node for hit in exposure(result, "kubelet").hits] == ["moc-win"]


def test_containerd_v2_is_matched_by_the_v2_module_only() -> None:
    nodes = [node("moc-a")]
    nodes[0]["status"]["nodeInfo"]["containerRuntimeVersion"] = "containerd://2.0.1"
    result = match(cluster("1.31.5", nodes=nodes), [record("GO-2025-3528.json")], "2025-09-15")
    (hit,) = exposure(result, "containerd").hits
    assert (hit.package, hit.bound.describe()) == ("github.com/containerd/containerd/v2", "2.0.4")
    older = [node("moc-a")]  # helpers: containerd 1.7.20
    result = match(cluster("1.31.5", nodes=older), [record("GO-2022-0344.json")], "2025-09-15")
    assert result.exposures == ()


def test_control_plane_pods_and_the_kube_proxy_daemonset() -> None:
    pods = [
        pod("kube-apiserver-moc-cp", "kube-system", node_name="moc-cp",
            containers=[{"name": "kube-apiserver",
                         "image": "mcr.microsoft.com/oss/kubernetes/kube-apiserver:v1.28.5"}],
            labels={"component": "kube-apiserver", "tier": "control-plane"}),
    ]  # fmt: skip
    daemonsets = [
        workload("DaemonSet", "kube-proxy", "kube-system",
                 image="mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.28.5"),
    ]  # fmt: skip
    snapshot = cluster("1.28.5", host="2405", pods=pods, daemonsets=daemonsets)
    result = match(snapshot, [record("GO-2024-2746.json")], "2024-06-01")
    (hit,) = exposure(result, "kube-apiserver").hits
    assert (hit.node, hit.installed) == ("moc-cp", "v1.28.5")
    assert hit.evidence.object == "kube-system/Pod/kube-apiserver-moc-cp"
    proxy = osv({"ecosystem": "kubernetes", "name": "k8s.io/kube-proxy"},
                [{"introduced": "1.28.0"}, {"fixed": "1.28.9"}])  # fmt: skip
    (hit,) = exposure(match(snapshot, [proxy], "2024-06-01"), "kube-proxy").hits
    assert hit.node is None and hit.evidence.object == "kube-system/DaemonSet/kube-proxy"
    # 2405 offers 1.28.3 and 1.28.5 only; on 2024-06-01 nothing newer exists.
    assert exposure(match(snapshot, [proxy], "2024-06-01"), "kube-proxy").remediation.kind == (
        "not-offered"
    )
    assert exposure(match(snapshot, [proxy], "2024-09-01"), "kube-proxy").remediation.target == (
        "1.28.9"
    )


def test_feed_advisories_match_the_api_server() -> None:
    result = match(cluster("1.27.1", host=None), feed(), "2023-07-01")
    found = exposure(result, "kube-apiserver")
    assert found.vulnerabilities[0].ids == ("CVE-2023-2727", "CVE-2023-2728")
    assert exposure(result, "kubernetes").vulnerabilities[0].ids == ("CVE-2023-2431",)


def test_os_advisories_match_the_running_kernel_of_that_distribution() -> None:
    alsa = record("ALSA-2024-1607.json")
    alma = node("moc-alma", os_image="AlmaLinux 8.9 (Midnight Oncilla)",
                kernel="4.18.0-513.18.1.el8_9.x86_64")  # fmt: skip
    patched = node("moc-patched", os_image="AlmaLinux 8.10 (Cerulean Leopard)",
                   kernel="4.18.0-513.24.1.el8_9.x86_64")  # fmt: skip
    azure = node("moc-azl")  # Azure Linux 3.0: the AlmaLinux advisory does not apply
    result = match(cluster("1.30.4", nodes=[alma, patched, azure]), [alsa], "2024-06-01")
    (hit,) = exposure(result, "node-image").hits
    assert (hit.node, hit.bound.describe()) == ("moc-alma", "4.18.0-513.24.1.el8_9")
    assert hit.evidence.field == "status.nodeInfo.kernelVersion"
    # The kernel stands for the advisory's other packages on the nodes where it was compared.
    assert result.undetermined == ()


def test_azure_linux_advisories_and_packages_the_bundle_cannot_see() -> None:
    azl = "Azure Linux:3"
    kernel = osv({"ecosystem": azl, "name": "kernel"},
                 [{"introduced": "0"}, {"fixed": "6.6.96.1-1.azl3"}],
                 range_type="ECOSYSTEM", ident="AZL-1")  # fmt: skip
    openssl = osv({"ecosystem": azl, "name": "openssl"},
                  [{"introduced": "0"}, {"fixed": "3.3.3-1.azl3"}],
                  range_type="ECOSYSTEM", ident="AZL-2")  # fmt: skip
    old = example("deprecated-version")  # kernel 6.6.92.2-1.azl3
    result = match(old, [kernel, openssl], "2025-09-15")
    found = exposure(result, "node-image")
    assert {hit.installed for hit in found.hits} == {"6.6.92.2-1.azl3"}
    assert found.remediation.kind == "minor"
    (unknown,) = result.undetermined
    assert (unknown.reason, unknown.packages, len(unknown.nodes)) == (
        "image-packages",
        ("openssl",),
        4,
    )
    current = match(example("healthy"), [kernel], "2025-09-15")  # 6.6.96.1-1.azl3
    assert current.exposures == ()


def test_node_distributions() -> None:
    assert node_distro("Microsoft Azure Linux 3.0", "6.6.96.1-1.azl3") is not None
    mariner = node_distro("CBL-Mariner/Linux", "5.15.173.1-1.cm2")
    assert mariner is not None and (mariner.family, mariner.major) == ("azure-linux", "2")
    assert node_distro("Windows Server 2022 Datacenter", "10.0.20348.2700") is None
    assert node_distro("Ubuntu 22.04.4 LTS", "5.15.0-1") is None


def test_runc_cannot_be_read_from_a_bundle() -> None:
    result = match(example("healthy"), [record("GO-2024-2491.json")], "2025-09-15")
    assert result.exposures == ()
    (unknown,) = result.undetermined
    assert (unknown.component, unknown.reason, len(unknown.nodes)) == ("runc", "runc-version", 4)


def test_unmapped_packages_are_listed_not_matched() -> None:
    result = match(example("healthy"), everything(), "2025-09-15")
    assert ("GO-2025-3567", "k8s.io/ingress-nginx") in result.untracked
    assert ("GO-2023-2170", "k8s.io/mount-utils") in result.untracked
    assert [item.component for item in result.exposures] == ["containerd"]


def test_matching_is_pure_and_repeatable() -> None:
    snapshot = read_snapshot(EXAMPLES / "stopped")
    first = match(snapshot, everything(), "2025-10-15")
    assert first == match(snapshot, everything(), "2025-10-15")


def test_a_fleet_of_clusters_on_one_version_shares_the_match_but_not_the_evidence() -> None:
    """Clusters known only from Resource Graph rows share their matching (a fleet of 10,000 on
    seven versions matches seven times), each result citing its own cluster; the same clusters
    matched with a fresh set of advisories (nothing shared) give the same results."""
    export = read_inventory(EXAMPLES / "resource-graph-export.json").clusters
    advisories = everything()
    shared = [match(snapshot, advisories, "2025-10-15") for snapshot in export]
    alone = [match(snapshot, list(advisories), "2025-10-15") for snapshot in export]
    assert shared == alone
    affected = 0
    for snapshot, result in zip(export, shared, strict=True):
        version = Facts(snapshot, default_pack()).cluster_version
        assert version is not None
        for exposure in result.exposures:
            affected += 1
            assert {hit.evidence for hit in exposure.hits} == {version.evidence}
    assert affected > 1


# --- the rule ----------------------------------------------------------------------------------


def test_the_rule_is_not_evaluated_without_advisories() -> None:
    result = assess(example("healthy"), default_pack(), at("2025-09-15"))
    gap = next(item for item in result.coverage.not_evaluated if item.rule == "security-advisories")
    assert english(gap.needs) == ("advisories (check --advisories PATH)",)
    assert not gap.partial


def test_the_rule_through_assess() -> None:
    snapshot = example("healthy")
    result = assess(snapshot, default_pack(), at("2025-10-15"), advisories=everything())
    assert "security-advisories" in result.coverage.evaluated
    mine = [f for f in result.findings if f.rule == "security-advisories"]
    warning = next(f for f in mine if f.severity == "warning")
    assert warning.clauses == ("SEC-2",)
    assert warning.message.key == "security-advisories.image-update-host"
    assert warning.message.args["target"] == "1.31.10"
    assert len(warning.evidence) == 4
    assert {e.field for e in warning.evidence} == {"status.nodeInfo.containerRuntimeVersion"}
    info = next(f for f in mine if f.severity == "info")
    assert info.clauses == ("SEC-1",)
    assert "runc" in str(info.message.args["components"])
    # The containerd swapped in for the advisories is not the pack's reference node image
    # either (SHR-3), a reference no real node confirmed: a warning, as the advisory's is.
    assert result.verdict == "at-risk"
    assert ("node-drift", "node-drift.image-reference") in {
        (f.rule, f.message.key) for f in result.findings if f.severity == "warning"
    }


def test_the_rule_without_nodes_judges_the_control_plane() -> None:
    advisories = [record("GO-2024-2746.json")]
    snapshot = make_snapshot(version={"gitVersion": "v1.29.3"})
    result = assess(snapshot, default_pack(), at("2025-09-15"), advisories=advisories)
    (finding,) = [f for f in result.findings if f.rule == "security-advisories"]
    assert finding.message.args["component"] == "kube-apiserver"
    assert finding.evidence[0].field == "gitVersion"
    gap = next(item for item in result.coverage.not_evaluated if item.rule == "security-advisories")
    assert gap.partial and "kubernetes/nodes.json" in english(gap.needs)[0]
    empty = assess(make_snapshot(), default_pack(), at("2025-09-15"), advisories=advisories)
    gap = next(item for item in empty.coverage.not_evaluated if item.rule == "security-advisories")
    assert not gap.partial and len(english(gap.needs)) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_every_remedy_renders_in_both_languages(lang: str) -> None:
    """One scenario per kind of remediation; no placeholder may be left unfilled."""
    cases = [
        (cluster("1.29.4"), [record("GO-2024-3286.json")], "2025-09-15", "patch"),
        (cluster("1.28.9", host="2411"), [record("GO-2024-3286.json")], "2025-03-15",
         "patch-update-host"),
        (example("stopped", kubelet="v1.30.3"), [record("GO-2025-3528.json")], "2025-08-15",
         "image"),
        (example("healthy"), [record("GO-2025-3528.json")], "2025-10-15", "image-update-host"),
        (cluster("1.27.9", host="2411"), [record("GO-2024-2746.json")], "2025-01-15", "minor"),
        (cluster("1.27.9", host="2405"), [record("GO-2024-2746.json")], "2025-03-15",
         "minor-update-host"),
        (cluster("1.28.9", host="2411"), [record("GO-2024-3286.json")], "2025-01-15",
         "not-offered"),
        (cluster("1.29.4"), [record("GO-2022-0617.json")], "2024-06-01", "no-fix"),
        (make_snapshot(nodes=[node("moc-a", kubelet="garbage"), node("moc-b", kubelet="v1.29.4")]),
         [record("GO-2024-3286.json")], "2025-09-15", None),
    ]  # fmt: skip
    seen = set()
    for snapshot, advisories, when, kind in cases:
        result = match(snapshot, advisories, when)
        for item in result.exposures:
            seen.add(item.remediation.kind)
            for field in ("title", "message", "fix"):
                rendered = render(lang, item.message, field)  # type: ignore[arg-type]
                assert rendered and "{" not in rendered, (item.message.key, field, rendered)
        if kind is not None:
            assert kind in {item.remediation.kind for item in result.exposures}
    assert seen >= {"patch", "image", "minor", "not-offered", "no-fix"}


def test_an_unknown_cluster_version_names_no_upgrade() -> None:
    snapshot = make_snapshot(nodes=[node("moc-a", kubelet="garbage")])
    result = match(
        snapshot, [record("GO-2024-3286.json"), record("GO-2025-3528.json")], "2025-09-15"
    )
    # The kubelet's version does not parse: said, not guessed.
    assert [(item.component, item.reason) for item in result.undetermined] == [
        ("kubelet", "unreadable-version")
    ]
    containerd = exposure(result, "containerd")
    assert containerd.remediation.kind == "no-version"
    for lang in LANGS:
        assert "{" not in render(lang, containerd.message, "fix")
    # Without /version the newest kubelet stands for the cluster's version.
    snapshot = make_snapshot(nodes=[node("moc-a", kubelet="v1.29.4")])
    remedy = exposure(match(snapshot, [record("GO-2024-3286.json")], "2025-09-15"), "kubelet")
    assert remedy.remediation.target == "1.29.13"


# --- bad input ---------------------------------------------------------------------------------

MALFORMED = {
    "truncated.json": b'{"id": "X", "affected": [',
    "array.json": b"[1, 2]",
    "neither.json": b'{"title": "not an advisory"}',
    "range-type.json": json.dumps(
        {"id": "X", "affected": [{"package": KUBERNETES, "ranges": [
            {"type": "RPM", "events": []}]}]}
    ).encode(),
    "two-keys.json": json.dumps(
        {"id": "X", "affected": [{"package": KUBERNETES, "ranges": [
            {"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]}
    ).encode(),
    "bad-version.json": json.dumps(
        {"id": "X", "affected": [{"package": KUBERNETES, "ranges": [
            {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.x"}]}]}]}
    ).encode(),
    "empty-id.json": b'{"id": " ", "affected": []}',
    "wrong-shape.json": b'{"id": "X", "affected": [{"package": "k8s.io/kubernetes"}]}',
    "feed-item.json": json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": ""}]}
    ).encode(),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_advisory_files_name_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(MALFORMED[name])
    with pytest.raises(InputError) as raised:
        load_advisories([path])
    assert raised.value.where == str(path)
    assert "\n" not in str(raised.value)


def test_missing_and_empty_advisory_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such advisory file or folder"):
        load_advisories([tmp_path / "nope"])
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(InputError, match=r"holds no \.json advisory files"):
        load_advisories([tmp_path])


def test_duplicate_records_count_once(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "GO-2024-3286.json").write_bytes((ADVISORIES / "GO-2024-3286.json").read_bytes())
    loaded = load_advisories([ADVISORIES / "GO-2024-3286.json", copy])
    assert [advisory.id for advisory in loaded.advisories] == ["GO-2024-3286"]


# --- the command -------------------------------------------------------------------------------


def old_copy(name: str, folder: Path) -> str:
    """An example bundle as it would be with the containerd the advisories hit."""
    copy = folder / name
    shutil.copytree(EXAMPLES / name, copy)
    nodes = copy / "kubernetes" / "nodes.json"
    nodes.write_text(nodes.read_text().replace("containerd://1.7.27", OLD_CONTAINERD))
    return str(copy)


def test_cli_json_and_exit_1_when_affected(arcsupport: Any, tmp_path: Path) -> None:
    code, out, err = arcsupport(
        "advisories", "match", old_copy("healthy", tmp_path), old_copy("stopped", tmp_path),
        "--advisories", str(ADVISORIES.relative_to(ROOT)), "--at", "2025-10-15", "-o", "json",
    )  # fmt: skip
    assert (code, err) == (1, "")
    document = json.loads(out)
    jsonschema.Draft202012Validator(load_schema("advisories")).validate(document)
    assert document["schema"] == "arcsupport.advisories/v1"
    assert document["advisories"]["records"] == 22
    assert len(document["advisories"]["skipped"]) == 3
    healthy, stopped = document["clusters"]
    assert healthy["cluster"] == "contoso-healthy"
    (component,) = healthy["components"]
    assert component["component"] == "containerd"
    assert component["remediation"] == {
        "kind": "image-update-host",
        "kubernetes_version": "1.31.10",
        "azure_local_release": "2510",
        "update_azure_local": True,
        "text": component["remediation"]["text"],
    }
    assert {i["node"] for i in component["instances"]} == {
        "moc-dba58bypqc2", "moc-jnaqcfya1wa", "moc-inluodpqced", "moc-n6abpfkbba2"
    }  # fmt: skip
    assert stopped["components"][0]["remediation"]["kubernetes_version"] == "1.30.14"
    assert healthy["withdrawn"] == ["GO-2022-0617"]
    assert [item["component"] for item in healthy["undetermined"]] == ["runc", "runc"]


def test_cli_exit_0_when_nothing_is_affected(arcsupport: Any) -> None:
    code, out, _ = arcsupport(
        "advisories", "match", "examples/healthy",
        "-a", str(ADVISORIES / "GO-2024-3286.json"), "--at", "2025-09-15",
    )  # fmt: skip
    assert code == 0
    assert "No loaded advisory affects this cluster." in out


@pytest.mark.parametrize("lang", LANGS)
def test_cli_table_fits_80_columns(arcsupport: Any, lang: str) -> None:
    code, out, _ = arcsupport(
        "advisories", "match", "examples/deprecated-version", "-a", str(ADVISORIES),
        "-a", str(FEED), "--at", "2025-09-15", "--lang", lang,
    )  # fmt: skip
    assert code == 1
    assert "1.29.13" in out
    for line in out.splitlines():
        assert cell_len(line) <= 80, line
    if lang == "ko":
        assert re.search(r"[\uac00-\ud7a3]", out)


@pytest.mark.parametrize("name", ["truncated.json", "bad-version.json", "neither.json"])
def test_cli_malformed_advisory_exits_2_with_one_line(
    arcsupport: Any, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(MALFORMED[name])
    code, out, err = arcsupport("advisories", "match", "examples/healthy", "-a", str(path))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"arcsupport: error: {path}: ")


def test_cli_needs_advisories(arcsupport: Any) -> None:
    code, out, err = arcsupport("advisories", "match", "examples/healthy")
    assert code == 2 and out == ""
    assert "--advisories" in err and err.count("\n") == 1
