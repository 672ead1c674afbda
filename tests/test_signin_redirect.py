"""Where signing in leads: back to the page the person came from (the header's sign-in link
carries it), else to the page of their role (``portal.roles``)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from enterprises.services import membership_request
from tests.factories import (
    ActivityPageFactory,
    EnterpriseFactory,
    ExpertFactory,
    InstitutionContactFactory,
    InstitutionPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture(autouse=True)
def adapter_on(settings):
    settings.ACCOUNT_ADAPTER = "enterprises.adapter.AccountAdapter"


def in_language(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def sign_in(client, user, language="en", query=""):
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    login_url = in_language("account_login", language) + query
    return client.post(login_url, {"login": user.email, "password": PASSWORD})


def header_link(html: str, path: str) -> str:
    """The href of the header's link whose path is ``path`` (query string included)."""
    match = re.search(rf'href="({re.escape(path)}[^"]*)"', html)
    assert match, f"no link to {path}"
    return unescape(match.group(1))


@pytest.fixture
def activity(site_tree):
    return ActivityPageFactory(parent=site_tree.zh.campaign)


def next_of(link: str) -> list[str]:
    return parse_qs(urlsplit(link).query).get("next", [])


def test_header_sign_in_link_carries_the_current_page(client, activity):
    html = client.get(activity.url).content.decode()
    login = header_link(html, in_language("account_login", "zh-hans"))
    assert urlsplit(login).path == in_language("account_login", "zh-hans")
    assert next_of(login) == [activity.url]
    assert next_of(header_link(html, in_language("account_signup", "zh-hans"))) == [activity.url]


def test_signing_in_from_the_home_page_leads_to_the_page_of_the_role(client, site_tree):
    home = site_tree.zh.home.url
    login = header_link(client.get(home).content.decode(), in_language("account_login", "zh-hans"))
    assert next_of(login) == []
    door = UserFactory(groups=["Check-in staff"])
    EmailAddress.objects.create(user=door, email=door.email, verified=True, primary=True)
    response = client.post(login, {"login": door.email, "password": PASSWORD})
    assert response["Location"] == in_language("events:checkin_home", "zh-hans")


def test_sign_in_page_keeps_only_a_next_of_this_site(client):
    login = in_language("account_login")
    html = client.get(login + "?next=/en/notifications/").content.decode()
    assert next_of(header_link(html, in_language("account_signup"))) == ["/en/notifications/"]
    html = client.get(login + "?next=https://evil.example/").content.decode()
    assert next_of(header_link(html, in_language("account_signup"))) == []


def test_signing_in_from_an_activity_page_returns_there(client, activity):
    html = client.get(activity.url).content.decode()
    login = header_link(html, in_language("account_login", "zh-hans"))
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(login, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == activity.url


def test_a_next_on_another_host_is_ignored(client):
    response = sign_in(client, UserFactory(), query="?next=https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == in_language("events:my_registrations")


def test_a_visitor_lands_on_my_registrations(client):
    for language in ("zh-hans", "en"):
        client.logout()
        response = sign_in(client, UserFactory(), language)
        assert response["Location"] == in_language("events:my_registrations", language)


def test_checkin_staff_land_on_the_door_screen(client):
    door = UserFactory(groups=["Check-in staff"])
    assert sign_in(client, door)["Location"] == in_language("events:checkin_home")


def test_a_superuser_lands_on_the_cms_not_the_door_screen(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert sign_in(client, admin)["Location"] == reverse("wagtailadmin_home")


def test_an_editor_lands_on_the_cms(client):
    editor = UserFactory(groups=["Editors"])
    assert sign_in(client, editor)["Location"] == reverse("wagtailadmin_home")


def test_an_expert_lands_on_the_expert_desk(client):
    user = UserFactory()
    ExpertFactory(user=user)
    response = sign_in(client, user)
    assert response["Location"] == in_language("consultations:expert_dashboard")


def test_an_enterprise_member_lands_on_the_enterprise_page(client):
    owner = UserFactory()
    EnterpriseFactory(owner=owner)
    assert sign_in(client, owner)["Location"] == in_language("enterprises:mine")


def test_a_pending_requester_lands_on_the_start_page_to_see_the_request(client):
    user = UserFactory()
    membership_request(user=user, credit_code=EnterpriseFactory(owner=UserFactory()).credit_code)
    assert sign_in(client, user)["Location"] == in_language("enterprises:start")


def test_an_institution_contact_lands_on_the_lab_visit_requests(client, site_tree):
    contact = InstitutionContactFactory(
        institution=InstitutionPageFactory(parent=site_tree.zh.institutions)
    ).user
    assert sign_in(client, contact)["Location"] == in_language("labvisits:contact_dashboard")


def test_checkin_staff_see_the_door_screen_in_the_public_header(client, activity):
    door = in_language("events:checkin_home", "zh-hans")
    client.force_login(UserFactory(groups=["Check-in staff"]))
    assert header_link(client.get(activity.url).content.decode(), door) == door
    client.force_login(UserFactory())
    assert f'href="{door}"' not in client.get(activity.url).content.decode()
