"""The public "open day in numbers" page: the current campaign's figures, no personal data."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from stats.services import stats_refresh
from tests import factories
from tests.stats.test_dashboard import build_dashboard_data


@pytest.fixture
def data(site_tree):
    built = build_dashboard_data(site_tree)
    stats_refresh()
    return built


def figures(html: str) -> dict[str, str]:
    """The page's <dt>label</dt><dd>value</dd> pairs."""
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))


def assert_no_personal_data(html: str, data) -> None:
    for session in (data.banan_session, data.yuzhong_session):
        for registration in session.registrations.all():
            assert registration.name not in html
            assert registration.phone not in html
            assert registration.phone.removeprefix("+86") not in html
            assert registration.email not in html
            assert registration.ticket_code not in html
    assert "王经理" not in html and "13800001111" not in html  # consultation contact


def test_public_page_in_english(client, data):
    with translation.override("en"):
        url = reverse("stats:public")
    assert url == "/en/in-numbers/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Open day in numbers" in html
    assert '<html lang="en">' in html
    values = figures(html)
    assert values["Activities"] == "2"
    assert values["Sessions"] == "2"
    assert values["Districts"] == "2"
    assert values["Places"] == "30"
    assert values["People registered"] == "12"
    assert values["People checked in"] == "4"
    assert values["Fill rate"] == "40.0%"
    assert values["Turn-out"] == "33.3%"
    assert values["Expert consultations requested"] == "1"
    # Chart and table by activity type.
    assert 'role="img"' in html and "<desc id=" in html
    assert '<th scope="row">Lab tour</th>' in html
    # The breadcrumb trail leads through the campaign in English.
    assert 'aria-label="Breadcrumb"' in html
    assert f"{data.campaign.year} Testing and Inspection Open Day" in html
    assert_no_personal_data(html, data)


def test_public_page_in_chinese(client, data):
    with translation.override("zh-hans"):
        url = reverse("stats:public")
    assert url == "/zh-hans/in-numbers/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert html.count("<h1") == 1
    assert data.campaign.title in html
    assert ">12</dd>" in html  # people registered
    assert_no_personal_data(html, data)


def test_public_page_without_a_campaign(client, db):
    with translation.override("en"):
        response = client.get(reverse("stats:public"))
    assert response.status_code == 200
    assert b"There is no open-day campaign to report on yet." in response.content


def test_public_page_counts_only_the_current_campaign(client, site_tree, data):
    last_year = factories.OpenDayIndexPageFactory(
        parent=site_tree.zh.home, year=data.campaign.year - 1, slug="open-day-last-year"
    )
    activity = factories.ActivityPageFactory(parent=last_year)
    session = factories.SessionFactory(activity=activity, capacity=50)
    factories.RegistrationFactory(session=session, party_size=5)
    stats_refresh()
    with translation.override("en"):
        html = client.get(reverse("stats:public")).content.decode()
    assert figures(html)["People registered"] == "12"
    assert figures(html)["Places"] == "30"


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Earlier open days"), ("zh-hans", "往届开放日")]
)
def test_public_page_shows_earlier_campaigns(client, site_tree, data, language, heading):
    last_year = factories.OpenDayIndexPageFactory(
        parent=site_tree.zh.home,
        year=data.campaign.year - 1,
        slug="open-day-last-year",
        title="去年的开放日",
    )
    activity = factories.ActivityPageFactory(parent=last_year)
    session = factories.SessionFactory(activity=activity, capacity=50)
    factories.RegistrationFactory(session=session, party_size=4, status="checked_in")
    factories.RegistrationFactory(session=session, party_size=3, status="no_show")
    stats_refresh()
    with translation.override(language):
        html = client.get(reverse("stats:public")).content.decode()
    assert heading in html
    assert "去年的开放日" in html
    row = html.split("去年的开放日", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="stats-num">')[1:]]
    assert cells == ["1", "1", "7", "4", "57.1%"]


def test_public_page_without_earlier_campaigns_has_no_such_section(client, data):
    with translation.override("en"):
        html = client.get(reverse("stats:public")).content.decode()
    assert "Earlier open days" not in html
