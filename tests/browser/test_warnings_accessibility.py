"""Consumer warnings on a phone and a desktop, in both languages: no WCAG 2.1 A/AA
violation on the list, a warning and an activity linking it (axe-core), and the list's
filter works from the keyboard."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import test_accessibility as a11y
from tests.browser.test_accessibility import LANGUAGES, VIEWPORTS, _context, _violations

chromium = a11y.chromium  # the fixture, shared

pytestmark = pytest.mark.browser


@pytest.fixture
def warning_urls(transactional_site_tree):
    tree = transactional_site_tree
    index = factories.ConsumerWarningIndexPageFactory(parent=tree.zh.home)
    index_en = factories.translate(index, "en", title="Consumer warnings")
    high = factories.ConsumerWarningPageFactory(
        parent=index,
        title="电动自行车充电安全提示",
        product_category="electric_bicycles",
        risk_level="high",
    )
    high_en = factories.translate(high, "en", title="Charging e-bikes safely")
    low = factories.ConsumerWarningPageFactory(
        parent=index, title="塑料餐具使用提示", product_category="food_contact", risk_level="low"
    )
    factories.translate(low, "en", title="Using plastic tableware")
    activity = factories.ActivityPageFactory(
        parent=tree.zh.campaign, title="消费提示发布", related_warnings=[high, low]
    )
    factories.SessionFactory(activity=activity)
    activity_en = factories.translate(activity, "en", title="Consumer warnings launch")
    return {
        "zh-hans": {"index": index.url, "warning": high.url, "activity": activity.url},
        "en": {"index": index_en.url, "warning": high_en.url, "activity": activity_en.url},
    }


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_warning_pages_have_no_wcag_violations_and_filter_by_keyboard(
    chromium, live_server, warning_urls, lang, viewport
):
    urls = warning_urls[lang]
    context = _context(chromium, live_server, viewport=VIEWPORTS[viewport], locale=LANGUAGES[lang])
    found: list[str] = []
    try:
        page = context.new_page()
        for label in ("index", "warning", "activity"):
            response = page.goto(f"{live_server.url}{urls[label]}")
            assert response.status == 200, label
            found.extend(_violations(page, label))

        # Choose a risk level with the keyboard and submit the form.
        page.goto(f"{live_server.url}{urls['index']}")
        risk = page.get_by_label("风险等级" if lang == "zh-hans" else "Risk level")
        risk.select_option("low")
        risk.press("Tab")  # to "Apply filters"
        page.keyboard.press("Enter")
        page.wait_for_url("**risk=low**")
        titles = page.locator("main .article-item__title").all_inner_texts()
        assert titles == (
            ["塑料餐具使用提示"] if lang == "zh-hans" else ["Using plastic tableware"]
        )
        found.extend(_violations(page, "index filtered"))
    finally:
        context.close()
    assert found == []
