"""Password guessing and booking floods are slowed down by counters in the shared cache.

Sign-in (allauth's form and the Wagtail admin's) is refused after a few failures, even with
the right password, until the window has passed: a cool-off, never a permanent lock-out.
Booking requests beyond the per-user or per-address rate are refused and create nothing.
"""

from __future__ import annotations

import importlib
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from consultations.models import Consultation
from labvisits.models import LabVisit
from portal.ratelimit import _cache_key, rate_limit_hit, rate_limit_reached
from tests import factories
from tests.consultations.test_booking_support import World
from tests.labvisits.conftest import make_institution

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN_REFUSED = "Too many failed login attempts"
ADMIN_REFUSED = "Too many failed sign-in attempts"
BOOKING_REFUSED = "Too many requests in a short time"


def later(module: str, seconds: int):
    """Moves ``module``'s clock (its ``time.time``) ``seconds`` ahead of the current one."""
    now = importlib.import_module(module).time.time
    fake = mock.Mock(wraps=time)
    fake.time = lambda: now() + seconds
    return mock.patch(f"{module}.time", fake)


# ---- allauth sign-in -------------------------------------------------------------------------


@pytest.fixture
def member(db):
    user = factories.UserFactory(username="member", email="member@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, password: str):
    return client.post("/en/accounts/login/", {"login": "member@example.com", "password": password})


def test_sign_in_refused_after_failures_even_with_right_password_then_cools_off(
    client, member, settings
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/5m/ip,3/5m/key"}
    for _ in range(3):
        response = sign_in(client, "wrong password")
        assert response.status_code == 200
        assert LOGIN_REFUSED not in response.content.decode()

    refused = sign_in(client, PASSWORD)
    assert refused.status_code == 200
    assert LOGIN_REFUSED in refused.content.decode()
    assert "_auth_user_id" not in client.session

    # Five minutes later the failures have left the window: the right password works.
    with later("allauth.core.internal.ratelimit", 5 * 60 + 1):
        response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_failures_on_one_account_do_not_block_another(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/5m/ip,3/5m/key"}
    other = factories.UserFactory(username="other", email="other@example.com")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    for _ in range(4):
        sign_in(client, "wrong password")

    response = client.post("/en/accounts/login/", {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302


def test_default_sign_in_limits_count_per_address_and_per_account(settings):
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    assert "/ip" in rates and "/key" in rates


# ---- Wagtail admin sign-in -------------------------------------------------------------------


def admin_sign_in(client, password: str, *, username: str = "admin"):
    with translation.override("en"):
        return client.post(
            reverse("wagtailadmin_login"),
            {"username": username, "password": password},
            HTTP_ACCEPT_LANGUAGE="en",
        )


def test_admin_sign_in_refused_after_failures_then_cools_off(client, superuser, settings):
    settings.LOGIN_RATE_ACCOUNT = "3/300"
    settings.LOGIN_RATE_IP = "100/300"
    for _ in range(3):
        response = admin_sign_in(client, "wrong password")
        assert response.status_code == 200
        assert ADMIN_REFUSED not in response.content.decode()

    refused = admin_sign_in(client, PASSWORD)
    assert refused.status_code == 200
    assert ADMIN_REFUSED in refused.content.decode()
    assert "_auth_user_id" not in client.session

    # The counters are per window: in the next one the right password works again.
    with later("portal.ratelimit", 300):
        response = admin_sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)


def test_admin_sign_in_limited_per_address_across_user_names(client, superuser, settings):
    settings.LOGIN_RATE_ACCOUNT = "100/300"
    settings.LOGIN_RATE_IP = "3/300"
    for n in range(3):
        admin_sign_in(client, "wrong password", username=f"guess{n}")

    refused = admin_sign_in(client, PASSWORD)
    assert ADMIN_REFUSED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_successful_admin_sign_ins_are_not_counted(client, superuser, settings):
    settings.LOGIN_RATE_ACCOUNT = "2/300"
    for _ in range(3):
        assert admin_sign_in(client, PASSWORD).status_code == 302
        client.logout()


# ---- Booking floods --------------------------------------------------------------------------

CONSULTATION_FORM = {
    "service": "consulting",
    "field": "automotive",
    "topic": "安全带认证",
    "description": "想了解流程",
    "product_or_standard": "GB 14166",
    "contact_name": "王经理",
    "contact_phone": "+8613800001111",
}


def consultation_url() -> str:
    with translation.override("en"):
        return reverse("consultations:request")


def test_consultation_requests_limited_per_user(client, site_tree, settings):
    settings.CONSULTATION_RATE_USER = "2/3600"
    settings.CONSULTATION_RATE_IP = "100/3600"
    world = World()
    client.force_login(world.owner)
    for _ in range(2):
        response = client.post(consultation_url(), CONSULTATION_FORM)
        assert response.status_code == 302
    assert Consultation.objects.count() == 2

    refused = client.post(consultation_url(), CONSULTATION_FORM)
    assert refused.status_code == 429
    assert BOOKING_REFUSED in refused.content.decode()
    assert Consultation.objects.count() == 2


def test_consultation_requests_limited_per_address(client, site_tree, settings):
    settings.CONSULTATION_RATE_USER = "100/3600"
    settings.CONSULTATION_RATE_IP = "1/3600"
    world = World()
    second = factories.UserFactory()
    factories.EnterpriseFactory(owner=second)
    client.force_login(world.owner)
    assert client.post(consultation_url(), CONSULTATION_FORM).status_code == 302

    # Another account from the same address is refused too.
    client.force_login(second)
    refused = client.post(consultation_url(), CONSULTATION_FORM)
    assert refused.status_code == 429
    assert BOOKING_REFUSED in refused.content.decode()
    assert Consultation.objects.count() == 1


VISIT_FORM = {
    "group_size": 2,
    "visitor_names": "Wang Yi\nLi Er",
    "purpose": "See the EMC test lab",
    "contact_name": "Wang",
    "contact_phone": "138 0000 1111",
}


def visit_url(slot) -> str:
    with translation.override("en"):
        return reverse("labvisits:request", kwargs={"slot_id": slot.pk})


def test_lab_visit_requests_limited_per_user(client, site_tree, settings):
    settings.LAB_VISIT_RATE_USER = "2/3600"
    settings.LAB_VISIT_RATE_IP = "100/3600"
    institution = make_institution(site_tree, 1)
    # An enterprise asks once per slot, so the flood goes over several slots.
    slots = [factories.VisitSlotFactory(lab=institution.lab, capacity=10) for _ in range(4)]
    member = factories.UserFactory()
    factories.EnterpriseFactory(owner=member)
    client.force_login(member)
    for slot in slots[:2]:
        assert client.post(visit_url(slot), VISIT_FORM).status_code == 302
    assert LabVisit.objects.count() == 2

    refused = client.post(visit_url(slots[2]), VISIT_FORM)
    assert refused.status_code == 429
    assert BOOKING_REFUSED in refused.content.decode()
    assert LabVisit.objects.count() == 2

    # Within the next window the same user may ask again.
    with later("portal.ratelimit", 3600):
        assert client.post(visit_url(slots[3]), VISIT_FORM).status_code == 302
    assert LabVisit.objects.count() == 3


def test_lab_visit_requests_limited_per_address(client, site_tree, settings):
    settings.LAB_VISIT_RATE_USER = "100/3600"
    settings.LAB_VISIT_RATE_IP = "1/3600"
    institution = make_institution(site_tree, 1)
    target = visit_url(institution.slot)
    first, second = factories.UserFactory(), factories.UserFactory()
    factories.EnterpriseFactory(owner=first)
    factories.EnterpriseFactory(owner=second)
    client.force_login(first)
    assert client.post(target, VISIT_FORM).status_code == 302

    client.force_login(second)
    refused = client.post(target, VISIT_FORM)
    assert refused.status_code == 429
    assert BOOKING_REFUSED in refused.content.decode()
    assert LabVisit.objects.count() == 1


# ---- the counters themselves -----------------------------------------------------------------


def test_counter_counts_each_attempt_and_refuses_past_the_rate():
    hits = [rate_limit_hit(scope="test", key="198.51.100.7", rate="3/300") for _ in range(5)]
    assert hits == [False, False, False, True, True]
    assert rate_limit_reached(scope="test", key="198.51.100.7", rate="3/300")
    assert not rate_limit_reached(scope="test", key="198.51.100.8", rate="3/300")


@pytest.mark.redis
def test_counter_on_redis_is_created_with_its_expiry_in_one_round_trip():
    from django.core.cache import caches

    backend = caches["default"]
    cache_key = _cache_key(scope="test", key="198.51.100.7", window=300)
    full_key = backend.make_and_validate_key(cache_key)
    client = backend._cache.get_client(full_key, write=True)
    with mock.patch.object(
        type(client), "execute_command", autospec=True, side_effect=type(client).execute_command
    ) as single_commands:
        rate_limit_hit(scope="test", key="198.51.100.7", rate="3/300")
        rate_limit_hit(scope="test", key="198.51.100.7", rate="3/300")
    assert single_commands.call_count == 0  # both went out as one MULTI pipeline each
    assert 0 < client.ttl(full_key) <= 305
    assert backend.get(cache_key) == 2


def test_guesses_count_per_account_across_its_names_and_both_sign_in_forms(
    client, member, settings
):
    """Spreading guesses over the user name and the e-mail address, in any case, and over
    the site's and the CMS admin's forms gets no more of them."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/5m/ip,1000/5m/key"}
    settings.LOGIN_RATE_ACCOUNT = "3/300"
    member.is_staff = True
    member.set_password(PASSWORD)
    member.save()
    client.post("/en/accounts/login/", {"login": "member@example.com", "password": "guess1"})
    client.post("/en/accounts/login/", {"login": "MEMBER", "password": "guess2"})
    admin_sign_in(client, "guess3", username="Member@Example.com")

    assert ADMIN_REFUSED in admin_sign_in(client, PASSWORD, username="member").content.decode()
    refused = client.post("/en/accounts/login/", {"login": "member", "password": PASSWORD})
    assert LOGIN_REFUSED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not touched.
    other = factories.UserFactory(username="other", email="other@example.com")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    response = client.post("/en/accounts/login/", {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302
