"""The geometry of the HTML report's deadline timeline (drawn as inline SVG by the template).

Rows, top to bottom: the cluster's own deadlines as numbered markers (the numbers match the
deadline table), then one bar per Kubernetes minor of the calendar spanning its first AKS Arc
release to its end of support, coloured by its status on the evaluation date. A vertical line
marks the evaluation date ("today"). Minors whose support ended more than a year before the
evaluation date are left out, so the picture stays readable as the calendar grows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from arcsupport.engine.assess import Assessment
from arcsupport.i18n import Lang, render, text
from arcsupport.lifecycle.calendar import MinorStatus, VersionCalendar
from arcsupport.semver import KubeVersion

WIDTH = 960
_PLOT_LEFT = 150  # room for the row labels
_PLOT_RIGHT = WIDTH - 80  # room for the end date right of the last bar
_TOP = 34  # room for the "today" label above the rows
_ROW = 26
_BAR = 14
_AXIS = 30  # room for the tick labels below the rows
_HISTORY = timedelta(days=365)
_STATES = ("supported", "deprecated", "removed", "preview", "unreleased")  # legend order
_MARKER_GAP = 24  # markers closer than this put their numbers on opposite sides


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: float  # top of the bar
    x: float
    width: float
    status: str  # a MinorState, also the CSS class of the bar
    own: bool  # the cluster's own minor
    end_label: str
    end_label_x: float
    tooltip: str


@dataclass(frozen=True, slots=True)
class Marker:
    number: int
    x: float
    y: float  # centre of the marker
    number_x: float
    number_anchor: str
    tooltip: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    top: int
    bottom: float
    row_label_y: float
    own_row_label: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    markers: tuple[Marker, ...]
    today_x: float
    today_label: str
    title: str
    statuses: tuple[str, ...]  # the bar colours in use, for the legend


def _quarter_floor(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _quarter_after(day: date) -> date:
    start = _quarter_floor(day)
    month = start.month + 3
    return date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _span(status: MinorStatus, today: date, own: str | None) -> tuple[date, date] | None:
    """(first AKS Arc release, end of support) of a minor the picture shows."""
    first, end = status.first_release_date, status.end_of_support
    if first is None or end is None:
        return None  # never shipped by AKS Arc, or no end known: no span to draw
    if status.minor != own and end < today - _HISTORY:
        return None
    return first, end


def build_timeline(assessment: Assessment, calendar: VersionCalendar, lang: Lang) -> Timeline:
    today = assessment.evaluated_at.date()
    parsed = KubeVersion.try_parse(assessment.kubernetes_version)
    own = parsed.minor_key if parsed else None
    minors: list[tuple[MinorStatus, date, date]] = []
    for status in calendar.all_minors(today):
        shown = _span(status, today, own)
        if shown is not None:
            minors.append((status, *shown))

    days = [today, *(deadline.date for deadline in assessment.deadlines)]
    for _, first, last in minors:
        days += [first, last]
    start, end = _quarter_floor(min(days)), _quarter_after(max(days))
    span = (end - start).days

    def x(day: date) -> float:
        fraction = (day - start).days / span
        return round(_PLOT_LEFT + fraction * (_PLOT_RIGHT - _PLOT_LEFT), 1)

    ticks = []
    tick = start
    while tick <= end:
        ticks.append(Tick(x(tick), tick.strftime("%Y-%m")))
        tick = _quarter_after(tick)

    centre = _TOP + _ROW / 2
    places = [x(deadline.date) for deadline in assessment.deadlines]
    markers = []
    for index, deadline in enumerate(assessment.deadlines):
        # A number sits right of its marker, or left when the next marker is too close.
        crowded = index + 1 < len(places) and places[index + 1] - places[index] < _MARKER_GAP
        markers.append(
            Marker(
                number=index + 1,
                x=places[index],
                y=centre,
                number_x=round(places[index] + (-10 if crowded else 10), 1),
                number_anchor="end" if crowded else "start",
                tooltip=f"{deadline.date.isoformat()}: {render(lang, deadline.what)}",
            )
        )

    bars = []
    for row, (status, first, last) in enumerate(minors, start=1):
        left, right = x(first), x(last)
        end_label = last.isoformat()
        state = text(lang, f"ui.versions.status.{status.status}")
        label = status.minor
        if status.minor == own:
            label = text(lang, "report.html.timeline-own-minor", minor=status.minor)
        bars.append(
            Bar(
                label=label,
                y=_TOP + row * _ROW + (_ROW - _BAR) / 2,
                x=left,
                width=round(max(right - left, 2.0), 1),
                status=status.status,
                own=status.minor == own,
                end_label=end_label,
                end_label_x=round(right + 4, 1),
                tooltip=text(
                    lang,
                    "report.html.timeline-bar",
                    minor=status.minor,
                    status=state,
                    start=first.isoformat(),
                    end=end_label,
                ),
            )
        )

    bottom = _TOP + (len(minors) + 1) * _ROW
    return Timeline(
        width=WIDTH,
        height=int(bottom + _AXIS),
        plot_left=_PLOT_LEFT,
        plot_right=_PLOT_RIGHT,
        top=_TOP,
        bottom=bottom,
        row_label_y=_TOP + _ROW / 2,
        own_row_label=text(lang, "report.html.timeline-deadlines"),
        bars=tuple(bars),
        ticks=tuple(ticks),
        markers=tuple(markers),
        today_x=x(today),
        today_label=text(lang, "report.html.today", date=today.isoformat()),
        title=text(lang, "report.html.timeline-title", cluster=assessment.cluster_name),
        statuses=tuple(state for state in _STATES if any(bar.status == state for bar in bars)),
    )
