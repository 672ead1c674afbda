"""An enterprise describes its need on find-an-expert, sees why each expert matches, and
books one of them without typing the need again; an expert without free times offers to
ask the team, with the need filled in as well."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultations.models import Consultation
from tests import factories

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NEED = "我们生产的制动盘在制动时有异响，需要帮助分析原因"


@pytest.fixture
def need_world(transactional_site_tree):
    owner = factories.UserFactory(username="buyer")
    factories.EnterpriseFactory(owner=owner, district="banan", industry="automotive")
    bookable = factories.ExpertFactory(
        name="林春景", services=("diagnosis",), fields=("automotive",), district="banan"
    )
    slot = factories.SlotFactory(expert=bookable, services=["diagnosis"])
    busy = factories.ExpertFactory(name="邓志远", services=("diagnosis",), fields=("automotive",))
    return owner, bookable, slot, busy


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_need_typed_on_find_an_expert_is_carried_into_the_booking(
    live_server, browser_page, need_world
):
    owner, bookable, slot, busy = need_world
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page.context, live_server, owner)
    with translation.override("zh-hans"):
        match_url = reverse("consultations:match")

    page.goto(f"{live_server.url}{match_url}")
    page.locator("select[name=service]").select_option("diagnosis")
    page.locator("textarea[name=text]").fill(NEED)
    page.locator("form.match-form button[type=submit]").click()
    page.wait_for_load_state()

    results = page.locator(".match")
    assert results.count() == 2
    first = results.nth(0)
    reasons = first.locator(".match__reasons").inner_text()
    assert "制动盘" in reasons and "异响" in reasons
    assert "帮助" not in reasons and "原因" not in reasons
    second = results.nth(1)
    assert "暂无公布的可预约时段" in second.locator(".match__status").inner_text()
    assert "暂无" not in second.locator(".match__reasons").inner_text()

    # The expert without free times: ask the team, the need already filled in.
    second.get_by_role("link", name="请专家服务团安排与邓志远的咨询").click()
    page.wait_for_load_state()
    assert page.locator("textarea[name=description]").input_value() == NEED
    page.go_back()
    page.wait_for_load_state()

    # Book the free slot of the other expert: the need is in the form, nothing retyped.
    page.locator(".match").nth(0).locator(".slot-list a").first.click()
    page.wait_for_load_state()
    assert page.locator("textarea[name=description]").input_value() == NEED
    page.locator("input[name=topic]").fill("制动盘异响")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    consultation = Consultation.objects.get()
    assert consultation.slot == slot and consultation.expert == bookable
    assert consultation.description == NEED
    assert consultation.service == "diagnosis"
    assert consultation.reference in page.content()
