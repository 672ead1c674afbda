"""The public registration flow over HTTP: form, ticket, e-mail, signed manage link."""

from __future__ import annotations

import datetime
import re

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from events.models import NoShowWaiver, Registration
from events.services.registration import registration_create
from events.tickets import manage_token_make, manage_token_read
from events.views.registration import TICKETS_COOKIE
from portal.forms import PLAIN_ERROR_MESSAGES
from portal.tickets import TokenInvalid, qr_token_make, qr_token_read
from tests.factories import ActivityPageFactory, RegistrationFactory, SessionFactory, UserFactory


@pytest.fixture
def activity(site_tree):
    return ActivityPageFactory(parent=site_tree.zh.campaign, title="智能网联汽车检测中心开放")


@pytest.fixture
def session(activity):
    return SessionFactory(activity=activity, capacity=5, max_party_size=3)


def register_url(session, language="zh-hans"):
    with translation.override(language):
        return reverse("events:register", kwargs={"session_id": session.pk})


def manage_url(registration, language="zh-hans"):
    with translation.override(language):
        return reverse(
            "events:registration_manage",
            kwargs={"token": manage_token_make(registration.ticket_code)},
        )


def ticket_of(url: str) -> str:
    """The ticket code a manage link points at (tokens carry a timestamp, so two links
    to the same registration made a second apart differ)."""
    match = re.search(r"/ticket/([^/\s]+)/", url)
    return manage_token_read(match.group(1))


