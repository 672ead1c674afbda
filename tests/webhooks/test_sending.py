"""Sending deliveries to a real HTTP receiver on loopback: signed, claimed once, retried
with backoff, failed after the last attempt, never to a private address in production."""

from __future__ import annotations

import datetime
import socket
import time

import pytest
from django.utils import timezone

from events.services.checkin import checkin_perform
from events.services.registration import registration_create
from tests.webhooks.conftest import endpoint_make
from webhooks import transport
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import (
    Outcome,
    deliveries_release_stale,
    deliveries_send_due,
    delivery_retry,
    delivery_send,
)
from webhooks.signing import REPLAY_WINDOW, signature_make, signature_verify

ALL = list(Event.values)


def verifies(request, secret: str) -> bool:
    return signature_verify(
        secret=secret,
        timestamp=request.headers["X-Portal-Timestamp"],
        signature=request.headers["X-Portal-Signature"],
        body=request.body,
        now=time.time(),
    )


@pytest.fixture
def delivery(receiver, session) -> Delivery:
    endpoint_make(receiver.url, events=ALL, scope=Endpoint.Scope.MASKED)
    registration_create(session_id=session.pk, name="王小明", phone="13800138000")
    return Delivery.objects.get()


def test_a_registration_and_its_check_in_reach_the_receiver_signed(
    receiver, session, door_staff, django_capture_on_commit_callbacks
):
    """The loopback test: a real registration and check-in through the services, the
    sending service run by the sweep, two signed POSTs received in order."""
    endpoint = endpoint_make(
        receiver.url, events=["registration.confirmed", "registration.checked_in"]
    )
    with django_capture_on_commit_callbacks() as on_commit:
        registration = registration_create(
            session_id=session.pk, name="王小明", phone="13800138000"
        )
        checkin_perform(
            session_id=session.pk,
            ticket=registration.ticket_code,
            by=door_staff,
            now=session.starts_at - datetime.timedelta(minutes=10),
        )
    assert receiver.requests == []  # nothing is sent before the changes commit

    # The commits: each hands its delivery to the (inline) worker, which sends it.
    for callback in on_commit:
        callback()

    assert [r.payload["event"] for r in receiver.requests] == [
        "registration.confirmed",
        "registration.checked_in",
    ]
    deliveries = list(Delivery.objects.order_by("pk"))
    for request, delivery in zip(receiver.requests, deliveries, strict=True):
        assert request.path == "/hooks/portal"
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"
        assert request.headers["X-Portal-Event"] == delivery.event
        assert request.headers["X-Portal-Delivery"] == str(delivery.pk)
        assert verifies(request, endpoint.secret)
        assert request.payload["id"] == delivery.event_id
        assert request.payload["data"]["registration"]["id"] == registration.pk
        body = request.body.decode()
        assert "王小明" not in body and "13800138000" not in body and '"person"' not in body
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.DELIVERED and delivery.attempts == 1
        assert delivery.response_status == 200 and delivery.response_body == '{"ok": true}'
    assert receiver.requests[1].payload["data"]["registration"]["status"] == "checked_in"


def test_a_hand_over_the_broker_lost_is_sent_by_the_sweep(
    settings, delivery, receiver, django_capture_on_commit_callbacks
):
    """The change committed, its message to the worker was lost: the sweep hands the row
    over again once ``WEBHOOK_REQUEUE_AFTER`` has passed, not before."""
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due() == 0
        later = timezone.now() + datetime.timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER + 1)
        assert deliveries_send_due(now=later) == 1
    assert [r.payload["event"] for r in receiver.requests] == ["registration.confirmed"]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED


def test_a_tampered_body_or_an_old_timestamp_fails_verification(delivery, receiver):
    assert delivery_send(delivery_id=delivery.pk) == Outcome.DELIVERED
    (request,) = receiver.requests
    secret = delivery.endpoint.secret
    headers = request.headers
    assert verifies(request, secret)
    tampered = request.body.replace(b'"party_size":1', b'"party_size":9')
    assert tampered != request.body
    common = {
        "timestamp": headers["X-Portal-Timestamp"],
        "signature": headers["X-Portal-Signature"],
    }
    assert not signature_verify(secret=secret, body=tampered, now=time.time(), **common)
    assert not signature_verify(secret="0" * 64, body=request.body, now=time.time(), **common)
    later = int(headers["X-Portal-Timestamp"]) + REPLAY_WINDOW + 1
    assert not signature_verify(secret=secret, body=request.body, now=later, **common)
    # What the README tells receivers to compute.
    stamp = int(headers["X-Portal-Timestamp"])
    assert headers["X-Portal-Signature"] == signature_make(
        secret=secret, timestamp=stamp, body=request.body
    )


