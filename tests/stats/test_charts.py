"""The SVG bar charts: axis ticks people can read, bars in proportion."""

from __future__ import annotations

import pytest

from stats.charts import Series, bar_chart


def chart(values, *, percent=False):
    return bar_chart(
        chart_id="c",
        title="t",
        description="d",
        categories=[str(n) for n in range(len(values))],
        series=[Series("s", values)],
        percent=percent,
    )


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (3, ["0", "1", "2", "3"]),
        (12, ["0", "5", "10", "15"]),
        (211, ["0", "50", "100", "150", "200", "250"]),
        (999, ["0", "200", "400", "600", "800", "1,000"]),
    ],
)
def test_count_axis_ticks_are_whole_round_numbers(largest, ticks):
    assert [t["text"] for t in chart([largest, 1]).ticks] == ticks


def test_rate_axis_runs_in_quarters_and_widens_past_100_percent():
    assert [t["text"] for t in chart([0.45], percent=True).ticks] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]
    assert [t["text"] for t in chart([1.3], percent=True).ticks][-1] == "150%"


def test_bars_are_in_proportion_to_the_axis():
    drawn = chart([210, 105])
    first, second = (group.bars[0].width for group in drawn.groups)
    assert first == pytest.approx(2 * second)
    # 210 of an axis up to 250.
    assert first == pytest.approx(drawn.plot_width * 210 / 250)
