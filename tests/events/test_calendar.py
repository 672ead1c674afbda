"""Calendar files: a registrant's ticket, an activity's sessions and a campaign's feed,
parsed back as a calendar app would read them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone, translation
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from events.calendar import activity_ics, campaign_ics, registration_ics
from events.models import Registration
from events.services.registration import registration_cancel, registration_create
from events.tickets import manage_token_read
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOST = urlsplit(settings.SITE_URL).hostname


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Shanghai ``day`` days from today."""
    today = timezone.localdate()
    return datetime.datetime.combine(
        today + datetime.timedelta(days=day), datetime.time(hour, minute), tzinfo=SHANGHAI
    )


@pytest.fixture
def activity(site_tree):
    return factories.ActivityPageFactory(
        parent=site_tree.zh.campaign,
        title="走进计量院",
        venue="计量大楼一楼",
        address="重庆市渝北区黄山大道",
        latitude=Decimal("29.612345"),
        longitude=Decimal("106.512345"),
    )


@pytest.fixture
def session(activity):
    return factories.SessionFactory(
        activity=activity,
        starts_at=at(5, 9, 30),
        ends_at=at(5, 11, 30),
        capacity=2,
        max_party_size=3,
        note="请携带身份证",
    )


def register(session, phone, **kwargs) -> Registration:
    return registration_create(session_id=session.pk, name="王五", phone=phone, **kwargs)


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def only_event(calendar: Calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def manage_token_in(text: str) -> tuple[str, str]:
    """The manage link's path and its token, from a DESCRIPTION."""
    url = re.search(r"https?://\S+", text.split(": ")[-1]).group(0)
    assert url.startswith(settings.SITE_URL + "/")
    path = urlsplit(url).path
    # Language-prefixed URLs resolve with their own language active.
    with translation.override(path.split("/")[1]):
        return path, resolve(path).kwargs["token"]


# --- A registrant's ticket --------------------------------------------------------------


def test_ticket_event_is_in_shanghai_time_with_time_zone_definition(session):
    registration = register(session, "13800000001", party_size=2)

    calendar = parse(registration_ics(registration=registration))

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    event = only_event(calendar)
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == end.params["TZID"] == "Asia/Shanghai"
    assert start.dt == at(5, 9, 30) and end.dt == at(5, 11, 30)
    assert (start.dt.hour, start.dt.minute, end.dt.hour) == (9, 30, 11)
    assert start.dt.utcoffset() == datetime.timedelta(hours=8)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert calendar.get_missing_tzids() == set()
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event["SUMMARY"] == "走进计量院"
    assert event["LOCATION"].startswith("计量大楼一楼")
    assert event["LOCATION"].endswith("重庆市渝北区黄山大道")
    assert (event["GEO"].latitude, event["GEO"].longitude) == (29.612345, 106.512345)
    assert event["URL"].startswith(settings.SITE_URL + "/zh-hans/")
    assert event["URL"].endswith(f"#session-{session.pk}")
    assert event["ORGANIZER"].startswith("mailto:")
    assert event["DTSTAMP"].dt.tzinfo is not None


def test_ticket_description_has_code_party_size_and_a_working_manage_link(session):
    registration = register(session, "13800000002", party_size=2)

    description = str(only_event(parse(registration_ics(registration=registration)))["DESCRIPTION"])

    assert registration.ticket_code in description
    assert "请携带身份证" in description
    assert "+8613800000002" not in description and "王五" not in description
    path, token = manage_token_in(description)
    assert path.startswith("/zh-hans/")
    assert manage_token_read(token) == registration.ticket_code
    # The link carries the signed ticket code, not the database id.
    assert token.split(":")[0] == registration.ticket_code


def test_ticket_has_a_display_reminder_before_the_start(session):
    registration = register(session, "13800000003")

    event = only_event(parse(registration_ics(registration=registration)))

    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    trigger = alarm["TRIGGER"].dt
    assert trigger < datetime.timedelta(0)
    assert trigger == -datetime.timedelta(hours=2)
    assert "走进计量院" in str(alarm["DESCRIPTION"])


def test_ticket_uid_stable_per_registration_and_different_between_registrations(session):
    first = register(session, "13800000004")
    second = register(session, "13800000005")

    uid = str(only_event(parse(registration_ics(registration=first)))["UID"])
    again = str(only_event(parse(registration_ics(registration=first)))["UID"])
    other = str(only_event(parse(registration_ics(registration=second)))["UID"])

    assert uid == again == f"registration-{first.ticket_code}@{HOST}"
    assert other != uid


def test_cancelled_ticket_is_a_cancel_of_the_same_event_with_a_newer_sequence(session):
    registration = register(session, "13800000006")
    published = only_event(parse(registration_ics(registration=registration)))

    registration_cancel(registration_id=registration.pk)
    registration.refresh_from_db()
    calendar = parse(registration_ics(registration=registration))

    assert str(calendar["METHOD"]) == "CANCEL"
    cancelled = only_event(calendar)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(published["UID"])
    assert cancelled["SEQUENCE"] > published["SEQUENCE"]
    assert cancelled["DTSTART"].dt == published["DTSTART"].dt
    assert cancelled.walk("VALARM") == []


def test_waitlisted_ticket_is_tentative_without_reminder(session):
    register(session, "13800000007", party_size=2)
    waiting = register(session, "13800000008", join_waitlist=True)
    assert waiting.status == Registration.Status.WAITLISTED

    event = only_event(parse(registration_ics(registration=waiting)))

    assert str(event["STATUS"]) == "TENTATIVE"
    assert event.walk("VALARM") == []


def test_promoted_ticket_is_confirmed_with_a_newer_sequence(session):
    holder = register(session, "13800000009", party_size=2)
    waiting = register(session, "13800000010", join_waitlist=True)
    before = only_event(parse(registration_ics(registration=waiting)))

    registration_cancel(registration_id=holder.pk)
    waiting.refresh_from_db()
    after = only_event(parse(registration_ics(registration=waiting)))

    assert str(after["STATUS"]) == "CONFIRMED"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.walk("VALARM")


def test_english_registrant_gets_english_title_place_and_link(site_tree, activity, session):
    factories.translate(
        activity,
        "en",
        title="Visit the Metrology Institute",
        venue="Metrology building, ground floor",
        address="Huangshan Avenue, Yubei District, Chongqing",
    )
    registration = register(session, "13800000011", language="en")

    event = only_event(parse(registration_ics(registration=registration)))

    assert event["SUMMARY"] == "Visit the Metrology Institute"
    assert event["LOCATION"].startswith("Metrology building, ground floor")
    assert event["URL"].startswith(settings.SITE_URL + "/en/")
    description = str(event["DESCRIPTION"])
    assert "Ticket code: " + registration.ticket_code in description
    assert "Party size: 1 person" in description
    path, token = manage_token_in(description)
    assert path.startswith("/en/")
    assert manage_token_read(token) == registration.ticket_code
    (alarm,) = event.walk("VALARM")
    assert "Visit the Metrology Institute" in str(alarm["DESCRIPTION"])


def test_english_registrant_gets_source_title_when_no_translation(session):
    registration = register(session, "13800000012", language="en")

    event = only_event(parse(registration_ics(registration=registration)))

    assert event["SUMMARY"] == "走进计量院"
    assert "Ticket code: " in str(event["DESCRIPTION"])


# --- An activity's sessions -------------------------------------------------------------


def test_activity_file_lists_upcoming_sessions_without_personal_data(activity, session):
    later = factories.SessionFactory(activity=activity, starts_at=at(6, 14), ends_at=at(6, 16))
    factories.SessionFactory(activity=activity, starts_at=at(-2, 9), ends_at=at(-2, 11))
    register(session, "13800000013")

    content = activity_ics(activity=activity)

    calendar = parse(content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"session-{session.pk}@{HOST}",
        f"session-{later.pk}@{HOST}",
    ]
    assert events[1]["DTSTART"].dt == at(6, 14)
    assert events[1]["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")
    assert all(e["SUMMARY"] == "走进计量院" for e in events)
    assert b"13800000013" not in content and "王五".encode() not in content
    assert all(e.walk("VALARM") == [] for e in events)


def test_translated_activity_file_has_the_source_sessions_in_english(site_tree, activity, session):
    english = factories.translate(activity, "en", title="Visit the Metrology Institute")

    events = parse(activity_ics(activity=english)).walk("VEVENT")

    assert [str(e["UID"]) for e in events] == [f"session-{session.pk}@{HOST}"]
    assert events[0]["SUMMARY"] == "Visit the Metrology Institute"
    assert events[0]["URL"].startswith(settings.SITE_URL + "/en/")
    assert "Places and registration:" in str(events[0]["DESCRIPTION"])


# --- A campaign's feed ------------------------------------------------------------------


def test_campaign_feed_has_every_session_of_live_activities(site_tree, activity, session):
    other = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="便民检测")
    other_session = factories.SessionFactory(activity=other, starts_at=at(2, 9), ends_at=at(2, 10))
    past = factories.SessionFactory(activity=other, starts_at=at(-3, 9), ends_at=at(-3, 10))
    draft = factories.ActivityPageFactory(parent=site_tree.zh.campaign, publish=False)
    factories.SessionFactory(activity=draft, sync_revision=False)

    calendar = parse(campaign_ics(campaign=site_tree.zh.campaign))

    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == site_tree.zh.campaign.title
    assert str(calendar["X-WR-CALDESC"]) == site_tree.zh.campaign.theme
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar["SOURCE"] == settings.SITE_URL + reverse(
        "events:calendar_campaign", kwargs={"page_id": site_tree.zh.campaign.pk}
    )
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"session-{past.pk}@{HOST}",
        f"session-{other_session.pk}@{HOST}",
        f"session-{session.pk}@{HOST}",
    ]
    assert [str(e["SUMMARY"]) for e in events] == ["便民检测", "便民检测", "走进计量院"]
    assert all(e["DTSTART"].params["TZID"] == "Asia/Shanghai" for e in events)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]


