"""The version calendar on known dates, and properties of versions, dates and the calendar."""

from __future__ import annotations

import calendar as monthcal
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcsupport.errors import InputError
from arcsupport.lifecycle.calendar import VersionCalendar
from arcsupport.semver import KubeVersion, minor_distance
from arcsupport.timeutil import add_months, parse_at, yymm_start
from helpers import default_pack

CALENDAR = VersionCalendar(default_pack())
D = date.fromisoformat


def status(minor: str, day: str) -> str:
    return CALENDAR.minor_status(minor, D(day)).status


# --- known dates -------------------------------------------------------------------------------


def test_statuses_on_2025_09_15() -> None:
    day = D("2025-09-15")
    removed = CALENDAR.minor_status("1.28", day)
    assert (removed.status, removed.end_of_support, removed.basis) == (
        "removed",
        D("2025-08-31"),
        "published",
    )
    assert removed.days_left(day) == -15
    grace = CALENDAR.minor_status("1.29", day)
    assert (grace.status, grace.end_of_support, grace.basis) == (
        "supported",
        D("2025-10-31"),
        "published",
    )
    assert grace.days_left(day) == 46
    assert grace.patches == ("1.29.13", "1.29.12")
    assert status("1.30", "2025-09-15") == "supported"
    assert status("1.31", "2025-09-15") == "supported"
    assert status("1.32", "2025-09-15") == "unreleased"
    assert status("1.33", "2025-09-15") == "unreleased"
    assert CALENDAR.newest_release(day) is not None
    assert CALENDAR.newest_release(day).name == "2509"  # type: ignore[union-attr]


def test_statuses_on_2025_10_15() -> None:
    day = D("2025-10-15")
    grace = CALENDAR.minor_status("1.29", day)
    assert grace.status == "deprecated"  # no longer offered by 2510; published end not reached
    assert grace.offered is False
    assert grace.removed_on == D("2025-10-01")
    assert grace.removal_release == "2510"
    assert status("1.32", "2025-10-15") == "supported"
    assert CALENDAR.minor_status("1.32", day).first_release == "2510"
    assert status("1.28", "2025-10-15") == "removed"
    assert status("1.29", "2025-11-01") == "removed"


def test_end_of_support_without_a_published_date() -> None:
    day = D("2025-09-15")
    # 1.26 left the release train in 2408: removal + 30 days.
    assert CALENDAR.end_of_support("1.26", day) == (D("2024-08-01") + timedelta(days=30), "removal")
    assert CALENDAR.end_of_support("1.26", day)[0] == D("2024-08-31")
    # 1.27 stayed until 2411 and left with 2503: its end is 30 days after 2503, not the year
    # from its first release (2025-01-31), which 2411 still shipped it past.
    assert CALENDAR.end_of_support("1.27", day) == (D("2025-03-31"), "removal")
    # A published date wins.
    assert CALENDAR.end_of_support("1.28", day) == (D("2025-08-31"), "published")
    assert CALENDAR.end_of_support("1.99", day) == (None, None)
    # No release lists 1.33 yet: nothing to count from.
    assert CALENDAR.end_of_support("1.33", day) == (None, None)


def test_a_minor_still_shipped_ends_no_earlier_than_the_next_release_could_drop_it() -> None:
    # 1.30 first shipped in 2503 and the newest release (2510) still ships it. Within its year,
    # the year ends first (VER-1)...
    assert CALENDAR.end_of_support("1.30", D("2025-09-15")) == (D("2026-03-01"), "one-year")
    # ...but once a release could not drop it before its year is out, the earliest end is 30
    # days after the first of the next month (VER-5), and it moves on with the date.
    assert CALENDAR.end_of_support("1.30", D("2026-02-10")) == (D("2026-03-31"), "shipped")
    assert CALENDAR.end_of_support("1.30", D("2026-03-01")) == (D("2026-05-01"), "shipped")
    assert CALENDAR.end_of_support("1.30", D("2026-03-31")) == (D("2026-05-01"), "shipped")
    assert CALENDAR.end_of_support("1.30", D("2027-06-15")) == (D("2027-07-31"), "shipped")
    assert status("1.30", "2027-06-15") == "supported"


