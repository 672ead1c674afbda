"""The in-site notice of an open-day reminder, for a registrant who registered with an
account: an online session's says the meeting link will be on the ticket page shortly
before the start (no entrance, no ticket to show, never the link itself); a session with a
venue's says to show the ticket at the entrance. The text is picked by the registration's
reminder target (``notice_template``), as the text message's is (``sms_template``)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events.choices import SessionFormat
from inbox.models import Notification
from inbox.services import user_language_set
from reminders.models import Reminder
from reminders.services import reminder_send, reminders_plan
from tests import factories

pytestmark = pytest.mark.django_db

MEETING = "https://meeting.example.com/j/4411-2026"
ONLINE_TEXT = "The meeting link will be on your ticket page shortly before the start."
ENTRANCE_TEXT = "Please show your ticket at the entrance."


@pytest.fixture
def activity(site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="检测云课堂")
    factories.translate(activity, "en", title="Testing cloud classroom")
    return activity


@pytest.fixture
def person(db):
    user = factories.UserFactory(email="listener@example.com", first_name="Li", last_name="Na")
    user_language_set(user=user, language="en")
    return user


def session_of(activity, session_format: str, capacity: int | None):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    return factories.SessionFactory(
        activity=activity,
        format=session_format,
        capacity=capacity,
        meeting_url="" if session_format == SessionFormat.IN_PERSON else MEETING,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )


def send_reminders(registration) -> None:
    """Plan the registration's reminders and send those of one offset now (e-mail and text)."""
    reminders_plan(registration=registration)
    rows = Reminder.objects.filter(registration=registration, purpose=Reminder.Purpose.REMINDER)
    offset = rows.order_by("-offset_minutes").values_list("offset_minutes", flat=True)[0]
    due = rows.filter(offset_minutes=offset)
    assert {r.channel for r in due} == {Reminder.Channel.EMAIL, Reminder.Channel.SMS}
    due.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    for row in due:
        reminder_send(reminder_id=row.pk)


@pytest.fixture
def sms_outbox(settings):
    import sms

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    sms.outbox = []
    return sms.outbox


def test_online_session_notice_says_the_link_will_be_on_the_ticket_page(
    activity, person, mailoutbox, sms_outbox
):
    registration = factories.RegistrationFactory(
        session=session_of(activity, SessionFormat.ONLINE, None),
        user=person,
        email="listener@example.com",
        language="zh-hans",
    )

    send_reminders(registration)

    (notice,) = Notification.objects.filter(user=person)  # once, though e-mail and text went
    assert notice.subject.startswith("Reminder: Testing cloud classroom,")
    assert notice.body.startswith("Hello Li Na,")
    assert ONLINE_TEXT in notice.body
    assert "entrance" not in notice.body
    assert MEETING not in notice.body
    # The ticket page in the account's language.
    assert notice.url.startswith("/en/")
    assert f"/registration/ticket/{registration.ticket_code}:" in notice.url
    # The e-mail and the text of the reminder are unchanged: one of each, no second e-mail.
    assert len(mailoutbox) == 1 and len(sms_outbox) == 1


def test_in_person_session_notice_says_to_show_the_ticket(activity, person, sms_outbox):
    registration = factories.RegistrationFactory(
        session=session_of(activity, SessionFormat.IN_PERSON, 30),
        user=person,
        email="listener@example.com",
    )

    send_reminders(registration)

    (notice,) = Notification.objects.filter(user=person)
    assert ENTRANCE_TEXT in notice.body
    assert "online link" not in notice.body


def test_hybrid_session_notice_names_the_entrance_and_the_link(activity, person, sms_outbox):
    registration = factories.RegistrationFactory(
        session=session_of(activity, SessionFormat.HYBRID, 30),
        user=person,
        email="listener@example.com",
    )

    send_reminders(registration)

    (notice,) = Notification.objects.filter(user=person)
    assert ENTRANCE_TEXT in notice.body
    assert "The online link will be on your ticket page shortly before the start:" in notice.body
    assert MEETING not in notice.body


def test_notice_in_chinese_for_a_chinese_speaking_account(activity, person, sms_outbox):
    user_language_set(user=person, language="zh-hans")
    registration = factories.RegistrationFactory(
        session=session_of(activity, SessionFormat.ONLINE, None),
        user=person,
        email="listener@example.com",
    )

    send_reminders(registration)

    (notice,) = Notification.objects.filter(user=person)
    assert "检测云课堂" in notice.subject
    assert "入场" not in notice.body
    assert ONLINE_TEXT not in notice.body  # translated


def test_registration_without_an_account_gets_no_notice(activity, sms_outbox, mailoutbox):
    registration = factories.RegistrationFactory(
        session=session_of(activity, SessionFormat.ONLINE, None), email="guest@example.com"
    )

    send_reminders(registration)

    assert not Notification.objects.exists()
    assert len(mailoutbox) == 1