def test_english_campaign_feed_shows_translated_activities_with_source_sessions(
    site_tree, activity, session
):
    factories.translate(activity, "en", title="Visit the Metrology Institute")
    factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="未翻译的活动")

    calendar = parse(campaign_ics(campaign=site_tree.en.campaign))

    assert str(calendar["X-WR-CALNAME"]) == site_tree.en.campaign.title
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.pk}@{HOST}"
    assert event["SUMMARY"] == "Visit the Metrology Institute"
    assert event["URL"].startswith(settings.SITE_URL + "/en/")


def test_campaign_feed_queries_do_not_grow_with_activities_and_sessions(
    site_tree, activity, session
):
    campaign = site_tree.zh.campaign
    campaign_ics(campaign=campaign)  # warms Wagtail's cache of site root paths
    with CaptureQueriesContext(connection) as few:
        campaign_ics(campaign=campaign)
    for n in range(4):
        more = factories.ActivityPageFactory(parent=campaign)
        factories.SessionFactory(activity=more, starts_at=at(n + 1, 9), ends_at=at(n + 1, 10))
        factories.SessionFactory(activity=more, starts_at=at(n + 1, 14), ends_at=at(n + 1, 15))

    with CaptureQueriesContext(connection) as many:
        content = campaign_ics(campaign=campaign)

    assert len(parse(content).walk("VEVENT")) == 9
    assert len(many) == len(few)


