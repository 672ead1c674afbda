"""Consumer warnings in the statistics: how many the regulator published in the period, by
product category and risk level (live pages in the default language; a translation is the
same warning), on the dashboard, in its downloads and in the report workbook."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import translation

from cms.models import RiskLevel
from portal.choices import ProductCategory
from stats import reports
from stats.selectors import StatsFilters, consumer_warning_breakdown, consumer_warning_summary
from tests import factories
from tests.stats.test_dashboard import DASHBOARD

pytestmark = pytest.mark.django_db

MAY = datetime.date(2026, 5, 1)
PERIOD = StatsFilters(date_from=MAY, date_to=datetime.date(2026, 5, 31))


@pytest.fixture
def warnings(site_tree):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    en_index = factories.translate(index, "en", title="Consumer warnings")

    def warning(day: int, category: str, risk: str, *, parent=index, **kwargs):
        return factories.ConsumerWarningPageFactory(
            parent=parent,
            date=MAY + datetime.timedelta(days=day),
            product_category=category,
            risk_level=risk,
            **kwargs,
        )

    scooter = warning(2, ProductCategory.ELECTRIC_BICYCLES, RiskLevel.HIGH)
    warning(9, ProductCategory.ELECTRIC_BICYCLES, RiskLevel.HIGH)
    warning(20, ProductCategory.CHILDREN, RiskLevel.MEDIUM)
    warning(30, ProductCategory.FOOD, RiskLevel.LOW)
    # Not counted in May: April, a draft, an English page without a Chinese original.
    warning(-3, ProductCategory.FOOD, RiskLevel.HIGH)
    warning(5, ProductCategory.COSMETICS, RiskLevel.HIGH, publish=False)
    warning(6, ProductCategory.TEXTILES, RiskLevel.LOW, parent=en_index)
    # A translation is the same warning, counted once.
    factories.translate(scooter, "en", title="E-bike batteries")
    return index


def test_summary_counts_the_period_by_risk(warnings):
    assert consumer_warning_summary(filters=PERIOD) == {
        "warnings": 4,
        "risk_high": 2,
        "risk_medium": 1,
        "risk_low": 1,
    }
    # Without dates, every live warning in the default language.
    assert consumer_warning_summary(filters=StatsFilters())["warnings"] == 5
    assert consumer_warning_summary(filters=StatsFilters(date_to=MAY))["warnings"] == 1


def test_breakdown_lists_every_category_in_order(warnings):
    with translation.override("en"):
        rows = consumer_warning_breakdown(filters=PERIOD)

    assert [r["key"] for r in rows] == list(ProductCategory.values)
    by_key = {r["key"]: r for r in rows}
    assert by_key[ProductCategory.ELECTRIC_BICYCLES] | {} == {
        "key": "electric_bicycles",
        "label": "Electric bicycles, batteries and chargers",
        "warnings": 2,
        "risk_high": 2,
        "risk_medium": 0,
        "risk_low": 0,
    }
    assert by_key[ProductCategory.FOOD]["warnings"] == 1  # April's is outside the period
    assert by_key[ProductCategory.COSMETICS]["warnings"] == 0  # a draft
    assert by_key[ProductCategory.TEXTILES]["warnings"] == 0  # English only
    with translation.override("zh-hans"):
        zh_rows = consumer_warning_breakdown(filters=PERIOD)
    assert zh_rows[0]["label"] != rows[0]["label"]


def test_dashboard_shows_the_warnings(client, staff_editor, warnings):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD, {"date_from": "2026-05-01", "date_to": "2026-05-31"})
    assert response.status_code == 200
    html = response.content.decode()

    group = next(g for g in response.context["headline"] if g["title"] == "Consumer warnings")
    assert dict(group["figures"]) == {
        "Consumer warnings published": "4",
        "High risk": "2",
        "Medium risk": "1",
        "Low risk": "1",
    }
    table = re.search(
        r"<caption[^>]*>Consumer warnings by category</caption>.*?</table>", html, re.S
    )
    assert table
    assert '<th scope="col">Product category</th>' in table.group(0)
    assert '<th scope="row">Electric bicycles, batteries and chargers</th>' in table.group(0)
    csv_link = "export=csv&amp;table=consumer_warnings"
    assert csv_link in html


def test_workbook_counts_the_warnings(client, staff_editor, warnings):
    client.force_login(staff_editor)
    response = client.get(
        DASHBOARD, {"date_from": "2026-05-01", "date_to": "2026-05-31", "export": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))

    sheet = book["Consumer warnings by category"]
    columns = [cell.value for cell in sheet[2]]
    assert columns == ["Product category", "Consumer warnings published", *(
        "High risk", "Medium risk", "Low risk"
    )]  # fmt: skip
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Electric bicycles, batteries and chargers"][1:] == (2, 2, 0, 0)
    summary = {r[1]: r[2] for r in book["Headline figures"].iter_rows(min_row=3, values_only=True)}
    assert summary["Consumer warnings published"] == 4
    assert "consumer_warnings" in reports.REPORT_TABLES
