"""Follow-ups of registrations confirmed in a request: the ticket e-mail, the reminders and
the ticket's QR code are written by a worker after the commit, exactly once, and a lost
wake-up (the broker was down) costs time, never the ticket."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError

from events.models import Registration, SessionState
from events.services.notices import (
    FOLLOWUP_WAKE_KEY,
    registration_followups_run,
    registration_followups_wake,
)
from events.services.registration import registration_cancel, registration_create
from reminders.models import Reminder
from reminders.services import reminders_send_batch, reminders_send_due

R = Reminder


def register(session, n: int = 1, *, email: str = "") -> Registration:
    return registration_create(
        session_id=session.pk,
        name=f"访客{n}",
        phone=f"1391234{n:04d}",
        email=email or f"visitor{n}@example.com",
        language="en",
    )


@pytest.fixture(autouse=True)
def _offsets(settings):
    settings.REMINDER_OFFSETS = {**settings.REMINDER_OFFSETS, "registration": (1440, 120)}


def test_commit_wakes_the_worker_that_sends_the_ticket_and_plans_reminders(
    session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(session)

    registration.refresh_from_db()
    assert registration.followup_pending is False
    (message,) = mail.outbox
    assert message.to == ["visitor1@example.com"]
    assert registration.ticket_code in message.body
    assert message.subject.startswith("Your ticket")
    rows = Reminder.objects.filter(registration=registration)
    assert sorted(rows.values_list("purpose", "channel", "state")) == [
        (R.Purpose.REMINDER, R.Channel.EMAIL, R.State.PENDING),
        (R.Purpose.REMINDER, R.Channel.EMAIL, R.State.PENDING),
        (R.Purpose.REMINDER, R.Channel.SMS, R.State.PENDING),
        (R.Purpose.REMINDER, R.Channel.SMS, R.State.PENDING),
        (R.Purpose.TICKET, R.Channel.EMAIL, R.State.SENT),
    ]


def test_the_request_itself_writes_no_reminder_and_sends_nothing(session):
    registration = register(session)  # the test's transaction never commits

    assert registration.followup_pending is True
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_a_follow_up_run_twice_or_by_two_workers_sends_one_ticket(
    session, django_capture_on_commit_callbacks
):
    registration = register(session)

    with django_capture_on_commit_callbacks(execute=True):
        assert registration_followups_run() == 1
        assert registration_followups_run() == 0

    assert len(mail.outbox) == 1
    assert Reminder.objects.filter(registration=registration).count() == 5


def test_a_registration_cancelled_before_its_follow_up_gets_no_ticket_nor_reminders(
    session, django_capture_on_commit_callbacks
):
    registration = register(session)
    registration_cancel(registration_id=registration.pk)  # its notice waits for the commit

    with django_capture_on_commit_callbacks(execute=True):
        assert registration_followups_run() == 1

    assert mail.outbox == []
    # Only the cancellation notice, written with the cancellation.
    assert list(
        Reminder.objects.filter(registration=registration).values_list("purpose", flat=True)
    ) == [R.Purpose.REGISTRATION_CANCELLED]
    registration.refresh_from_db()
    assert registration.followup_pending is False


def test_with_the_broker_down_the_registration_stands_and_the_sweep_sends_its_ticket(
    session, django_capture_on_commit_callbacks, caplog
):
    down = mock.patch(
        "events.tasks.registration_followups_task.delay",
        side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379."),
    )
    with down, django_capture_on_commit_callbacks(execute=True):
        registration = register(session)

    assert "The broker did not take events.tasks.registration_followups_task" in caplog.text
    assert "13912340001" not in caplog.text and "visitor1" not in caplog.text
    assert mail.outbox == []
    registration.refresh_from_db()
    assert registration.followup_pending is True

    # The broker is back: the sweep of the next minute follows it up, once.
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()

    assert len(mail.outbox) == 1
    assert registration.ticket_code in mail.outbox[0].body


def test_a_registration_without_email_gets_reminders_by_text_only(
    session, django_capture_on_commit_callbacks
):
    registration = registration_create(
        session_id=session.pk, name="访客", phone="13912340009", email=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        registration_followups_run()

    assert mail.outbox == []
    assert set(
        Reminder.objects.filter(registration=registration).values_list("purpose", "channel")
    ) == {(R.Purpose.REMINDER, R.Channel.SMS)}


@pytest.mark.redis
def test_one_wake_up_in_flight_at_a_time_with_a_shared_cache(session):
    """With Redis, registrations committed while a wake-up waits for the worker send none;
    the worker's run deletes the key first, so the next commit wakes it again."""
    with mock.patch("events.tasks.registration_followups_task.delay") as delay:
        registration_followups_wake()
        registration_followups_wake()
        registration_followups_wake()
        assert delay.call_count == 1
        assert cache.get(FOLLOWUP_WAKE_KEY) is not None

        registration_followups_run()
        assert cache.get(FOLLOWUP_WAKE_KEY) is None

        registration_followups_wake()
        assert delay.call_count == 2


def test_every_commit_wakes_the_worker_with_a_per_process_cache(session, settings):
    """A per-process cache is not seen by the worker, which could not clear the key: each
    commit sends its own wake-up (the embedded default)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with mock.patch("events.tasks.registration_followups_task.delay") as delay:
        registration_followups_wake()
        registration_followups_wake()
    assert delay.call_count == 2


def test_a_session_the_organiser_cancelled_gets_no_ticket_at_any_step(
    session, django_capture_on_commit_callbacks
):
    before = register(session, 1)
    registration_followups_run()  # its ticket row is written; not yet sent (no commit)
    ticket = Reminder.objects.get(registration=before, purpose=R.Purpose.TICKET)
    after = register(session, 2)
    SessionState.objects.update_or_create(
        session=session, defaults={"cancelled_at": timezone.now()}
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert registration_followups_run() == 1
    assert not Reminder.objects.filter(registration=after).exists()
    assert reminders_send_batch(reminder_ids=[ticket.pk]) == {"skipped": 1}
    assert mail.outbox == []
