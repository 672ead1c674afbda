"""Proving the number over HTTP: in the registration form, and ahead of time on its page."""

from __future__ import annotations

import pytest
import sms
from django.urls import reverse
from django.utils import translation

from events.models import Registration
from tests.events.test_registration_views import form_data, register_url
from tests.factories import ActivityPageFactory, SessionFactory, UserFactory
from verification.browser import COOKIE
from verification.models import PhoneCode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("phone_verification")]

PHONE = "+8613800138000"  # form_data()'s number


@pytest.fixture
def activity(site_tree):
    return ActivityPageFactory(parent=site_tree.zh.campaign, title="智能网联汽车检测中心开放")


@pytest.fixture
def session(activity):
    return SessionFactory(activity=activity, capacity=5, max_party_size=3)


def verify_url(language="zh-hans", **query):
    with translation.override(language):
        url = reverse("verification:verify")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def sent_code() -> str:
    return sms.outbox[-1].params["code"]


def test_registration_needs_the_code_and_keeps_everything_typed(client, session):
    response = client.post(register_url(session, "en"), form_data(name="Alice Smith"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the code sent to this number" in html
    assert 'value="Alice Smith"' in html and 'value="xiaoming@example.com"' in html
    assert not Registration.objects.exists()
    assert 'autocomplete="one-time-code"' in html


def test_send_code_then_register_with_it(client, session, django_capture_on_commit_callbacks):
    url = register_url(session, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(name="Alice Smith", send_code="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "We sent a code by text message to 138 **** 8000" in html
    assert 'value="Alice Smith"' in html  # nothing typed is lost
    assert "Please check the form" not in html  # and nothing else is checked yet
    assert sms.outbox[-1].recipients == [PHONE]
    assert not Registration.objects.exists()

    wrong = f"{(int(sent_code()) + 1) % 10**6:06d}"
    response = client.post(url, form_data(code=wrong))
    assert response.status_code == 400
    assert "4 tries left" in response.content.decode()

    response = client.post(url, form_data(code=sent_code()))
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.phone_verified
    assert COOKIE in response.cookies and PHONE not in response.cookies[COOKIE].value
    assert "138" not in response.cookies[COOKIE].value.split(":")[0]


def test_a_number_proved_in_this_browser_registers_without_a_new_code(
    client, activity, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(session), form_data(send_code="1"))
    client.post(register_url(session), form_data(code=sent_code()))
    other = SessionFactory(activity=activity, capacity=5, max_party_size=3)
    sent_before = len(sms.outbox)
    response = client.post(register_url(other), form_data())
    assert response.status_code == 302
    assert Registration.objects.filter(session=other, phone_verified=True).exists()
    assert len(sms.outbox) == sent_before
    # Another browser, without the cookie, is asked for a code.
    from django.test import Client

    assert Client().post(register_url(other), form_data(phone="139 0000 1111")).status_code == 400


def test_a_forged_cookie_is_not_proof(client, session):
    client.cookies[COOKIE] = "anything:1999999999"
    assert client.post(register_url(session), form_data()).status_code == 400


def test_a_number_proved_on_the_account_needs_no_code_in_another_browser(
    client, session, django_capture_on_commit_callbacks
):
    from django.test import Client

    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(verify_url(), {"phone": "138 0013 8000", "send_code": "1"})
    assert (
        client.post(verify_url(), {"phone": "138 0013 8000", "code": sent_code()}).status_code
        == 302
    )
    assert PhoneCode.objects.get().user == user

    elsewhere = Client()
    elsewhere.force_login(user)
    response = elsewhere.post(register_url(session), form_data())
    assert response.status_code == 302
    assert Registration.objects.get().phone_verified


def test_verify_ahead_of_time_then_return(client, session, django_capture_on_commit_callbacks):
    back = register_url(session, "en")
    page = client.get(verify_url("en", next=back))
    assert page.status_code == 200 and 'name="next"' in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    response = client.post(verify_url("en"), {"phone": "12345", "send_code": "1"})
    assert response.status_code == 400
    assert "11 digits" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(verify_url("en"), {"phone": "138 0013 8000", "send_code": "1"})
    assert "138 **** 8000" in response.content.decode()
    response = client.post(
        verify_url("en"), {"phone": "138 0013 8000", "code": "000000", "next": back}
    )
    assert response.status_code == 400
    response = client.post(
        verify_url("en"), {"phone": "138 0013 8000", "code": sent_code(), "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    follow = client.get(back)
    assert "is verified on this device until" in follow.content.decode()
    assert client.post(back, form_data()).status_code == 302


def test_next_never_leaves_the_site(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(verify_url(), {"phone": "138 0013 8000", "send_code": "1"})
    response = client.post(
        verify_url(),
        {"phone": "138 0013 8000", "code": sent_code(), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == verify_url()


def test_too_many_codes_answer_429_and_send_nothing(
    client, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(session, "en"), form_data(send_code="1"))
        response = client.post(register_url(session, "en"), form_data(send_code="1"))
    assert response.status_code == 429
    assert "Too many codes" in response.content.decode()
    assert len(sms.outbox) == 1


def test_switched_off_the_form_asks_no_code_and_registrations_are_unverified(
    client, session, settings
):
    settings.PHONE_VERIFICATION = False
    assert 'name="code"' not in client.get(register_url(session)).content.decode()
    assert client.post(register_url(session), form_data()).status_code == 302
    assert not Registration.objects.get().phone_verified


def test_before_registration_opens_the_page_offers_to_verify_now(client, activity):
    import datetime

    from django.utils import timezone

    later = SessionFactory(
        activity=activity,
        registration_opens_at=timezone.now() + datetime.timedelta(days=2),
    )
    html = client.get(register_url(later)).content.decode()
    assert f"{verify_url()}?next={register_url(later)}" in html


def test_a_browser_that_proved_a_number_is_still_served_the_stored_pages(rf):
    from portal.pagecache import is_anonymous_visitor

    request = rf.get("/", HTTP_COOKIE=f"{COOKIE}=x; csrftoken=y")
    assert is_anonymous_visitor(request)
    assert not is_anonymous_visitor(rf.get("/", HTTP_COOKIE="sessionid=z"))
