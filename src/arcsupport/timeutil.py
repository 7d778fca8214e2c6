"""Dates and times at the edges: parsing `--at`, calendar arithmetic on dates."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

from arcsupport.errors import InputError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The moments arcsupport evaluates at. Nothing it judges predates 1970 (Kubernetes appeared in
# 2014, AKS Arc in 2023), and Unix time, which timestamps count from, starts there. The pack's
# dates reach into the 2030s; 2200 leaves room for any "what if", while every date computed
# from it (policy terms are at most ten years, policy/model.py) stays far from year 9999, the
# last one Python's dates can hold.
EARLIEST_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_AT = datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)


def parse_at(text: str, where: str = "--at") -> datetime:
    """A date (midnight UTC) or an ISO-8601 time with a zone, as an aware UTC datetime."""
    value = text.strip()
    try:
        if _DATE_ONLY.match(value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            where, f"{text!r} is not a date (2025-09-15) or an ISO-8601 time (2025-09-15T00:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        raise InputError(where, f"{text!r} has no time zone; add Z or an offset such as +09:00")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable time
        raise InputError(where, f"{text!r} is not a time Python can represent in UTC") from None


def parse_evaluation_time(text: str, where: str = "--at") -> datetime:
    """The moment to evaluate at, as `parse_at` reads it, between EARLIEST_AT and LATEST_AT."""
    moment = parse_at(text, where)
    if not EARLIEST_AT <= moment <= LATEST_AT:
        raise InputError(
            where,
            f"{text!r} is outside {EARLIEST_AT.date()}..{LATEST_AT.date()}, "
            "the range arcsupport evaluates",
        )
    return moment


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes in payloads are taken as UTC, the only zone Kubernetes and ARM write."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier) / timedelta(days=1)


def whole_days_until(at: datetime, day: date) -> int:
    """Days from the evaluation date to `day`; negative once it has passed."""
    return (day - at.date()).days


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic; the day is clamped to the target month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def yymm_start(release: str) -> date:
    """The first day of the month an Azure Local release name (YYMM, e.g. 2508) stands for."""
    match = re.fullmatch(r"(\d{2})(\d{2})(?:\.\d+)*", release)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{release!r} is not a YYMM release name")
    return date(2000 + int(match.group(1)), int(match.group(2)), 1)


def iso_time(moment: datetime) -> str:
    """`2025-09-15T00:00:00Z`: the one way every output writes a moment."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
