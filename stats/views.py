"""Public "open day in numbers" page: the current campaign's aggregated figures.

Everything comes from the summary tables through ``stats.selectors``: counts of people,
sessions and places, never a registrant's name or phone number.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stats import charts, selectors
from stats.selectors import StatsFilters


def public_figures(*, campaign) -> dict:
    """The campaign's figures prepared for ``templates/stats/in_numbers.html``.

    Open-day figures are the campaign's; consultations and lab visits those of the
    campaign's days.
    """
    figures = selectors.public_figures(campaign=campaign)
    headline, by_type = figures["open_day"], figures["by_type"]
    consultations, lab_visits = figures["consultations"], figures["lab_visits"]
    number, percent = charts.number_text, charts.percent_text
    registered, checked_in = _("Registered"), _("Checked in")
    return {
        "open_day": [
            (pgettext("count of", "Activities"), number(headline["activities"])),
            (_("Sessions"), number(headline["sessions"])),
            (_("Institutions"), number(headline["institutions"])),
            (_("Districts"), number(figures["districts"])),
            (_("Places"), number(headline["capacity"])),
            (_("People registered"), number(headline["registered"])),
            (_("People checked in"), number(headline["checked_in"])),
            (
                _("People registered for online sessions without a place limit"),
                number(headline["unlimited_registered"]),
            ),
            (_("Fill rate"), percent(headline["fill_rate"])),
            (_("Turn-out"), percent(headline["turnout_rate"])),
        ],
        "services": [
            (_("Expert consultations requested"), number(consultations["requests"])),
            (_("Expert consultations completed"), number(consultations["completed"])),
            (_("Lab visits approved"), number(lab_visits["approved"])),
            (_("Lab visitors"), number(lab_visits["visitors"])),
        ],
        "chart": charts.bar_chart(
            chart_id="chart-activity-types",
            title=_("People registered and checked in by activity type"),
            description=_(
                "For each type of open-day activity, the people who registered and the "
                "people who came (walk-ins included)."
            ),
            categories=[row["label"] for row in by_type],
            series=[
                charts.Series(registered, [row["registered"] for row in by_type]),
                charts.Series(checked_in, [row["checked_in"] for row in by_type]),
            ],
        ),
        "by_type": [
            {
                "label": row["label"],
                "sessions": number(row["sessions"]),
                "capacity": number(row["capacity"]),
                "registered": number(row["registered"]),
                "checked_in": number(row["checked_in"]),
                "fill_rate": percent(row["fill_rate"]),
            }
            for row in by_type
        ],
    }


def earlier_figures(*, campaign) -> list[dict]:
    """The campaigns before ``campaign`` with a few of their figures, newest first, so the
    page shows how the open day grew."""
    rows = []
    for earlier in selectors.campaigns_earlier(than=campaign):
        headline = selectors.open_day_headline(filters=StatsFilters(campaign_id=earlier.pk))
        page = earlier.localized
        rows.append(
            {
                "title": page.title,
                "url": page.url,
                "activities": charts.number_text(headline["activities"]),
                "sessions": charts.number_text(headline["sessions"]),
                "registered": charts.number_text(headline["registered"]),
                "checked_in": charts.number_text(headline["checked_in"]),
                "turnout_rate": charts.percent_text(headline["turnout_rate"]),
            }
        )
    return rows


def open_day_in_numbers(request: HttpRequest) -> HttpResponse:
    campaign = selectors.campaign_current()
    context = {"campaign": None, "last_refresh": selectors.stats_last_refresh()}
    if campaign is not None:
        context.update(
            campaign=campaign.localized,
            earlier=earlier_figures(campaign=campaign),
            **public_figures(campaign=campaign),
        )
    return render(request, "stats/in_numbers.html", context)
