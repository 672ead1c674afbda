"""The open-day list filters by a district or a functional zone, in both languages; links
made when the zones were districts (``?district=liangjiang``) find the same activities."""

from __future__ import annotations

import pytest

from portal.choices import District, Zone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(site_tree):
    campaign = site_tree.zh.campaign
    in_zone = factories.ActivityPageFactory(
        parent=campaign, title="两江实验室开放", district=District.YUBEI, zone=Zone.LIANGJIANG
    )
    factories.translate(in_zone, "en", title="Liangjiang lab open house")
    plain = factories.ActivityPageFactory(
        parent=campaign, title="渝北便民检测", district=District.YUBEI
    )
    factories.translate(plain, "en", title="Yubei testing for residents")
    other = factories.ActivityPageFactory(
        parent=campaign, title="巴南讲座", district=District.BANAN
    )
    factories.translate(other, "en", title="Banan lecture")
    return site_tree


@pytest.mark.parametrize(
    ("language", "area", "shown", "hidden"),
    [
        ("zh", "liangjiang", ["两江实验室开放"], ["渝北便民检测", "巴南讲座"]),
        ("zh", "yubei", ["两江实验室开放", "渝北便民检测"], ["巴南讲座"]),
        ("en", "liangjiang", ["Liangjiang lab open house"], ["Yubei testing for residents"]),
        ("en", "banan", ["Banan lecture"], ["Liangjiang lab open house"]),
    ],
)
def test_open_day_list_filters_by_district_or_zone(
    client, activities, language, area, shown, hidden
):
    url = getattr(activities, language).campaign.url
    html = client.get(url, {"district": area}).content.decode()
    for title in shown:
        assert title in html
    for title in hidden:
        assert title not in html


def test_open_day_filter_lists_zones_after_districts(client, activities):
    html = client.get(activities.en.campaign.url).content.decode()
    assert html.index('<optgroup label="Districts and counties">') < html.index(
        '<optgroup label="Functional zones">'
    )
    assert '<option value="gaoxin">Western Science City Chongqing High-tech Zone</option>' in html
