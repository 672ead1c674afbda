"""The opening minute in a real browser, with JavaScript on and off: the form comes from
the page cache, the last place is taken, and the next visitor is offered the waiting list
with everything typed kept, without a database transaction."""

from __future__ import annotations

import re
import urllib.request

import pytest
from django.urls import reverse
from django.utils import translation

from events.availability import availability_get
from events.models import Registration
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def last_place(transactional_site_tree, settings):
    settings.PAGE_CACHE_SECONDS = 30
    settings.REGISTRATION_PAGE_CACHE_SECONDS = 30  # stays stored for the whole test
    settings.AVAILABILITY_SECONDS = 30
    activity = factories.ActivityPageFactory(
        parent=transactional_site_tree.zh.campaign, title="发动机气道实验室开放", slug="engine-lab"
    )
    return factories.SessionFactory(activity=activity, capacity=1, max_party_size=1)


def fill_in(page, *, name: str, phone: str) -> None:
    page.get_by_label("姓名").fill(name)
    page.get_by_label("手机号码").fill(phone)
    page.locator("#id_consent").check()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_cached_form_last_place_then_the_waiting_list(live_server, last_place, javascript):
    from playwright.sync_api import sync_playwright

    with translation.override("zh-hans"):
        path = reverse("events:register", kwargs={"session_id": last_place.pk})
    # Other visitors were first: the form is stored. (The very first page of the site also
    # creates its settings row, which purges the page cache once.)
    for _ in range(2):
        urllib.request.urlopen(live_server.url + path).close()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = browser.new_context(locale="zh-CN", java_script_enabled=javascript).new_page()
            form = first.goto(live_server.url + path)
            assert form.headers["x-cache"] == "hit"
            fill_in(first, name="张三", phone="139 0000 0001")
            first.get_by_role("button", name="报名").click()
            first.wait_for_url(re.compile(r".*/registration/ticket/.+"))
            assert Registration.objects.get().status == Registration.Status.CONFIRMED
            assert availability_get(last_place.pk).places_left == 0

            # The next visitor, on the same stored form, is told at once that it is full.
            second = browser.new_context(locale="zh-CN", java_script_enabled=javascript).new_page()
            assert second.goto(live_server.url + path).headers["x-cache"] == "hit"
            fill_in(second, name="李四", phone="139 0000 0002")
            second.get_by_label("电子邮箱（选填）").fill("lisi@example.com")
            with second.expect_response(lambda r: r.request.method == "POST") as answer:
                second.get_by_role("button", name="报名").click()
            assert answer.value.status == 400
            assert "已满" in second.get_by_role("alert").inner_text()
            assert second.get_by_label("姓名").input_value() == "李四"
            assert second.get_by_label("电子邮箱（选填）").input_value() == "lisi@example.com"
            assert second.locator("#id_join_waitlist").is_checked()
            assert Registration.objects.count() == 1

            second.locator("#id_consent").check()
            second.get_by_role("button", name="加入候补名单").click()
            second.wait_for_url(re.compile(r".*/registration/ticket/.+"))
            waiting = Registration.objects.get(phone="+8613900000002")
            assert waiting.status == Registration.Status.WAITLISTED
            assert waiting.email == "lisi@example.com"
        finally:
            browser.close()
