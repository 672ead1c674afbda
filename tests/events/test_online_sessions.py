"""Online and hybrid sessions: no limit on places when none is set, the meeting link only
on registrants' ticket pages shortly before the start (never on public pages, in calendar
files or texts), and no door."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape

from events.availability import availability_get, availability_store
from events.calendar import activity_ics, campaign_ics, registration_ics
from events.choices import SessionFormat
from events.exceptions import RegistrationError
from events.models import Registration, Session
from events.selectors import activity_filter_from_query, activity_list
from events.services.checkin import (
    checkin_perform,
    checkin_session_list,
    registrations_mark_no_show,
    walk_in_record,
)
from events.services.registration import (
    registration_cancel,
    registration_change_party_size,
    registration_create,
    waitlist_promote,
)
from events.tickets import manage_token_make
from reminders.models import Reminder
from reminders.services import reminder_send, reminders_plan
from tests import factories

MEETING = "https://meeting.example.com/j/8830-2026"
Status = Registration.Status


@pytest.fixture
def activity(site_tree):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="检测云课堂", slug="cloud-class"
    )
    factories.translate(activity, "en", title="Testing cloud classroom")
    return activity


def online_session(activity, *, starts_in=datetime.timedelta(days=3), **kwargs) -> Session:
    starts = timezone.now().replace(microsecond=0) + starts_in
    fields = {
        "format": SessionFormat.ONLINE,
        "capacity": None,
        "meeting_url": MEETING,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=1),
        **kwargs,
    }
    return factories.SessionFactory(activity=activity, **fields)


def register(session, n: int, **kwargs) -> Registration:
    return registration_create(
        session_id=session.pk,
        name=f"听众{n}",
        phone=f"1391234{n:04d}",
        email=f"viewer{n}@example.com",
        **kwargs,
    )


def ticket_url(registration, language="zh-hans") -> str:
    with translation.override(language):
        return reverse(
            "events:registration_manage",
            kwargs={"token": manage_token_make(registration.ticket_code)},
        )


# ---- the model ----------------------------------------------------------------------------


@pytest.mark.parametrize("session_format", [SessionFormat.IN_PERSON, SessionFormat.HYBRID])
def test_a_session_with_a_room_must_have_a_number_of_places(activity, session_format):
    starts = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            activity=activity,
            format=session_format,
            capacity=None,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )


def test_an_online_session_may_have_no_limit(activity):
    session = online_session(activity)
    assert session.capacity is None
    assert session.places_left is None
    assert session.registration_state() == "open"


# ---- registration without a limit ---------------------------------------------------------


def test_registrations_for_an_online_session_without_a_limit_are_all_confirmed(activity):
    session = online_session(activity, max_party_size=5)

    registrations = [register(session, n, party_size=5) for n in range(12)]

    assert {r.status for r in registrations} == {Status.CONFIRMED}
    session.refresh_from_db()
    assert session.count_places_taken() == 60
    assert session.places_left is None
    # A party grows without limit too.
    registration_change_party_size(registration_id=registrations[0].pk, party_size=1)
    registration_change_party_size(registration_id=registrations[0].pk, party_size=5)
    # The availability cache never calls a session without a limit full.
    availability_store(session_id=session.pk, capacity=None, places_taken=10_000)
    assert availability_get(session.pk) is None


def test_a_waiting_list_is_promoted_entirely_when_the_limit_is_removed(activity):
    starts = timezone.now() + datetime.timedelta(days=2)
    session = factories.SessionFactory(
        activity=activity,
        capacity=1,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    first = register(session, 1)
    waiting = [register(session, n, join_waitlist=True) for n in (2, 3)]
    assert {r.status for r in waiting} == {Status.WAITLISTED}
    Session.objects.filter(pk=session.pk).update(format=SessionFormat.ONLINE, capacity=None)

    registration_cancel(registration_id=first.pk)

    assert {r.status for r in Registration.objects.filter(pk__in=[w.pk for w in waiting])} == {
        Status.CONFIRMED
    }
    assert waitlist_promote(session=Session.objects.get(pk=session.pk)) == []


def test_the_activity_card_says_no_limit_and_the_format(client, activity, site_tree):
    online_session(activity)

    (card,) = [a for a in activity_list(campaign=site_tree.zh.campaign) if a.pk == activity.pk]
    assert card.next_places_left is None
    html = client.get(site_tree.zh.campaign.url).content.decode()
    assert "线上" in html and "不限" in html
    assert MEETING not in html


def test_the_activity_list_filters_by_format(activity, site_tree):
    online_session(activity)
    other = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="实验室参观")
    factories.SessionFactory(activity=other)
    campaign = site_tree.zh.campaign

    online = activity_list(
        campaign=campaign,
        filters=activity_filter_from_query(campaign=campaign, query={"format": "online"}),
    )
    in_person = activity_list(
        campaign=campaign,
        filters=activity_filter_from_query(campaign=campaign, query={"format": "in_person"}),
    )

    assert activity.pk in {a.pk for a in online} and other.pk not in {a.pk for a in online}
    assert other.pk in {a.pk for a in in_person} and activity.pk not in {a.pk for a in in_person}


# ---- the meeting link ---------------------------------------------------------------------


def test_the_ticket_says_when_the_link_will_appear_before_the_window(client, activity, settings):
    settings.ONLINE_LINK_MINUTES_BEFORE = 30
    session = online_session(activity, starts_in=datetime.timedelta(hours=2))
    registration = register(session, 1)

    html = client.get(ticket_url(registration, "en")).content.decode()

    assert MEETING not in html
    assert "The meeting link will appear here on" in html
    shows_at = timezone.localtime(session.starts_at - datetime.timedelta(minutes=30))
    # As the page writes it in English, whatever the hour ("1:16 p.m.", "noon").
    with translation.override("en"):
        assert escape(formats.time_format(shows_at, "TIME_FORMAT")) in html
    # No QR code for the door: an online session has none.
    assert "Show this code at the entrance." not in html


def test_the_ticket_shows_the_link_within_the_window(client, activity, settings):
    settings.ONLINE_LINK_MINUTES_BEFORE = 30
    session = online_session(activity, starts_in=datetime.timedelta(minutes=20))
    registration = register(session, 1)

    html = client.get(ticket_url(registration, "en")).content.decode()

    assert f'href="{MEETING}"' in html
    assert "Open the meeting link" in html


def test_a_waitlisted_or_cancelled_registrant_never_sees_the_link(client, activity):
    session = online_session(activity, starts_in=datetime.timedelta(minutes=10))
    cancelled = register(session, 1)
    registration_cancel(registration_id=cancelled.pk)

    assert MEETING not in client.get(ticket_url(cancelled, "en")).content.decode()


def test_the_hybrid_ticket_shows_the_link_and_the_venue(client, activity):
    session = online_session(
        activity,
        starts_in=datetime.timedelta(minutes=10),
        format=SessionFormat.HYBRID,
        capacity=20,
    )
    registration = register(session, 1)

    html = client.get(ticket_url(registration, "en")).content.decode()

    assert MEETING in html and activity.venue in html


def test_the_link_is_never_on_the_public_page_nor_in_calendar_files(client, activity, site_tree):
    session = online_session(activity, starts_in=datetime.timedelta(minutes=10))
    registration = register(session, 1)

    page = client.get(activity.url).content.decode()
    register_page = client.get(reverse("events:register", kwargs={"session_id": session.pk}))
    assert "线上" in page
    assert MEETING not in page and MEETING not in register_page.content.decode()
    for ics in (
        activity_ics(activity=activity),
        campaign_ics(campaign=site_tree.zh.campaign),
        registration_ics(registration=registration, language="en"),
    ):
        assert MEETING.encode() not in ics
    calendar = icalendar.Calendar.from_ical(
        registration_ics(registration=registration, language="en")
    )
    (event,) = calendar.walk("VEVENT")
    assert str(event["LOCATION"]) == "Online"
    assert f"/registration/ticket/{registration.ticket_code}:" in str(event["URL"])


def test_the_ticket_email_points_to_the_ticket_page_not_the_meeting(activity, mailoutbox):
    from events.services.notices import registration_followups_run

    session = online_session(activity)
    register(session, 1)
    registration_followups_run()
    reminders = Reminder.objects.filter(channel=Reminder.Channel.EMAIL, purpose="ticket")
    for row in reminders:
        reminder_send(reminder_id=row.pk)

    (message,) = mailoutbox
    assert MEETING not in message.body
    assert "线上链接将在开始前不久显示在您的报名凭证页面上" in message.body
    assert "您已报名成功。线上链接" in message.body and "入场时出示" not in message.body


def test_the_text_reminder_of_an_online_session_links_the_ticket_page_only(activity, settings):
    import sms

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    sms.outbox = []
    session = online_session(activity)
    registration = factories.RegistrationFactory(session=session, language="en")
    reminders_plan(registration=registration)
    rows = Reminder.objects.filter(
        registration=registration, channel=Reminder.Channel.SMS, purpose=Reminder.Purpose.REMINDER
    )
    rows.update(due_at=timezone.now() - datetime.timedelta(minutes=1))

    reminder_send(reminder_id=rows.first().pk)

    (message,) = sms.outbox
    assert message.template == "reminder_registration_online"
    assert MEETING not in message.body
    assert "The link will be on your ticket page" in message.body
    assert manage_token_make(registration.ticket_code) in message.body


# ---- the door -----------------------------------------------------------------------------


def test_the_door_does_not_list_or_check_in_online_sessions(client, activity):
    staff = factories.UserFactory(username="door9", groups=["Check-in staff"])
    online = online_session(activity, starts_in=datetime.timedelta(minutes=10))
    hybrid = online_session(
        activity, starts_in=datetime.timedelta(minutes=10), format=SessionFormat.HYBRID, capacity=5
    )
    registration = factories.RegistrationFactory(session=online, ticket_code="ONLINE01")

    upcoming, _past = checkin_session_list()
    listed = {row.session.pk for row in upcoming}
    assert hybrid.pk in listed and online.pk not in listed
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=online.pk, ticket="ONLINE01", by=staff)
    assert error.value.code == "online"
    with pytest.raises(RegistrationError) as error:
        walk_in_record(session_id=online.pk, party_size=1, by=staff)
    assert error.value.code == "online"
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("events:checkin_session", kwargs={"session_id": online.pk})
    assert client.get(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_online_registrants_are_never_marked_no_shows(activity):
    online = online_session(activity, starts_in=-datetime.timedelta(hours=5))
    in_person = factories.SessionFactory(
        activity=activity,
        starts_at=online.starts_at,
        ends_at=online.ends_at,
    )
    watched = factories.RegistrationFactory(session=online)
    missed = factories.RegistrationFactory(session=in_person)

    registrations_mark_no_show()

    watched.refresh_from_db()
    missed.refresh_from_db()
    assert watched.status == Status.CONFIRMED
    assert missed.status == Status.NO_SHOW


# ---- the page editor ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_the_editor_needs_places_and_a_venue_for_an_in_person_session(admin_client, activity):
    from tests.events.test_session_editor import edit_form_data, publish_edit, session_form_prefix

    session = factories.SessionFactory(activity=activity)
    data = edit_form_data(admin_client, activity)
    prefix = session_form_prefix(data, session)
    data[f"{prefix}-capacity"] = ""
    data["venue"] = ""

    response = publish_edit(admin_client, activity, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Required for a session in person" in html
    assert "Required: a session of this activity takes place in person." in html
    session.refresh_from_db()
    assert session.capacity == 30

    # Online: neither is needed.
    data[f"{prefix}-format"] = "online"
    data[f"{prefix}-meeting_url"] = MEETING
    data["address"] = ""
    response = publish_edit(admin_client, activity, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.format, session.capacity, session.meeting_url) == ("online", None, MEETING)
    activity.refresh_from_db()
    assert activity.venue == ""


# ---- recordings ---------------------------------------------------------------------------


def test_recordings_are_shown_on_the_activity_page_once_added(client, activity):
    from events.models import ActivityRecording

    activity.recordings = [
        ActivityRecording(
            title="2025 年检测云课堂",
            recorded_on=datetime.date(2025, 9, 18),
            url="https://video.example.com/cloud/2025",
        )
    ]
    activity.save_revision().publish()

    html = client.get(activity.url).content.decode()

    assert "2025 年检测云课堂" in html
    assert 'href="https://video.example.com/cloud/2025"' in html
    assert 'datetime="2025-09-18"' in html
