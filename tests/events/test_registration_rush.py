"""The opening minute of a popular session: the form from the page cache, "full" answered
from the cache's approximate view of the places, a success without a server-side session."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session as BrowserSession
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.availability import availability_get, availability_store
from events.models import Registration
from events.services.registration import registration_cancel, registration_create
from tests.factories import ActivityPageFactory, SessionFactory, UserFactory

TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def caches_on(settings):
    settings.PAGE_CACHE_SECONDS = 30
    settings.REGISTRATION_PAGE_CACHE_SECONDS = 3
    settings.AVAILABILITY_SECONDS = 3
    cache.clear()


@pytest.fixture
def session(site_tree):
    activity = ActivityPageFactory(parent=site_tree.zh.campaign, title="整车实验室开放")
    return SessionFactory(activity=activity, capacity=2, max_party_size=1)


def register_url(session, language="zh-hans"):
    with translation.override(language):
        return reverse("events:register", kwargs={"session_id": session.pk})


def visitor() -> Client:
    """A browser that enforces CSRF as a real one meets it."""
    return Client(enforce_csrf_checks=True)


def form_data(page: bytes, **overrides) -> dict:
    data = {
        "csrfmiddlewaretoken": TOKEN_INPUT.search(page.decode()).group(1),
        "name": "李四",
        "phone": "13900139000",
        "email": "lisi@example.com",
        "organisation": "",
        "party_size": "1",
        "language": "zh-hans",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def fill(session, *phones: str) -> None:
    for phone in phones:
        registration_create(session_id=session.pk, name="已报名", phone=phone)


# --- the form from the page cache ---------------------------------------------------------


def test_every_visitor_gets_the_stored_form_with_a_token_of_its_own(session):
    first, second = visitor(), visitor()

    miss = first.get(register_url(session))
    hit = second.get(register_url(session))

    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    tokens = [TOKEN_INPUT.search(r.content.decode()).group(1) for r in (miss, hit)]
    cookies = [r.cookies["csrftoken"].value for r in (miss, hit)]
    assert tokens[0] != tokens[1] and cookies[0] != cookies[1]
    assert "csrf-slot" not in hit.content.decode()
    # Each token works with its own visitor's cookie, JavaScript or not: the form posts.
    answer = second.post(register_url(session), form_data(hit.content))
    assert answer.status_code == 302
    assert Registration.objects.get().phone == "+8613900139000"


def test_a_visitor_who_has_a_csrf_cookie_keeps_it(session):
    browser = visitor()
    browser.get(register_url(session))
    cookie = browser.cookies["csrftoken"].value

    again = browser.get(register_url(session))

    assert again["X-Cache"] == "hit"
    assert "csrftoken" not in again.cookies
    assert browser.cookies["csrftoken"].value == cookie
    assert browser.post(register_url(session), form_data(again.content)).status_code == 302


def test_another_visitors_token_is_refused(session):
    mine, theirs = visitor(), visitor()
    mine.get(register_url(session))
    page = theirs.get(register_url(session)).content

    assert mine.post(register_url(session), form_data(page)).status_code == 403
    assert not Registration.objects.exists()


def test_the_stored_form_lives_only_a_few_seconds(settings, session):
    settings.REGISTRATION_PAGE_CACHE_SECONDS = 0  # expires at once

    visitor().get(register_url(session))

    assert visitor().get(register_url(session))["X-Cache"] == "miss"


def test_signed_in_visitors_get_their_own_prefilled_form(session):
    user = UserFactory(first_name="小明", last_name="")
    browser = visitor()
    browser.force_login(user)

    page = browser.get(register_url(session))

    assert "X-Cache" not in page
    assert 'value="小明"' in page.content.decode()
    assert browser.post(register_url(session), form_data(page.content)).status_code == 302


# --- "full" from the approximate view -----------------------------------------------------


def full_session(session, capture) -> None:
    with capture(execute=True):
        fill(session, "13800138001", "13800138002")
    assert availability_get(session.pk).places_left == 0


def test_full_is_answered_without_a_query_and_keeps_the_input(
    session, django_assert_num_queries, django_capture_on_commit_callbacks
):
    full_session(session, django_capture_on_commit_callbacks)
    browser = visitor()
    page = browser.get(register_url(session)).content
    browser.post(register_url(session), form_data(page, phone="13900139001"))  # stores the offer

    with django_assert_num_queries(0):
        answer = browser.post(
            register_url(session),
            form_data(page, name="<b>王&五</b>", phone="139 0013 9002", organisation="检测院"),
        )

    html = answer.content.decode()
    assert answer.status_code == 400
    assert "This session is full" in html or "已满" in html
    assert 'value="&lt;b&gt;王&amp;五&lt;/b&gt;"' in html
    assert 'value="139 0013 9002"' in html and 'value="检测院"' in html
    assert re.search(r'name="join_waitlist"[^>]*checked', html)
    # The offer posts like the form: its token belongs to this visitor.
    assert Registration.objects.count() == 2
    joined = browser.post(
        register_url(session),
        form_data(answer.content, phone="13900139002", join_waitlist="on"),
    )
    assert joined.status_code == 302
    assert Registration.objects.get(phone="+8613900139002").status == "waitlisted"


def test_the_offer_is_the_page_the_database_gives(
    session, settings, django_capture_on_commit_callbacks
):
    """The stored offer with the input put back equals what the whole way renders."""
    full_session(session, django_capture_on_commit_callbacks)
    browser = visitor()
    page = browser.get(register_url(session)).content
    data = form_data(page, name="赵六", phone="13900139003", email="z@example.com")
    settings.AVAILABILITY_SECONDS = 0  # no stored offer: the page is rendered
    whole_way = browser.post(register_url(session), data)  # the service refuses: "full"
    settings.AVAILABILITY_SECONDS = 3
    offered = browser.post(register_url(session), data)

    def without_token(response) -> str:
        html = TOKEN_INPUT.sub("", response.content.decode())
        return re.sub(r'(name="(name|phone|email|organisation)"[^>]*?) value=""', r"\1", html)

    assert whole_way.status_code == offered.status_code == 400
    assert without_token(offered) == without_token(whole_way)


@pytest.mark.parametrize(
    "overrides",
    [{"join_waitlist": "on"}, {"consent": ""}, {"website": "http://spam"}, {"party_size": "x"}],
    ids=["waiting-list", "no-consent", "honeypot", "bad-party-size"],
)
def test_what_the_offer_cannot_answer_takes_the_whole_way(session, overrides):
    availability_store(session_id=session.pk, capacity=2, places_taken=2)
    browser = visitor()
    page = browser.get(register_url(session)).content

    answer = browser.post(register_url(session), form_data(page, **overrides))

    if overrides.get("join_waitlist"):  # the database has places: it confirms
        assert answer.status_code == 302
        assert Registration.objects.get().status == "confirmed"
    else:
        assert answer.status_code == 400
        assert not Registration.objects.exists()


def test_a_stale_full_never_costs_a_place_once_it_expires(session, settings):
    """The view may be wrong only in refusing; an entry that says "full" for a session
    with places expires within AVAILABILITY_SECONDS, and then the database confirms."""
    availability_store(session_id=session.pk, capacity=2, places_taken=2)
    browser = visitor()
    page = browser.get(register_url(session)).content
    assert browser.post(register_url(session), form_data(page)).status_code == 400

    cache.delete(f"events:availability:{session.pk}")  # what expiry does

    assert browser.post(register_url(session), form_data(page)).status_code == 302


def test_a_refusal_by_the_service_answers_with_the_stored_offer(
    session, django_capture_on_commit_callbacks
):
    """Before the cache knows the session is full, the service refuses under the lock;
    the answer is then the stored offer too, not a page rendered again."""
    full_session(session, django_capture_on_commit_callbacks)
    browser = visitor()
    page = browser.get(register_url(session)).content
    first = browser.post(register_url(session), form_data(page, phone="13900139004"))
    cache.delete(f"events:availability:{session.pk}")  # as if it had expired

    refused = browser.post(register_url(session), form_data(page, phone="13900139005"))

    assert first.status_code == refused.status_code == 400
    assert not refused.templates  # nothing rendered
    assert 'value="13900139005"' in refused.content.decode()  # the input is kept
    assert availability_get(session.pk).places_left == 0
    assert Registration.objects.count() == 2


def test_a_refused_party_sees_the_true_places_left(session):
    """Refused after writing its rows first: the page counts without them."""
    session.max_party_size = 2
    session.save()
    fill(session, "13800138001")
    browser = visitor()
    browser.force_login(UserFactory())  # no stored offer: the page is rendered
    page = browser.get(register_url(session, "en")).content

    answer = browser.post(register_url(session, "en"), form_data(page, party_size="2"))

    assert answer.status_code == 400
    assert "1 of 2 place left" in answer.content.decode()
    assert Registration.objects.count() == 1


def test_a_signed_in_visitor_always_takes_the_whole_way(session):
    availability_store(session_id=session.pk, capacity=2, places_taken=2)
    browser = visitor()
    browser.force_login(UserFactory())
    page = browser.get(register_url(session)).content

    answer = browser.post(register_url(session), form_data(page))

    # The database has places, so the stale "full" did not refuse this visitor.
    assert answer.status_code == 302


def test_services_keep_the_view_true(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = registration_create(session_id=session.pk, name="甲", phone="13800138001")
    assert availability_get(session.pk) is None  # a place is left: nothing to refuse with

    with django_capture_on_commit_callbacks(execute=True):
        registration_create(session_id=session.pk, name="乙", phone="13800138002")
    assert availability_get(session.pk).places_left == 0

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration_id=first.pk)
    assert availability_get(session.pk) is None  # forgotten: the next one counts again


def test_a_refusal_by_the_database_is_remembered(session, django_capture_on_commit_callbacks):
    fill(session, "13800138001", "13800138002")  # no commit callbacks: nothing stored
    cache.clear()
    browser = visitor()
    page = browser.get(register_url(session)).content

    assert browser.post(register_url(session), form_data(page)).status_code == 400

    assert availability_get(session.pk).places_left == 0


def test_without_the_cache_the_database_decides(session, settings):
    settings.AVAILABILITY_SECONDS = 0
    availability_store(session_id=session.pk, capacity=2, places_taken=2)
    browser = visitor()
    page = browser.get(register_url(session)).content

    assert browser.post(register_url(session), form_data(page)).status_code == 302


# --- a success ----------------------------------------------------------------------------


def test_a_success_writes_no_server_side_session(session):
    browser = visitor()
    page = browser.get(register_url(session)).content

    answer = browser.post(register_url(session), form_data(page))

    assert answer.status_code == 302
    assert "sessionid" not in answer.cookies
    assert not BrowserSession.objects.exists()
    ticket = browser.get(answer["Location"])
    assert ticket.status_code == 200
    assert Registration.objects.get().ticket_code in ticket.content.decode()


def test_the_browser_that_registered_sees_its_ticket_again(session):
    browser = visitor()
    page = browser.get(register_url(session)).content
    browser.post(register_url(session), form_data(page))
    code = Registration.objects.get().ticket_code

    again = browser.post(
        register_url(session), form_data(browser.get(register_url(session)).content, name="x")
    )

    assert again.status_code == 302
    assert code in browser.get(again["Location"]).content.decode()
    # Another browser typing another name does not see it.
    other = visitor()
    refused = other.post(
        register_url(session), form_data(other.get(register_url(session)).content, name="x")
    )
    assert refused.status_code == 400


def test_the_worker_draws_the_ticket_qr_before_the_first_visit(
    session, monkeypatch, django_capture_on_commit_callbacks
):
    browser = visitor()
    page = browser.get(register_url(session)).content
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail task runs
        answer = browser.post(register_url(session), form_data(page))

    def no_drawing(*args, **kwargs):
        raise AssertionError("the ticket page drew the QR code again")

    monkeypatch.setattr("events.tickets.qr_svg", no_drawing)
    ticket = browser.get(answer["Location"])

    assert ticket.status_code == 200
    assert 'class="qr-code"' in ticket.content.decode()
