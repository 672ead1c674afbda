"""Ratings in the statistics: counts of each level and the share satisfied by service
kind, institution and expert, on the dashboard and in the downloads."""

from __future__ import annotations

import pytest
from django.utils import translation

from ratings.services import rating_submit
from stats import reports
from stats.selectors import StatsFilters, rating_breakdown, rating_summary
from tests import factories
from tests.ratings.conftest import world  # noqa: F401  (the fixture)


@pytest.fixture
def rated(world):  # noqa: F811
    rating_submit(kind="open_day_visit", object_id=world.registration.pk, level=5, by_link=True)
    rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=2, by_link=True)
    rating_submit(kind="consultation", object_id=world.consultation.pk, level=4, by_link=True)
    return world


def test_summary_counts_levels_and_share_satisfied(rated):
    row = rating_summary(filters=StatsFilters())
    assert row["ratings"] == 3
    assert (row["very_satisfied"], row["satisfied"], row["dissatisfied"]) == (1, 1, 1)
    assert row["satisfied_rate"] == pytest.approx(2 / 3)


def test_breakdowns_by_kind_institution_and_expert(rated):
    translation.activate("en")
    filters = StatsFilters()
    by_kind = {r["key"]: r for r in rating_breakdown(filters=filters, by="kind")}
    assert by_kind["lab_visit"]["label"] == "Lab visit"
    assert by_kind["lab_visit"]["satisfied_rate"] == 0
    assert by_kind["open_day_visit"]["satisfied_rate"] == 1
    (institution,) = rating_breakdown(filters=filters, by="institution")
    assert institution["key"] == rated.institution.pk
    assert (institution["ratings"], institution["satisfied_rate"]) == (2, 0.5)
    (expert,) = rating_breakdown(filters=filters, by="expert")
    assert expert["key"] == rated.consultation.expert_id
    assert expert["label"] == rated.consultation.expert.display_name
    assert (expert["ratings"], expert["satisfied"]) == (1, 1)


def test_institution_filter_applies(rated):
    other = factories.InstitutionPageFactory(parent=rated.institution.get_parent())
    assert rating_summary(filters=StatsFilters(institution_id=other.pk))["ratings"] == 0
    assert rating_summary(filters=StatsFilters(institution_id=rated.institution.pk))["ratings"] == 2


def test_dashboard_tables_show_ratings(rated):
    translation.activate("en")
    table = reports.table_build(key="rating_kind", filters=StatsFilters())
    assert [c.key for c in table.columns][-1] == "satisfied_rate"
    assert sorted(row[0] for row in table.rows) == sorted(
        ["Open-day visit", "Lab visit", "Expert consultation"]
    )
    summary = reports.summary_rows(filters=StatsFilters())
    assert ["Ratings", "Share satisfied", pytest.approx(2 / 3)] in summary


def test_dashboard_page_shows_ratings_by_service_institution_and_expert(
    client, staff_editor, rated
):
    client.force_login(staff_editor)
    html = client.get("/cms-admin/statistics/").content.decode()
    for title in ("Ratings by service", "Ratings by institution", "Ratings by expert"):
        assert title in html
    assert "Share satisfied" in html and "66.7%" in html
