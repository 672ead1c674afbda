"""A ticket shows its activity in the language of the page it is viewed on: a
registration made in Chinese reads in English on the English ticket page and its .ics."""

from __future__ import annotations

import icalendar
import pytest
from django.urls import reverse
from django.utils import translation

from events.reminder_targets import RegistrationTarget
from events.tickets import manage_token_make
from reminders.models import Reminder
from tests import factories


@pytest.fixture
def chinese_registration(site_tree):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="走进食品检测实验室", venue="检测大楼一楼大厅"
    )
    factories.translate(
        activity, "en", title="Inside a food testing lab", venue="Testing building, ground floor"
    )
    session = factories.SessionFactory(activity=activity)
    return factories.RegistrationFactory(session=session, language="zh-hans")


def _url(name, registration, language):
    with translation.override(language):
        return reverse(name, kwargs={"token": manage_token_make(registration.ticket_code)})


def test_english_ticket_page_shows_the_english_activity(client, chinese_registration):
    html = client.get(
        _url("events:registration_manage", chinese_registration, "en")
    ).content.decode()

    assert "Inside a food testing lab" in html
    assert "Testing building, ground floor" in html
    assert "走进食品检测实验室" not in html
    assert "检测大楼一楼大厅" not in html


def test_chinese_ticket_page_shows_the_chinese_activity(client, chinese_registration):
    html = client.get(
        _url("events:registration_manage", chinese_registration, "zh-hans")
    ).content.decode()

    assert "走进食品检测实验室" in html
    assert "Inside a food testing lab" not in html


@pytest.mark.parametrize(
    "language, shown, hidden",
    [
        ("en", "Inside a food testing lab", "走进食品检测实验室"),
        ("zh-hans", "走进食品检测实验室", "Inside a food testing lab"),
    ],
)
def test_ticket_calendar_file_is_in_the_page_language(
    client, chinese_registration, language, shown, hidden
):
    ics = client.get(_url("events:registration_ics", chinese_registration, language))

    (event,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == shown
    assert hidden not in str(event["DESCRIPTION"])


def test_reminder_describes_the_activity_in_the_language_it_is_written_in(chinese_registration):
    target = RegistrationTarget()
    reminder = Reminder(registration=chinese_registration)

    with translation.override("en"):
        context = target.context(reminder, language="en", user=None)
        _, ics = target.ics(reminder, language="en", context=context)

    assert context["activity"].title == "Inside a food testing lab"
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Inside a food testing lab"
