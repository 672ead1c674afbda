"""Regulator staff use the statistics dashboard in a desktop browser: filter by district,
read the charts, download the XLSX tables and produce the full report workbook."""

from __future__ import annotations

import re

import openpyxl
import pytest
from django.utils import translation

from portal.choices import District
from stats.services import stats_refresh
from tests.browser.test_checkin import sign_in
from tests.conftest import english
from tests.stats.test_dashboard import build_dashboard_data

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard(transactional_site_tree):
    from tests import factories

    data = build_dashboard_data(transactional_site_tree)
    stats_refresh()
    approver = english(factories.UserFactory(username="stats", groups=["Regulator approvers"]))
    return data, approver


def headline_registered(page) -> str:
    """The "Registered" figure of the open-day group of the headline figures."""
    group = page.locator(".stats-headline__group").first
    label = page.locator("dt", has_text=re.compile(r"^\s*Registered\s*$"))
    return group.locator("div", has=label).locator("dd").inner_text().strip()


def test_staff_filter_by_district_see_charts_and_download_reports(
    live_server, browser_page, dashboard, tmp_path
):
    data, approver = dashboard
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page.context, live_server, approver)

    page.goto(f"{live_server.url}/cms-admin/statistics/")
    assert page.locator("h1").first.inner_text().strip()
    assert headline_registered(page) == "12"
    # Four charts, each an SVG image with an accessible name and a data table beside it.
    charts = page.locator("svg[role=img]")
    assert charts.count() == 4
    assert page.get_by_role("img", name="Attendance by day").count() == 1

    # Filter by district: only the Banan lab tour's 9 registered people remain.
    page.get_by_label("District").select_option(value="banan")
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_url("**district=banan**")
    assert headline_registered(page) == "9"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the tables (XLSX)").click()
    download_info.value.save_as(tmp_path / "tables.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert len(workbook.sheetnames) > 3
    header = " ".join(str(c.value) for c in next(workbook.worksheets[0].iter_rows(max_row=1)))
    with translation.override("en"):
        assert str(District.BANAN.label) in header  # the filter used heads every sheet

    # The full workbook: a progress page that ends with a download link.
    page.get_by_role("button", name="Produce the full report workbook").click()
    link = page.get_by_role("link", name="Download the report workbook (XLSX)")
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    download_info.value.save_as(tmp_path / "report.xlsx")
    full = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert len(full.sheetnames) >= len(workbook.sheetnames)

    # Reloading the dashboard still lists the workbook.
    page.goto(f"{live_server.url}/cms-admin/statistics/")
    assert page.locator("#stats-jobs-heading").count() == 1
