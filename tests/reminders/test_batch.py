"""Sending due reminders in batches: the sweep's chunks, its loop and bounds, and the batch
task's guarantees (one claim per row, one connection per batch, retries, skips)."""

from __future__ import annotations

import datetime
from email.mime.image import MIMEImage

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from sms.backends.locmem import SmsBackend as LocmemSmsBackend

from events.models import Registration, SessionState
from reminders.models import Reminder
from reminders.services import (
    Outcome,
    _message_id,
    reminders_plan,
    reminders_send_batch,
    reminders_send_due,
)
from tests import factories
from tests.reminders.test_services import due_now

R = Reminder
OPENED: list[str] = []


class CountingEmailBackend(LocmemEmailBackend):
    """The in-memory outbox, noting each connection opened and which one sent each message."""

    def open(self):
        OPENED.append(f"email:{id(self)}")
        return super().open()

    def send_messages(self, messages):
        for message in messages:
            message.sent_by = id(self)
        return super().send_messages(messages)


class CountingSmsBackend(LocmemSmsBackend):
    def send_messages(self, messages):
        for message in messages:
            message.sent_by = id(self)
        return super().send_messages(messages)


@pytest.fixture
def registrations(session):
    """Four confirmed registrations with e-mail and phone: eight due reminders."""
    rows = [
        factories.RegistrationFactory(
            session=session,
            email=f"b{n}@example.com",
            phone=f"+861380000000{n}",
            language="en",
        )
        for n in range(4)
    ]
    for registration in rows:
        reminders_plan(registration=registration)
    due_now(Reminder.objects.filter(offset_minutes=1440))
    return rows


@pytest.fixture
def queued(monkeypatch):
    """What the sweep hands to the mail queue: the list of ``reminder_ids`` of each task."""
    from reminders.tasks import reminder_send_batch_task

    batches: list[list[int]] = []
    monkeypatch.setattr(
        reminder_send_batch_task, "delay", lambda *, reminder_ids: batches.append(reminder_ids)
    )
    return batches


def due_ids() -> list[int]:
    return list(
        Reminder.objects.filter(offset_minutes=1440)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )


# --- The sweep ---------------------------------------------------------------------------


def test_sweep_hands_due_rows_over_in_batches_of_the_batch_size(
    registrations, settings, queued, django_capture_on_commit_callbacks
):
    settings.REMINDER_BATCH_SIZE = 3
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 8
    assert [len(batch) for batch in queued] == [3, 3, 2]
    assert [pk for batch in queued for pk in batch] == due_ids()
    assert not Reminder.objects.filter(offset_minutes=1440, queued_at__isnull=True).exists()
    # The 2-hour reminders are not due: neither handed over nor marked.
    assert not Reminder.objects.filter(offset_minutes=120, queued_at__isnull=False).exists()
    # Handed over once: the next sweep finds nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 0
    assert len(queued) == 3


def test_sweep_stops_at_its_limit_and_the_next_sweep_goes_on(
    registrations, settings, queued, django_capture_on_commit_callbacks
):
    settings.REMINDER_BATCH_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(limit=5) == 5
    assert [len(batch) for batch in queued] == [2, 2, 1]
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(limit=5) == 3
    assert sorted(pk for batch in queued for pk in batch) == sorted(due_ids())


def test_sweep_with_its_time_budget_spent_hands_over_one_batch(
    registrations, settings, queued, django_capture_on_commit_callbacks
):
    settings.REMINDER_BATCH_SIZE = 3
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(budget=0) == 3
    assert queued == [due_ids()[:3]]
    # The rows it did not reach are still due and not marked: the next sweep takes them.
    assert Reminder.objects.filter(offset_minutes=1440, queued_at__isnull=True).count() == 5


