"""What the registration form and its submit cost the database (the rush hits them hardest)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cms.models import SiteSettings
from events.exceptions import RegistrationError
from events.models import Registration
from events.selectors import session_is_cancelled
from events.services.registration import registration_create
from events.services.session import session_cancel
from tests.factories import (
    ActivityPageFactory,
    RegistrationFactory,
    SessionFactory,
    StandardPageFactory,
)


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30


@pytest.fixture
def session(site_tree, django_capture_on_commit_callbacks):
    privacy = StandardPageFactory(parent=site_tree.zh.home, title="隐私政策", slug="privacy")
    site_settings = SiteSettings.for_site(site_tree.site)
    site_settings.privacy_page = privacy
    with django_capture_on_commit_callbacks(execute=True):
        site_settings.save()
    activity = ActivityPageFactory(parent=site_tree.zh.campaign, title="开放日 实验室参观")
    return SessionFactory(activity=activity, capacity=3, max_party_size=2)


def register_url(session) -> str:
    with translation.override("zh-hans"):
        return reverse("events:register", kwargs={"session_id": session.pk})


def test_the_form_of_a_second_visitor_takes_few_queries(
    client, session, django_assert_max_num_queries
):
    first = client.get(register_url(session))
    assert first.status_code == 200
    # Session, its activity's locale, site, site settings, locales: the menus,
    # breadcrumbs and privacy link come from the cache (was 17 queries).
    with django_assert_max_num_queries(5):
        second = client.get(register_url(session))
    assert second.status_code == 200
    assert 'href="/zh-hans/privacy/"' in second.content.decode()


def test_registration_counts_places_once_under_the_lock(session, django_assert_max_num_queries):
    RegistrationFactory(session=session, party_size=2)
    # No-show check, savepoint, session, registration, status change, reminders, then the
    # lock, one count with the cancellation, release (was 15, then 12). PostgreSQL adds the
    # lock timeout of the transaction (SET LOCAL).
    lock_timeout = 1 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(9 + lock_timeout):
        registration = registration_create(
            session_id=session.pk, name="王小明", phone="13800138000", party_size=1
        )
    assert registration.status == Registration.Status.CONFIRMED
    assert session.__class__.objects.with_places().get(pk=session.pk).places_taken == 3


def test_the_count_loaded_under_the_lock_still_refuses_an_overbooking(session):
    RegistrationFactory(session=session, party_size=2)
    registration_create(session_id=session.pk, name="王小明", phone="13800138000")
    with pytest.raises(RegistrationError) as error:
        registration_create(session_id=session.pk, name="李华", phone="13800138001")
    assert error.value.code == "full"
    waitlisted = registration_create(
        session_id=session.pk, name="李华", phone="13800138001", join_waitlist=True
    )
    assert waitlisted.status == Registration.Status.WAITLISTED


def test_the_cancellation_loaded_under_the_lock_refuses_registrations(session):
    session_cancel(session_id=session.pk, by=None, reason="天气原因")
    assert session_is_cancelled(session=session)
    with pytest.raises(RegistrationError) as error:
        registration_create(session_id=session.pk, name="王小明", phone="13800138000")
    assert error.value.code == "session_cancelled"


FORM = {
    "name": "王小明",
    "phone": "13800138000",
    "email": "",
    "organisation": "",
    "party_size": "1",
    "language": "zh-hans",
    "consent": "on",
    "website": "",
}


def test_a_successful_submit_reads_nothing_only_a_rendered_page_needs(client, session):
    client.get(register_url(session))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(register_url(session), FORM)
    assert response.status_code == 302
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    # The site settings (privacy link) and the activity's translation are for the page,
    # which a success does not render (was 20 queries, then 17).
    assert "cms_sitesettings" not in sql and "wagtailcore_locale" not in sql
    lock_timeout = 1 if connection.vendor == "postgresql" else 0
    assert len(queries) <= 10 + lock_timeout, sql


def test_a_refused_submit_still_shows_the_privacy_link_and_the_activity(client, session):
    RegistrationFactory(session=session, party_size=2)
    RegistrationFactory(session=session, party_size=1)
    response = client.post(register_url(session), FORM)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="/zh-hans/privacy/"' in html
    assert "开放日 实验室参观" in html