def test_masked_scope_sends_masked_person_and_a_narrowed_scope_sends_none(delivery, receiver):
    first = delivery_send(delivery_id=delivery.pk)
    assert first == Outcome.DELIVERED
    assert receiver.requests[0].payload["data"]["person"] == {
        "name": "王**",
        "phone": "138 **** 8000",
    }
    # Written while the endpoint allowed masked data, sent after it stopped allowing it.
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.PENDING, delivered_at=None)
    Endpoint.objects.filter(pk=delivery.endpoint_id).update(scope=Endpoint.Scope.NONE)
    assert delivery_send(delivery_id=delivery.pk) == Outcome.DELIVERED
    assert "person" not in receiver.requests[1].payload["data"]
    delivery.refresh_from_db()
    assert "person" not in delivery.payload["data"]


def test_an_error_answer_is_retried_with_backoff_then_failed(delivery, receiver):
    receiver.status = 500
    receiver.body = b"database is down"
    now = timezone.now()

    assert delivery_send(delivery_id=delivery.pk, now=now) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert (delivery.response_status, delivery.response_body) == (500, "database is down")
    assert delivery.last_error == "HTTP 500"
    # Not due yet: nobody sends it.
    assert delivery_send(delivery_id=delivery.pk, now=now) == Outcome.BUSY

    second = now + datetime.timedelta(minutes=1)
    assert delivery_send(delivery_id=delivery.pk, now=second) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + datetime.timedelta(minutes=5)

    third = second + datetime.timedelta(minutes=5)
    assert delivery_send(delivery_id=delivery.pk, now=third) == Outcome.FAILED
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == 3
    assert len(receiver.requests) == 3
    # Each attempt is signed again, with its own time.
    stamps = [int(r.headers["X-Portal-Timestamp"]) for r in receiver.requests]
    assert stamps == [int(m.timestamp()) for m in (now, second, third)]


def test_a_receiver_that_never_answers_times_out_and_is_retried(settings, session):
    settings.WEBHOOK_TIMEOUT = 0.05
    # Accepts connections (the kernel completes them) and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        host, port = silent.getsockname()
        endpoint_make(f"http://{host}:{port}/", events=ALL)
        registration_create(session_id=session.pk, name="王小明", phone="13800138000")
        delivery = Delivery.objects.get()
        assert delivery_send(delivery_id=delivery.pk) == Outcome.RETRY
    finally:
        silent.close()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert "timed out" in delivery.last_error
    assert delivery.response_status is None


def test_a_claimed_delivery_is_never_sent_twice(delivery, receiver):
    assert delivery_send(delivery_id=delivery.pk) == Outcome.DELIVERED
    assert delivery_send(delivery_id=delivery.pk) == Outcome.BUSY
    assert len(receiver.requests) == 1
    # Another worker holds it: this one does not send it.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENDING, claimed_at=timezone.now(), delivered_at=None
    )
    assert delivery_send(delivery_id=delivery.pk) == Outcome.BUSY
    assert len(receiver.requests) == 1


def test_a_stale_claim_is_released_and_sent_by_the_sweep(
    delivery, receiver, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENDING, claimed_at=long_ago, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED and delivery.attempts == 2
    assert len(receiver.requests) == 1
    assert deliveries_release_stale() == 0


def test_an_inactive_endpoint_keeps_its_deliveries_waiting(
    delivery, receiver, django_capture_on_commit_callbacks
):
    Delivery.objects.filter(pk=delivery.pk).update(queued_at=None)
    Endpoint.objects.filter(pk=delivery.endpoint_id).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due() == 0
    assert delivery_send(delivery_id=delivery.pk) == Outcome.BUSY
    assert receiver.requests == []
    Endpoint.objects.filter(pk=delivery.endpoint_id).update(active=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_send_due() == 1
    assert len(receiver.requests) == 1


def test_staff_retry_gives_a_failed_delivery_fresh_attempts(
    delivery, receiver, django_capture_on_commit_callbacks, staff_approver
):
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        retried = delivery_retry(delivery_id=delivery.pk, by=staff_approver)
    assert retried.state == Delivery.State.PENDING
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED and delivery.attempts == 1
    assert len(receiver.requests) == 1


def test_production_never_posts_to_a_private_address(settings, delivery, receiver, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert delivery_send(delivery_id=delivery.pk) == Outcome.RETRY
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("AddressRefused")
    assert receiver.requests == []

    # A public name whose DNS answer is this machine (or the cloud's metadata service) is
    # refused when sending, before any connection.
    port = int(receiver.url.split(":")[2].split("/")[0])
    answers = {
        "hooks.example.com": ["203.0.113.7", "127.0.0.1"],
        "meta.example.com": ["169.254.169.254"],
    }

    def resolve(host, port, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answers[host]
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    for host in answers:
        with pytest.raises(transport.AddressRefused):
            transport.post(f"http://{host}:{port}/", body=b"{}", headers={}, timeout=1)
    assert receiver.requests == []
