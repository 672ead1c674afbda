"""A visitor registers for an online session that starts within the link window and finds
the meeting link on the ticket page, never on the public activity page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from events.choices import SessionFormat
from events.models import Registration
from tests import factories

pytestmark = pytest.mark.browser

MEETING = "https://meeting.example.com/j/2026-0918-cloud"


@pytest.fixture
def cloud_classroom(transactional_site_tree):
    activity = factories.ActivityPageFactory(
        parent=transactional_site_tree.zh.campaign,
        title="检测云课堂",
        slug="cloud-classroom",
        venue="",
        address="",
    )
    english = factories.translate(activity, "en", title="Testing cloud classroom")
    # Starts within the link window (30 minutes by default): the link shows at once.
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=20)
    factories.SessionFactory(
        activity=activity,
        format=SessionFormat.ONLINE,
        capacity=None,
        meeting_url=MEETING,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    return english


def test_register_for_an_online_session_and_find_the_link_on_the_ticket(
    live_server, browser_page, cloud_classroom, settings
):
    settings.ONLINE_LINK_MINUTES_BEFORE = 30
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{cloud_classroom.url}")
    assert page.locator(".session-card__format").first.inner_text().startswith("Online")
    assert MEETING not in page.content()

    page.get_by_role("link", name=re.compile("^Register")).first.click()
    assert "No limit on places." in page.locator("#places-left").inner_text()
    page.get_by_label("Name").fill("Li Hua")
    page.get_by_label("Mobile phone").fill("139 0000 5678")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Register", exact=True).click()

    page.wait_for_url(re.compile(r".*/open-day/registration/ticket/.+"))
    registration = Registration.objects.get(phone="+8613900005678")
    assert registration.status == Registration.Status.CONFIRMED
    assert page.get_by_role("heading", name="Join online").is_visible()
    link = page.get_by_role("link", name=re.compile("Open the meeting link"))
    assert link.get_attribute("href") == MEETING
    # No QR code: an online session has no door.
    assert page.locator(".ticket__qr").count() == 0
