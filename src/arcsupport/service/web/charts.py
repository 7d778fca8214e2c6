"""The fleet's verdicts over time, replayed from the verdict changes: how many clusters had
each verdict at the end of each day, drawn as stacked areas (inline SVG, no script)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arcsupport.types import VERDICTS, Verdict

WIDTH = 720
HEIGHT = 220
_LEFT = 40  # room for the count labels
_RIGHT = WIDTH - 12
_TOP = 12
_BOTTOM = HEIGHT - 28  # room for the date labels
_TICK_GAP = 10  # days: closer labels would overlap
# Drawn bottom up: the worst verdict sits on the axis, where it reads first.
_STACK: tuple[Verdict, ...] = VERDICTS


@dataclass(frozen=True, slots=True)
class Band:
    verdict: Verdict
    points: str  # the polygon's "x,y x,y ..."


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # the last day's label ends at the plot's edge, inside it


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class VerdictChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bands: tuple[Band, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    days: tuple[Day, ...]

    @property
    def weekly(self) -> tuple[Day, ...]:
        """Every seventh day back from the last: the table that tells the picture in words."""
        return self.days[::-7][::-1]


def daily_counts(
    changes: Iterable[tuple[str, datetime, str]], today: date, span: int
) -> tuple[Day, ...]:
    """Clusters by verdict at the end of each of the `span` days up to `today`; `changes` are
    (cluster, when, new verdict), oldest first."""
    pending = iter(changes)
    upcoming = next(pending, None)
    current: dict[str, str] = {}
    days = []
    for offset in range(span - 1, -1, -1):
        day = today - timedelta(days=offset)
        while upcoming is not None and upcoming[1].date() <= day:
            current[upcoming[0]] = upcoming[2]
            upcoming = next(pending, None)
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for verdict in current.values():
            counts[verdict] += 1
        days.append(Day(day, counts))
    return tuple(days)


def _step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if peak / step <= 5:
            return step
    return 10_000


def verdict_chart(days: tuple[Day, ...]) -> VerdictChart:
    peak = max((sum(day.counts.values()) for day in days), default=0)
    step = _step(max(peak, 1))
    top_value = max(step, -(-peak // step) * step)

    def x(index: int) -> float:
        return round(_LEFT + index * (_RIGHT - _LEFT) / max(len(days) - 1, 1), 1)

    def y(value: int) -> float:
        return round(_BOTTOM - value * (_BOTTOM - _TOP) / top_value, 1)

    below = [0] * len(days)
    bands = []
    for verdict in _STACK:
        above = [low + day.counts[verdict] for low, day in zip(below, days, strict=True)]
        upper = [f"{x(index)},{y(value)}" for index, value in enumerate(above)]
        lower = [f"{x(index)},{y(value)}" for index, value in reversed(list(enumerate(below)))]
        bands.append(Band(verdict, " ".join(upper + lower)))
        below = above
    # The first of each month, and the last day (today) when no month starts near it.
    marked = [index for index, day in enumerate(days) if day.day.day == 1]
    if days and all(len(days) - 1 - index > _TICK_GAP for index in marked):
        marked.append(len(days) - 1)
    x_ticks = tuple(
        Tick(
            x(index),
            days[index].day.strftime("%m-%d"),
            "end" if index == len(days) - 1 else "middle",
        )
        for index in marked
    )
    y_ticks = tuple(Tick(y(value), str(value)) for value in range(0, top_value + 1, step))
    return VerdictChart(
        WIDTH, HEIGHT, _LEFT, _RIGHT, _TOP, _BOTTOM, tuple(bands), x_ticks, y_ticks, days
    )
