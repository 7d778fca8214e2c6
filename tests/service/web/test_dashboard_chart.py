"""Verdicts over time: the replay of verdict changes into daily counts, against a plain count
of each cluster's last change up to each day, and the chart drawn from them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from arcsupport.service.web.charts import daily_counts, verdict_chart
from arcsupport.types import VERDICTS

TODAY = date(2025, 10, 15)
_MOMENTS = st.datetimes(
    min_value=datetime(2025, 6, 1), max_value=datetime(2025, 10, 16, 23, 59)
).map(lambda moment: moment.replace(tzinfo=UTC))
_CHANGES = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), _MOMENTS, st.sampled_from(VERDICTS)),
    max_size=30,
).map(lambda changes: sorted(changes, key=lambda change: change[1]))


@given(_CHANGES, st.integers(min_value=1, max_value=120))
def test_each_day_counts_each_clusters_latest_verdict(
    changes: list[tuple[str, datetime, str]], span: int
) -> None:
    days = daily_counts(changes, TODAY, span)
    assert [day.day for day in days] == [TODAY - timedelta(days=n) for n in range(span - 1, -1, -1)]
    for day in days:
        latest: dict[str, str] = {}
        for cluster, moment, verdict in changes:
            if moment.date() <= day.day:
                latest[cluster] = verdict
        assert day.counts == {verdict: list(latest.values()).count(verdict) for verdict in VERDICTS}


def test_the_chart_stacks_the_verdicts_and_labels_months_and_today() -> None:
    moment = datetime(2025, 9, 15, 8, tzinfo=UTC)
    changes = [("a", moment, "supported"), ("b", moment, "unsupported"),
               ("a", moment + timedelta(days=20), "at-risk")]  # fmt: skip
    chart = verdict_chart(daily_counts(changes, TODAY, 90))
    assert [band.verdict for band in chart.bands] == list(VERDICTS)
    # The top of the stack on the last day is the fleet's size: 2 clusters.
    top = chart.bands[-1].points.split()[len(chart.days) - 1]
    assert float(top.split(",")[1]) == min(
        tick.position for tick in chart.y_ticks if tick.label == "2"
    )
    assert [tick.label for tick in chart.x_ticks] == ["08-01", "09-01", "10-01", "10-15"]
    assert chart.x_ticks[-1].anchor == "end"
    assert len(chart.weekly) == 13 and chart.weekly[-1].day == TODAY