def test_issue_dates_keep_every_minor_the_newest_release_ships() -> None:
    """`versions --at 2025-02-15` used to drop 1.27 although 2411 shipped it as N-2, and
    `--at 2026-03-01` dropped 1.30 the same way."""
    on = {row.minor: row.status for row in CALENDAR.all_minors(D("2025-02-15"))}
    assert [minor for minor, state in on.items() if state == "supported"] == [
        "1.27", "1.28", "1.29",
    ]  # fmt: skip
    on = {row.minor: row.status for row in CALENDAR.all_minors(D("2026-03-01"))}
    assert [minor for minor, state in on.items() if state == "supported"] == [
        "1.30", "1.31", "1.32",
    ]  # fmt: skip
    # Once 2503 drops 1.27 it has its 30 days, then it is gone.
    assert status("1.27", "2025-03-30") == "deprecated"
    assert status("1.27", "2025-03-31") == "removed"


PUBLISHED = {
    minor: entry.end_of_support
    for minor, entry in default_pack().calendar.kubernetes.items()
    if entry.end_of_support is not None
}


def test_the_pack_publishes_the_dates_facts_md_lists() -> None:
    published = dict(PUBLISHED)
    assert published == {"1.28": D("2025-08-31"), "1.29": D("2025-10-31")}


@given(st.sampled_from(sorted(PUBLISHED)), st.dates(date(2024, 1, 1), date(2028, 12, 31)))
def test_the_estimate_reproduces_every_published_date(minor: str, day: date) -> None:
    """Where no date is published the calendar estimates one; asked of a minor that has a
    published date, the estimate gives exactly that date, on any evaluation date."""
    assert CALENDAR.estimated_end(minor, day) == (PUBLISHED[minor], "removal")


SHIPPING_DAYS = st.dates(min_value=date(2024, 2, 1), max_value=date(2029, 12, 31))


@settings(max_examples=400)
@given(SHIPPING_DAYS)
def test_no_minor_the_newest_release_ships_is_dropped(day: date) -> None:
    """VER-1 against VER-5: on any date, every minor the newest Azure Local release of that
    date ships is supported there, not removed, not deprecated, and its end lies ahead."""
    newest = CALENDAR.newest_release(day)
    assert newest is not None
    for minor in {version.minor_key for version in newest.ga}:
        state = CALENDAR.minor_status(minor, day)
        assert state.status != "removed", (minor, day)
        assert state.status == "supported", (minor, day, state.status)
        assert state.end_of_support is not None and state.end_of_support > day, (minor, day)


def test_minors_outside_the_calendar() -> None:
    old = CALENDAR.minor_status("1.20", D("2025-09-15"))
    assert (old.status, old.in_calendar) == ("removed", False)
    new = CALENDAR.minor_status("1.40", D("2025-09-15"))
    assert (new.status, new.in_calendar) == ("unreleased", False)


def test_all_minors_are_sorted_by_version() -> None:
    minors = [row.minor for row in CALENDAR.all_minors(D("2025-09-15"))]
    assert minors == sorted(minors, key=KubeVersion.parse)
    assert minors[0] == "1.26"
    assert minors[-1] == "1.34"


def test_patch_status() -> None:
    day = D("2025-09-15")
    newest = CALENDAR.patch_status(KubeVersion.parse("v1.31.5"), day)
    assert (newest.supported, newest.known, str(newest.newest)) == (True, True, "1.31.5")
    assert newest.newest_since == D("2025-08-01")
    assert (newest.removed_on, newest.end_of_support) == (None, None)
    assert CALENDAR.patch_status(KubeVersion.parse("1.31.4"), day).supported is True

    dropped = CALENDAR.patch_status(KubeVersion.parse("1.30.4"), day)
    assert (dropped.supported, dropped.known) == (False, True)
    assert dropped.removed_on == D("2025-08-01")  # 2507 was the last release to offer it
    assert dropped.end_of_support == D("2025-08-31")

    later = CALENDAR.patch_status(KubeVersion.parse("1.30.9"), D("2025-10-15"))
    assert (later.supported, str(later.newest)) == (False, "1.30.14")
    assert (later.removed_on, later.end_of_support) == (D("2025-10-01"), D("2025-10-31"))

    unknown = CALENDAR.patch_status(KubeVersion.parse("1.31.99"), day)
    assert (unknown.supported, unknown.known) == (False, False)
    # A patch that ships only after the evaluation date is not yet known then.
    assert CALENDAR.patch_status(KubeVersion.parse("1.32.6"), day).known is False
    assert CALENDAR.patch_status(KubeVersion.parse("1.32.6"), D("2025-10-02")).known is True
    # 2402 names bare minors: the calendar cannot tell which patches were supported.
    bare = CALENDAR.patch_status(KubeVersion.parse("1.27.1"), D("2024-03-01"))
    assert bare.supported is None


