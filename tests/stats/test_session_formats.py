"""Open-day statistics by session format: an online session without a limit on places
offers no places, so it is left out of the fill rate (numerator and denominator) and its
registrations are counted apart; nobody checks in online, so online sessions are left out
of the turn-out rate. The breakdown by format is in the selector, on the dashboard, in the
workbook; the public page's fill rate is the corrected one.

The data set (one campaign, day 1, people are party sizes):
    in person, 20 places: confirmed 6, checked in 4, walk-in 2 -> registered 10
    hybrid, 10 places: confirmed 1, checked in 3 -> registered 4
    online without a limit: confirmed 30 -> registered 30
    online, 50 places: confirmed 5 -> registered 5
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from events.choices import SessionFormat
from events.models import ActivityType, Registration
from stats.models import SessionStat
from stats.reports import REPORT_TABLES
from stats.selectors import StatsFilters, open_day_breakdown, open_day_headline
from stats.services import stats_refresh
from tests import factories
from tests.stats.test_dashboard import DASHBOARD
from tests.stats.test_selectors import DAY1, add_registrations, at

pytestmark = pytest.mark.django_db

Status = Registration.Status
Source = Registration.Source
MEETING = "https://meeting.example.com/j/2026"

# Places of the sessions with a limit, and the people filling them.
PLACES = 20 + 10 + 50
FILLED = (6 + 4 + 2) + (1 + 3) + 5


@pytest.fixture
def formats(site_tree):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, activity_type=ActivityType.LECTURE
    )
    sessions = {}
    for n, (name, session_format, capacity, rows) in enumerate(
        [
            (
                "in_person",
                SessionFormat.IN_PERSON,
                20,
                [
                    (Status.CONFIRMED, 6, Source.ONLINE),
                    (Status.CHECKED_IN, 4, Source.ONLINE),
                    (Status.CHECKED_IN, 2, Source.WALK_IN),
                ],
            ),
            (
                "hybrid",
                SessionFormat.HYBRID,
                10,
                [(Status.CONFIRMED, 1, Source.ONLINE), (Status.CHECKED_IN, 3, Source.ONLINE)],
            ),
            ("online", SessionFormat.ONLINE, None, [(Status.CONFIRMED, 30, Source.ONLINE)]),
            ("online_limited", SessionFormat.ONLINE, 50, [(Status.CONFIRMED, 5, Source.ONLINE)]),
        ]
    ):
        session = factories.SessionFactory(
            activity=activity,
            format=session_format,
            capacity=capacity,
            meeting_url="" if session_format == SessionFormat.IN_PERSON else MEETING,
            starts_at=at(DAY1, 9 + n),
            ends_at=at(DAY1, 10 + n),
            max_party_size=30,
            sync_revision=False,
        )
        add_registrations(session, rows)
        sessions[name] = session
    stats_refresh()
    return sessions


def test_the_refresh_records_the_format_and_no_limit_as_no_capacity(formats):
    rows = dict(SessionStat.objects.values_list("session_id", "format"))
    assert rows == {
        formats["in_person"].pk: "in_person",
        formats["hybrid"].pk: "hybrid",
        formats["online"].pk: "online",
        formats["online_limited"].pk: "online",
    }
    assert SessionStat.objects.get(pk=formats["online"].pk).capacity is None
    assert SessionStat.objects.get(pk=formats["online_limited"].pk).capacity == 50


def test_fill_rate_leaves_out_sessions_without_a_limit(formats):
    row = open_day_headline(filters=StatsFilters())

    assert row["capacity"] == PLACES
    assert row["registered"] == 10 + 4 + 30 + 5  # every registration still counts as one
    # Without the fix the 30 online registrations filled no places: (49 + 2) / 80.
    assert row["fill_rate"] == pytest.approx(FILLED / PLACES)
    assert row["unlimited_sessions"] == 1
    assert row["unlimited_registered"] == 30
    # Turn-out over the sessions with a venue: 7 of the 14 registered there came.
    assert row["turnout_rate"] == pytest.approx((4 + 3) / (10 + 4))


def test_only_sessions_without_a_limit_have_no_fill_rate(formats):
    SessionStat.objects.exclude(pk=formats["online"].pk).delete()

    row = open_day_headline(filters=StatsFilters())

    assert row["capacity"] == 0 and row["registered"] == 30
    assert row["fill_rate"] is None and row["turnout_rate"] is None


def test_breakdown_by_format(formats):
    with translation.override("en"):
        rows = open_day_breakdown(filters=StatsFilters(), by="format")
    assert [(r["key"], r["label"]) for r in rows] == [
        ("in_person", "In person"),
        ("online", "Online"),
        ("hybrid", "Online and in person"),
    ]
    by_key = {r["key"]: r for r in rows}
    online = by_key["online"]
    assert (online["sessions"], online["capacity"], online["registered"]) == (2, 50, 35)
    assert (online["unlimited_sessions"], online["unlimited_registered"]) == (1, 30)
    assert online["fill_rate"] == pytest.approx(5 / 50)
    assert online["turnout_rate"] is None  # nobody checks in online
    assert by_key["hybrid"]["checked_in"] == 3
    assert by_key["hybrid"]["fill_rate"] == pytest.approx(4 / 10)
    assert by_key["in_person"]["fill_rate"] == pytest.approx(12 / 20)
    with translation.override("zh-hans"):
        zh_rows = open_day_breakdown(filters=StatsFilters(), by="format")
    assert [r["label"] for r in zh_rows][1] == "线上"


def table_html(html: str, caption: str) -> str:
    match = re.search(
        rf"<table[^>]*>\s*<caption[^>]*>{re.escape(caption)}</caption>.*?</table>", html, re.S
    )
    assert match, caption
    return match.group(0)


def test_dashboard_shows_the_format_and_host_kind_tables(client, staff_editor, formats):
    client.force_login(staff_editor)
    html = client.get(DASHBOARD).content.decode()

    table = table_html(html, "Open day by session format")
    assert '<th scope="col">Session format</th>' in table
    assert '<th scope="row">Online</th>' in table
    assert "Sessions without a place limit" in table
    assert table_html(html, "Open day by kind of host").count('<th scope="row">') == 1
    # The headline figures and the fill-rate chart's table use the corrected fill rate.
    assert f"{FILLED / PLACES * 100:.1f}%" in html
    assert "Registered for sessions without a place limit" in html


def test_workbook_has_the_format_and_host_kind_sheets(client, staff_editor, formats):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD, {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))

    assert "Open day by kind of host" in book.sheetnames
    sheet = book["Open day by session format"]
    columns = [cell.value for cell in sheet[2]]
    rows = {
        r[0]: dict(zip(columns, r, strict=True))
        for r in sheet.iter_rows(min_row=3, values_only=True)
    }
    assert set(rows) == {"In person", "Online", "Online and in person"}
    assert rows["Online"]["Registered for sessions without a place limit"] == 30
    assert rows["Online"]["Fill rate"] == pytest.approx(0.1)
    summary = {r[1]: r[2] for r in book["Headline figures"].iter_rows(min_row=3, values_only=True)}
    assert summary["Fill rate"] == pytest.approx(FILLED / PLACES)
    assert summary["Sessions without a place limit"] == 1


def test_the_full_report_has_the_format_and_host_kind_sheets():
    assert {"open_day_format", "open_day_host_kind"} <= set(REPORT_TABLES)


def test_public_page_fill_rate_leaves_out_sessions_without_a_limit(client, formats):
    with translation.override("en"):
        url = reverse("stats:public")
    html = client.get(url).content.decode()
    values = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))

    assert values["Places"] == str(PLACES)
    assert values["Fill rate"] == f"{FILLED / PLACES * 100:.1f}%"
    assert values["People registered for online sessions without a place limit"] == "30"
