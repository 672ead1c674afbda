"""The "Webhooks" admin: approvers manage endpoints (and see their secrets), see deliveries
with the receiver's answer and retry failed ones; nobody else gets in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.services.registration import registration_create
from tests import factories
from tests.webhooks.conftest import endpoint_make
from webhooks.models import Delivery, Endpoint

ENDPOINTS = "webhooks_endpoints"
DELIVERIES = "webhooks_deliveries"


@pytest.fixture
def failed(session) -> Delivery:
    endpoint_make("https://hooks.example.com/in", events=["registration.confirmed"])
    registration_create(session_id=session.pk, name="王小明", phone="13800138000")
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.FAILED,
        attempts=3,
        response_status=503,
        response_body="upstream maintenance until 18:00",
        last_error="HTTP 503",
    )
    return delivery


def test_approver_creates_an_endpoint_and_then_sees_its_secret(client, staff_approver):
    client.force_login(staff_approver)
    add = reverse(f"{ENDPOINTS}:add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "name": "Data centre",
            "url": "https://hooks.example.com/portal",
            "events": ["registration.confirmed", "registration.checked_in"],
            "scope": "none",
            "institution": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["registration.confirmed", "registration.checked_in"]
    assert endpoint.created_by == staff_approver
    assert len(endpoint.secret) == 64

    html = client.get(reverse(f"{ENDPOINTS}:edit", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in html
    assert (
        "https://hooks.example.com/portal"
        in client.get(reverse(f"{ENDPOINTS}:index")).content.decode()
    )


def test_the_form_refuses_a_private_address_and_no_events(client, staff_approver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(staff_approver)
    response = client.post(
        reverse(f"{ENDPOINTS}:add"),
        {"name": "Internal", "url": "https://10.0.0.5/hook", "scope": "none", "active": "on"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "private network" in html
    assert "This field is required" in html
    assert not Endpoint.objects.exists()


def test_deliveries_list_shows_the_answer_and_failed_ones_can_be_retried(
    client, staff_approver, failed, django_capture_on_commit_callbacks
):
    client.force_login(staff_approver)
    response = client.get(reverse(f"{DELIVERIES}:index"), {"state": "failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "503 upstream maintenance until 18:00" in html
    assert "王小明" not in html and "13800138000" not in html
    inspect = client.get(reverse(f"{DELIVERIES}:inspect", args=[failed.pk])).content.decode()
    assert failed.event_id in inspect and "upstream maintenance" in inspect

    filtered = client.get(reverse(f"{DELIVERIES}:index"), {"state": "delivered"})
    assert "upstream maintenance" not in filtered.content.decode()

    retry = reverse(f"{DELIVERIES}:retry", args=[failed.pk])
    assert retry in html
    assert client.get(retry).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(retry).status_code == 302
    failed.refresh_from_db()
    assert failed.state == Delivery.State.PENDING and failed.attempts == 0


@pytest.mark.parametrize("who", ["editor", "admin_only", "public"])
def test_others_are_kept_out(client, failed, staff_editor, admin_only_user, who):
    user = {
        "editor": staff_editor,
        "admin_only": admin_only_user,
        "public": factories.UserFactory(username="visitor"),
    }[who]
    client.force_login(user)
    for url in (
        reverse(f"{ENDPOINTS}:index"),
        reverse(f"{ENDPOINTS}:add"),
        reverse(f"{ENDPOINTS}:edit", args=[failed.endpoint_id]),
        reverse(f"{DELIVERIES}:index"),
        reverse(f"{DELIVERIES}:inspect", args=[failed.pk]),
    ):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(reverse(f"{DELIVERIES}:retry", args=[failed.pk])).status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.state == Delivery.State.FAILED
