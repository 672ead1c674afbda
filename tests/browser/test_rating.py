"""After each kind of service the person is asked once and rates it on a phone: an
open-day visitor without an account through the link in their e-mail (Chinese), an
enterprise through the link of its in-site notice (English) after a lab visit, and on the
consultation's own page after a consultation."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from events.models import Registration
from inbox.models import Notification
from inbox.services import user_language_set
from ratings.models import Rating
from ratings.services import rating_asks_send
from tests.ratings.conftest import build_world

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


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


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_rating_after_an_open_day_visit_a_lab_visit_and_a_consultation(
    live_server, browser_page, transactional_site_tree
):
    world = build_world(transactional_site_tree)
    Registration.objects.filter(pk=world.registration.pk).update(user=None)
    user_language_set(user=world.member, language="en")
    assert rating_asks_send() == 3
    assert rating_asks_send() == 0  # asked once
    page = browser_page
    page.set_viewport_size(PHONE)

    # The open-day visitor has no account: the link in the e-mail, in Chinese.
    (visitor_mail,) = [m for m in mail.outbox if m.to == [world.registration.email]]
    link = re.search(r"https?://\S+/rate/\S+/", visitor_mail.body).group(0)
    page.goto(live_server.url + link[link.index("/zh-hans/") :])
    assert page.get_by_role("heading", level=1).inner_text() == "服务满意度评价"
    levels = page.get_by_role("group", name="您对本次服务的满意程度")
    assert levels.get_by_role("radio").count() == 5
    assert fits_the_screen(page)
    levels.get_by_role("radio", name="不满意", exact=True).check()
    page.get_by_role("textbox", name="评价意见（选填）").fill("排队时间太长")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert page.get_by_text("感谢您的评价").is_visible()
    rating = Rating.objects.get(kind="open_day_visit")
    assert (rating.level, rating.comment, rating.flagged) == (2, "排队时间太长", True)
    page.reload()
    assert page.get_by_role("radio").count() == 0  # rated once

    # The enterprise follows its notice after the lab visit, in English; keyboard only.
    notice = Notification.objects.get(user=world.member, subject__contains="Lab visit")
    page.goto(live_server.url + notice.url)
    levels = page.get_by_role("group", name="How satisfied are you with this service?")
    levels.get_by_role("radio", name="Very satisfied", exact=True).focus()
    page.keyboard.press("ArrowDown")  # to "Satisfied"
    page.get_by_role("button", name="Send my rating").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thank you for your rating.").is_visible()
    assert Rating.objects.get(kind="lab_visit").level == 4

    # After the consultation, on its own page, signed in.
    sign_in(page.context, live_server, world.member)
    page.goto(f"{live_server.url}/en/consultations/booking/{world.consultation.reference}/")
    levels = page.get_by_role("group", name="How satisfied are you with this consultation?")
    levels.get_by_role("radio", name="Very dissatisfied", exact=True).check()
    assert fits_the_screen(page)
    page.get_by_role("button", name="Send my rating").click()
    page.wait_for_load_state()
    rating = Rating.objects.get(kind="consultation")
    assert (rating.level, rating.rater_id, rating.flagged) == (1, world.member.pk, True)
    assert page.get_by_text("Very dissatisfied").first.is_visible()
    assert page.get_by_role("button", name="Send my rating").count() == 0