# --- KubeVersion ---------------------------------------------------------------------------

SUFFIX = st.builds(
    str.__add__,
    st.sampled_from("-+"),
    st.text(alphabet="0123456789abcXYZ.+_-", max_size=12),
)
NUMBERS = st.tuples(
    st.integers(0, 9),
    st.integers(0, 199),
    st.one_of(st.none(), st.integers(0, 999)),
)


def spell(numbers: tuple[int, int, int | None], prefix: str, suffix: str) -> str:
    major, minor, patch = numbers
    core = f"{major}.{minor}" if patch is None else f"{major}.{minor}.{patch}"
    return f"{prefix}{core}{suffix}"


@given(NUMBERS, st.sampled_from(["", "v", "V"]), st.one_of(st.just(""), SUFFIX))
def test_kube_version_parse_round_trips(
    numbers: tuple[int, int, int | None], prefix: str, suffix: str
) -> None:
    text = spell(numbers, prefix, suffix)
    version = KubeVersion.parse(text)
    assert (version.major, version.minor, version.patch) == numbers
    assert version.suffix == suffix
    canonical = spell(numbers, "", "")
    assert str(version) == canonical
    assert KubeVersion.parse(str(version)) == version
    assert KubeVersion.parse(f"  {text}\n") == version
    assert version.minor_key == f"{numbers[0]}.{numbers[1]}"
    assert hash(version) == hash(KubeVersion.parse(canonical))


@given(NUMBERS, NUMBERS, SUFFIX, SUFFIX)
def test_kube_version_ordering(
    a: tuple[int, int, int | None], b: tuple[int, int, int | None], sa: str, sb: str
) -> None:
    def key(numbers: tuple[int, int, int | None]) -> tuple[int, int, int]:
        return (numbers[0], numbers[1], -1 if numbers[2] is None else numbers[2])

    va = KubeVersion.parse(spell(a, "v", sa))
    vb = KubeVersion.parse(spell(b, "", sb))
    assert (va < vb) == (key(a) < key(b))
    assert (va == vb) == (key(a) == key(b))
    assert (va >= vb) == (key(a) >= key(b))
    if a[0] == b[0]:
        assert minor_distance(va, vb) == a[1] - b[1]


@pytest.mark.parametrize(
    "text", ["", "1", "v", "1.x", "1..2", "version 1.30", "1.30.4.5", "1.30 4", "-1.30"]
)
def test_kube_version_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        KubeVersion.parse(text)
    assert KubeVersion.try_parse(text) is None


def test_kube_version_quirks() -> None:
    assert str(KubeVersion.parse("v1.20.5")) == "1.20.5"
    assert KubeVersion.parse("v1.27.3+k3s1").suffix == "+k3s1"
    assert KubeVersion.parse("1.29.1-eks-abc") == KubeVersion.parse("1.29.1")
    assert KubeVersion.parse("1.28") < KubeVersion.parse("1.28.0") < KubeVersion.parse("1.28.1")
    assert KubeVersion.parse("1.9.11") < KubeVersion.parse("1.10.0")


# --- timeutil ----------------------------------------------------------------------------------

DATES = st.dates(min_value=date(1901, 1, 1), max_value=date(2098, 12, 31))
MONTHS = st.integers(-1000, 1000)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@given(DATES, MONTHS)
def test_add_months_moves_by_whole_months_and_clamps_the_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert month_index(moved) == month_index(day) + months
    last = monthcal.monthrange(moved.year, moved.month)[1]
    assert moved.day == min(day.day, last)
    back = add_months(moved, -months)
    assert (back.year, back.month) == (day.year, day.month)
    assert back.day <= day.day


