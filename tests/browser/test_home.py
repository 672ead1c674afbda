"""A visitor opens the home page, switches to English and opens an activity."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def published_activity(transactional_site_tree):
    tree = transactional_site_tree
    activity = factories.ActivityPageFactory(
        parent=tree.zh.campaign, title="走进食品检测实验室", slug="food-lab"
    )
    factories.SessionFactory(activity=activity, capacity=30)
    activity_en = factories.translate(activity, "en", title="Inside a food testing lab")
    return tree, activity, activity_en


def test_visitor_switches_to_english_and_opens_an_activity(
    live_server, browser_page, published_activity
):
    tree, activity, activity_en = published_activity
    page = browser_page

    page.goto(f"{live_server.url}/zh-hans/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").first.is_visible()
    assert page.get_by_role("link", name=activity.title).first.is_visible()

    page.locator('.language-switcher a[hreflang="en"]').click()
    page.wait_for_url(f"{live_server.url}/en/**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Skip to main content").count() == 1

    page.get_by_role("link", name=activity_en.title).first.click()
    page.wait_for_url(f"{live_server.url}{activity_en.url}")
    assert page.locator("h1").inner_text().strip() == activity_en.title
    assert page.get_by_role("heading", name="Sessions").is_visible()
    assert "30 of 30 places left" in page.locator("#sessions").inner_text()