def test_sweep_hands_over_again_rows_whose_message_was_lost(
    registrations, settings, queued, django_capture_on_commit_callbacks
):
    settings.REMINDER_BATCH_SIZE = 10
    settings.REMINDER_REQUEUE_AFTER = 60
    lost = Reminder.objects.filter(offset_minutes=1440, channel=R.Channel.SMS)
    lost.update(queued_at=timezone.now() - datetime.timedelta(seconds=90))
    # Handed over 30 s ago: probably still waiting in the broker, left alone.
    Reminder.objects.filter(offset_minutes=1440, channel=R.Channel.EMAIL).update(
        queued_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 4
    assert queued == [sorted(lost.values_list("pk", flat=True))]


def test_sweep_then_worker_sends_every_due_reminder_once(
    registrations, settings, django_capture_on_commit_callbacks, mailoutbox, _sms_outbox
):
    """Celery runs eagerly in tests: the queued batch tasks send at once."""
    settings.REMINDER_BATCH_SIZE = 3
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 8
    assert sorted(m.to[0] for m in mailoutbox) == [f"b{n}@example.com" for n in range(4)]
    assert sorted(m.recipients[0] for m in _sms_outbox) == [f"+861380000000{n}" for n in range(4)]
    sent = Reminder.objects.filter(offset_minutes=1440)
    assert set(sent.values_list("state", "attempts")) == {(R.State.SENT, 1)}


# --- The batch -----------------------------------------------------------------------------


def test_batch_sends_each_row_once_over_one_connection_per_channel(registrations, settings):
    import sms

    settings.EMAIL_DELIVERY_BACKEND = "tests.reminders.test_batch.CountingEmailBackend"
    settings.SMS_BACKEND = "tests.reminders.test_batch.CountingSmsBackend"
    mail.outbox, sms.outbox = [], []
    OPENED.clear()
    ids = due_ids()
    outcomes = reminders_send_batch(reminder_ids=ids)
    assert outcomes == {Outcome.SENT: 8}, set(Reminder.objects.values_list("last_error", flat=True))
    assert sorted(m.to[0] for m in mail.outbox) == [f"b{n}@example.com" for n in range(4)]
    assert len(sms.outbox) == 4
    assert len(OPENED) == 1
    assert len({m.sent_by for m in mail.outbox}) == 1
    assert len({m.sent_by for m in sms.outbox}) == 1
    # The same ids again (a duplicated broker message): nothing is sent twice.
    assert reminders_send_batch(reminder_ids=ids) == {Outcome.BUSY: 8}
    assert len(mail.outbox) == 4 and len(sms.outbox) == 4


def test_batch_reads_its_rows_in_one_query(registrations, _sms_outbox):
    ids = due_ids()
    with CaptureQueriesContext(connection) as queries:
        reminders_send_batch(reminder_ids=ids)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "reminders_reminder"' in q["sql"]
    ]
    assert len(reads) == 1
    session_state_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "events_sessionstate"."session_id"')
        and '"events_sessionstate"."cancelled_at" IS NOT NULL' in q["sql"]
    ]
    assert len(session_state_reads) == 1


def test_a_batch_handed_over_twice_costs_one_query_the_second_time(registrations, _sms_outbox):
    ids = due_ids()
    reminders_send_batch(reminder_ids=ids)

    with CaptureQueriesContext(connection) as queries:
        assert reminders_send_batch(reminder_ids=ids) == {Outcome.BUSY: len(ids)}

    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes == []
    assert len(queries.captured_queries) <= 2  # the rows, and the cancelled sessions


def test_batch_messages_belong_each_to_its_own_registration(registrations, mailoutbox):
    emails = Reminder.objects.filter(offset_minutes=1440, channel=R.Channel.EMAIL)
    reminders_send_batch(reminder_ids=list(emails.values_list("pk", flat=True)))
    by_address = {m.to[0]: m for m in mailoutbox}
    qr_images = set()
    for registration in registrations:
        message = by_address[registration.email]
        row = emails.get(registration=registration)
        assert message.extra_headers["Message-ID"] == _message_id(row)
        (ics,) = [a for a in message.attachments if isinstance(a, tuple)]
        content = ics[1].decode() if isinstance(ics[1], bytes) else ics[1]
        assert registration.ticket_code in content
        for other in registrations:
            if other != registration:
                assert other.ticket_code not in content
        (image,) = [a for a in message.attachments if isinstance(a, MIMEImage)]
        qr_images.add(image.get_payload())
    assert len(qr_images) == 4
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 4


