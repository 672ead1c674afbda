"""The public page cache: what it stores, for whom, and when it lets go."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from wagtail.models import PageViewRestriction

from events.services.session import session_cancel
from portal import pagecache
from portal.pagecache import PageCacheMiddleware, cache_public_page
from tests.factories import ActivityPageFactory, SessionFactory, UserFactory


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30


@pytest.fixture
def activity(site_tree):
    page = ActivityPageFactory(parent=site_tree.zh.campaign, title="开放日 实验室参观")
    SessionFactory(activity=page, capacity=20)
    return page


def get(client, page, **extra):
    return client.get(page.url, **extra)


def test_an_anonymous_visitor_gets_the_page_from_the_cache_the_second_time(client, activity):
    first = get(client, activity)
    second = get(client, activity)

    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_hit_carries_the_security_headers_of_a_fresh_page(client, activity):
    fresh = get(client, activity)
    hit = get(client, activity)

    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
    ):
        assert hit[header] == fresh[header], header


def test_a_hit_makes_no_query(client, activity, django_assert_num_queries):
    get(client, activity)
    with django_assert_num_queries(0):
        assert get(client, activity)["X-Cache"] == "hit"


def test_a_signed_in_visitor_neither_reads_nor_fills_the_cache(client, activity):
    user = UserFactory(first_name="Xiaoming", last_name="Wang")
    get(client, activity)  # an anonymous copy is stored
    client.force_login(user)

    response = get(client, activity)

    assert "X-Cache" not in response  # rendered for this user, not from the cache
    client.logout()
    client.cookies.clear()
    anonymous = get(client, activity)
    assert anonymous["X-Cache"] == "hit"
    assert b"Xiaoming" not in anonymous.content


def test_a_visitor_with_a_flash_message_bypasses_the_cache(client, activity):
    get(client, activity)
    client.cookies["messages"] = "something for this visitor only"

    response = get(client, activity)

    assert "X-Cache" not in response


def test_the_csrf_and_language_cookies_do_not_bypass_the_cache(client, activity, settings):
    get(client, activity)
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert get(client, activity)["X-Cache"] == "hit"


def test_a_query_string_is_never_cached(client, activity):
    url = activity.url + "?utm=1"
    assert "X-Cache" not in client.get(url)
    assert "X-Cache" not in client.get(url)


def test_pages_outside_wagtail_are_not_cached_unless_they_opt_in(client, activity):
    url = f"/zh-hans/open-day/calendar/activity/{activity.pk}.ics"

    client.get(url)
    response = client.get(url)

    assert response.status_code == 200
    assert "X-Cache" not in response


def test_a_page_behind_a_view_restriction_is_never_cached(client, activity):
    PageViewRestriction.objects.create(
        page=activity, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    for _ in range(2):
        response = get(client, activity)
        assert "X-Cache" not in response


def test_publishing_purges_the_cache(client, activity, django_capture_on_commit_callbacks):
    assert b"Open lab" not in get(client, activity).content
    assert get(client, activity)["X-Cache"] == "hit"

    activity.title = "Open lab"
    with django_capture_on_commit_callbacks(execute=True):
        activity.save_revision().publish()

    response = get(client, activity)
    assert response["X-Cache"] == "miss"
    assert b"Open lab" in response.content


def test_cancelling_a_session_purges_the_cache(
    client, activity, approver, django_capture_on_commit_callbacks
):
    session = activity.sessions.get()
    get(client, activity)

    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session_id=session.pk, by=approver, reason="Power cut")

    assert get(client, activity)["X-Cache"] == "miss"


def test_entries_expire_after_page_cache_seconds(client, activity, settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 7
    stored = []
    real_set = cache.set

    def spy(key, value, timeout=None, **kwargs):
        if key.startswith("pagecache:page:"):
            stored.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", spy)

    get(client, activity)

    assert stored == [7]


def test_zero_seconds_turns_the_cache_off(client, activity, settings):
    settings.PAGE_CACHE_SECONDS = 0

    get(client, activity)

    assert "X-Cache" not in get(client, activity)


def test_a_cache_outage_serves_pages_as_without_it(client, activity, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)

    response = get(client, activity)

    assert response.status_code == 200
    assert "X-Cache" not in response


# The rules on the response, through the middleware alone.


def middleware_for(view):
    return PageCacheMiddleware(cache_public_page(view))


def test_a_response_that_used_a_csrf_token_is_never_stored(db):
    from django.middleware.csrf import CsrfViewMiddleware

    def view(request):
        return HttpResponse(f"<input value='{get_token(request)}'>")

    middleware = PageCacheMiddleware(CsrfViewMiddleware(cache_public_page(view)))
    request = RequestFactory().get("/zh-hans/form/")

    response = middleware(request)

    assert response.cookies  # the token came with its cookie...
    assert "X-Cache" not in response  # ...so the page was not stored
    assert middleware(RequestFactory().get("/zh-hans/form/")).get("X-Cache") is None


@pytest.mark.parametrize(
    ("status", "cache_control"),
    [(404, ""), (302, ""), (200, "private"), (200, "no-store"), (200, "no-cache")],
)
def test_only_plain_200_responses_are_stored(db, status, cache_control):
    def view(request):
        response = HttpResponse("page", status=status)
        if cache_control:
            response["Cache-Control"] = cache_control
        return response

    middleware = middleware_for(view)
    middleware(RequestFactory().get("/zh-hans/x/"))

    assert middleware(RequestFactory().get("/zh-hans/x/")).get("X-Cache") is None


def test_a_post_is_never_served_from_the_cache(db):
    calls = []

    def view(request):
        calls.append(request.method)
        return HttpResponse("page")

    middleware = middleware_for(view)
    middleware(RequestFactory().get("/zh-hans/x/"))
    middleware(RequestFactory().post("/zh-hans/x/"))

    assert calls == ["GET", "POST"]


def test_a_purge_raises_the_generation_once_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    cache.set(pagecache.GENERATION_KEY, 4)

    with django_capture_on_commit_callbacks(execute=True):
        pagecache.pagecache_purge()
        assert cache.get(pagecache.GENERATION_KEY) == 4

    assert cache.get(pagecache.GENERATION_KEY) == 5
