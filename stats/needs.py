"""The supply-demand matching figures of the staff dashboard (``stats/_needs.html``): needs
posted, matched, open and expired, by testing field and by district, over the dashboard's
date range (the day a need was posted)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from needs.selectors import need_counts
from portal.choices import District, Field
from stats.selectors import StatsFilters

COLUMNS = ("posted", "matched", "open", "expired")


def needs_tables(*, filters: StatsFilters) -> dict:
    """``{"total": {...}, "tables": [{"title", "rows": [(label, [counts])]}]}``."""
    counts = need_counts(since=filters.date_from, until=filters.date_to)

    def rows(groups: dict, choices) -> list[tuple[str, list[int]]]:
        return [
            (label, [groups[value][key] for key in COLUMNS])
            for value, label in choices
            if value in groups
        ]

    return {
        "total": counts["total"],
        "tables": [
            {"title": _("Needs by testing field"), "rows": rows(counts["by_field"], Field.choices)},
            {
                "title": _("Needs by district"),
                "rows": rows(counts["by_district"], District.choices),
            },
        ],
    }