def test_campaign_feed_query_bound(site_tree, activity, session, django_assert_max_num_queries):
    for n in range(3):
        more = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
        factories.SessionFactory(activity=more, starts_at=at(n + 1, 9), ends_at=at(n + 1, 10))
    campaign_ics(campaign=site_tree.zh.campaign)

    with django_assert_max_num_queries(5):
        campaign_ics(campaign=site_tree.zh.campaign)


# --- HTTP -------------------------------------------------------------------------------


def activity_path(page_id: int, language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("events:calendar_activity", kwargs={"page_id": page_id})


def campaign_path(page_id: int, language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("events:calendar_campaign", kwargs={"page_id": page_id})


def test_activity_calendar_download(client, activity, session):
    response = client.get(activity_path(activity.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="open-day-activity-{activity.pk}.ics"'
    )
    assert "max-age=300" in response["Cache-Control"]
    (event,) = parse(response.content).walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.pk}@{HOST}"


def test_activity_calendar_404_for_unknown_unpublished_private_or_other_pages(
    client, site_tree, activity
):
    draft = factories.ActivityPageFactory(parent=site_tree.zh.campaign, publish=False)
    private = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    unpublished = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    unpublished.unpublish()

    for page_id in (draft.pk, private.pk, unpublished.pk, site_tree.zh.about.pk, 999999):
        response = client.get(activity_path(page_id))
        assert response.status_code == 404, page_id
    assert client.get(activity_path(activity.pk)).status_code == 200


def test_activity_calendar_refuses_writes(client, activity):
    assert client.post(activity_path(activity.pk)).status_code == 405
    assert client.head(activity_path(activity.pk)).status_code == 200


def test_campaign_feed_http_without_names_or_phones(client, site_tree, activity, session):
    registration = register(session, "13912345678", party_size=2)

    response = client.get(campaign_path(site_tree.en.campaign.pk, "en"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.ics"')
    assert "max-age=300" in response["Cache-Control"]
    content = response.content
    assert b"13912345678" not in content and b"5678" not in content
    assert "王五".encode() not in content
    assert registration.ticket_code.encode() not in content
    assert parse(content)["X-WR-CALNAME"] == site_tree.en.campaign.title


def test_campaign_feed_404_for_unpublished_or_unknown_campaign(client, site_tree):
    unpublished = factories.OpenDayIndexPageFactory(
        parent=site_tree.zh.home, year=2020, publish=False
    )
    assert client.get(campaign_path(unpublished.pk)).status_code == 404
    assert client.get(campaign_path(site_tree.zh.news.pk)).status_code == 404
    assert client.get(campaign_path(999999)).status_code == 404


# --- Links on the pages -----------------------------------------------------------------


def test_activity_page_offers_add_to_calendar(client, activity, session):
    html = client.get(activity.url).content.decode()

    assert f'href="{activity_path(activity.pk)}"' in html


def test_activity_page_without_sessions_has_no_calendar_link(client, activity):
    html = client.get(activity.url).content.decode()

    assert activity_path(activity.pk) not in html


def test_campaign_page_offers_webcal_subscription_and_download(client, site_tree, settings):
    """Both addresses are on the portal's public address, not the host the request used."""
    settings.SITE_URL = "https://kfr.example.cn"
    campaign = site_tree.en.campaign

    html = client.get(campaign.url).content.decode()

    path = campaign_path(campaign.pk, "en")
    assert f'href="webcal://kfr.example.cn{path}"' in html
    assert f'href="{path}"' in html
    assert f"https://kfr.example.cn{path}" in html
    assert "testserver" not in html
    assert "Subscribe to the calendar" in html


def test_english_activity_page_links_to_its_english_file(client, site_tree, activity, session):
    english = factories.translate(activity, "en", title="Visit the Metrology Institute")

    html = client.get(english.url).content.decode()

    path = activity_path(english.pk, "en")
    assert f'href="{path}"' in html
    (event,) = parse(client.get(path).content).walk("VEVENT")
    assert event["SUMMARY"] == "Visit the Metrology Institute"
    assert str(event["UID"]) == f"session-{session.pk}@{HOST}"