def form_data(**overrides):
    data = {
        "name": "王小明",
        "phone": "138 0013 8000",
        "email": "xiaoming@example.com",
        "organisation": "",
        "party_size": "2",
        "language": "zh-hans",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_activity_page_links_each_open_session_to_its_form(client, session):
    response = client.get(session.activity.url)
    assert register_url(session) in response.content.decode()


def test_form_shows_places_and_every_field(client, session):
    response = client.get(register_url(session))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("name", "phone", "email", "organisation", "party_size", "language", "consent"):
        assert f'name="{name}"' in html
    assert "5 places left" in html or "5" in html
    assert 'type="tel"' in html


def test_register_confirms_emails_ticket_and_shows_it(
    client, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(session), form_data())
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert ticket_of(response["Location"]) == registration.ticket_code
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.phone == "+8613800138000"
    assert registration.party_size == 2
    assert registration.consent_at is not None and registration.consent_version

    (message,) = mail.outbox
    assert message.to == ["xiaoming@example.com"]
    assert registration.ticket_code in message.body
    assert ticket_of(message.body) == registration.ticket_code
    attachments = {
        a.get_content_type(): a for a in message.attachments if hasattr(a, "get_content_type")
    }
    names = [a[0] if isinstance(a, tuple) else a.get_filename() for a in message.attachments]
    assert "open-day.ics" in names and "ticket-qr.png" in names
    ics = next(a for a in message.attachments if isinstance(a, tuple) and a[0] == "open-day.ics")
    calendar = icalendar.Calendar.from_ical(ics[1])
    assert str(calendar["METHOD"]) == "PUBLISH"
    png = attachments["image/png"].get_payload(decode=True)
    assert png.startswith(b"\x89PNG")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert registration.ticket_code in html
    assert "<svg" in html
    assert "+8613800138000" not in html  # the ticket page never shows the phone number


def test_qr_encodes_a_signed_token_not_the_id(client, session):
    registration = registration_create(
        session_id=session.pk, name="李四", phone="13900001111", email=""
    )
    token = qr_token_make(registration.ticket_code)
    assert qr_token_read(token) == registration.ticket_code
    # The signed value is the ticket code, never the row id; a changed code fails.
    assert token.split(":")[0] == registration.ticket_code
    changed = ("Y" if token[0] == "X" else "X") + token[1:]
    with pytest.raises(TokenInvalid):
        qr_token_read(changed)
    html = client.get(manage_url(registration)).content.decode()
    assert "<svg" in html


def test_invalid_input_is_explained_and_kept(client, session):
    response = client.post(
        register_url(session, "en"),
        form_data(phone="12345", consent=None, name="Alice Smith", email="not-an-email"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "mainland China mobile number" in html
    assert "privacy notice" in html
    assert "valid email" in html.lower()
    assert 'value="Alice Smith"' in html and 'value="12345"' in html
    assert 'aria-invalid="true"' in html
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_form_says_plainly_a_name_is_too_long_and_a_choice_unknown(client, session, language):
    response = client.post(
        register_url(session, language), form_data(name="王" * 61, party_size="0")
    )
    html = response.content.decode()
    errors = response.context["form"].errors.as_data()
    assert errors["name"][0].code == "max_length"
    assert errors["party_size"][0].code == "invalid_choice"
    with translation.override(language):
        too_long = str(PLAIN_ERROR_MESSAGES["max_length"]) % {"limit_value": 60}
        unknown = str(PLAIN_ERROR_MESSAGES["invalid_choice"])
    assert too_long in html and unknown in html
    # Django's own wording, in either language, is gone.
    for text in ("Ensure this value", "Select a valid choice", "确保该", "不在可用的选项中"):
        assert text not in html
    assert not Registration.objects.exists()


def test_signed_in_user_gets_prefilled_form_and_my_registrations(client, session):
    user = UserFactory(first_name="明", last_name="王")
    RegistrationFactory(session=SessionFactory(activity=session.activity), user=user)
    client.force_login(user)
    html = client.get(register_url(session)).content.decode()
    assert f'value="{user.email}"' in html
    mine = client.get(reverse("events:my_registrations"))
    assert mine.status_code == 200
    assert session.activity.title in mine.content.decode()


def test_signed_in_user_sees_the_last_phone_grouped_in_the_form(client, session):
    user = UserFactory()
    RegistrationFactory(session=session, user=user, phone="+8613800138000")
    client.force_login(user)
    html = client.get(register_url(session)).content.decode()
    assert 'value="138 0013 8000"' in html and "13800138000" not in html


def test_my_registrations_needs_an_account(client, site_tree):
    response = client.get(reverse("events:my_registrations"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_my_registrations_shows_only_the_users_own(client, session):
    owner, other = UserFactory(), UserFactory()
    RegistrationFactory(session=session, user=owner, ticket_code="OWNER001")
    RegistrationFactory(session=session, user=other, ticket_code="OTHER001")
    client.force_login(owner)
    html = client.get(reverse("events:my_registrations")).content.decode()
    assert "OWNER001" in html and "OTHER001" not in html


def test_the_browser_that_registered_sees_its_ticket_on_a_second_attempt(client, session):
    client.post(register_url(session), form_data())
    response = client.post(register_url(session), form_data(party_size="1"))
    assert response.status_code == 302
    assert ticket_of(response["Location"]) == Registration.objects.get().ticket_code


def test_a_form_sent_again_after_its_answer_was_lost_is_shown_the_same_ticket(client, session):
    """The connection dropped after the commit: the ticket cookie never arrived, but the
    browser that sent the form (its CSRF cookie) is recognised; another browser is not."""
    client.get(register_url(session))
    client.post(register_url(session), form_data())
    registration = Registration.objects.get()
    assert registration.browser_key and len(registration.browser_key) == 32
    del client.cookies[TICKETS_COOKIE]  # the answer that set it was lost

    response = client.post(register_url(session), form_data(party_size="1"))
    assert response.status_code == 302
    assert ticket_of(response["Location"]) == registration.ticket_code

    stranger = client.__class__()
    stranger.get(register_url(session))  # its own CSRF cookie
    response = stranger.post(register_url(session), form_data(party_size="1"))
    assert response.status_code == 400
    assert registration.ticket_code not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["王小明", " 王小明 ", "冒名者"], ids=["same-name", "same-name-spaced", "other-name"]
)
def test_another_browser_never_gets_the_ticket_whatever_name_it_types(client, session, name):
    """Knowing a registrant's phone and name is no proof: no ticket, no manage link, and
    the same answer for the right and a wrong name."""
    client.post(register_url(session), form_data())
    registration = Registration.objects.get()
    stranger = client.__class__()
    response = stranger.post(register_url(session), form_data(name=name, party_size="1"))
    html = response.content.decode()
    assert response.status_code == 400
    assert registration.ticket_code not in html
    assert manage_token_make(registration.ticket_code) not in html
    assert reverse("events:ticket_resend", kwargs={"session_id": session.pk}) in html
    assert "请使用下方表单" in html
    # Nothing changed: no second registration, the party size is the first one's.
    registration.refresh_from_db()
    assert Registration.objects.count() == 1 and registration.party_size == 2


def test_ticket_resend_answers_the_same_whether_or_not_registered(
    client, session, django_capture_on_commit_callbacks
):
    client.__class__().post(register_url(session), form_data())
    url = reverse("events:ticket_resend", kwargs={"session_id": session.pk})
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"phone": "13800138000"}, follow=True)
        unknown = client.post(url, {"phone": "13900000000"}, follow=True)
    assert len(mail.outbox) == 1
    known_messages = [str(m) for m in known.context["messages"]]
    unknown_messages = [str(m) for m in unknown.context["messages"]]
    assert known_messages == unknown_messages


def test_full_session_offers_the_waiting_list_and_keeps_input(client, activity):
    session = SessionFactory(activity=activity, capacity=1, taken=1)
    response = client.post(register_url(session, "en"), form_data(name="Bob Lee", party_size="1"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "waiting list" in html
    assert re.search(r'name="join_waitlist"[^>]*checked', html)
    assert 'value="Bob Lee"' in html
    response = client.post(
        register_url(session, "en"), form_data(name="Bob Lee", party_size="1", join_waitlist="on")
    )
    registration = Registration.objects.get(name="Bob Lee")
    assert registration.status == Registration.Status.WAITLISTED
    page = client.get(response["Location"]).content.decode()
    assert "waiting list: 1" in page
    assert "<svg" not in page  # no QR code until a place is confirmed


def test_honeypot_refuses_without_saving(client, session):
    response = client.post(register_url(session), form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert Registration.objects.count() == 0


def test_rate_limit_per_ip(client, session, settings):
    settings.REGISTRATION_RATE_IP = "2/600"
    for n in range(2):
        client.post(register_url(session, "en"), form_data(phone=f"1380013800{n}", party_size="1"))
    response = client.post(register_url(session, "en"), form_data(phone="13800138009"))
    assert response.status_code == 429
    assert "Too many registration attempts" in response.content.decode()
    assert Registration.objects.count() == 2


def test_rate_limit_per_phone_across_addresses(client, session, settings):
    settings.REGISTRATION_RATE_PHONE = "1/600"
    client.post(register_url(session, "en"), form_data(), REMOTE_ADDR="10.0.0.1")
    response = client.post(
        register_url(session, "en"), form_data(name="Someone"), REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429
    assert "Too many registration attempts" in response.content.decode()


def test_attempts_with_a_number_for_one_session_never_block_it_for_another(
    client, session, settings
):
    settings.REGISTRATION_RATE_PHONE = "2/600"
    other = SessionFactory(activity=session.activity)
    client.post(register_url(session, "en"), form_data(phone="13900000001"))
    for n in range(3):  # someone else tries the victim's number for the same session
        client.__class__().post(
            register_url(session, "en"), form_data(name=f"X{n}"), REMOTE_ADDR=f"10.0.1.{n}"
        )
    response = client.__class__().post(register_url(other, "en"), form_data(party_size="1"))
    assert response.status_code == 302
    assert Registration.objects.filter(session=other, phone="+8613800138000").exists()


def test_a_visitor_correcting_typos_is_not_counted_against_the_address(client, session, settings):
    settings.REGISTRATION_RATE_IP = "2/600"
    for _ in range(10):
        invalid = client.post(register_url(session, "en"), form_data(phone="12345"))
        assert invalid.status_code == 400
    response = client.post(register_url(session, "en"), form_data())
    assert response.status_code == 302


def test_registration_not_open_or_closed_shows_no_form(client, activity):
    later = timezone.now() + datetime.timedelta(days=2)
    upcoming = SessionFactory(activity=activity, registration_opens_at=later)
    response = client.get(register_url(upcoming, "en"))
    assert response.status_code == 200
    assert "Registration opens" in response.content.decode()
    assert 'name="phone"' not in response.content.decode()
    assert client.post(register_url(upcoming), form_data()).status_code == 200
    assert Registration.objects.count() == 0


def test_unknown_session_or_unpublished_activity_is_404(client, session):
    assert client.get(reverse("events:register", kwargs={"session_id": 999999})).status_code == 404
    session.activity.unpublish()
    assert client.get(register_url(session)).status_code == 404


# --- Manage link -------------------------------------------------------------------------


def test_tampered_or_foreign_tokens_get_a_friendly_page(client, session):
    registration = RegistrationFactory(session=session)
    token = manage_token_make(registration.ticket_code)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("events:registration_manage", kwargs={"token": forged}))
    assert response.status_code == 404
    assert (
        "does not work"
        in client.get(
            reverse("events:registration_manage", kwargs={"token": forged}).replace(
                "/zh-hans/", "/en/"
            )
        ).content.decode()
    )
    # A QR token (another salt) is not a manage token.
    qr = qr_token_make(registration.ticket_code)
    assert (
        client.get(reverse("events:registration_manage", kwargs={"token": qr})).status_code == 404
    )
    # Another registration's code with this one's signature does not verify.
    other = RegistrationFactory(session=session)
    swapped = other.ticket_code + token[len(registration.ticket_code) :]
    assert (
        client.get(reverse("events:registration_manage", kwargs={"token": swapped})).status_code
        == 404
    )


def test_expired_link_says_so(client, session, settings):
    registration = RegistrationFactory(session=session)
    settings.REGISTRATION_MANAGE_LINK_MAX_AGE = -1
    with translation.override("en"):
        response = client.get(manage_url(registration, "en"))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_direct_post_cannot_cancel_once_the_session_has_started(client, session):
    registration = RegistrationFactory(session=session)
    session.starts_at = timezone.now() - datetime.timedelta(minutes=5)
    session.save(update_fields=["starts_at"])
    token = manage_url(registration).split("/")[-2]
    response = client.post(reverse("events:registration_cancel", kwargs={"token": token}))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    page = client.get(response["Location"]).content.decode()
    assert "该报名已无法取消" in page


def test_manage_link_cancels_and_promotes_the_waiting_list(
    client, activity, django_capture_on_commit_callbacks
):
    session = SessionFactory(activity=activity, capacity=2, max_party_size=2)
    first = registration_create(
        session_id=session.pk, name="甲", phone="13800000001", party_size=2, email="a@example.com"
    )
    waiting = registration_create(
        session_id=session.pk,
        name="乙",
        phone="13800000002",
        email="b@example.com",
        language="en",
        join_waitlist=True,
    )
    assert waiting.status == Registration.Status.WAITLISTED
    url = manage_url(first)
    cancel_url = reverse("events:registration_cancel", kwargs={"token": url.split("/")[-2]})
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url)
    assert response.status_code == 302
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.CONFIRMED
    by_recipient = {m.to[0]: m for m in mail.outbox}
    cancel_ics = next(a for a in by_recipient["a@example.com"].attachments if isinstance(a, tuple))
    assert str(icalendar.Calendar.from_ical(cancel_ics[1])["METHOD"]) == "CANCEL"
    promoted = by_recipient["b@example.com"]
    assert "A place is now yours" in promoted.subject
    assert waiting.ticket_code in promoted.body
    # The cancelled ticket page no longer offers actions.
    html = client.get(url).content.decode()
    assert "cancelled" in html.lower() or "取消" in html
    assert cancel_url not in html


def test_manage_link_changes_party_size_within_capacity(client, activity):
    session = SessionFactory(activity=activity, capacity=3, max_party_size=3, taken=1)
    registration = registration_create(session_id=session.pk, name="丙", phone="13800000003")
    token = manage_token_make(registration.ticket_code)
    url = reverse("events:registration_party_size", kwargs={"token": token})
    client.post(url, {"party_size": "2"})
    registration.refresh_from_db()
    assert registration.party_size == 2
    client.post(url, {"party_size": "3"})  # only 2 places are free for this party
    registration.refresh_from_db()
    assert registration.party_size == 2
    assert client.post(url, {"party_size": "abc"}).status_code == 302


def test_ics_download_parses_back(client, session):
    registration = RegistrationFactory(session=session)
    token = manage_token_make(registration.ticket_code)
    response = client.get(reverse("events:registration_ics", kwargs={"token": token}))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == session.starts_at
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"


# --- No-show policy ----------------------------------------------------------------------


def past_no_show(activity, phone, days_ago):
    start = timezone.now() - datetime.timedelta(days=days_ago)
    past = SessionFactory(
        activity=activity, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    return RegistrationFactory(session=past, phone=phone, status=Registration.Status.NO_SHOW)


def test_repeated_no_shows_allow_only_the_waiting_list(client, session, settings):
    settings.NOSHOW_THRESHOLD = 2
    for days in (30, 60):
        past_no_show(session.activity, "+8613800138000", days)
    response = client.post(register_url(session, "en"), form_data())
    html = response.content.decode()
    assert response.status_code == 400
    assert "only join waiting lists" in html and "service desk" in html
    response = client.post(register_url(session, "en"), form_data(join_waitlist="on"))
    assert Registration.objects.get(session=session).status == Registration.Status.WAITLISTED


def test_old_no_shows_and_lifted_restrictions_do_not_count(session, settings):
    settings.NOSHOW_THRESHOLD = 2
    settings.NOSHOW_LOOKBACK_DAYS = 365
    past_no_show(session.activity, "+8613800138001", 400)
    past_no_show(session.activity, "+8613800138001", 20)
    ok = registration_create(session_id=session.pk, name="甲", phone="13800138001")
    assert ok.status == Registration.Status.CONFIRMED

    past_no_show(session.activity, "+8613800138002", 50)
    past_no_show(session.activity, "+8613800138002", 20)
    NoShowWaiver.objects.create(phone="+8613800138002", note="illness, certificate seen")
    ok = registration_create(session_id=session.pk, name="乙", phone="13800138002")
    assert ok.status == Registration.Status.CONFIRMED


def test_my_registrations_query_count_does_not_grow(client, site_tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import translate

    user = UserFactory()
    client.force_login(user)

    def add(n):
        for _ in range(n):
            activity = ActivityPageFactory(parent=site_tree.zh.campaign)
            translate(activity, "en", title=f"Lab tour {activity.pk}")
            RegistrationFactory(session=SessionFactory(activity=activity), user=user)

    url = reverse("events:my_registrations").replace("/zh-hans/", "/en/")
    add(2)
    client.get(url)  # warm the per-process caches (site, settings)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(4)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many) == len(few)
    assert html.count("Lab tour ") >= 6  # each activity shown in the visitor's language


def test_busy_session_answers_429_with_retry_after_and_keeps_what_was_typed(
    client, session, monkeypatch
):
    """The session's lock was not granted in time: the visitor is told to try again in a
    moment, in a clear answer rather than a hang, with the form as filled in."""
    from events.services import registration as services

    def busy(**kwargs):
        raise services._busy()

    monkeypatch.setattr("events.views.registration.registration_create", busy)
    response = client.post(register_url(session, "en"), form_data(name="Busy Bee"))
    assert response.status_code == 429
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Nothing has been saved or changed: please try again in a moment." in html
    assert 'value="Busy Bee"' in html and 'value="138 0013 8000"' in html
    assert Registration.objects.count() == 0

    response = client.post(register_url(session, "zh-hans"), form_data())
    assert response.status_code == 429
    assert "请稍后再试" in response.content.decode()


def test_ticket_resend_without_an_e_mail_goes_by_text_message_to_the_phone_on_file(
    client, session, django_capture_on_commit_callbacks, _sms_outbox
):
    client.__class__().post(register_url(session, "en"), form_data(email="", language="en"))
    registration = Registration.objects.get()
    url = reverse("events:ticket_resend", kwargs={"session_id": session.pk})
    _sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"phone": "13800138000"})
    assert response.status_code == 302
    [text] = _sms_outbox
    assert text.recipients == [registration.phone]
    assert registration.ticket_code in text.body
    assert manage_token_make(registration.ticket_code) in text.body
    assert mail.outbox == []


def test_the_ticket_page_is_never_stored_by_a_browser_or_a_cache(client, session):
    response = client.post(register_url(session), form_data())
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert {"no-store", "private"} <= {d.strip() for d in page["Cache-Control"].split(",")}


def test_a_name_is_stored_without_bidirectional_controls_or_zero_width_characters(client, session):
    """A U+202E would show the rest of the name reversed on the door list and in exports."""
    response = client.post(
        register_url(session),
        form_data(name="\u202e王小明\u200b", organisation="\u2066重庆\u2069检测\ufeff"),
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.name, registration.organisation) == ("王小明", "重庆检测")


@pytest.mark.parametrize("starts_in_hours", [3, -1])
def test_ticket_page_and_service_agree_on_whether_a_registration_may_change(
    client, activity, starts_in_hours
):
    """Between the registration deadline and the start both offer the change (one rule,
    ``registration_can_change``); once the session has started neither does."""
    from events.exceptions import RegistrationError
    from events.selectors import registration_can_change
    from events.services.registration import registration_change_party_size

    now = timezone.now()
    starts = now + datetime.timedelta(hours=starts_in_hours)
    session = SessionFactory(
        activity=activity,
        capacity=5,
        max_party_size=3,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        registration_closes_at=now - datetime.timedelta(hours=1),
    )
    registration = RegistrationFactory(session=session, party_size=1)
    expected = starts_in_hours > 0
    assert registration_can_change(registration, now=now) is expected

    html = client.get(manage_url(registration, "en")).content.decode()
    assert ("Change the number of people" in html) is expected
    assert ("Cancel my registration" in html) is expected
    try:
        registration_change_party_size(registration_id=registration.pk, party_size=2, now=now)
    except RegistrationError as error:
        assert error.code == "not_changeable"
        changed = False
    else:
        changed = True
    assert changed is expected
