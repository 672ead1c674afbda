"""Server-side SVG bar charts for the statistics dashboard and the public figures page.

A chart is computed here (geometry, labels, legend) and drawn by
``templates/stats/includes/bar_chart.html`` as an accessible SVG: ``role="img"`` with a
``<title>`` and ``<desc>`` tied by ``aria-labelledby``, each bar's value written as text,
and series told apart by fill pattern and legend text as well as by colour. The same
figures are always shown in a data table beside the chart.

Bars are horizontal: category labels stay readable on a phone and in Chinese.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Series styles: a dark and a light colour with enough contrast against white and each
# other, plus a pattern, so the series differ without colour.
SERIES_STYLES = (
    {"fill": "#0c3b7c", "pattern": "solid"},
    {"fill": "#b8131f", "pattern": "hatch"},
    {"fill": "#4d5b6b", "pattern": "dots"},
    {"fill": "#8a5a00", "pattern": "cross"},
)

# Narrow on purpose: the SVG scales down to a phone's width, and its 14-unit labels must
# stay readable there (about 11 px on a 390 px screen).
WIDTH = 480
LABEL_WIDTH = 150  # room for the category label, left of the bars
VALUE_WIDTH = 60  # room for the value written after the longest bar
BAR_HEIGHT = 20
BAR_GAP = 4  # between the bars of one category
GROUP_GAP = 14  # between categories
TOP = 10
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value_text: str
    text_x: float
    text_y: float
    series: int
    fill: str
    pattern_id: str


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    label_width: int
    plot_width: float
    groups: list[Group]
    legend: list[dict]
    ticks: list[dict]
    axis_y: float
    empty: bool

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.chart_id}-desc"


def number_text(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _count_axis(value: float) -> tuple[float, float]:
    """(axis maximum, tick step) for counts of people: a whole step of 1, 2 or 5 x 10^n
    with at most five steps up to ``value``, so the ticks read 0, 50, 100, ... ."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= 5 * step * factor:
                size = step * factor
                return max(size, size * math.ceil(value / size)), size
        step *= 10


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    percent: bool = False,
    value_format: Callable[[float | int | None], str] | None = None,
) -> Chart:
    """A horizontal grouped bar chart: one group of bars per category, one bar per series.

    ``percent``: values are rates between 0 and 1, drawn on a 0–100 % axis.
    """
    fmt = value_format or (percent_text if percent else number_text)
    values = [v for s in series for v in s.values if v is not None]
    if percent:
        # Rates: 0-100 %, in quarters (a rate above 100 % widens the axis in quarters too).
        top = max(1.0, math.ceil(max(values, default=0) * 4) / 4)
        tick_step = 0.25
    else:
        top, tick_step = _count_axis(max(values, default=0))
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    groups: list[Group] = []
    y = TOP
    for index, category in enumerate(categories):
        group = Group(label=category, label_y=y + group_height / 2)
        for s_index, s in enumerate(series):
            value = s.values[index] if index < len(s.values) else None
            width = 0 if not value else max(1.0, plot_width * float(value) / top)
            bar_y = y + s_index * (BAR_HEIGHT + BAR_GAP)
            style = SERIES_STYLES[s_index % len(SERIES_STYLES)]
            group.bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=bar_y,
                    width=round(width, 2),
                    height=BAR_HEIGHT,
                    value_text=fmt(value),
                    text_x=round(LABEL_WIDTH + width + 4, 2),
                    text_y=bar_y + BAR_HEIGHT / 2,
                    series=s_index,
                    fill=style["fill"],
                    pattern_id=f"{chart_id}-p{s_index}",
                )
            )
        groups.append(group)
        y += group_height + GROUP_GAP
    axis_y = y - GROUP_GAP + 6 if groups else TOP
    ticks = []
    for step in range(round(top / tick_step) + 1):
        tick_value = step * tick_step
        ticks.append(
            {
                "x": round(LABEL_WIDTH + plot_width * tick_value / top, 2),
                "text": f"{tick_value * 100:g}%" if percent else number_text(tick_value),
            }
        )
    legend = [
        {
            "label": s.label,
            "fill": SERIES_STYLES[i % len(SERIES_STYLES)]["fill"],
            "pattern": SERIES_STYLES[i % len(SERIES_STYLES)]["pattern"],
            "pattern_id": f"{chart_id}-p{i}",
        }
        for i, s in enumerate(series)
    ]
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=int(axis_y + AXIS_HEIGHT),
        label_width=LABEL_WIDTH,
        plot_width=plot_width,
        groups=groups,
        legend=legend,
        ticks=ticks,
        axis_y=axis_y,
        empty=not groups,
    )