@given(DATES, MONTHS, MONTHS)
def test_add_months_is_monotone_in_months(day: date, m1: int, m2: int) -> None:
    low, high = sorted((m1, m2))
    assert add_months(day, low) <= add_months(day, high)


@given(DATES, DATES, MONTHS)
def test_add_months_is_monotone_in_days(d1: date, d2: date, months: int) -> None:
    early, late = sorted((d1, d2))
    assert add_months(early, months) <= add_months(late, months)


def test_add_months_examples() -> None:
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2025-01-31"), 1) == D("2025-02-28")
    assert add_months(D("2025-03-31"), -1) == D("2025-02-28")
    assert add_months(D("2025-12-15"), 1) == D("2026-01-15")
    assert add_months(D("2025-01-15"), -1) == D("2024-12-15")
    assert add_months(D("2025-08-01"), 6) == D("2026-02-01")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_parse_at_takes_a_date_as_midnight_utc(day: date) -> None:
    parsed = parse_at(day.isoformat())
    assert parsed == datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert parsed.tzinfo is UTC


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 12, 31))


@given(MOMENTS, OFFSETS)
def test_parse_at_converts_offsets_to_utc(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(tzinfo=offset)
    parsed = parse_at(aware.isoformat())
    assert parsed == aware
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@given(MOMENTS)
def test_parse_at_reads_z(moment: datetime) -> None:
    text = moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    assert text.endswith("Z")
    assert parse_at(text) == moment.replace(tzinfo=UTC)


@given(MOMENTS)
def test_parse_at_rejects_naive_times(moment: datetime) -> None:
    with pytest.raises(InputError, match="no time zone"):
        parse_at(moment.isoformat(timespec="seconds"))


@pytest.mark.parametrize(
    "text", ["", "now", "2025-13-01", "2025-02-30", "15/09/2025", "2025-9-15x"]
)
def test_parse_at_rejects(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_at(text)
    assert refused.value.where == "--at"


@given(st.integers(0, 99), st.integers(1, 12), st.sampled_from(["", ".1", ".2.3"]))
def test_yymm_start(yy: int, mm: int, tail: str) -> None:
    assert yymm_start(f"{yy:02d}{mm:02d}{tail}") == date(2000 + yy, mm, 1)


@pytest.mark.parametrize("name", ["2500", "2513", "250", "25089", "25-08", "abcd", "", "2508a"])
def test_yymm_start_rejects(name: str) -> None:
    with pytest.raises(ValueError, match="YYMM"):
        yymm_start(name)


# --- calendar properties -----------------------------------------------------------------------

RANK = {"unreleased": 0, "preview": 0, "supported": 1, "deprecated": 2, "removed": 3}
CALENDAR_DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=300)
@given(st.sampled_from(CALENDAR.minors), CALENDAR_DAYS, CALENDAR_DAYS)
def test_a_minor_never_goes_back(minor: str, d1: date, d2: date) -> None:
    early, late = sorted((d1, d2))
    before = CALENDAR.minor_status(minor, early)
    after = CALENDAR.minor_status(minor, late)
    assert RANK[before.status] <= RANK[after.status], (minor, early, late)
    if before.end_of_support is not None:
        # An end only moves later, and only while the newest release still ships the minor.
        assert after.end_of_support is not None
        assert after.end_of_support >= before.end_of_support
        if before.basis != "shipped" and after.basis != "shipped":
            assert before.end_of_support == after.end_of_support
            left_before = before.days_left(early)
            left_after = after.days_left(late)
            assert left_before is not None
            assert left_after is not None
            assert left_before - left_after == (late - early).days
    if before.status == "removed":
        assert after.status == "removed"


@given(st.sampled_from(CALENDAR.minors), CALENDAR_DAYS)
def test_supported_means_offered_and_before_the_end(minor: str, day: date) -> None:
    state = CALENDAR.minor_status(minor, day)
    if state.status == "supported":
        assert state.offered
        assert state.end_of_support is None or day < state.end_of_support
    if state.status == "removed":
        assert state.end_of_support is not None
        assert day >= state.end_of_support
    if state.end_of_support is not None and day >= state.end_of_support:
        assert state.status in ("deprecated", "removed")
