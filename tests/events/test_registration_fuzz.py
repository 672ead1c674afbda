"""No input, however malformed, makes the registration pages fail with a server error."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from events.models import Registration
from tests.factories import ActivityPageFactory, SessionFactory
from tests.fuzz.support import text

FIELDS = ("name", "phone", "email", "organisation", "party_size", "language", "consent")
# Twice the profile's examples (tests/conftest.py): the busiest form of the portal.
FUZZ = settings(max_examples=2 * settings.default.max_examples)


@pytest.fixture
def session(site_tree, settings):
    settings.REGISTRATION_RATE_IP = "100000/60"
    settings.REGISTRATION_RATE_PHONE = "100000/60"
    activity = ActivityPageFactory(parent=site_tree.zh.campaign)
    return SessionFactory(activity=activity, capacity=3, max_party_size=2)


@FUZZ
@given(
    data=st.dictionaries(st.sampled_from(FIELDS), text), language=st.sampled_from(["zh-hans", "en"])
)
def test_registration_form_never_fails(client, session, data, language):
    url = f"/{language}/open-day/registration/session/{session.pk}/"
    response = client.post(url, data)
    assert response.status_code in (200, 302, 400, 429)
    # Capacity holds whatever was sent.
    assert session.count_places_taken() <= session.capacity
    assert not Registration.objects.filter(party_size__gt=session.max_party_size).exists()


@FUZZ
@given(token=st.text(min_size=1, max_size=200))
def test_manage_links_never_fail(client, session, token):
    for name in ("registration_manage", "registration_ics"):
        path = reverse(f"events:{name}", kwargs={"token": "x"}).replace(
            "/x/", f"/{quote(token, safe='')}/"
        )
        response = client.get(path)
        assert response.status_code in (404, 410), (path, response.status_code)
    path = reverse("events:registration_party_size", kwargs={"token": "x"}).replace(
        "/x/", f"/{quote(token, safe='')}/"
    )
    assert client.post(path, {"party_size": token}).status_code in (404, 410)
