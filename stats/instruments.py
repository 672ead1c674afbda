"""Machine time on shared instruments on the statistics dashboard, apart from the lab
visits: the lab-visit figures (``LabVisitStat``, "Lab visits attended") count only slots
without an instrument (``stats.services``), and these rows count machine-time requests per
institution and testing field from ``labvisits.selectors.machine_time_counts``.

They are read live (a few rows per institution), not from the refreshed snapshot tables;
the date range, district (the institution's district or zone) and institution filters
apply."""

from __future__ import annotations

from typing import TypedDict

from labvisits.selectors import machine_time_counts
from portal.choices import Field
from stats.selectors import StatsFilters, _page_titles


class MachineTimeTable(TypedDict):
    rows: list[dict]
    totals: dict[str, int]


def machine_time_table(*, filters: StatsFilters) -> MachineTimeTable:
    """Machine-time requests, approved and attended per institution and field (institution
    titles in the active language), with their totals."""
    rows = [
        dict(row)
        for row in machine_time_counts(
            date_from=filters.date_from, date_to=filters.date_to, area=filters.district
        )
        if not filters.institution_id or row["institution_id"] == filters.institution_id
    ]
    titles = _page_titles(row["institution_id"] for row in rows)
    labels = dict(Field.choices)
    for row in rows:
        row["institution"] = titles.get(row["institution_id"], "")
        row["field_label"] = str(labels.get(row["field"], row["field"]))
    rows.sort(key=lambda r: (r["institution"], r["field_label"]))
    totals = {key: sum(row[key] for row in rows) for key in ("requests", "approved", "attended")}
    return {"rows": rows, "totals": totals}