def test_batch_leaves_rows_another_worker_claimed_or_finished(
    registrations, mailoutbox, _sms_outbox
):
    ids = due_ids()
    Reminder.objects.filter(pk=ids[0]).update(state=R.State.SENDING, claimed_at=timezone.now())
    Reminder.objects.filter(pk=ids[1]).update(state=R.State.SENT, sent_at=timezone.now())
    Reminder.objects.filter(pk=ids[2]).delete()
    assert reminders_send_batch(reminder_ids=ids) == {Outcome.BUSY: 3, Outcome.SENT: 5}
    assert len(mailoutbox) + len(_sms_outbox) == 5
    assert Reminder.objects.get(pk=ids[0]).state == R.State.SENDING


def test_batch_skips_reminders_whose_appointment_no_longer_stands(
    registrations, site_tree, mailoutbox, _sms_outbox
):
    from tests.reminders.conftest import make_session

    cancelled_registration = registrations[0]
    Registration.objects.filter(pk=cancelled_registration.pk).update(
        status=Registration.Status.CANCELLED
    )
    other = make_session(site_tree)
    elsewhere = factories.RegistrationFactory(session=other, email="x@example.com")
    reminders_plan(registration=elsewhere)
    due_now(Reminder.objects.filter(registration=elsewhere, offset_minutes=1440))
    SessionState.objects.update_or_create(
        session=other,
        defaults={
            "notified_starts_at": other.starts_at,
            "notified_ends_at": other.ends_at,
            "cancelled_at": timezone.now(),
        },
    )
    outcomes = reminders_send_batch(reminder_ids=due_ids())
    assert outcomes == {Outcome.SKIPPED: 4, Outcome.SENT: 6}
    skipped = set(
        Reminder.objects.filter(state=R.State.SKIPPED).values_list("registration_id", flat=True)
    )
    assert skipped == {cancelled_registration.pk, elsewhere.pk}
    assert "x@example.com" not in [m.to[0] for m in mailoutbox]
    assert len(mailoutbox) == 3 and len(_sms_outbox) == 3


def test_batch_failure_is_retried_later_and_the_batch_goes_on(
    registrations, settings, _sms_outbox, caplog
):
    import logging

    caplog.set_level(logging.DEBUG)
    settings.EMAIL_DELIVERY_BACKEND = "tests.reminders.test_services.RefusingEmailBackend"
    settings.REMINDER_RETRY_BACKOFF = 60
    before = timezone.now()
    outcomes = reminders_send_batch(reminder_ids=due_ids())
    assert outcomes == {Outcome.RETRY: 4, Outcome.SENT: 4}
    assert len(_sms_outbox) == 4
    for row in Reminder.objects.filter(offset_minutes=1440, channel=R.Channel.EMAIL):
        assert row.state == R.State.PENDING and row.attempts == 1 and row.queued_at is None
        assert row.retry_at >= before + datetime.timedelta(seconds=59)
        assert row.last_error.startswith("ConnectionRefusedError: 550 mailbox unavailable")
        assert "@example.com" not in row.last_error
    assert "@example.com" not in caplog.text
    for registration in registrations:
        assert registration.phone not in caplog.text


def test_batch_task_goes_to_the_mail_queue():
    from portal.celery_app import app
    from reminders.tasks import reminder_send_batch_task

    route = app.amqp.router.route(
        reminder_send_batch_task._get_exec_options(), reminder_send_batch_task.name
    )
    assert route["queue"].name == "mail"
