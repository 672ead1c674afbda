"""Every e-mail about a registration is an outbox row written with the change that causes
it, sent by the mail queue after the commit, and kept when the broker is down."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from events.exceptions import RegistrationError
from events.models import Registration
from events.notifications import registration_notify_on_commit
from events.services.registration import registration_cancel, registration_create
from reminders.models import Reminder
from reminders.services import reminders_send_due

R = Reminder
BROKER_DOWN = mock.patch(
    "reminders.tasks.reminder_send_batch_task.delay",
    side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
)


def register(session, n: int, **kwargs) -> Registration:
    return registration_create(
        session_id=session.pk,
        name=f"访客{n}",
        phone=f"1391234{n:04d}",
        email=f"visitor{n}@example.com",
        language="en",
        **kwargs,
    )


def test_a_change_and_its_notice_are_written_together_and_sent_after_the_commit(
    session, django_capture_on_commit_callbacks
):
    session.capacity = 1
    session.save()
    first = register(session, 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = register(session, 2, join_waitlist=True)
        promoted = registration_cancel(registration_id=first.pk)

        # Before the commit: the rows exist, nothing has been sent.
        purposes = set(Reminder.objects.values_list("registration_id", "purpose"))
        assert purposes >= {
            (waiting.pk, R.Purpose.WAITLISTED),
            (first.pk, R.Purpose.REGISTRATION_CANCELLED),
            (waiting.pk, R.Purpose.PROMOTED),
        }
        assert mail.outbox == []
    assert callbacks

    assert [r.pk for r in promoted] == [waiting.pk]
    sent = {(m.to[0], m.subject.split(":")[0]) for m in mail.outbox}
    assert sent == {
        ("visitor2@example.com", "You are on the waiting list"),
        ("visitor1@example.com", "Registration cancelled"),
        ("visitor2@example.com", "A place is now yours"),
    }
    assert set(
        Reminder.objects.exclude(purpose=R.Purpose.REMINDER).values_list("state", flat=True)
    ) == {R.State.SENT}


def test_a_rolled_back_change_leaves_no_notice(session):
    session.capacity = 0
    session.save()
    with pytest.raises(RegistrationError) as refused:
        register(session, 1)  # full, and not on the waiting list: refused, rolled back

    assert refused.value.code == "full"
    assert not Reminder.objects.exists()


def test_with_the_broker_down_the_change_succeeds_and_the_sweep_sends_its_notice(
    session, django_capture_on_commit_callbacks, caplog
):
    registration = register(session, 1)
    with BROKER_DOWN, django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration_id=registration.pk)

    assert mail.outbox == []
    row = Reminder.objects.get(purpose=R.Purpose.REGISTRATION_CANCELLED)
    assert row.state == R.State.PENDING
    assert row.queued_at is None  # not handed over: the next sweep will
    assert "The broker did not take reminders.tasks.reminder_send_batch_task" in caplog.text
    assert "visitor1" not in caplog.text and "13912340001" not in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()

    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Registration cancelled"]
    row.refresh_from_db()
    assert row.state == R.State.SENT


def test_the_same_kind_of_notice_is_sent_again_for_a_later_change(
    session, django_capture_on_commit_callbacks
):
    registration = register(session, 1)
    with django_capture_on_commit_callbacks(execute=True):
        registration_notify_on_commit(registration=registration, kind="changed")
        registration_notify_on_commit(registration=registration, kind="changed")

    assert len(mail.outbox) == 2
    assert mail.outbox[0].extra_headers["Message-ID"] != mail.outbox[1].extra_headers["Message-ID"]
