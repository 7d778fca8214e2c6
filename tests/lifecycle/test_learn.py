"""What a custom location's kubernetesVersions payload teaches the calendar (lifecycle/learn.py):
only newer data, an observation on its collection day, never support the policy's rules do not
give (VER-1, VER-5, VER-6), never a release date made up."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcsupport.lifecycle.calendar import VersionCalendar, for_pack
from arcsupport.lifecycle.learn import Offering, UnusableVersions, learn, parse_versions
from arcsupport.semver import KubeVersion
from arcsupport.snapshot.azure import KubernetesVersions
from helpers import default_pack, reference_body, versions_payload

AS_OF = date(2025, 11, 19)  # the shipped pack's data date; Azure Local 2510 is its newest release
# What a location on a release after the pack lists: 1.30 gone, new patches, 1.33 new.
AFTER = {
    "1.31": ["1.31.12", "1.31.13"],
    "1.32": ["1.32.8", "1.32.9"],
    "1.33": ["1.33.2", "1.33.3"],
}
# Exactly what the pack's newest release (2510) offers.
AS_2510 = {
    "1.30": ["1.30.13", "1.30.14"],
    "1.31": ["1.31.9", "1.31.10"],
    "1.32": ["1.32.5", "1.32.6"],
}


def versions(text: str) -> tuple[KubeVersion, ...]:
    return tuple(KubeVersion.parse(part) for part in text.split())


def offering(
    listing: dict[str, list[str]],
    collected: date = date(2026, 5, 20),
    *,
    preview: tuple[str, ...] = (),
    host_release: str | None = None,
) -> Offering:
    ga, previews = parse_versions(
        msgspec.convert(versions_payload(listing, preview), KubernetesVersions)
    )
    return Offering(
        collected, ga, previews, "bundle", "bundle/azure/kubernetes-versions.json", host_release
    )


def taught(
    listing: dict[str, list[str]], collected: date = date(2026, 5, 20), **more: object
) -> VersionCalendar:
    return for_pack(default_pack()).with_offering(offering(listing, collected, **more))  # type: ignore[arg-type]


def test_the_real_payload_shape_is_read() -> None:
    body = msgspec.convert(
        reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json"), KubernetesVersions
    )
    assert parse_versions(body) == (versions("1.23.12 1.23.13"), ())


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda body: body["properties"].update(values=[]), "lists no Kubernetes versions"),
        (lambda body: body["properties"]["values"][0].update(version="latest"), "not major.minor"),
        (
            lambda body: body.update(type="Microsoft.Kubernetes/connectedClusters"),
            "expected kubernetesVersions",
        ),
        (
            lambda body: body["properties"]["values"][0]["patchVersions"].update({"1.24.1": {}}),
            "are not all 1.23.x",
        ),
    ],
)
def test_a_payload_without_usable_versions_is_refused(change: object, problem: str) -> None:
    body = reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json")
    change(body)  # type: ignore[operator]
    with pytest.raises(UnusableVersions, match=problem):
        parse_versions(msgspec.convert(body, KubernetesVersions))


def test_a_newer_location_adds_a_minor_and_patches_and_drops_what_it_no_longer_lists() -> None:
    calendar = taught(AFTER)
    learned = calendar.learned
    assert learned is not None
    assert learned.known_through == AS_OF
    assert learned.new_minors == ("1.33",)
    assert learned.new_versions == versions("1.31.12 1.31.13 1.32.8 1.32.9 1.33.2 1.33.3")
    assert learned.no_longer_offered == versions("1.30 1.31.9 1.31.10 1.32.5 1.32.6")
    day = date(2026, 6, 1)
    new = calendar.minor_status("1.33", day)
    assert (new.status, new.basis, new.patches) == ("supported", "one-year", ("1.33.3", "1.33.2"))
    # No first release date is made up: the year runs from the day after the pack's data.
    assert new.first_release is None and new.first_release_date is None
    assert new.end_of_support == AS_OF + timedelta(days=1 + 365)
    gone = calendar.minor_status("1.30", day)
    assert (gone.status, gone.end_of_support, gone.basis) == (
        "deprecated", date(2026, 6, 19), "removal",
    )  # fmt: skip
    assert calendar.minor_status("1.30", date(2026, 6, 19)).status == "removed"
    assert calendar.patch_status(KubeVersion.parse("1.32.9"), day).supported is True
    old = calendar.patch_status(KubeVersion.parse("1.32.6"), day)
    assert (old.supported, old.end_of_support) == (False, date(2026, 6, 19))
    # The pack's own calendar knows none of it.
    alone = for_pack(default_pack())
    assert alone.learned is None
    assert alone.minor_status("1.33", day).status == "unreleased"
    assert alone.minor_status("1.30", day).status == "supported"


def test_a_payload_as_old_as_the_pack_teaches_nothing() -> None:
    alone = for_pack(default_pack())
    assert taught(AFTER, AS_OF) is alone
    assert learn(alone, default_pack(), offering(AFTER, date(2025, 9, 14))) is None


def test_a_payload_that_contradicts_nothing_confirms_the_calendar() -> None:
    calendar = taught(AS_2510, date(2026, 1, 10))
    learned = calendar.learned
    assert learned is not None
    assert (learned.new_minors, learned.new_versions, learned.no_longer_offered) == ((), (), ())
    assert learned.notice().key == "engine.notice.calendar-confirmed"
    alone = for_pack(default_pack())
    for day in (date(2026, 1, 15), date(2026, 4, 1), date(2026, 12, 6)):
        assert calendar.all_minors(day) == alone.all_minors(day)


def test_a_location_behind_the_calendar_drops_nothing_newer_and_brings_nothing_back() -> None:
    """A location on Azure Local 2508 in 2026 still lists 1.29 (which the pack ended on
    2025-10-31) and old patches of 1.31, and not yet 1.32: minors leave oldest first (VER-5),
    so 1.32 stays offered, 1.29 stays removed, 1.31.5 stays unsupported (VER-6)."""
    calendar = taught(
        {"1.29": ["1.29.12", "1.29.13"], "1.30": ["1.30.8", "1.30.9"], "1.31": ["1.31.4", "1.31.5"]}
    )
    day = date(2026, 6, 1)
    assert calendar.minor_status("1.32", day).status == "supported"
    assert calendar.minor_status("1.29", day).status == "removed"
    assert calendar.patch_status(KubeVersion.parse("1.31.5"), day).supported is False
    assert calendar.minor_status("1.31", day).patches == ("1.31.10", "1.31.9")
    assert calendar.learned is not None and calendar.learned.no_longer_offered == ()
    # The reference payload lists only 1.23: far behind, it drops nothing either.
    far = msgspec.convert(
        reference_body("hybridaks-2024-01-01-GetKubernetesVersions.json"), KubernetesVersions
    )
    ga, preview = parse_versions(far)
    behind = for_pack(default_pack()).with_offering(
        Offering(date(2026, 5, 20), ga, preview, "b", "b/azure/kubernetes-versions.json", None)
    )
    assert behind.learned is not None and behind.learned.ga == tuple(
        version for release in for_pack(default_pack()).releases[-1:] for version in release.ga
    )


def test_a_preview_minor_is_a_preview() -> None:
    calendar = taught({**AFTER, "1.34": ["1.34.1"]}, preview=("1.34",))
    assert calendar.minor_status("1.34", date(2026, 6, 1)).status == "preview"
    assert calendar.learned is not None
    assert calendar.learned.notice().args["preview"] == "1.34.1"
    # A preview is news even when nothing GA changed.
    ahead = taught({**AS_2510, "1.33": ["1.33.1"]}, date(2026, 1, 10), preview=("1.33",))
    assert ahead.learned is not None
    assert ahead.learned.notice().key == "engine.notice.calendar-learned"
    assert ahead.learned.notice().args["new"] == "-"


def test_the_host_release_ships_what_its_location_lists() -> None:
    """VER-9: Azure Local 2605, which the pack does not know, ships what the location lists; a
    known release the location speaks for ships what it lists now."""
    calendar = taught(AFTER, host_release="2605")
    release = calendar.release("2605")
    assert release is not None and release.released == date(2026, 5, 1)
    assert release.ga == versions("1.31.12 1.31.13 1.32.8 1.32.9 1.33.2 1.33.3")
    newest = calendar.newest_release(date(2026, 6, 1), named_only=True)
    assert newest is not None and newest.name == "2605"
    assert for_pack(default_pack()).release("2605") is None
    known = taught({**AS_2510, "1.32": ["1.32.5", "1.32.6", "1.32.7"]}, host_release="2510")
    release = known.release("2510")
    assert release is not None and release.released == date(2025, 10, 1)
    assert KubeVersion.parse("1.32.7") in release.ga


def test_one_offering_one_calendar() -> None:
    alone = for_pack(default_pack())
    first = alone.with_offering(offering(AFTER))
    assert alone.with_offering(offering(AFTER)) is first
    assert alone.with_offering(offering(AFTER, date(2026, 5, 21))) is not first
    assert alone.with_offering(None) is alone


# --- property: merging never ends support later where the payload is silent, never earlier
# than what it lists allows --------------------------------------------------------------------

MINORS = [f"1.{minor}" for minor in range(24, 37)]


@st.composite
def listings(draw: st.DrawFn) -> dict[str, list[str]]:
    minors = draw(st.lists(st.sampled_from(MINORS), min_size=1, max_size=5, unique=True))
    listing = {}
    for minor in minors:
        patches = draw(st.lists(st.integers(0, 20), min_size=0, max_size=3, unique=True))
        listing[minor] = [f"{minor}.{patch}" for patch in sorted(patches)]
    return listing


@settings(max_examples=300, deadline=None)
@given(
    listing=listings(),
    after=st.integers(1, 600),
    at=st.dates(date(2025, 6, 1), date(2028, 6, 1)),
)
def test_merging_ends_no_minor_later_where_the_payload_is_silent_and_none_earlier_than_it_allows(
    listing: dict[str, list[str]], after: int, at: date
) -> None:
    collected = AS_OF + timedelta(days=after)
    pack = default_pack()
    alone = for_pack(pack)
    calendar = alone.with_offering(offering(listing, collected))
    grace = timedelta(days=pack.thresholds.removal_grace_days)
    assert calendar.learned is not None
    listed = {version.minor_key for version in calendar.learned.offering.ga}
    offered = {version.minor_key for version in calendar.learned.ga}
    for minor in sorted({*alone.minors, *calendar.minors}, key=KubeVersion.parse):
        end, _ = calendar.end_of_support(minor, at)
        before, _ = alone.end_of_support(minor, at)
        if minor not in listed:
            # Silent: never later than the pack alone, and nothing where the pack has nothing.
            assert before is None if end is None else before is not None and end <= before
        entry = pack.calendar.kubernetes.get(minor)
        if minor in listed and minor in offered and (entry is None or entry.end_of_support is None):
            # Listed on the collection day (and not dropped by the pack): no release dropped it
            # before, so VER-5's grace runs at least to that day + 30.
            assert end is not None and end >= collected + grace
        if minor in listed and minor in offered and before is not None:
            # What the pack offered and the location still lists ends no earlier.
            assert end is not None and end >= before
    # The pack's own calendar is untouched by what this one learned.
    assert alone.learned is None and for_pack(pack) is alone
